// RUN: dlc-opt %s --fold-constants --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @arith
// CHECK: %[[C:.*]] = arith.constant dense<[4.000000e+00, 1.400000e+01]> : tensor<2xf32>
// CHECK-NOT: qg.
// CHECK: return %[[C]]
func.func @arith() -> tensor<2xf32> {
  %a = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[4.0, 6.0]> : tensor<2xf32>
  %0 = "qg.add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = "qg.mul"(%0, %a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = "qg.sub"(%1, %a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %2 : tensor<2xf32>
}

// -----

// A transposed weight folds; the op on the function argument stays.
// CHECK-LABEL: func.func @transpose_weight
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: "qg.matmul"(%arg0, %[[W]])
func.func @transpose_weight(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %t = "qg.transpose"(%w) {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %0 = "qg.matmul"(%x, %t) : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// Integer shape arithmetic, concat and gather.
// CHECK-LABEL: func.func @shapes
// CHECK: arith.constant dense<[2, 12]> : tensor<2xi64>
// CHECK-NOT: tensor.concat
func.func @shapes() -> tensor<2xi64> {
  %s = arith.constant dense<[2, 3, 4]> : tensor<3xi64>
  %i = arith.constant dense<0> : tensor<1xi64>
  %j = arith.constant dense<[1, 2]> : tensor<2xi64>
  %a = "qg.gather"(%s, %i) {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %b = "qg.gather"(%s, %j) {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %p = "qg.reduce_prod"(%b) {axes = array<i64: 0>, keepdims = 1 : i64} : (tensor<2xi64>) -> tensor<1xi64>
  %c = tensor.concat dim(0) %a, %p : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %c : tensor<2xi64>
}

// -----

// Ops the reference kernels lack (gemm) fold through the interpreter's runtime call.
// CHECK-LABEL: func.func @gemm_folds
// CHECK: %[[C:.*]] = arith.constant {{.*}}dense<{{\[}}[5.000000e+00, 1.100000e+01, 1.700000e+01]]> : tensor<1x3xf32>
// CHECK-NOT: qg.gemm
// CHECK: return %[[C]]
func.func @gemm_folds() -> tensor<1x3xf32> {
  %a = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %b = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %0 = "qg.gemm"(%a, %b) {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Adding zeros (a zero initial state bound into an RNN) is dropped; adding
// zeros that widen the operand, or nonzeros, is not.
// CHECK-LABEL: func.func @add_zero
// CHECK-NOT: "qg.add"(%arg0, %cst)
// CHECK: %[[W:.*]] = "qg.add"(%arg1,
// CHECK: %[[N:.*]] = "qg.add"(%arg0,
// CHECK: return %arg0, %[[W]], %[[N]]
func.func @add_zero(%x: tensor<1x4xf32>, %y: tensor<4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %z = arith.constant dense<0.0> : tensor<1x4xf32>
  %n = arith.constant dense<[[0.0, 1.0, 0.0, 0.0]]> : tensor<1x4xf32>
  %0 = "qg.add"(%z, %x) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %1 = "qg.sub"(%0, %z) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %2 = "qg.add"(%y, %z) : (tensor<4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %3 = "qg.add"(%x, %n) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return %1, %2, %3 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
