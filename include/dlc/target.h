/* Code generation targets, one table (targets/targets.def). */
#ifndef DLC_TARGET_H
#define DLC_TARGET_H

#include "dlc/ir.h"

typedef struct {
  const char *out_path;    /* primary output file ("model.c") */
  const char *name;        /* C identifier prefix / model name; NULL: from out_path */
  const char *report_path; /* JSON report, or NULL */
  const char *source;      /* the model the module came from, for comments */
  const char *device;      /* pim: device JSON path or built-in name; NULL: the default */
  int sparse_weights;      /* c: --c-sparse-weights, 0 auto, 1 off, 2 size, 3 all (DlSparseMode) */
} DlTargetOptions;

typedef struct {
  const char *name;
  const char *summary;
  /* Writes the target's files atomically; on failure none are left behind. */
  bool (*emit)(MlirModule m, const DlTargetOptions *o, DlError *e);
} DlTarget;

const DlTarget *dl_target_lookup(const char *name);
const DlTarget *dl_target_list(int *n);

#define DL_TARGET(id, name, summary)                                                               \
  bool dl_target_##id##_emit(MlirModule m, const DlTargetOptions *o, DlError *e);
#include "../../targets/targets.def"
#undef DL_TARGET

#endif
