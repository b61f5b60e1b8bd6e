// Diagnostics as mlir-opt prints them: the file as given, line and column,
// the source line and a caret under the column; `// -----` chunks keep the
// line numbers of the whole file; stdin is <stdin>.
// RUN: not dlc-opt %s --split-input-file 2>&1 | FileCheck %s --match-full-lines --strict-whitespace
// RUN: cat %s | not dlc-opt - --split-input-file 2>&1 | FileCheck %s --check-prefix=STDIN
// A location that is not in the file (an ONNX node name) keeps dlc's form.
// RUN: not dlc-opt %s --split-input-file 2>&1 | FileCheck %s --check-prefix=NAMED

// CHECK:{{.*}}dlc-opt-diagnostics.mlir:[[@LINE+4]]:8: error: 'qg.relu' unknown attribute 'alpha'
// CHECK-NEXT:  %0 = "qg.relu"(%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:       ^
func.func @verifier(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK:{{.*}}dlc-opt-diagnostics.mlir:[[@LINE+4]]:38: error: custom op 'func.func' expected SSA identifier
// CHECK-NEXT:func.func @syntax(%x: tensor<4xf32>, {
// CHECK-NEXT:                                     ^
// STDIN: <stdin>:[[@LINE+1]]:38: error: custom op 'func.func' expected SSA identifier
func.func @syntax(%x: tensor<4xf32>, {

// -----

// Several top-level ops in one chunk are one module, as in mlir-opt.
// CHECK:{{.*}}dlc-opt-diagnostics.mlir:[[@LINE+7]]:8: error: 'qg.add' shapes are not broadcastable: dimension 1 is 3 vs 4
// CHECK-NEXT:  %0 = "qg.add"(%a, %b) : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
// STDIN: <stdin>:[[@LINE+5]]:8: error: 'qg.add'
func.func @first() {
  return
}
func.func @second(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %0 = "qg.add"(%a, %b) : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// NAMED: dlc-opt: error: conv1: 'qg.relu' unknown attribute 'beta'
func.func @named(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) {beta = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32> loc("conv1")
  return %0 : tensor<4xf32>
}
