// RUN: dlc-opt %s --fold-bn | FileCheck %s
// RUN: dlc-opt %s --fold-bn --split-input-file | dlc-opt --split-input-file | FileCheck %s

// scale=2, bias=1, mean=3, var=3, eps=1: k = 2/sqrt(4) = 1.
// w' = w * 1; b' = (b - 3) * 1 + 1 = b - 2.
// CHECK-LABEL: func.func @conv_bn
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[8.000000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK: "qg.conv"(%arg0, %[[W]], %[[B]])
// CHECK-NOT: qg.batch_norm
func.func @conv_bn(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[10.0, 0.0]> : tensor<2xf32>
  %s = arith.constant dense<2.0> : tensor<2xf32>
  %bi = arith.constant dense<1.0> : tensor<2xf32>
  %m = arith.constant dense<3.0> : tensor<2xf32>
  %v = arith.constant dense<3.0> : tensor<2xf32>
  %0 = "qg.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %1 = "qg.batch_norm"(%0, %s, %bi, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// Without a bias the conv gains one; k = 4/sqrt(4) = 2 for both channels.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK-DAG: arith.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}-2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: arith.constant dense<-5.000000e+00> : tensor<2xf32>
// CHECK: "qg.conv"(%arg0, %{{.*}}, %{{.*}}) {
// CHECK-NOT: qg.batch_norm
func.func @conv_no_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[1.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32>
  %s = arith.constant dense<4.0> : tensor<2xf32>
  %bi = arith.constant dense<1.0> : tensor<2xf32>
  %m = arith.constant dense<3.0> : tensor<2xf32>
  %v = arith.constant dense<3.0> : tensor<2xf32>
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = "qg.batch_norm"(%0, %s, %bi, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// Gemm [N,K]x[K,C] (transB = 0): column c of w scales by k[c]. k = [1, 2].
// CHECK-LABEL: func.func @gemm_bn
// CHECK-DAG: arith.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [3.000000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK: "qg.gemm"
// CHECK-NOT: qg.batch_norm
func.func @gemm_bn(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %s = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %bi = arith.constant dense<0.0> : tensor<2xf32>
  %m = arith.constant dense<0.0> : tensor<2xf32>
  %v = arith.constant dense<0.0> : tensor<2xf32>
  %0 = "qg.gemm"(%x, %w) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %1 = "qg.batch_norm"(%0, %s, %bi, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %1 : tensor<1x2xf32>
}

// -----

// A conv result with a second use cannot be folded: both stay.
// CHECK-LABEL: func.func @two_uses
// CHECK: "qg.conv"
// CHECK: "qg.batch_norm"
func.func @two_uses(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %s = arith.constant dense<4.0> : tensor<2xf32>
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = "qg.batch_norm"(%0, %s, %s, %s, %s) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %0, %1 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
