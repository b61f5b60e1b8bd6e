// RUN: dlc-opt %s --fold-bias --split-input-file | FileCheck %s

// Paddle's conv_transpose bias: an add of a [1, C, 1, 1] constant.
// CHECK-LABEL: func.func @convt_bias
// CHECK: %[[B:.*]] = arith.constant dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = "qg.conv_transpose"(%arg0, %arg1, %[[B]])
// CHECK-NOT: qg.add
// CHECK: return %[[Y]]
func.func @convt_bias(%x: tensor<1x3x2x2xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %c = arith.constant dense<[[[[1.5]], [[-2.0]]]]> : tensor<1x2x1x1xf32>
  %0 = "qg.conv_transpose"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x2x2xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x4x4xf32>
  %1 = "qg.add"(%c, %0) : (tensor<1x2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// A conv with a bias: the constant adds to it.
// CHECK-LABEL: func.func @conv_bias
// CHECK: %[[B:.*]] = arith.constant dense<[1.250000e+00, 2.250000e+00]> : tensor<2xf32>
// CHECK: "qg.conv"(%arg0, %arg1, %[[B]])
// CHECK-NOT: qg.add
func.func @conv_bias(%x: tensor<1x1x3x3xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %c = arith.constant dense<0.25> : tensor<f32>
  %0 = "qg.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %1 = "qg.add"(%0, %c) : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  return %1 : tensor<1x2x3x3xf32>
}

// -----

// Not folded: the constant varies along W, the conv has a fused activation.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-2: "qg.add"
func.func @kept(%x: tensor<1x1x3x3xf32>, %w: tensor<2x1x1x1xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %c = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %d = arith.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %1 = "qg.add"(%0, %c) : (tensor<1x2x3x3xf32>, tensor<3xf32>) -> tensor<1x2x3x3xf32>
  %2 = "qg.conv"(%x, %w) {act = "relu", act_min = 0.0 : f32, act_max = 0x7F800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %3 = "qg.add"(%2, %d) : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %1, %3 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// A Linear layer on a sequence: matmul with a constant [K, N] weight, then the
// add of an [N] bias, becomes a 2-D gemm with that bias between two reshapes.
// CHECK-LABEL: func.func @linear_seq
// CHECK: %[[X:.*]] = "qg.reshape"(%arg0) : (tensor<1x4x3xf32>) -> tensor<4x3xf32>
// CHECK: %[[B:.*]] = arith.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[G:.*]] = "qg.gemm"(%[[X]], %{{.*}}, %[[B]]) : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK: %[[Y:.*]] = "qg.reshape"(%[[G]]) : (tensor<4x2xf32>) -> tensor<1x4x2xf32>
// CHECK-NOT: qg.matmul
// CHECK-NOT: qg.add
// CHECK: return %[[Y]]
func.func @linear_seq(%x: tensor<1x4x3xf32>) -> tensor<1x4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %0 = "qg.matmul"(%x, %w) : (tensor<1x4x3xf32>, tensor<3x2xf32>) -> tensor<1x4x2xf32>
  %1 = "qg.add"(%b, %0) : (tensor<2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  return %1 : tensor<1x4x2xf32>
}

// -----

// 2-D with one bias value: a gemm, no reshapes.
// CHECK-LABEL: func.func @linear_2d
// CHECK-NOT: qg.reshape
// CHECK: %[[G:.*]] = "qg.gemm"(%arg0, %{{.*}}, %{{.*}}) {{.*}}-> tensor<4x2xf32>
// CHECK: return %[[G]]
func.func @linear_2d(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2xf32>
  %b = arith.constant dense<0.25> : tensor<f32>
  %0 = "qg.matmul"(%x, %w) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %1 = "qg.add"(%0, %b) : (tensor<4x2xf32>, tensor<f32>) -> tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// Not folded: weights that are not a constant (attention's matmuls), and a
// constant that varies along another axis than the last.
// CHECK-LABEL: func.func @not_linear
// CHECK: qg.matmul
// CHECK: qg.add
// CHECK: qg.matmul
// CHECK: qg.add
// CHECK-NOT: qg.gemm
func.func @not_linear(%x: tensor<4x3xf32>, %v: tensor<3x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %0 = "qg.matmul"(%x, %v) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %1 = "qg.add"(%0, %b) : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %w = arith.constant dense<1.0> : tensor<3x2xf32>
  %c = arith.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>
  %2 = "qg.matmul"(%x, %w) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %3 = "qg.add"(%2, %c) : (tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
  return %1, %3 : tensor<4x2xf32>, tensor<4x2xf32>
}
