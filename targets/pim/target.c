/* The pim target: its DlTarget, its program and simulator for the parts the
 * simulated targets share (../simulated.h). */
#include <string.h>

#include "dlc/pim.h"
#include "dlc/cost.h"
#include "dlc/target.h"
#include "../simulated.h"

static void step_cost(void *sim, int step, DlLayerCost *c) { dl_pim_sim_step_cost(sim, step, &c->ns, &c->nj); }
static void summary(const void *prog, void *sim, int64_t samples, FILE *f) {
  double ns, nj, bitops, sim_s;
  dl_pim_sim_totals(sim, &ns, &nj, &bitops, &sim_s);
  fprintf(f, "pim (%s): %.1f us and %.1f uJ per sample; simulator: %.3g bitline operations in %.2f s (%.3g per second)\n",
          ((const DlPimProgram *)prog)->dev.name, ns / 1e3 / (double)samples, nj / 1e3 / (double)samples, bitops, sim_s,
          sim_s > 0 ? bitops / sim_s : 0.0);
}

/* dlc-run --report-html: members of the report's layers (dl_pim_sim_report) */
static const DlHtmlColumn html_columns[] = {
    {"on", "on", false},
    {"kind", "kind", false},
    {"in_bits", "input bits", false},
    {"out_bits", "output bits", false},
    {"ns", "time per sample (ns)", true},
    {"nj", "energy per sample (nJ)", true},
    {"bus_bytes", "DRAM bus bytes per sample", true},
};

DL_SIM_TARGET("pim", dl_pim, DlPimProgram, DlPimDevice, nk, k, NULL, NULL, NULL)

static bool objective(const char *v, DlError *e) {
  DlPimObjective o;
  return dl_pim_objective_parse(v, &o) || dl_error_set(e, "--pim-objective must be edp, energy or time, not '%s'", v);
}

const DlTarget dl_target_pim = {
    .name = "pim",
    .summary = "bit-serial processing in DRAM: a .pimbin command stream for dlc-run's simulator",
    .file_ext = "pimbin",
    DL_SIM_TARGET_MEMBERS,
    .ir_detail_flag = "--pim-rows",
    .cost = {"pim", "simulated time and energy of the PIM kernels (timing model only), host steps on the host model",
             "pim computes exact products only (its bit-serial row adders)", true, cost},
    .device_help = "a device JSON file or a built-in name (default hbm2)",
    .device_key = "objective",
    .device_key_arg = "O",
    .device_key_help = "what the channel blocking minimizes: edp (energy x delay;\ndefault), energy or time",
    .device_key_check = objective,
};
