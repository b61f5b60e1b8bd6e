// Input of dlc-opt-bytecode.test: a weight as a resource blob (as dlc writes
// large ones), a named location and file locations.
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  // the weights [1.0, 2.0]
  %w = arith.constant dense_resource<blob1> : tensor<2xf32>
  %0 = "qg.add"(%x, %w) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("add1")
  return %0 : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob1: "0x040000000000803F00000040"
    }
  }
#-}
