/* The acc target: its DlTarget, its program and simulator for the parts the
 * simulated targets share (../simulated.h). */
#include <string.h>

#include "dlc/acc.h"
#include "dlc/compress.h"
#include "dlc/cost.h"
#include "dlc/target.h"
#include "../simulated.h"

bool dl_target_acc_emit(MlirModule m, const DlTargetOptions *o, DlError *e); /* emit_acc.c */
extern const DlContainer dl_accbin;                                           /* accbin.c */

static bool compile(MlirModule m, const char *device, void *prog, DlError *e) {
  DlAccDevice dev;
  return dl_acc_device_load(device, &dev, e) && dl_acc_compile(m, &dev, prog, e);
}
static bool parse(const void *buf, size_t len, void *prog, DlError *e) { return dl_acc_parse(buf, len, prog, e); }
static void program_free(void *prog) { dl_acc_program_free(prog); }
static const char *embedded(const void *prog, size_t *len) {
  const DlAccProgram *p = prog;
  return *len = p->mlir_len, p->mlir;
}
static int nunits(const void *prog) { return ((const DlAccProgram *)prog)->nl; }
static int unit_step(const void *prog, int i) { return ((const DlAccProgram *)prog)->l[i].step; }
static void *sim_create(const void *prog, DlPlan *plan, DlError *e) { return dl_acc_sim_create(prog, plan, e); }
static void sim_destroy(void *sim) { dl_acc_sim_destroy(sim); }
static void timing_only(void *sim, bool on) { dl_acc_sim_timing_only(sim, on); }
static void step_cost(void *sim, int step, DlLayerCost *c) { dl_acc_sim_step_cost(sim, step, &c->ns, &c->nj, &c->bytes); }
static bool report(void *sim, FILE *f, int64_t samples) { return dl_acc_sim_report(sim, f, samples); }
static void summary(const void *prog, void *sim, int64_t samples, FILE *f) {
  double ns, nj, dram, sim_s;
  dl_acc_sim_totals(sim, &ns, &nj, &dram, &sim_s);
  fprintf(f, "acc (%s): %.1f us, %.2f uJ and %.0f DRAM bytes per sample; simulator: %.2f s\n",
          ((const DlAccProgram *)prog)->dev.name, ns / 1e3 / (double)samples, nj / 1e3 / (double)samples,
          dram / (double)samples, sim_s);
}
static void print(FILE *f, const void *prog, DlPlan *plan) { dl_acc_print(f, prog, plan, true); }
/* --acc-compress S: every activation compressed in DRAM with scheme S, or none */
static bool compress(void *sim, const char *v, DlError *e) {
  DlScheme scheme = DL_SCHEME_RAW;
  bool none = !strcmp(v, "none");
  if (!none && !dl_scheme_parse(v, &scheme))
    return dl_error_set(e, "--acc-compress: unknown scheme '%s' (expected none, %s)", v, dl_scheme_names());
  dl_acc_sim_compress(sim, none ? -1 : (int)scheme, 256, 64);
  return true;
}

static const DlSimTarget sim = {"acc", &dl_accbin, sizeof(DlAccProgram), compile, parse, program_free, embedded, nunits,
                                unit_step, sim_create, sim_destroy, timing_only, step_cost, report, summary, print, compress};

static bool acc_cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  return dl_sim_cost(&sim, m, device, out, n, e);
}
static bool recognizes(const char *path, const void *head, size_t n) { return dl_sim_recognize(&sim, path, head, n); }
static bool load(const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e) { return dl_sim_load(&sim, path, o, l, e); }

static char *acc_ir(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e) {
  DlAccDevice dev;
  return dl_acc_device_load(o->device, &dev, e) ? dl_acc_ir(m, &dev, o->ir_detail, len, e) : NULL;
}

const DlTarget dl_target_acc = {
    .name = "acc",
    .summary = "a parameterized DNN accelerator: an .accbin instruction blob for dlc-run's simulator",
    .recognizes = recognizes,
    .load = load,
    .disasm = dl_sim_disasm,
    .finish = dl_sim_finish,
    .unload = dl_sim_unload,
    .run_option = "--acc-compress",
    .run_option_arg = "S",
    .run_option_help = ".accbin: every activation compressed in DRAM with scheme S (raw, pack, zvc, zb,\n"
                       "zvw, all), blocks of 256, or none; default: those --compress-activations chose\n"
                       "(a codec of 64 bytes per cycle)",
    .emit = dl_target_acc_emit,
    .ir = acc_ir,
    .ir_detail_flag = "--acc-insns",
    .cost = {"acc", "simulated time, energy and DRAM bytes of the accelerator layers (timing model only)", true,
             acc_cost},
    .device_help = "a device JSON file or a preset: edge (default), dpu",
    .compress_where = 2,
};
