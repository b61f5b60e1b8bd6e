/* The targets' cost models (dlc/cost.h). pim and acc run their simulators'
 * timing models over one batch without computing values: the same time and
 * energy a full simulation reports, since neither depends on the data. c
 * counts weight bytes and multiply-accumulates as the C target stores and
 * runs them (sparse weights where --c-sparse-weights=auto makes them so). */
#include <stdlib.h>
#include <string.h>

#include "dlc/acc.h"
#include "dlc/cost.h"
#include "dlc/pim.h"
#include "dlc/support.h"
#include "dlc/plan.h"
#include "dlc/sparse.h"

static int64_t batch_of(const DlPlan *p) { return p->nin && p->slot[p->in_slot[0]].shape.rank ? p->slot[p->in_slot[0]].shape.dims[0] : 1; }

static double macs_of(const DlStep *st, const DlPlan *p) {
  const struct DlQStep *q = st->q;
  if (!q || (q->kind != DL_Q_CONV && q->kind != DL_Q_MATMUL)) return 0;
  double out = (double)dl_shape_numel(&p->slot[st->out].shape);
  if (q->kind == DL_Q_MATMUL) return out * (double)q->c.K;
  const dlrt_win *g = &q->c.win;
  return out * (double)(g->c / g->group * g->k[0] * g->k[1] * g->k[2]);
}

/* Runs plan once on zero inputs (values do not matter to a timing model). */
static bool run_zero(DlPlan *p, DlError *e) {
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

static DlLayerCost *costs_new(const DlPlan *p) {
  DlLayerCost *c = calloc((size_t)p->nsteps + 1, sizeof(DlLayerCost));
  for (int s = 0; s < p->nsteps; s++) {
    c[s].step = s;
    snprintf(c[s].node, sizeof c[s].node, "%s", p->steps[s].where);
    c[s].macs = macs_of(&p->steps[s], p) / (double)batch_of(p);
  }
  return c;
}

static bool cost_pim(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  DlPimDevice dev;
  DlPimProgram prog;
  if (!dl_pim_device_load(device, &dev, e) || !dl_pim_compile(m, &dev, &prog, e)) return false;
  DlPlan *p = dl_plan_create(m, e);
  DlPimSim *s = p ? dl_pim_sim_create(&prog, p, e) : NULL;
  bool ok = s != NULL;
  if (ok) dl_pim_sim_timing_only(s, true);
  ok = ok && run_zero(p, e);
  if (ok) {
    double B = (double)batch_of(p);
    DlLayerCost *c = costs_new(p);
    for (int i = 0; i < prog.nk; i++) snprintf(c[prog.k[i].step].on, sizeof c->on, "pim");
    for (int st = 0; st < p->nsteps; st++) {
      if (!c[st].on[0]) snprintf(c[st].on, sizeof c->on, "host");
      dl_pim_sim_step_cost(s, st, &c[st].ns, &c[st].nj);
      c[st].ns /= B, c[st].nj /= B;
    }
    *out = c, *n = p->nsteps;
  }
  dl_pim_sim_destroy(s);
  dl_plan_destroy(p);
  dl_pim_program_free(&prog);
  return ok;
}

static bool cost_acc(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  DlAccDevice dev;
  DlAccProgram prog;
  if (!dl_acc_device_load(device, &dev, e) || !dl_acc_compile(m, &dev, &prog, e)) return false;
  DlPlan *p = dl_plan_create(m, e);
  DlAccSim *s = p ? dl_acc_sim_create(&prog, p, e) : NULL;
  bool ok = s != NULL;
  if (ok) dl_acc_sim_timing_only(s, true);
  ok = ok && run_zero(p, e);
  if (ok) {
    double B = (double)batch_of(p);
    DlLayerCost *c = costs_new(p);
    for (int i = 0; i < prog.nl; i++) snprintf(c[prog.l[i].step].on, sizeof c->on, "acc");
    for (int st = 0; st < p->nsteps; st++) {
      if (!c[st].on[0]) snprintf(c[st].on, sizeof c->on, "host");
      dl_acc_sim_step_cost(s, st, &c[st].ns, &c[st].nj, &c[st].bytes);
      c[st].ns /= B, c[st].nj /= B, c[st].bytes /= B;
    }
    *out = c, *n = p->nsteps;
  }
  dl_acc_sim_destroy(s);
  dl_plan_destroy(p);
  dl_acc_program_free(&prog);
  return ok;
}

static bool cost_c(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  (void)device;
  DlPlan *p = dl_plan_create(m, e);
  if (!p) return false;
  DlLayerCost *c = costs_new(p);
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

static const DlCostModel models[] = {
    {"pim", "simulated time and energy of the PIM kernels (timing model only), host steps on the host model", cost_pim},
    {"acc", "simulated time, energy and DRAM bytes of the accelerator layers (timing model only)", cost_acc},
    {"c", "integer weight bytes and multiply-accumulates of each step, as the generated C stores and runs them", cost_c},
};

const DlCostModel *dl_cost_model_lookup(const char *target) {
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    if (!strcmp(models[i].target, target)) return &models[i];
  return NULL;
}

bool dl_cost_write_json(FILE *f, const char *target, const DlLayerCost *c, int n) {
  double ns = 0, nj = 0, bytes = 0, macs = 0;
  fprintf(f, "{\n  \"target\": \"%s\",\n  \"layers\": [", target);
  bool first = true;
  for (int i = 0; i < n; i++) {
    ns += c[i].ns, nj += c[i].nj, bytes += c[i].bytes, macs += c[i].macs;
    if (!c[i].ns && !c[i].nj && !c[i].bytes && !c[i].macs) continue;
    fprintf(f, "%s\n    {\"step\": %d, \"node\": ", first ? "" : ",", c[i].step);
    dl_json_write_str(f, c[i].node);
    fprintf(f, ", \"on\": \"%s\", \"ns\": %.3f, \"nj\": %.4f, \"bytes\": %.1f, \"macs\": %.0f}", c[i].on, c[i].ns, c[i].nj,
            c[i].bytes, c[i].macs);
    first = false;
  }
  fprintf(f, "\n  ],\n  \"per_sample\": {\"ns\": %.3f, \"nj\": %.4f, \"bytes\": %.1f, \"macs\": %.0f}\n}\n", ns, nj, bytes, macs);
  return !ferror(f);
}
