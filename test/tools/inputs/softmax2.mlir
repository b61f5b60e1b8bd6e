module {
  func.func @main(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %0 = "qg.softmax"(%a) {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
    return %0 : tensor<2x3xf32>
  }
}
