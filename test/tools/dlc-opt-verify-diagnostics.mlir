// --verify-diagnostics: every diagnostic must be expected by a comment and
// every expected one emitted; then exit 0, and the chunks that went through
// are printed. Line numbers are the whole file's, chunk after chunk.
// RUN: dlc-opt %s --split-input-file --verify-diagnostics --pass-pipeline='prune{spec=nm:2:4}' | FileCheck %s
// RUN: cat %s | dlc-opt - --split-input-file --verify-diagnostics --prune=spec=nm:2:4 -o /dev/null
// The same without the pass: its expected error is missing.
// RUN: not dlc-opt %s --split-input-file --verify-diagnostics 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: dlc-opt-verify-diagnostics.mlir:[[# @LINE + 34]]:6: error: expected error "node 'fc': nm:2:4 {{.*}}" was not produced
// MISSING-NOT: {{: error: }}

// expected-error@+2 {{'qg.relu' unknown attribute 'alpha'}}
func.func @verifier(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A note, on an earlier line (@-N), and an error on its own line.
// expected-note@+1 {{see existing symbol definition here}}
func.func @twice() {
  return
}
func.func @twice() { // expected-error {{redefinition of symbol named 'twice'}}
  return
}

// -----

// CHECK-LABEL: func.func @fine
func.func @fine(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "qg.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A pass's diagnostic, at a location that is not a line of the file.
func.func @pruned(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [-7.0, 1.0], [2.0, -3.0]]> : tensor<3x2xf32>
  %0 = "qg.matmul"(%x, %w) : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32> loc("fc")
  // expected-error@unknown {{node 'fc': nm:2:4 needs each output's input count to be a multiple of 4 (it is 3)}}
  return %0 : tensor<1x2xf32>
}

// -----

// Missing and unexpected diagnostics are errors at their lines, exit 1, no output.
// RUN: rm -f %t.out
// RUN: sh -c "dlc-opt %S/inputs/verify-unexpected.mlir --split-input-file --verify-diagnostics -o %t.out; echo exit \$?" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: test ! -e %t.out
// BAD: verify-unexpected.mlir:5:8: error: unexpected error: 'qg.relu' unknown attribute 'alpha'
// BAD-NEXT: {{^}}  %0 = "qg.relu"(%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
// BAD-NEXT: {{^}}       ^
// BAD-NEXT: verify-unexpected.mlir:3:4: error: expected error "'qg.relu' unknown attribute 'alpha'" was not produced
// BAD: verify-unexpected.mlir:11:8: error: unexpected error: 'qg.relu' unknown attribute 'beta'
// BAD: verify-unexpected.mlir:9:4: error: expected warning "never emitted" was not produced
// BAD: exit 1
