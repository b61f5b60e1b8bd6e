/* Cost models behind one interface (issue 9): what each plan step of a
 * quantized module costs on a target, for precision assignment to weigh
 * against accuracy. A target registers its model in targets/cost.c. */
#ifndef DLC_COST_H
#define DLC_COST_H

#include "dlc/ir.h"

typedef struct {
  int step;
  char node[160]; /* the ONNX node */
  char on[8];     /* "pim", "acc", "c" or "host" */
  double ns, nj;  /* per sample; 0 where the model has no time or energy (c) */
  double bytes;   /* pim / acc: bytes moved to and from memory; c: weight bytes */
  double macs;    /* multiply-accumulates per sample */
} DlLayerCost;

typedef struct {
  const char *target;
  const char *summary;
  /* Costs of every step of m on `device` (NULL: the target's default);
   * *out is malloc'd, *n entries. */
  bool (*estimate)(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e);
} DlCostModel;

const DlCostModel *dl_cost_model_lookup(const char *target);
/* The JSON of costs c[0..n): per step, and totals. */
bool dl_cost_write_json(FILE *f, const char *target, const DlLayerCost *c, int n);

#endif
