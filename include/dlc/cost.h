/* Cost models behind one interface: what each plan step of a quantized
 * module costs on a target, for precision assignment to weigh against
 * accuracy. Each target carries its model in its DlTarget (dlc/target.h);
 * the helpers here are what the models share. */
#ifndef DLC_COST_H
#define DLC_COST_H

#include <stdio.h>

#include "dlc/plan.h"

typedef struct {
  int step;
  char node[160];           /* the ONNX node */
  char on[8];               /* "pim", "acc", "c" or "host" */
  double ns, nj;            /* per sample; 0 where the model has no time or energy (c) */
  double bytes;             /* pim / acc: bytes moved to and from memory; c: weight bytes */
  double macs;              /* multiply-accumulates per sample */
  char multiplier[64];      /* an approximate multiplier's spec (dlc.approx), or "" (exact) */
  double multiplier_energy; /* its energy per multiply relative to exact (< 0: unknown) */
} DlLayerCost;

typedef struct {
  const char *target;
  const char *summary;
  const char *no_approx; /* why the model cannot price approximate multipliers, or NULL: it does */
  bool timed;            /* has time and energy; false: bytes (and MACs) only */
  /* Costs of every step of m on `device` (NULL: the target's default);
   * *out is malloc'd, *n entries. */
  bool (*estimate)(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e);
} DlCostModel;

/* The JSON of costs c[0..n): per step, and totals. */
bool dl_cost_write_json(FILE *f, const char *target, const DlLayerCost *c, int n);

/* For models: one zeroed row per step of p with its node and MACs per sample. */
DlLayerCost *dl_cost_rows(const DlPlan *p);
/* The batch of p's first input (1 without inputs or rank). */
int64_t dl_plan_batch(const DlPlan *p);
/* Runs p once on zero inputs: what a timing model needs (values do not matter). */
bool dl_plan_run_zero(DlPlan *p, DlError *e);

#endif
