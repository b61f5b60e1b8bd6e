/* The acc target: its DlTarget and its cost model. */
#include <string.h>

#include "dlc/acc.h"
#include "dlc/cost.h"
#include "dlc/target.h"
#include "dlc/sparse.h"

bool dl_target_acc_emit(MlirModule m, const DlTargetOptions *o, DlError *e); /* emit_acc.c */

static bool dl_acc_cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  DlAccDevice dev;
  DlAccProgram prog;
  if (!dl_acc_device_load(device, &dev, e) || !dl_acc_compile(m, &dev, &prog, e)) return false;
  DlPlan *p = dl_plan_create(m, e);
  DlAccSim *s = p ? dl_acc_sim_create(&prog, p, e) : NULL;
  bool ok = s != NULL;
  if (ok) dl_acc_sim_timing_only(s, true);
  ok = ok && dl_plan_run_zero(p, e);
  if (ok) {
    double B = (double)dl_plan_batch(p);
    DlLayerCost *c = dl_cost_rows(p);
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

static char *acc_ir(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e) {
  DlAccDevice dev;
  return dl_acc_device_load(o->device, &dev, e) ? dl_acc_ir(m, &dev, o->ir_detail, len, e) : NULL;
}

const DlTarget dl_target_acc = {
    .name = "acc",
    .summary = "a parameterized DNN accelerator: an .accbin instruction blob for dlc-run's simulator",
    .emit = dl_target_acc_emit,
    .ir = acc_ir,
    .ir_detail_flag = "--acc-insns",
    .cost = {"acc", "simulated time, energy and DRAM bytes of the accelerator layers (timing model only)", true,
             dl_acc_cost},
    .device_help = "a device JSON file or a preset: edge (default), dpu",
};
