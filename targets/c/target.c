/* The c target: its DlTarget and its cost model. */
#include <string.h>

#include "dlc/cost.h"
#include "dlc/target.h"
#include "dlc/sparse.h"

bool dl_target_c_emit(MlirModule m, const DlTargetOptions *o, DlError *e); /* emit_c.c */

static bool dl_c_cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  (void)device;
  DlPlan *p = dl_plan_create(m, e);
  if (!p) return false;
  DlLayerCost *c = dl_cost_rows(p);
  for (int st = 0; st < p->nsteps; st++) {
    snprintf(c[st].on, sizeof c->on, "c");
    const struct DlQStep *q = p->steps[st].q;
    DlQSparse sp;
    c[st].bytes = q ? (double)q->wbytes : 0;
    if (q && dl_qstep_sparse(q, DL_SPARSE_AUTO, &sp)) { /* stored as the C target stores it, zeros skipped */
      c[st].bytes = (double)(sp.mask_bytes + sp.val_bytes);
      c[st].macs *= q->nw ? (double)sp.nnz / (double)q->nw : 0;
      dl_qsparse_free(&sp);
    }
  }
  *out = c, *n = p->nsteps;
  dl_plan_destroy(p);
  return true;
}

const DlTarget dl_target_c = {
    .name = "c",
    .summary = "portable C99 with a statically planned activation arena",
    .emit = dl_target_c_emit,
    .cost = {"c", "integer weight bytes and multiply-accumulates of each step, as the generated C stores and runs them",
             false, dl_c_cost},
};
