// RUN: dlc-opt %s --small-kernels 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=WARN < %t.err
// RUN: dlc-opt %s --small-kernels='small_wbits=6' 2>/dev/null | FileCheck %s --check-prefix=SIX

// Below 8 weight bits, layers with at most 12 constant weights per output
// channel get small_wbits (8) and small_kernel = true; a 1x1 conv over 16
// channels does not; a node that names its wbits keeps it.
// CHECK-LABEL: func.func @m
// CHECK: "qg.conv"(%arg0, %{{.*}}) {{.*}}dlc.quant = {small_kernel = true, wbits = 8 : i64}
// CHECK: "qg.conv"
// CHECK-NOT: small_kernel
// CHECK-SAME: -> tensor<1x4x4x4xf32>
// CHECK: "qg.conv"({{.*}}dlc.quant = {wbits = 3 : i64}
// CHECK: "qg.gemm"({{.*}}dlc.quant = {small_kernel = true, wbits = 8 : i64}
// WARN: warning: 2 layers with at most 12 weights per output channel keep 8-bit weights ({{[0-9.]+}}% of the weights; --wbits-small=4 quantizes them like the others): dw, fc
// SIX: "qg.conv"(%arg0, %{{.*}}) {{.*}}dlc.quant = {small_kernel = true, wbits = 6 : i64}
func.func @m(%x: tensor<1x16x4x4xf32>) -> tensor<1x3xf32> attributes {dlc.quant = {wbits = 4 : i64}} {
  %dw = arith.constant dense<0.5> : tensor<16x1x3x3xf32>
  %pw = arith.constant dense<0.25> : tensor<4x16x1x1xf32>
  %p2 = arith.constant dense<0.25> : tensor<4x4x1x1xf32>
  %f = arith.constant dense<0.125> : tensor<3x8xf32>
  %a = "qg.conv"(%x, %dw) {dilations = array<i64: 1, 1>, group = 16 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x4x4xf32> loc("dw")
  %b = "qg.conv"(%a, %pw) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<4x16x1x1xf32>) -> tensor<1x4x4x4xf32> loc("pw")
  %c = "qg.conv"(%b, %p2) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.quant = {wbits = 3 : i64}} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> loc("own")
  %r = "qg.reshape"(%c) : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
  %s = "qg.slice"(%r) {starts = array<i64: 0, 0>, ends = array<i64: 1, 8>, axes = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<1x64xf32>) -> tensor<1x8xf32>
  %y = "qg.gemm"(%s, %f) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<1x8xf32>, tensor<3x8xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
