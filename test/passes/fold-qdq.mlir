// RUN: dlc-opt %s --split-input-file --fold-qdq | FileCheck %s

// A QDQ conv: the input's and the result's parameters move onto the values
// (uint8 zero points become int8: 128 -> 0, 0 -> -128), the weights' DQ becomes
// the float constant it denotes, annotated with the integers behind it.
// CHECK-LABEL: func.func @qdq_conv
// CHECK-SAME: dlc.qparams = array<f64: 0.10000000149011612, 0.000000e+00, -1.280000e+02, 1.270000e+02, 8.000000e+00>
// CHECK: %[[W:.*]] = arith.constant {dlc.qweight = {axis = 0 : i64, bits = 8 : i64, qmax = 127 : i64, qmin = -128 : i64, scale = array<f64: 5.000000e-01, 2.500000e-01>, zp = array<i64: 0, 0>}}
// CHECK: "qg.conv"(%arg0, %[[W]])
// CHECK-SAME: dlc.qparams = array<f64: 0.20000000298023224, -1.280000e+02, -1.280000e+02, 1.270000e+02, 8.000000e+00>
// CHECK-NOT: quantize_linear
// CHECK: return
func.func @qdq_conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %s = arith.constant dense<1.0e-01> : tensor<f32>
  %z = arith.constant dense<128> : tensor<ui8>
  %q = "qg.quantize_linear"(%x, %s, %z) {axis = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x1x3x3xui8>
  %d = "qg.dequantize_linear"(%q, %s, %z) {axis = 1 : i64} : (tensor<1x1x3x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x3x3xf32>
  %wq = arith.constant dense<[[[[1, -2, 3], [4, 5, 6], [7, 8, -128]]], [[[127, 0, 0], [0, 0, 0], [0, 0, 1]]]]> : tensor<2x1x3x3xi8>
  %ws = arith.constant dense<[5.0e-01, 2.5e-01]> : tensor<2xf32>
  %wz = arith.constant dense<0> : tensor<2xi8>
  %w = "qg.dequantize_linear"(%wq, %ws, %wz) {axis = 0 : i64} : (tensor<2x1x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x1x3x3xf32>
  %c = "qg.conv"(%d, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %ys = arith.constant dense<2.0e-01> : tensor<f32>
  %yz = arith.constant dense<0> : tensor<ui8>
  %yq = "qg.quantize_linear"(%c, %ys, %yz) {axis = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xui8>
  %y = "qg.dequantize_linear"(%yq, %ys, %yz) {axis = 1 : i64} : (tensor<1x2x3x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Fake-quantized weights as exporters write them, Q then DQ of a float
// constant: the pass quantizes them once (2.6 / 0.5 -> 5, -100 -> -128).
// CHECK-LABEL: func.func @fake_quant_weights
// CHECK: arith.constant {dlc.qweight = {axis = -1 : i64, bits = 8 : i64, qmax = 127 : i64, qmin = -128 : i64, scale = array<f64: 5.000000e-01>, zp = array<i64: 0>}} dense<{{\[\[}}2.500000e+00], [-6.400000e+01]]>
func.func @fake_quant_weights(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<[[2.6], [-100.0]]> : tensor<2x1xf32>
  %s = arith.constant dense<5.0e-01> : tensor<f32>
  %z = arith.constant dense<0> : tensor<i8>
  %q = "qg.quantize_linear"(%w, %s, %z) {axis = 1 : i64} : (tensor<2x1xf32>, tensor<f32>, tensor<i8>) -> tensor<2x1xi8>
  %d = "qg.dequantize_linear"(%q, %s, %z) {axis = 1 : i64} : (tensor<2x1xi8>, tensor<f32>, tensor<i8>) -> tensor<2x1xf32>
  %y = "qg.matmul"(%x, %d) : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// QOperator form: qlinear_conv becomes conv between DQ'd operands, its int32
// bias dequantized at x_s * w_s, and its parameters annotated like QDQ. A
// quantize_linear whose integers leave the function stays.
// CHECK-LABEL: func.func @qlinear_conv
// CHECK: %[[X:.*]] = "qg.dequantize_linear"(%arg0
// CHECK-SAME: dlc.qparams = array<f64: 5.000000e-01, -1.180000e+02
// CHECK: %[[B:.*]] = arith.constant {dlc.qweight = {axis = -1 : i64, bits = 32 : i64, {{.*}} scale = array<f64: 1.250000e-01>, zp = array<i64: 0>}} dense<1.250000e+00> : tensor<1xf32>
// CHECK: %[[C:.*]] = "qg.conv"(%[[X]], %{{.*}}, %[[B]])
// CHECK-SAME: dlc.qparams = array<f64: 1.000000e+00, -1.230000e+02
// CHECK: "qg.quantize_linear"(%[[C]]
// CHECK-NOT: qlinear_conv
func.func @qlinear_conv(%x: tensor<1x1x2x2xui8>) -> tensor<1x1x2x2xui8> {
  %xs = arith.constant dense<5.0e-01> : tensor<f32>
  %xz = arith.constant dense<10> : tensor<ui8>
  %w = arith.constant dense<[[[[2]]]]> : tensor<1x1x1x1xi8>
  %ws = arith.constant dense<2.5e-01> : tensor<f32>
  %wz = arith.constant dense<0> : tensor<i8>
  %ys = arith.constant dense<1.0> : tensor<f32>
  %yz = arith.constant dense<5> : tensor<ui8>
  %b = arith.constant dense<[10]> : tensor<1xi32>
  %y = "qg.qlinear_conv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xui8>, tensor<f32>, tensor<ui8>, tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<ui8>, tensor<1xi32>) -> tensor<1x1x2x2xui8>
  return %y : tensor<1x1x2x2xui8>
}
