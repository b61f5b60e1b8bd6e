/* The acc target: its DlTarget, its program and simulator for the parts the
 * simulated targets share (../simulated.h). */
#include <math.h>
#include <string.h>

#include "dlc/acc.h"
#include "dlc/compress.h"
#include "dlc/cost.h"
#include "dlc/target.h"
#include "../simulated.h"

static void step_cost(void *sim, int step, DlLayerCost *c) { dl_acc_sim_step_cost(sim, step, &c->ns, &c->nj, &c->bytes); }
static void summary(const void *prog, void *sim, int64_t samples, FILE *f) {
  double ns, nj, dram, sim_s;
  dl_acc_sim_totals(sim, &ns, &nj, &dram, &sim_s);
  fprintf(f, "acc (%s): %.1f us, %.2f uJ and %.0f DRAM bytes per sample; simulator: %.2f s\n",
          ((const DlAccProgram *)prog)->dev.name, ns / 1e3 / (double)samples, nj / 1e3 / (double)samples,
          dram / (double)samples, sim_s);
}
/* --acc-compress S: every activation compressed in DRAM with scheme S, or none */
static bool compress(void *sim, const char *v, DlError *e) {
  DlScheme scheme = DL_SCHEME_RAW;
  bool none = !strcmp(v, "none");
  if (!none && !dl_scheme_parse(v, &scheme))
    return dl_error_set(e, "--acc-compress: unknown scheme '%s' (expected none, %s)", v, dl_scheme_names());
  dl_acc_sim_compress(sim, none ? -1 : (int)scheme, 256, 64);
  return true;
}

/* Layers set aside for the device's requantization limit are said so at
 * compile time, never found at run time: a warning when others run on the
 * device, an error naming the layer when none is left. */
static bool wide_layers(MlirContext ctx, const void *prog, DlError *e) {
  const DlAccProgram *p = prog;
  if (!p->nwide) return true;
  if (!p->nl)
    return dl_error_set(e, "%s: cannot run on device '%s': its sums times its requantization multiplier could reach "
                           "2^%.1f, beyond the device's int64 requantization (2^62); give it fewer activation bits "
                           "(\"abits\" in --config)",
                        p->wide_where, p->dev.name, log2(p->wide_peak));
  dl_warn(ctx,
          "%s%s: runs on the host: its sums times its requantization multiplier could reach 2^%.1f, "
          "beyond the int64 requantization of device '%s' (2^62); fewer activation bits (\"abits\" in --config) keep it "
          "on the device",
          p->wide_where, p->nwide > 1 ? " and others" : "", log2(p->wide_peak), p->dev.name);
  return true;
}

/* dlc-run --report-html: members of the report's layers (dl_acc_sim_report) */
static const DlHtmlColumn html_columns[] = {
    {"on", "on", false},
    {"kind", "kind", false},
    {"weight_bits", "weight bits", false},
    {"pe_utilization", "PE utilization", false},
    {"ns", "time per sample (ns)", true},
    {"nj", "energy per sample (nJ)", true},
    {"dram_bytes_per_sample", "DRAM bytes per sample", true},
};

/* the report's compression ratios are the last run's */
static double *last(void *sim, int *n) { return dl_acc_sim_last(sim, n); }

DL_SIM_TARGET("acc", dl_acc, DlAccProgram, DlAccDevice, nl, l, compress, wide_layers, last)

const DlTarget dl_target_acc = {
    .name = "acc",
    .summary = "a parameterized DNN accelerator: an .accbin instruction blob for dlc-run's simulator",
    .file_ext = "accbin",
    DL_SIM_TARGET_MEMBERS,
    .run_option = "--acc-compress",
    .run_option_arg = "S",
    .run_option_help = ".accbin: every activation compressed in DRAM with scheme S (raw, pack, zvc, zb,\n"
                       "zvw, all), blocks of 256, or none; default: those --compress-activations chose\n"
                       "(a codec of 64 bytes per cycle)",
    .ir_detail_flag = "--acc-insns",
    .cost = {"acc", "simulated time, energy and DRAM bytes of the accelerator layers (timing model only)", NULL,
             true, cost},
    .device_help = "a device JSON file or a preset: edge (default), dpu",
    .compress_where = 2,
};
