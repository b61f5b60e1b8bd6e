// RUN: dlc-opt %s --edge-activations 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=WARN < %t.err
// RUN: dlc-opt %s --edge-activations='edge_abits=6' 2>/dev/null | FileCheck %s --check-prefix=SIX
// RUN: dlc-opt %s --edge-activations='edge_abits=4' 2>%t4.err | FileCheck %s --check-prefix=NONE
// RUN: not grep -q warning %t4.err
// RUN: not dlc-opt %s --edge-activations='edge_abits=1' -o %t.bad 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: dlc-opt: error: pass 'edge-activations': bad edge_abits '1' (expected an integer within 2..16)

// Below 8 activation bits the model input gets dlc.abits = 8; the layer
// computing the output (through the reshape) and the producer of its input
// (the global pool, through the slice and reshape) get abits = 8 and
// edge = true; the convs in the body do not; a node that names its abits
// keeps it.
// CHECK-LABEL: func.func @m
// CHECK-SAME: %arg0: tensor<1x2x4x4xf32> {dlc.abits = 8 : i64, dlc.name = "image"}
// CHECK: "qg.conv"(%arg0, %{{[a-z_0-9]+}}) {dilations = array<i64: 1, 1>, group
// CHECK: "qg.conv"({{.*}}dlc.quant = {abits = 3 : i64}
// CHECK: "qg.global_avg_pool"({{.*}}dlc.quant = {abits = 8 : i64, edge = true}
// CHECK: "qg.slice"({{.*}}dlc.quant = {abits = 8 : i64, edge = true}
// CHECK: "qg.gemm"({{.*}}dlc.quant = {abits = 8 : i64, edge = true}
// CHECK: "qg.reshape"({{.*}}dlc.quant = {abits = 8 : i64, edge = true}
// CHECK-NEXT: return
// WARN: warning: activations below 8 bits: the model's edges keep 8-bit activations (--abits-edge=4 quantizes them like the others): inputs: image; outputs of: fc; inputs of the last layers from: pool
// SIX: %arg0: tensor<1x2x4x4xf32> {dlc.abits = 6 : i64
// SIX: "qg.global_avg_pool"({{.*}}dlc.quant = {abits = 6 : i64, edge = true}
// NONE-NOT: edge = true
// NONE-NOT: dlc.abits
func.func @m(%x: tensor<1x2x4x4xf32> {dlc.name = "image"}) -> tensor<1x3x1xf32> attributes {dlc.quant = {abits = 4 : i64}} {
  %w1 = arith.constant dense<0.5> : tensor<4x2x3x3xf32>
  %w2 = arith.constant dense<0.25> : tensor<4x4x1x1xf32>
  %f = arith.constant dense<0.125> : tensor<3x2xf32>
  %a = "qg.conv"(%x, %w1) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x4x4xf32> loc("first")
  %b = "qg.conv"(%a, %w2) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.quant = {abits = 3 : i64}} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> loc("own")
  %p = "qg.global_avg_pool"(%b) : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32> loc("pool")
  %r = "qg.reshape"(%p) : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32> loc("flat")
  %s = "qg.slice"(%r) {starts = array<i64: 0, 0>, ends = array<i64: 1, 2>, axes = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<1x4xf32>) -> tensor<1x2xf32> loc("cut")
  %y = "qg.gemm"(%s, %f) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32> loc("fc")
  %o = "qg.reshape"(%y) : (tensor<1x3xf32>) -> tensor<1x3x1xf32> loc("out")
  return %o : tensor<1x3x1xf32>
}
