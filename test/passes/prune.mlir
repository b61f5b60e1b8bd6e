// RUN: dlc-opt --split-input-file --prune %s | FileCheck %s
// RUN: not dlc-opt --split-input-file --prune %s.bad 2>&1 | FileCheck %s.bad --check-prefix=BAD

// unstructured:0.5 zeroes the 4 smallest |w| of the 8 (gemm, transB = 0: W is K x N).
// CHECK-LABEL: func.func @unstructured
// CHECK: arith.constant dense<{{\[\[}}0.000000e+00, -8.000000e+00], [3.000000e+00, 0.000000e+00], [0.000000e+00, 6.000000e+00], [-5.000000e+00, 0.000000e+00]]> : tensor<4x2xf32>
// CHECK: "qg.gemm"{{.*}}dlc.pruned = {method = "unstructured", sparsity = 5.000000e-01 : f64}
func.func @unstructured(%x: tensor<1x4xf32>) -> tensor<1x2xf32> attributes {dlc.prune = {spec = "unstructured:0.5"}} {
  %w = arith.constant dense<[[1.0, -8.0], [3.0, 0.5], [-2.0, 6.0], [-5.0, 0.25]]> : tensor<4x2xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = "qg.gemm"(%x, %w, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<1x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// nm:2:4 keeps the two largest |w| of each group of 4 inputs of each output
// (matmul: W is K x N; output 0 is column 0).
// CHECK-LABEL: func.func @nm
// CHECK: arith.constant dense<{{\[\[}}0.000000e+00, 4.000000e+00], [-7.000000e+00, 0.000000e+00], [0.000000e+00, -3.000000e+00], [5.000000e+00, 0.000000e+00]]> : tensor<4x2xf32>
// CHECK: "qg.matmul"{{.*}}dlc.pruned = {method = "nm", sparsity = 5.000000e-01 : f64}
func.func @nm(%x: tensor<1x3x4xf32>) -> tensor<1x3x2xf32> attributes {dlc.prune = {spec = "nm:2:4"}} {
  %w = arith.constant dense<[[1.0, 4.0], [-7.0, 1.0], [2.0, -3.0], [5.0, 2.0]]> : tensor<4x2xf32>
  %0 = "qg.matmul"(%x, %w) : (tensor<1x3x4xf32>, tensor<4x2xf32>) -> tensor<1x3x2xf32>
  return %0 : tensor<1x3x2xf32>
}

// -----

// rows:0.5 zeroes the output with the smallest L2 norm (row 1 of a transB gemm);
// cols:0.5 the two inputs with the smallest norms across outputs. A layer the
// pattern does not match stays as it was.
// CHECK-LABEL: func.func @rows
// CHECK: arith.constant dense<{{\[\[}}3.000000e+00, 4.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 5.000000e+00]]> : tensor<3x2xf32>
// CHECK: "qg.gemm"{{.*}}dlc.pruned = {method = "rows"
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>
// CHECK: "qg.gemm"(%{{.*}}, %[[W2]])
// CHECK-NOT: dlc.pruned
func.func @rows(%x: tensor<1x2xf32>) -> tensor<1x1xf32> attributes {dlc.prune = {spec = "rows:0.5", layers = "^first$"}} {
  %w = arith.constant dense<[[3.0, 4.0], [1.0, -1.0], [0.0, 5.0]]> : tensor<3x2xf32>
  %0 = "qg.gemm"(%x, %w) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32> loc("first")
  %v = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %s = "qg.slice"(%0) {starts = array<i64: 0, 0>, ends = array<i64: 1, 2>, axes = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<1x3xf32>) -> tensor<1x2xf32>
  %1 = "qg.gemm"(%s, %v) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x1xf32> loc("second")
  return %1 : tensor<1x1xf32>
}

// -----

// CHECK-LABEL: func.func @cols
// CHECK: arith.constant dense<{{\[\[}}0.000000e+00, 4.000000e+00, 0.000000e+00, 1.000000e+00], [0.000000e+00, -4.000000e+00, 0.000000e+00, 2.000000e+00]]> : tensor<2x4xf32>
func.func @cols(%x: tensor<1x4xf32>) -> tensor<1x2xf32> attributes {dlc.prune = {spec = "cols:0.5"}} {
  %w = arith.constant dense<[[1.0, 4.0, 0.5, 1.0], [-1.0, -4.0, 0.5, 2.0]]> : tensor<2x4xf32>
  %0 = "qg.gemm"(%x, %w) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// filters:0.5 removes the conv's weaker output channel (1) from its weights,
// bias and result, through the relu and max_pool, and the matching input
// channel of the next conv.
// CHECK-LABEL: func.func @filters
// CHECK-DAG: %[[W:.*]] = arith.constant dense<2.000000e+00> : tensor<1x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: "qg.conv"(%arg0, %[[W]], %[[B]]) {{.*}}dlc.pruned = {method = "filters", sparsity = 5.000000e-01 : f64}{{.*}} -> tensor<1x1x4x4xf32>
// CHECK: "qg.relu"{{.*}} -> tensor<1x1x4x4xf32>
// CHECK: "qg.max_pool"{{.*}} -> tensor<1x1x2x2xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[\[\[\[}}3.000000e+00]]], {{\[\[\[}}5.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK: "qg.conv"(%{{.*}}, %[[W2]]) {{.*}} -> tensor<1x2x2x2xf32>
// CHECK-NOT: dlc.pruned
func.func @filters(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x2x2xf32> attributes {dlc.prune = {spec = "filters:0.5", layers = "c1"}} {
  %w = arith.constant dense<[[[[2.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %w2 = arith.constant dense<[[[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<2x2x1x1xf32>
  %0 = "qg.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("c1")
  %1 = "qg.relu"(%0) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %2 = "qg.max_pool"(%1) {ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %3 = "qg.conv"(%2, %w2) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %3 : tensor<1x2x2x2xf32>
}

// -----

// A conv whose result the function returns cannot shrink: its filter is zeroed, and it says why.
// CHECK-LABEL: func.func @filters_zeroed
// CHECK: arith.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}0.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK: dlc.pruned = {method = "filters", note = "filters zeroed, not removed: its channels flow into a value the function returns, which cannot shrink", sparsity = 5.000000e-01 : f64}
func.func @filters_zeroed(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> attributes {dlc.prune = {spec = "filters:0.5"}} {
  %w = arith.constant dense<[[[[2.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32>
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}
