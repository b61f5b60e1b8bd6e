/* What the libFuzzer entry points (fuzz/lf_*.c) share. Each file defines
 * LLVMFuzzerTestOneInput over one of dlc's readers; it is linked either with
 * clang's libFuzzer (-DDLC_LIBFUZZER=ON: coverage-guided, ASan + UBSan) or
 * with lf_driver.c (the normal build: corpus files and deterministic
 * mutations, what CI runs). An input may be accepted or rejected with a
 * message; anything else (a crash, a sanitizer report, a module that does not
 * verify, an error without a message, a result that breaks the reader's
 * promises) is a finding: lf_finding aborts, so both drivers keep the input. */
#ifndef DLC_FUZZ_LF_H
#define DLC_FUZZ_LF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlc/diag.h"
#include "dlc/ir.h"
#include "mlir-c/Diagnostics.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs the reader accepted, and those that went on to the deepest stage
 * (a simulation that ran, a verified module): lf_driver.c prints them, so a
 * test can tell the mutants still reach past the first check. */
__attribute__((weak)) long lf_accepted, lf_deep;

__attribute__((format(printf, 1, 2), noreturn)) static inline void lf_finding(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "lf: finding: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}

/* A reader said no: it must have said why. Clears e. */
static inline void lf_rejected(DlError *e, const char *reader) {
  if (!e->msg || !e->msg[0]) lf_finding("%s failed without a message", reader);
  dl_error_clear(e);
}

static inline MlirLogicalResult lf_quiet(MlirDiagnostic d, void *user) { return mlirLogicalResultSuccess(); }

/* *ctx, created on the first call and again every 2000 (uniqued attributes
 * of mutated inputs would pile up), with diagnostics silenced. */
static inline void lf_context(MlirContext *ctx, long *calls) {
  if (!mlirContextIsNull(*ctx) && ++*calls % 2000) return;
  DlError e = {0};
  if (!mlirContextIsNull(*ctx)) dl_context_destroy(*ctx);
  *ctx = dl_context_create(&e);
  if (mlirContextIsNull(*ctx)) lf_finding("no context: %s", e.msg ? e.msg : "?");
  mlirContextAttachDiagnosticHandler(*ctx, lf_quiet, NULL, NULL);
}

#endif
