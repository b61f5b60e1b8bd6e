// RUN: dlc-opt %s --highway --split-input-file 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=WARN < %t.err
// RUN: dlc-opt %s --highway='highway=16' --split-input-file 2>/dev/null | FileCheck %s --check-prefix=H16

// A residual block: the join, the block's last conv, the skip's source and
// the model's output layer go wide; the block's first conv does not.
// CHECK-LABEL: func.func @block
// CHECK: %[[S:.*]] = "qg.conv"(%arg0, %arg1) {{.*}}dlc.quant = {abits = 8 : i64, highway = true}
// CHECK: %[[B1:.*]] = "qg.conv"(%[[S]], %arg2)
// CHECK-NOT: dlc.quant
// CHECK-SAME: -> tensor<1x2x4x4xf32>
// CHECK: %[[B2:.*]] = "qg.conv"(%[[B1]], %arg2) {{.*}}dlc.quant = {abits = 8 : i64, highway = true}
// CHECK: "qg.add"(%[[B2]], %[[S]]) {{.*}}dlc.quant = {abits = 8 : i64, highway = true}
// CHECK: "qg.reshape"
// CHECK-NOT: highway
// CHECK-SAME: -> tensor<1x32xf32>
// CHECK: "qg.gemm"({{.*}}dlc.quant = {abits = 8 : i64, highway = true}
// H16-LABEL: func.func @block
// H16: "qg.add"({{.*}}dlc.quant = {abits = 16 : i64, highway = true}
func.func @block(%x: tensor<1x1x4x4xf32>, %w0: tensor<2x1x1x1xf32>, %w: tensor<2x2x1x1xf32>, %f: tensor<32x3xf32>) -> tensor<1x3xf32> {
  %s = "qg.conv"(%x, %w0) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b1 = "qg.conv"(%s, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b2 = "qg.conv"(%b1, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %j = "qg.add"(%b2, %s) {act = "relu", act_max = 0x7F800000 : f32, act_min = 0.000000e+00 : f32} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = "qg.reshape"(%j) : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>
  %y = "qg.gemm"(%r, %f) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<1x32xf32>, tensor<32x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// A node's own abits (--config) wins; other keys of its dlc.quant are kept.
// CHECK-LABEL: func.func @configured
// CHECK: "qg.conv"{{.*}}dlc.quant = {abits = 4 : i64}
// CHECK: "qg.conv"{{.*}}dlc.quant = {abits = 8 : i64, highway = true, wbits = 6 : i64}
// CHECK: "qg.add"{{.*}}dlc.quant = {abits = 8 : i64, highway = true}
func.func @configured(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %a = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.quant = {abits = 4 : i64}} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.quant = {wbits = 6 : i64}} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %j = "qg.add"(%a, %b) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %j : tensor<1x2x4x4xf32>
}

// -----

// An add of a constant (a bias) or of operands that broadcast is no join.
// WARN: warning: --highway: the model has no residual adds; nothing was widened
// WARN-NOT: warning
// CHECK-LABEL: func.func @no_join
// CHECK-NOT: highway
func.func @no_join(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %v: tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %a = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %c = arith.constant dense<1.0> : tensor<1x2x4x4xf32>
  %j = "qg.add"(%a, %c) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = "qg.relu"(%v) : (tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %k = "qg.add"(%j, %r) : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %k : tensor<1x2x4x4xf32>
}

// -----

// Under 3-bit defaults, the highway's ends (the layer reading the input, the
// layer computing the output) keep 8-bit weights; the block's do not.
// CHECK-LABEL: func.func @ends
// CHECK: "qg.conv"(%arg0, %arg1) {{.*}}dlc.quant = {abits = 8 : i64, highway = true, wbits = 8 : i64}
// CHECK: "qg.conv"(%{{.*}}, %arg2) {{.*}}dlc.quant = {abits = 8 : i64, highway = true}
// CHECK: "qg.add"
// CHECK: "qg.gemm"({{.*}}dlc.quant = {abits = 8 : i64, highway = true, wbits = 8 : i64}
func.func @ends(%x: tensor<1x1x4x4xf32>, %w0: tensor<2x1x1x1xf32>, %w: tensor<2x2x1x1xf32>, %f: tensor<32x3xf32>) -> tensor<1x3xf32> attributes {dlc.quant = {wbits = 3 : i64, abits = 3 : i64}} {
  %s = "qg.conv"(%x, %w0) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "qg.conv"(%s, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %j = "qg.add"(%b, %s) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = "qg.reshape"(%j) : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>
  %y = "qg.gemm"(%r, %f) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<1x32xf32>, tensor<32x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
