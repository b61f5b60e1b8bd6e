/* What the targets' cost models share: rows per step, zero runs, the JSON. */
#include <stdlib.h>

#include "dlc/cost.h"
#include "dlc/schema.h"
#include "dlc/support.h"

int64_t dl_plan_batch(const DlPlan *p) { return p->nin && p->slot[p->in_slot[0]].shape.rank ? p->slot[p->in_slot[0]].shape.dims[0] : 1; }

static double macs_of(const DlStep *st, const DlPlan *p) {
  const struct DlQStep *q = st->q;
  if (!q) { /* a float step: its multiply-adds count the same */
    const DlCall *c = &st->call;
    double out = (double)dl_shape_numel(&p->slot[st->out].shape);
    const dlrt_win *g = &c->win;
    switch (c->kind) {
    case DL_CALL_GEMM: case DL_CALL_MATMUL: return out * (double)c->K;
    case DL_CALL_CONV: return out * (double)(g->c / g->group * g->k[0] * g->k[1] * g->k[2]);
    case DL_CALL_CONV_TRANSPOSE: /* every input element meets its group's outputs' taps */
      return (double)dl_shape_numel(&p->slot[st->in[0]].shape) * (double)(g->m / g->group * g->k[0] * g->k[1] * g->k[2]);
    default: return 0;
    }
  }
  if (q->kind != DL_Q_CONV && q->kind != DL_Q_MATMUL) return 0;
  double out = (double)dl_shape_numel(&p->slot[st->out].shape);
  if (q->kind == DL_Q_MATMUL) return out * (double)q->c.K;
  const dlrt_win *g = &q->c.win;
  return out * (double)(g->c / g->group * g->k[0] * g->k[1] * g->k[2]);
}

bool dl_plan_run_zero(DlPlan *p, DlError *e) {
  void *in[256];
  bool ok = true;
  for (int i = 0; i < p->nin; i++) {
    const DlShape *s = dl_plan_input_shape(p, i);
    in[i] = calloc((size_t)dl_shape_numel(s) + 1, dl_dtype_size(s->dtype));
  }
  ok = dl_plan_run(p, (const void *const *)in, e);
  for (int i = 0; i < p->nin; i++) free(in[i]);
  return ok;
}

DlLayerCost *dl_cost_rows(const DlPlan *p) {
  DlLayerCost *c = calloc((size_t)p->nsteps + 1, sizeof(DlLayerCost));
  for (int s = 0; s < p->nsteps; s++) {
    c[s].step = s;
    snprintf(c[s].node, sizeof c[s].node, "%s", p->steps[s].where);
    c[s].macs = macs_of(&p->steps[s], p) / (double)dl_plan_batch(p);
    const struct DlQStep *q = p->steps[s].q;
    if (q && q->ax.table)
      snprintf(c[s].multiplier, sizeof c[s].multiplier, "%s", q->ax.spec), c[s].multiplier_energy = q->ax.energy;
  }
  return c;
}

bool dl_cost_write_json(FILE *f, const char *target, const DlLayerCost *c, int n) {
  double ns = 0, nj = 0, bytes = 0, macs = 0;
  fprintf(f, "{\n  \"schema\": \"%s\",\n  \"target\": \"%s\",\n  \"layers\": [", DL_SCHEMA_COST, target);
  bool first = true;
  for (int i = 0; i < n; i++) {
    ns += c[i].ns, nj += c[i].nj, bytes += c[i].bytes, macs += c[i].macs;
    if (!c[i].ns && !c[i].nj && !c[i].bytes && !c[i].macs) continue;
    fprintf(f, "%s\n    {\"step\": %d, \"node\": ", first ? "" : ",", c[i].step);
    dl_json_write_str(f, c[i].node);
    fprintf(f, ", \"on\": \"%s\", \"ns\": %.3f, \"nj\": %.4f, \"bytes\": %.1f, \"macs\": %.0f", c[i].on, c[i].ns, c[i].nj,
            c[i].bytes, c[i].macs);
    if (c[i].multiplier[0]) { /* an approximate layer: which multiplier its MACs were priced on */
      fprintf(f, ", \"multiplier\": ");
      dl_json_write_str(f, c[i].multiplier);
      fprintf(f, ", \"multiplier_energy\": %.4f", c[i].multiplier_energy);
    }
    fprintf(f, "}");
    first = false;
  }
  fprintf(f, "\n  ],\n  \"per_sample\": {\"ns\": %.3f, \"nj\": %.4f, \"bytes\": %.1f, \"macs\": %.0f}\n}\n", ns, nj, bytes, macs);
  return !ferror(f);
}
