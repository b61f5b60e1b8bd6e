// RUN: dlc-opt %s | FileCheck %s
// RUN: dlc-opt %s | dlc-opt | FileCheck %s
// The qg dialect parses, verifies and prints back; ops print in generic form.

// CHECK-LABEL: func.func @conv_relu
// CHECK: "qg.conv"(%arg0, %arg1, %arg2) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
// CHECK: "qg.relu"
func.func @conv_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = "qg.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %1 = "qg.relu"(%0) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %1 : tensor<1x4x8x8xf32>
}

// Quantized element types are ordinary builtin quant types.
// CHECK-LABEL: func.func @quant_types
// CHECK: tensor<4x!quant.uniform<i4:f32, 5.000000e-02:-2>>
// CHECK: tensor<2x3x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01}>>
func.func @quant_types(%a: tensor<4x!quant.uniform<i4:f32, 0.05:-2>>, %b: tensor<2x3x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) -> tensor<4x!quant.uniform<i4:f32, 0.05:-2>> {
  return %a : tensor<4x!quant.uniform<i4:f32, 0.05:-2>>
}

// CHECK-LABEL: func.func @broadcast
// CHECK: "qg.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: "qg.matmul"(%{{.*}}, %arg2) : (tensor<2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %0 = "qg.add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "qg.matmul"(%0, %c) : (tensor<2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %1 : tensor<5x2x4xf32>
}
