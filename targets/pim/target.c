/* The pim target: its DlTarget, its program and simulator for the parts the
 * simulated targets share (../simulated.h). */
#include <string.h>

#include "dlc/pim.h"
#include "dlc/cost.h"
#include "dlc/target.h"
#include "../simulated.h"

bool dl_target_pim_emit(MlirModule m, const DlTargetOptions *o, DlError *e); /* emit_pim.c */
extern const DlContainer dl_pimbin;                                           /* pimbin.c */

static bool compile(MlirModule m, const char *device, void *prog, DlError *e) {
  DlPimDevice dev;
  return dl_pim_device_load(device, &dev, e) && dl_pim_compile(m, &dev, prog, e);
}
static bool parse(const void *buf, size_t len, void *prog, DlError *e) { return dl_pim_parse(buf, len, prog, e); }
static void program_free(void *prog) { dl_pim_program_free(prog); }
static const char *embedded(const void *prog, size_t *len) {
  const DlPimProgram *p = prog;
  return *len = p->mlir_len, p->mlir;
}
static int nunits(const void *prog) { return ((const DlPimProgram *)prog)->nk; }
static int unit_step(const void *prog, int i) { return ((const DlPimProgram *)prog)->k[i].step; }
static void *sim_create(const void *prog, DlPlan *plan, DlError *e) { return dl_pim_sim_create(prog, plan, e); }
static void sim_destroy(void *sim) { dl_pim_sim_destroy(sim); }
static void timing_only(void *sim, bool on) { dl_pim_sim_timing_only(sim, on); }
static void step_cost(void *sim, int step, DlLayerCost *c) { dl_pim_sim_step_cost(sim, step, &c->ns, &c->nj); }
static bool report(void *sim, FILE *f, int64_t samples) { return dl_pim_sim_report(sim, f, samples); }
static void summary(const void *prog, void *sim, int64_t samples, FILE *f) {
  double ns, nj, bitops, sim_s;
  dl_pim_sim_totals(sim, &ns, &nj, &bitops, &sim_s);
  fprintf(f, "pim (%s): %.1f us and %.1f uJ per sample; simulator: %.3g bitline operations in %.2f s (%.3g per second)\n",
          ((const DlPimProgram *)prog)->dev.name, ns / 1e3 / (double)samples, nj / 1e3 / (double)samples, bitops, sim_s,
          sim_s > 0 ? bitops / sim_s : 0.0);
}
static void print(FILE *f, const void *prog, DlPlan *plan) { dl_pim_print(f, prog, plan, true); }

static const DlSimTarget sim = {"pim", &dl_pimbin, sizeof(DlPimProgram), compile, parse, program_free, embedded, nunits,
                                unit_step, sim_create, sim_destroy, timing_only, step_cost, report, summary, print, NULL};

static bool pim_cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  return dl_sim_cost(&sim, m, device, out, n, e);
}
static bool recognizes(const char *path, const void *head, size_t n) { return dl_sim_recognize(&sim, path, head, n); }
static bool load(const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e) { return dl_sim_load(&sim, path, o, l, e); }

static char *pim_ir(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e) {
  DlPimDevice dev;
  return dl_pim_device_load(o->device, &dev, e) ? dl_pim_ir(m, &dev, o->ir_detail, len, e) : NULL;
}

static bool objective(const char *v, DlError *e) {
  DlPimObjective o;
  return dl_pim_objective_parse(v, &o) || dl_error_set(e, "--pim-objective must be edp, energy or time, not '%s'", v);
}

const DlTarget dl_target_pim = {
    .name = "pim",
    .summary = "bit-serial processing in DRAM: a .pimbin command stream for dlc-run's simulator",
    .recognizes = recognizes,
    .load = load,
    .disasm = dl_sim_disasm,
    .finish = dl_sim_finish,
    .unload = dl_sim_unload,
    .emit = dl_target_pim_emit,
    .ir = pim_ir,
    .ir_detail_flag = "--pim-rows",
    .cost = {"pim", "simulated time and energy of the PIM kernels (timing model only), host steps on the host model",
             true, pim_cost},
    .device_help = "a device JSON file or a built-in name (default hbm2)",
    .device_key = "objective",
    .device_key_arg = "O",
    .device_key_help = "what the channel blocking minimizes: edp (energy x delay;\ndefault), energy or time",
    .device_key_check = objective,
};
