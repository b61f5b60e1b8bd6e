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
  char where[160]; /* op location, for run-time errors */
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
};

#endif
