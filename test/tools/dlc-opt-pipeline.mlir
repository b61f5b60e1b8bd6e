// --pass-pipeline and --PASS=OPTIONS go through the pass table: a pass's
// options are keys of its settings dictionary on the func (quantize:
// dlc.quant), written before it runs, others kept.
// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(quantize{wbits=4 abits=6})' -o %t.a
// RUN: dlc-opt %s --split-input-file --quantize='wbits=4 abits=6' -o %t.b
// RUN: dlc-opt %s --split-input-file --pass-pipeline 'quantize{wbits=4 abits=6}' -o %t.c
// RUN: cmp %t.a %t.b && cmp %t.a %t.c
// RUN: FileCheck %s < %t.a
// '_' and '-' alike in option names, quoted and braced values, func.func groups:
// RUN: dlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cse), quantize{wbits='4' abits={6}}, canonicalize)" --no-print-loc | FileCheck %s
// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(quantize{per-channel=false wbits=4 abits=6})' | FileCheck %s --check-prefix=TENSOR

// CHECK-LABEL: func.func @main
// CHECK-SAME: dlc.quant = {abits = 6 : i64, wbits = 4 : i64}
// CHECK: quant.qcast %arg0 : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8<-32:31>:f32, {{.*}}>>
// CHECK: quant.scast {{.*}} to tensor<4x3x!quant.uniform<i8<-7:7>:f32:1, {{.*}}>>
// TENSOR-LABEL: func.func @main
// TENSOR-SAME: dlc.quant = {abits = 6 : i64, per_channel = false, wbits = 4 : i64}
// TENSOR: quant.scast {{.*}} to tensor<4x3x!quant.uniform<i8<-7:7>:f32, {{.*}}>>
func.func @main(%arg0: tensor<1x4xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> tensor<1x3xf32> {
  %w = arith.constant dense<[[5.000000e-01, -2.500000e-01, 1.000000e+00], [1.250000e-01, 0.000000e+00, -1.000000e+00], [7.500000e-01, 5.000000e-01, -5.000000e-01], [-3.000000e-01, 2.000000e-01, 1.000000e-01]]> : tensor<4x3xf32>
  %0 = "qg.matmul"(%arg0, %w) {dlc.range = array<f64: -2.0, 2.0>} : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// The IR's own settings stay unless an option names them (pow2 kept, wbits 8 -> 4).
// CHECK-LABEL: func.func @kept
// CHECK-SAME: dlc.quant = {abits = 6 : i64, pow2 = true, wbits = 4 : i64}
// TENSOR-LABEL: func.func @kept
func.func @kept(%arg0: tensor<1x4xf32> {dlc.range = array<f64: -1.0, 1.0>}) -> tensor<1x4xf32> attributes {dlc.quant = {pow2 = true, wbits = 8 : i64}} {
  %0 = "qg.relu"(%arg0) {dlc.range = array<f64: 0.0, 1.0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}
