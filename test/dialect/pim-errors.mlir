// RUN: not dlc-opt %s --split-input-file 2>&1 | FileCheck %s
// pim ops without their attributes, or with the wrong kind, do not verify.

// CHECK: error: {{.*}}'pim.load' op attribute "row" is expected but not provided
"pim.load"() {tap = 3 : i64, operand = 0 : i64} : () -> ()

// -----

// CHECK: error: {{.*}}expected base attribute 'builtin.array' but got 'builtin.integer'
"pim.ap"() {rows = 3 : i64} : () -> ()
