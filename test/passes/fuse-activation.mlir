// RUN: dlc-opt %s --fuse-activation --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[C:.*]] = "qg.conv"(%arg0, %arg1) {act = "relu", act_max = 0x7F800000 : f32, act_min = 0.000000e+00 : f32,
// CHECK-NOT: qg.relu
// CHECK: return %[[C]]
func.func @conv_relu(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = "qg.relu"(%0) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// ReLU6 (Clip 0..6) after a gemm.
// CHECK-LABEL: func.func @gemm_relu6
// CHECK: "qg.gemm"(%arg0, %arg1) {act = "clip", act_max = 6.000000e+00 : f32, act_min = 0.000000e+00 : f32,
// CHECK-NOT: qg.clip
func.func @gemm_relu6(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = "qg.gemm"(%x, %w) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = "qg.clip"(%0) {min = 0.0 : f32, max = 6.0 : f32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// Residual add followed by relu fuses into the add.
// CHECK-LABEL: func.func @add_relu
// CHECK: "qg.add"(%arg0, %arg1) {act = "relu"
func.func @add_relu(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "qg.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Not fused: the producer has another use, or cannot carry an activation (sub).
// CHECK-LABEL: func.func @not_fused
// CHECK: %[[A:.*]] = "qg.add"(%arg0, %arg1) :
// CHECK: "qg.relu"(%[[A]])
// CHECK: %[[S:.*]] = "qg.sub"
// CHECK: "qg.relu"(%[[S]])
func.func @not_fused(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = "qg.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "qg.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "qg.sub"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = "qg.relu"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
