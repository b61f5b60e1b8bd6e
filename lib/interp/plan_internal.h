/* The interpreter's flat plan, shared with the C target's emitter (which
 * walks the same steps and calls the same dlrt kernels). Not a public API. */
#ifndef DLC_PLAN_INTERNAL_H
#define DLC_PLAN_INTERNAL_H

#include "dlc/interp.h"
#include "dlc/lower.h"

enum { DL_SLOT_TEMP, DL_SLOT_INPUT, DL_SLOT_CONST };

typedef struct {
  DlOpKind k; /* DL_OP_COUNT for tensor.concat */
  int axis;   /* concat */
  DlAttrs a;
  int in[32], nin, out;
  DlCall call;
  struct DlQStep *q; /* integer step (lib/quant/qexec.c), or NULL */
  MlirValue val;     /* the result this step computes, for observers */
  char where[160];   /* op location, for run-time errors */
} Step;

struct DlPlan {
  DlTensor *slot;
  unsigned char *slot_kind; /* DL_SLOT_* */
  int nslots, capslots;
  Step *steps;
  int nsteps;
  int in_slot[256], out_slot[256], nin, nout;
  char *in_name[256], *out_name[256];
  float *scratch;
  /* value -> slot, open addressing on the MLIR pointer */
  const void **keys;
  int *vals, nkeys;
  MlirValue in_val[256];
  DlPlanObserver observe;
  void *observe_user;
  DlPlanTransform transform;
  void *transform_user;
  DlPlanExecutor exec;
  void *exec_user;
  int until; /* run steps [0, until) only (dl_plan_stop_after); 0: all */
};

/* Slot helpers for the integer planner (lib/quant/qexec.c). */
int dl_plan_slot_of(DlPlan *p, MlirValue v);
int dl_plan_new_slot(DlPlan *p, MlirValue v, const DlShape *s);
/* Plans op if it is a quant-dialect op or a qg op on quantized types:
 * returns 1 when planned, -1 on error (message in e), 0 when not its business. */
int dl_qplan_op(DlPlan *p, MlirOperation op, DlError *e);
bool dl_qstep_run(DlPlan *p, const Step *st, DlError *e);
void dl_qstep_free(struct DlQStep *q);

#endif
