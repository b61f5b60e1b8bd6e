// Input of dlc-opt-verify-diagnostics.mlir: an expectation one line off, and
// a diagnostic nobody expects.
// expected-error@+1 {{'qg.relu' unknown attribute 'alpha'}}
func.func @off_by_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// -----
// expected-warning {{never emitted}}
func.func @unexpected(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) {beta = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
