// Input of resource-names.test: resource keys as MLIR makes them in a context
// that made other blobs of those names before (NAME_N, N counting them all).
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %w = arith.constant dense_resource<qweight_536> : tensor<2xf32>
  %b = arith.constant dense_resource<qbias_268> : tensor<2xf32>
  %v = arith.constant dense_resource<qweight_9> : tensor<2xf32>
  %u = arith.constant dense_resource<blob1> : tensor<2xf32>
  %0 = "qg.add"(%x, %w) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = "qg.add"(%0, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = "qg.add"(%1, %v) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %3 = "qg.add"(%2, %u) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %3 : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      qweight_9: "0x040000000000803F00000040",
      blob1: "0x040000000000004000000040",
      qbias_268: "0x040000000000404000000040",
      qweight_536: "0x040000000000804000000040"
    }
  }
#-}
