/* dlc-opt's diagnostics as mlir-opt shows them: "FILE:LINE:COL: error: msg",
 * then the source line and a caret under the column; or, with
 * --verify-diagnostics, collected and checked against the input's
 * `expected-error {{...}}` comments. */
#ifndef DLC_TOOLS_DIAGNOSTICS_H
#define DLC_TOOLS_DIAGNOSTICS_H

#include <stdio.h>

#include "dlc/ir.h"

typedef struct {
  int severity; /* MlirDiagnosticSeverity */
  int line;     /* 0: no location in the input */
  int col;
  char *msg; /* heap-owned */
} DlSeenDiag;

typedef struct {
  const char *prog; /* names diagnostics without a location in the input */
  const char *name; /* the input's name as its locations carry it ("x.mlir", "<stdin>") */
  const char *src;  /* the whole input (borrowed), for the source lines */
  size_t len;       /* 0: no source lines to show (bytecode) */
  bool verify; /* collect instead of printing */
  bool quiet;  /* swallow everything (a parse retried in another form) */
  bool single_top; /* set when MLIR asked for a single top-level operation */
  DlSeenDiag *seen;
  int nseen, cap;
} DlSourceDiag;

/* Routes ctx's diagnostics to d (which must outlive the handler). */
MlirDiagnosticHandlerID dl_source_diag_attach(MlirContext ctx, DlSourceDiag *d);
/* Checks the diagnostics collected since the last call against the expected-*
 * comments of src[begin, end); prints what is missing or unexpected (with
 * file:line) to stderr, forgets the collected ones. True when they match. */
bool dl_source_diag_check(DlSourceDiag *d, size_t begin, size_t end);
void dl_source_diag_free(DlSourceDiag *d);

#endif
