// RUN: dlc-opt --split-input-file --quantize %s | FileCheck %s
// RUN: not dlc-opt --quantize %s.bad 2>&1 | FileCheck %s.bad --check-prefix=BAD

// Defaults: 8-bit, weights symmetric per output channel, activations asymmetric.
// Hand-checked: W1 column 0 has max |w| = 0.75, so its scale is 0.75/127 and
// 0.5 becomes round(0.5 / 0.0059055) = 85; the bias 0.1 becomes
// round(0.1 / (s_x * s_w0)) = 2171; M0 * 2^-shift = s_x * s_w0 / s_y = 0.0052996.
// CHECK-LABEL: func.func @main
// CHECK: %[[X:.*]] = quant.qcast %arg0 : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8:f32, 0.0077997{{[0-9]*}}>>
// CHECK: arith.constant dense<{{\[\[}}85, -64, 127], [21, 0, -127], [127, 127, -64], [-51, 51, 13]]> : tensor<4x3xi8>
// CHECK: quant.scast {{.*}} to tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.0059055{{[0-9]*}},0.0039370{{[0-9]*}},0.0078740{{[0-9]*}}}>>
// CHECK: arith.constant dense<[2171, -6513, 4885]> : tensor<3xi32>
// CHECK: "qg.gemm"(%[[X]], {{.*}}) {act = "relu", {{.*}}dlc.acc_bits = array<i64: 18>, dlc.mult = array<i64: 728370657, 242790219, 242790219>, {{.*}}dlc.shift = array<i64: 37, 36, 35>
// CHECK-SAME: -> tensor<1x3x!quant.uniform<i8:f32, 0.0086915{{[0-9]*}}:-128>>
// CHECK: "qg.matmul"
// CHECK-SAME: dlc.mult = array<i64: 1595211409, 1595211409>
// CHECK-SAME: -> tensor<1x2x!quant.uniform<i8:f32, 0.0235854{{[0-9]*}}:-59>>
// The sum of a value with itself: both terms get multiplier 1/2 at the doubled scale.
// CHECK: "qg.add"
// CHECK-SAME: dlc.mult = array<i64: 1, 1>
// CHECK-SAME: dlc.shift = array<i64: 1>
// Softmax has no integer form: a float island.
// CHECK: %[[D:.*]] = quant.dcast {{.*}} to tensor<1x2xf32>
// CHECK: "qg.softmax"(%[[D]])
module {
  func.func @main(%arg0: tensor<1x4xf32> {dlc.name = "x", dlc.range = array<f64: -0.99452298879623413, 0.99441987276077271>}) -> (tensor<1x2xf32> {dlc.name = "y"}) attributes {dlc.calibration = ["minmax", 64]} {
    %cst = arith.constant dense<[[5.000000e-01, -2.500000e-01, 1.000000e+00], [1.250000e-01, 0.000000e+00, -1.000000e+00], [7.500000e-01, 5.000000e-01, -5.000000e-01], [-3.000000e-01, 2.000000e-01, 1.000000e-01]]> : tensor<4x3xf32>
    %cst_0 = arith.constant dense<[1.000000e-01, -2.000000e-01, 3.000000e-01]> : tensor<3xf32>
    %0 = "qg.gemm"(%arg0, %cst, %cst_0) {act = "relu", act_max = 0x7F800000 : f32, act_min = 0.000000e+00 : f32, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, dlc.range = array<f64: 0.000000e+00, 2.2163443565368652>, transA = 0 : i64, transB = 0 : i64} : (tensor<1x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
    %cst_1 = arith.constant dense<[[1.000000e+00, -1.000000e+00], [5.000000e-01, 2.500000e-01], [-7.500000e-01, 2.000000e+00]]> : tensor<3x2xf32>
    %1 = "qg.matmul"(%0, %cst_1) {dlc.range = array<f64: -1.6219348907470703, 4.3923654556274414>} : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
    %2 = "qg.add"(%1, %1) {dlc.range = array<f64: -3.2438697814941406, 8.7847309112548828>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
    %3 = "qg.softmax"(%2) {axis = 1 : i64, dlc.range = array<f64: 0.000000e+00, 0.99999403953552246>} : (tensor<1x2xf32>) -> tensor<1x2xf32>
    return %3 : tensor<1x2xf32>
  }
}

// -----

// 4-bit weights, one scale per tensor, power-of-two scales, and one layer kept float.
// Power-of-two scales round up (max |w| = 1 over 7 levels: 2^-2), and every
// multiplier is a pure shift: s_x * s_w / s_y = 2^-7 * 2^-2 / 2^-6 = 2^-3.
// CHECK-LABEL: func.func @main
// CHECK: quant.qcast %arg0 : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8:f32, 7.812500e-03:-1>>
// CHECK: arith.constant dense<{{\[\[}}2, -1, 4], [0, 0, -4], [3, 2, -2], [-1, 1, 0]]> : tensor<4x3xi8>
// CHECK: quant.scast {{.*}} to tensor<4x3x!quant.uniform<i8<-7:7>:f32, 2.500000e-01>>
// CHECK: "qg.gemm"
// CHECK-SAME: dlc.mult = array<i64: 1, 1, 1>, {{.*}}dlc.shift = array<i64: 3, 3, 3>
// CHECK-SAME: -> tensor<1x3x!quant.uniform<i8:f32, 1.562500e-02:-128>>
// CHECK: quant.dcast
// CHECK: "qg.matmul"({{.*}}) {dlc.quant = {float = true}
// CHECK-SAME: -> tensor<1x2xf32>
// The add after it is integer again: its float operand is quantized on entry.
// CHECK: %[[Q:.*]] = quant.qcast %{{.*}} : tensor<1x2xf32> to tensor<1x2x!quant.uniform<i8:f32, 3.125000e-02:-76>>
// CHECK: "qg.add"(%[[Q]], %[[Q]])
module {
  func.func @main(%arg0: tensor<1x4xf32> {dlc.name = "x", dlc.range = array<f64: -0.99452298879623413, 0.99441987276077271>}) -> (tensor<1x2xf32> {dlc.name = "y"}) attributes {dlc.quant = {wbits = 4 : i64, per_channel = false, pow2 = true}} {
    %cst = arith.constant dense<[[5.000000e-01, -2.500000e-01, 1.000000e+00], [1.250000e-01, 0.000000e+00, -1.000000e+00], [7.500000e-01, 5.000000e-01, -5.000000e-01], [-3.000000e-01, 2.000000e-01, 1.000000e-01]]> : tensor<4x3xf32>
    %cst_0 = arith.constant dense<[1.000000e-01, -2.000000e-01, 3.000000e-01]> : tensor<3xf32>
    %0 = "qg.gemm"(%arg0, %cst, %cst_0) {act = "relu", act_max = 0x7F800000 : f32, act_min = 0.000000e+00 : f32, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, dlc.range = array<f64: 0.000000e+00, 2.2163443565368652>, transA = 0 : i64, transB = 0 : i64} : (tensor<1x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
    %cst_1 = arith.constant dense<[[1.000000e+00, -1.000000e+00], [5.000000e-01, 2.500000e-01], [-7.500000e-01, 2.000000e+00]]> : tensor<3x2xf32>
    %1 = "qg.matmul"(%0, %cst_1) {dlc.quant = {float = true}, dlc.range = array<f64: -1.6219348907470703, 4.3923654556274414>} : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
    %2 = "qg.add"(%1, %1) {dlc.range = array<f64: -3.2438697814941406, 8.7847309112548828>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
    %3 = "qg.softmax"(%2) {axis = 1 : i64, dlc.range = array<f64: 0.000000e+00, 0.99999403953552246>} : (tensor<1x2xf32>) -> tensor<1x2xf32>
    return %3 : tensor<1x2xf32>
  }
}

