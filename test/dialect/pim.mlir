// RUN: dlc-opt %s | FileCheck %s
// RUN: dlc-opt %s | dlc-opt | FileCheck %s
// The pim dialect (dialects/pim.irdl.mlir) parses, verifies and prints back.

// CHECK: "pim.device"() {banks = 16 : i64, channels = 8 : i64, cols = 16384 : i64, name = "hbm2", rows = 512 : i64, subarrays = 32 : i64}
// CHECK: "pim.kernel"() {aap = 10 : i64, ap = 4 : i64, block = 1 : i64, channels = 2 : i64
// CHECK: "pim.block"() {index = 0 : i64}
// CHECK: "pim.load"() {operand = 0 : i64, row = 0 : i64, tap = 3 : i64}
// CHECK: "pim.aap"() {dst = [496, 497], src = 3 : i64}
// CHECK: "pim.ap"() {rows = [496, 497, 506]}
// CHECK: "pim.store"() {channel = 0 : i64, row = 40 : i64}
// CHECK: "pim.host"() {op = "qg.softmax", step = 3 : i64}
"pim.device"() {name = "hbm2", channels = 8 : i64, banks = 16 : i64, subarrays = 32 : i64, rows = 512 : i64, cols = 16384 : i64} : () -> ()
"pim.kernel"() {step = 2 : i64, kind = "mac", lanes = 100 : i64, channels = 2 : i64, block = 1 : i64, taps = 9 : i64, in_bits = 8 : i64, out_bits = 8 : i64, aap = 10 : i64, ap = 4 : i64, loads = 1 : i64, stores = 1 : i64} : () -> ()
"pim.block"() {index = 0 : i64} : () -> ()
"pim.load"() {tap = 3 : i64, row = 0 : i64, operand = 0 : i64} : () -> ()
"pim.aap"() {src = 3 : i64, dst = [496, 497]} : () -> ()
"pim.ap"() {rows = [496, 497, 506]} : () -> ()
"pim.store"() {channel = 0 : i64, row = 40 : i64} : () -> ()
"pim.host"() {step = 3 : i64, op = "qg.softmax"} : () -> ()
