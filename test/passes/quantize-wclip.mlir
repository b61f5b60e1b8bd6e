// RUN: dlc-opt --split-input-file --quantize %s | FileCheck %s
// RUN: not dlc-opt --split-input-file --quantize %s.bad 2>&1 | FileCheck %s.bad --check-prefix=BAD

// Weight clipping (wclip). Column 0 of W has one large weight: 0.6 next to
// seven of magnitude 0.3. With max |w| the 4-bit scale is 0.6/7 = 0.0857 and
// 0.3 lands half a step off the grid (3.5 steps, rounded to 4); every
// candidate keeps 0.3 at 4 steps and 0.6 at 7, so the error is
// 7 (0.3 - 4s)^2 + (0.6 - 7s)^2, least at s = 25.2/322 = 0.07826: `mse`
// clips 0.6 to 0.548 and picks the grid candidate next to that, 0.0783489.
// Column 1 sits exactly on the grid of its max scale 0.1, so `mse` keeps it.
// CHECK-LABEL: func.func @max
// CHECK: arith.constant dense<{{\[\[}}7, 7], [4, -5], [-4, 3], [4, -1], [-4, 1], [4, -3], [-4, 5], [4, -7]]> : tensor<8x2xi8>
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-7:7>:f32:1, {0.085714288055896759,0.10000000149011612}>>
module {
  func.func @max(%arg0: tensor<1x8xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> tensor<1x2xf32> attributes {dlc.quant = {wbits = 4 : i64, wclip = "max"}} {
    %w = arith.constant dense<[[0.6, 0.7], [0.3, -0.5], [-0.3, 0.3], [0.3, -0.1], [-0.3, 0.1], [0.3, -0.3], [-0.3, 0.5], [0.3, -0.7]]> : tensor<8x2xf32>
    %0 = "qg.gemm"(%arg0, %w) {dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    return %0 : tensor<1x2xf32>
  }
}

// -----

// CHECK-LABEL: func.func @mse
// CHECK: arith.constant dense<{{\[\[}}7, 7], [4, -5], [-4, 3], [4, -1], [-4, 1], [4, -3], [-4, 5], [4, -7]]> : tensor<8x2xi8>
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-7:7>:f32:1, {0.078348889946937561,0.10000000149011612}>>
module {
  func.func @mse(%arg0: tensor<1x8xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> tensor<1x2xf32> attributes {dlc.quant = {wbits = 4 : i64, wclip = "mse"}} {
    %w = arith.constant dense<[[0.6, 0.7], [0.3, -0.5], [-0.3, 0.3], [0.3, -0.1], [-0.3, 0.1], [0.3, -0.3], [-0.3, 0.5], [0.3, -0.7]]> : tensor<8x2xf32>
    %0 = "qg.gemm"(%arg0, %w) {dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    return %0 : tensor<1x2xf32>
  }
}

// -----

// Below 6 bits the default is omse, which for gemm (no kernel windows) is mse;
// an op's own dlc.quant overrides the func's.
// CHECK-LABEL: func.func @default4
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-7:7>:f32:1, {0.078348889946937561,0.10000000149011612}>>
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-7:7>:f32:1, {0.085714288055896759,0.10000000149011612}>>
module {
  func.func @default4(%arg0: tensor<1x8xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> (tensor<1x2xf32>, tensor<1x2xf32>) attributes {dlc.quant = {wbits = 4 : i64}} {
    %w = arith.constant dense<[[0.6, 0.7], [0.3, -0.5], [-0.3, 0.3], [0.3, -0.1], [-0.3, 0.1], [0.3, -0.3], [-0.3, 0.5], [0.3, -0.7]]> : tensor<8x2xf32>
    %0 = "qg.gemm"(%arg0, %w) {dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    %1 = "qg.gemm"(%arg0, %w) {dlc.quant = {wclip = "max"}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    return %0, %1 : tensor<1x2xf32>, tensor<1x2xf32>
  }
}

// -----

// The default switches between 5 bits (clipped: 0.0382814 < 0.6/15) and
// 6 bits (max: 0.6/31, 0.7/31).
// CHECK-LABEL: func.func @default5
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-15:15>:f32:1, {0.038281407207250595,0.046666666865348816}>>
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-31:31>:f32:1, {0.019354838877916336,0.022580644115805626}>>
module {
  func.func @default5(%arg0: tensor<1x8xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> (tensor<1x2xf32>, tensor<1x2xf32>) attributes {dlc.quant = {wbits = 5 : i64}} {
    %w = arith.constant dense<[[0.6, 0.7], [0.3, -0.5], [-0.3, 0.3], [0.3, -0.1], [-0.3, 0.1], [0.3, -0.3], [-0.3, 0.5], [0.3, -0.7]]> : tensor<8x2xf32>
    %0 = "qg.gemm"(%arg0, %w) {dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    %1 = "qg.gemm"(%arg0, %w) {dlc.quant = {wbits = 6 : i64}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    return %0, %1 : tensor<1x2xf32>, tensor<1x2xf32>
  }
}

// -----

// At 8 bits the default stays max (0.6/127, 0.7/127); mse still moves column 0.
// CHECK-LABEL: func.func @default8
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-127:127>:f32:1, {0.004724409431219101,0.0055118110030889511}>>
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-127:127>:f32:1, {0.0047018560580909252,0.0055118110030889511}>>
module {
  func.func @default8(%arg0: tensor<1x8xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
    %w = arith.constant dense<[[0.6, 0.7], [0.3, -0.5], [-0.3, 0.3], [0.3, -0.1], [-0.3, 0.1], [0.3, -0.3], [-0.3, 0.5], [0.3, -0.7]]> : tensor<8x2xf32>
    %0 = "qg.gemm"(%arg0, %w) {dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    %1 = "qg.gemm"(%arg0, %w) {dlc.quant = {wclip = "mse"}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    return %0, %1 : tensor<1x2xf32>, tensor<1x2xf32>
  }
}

// -----

// Per tensor, one threshold for all 16 weights (column 1 = column 0 / 2).
// CHECK-LABEL: func.func @per_tensor
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-7:7>:f32, 0.085714288055896759>>
// CHECK: quant.scast {{.*}} to tensor<8x2x!quant.uniform<i8<-7:7>:f32, 0.07753051072359085>>
module {
  func.func @per_tensor(%arg0: tensor<1x8xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> (tensor<1x2xf32>, tensor<1x2xf32>) attributes {dlc.quant = {wbits = 4 : i64, per_channel = false}} {
    %w = arith.constant dense<[[0.6, 0.3], [0.3, 0.15], [-0.3, -0.15], [0.3, 0.15], [-0.3, -0.15], [0.3, 0.15], [-0.3, -0.15], [0.3, 0.15]]> : tensor<8x2xf32>
    %0 = "qg.gemm"(%arg0, %w) {dlc.quant = {wclip = "max"}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    %1 = "qg.gemm"(%arg0, %w) {dlc.quant = {wclip = "mse"}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
    return %0, %1 : tensor<1x2xf32>, tensor<1x2xf32>
  }
}

// -----

// Conv weights come in kernel windows; omse adds each window's summed error,
// squared. Channel 0's 2x2 kernel [0.45, 0.3, -0.6, 0.3] at 4 bits:
//   max  s = 0.6/7 = 0.0857143  q = [5, 4, -7, 4]  sum d^2 = .00413  (sum d)^2 = .00413
//   mse  s = 0.0795765          q = [6, 4, -7, 4]  sum d^2 = .00327  (sum d)^2 = .01146
//   omse s = 0.0820316          q = [5, 4, -7, 4]  sum d^2 = .00383  (sum d)^2 = .00178
// (d = w - dequantize(q)). mse's four errors share one sign, so a flat patch
// sees their sum; omse keeps it small. Channel 1 is exact at its max scale 0.1.
// CHECK-LABEL: func.func @conv
// CHECK: quant.scast {{.*}} to tensor<2x1x2x2x!quant.uniform<i8<-7:7>:f32:0, {0.085714288055896759,0.10000000149011612}>>
// CHECK: quant.scast {{.*}} to tensor<2x1x2x2x!quant.uniform<i8<-7:7>:f32:0, {0.079576455056667327,0.10000000149011612}>>
// CHECK: quant.scast {{.*}} to tensor<2x1x2x2x!quant.uniform<i8<-7:7>:f32:0, {0.082031592726707458,0.10000000149011612}>>
module {
  func.func @conv(%arg0: tensor<1x1x3x3xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) attributes {dlc.quant = {wbits = 4 : i64}} {
    %w = arith.constant dense<[[[[0.45, 0.3], [-0.6, 0.3]]], [[[0.7, -0.5], [0.3, -0.1]]]]> : tensor<2x1x2x2xf32>
    %0 = "qg.conv"(%arg0, %w) {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.quant = {wclip = "max"}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
    %1 = "qg.conv"(%arg0, %w) {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.quant = {wclip = "mse"}, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
    %2 = "qg.conv"(%arg0, %w) {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
    return %0, %1, %2 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
  }
}
