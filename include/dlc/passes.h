/* The pass registry: dlc's own passes (passes/passes.def) plus MLIR's
 * canonicalize and cse, looked up by flag name. */
#ifndef DLC_PASSES_H
#define DLC_PASSES_H

#include <mlir-c/Pass.h>

#include "dlc/ir.h"

typedef struct {
  const char *flag;    /* "fold-bn" */
  const char *summary;
  /* Adds the pass to pm (on func.func for dlc passes, on the module for MLIR's). */
  void (*add)(MlirPassManager pm, MlirContext ctx);
} DlPassInfo;

/* All passes; *n receives the count. */
const DlPassInfo *dl_pass_list(int *n);
const DlPassInfo *dl_pass_lookup(const char *flag);

/* Runs passes named by a comma-separated list ("fold-bn,fuse-activation,cse"). */
bool dl_run_pipeline(MlirModule mod, const char *list, DlError *e);

#endif
