// RUN: not dlc-opt %s --split-input-file 2>&1 | FileCheck %s
// Each chunk breaks one rule of the qg verifier table.

// CHECK: error: {{.*}}'qg.conv' result type should be tensor<1x2x3x3xf32>, found tensor<1x2x4x4xf32>
func.func @bad_conv_shape(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// CHECK: error: {{.*}}'qg.conv' requires attribute 'pads'
func.func @missing_attr(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// CHECK: error: {{.*}}'qg.conv' attribute 'group' must be int
func.func @wrong_attr_kind(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "qg.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = "one", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// CHECK: error: {{.*}}'qg.relu' unknown attribute 'alpha'
func.func @unknown_attr(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: error: {{.*}}'qg.add' shapes are not broadcastable: dimension 1 is 3 vs 4
func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %0 = "qg.add"(%a, %b) : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK: error: {{.*}}'qg.matmul' matmul inner dimensions differ: 3 vs 5
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<5x4xf32>) -> tensor<2x4xf32> {
  %0 = "qg.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<5x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK: error: {{.*}}'qg.reshape' reshape changes the element count (6 to 8)
func.func @reshape(%a: tensor<2x3xf32>) -> tensor<8xf32> {
  %0 = "qg.reshape"(%a) : (tensor<2x3xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK: error: {{.*}}'qg.transpose' perm is not a permutation
func.func @perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = "qg.transpose"(%a) {perm = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK: error: {{.*}}op expects exactly 1 operands, but got 2
func.func @arity(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%a, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: error: {{.*}}'qg.relu' {{.*}}must be a statically shaped tensor
func.func @dynamic(%a: tensor<?xf32>) -> tensor<?xf32> {
  %0 = "qg.relu"(%a) : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// CHECK: error: {{.*}}'qg.max_pool' pads must be smaller than the window
func.func @pool(%a: tensor<1x1x4x4xf32>) -> tensor<1x1x5x5xf32> {
  %0 = "qg.max_pool"(%a) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
