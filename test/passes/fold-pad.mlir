// RUN: dlc-opt %s --fold-pad --split-input-file | FileCheck %s

// TensorFlow's "same" padding of a stride-2 conv: zeros at the end of H and W.
// CHECK-LABEL: func.func @same_pad
// CHECK-NOT: qg.pad
// CHECK: "qg.conv"(%arg0, %arg1) {{{.*}}pads = array<i64: 1, 1, 2, 2>, strides = array<i64: 2, 2>}
func.func @same_pad(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %0 = "qg.pad"(%x) {mode = "constant", pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 1>, value = 0.0 : f32} : (tensor<1x2x5x5xf32>) -> tensor<1x2x6x6xf32>
  %1 = "qg.conv"(%0, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x6x6xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %1 : tensor<1x3x3x3xf32>
}

// -----

// The pad has another user: it stays for that one, the conv reads x.
// CHECK-LABEL: func.func @shared
// CHECK: %[[P:.*]] = "qg.pad"(%arg0)
// CHECK: "qg.conv"(%arg0, %arg1) {{{.*}}pads = array<i64: 1, 1, 1, 1>
// CHECK: return %[[P]]
func.func @shared(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> (tensor<1x1x6x6xf32>, tensor<1x1x4x4xf32>) {
  %0 = "qg.pad"(%x) {mode = "constant", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %1 = "qg.conv"(%0, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x6x6xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %0, %1 : tensor<1x1x6x6xf32>, tensor<1x1x4x4xf32>
}

// -----

// Not folded: a nonzero pad value, reflect mode, padded channels.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: "qg.pad"
func.func @kept(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>, %w2: tensor<1x2x3x3xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>) {
  %0 = "qg.pad"(%x) {mode = "constant", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.0 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %1 = "qg.conv"(%0, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x6x6xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  %2 = "qg.pad"(%x) {mode = "reflect", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %3 = "qg.conv"(%2, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x6x6xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  %4 = "qg.pad"(%x) {mode = "constant", pads = array<i64: 0, 1, 0, 0, 0, 0, 0, 0>, value = 0.0 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %5 = "qg.conv"(%4, %w2) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %1, %3, %5 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>
}
