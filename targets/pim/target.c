/* The pim target: its DlTarget and its cost model. */
#include <string.h>

#include "dlc/pim.h"
#include "dlc/cost.h"
#include "dlc/target.h"
#include "dlc/sparse.h"

bool dl_target_pim_emit(MlirModule m, const DlTargetOptions *o, DlError *e); /* emit_pim.c */

static bool dl_pim_cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  DlPimDevice dev;
  DlPimProgram prog;
  if (!dl_pim_device_load(device, &dev, e) || !dl_pim_compile(m, &dev, &prog, e)) return false;
  DlPlan *p = dl_plan_create(m, e);
  DlPimSim *s = p ? dl_pim_sim_create(&prog, p, e) : NULL;
  bool ok = s != NULL;
  if (ok) dl_pim_sim_timing_only(s, true);
  ok = ok && dl_plan_run_zero(p, e);
  if (ok) {
    double B = (double)dl_plan_batch(p);
    DlLayerCost *c = dl_cost_rows(p);
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

static char *pim_ir(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e) {
  DlPimDevice dev;
  return dl_pim_device_load(o->device, &dev, e) ? dl_pim_ir(m, &dev, o->ir_detail, len, e) : NULL;
}

const DlTarget dl_target_pim = {
    .name = "pim",
    .summary = "bit-serial processing in DRAM: a .pimbin command stream for dlc-run's simulator",
    .emit = dl_target_pim_emit,
    .ir = pim_ir,
    .ir_detail_flag = "--pim-rows",
    .cost = {"pim", "simulated time and energy of the PIM kernels (timing model only), host steps on the host model",
             true, dl_pim_cost},
    .device_help = "a device JSON file or a built-in name (default hbm2)",
};
