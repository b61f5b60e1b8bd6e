// --mlir-print-ir-before-all / --mlir-print-ir-after-all and --mlir-timing
// report on stderr as mlir-opt does; stdout stays the same bytes.
// RUN: dlc-opt %s --fold-constants --cse -o %t.plain
// RUN: dlc-opt %s --fold-constants --cse --mlir-print-ir-before-all --mlir-print-ir-after-all --mlir-timing -o %t.out 2> %t.err
// RUN: cmp %t.plain %t.out
// RUN: FileCheck %s < %t.err
// RUN: dlc-opt %s --pass-pipeline='builtin.module(fold-constants,cse)' --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=AFTER

// CHECK: // -----// IR Dump Before fold-constants (fold-constants) //----- //
// CHECK-NEXT: func.func @f() -> tensor<2xf32> {
// CHECK: qg.add
// CHECK: // -----// IR Dump After fold-constants (fold-constants) //----- //
// CHECK-NOT: qg.add
// CHECK: // -----// IR Dump Before CSE (cse) //----- //
// CHECK: // -----// IR Dump After CSE (cse) //----- //
// CHECK: Execution time report
// CHECK: Wall Time
// CHECK: fold-constants
// CHECK: CSE
// CHECK: Total
// AFTER-NOT: IR Dump Before
// AFTER: // -----// IR Dump After fold-constants (fold-constants) //----- //
// AFTER: // -----// IR Dump After CSE (cse) //----- //
// AFTER-NOT: Execution time report
func.func @f() -> tensor<2xf32> {
  %a = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = "qg.add"(%a, %a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
