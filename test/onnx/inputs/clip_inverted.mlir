module {
  func.func @main(%arg0: tensor<1x1x2x3xf32> {dlc.name = "x"}) -> (tensor<1x2x2x3xf32> {dlc.name = "y"}) {
    %cst = arith.constant dense<5.000000e-01> : tensor<2x1x1x1xf32>
    %0 = "qg.conv"(%arg0, %cst) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x3xf32>
    %1 = "qg.clip"(%0) {max = -1.000000e+00 : f32, min = 1.000000e+00 : f32} : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
    return %1 : tensor<1x2x2x3xf32>
  }
}
