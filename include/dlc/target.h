/* Code generation targets: one DlTarget per target (targets/NAME/target.c),
 * listed once in targets/targets.def. Everything the tools do with a target
 * goes through its struct: --target=NAME (emit), --emit=NAME (ir),
 * --cost=NAME and precision assignment (cost), --NAME-device (device). */
#ifndef DLC_TARGET_H
#define DLC_TARGET_H

#include "dlc/cost.h"
#include "dlc/ir.h"

typedef struct {
  const char *out_path;    /* primary output file ("model.c") */
  const char *name;        /* C identifier prefix / model name; NULL: from out_path */
  const char *report_path; /* JSON report, or NULL */
  const char *source;      /* the model the module came from, for comments */
  const char *device;      /* --NAME-device: a device JSON path or built-in name; NULL: the default */
  int sparse_weights;      /* c: --c-sparse-weights, 0 auto, 1 off, 2 size, 3 all (DlSparseMode) */
  bool ir_detail;          /* ir: the target's detail flag (--pim-rows, --acc-insns) */
} DlTargetOptions;

typedef struct {
  const char *name;
  const char *summary;
  /* Writes the target's files atomically; on failure none are left behind. */
  bool (*emit)(MlirModule m, const DlTargetOptions *o, DlError *e);
  /* The target's IR: its dialect's view of what emit writes (MLIR text,
   * malloc'd, *len bytes), or NULL when the target has no dialect. */
  char *(*ir)(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e);
  const char *ir_detail_flag; /* the option that sets ir_detail ("--pim-rows"), or NULL */
  DlCostModel cost;
  /* --NAME-device: what it accepts (for --help), or NULL: no device */
  const char *device_help;
} DlTarget;

const DlTarget *dl_target_lookup(const char *name);
/* Target i of the list (NULL past the end), for iterating. */
const DlTarget *dl_target_at(int i);
/* "c, pim, acc": every target's name, for messages. */
const char *dl_target_names(void);

#endif
