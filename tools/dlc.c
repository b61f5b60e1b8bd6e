/* dlc: the driver build systems call. ONNX model in, IR or target code out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc/compress.h"
#include "dlc/load.h"
#include "dlc/onnx.h"
#include "dlc/npy.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "dlc/prune.h"
#include "dlc/quant.h"
#include "dlc/support.h"
#include "dlc/acc.h"
#include "dlc/cost.h"
#include "dlc/pim.h"
#include "dlc/precision.h"
#include "dlc/target.h"
#include "dlc/version.h"

static const char *prog = "dlc";

enum { EXIT_USER = 1, EXIT_INTERNAL = 2 };

static void usage(FILE *f) {
  fprintf(f,
          "usage: dlc MODEL.onnx|MODEL.mlir [options]\n"
          "Compiles an ONNX model through the qg dialect.\n"
          "  -o FILE                 output file (default: stdout); written atomically\n"
          "  --target=c|pim|acc      generate code (c: FILE.c + FILE.h, C99; pim: a .pimbin,\n"
          "                          acc: an .accbin, for dlc-run's simulators)\n"
          "  --pim-device=D          pim: a device JSON file or a built-in name (default hbm2)\n"
          "  --pim-objective=O       pim: what the channel blocking minimizes: edp (energy x\n"
          "                          delay; default), energy or time\n"
          "  --acc-device=D          acc: a device JSON file or a preset: edge (default), dpu\n"
          "  --name=ID               C identifier prefix for generated code (default: from -o)\n"
          "  --c-sparse-weights=M    c: store conv / gemm weights sparse (a bitmask and the\n"
          "                          nonzeros; the kernels skip zeros) where that is smaller and\n"
          "                          not slower: auto (default, at most 25%% nonzero); smaller:\n"
          "                          size; never: off; wherever the kernels run: all\n"
          "  --emit=qg|pim           print the qg IR (after quantization, if asked) or the pim\n"
          "                          IR: one pim.kernel or pim.host per step (MLIR text)\n"
          "  --pim-rows              with --emit=pim: each kernel's row commands too\n"
          "  --emit=acc [--acc-insns] print the acc IR: one acc.layer / acc.host per step (and its\n"
          "                          instructions)\n"
          "  --cost=pim|acc|c        print each step's cost on a target as JSON (time, energy,\n"
          "                          bytes, MACs per sample; the simulators' timing models)\n"
          "  --passes=P1,P2,...      run these passes after import (see dlc-opt --list-passes)\n"
          "  --input-shape=NAME=DIMS fix a dynamic input shape, e.g. input=1x3x224x224\n"
          "                          (repeat or separate with commas; a dynamic batch\n"
          "                          dimension defaults to 1)\n"
          "  --print-generic         print every op in generic form\n"
          "  --print-loc             print locations (ONNX node names; the default when -o names a\n"
          "                          file, so a later dlc's errors and reports name the nodes)\n"
          "  --no-print-loc          print no locations\n"
          "quantization:\n"
          "  --quantize              integer model: calibrate on --calib, then quantize\n"
          "  --calib=FILE.npy        calibration samples (float32, first dim = samples)\n"
          "  --calib=NAME=FILE.npy   the samples of input NAME; repeated, one per input of a\n"
          "                          model with several (same sample count in each)\n"
          "  --auto-keep[=DB]        accuracy guard: layers whose SQNR against float on --calib\n"
          "                          is below DB (default 30) and 1 dB below their inputs' go to\n"
          "                          16-bit activations, then 16-bit weights, then float; one\n"
          "                          warning names them\n"
          "  --calib-method=M        auto (default: mse below 6 bits, else minmax) | minmax |\n"
          "                          percentile[=P] (default P 99.99) | entropy | mse\n"
          "  --calib-samples=N       use the first N samples (default 1000; 0 = all)\n"
          "  --wbits=N --abits=N     weight / activation bits, 2..16 (default 8)\n"
          "  --wclip=M               weight clipping per channel: max (max |w|), mse (least\n"
          "                          squared weight error) or omse (least output error with\n"
          "                          correlated kernel inputs); default omse below 6 bits, else max\n"
          "  --wround=M              weight rounding: nearest (default) or gptq (each layer's\n"
          "                          rounding errors moved onto its inputs not yet rounded and\n"
          "                          its bias, from input statistics on 1,000 calibration samples)\n"
          "  --outliers=FRAC         outlier-aware weights, 0 < FRAC < 0.5: --wbits covers all but the\n"
          "                          largest FRAC of |w| per channel; those are stored at --outlier-bits\n"
          "  --outlier-bits=B        outlier width, more than --wbits and at most 16 (default 8)\n"
          "  --per-tensor            one weight scale per tensor (default: per output channel)\n"
          "  --symmetric             symmetric activations (zero point 0)\n"
          "  --pow2                  power-of-two scales (dynamic fixed point)\n"
          "  --report=FILE.json      per-layer bits, scales, MACs, weight bytes and SQNR against\n"
          "                          float on the calibration samples\n"
          "  --config=FILE.json      quantization defaults and per-node settings (docs/quantization.md);\n"
          "                          flags on the command line override its defaults\n"
          "  --calib with a QDQ model calibrates the tensors it leaves without Q/DQ, so\n"
          "                          their ops get integer forms too\n"
          "  --no-fold-qdq           keep an already-quantized (QDQ / QOperator) model's\n"
          "                          quantization as float ops instead of integer ones\n"
          "pruning (float weights, before --quantize; docs/pruning.md):\n"
          "  --prune=SPEC            unstructured:R | nm:N:M | rows:R | cols:R | filters:R\n"
          "                          (R: fraction removed per layer, e.g. unstructured:0.5, nm:2:4)\n"
          "  --prune-layers=REGEX    only layers whose ONNX node name matches (POSIX ERE)\n"
          "  --prune-bias-correct    keep each output's mean on --calib (bias correction)\n"
          "  --prune-reconstruct     refit each layer's kept weights and bias to its original\n"
          "                          outputs on --calib (least squares), layer after layer\n"
          "activation compression (c and acc targets; needs a quantized model and --calib):\n"
          "  --compress-activations  keep activations compressed in the arena (c) or in DRAM (acc):\n"
          "                          scheme and K per tensor measured on the calibration samples\n"
          "  --compress-target=c|acc whose tensors to choose from (default: --target's if acc, else c)\n"
          "  --compress-budget=[traffic:]BYTES  activation memory to meet: the peak of bytes live\n"
          "                          at once (default) or the bytes moved per inference\n"
          "  --compress-max-loss=P   points of accuracy the choice may lose on the samples\n"
          "                          (default 0: lossless); without --compress-labels, points\n"
          "                          of top-1 agreement with the exact integer model\n"
          "  --compress-labels=FILE.npy  int64 labels of the calibration samples\n"
          "  --compress-kmax=K       largest K tried (0..7, default 4): values keep multiples of 2^K\n"
          "  --compress-holdout=F    keep the last share F of the samples from the search and undo its\n"
          "                          last moves until the accuracy budget holds on them too (default 0)\n"
          "  --compress-samples=N    calibration samples measured (default 1000; 0 = all)\n"
          "  --compress-reserve=R    arena bytes per tensor: bound (worst case, never fails) or\n"
          "                          calib (calibration worst + 5%%, checked at run time; the\n"
          "                          default under an arena budget)\n"
          "  --compress-report=FILE  per-tensor scheme, K, ratios and bytes saved; totals; loss\n"
          "precision assignment (docs/precision.md; needs --calib, implies --quantize):\n"
          "  --assign-precision=BUDGET  bits per layer: loss:POINTS (accuracy lost on the held-out\n"
          "                          samples, least cost), or energy:|time:|bytes: a number per sample or\n"
          "                          a fraction of the reference (energy:0.4x; least sensitivity)\n"
          "  --assign-target=T       cost model: pim, acc or c (default: --target's, else c)\n"
          "  --assign-cost=K         what a loss budget minimizes: energy, time or bytes (default:\n"
          "                          energy on pim and acc, bytes on c)\n"
          "  --assign-wbits=LIST --assign-abits=LIST  candidate widths (default 2,3,4,5,6,8 and 4,5,6,8)\n"
          "  --assign-sparsity=LIST  candidate unstructured sparsities, pruned with least-squares\n"
          "                          reconstruction (default 0: none; e.g. 0,0.5)\n"
          "  --assign-reference=W/A  the widths the loss is measured against (default 8/8)\n"
          "  --assign-labels=FILE.npy  int64 labels of --calib (else: top-1 agreement with the reference)\n"
          "  --assign-margin=M       a loss budget must hold with M standard errors to spare (default 1)\n"
          "  --assign-holdout=N      samples held out for verification: the last N of --calib (default half)\n"
          "  --assign-sens-samples=N samples the sensitivities are measured on (default: all not held out)\n"
          "  --assign-prune-samples=N  samples pruned layers are reconstructed on (default 0: all not\n"
          "                          held out; fewer is faster and less accurate)\n"
          "  --assign-jobs=N         worker processes (default: one per core)\n"
          "  --assign-rl=EPISODES    also run the RL search on the same budgets (0: off; default 20000)\n"
          "  --assign-refit=on|off   weigh the tables' weight, activation and sparsity errors by a\n"
          "                          fit to the first sweep's measured losses, then sweep again\n"
          "                          (default on)\n"
          "  --assign-cache=DIR      keep the measured tables in DIR (keyed by model, data and options)\n"
          "  --assign-config=FILE    the chosen per-layer widths as a --config file\n"
          "  --assign-pareto=FILE    every measured point, the front, the tables, knapsack vs RL (JSON)\n"
          "  --assign-svg=FILE       the Pareto plot of accuracy vs cost (SVG)\n"
          "  -MD -MF FILE            write a make/ninja depfile naming every file read\n"
          "  --help, --version\n"
          "exit status: 0 ok, 1 bad model or option, 2 internal error\n");
}

typedef struct {
  char **files;
  int n;
} Deps;

static void on_read(const char *path, void *u) {
  Deps *d = u;
  d->files = realloc(d->files, sizeof(char *) * (size_t)(d->n + 1));
  d->files[d->n++] = strdup(path);
}


/* A comma-separated list of numbers into out[0..max): how many, or -1 if an
 * entry is not a number or there are more than max. */
static int number_list(const char *v, double *out, int max) {
  int n = 0;
  for (const char *p = v; *p;) {
    char *end;
    double x = strtod(p, &end);
    if (end == p || n == max || (*end && *end != ',')) return -1;
    out[n++] = x;
    p = *end ? end + 1 : end;
  }
  return n;
}

static bool write_depfile(const char *path, const char *target, const Deps *d, DlError *e) {
  size_t cap = 256 + strlen(target) * 2, len = 0;
  for (int i = 0; i < d->n; i++) cap += strlen(d->files[i]) * 2 + 4;
  char *b = malloc(cap);
  const char *items[1 + 4096];
  int n = 0;
  items[n++] = target;
  for (int i = 0; i < d->n && n < 4096; i++) items[n++] = d->files[i];
  for (int i = 0; i < n; i++) {
    if (i == 1) b[len++] = ':';
    if (i > 0) b[len++] = ' ';
    for (const char *p = items[i]; *p; p++) {
      if (*p == ' ' || *p == '#' || *p == ':') b[len++] = '\\';
      if (*p == '$') b[len++] = '$';
      b[len++] = *p;
    }
  }
  if (n == 1) b[len++] = ':';
  b[len++] = '\n';
  bool ok = dl_write_file_atomic(path, b, len, e);
  free(b);
  return ok;
}

/* The index of target `name` in the list (dl_target_at), or -1. */
static int target_index(const char *name) {
  for (int t = 0; dl_target_at(t); t++)
    if (!strcmp(dl_target_at(t)->name, name)) return t;
  return -1;
}

/* --NAME-device=D and the IR detail flag of each target that has them. */
static bool target_option(const char *a, const char **device, bool *ir_detail) {
  for (int t = 0; dl_target_at(t) && t < 8; t++) {
    const DlTarget *tg = dl_target_at(t);
    size_t n = strlen(tg->name);
    if (tg->device_help && !strncmp(a, "--", 2) && !strncmp(a + 2, tg->name, n) && !strncmp(a + 2 + n, "-device=", 8)) {
      device[t] = a + 2 + n + 8;
      return true;
    }
    if (tg->ir_detail_flag && !strcmp(a, tg->ir_detail_flag)) return ir_detail[t] = true;
  }
  return false;
}

int main(int argc, char **argv) {
  const char *model = NULL, *out = "-", *emit = NULL, *passes = NULL, *depfile = NULL;
  const char *target = NULL, *name = NULL, *pim_objective = NULL, *assign_target = NULL;
  const char *device[8] = {0}; /* --NAME-device, per target (dl_target_at) */
  bool ir_detail[8] = {0};     /* the target's detail flag for --emit=NAME */
  char pim_spec[4200];
  int sparse_weights = 0;
  const char *cost = NULL;
  char shapes[4096] = "";
  bool md = false;
  unsigned print_flags = 0;
  int print_loc = -1; /* -1: locations when the IR goes to a file, for the next tool's messages */
  bool quantize = false, no_fold_qdq = false, obits_flag = false;
  const char *report = NULL;
  const char *calib = NULL;
  const char *calib_file[64];
  char calib_name[64][256];
  int ncalib = 0;
  const char *prune = NULL;
  DlPruneSettings ps = {0};
  bool compress = false, compress_opt = false;
  const char *compress_report = NULL, *compress_labels = NULL, *compress_target = NULL;
  DlCompressSettings cs = {0, false, 0, 4, 256, 16, 1000, DL_RESERVE_AUTO, 0.05};
  const char *assign = NULL, *assign_labels = NULL;
  bool assign_opt = false, assign_cost_set = false;
  DlPrecisionSettings aps = {.wbits = {2, 3, 4, 5, 6, 8}, .nw = 6, .abits = {4, 5, 6, 8}, .na = 4, .sparsity = {0}, .ns = 1, .ref_wbits = 8,
                             .ref_abits = 8, .rl_episodes = 20000, .refit = true, .margin = 1, .objective = DL_BUDGET_ENERGY};
  DlQuantSettings qs = {.wbits = 8, .abits = 8, .calib = {.method = DL_CALIB_AUTO, .limit = 1000, .progress = true}};
  /* --config first: its defaults are the base the other flags override */
  const char *config = NULL;
  DlQuantConfig *qcfg = NULL;
  for (int i = 1; i < argc; i++)
    if (!strncmp(argv[i], "--config=", 9)) config = argv[i] + 9;
  if (config) {
    DlError ce = {0};
    if (!(qcfg = dl_quant_config_load(config, &qs, &ce))) {
      fprintf(stderr, "%s: error: %s\n", prog, ce.msg);
      dl_error_clear(&ce);
      return EXIT_USER;
    }
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(stdout), 0;
    if (!strncmp(a, "--config=", 9)) continue;
    if (!strcmp(a, "--version")) return printf("dlc %s\n", DLC_VERSION), 0;
    if (!strcmp(a, "-o") || !strcmp(a, "-MF")) {
      if (++i == argc) return fprintf(stderr, "%s: error: %s needs a file name\n", prog, a), EXIT_USER;
      *(a[1] == 'o' ? &out : &depfile) = argv[i];
    } else if (!strcmp(a, "-MD")) md = true;
    else if (!strncmp(a, "--emit=", 7)) emit = a + 7;
    else if (!strncmp(a, "--target=", 9)) target = a + 9;
    else if (!strncmp(a, "--name=", 7)) name = a + 7;
    else if (target_option(a, device, ir_detail)) continue;
    else if (!strncmp(a, "--pim-objective=", 16)) pim_objective = a + 16;
    else if (!strncmp(a, "--c-sparse-weights=", 19)) {
      static const char *const modes[] = {"auto", "off", "size", "all"}; /* DlSparseMode */
      sparse_weights = -1;
      for (int k = 0; k < 4; k++)
        if (!strcmp(a + 19, modes[k])) sparse_weights = k;
      if (sparse_weights < 0)
        return fprintf(stderr, "%s: error: bad --c-sparse-weights '%s' (expected auto, size, off or all)\n", prog, a + 19), EXIT_USER;
    }
    else if (!strncmp(a, "--cost=", 7)) cost = a + 7;
    else if (!strncmp(a, "--passes=", 9)) passes = a + 9;
    else if (!strcmp(a, "--print-generic")) print_flags |= DL_PRINT_GENERIC;
    else if (!strcmp(a, "--print-loc")) print_loc = 1;
    else if (!strcmp(a, "--no-print-loc")) print_loc = 0;
    else if (!strcmp(a, "--quantize")) quantize = true;
    else if (!strcmp(a, "--no-fold-qdq")) no_fold_qdq = true;
    else if (!strncmp(a, "--report=", 9)) report = a + 9;
    else if (!strcmp(a, "--compress-activations")) compress = true;
    else if (!strncmp(a, "--compress-", 11)) {
      const char *v = strchr(a, '=') ? strchr(a, '=') + 1 : "";
      char *end = NULL;
      compress_opt = true;
      if (!strncmp(a, "--compress-budget=", 18)) {
        cs.traffic = !strncmp(v, "traffic:", 8);
        cs.budget = strtoll(v + (cs.traffic ? 8 : 0), &end, 10);
        if (end == v + (cs.traffic ? 8 : 0) || *end || cs.budget <= 0)
          return fprintf(stderr, "%s: error: bad --compress-budget '%s' (expected [traffic:]BYTES, BYTES > 0)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--compress-max-loss=", 20)) {
        cs.max_loss = strtod(v, &end);
        if (end == v || *end || !(cs.max_loss >= 0 && cs.max_loss <= 100))
          return fprintf(stderr, "%s: error: bad --compress-max-loss '%s' (expected points within 0..100)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--compress-samples=", 19)) {
        cs.samples = strtoll(v, &end, 10);
        if (end == v || *end || cs.samples < 0)
          return fprintf(stderr, "%s: error: bad --compress-samples '%s'\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--compress-kmax=", 16)) {
        cs.kmax = (int)strtol(v, &end, 10);
        if (end == v || *end || cs.kmax < 0 || cs.kmax > 7)
          return fprintf(stderr, "%s: error: bad --compress-kmax '%s' (expected 0..7)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--compress-reserve=", 19)) {
        if (strcmp(v, "bound") && strcmp(v, "calib"))
          return fprintf(stderr, "%s: error: bad --compress-reserve '%s' (expected bound or calib)\n", prog, v), EXIT_USER;
        cs.reserve = !strcmp(v, "bound") ? DL_RESERVE_BOUND : DL_RESERVE_CALIB;
      } else if (!strncmp(a, "--compress-holdout=", 19)) {
        cs.holdout = strtod(v, &end);
        if (end == v || *end || !(cs.holdout >= 0 && cs.holdout <= 0.9))
          return fprintf(stderr, "%s: error: bad --compress-holdout '%s' (expected a share within 0..0.9)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--compress-target=", 18)) {
        if (strcmp(v, "c") && strcmp(v, "acc"))
          return fprintf(stderr, "%s: error: bad --compress-target '%s' (expected c or acc)\n", prog, v), EXIT_USER;
        compress_target = v;
      } else if (!strncmp(a, "--compress-report=", 18) && *v) compress_report = v;
      else if (!strncmp(a, "--compress-labels=", 18) && *v) compress_labels = v;
      else return fprintf(stderr, "%s: error: unknown option '%s' (see --help)\n", prog, a), EXIT_USER;
    }
    else if (!strncmp(a, "--assign-precision=", 19)) assign = a + 19;
    else if (!strncmp(a, "--assign-", 9)) {
      const char *v = strchr(a, '=') ? strchr(a, '=') + 1 : "";
      char *end = NULL;
      assign_opt = true;
      if (!strncmp(a, "--assign-target=", 16)) assign_target = v;
      else if (!strncmp(a, "--assign-cost=", 14)) {
        assign_cost_set = true;
        if (!strcmp(v, "energy")) aps.objective = DL_BUDGET_ENERGY;
        else if (!strcmp(v, "time")) aps.objective = DL_BUDGET_TIME;
        else if (!strcmp(v, "bytes")) aps.objective = DL_BUDGET_BYTES;
        else return fprintf(stderr, "%s: error: bad --assign-cost '%s' (expected energy, time or bytes)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--assign-wbits=", 15) || !strncmp(a, "--assign-abits=", 15)) {
        int *list = a[9] == 'w' ? aps.wbits : aps.abits, *n = a[9] == 'w' ? &aps.nw : &aps.na;
        double x[16];
        *n = number_list(v, x, 16);
        for (int k = 0; k < *n && *n > 0; k++)
          if (x[k] != (int)x[k] || x[k] < 2 || x[k] > 16) *n = -1;
          else list[k] = (int)x[k];
        if (*n < 0)
          return fprintf(stderr, "%s: error: bad %.14s '%s' (expected a comma-separated list of widths 2..16)\n", prog, a, v), EXIT_USER;
        if (!*n) return fprintf(stderr, "%s: error: %.14s needs at least one width\n", prog, a), EXIT_USER;
      } else if (!strncmp(a, "--assign-reference=", 19)) {
        if (sscanf(v, "%d/%d", &aps.ref_wbits, &aps.ref_abits) != 2 || aps.ref_wbits < 2 || aps.ref_wbits > 16 ||
            aps.ref_abits < 2 || aps.ref_abits > 16)
          return fprintf(stderr, "%s: error: bad --assign-reference '%s' (expected W/A, e.g. 8/8)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--assign-sparsity=", 18)) {
        aps.ns = number_list(v, aps.sparsity, 8);
        for (int k = 0; k < aps.ns; k++)
          if (!(aps.sparsity[k] >= 0 && aps.sparsity[k] < 1) || (k == 0) != (aps.sparsity[k] == 0)) aps.ns = -1;
        if (aps.ns < 0)
          return fprintf(stderr, "%s: error: bad --assign-sparsity '%s' (expected 0 then up to 7 fractions in (0, 1), e.g. 0,0.5)\n", prog, v), EXIT_USER;
        if (!aps.ns) return fprintf(stderr, "%s: error: --assign-sparsity needs at least 0\n", prog), EXIT_USER;
      } else if (!strncmp(a, "--assign-margin=", 16)) {
        aps.margin = strtod(v, &end);
        if (end == v || *end || !(aps.margin >= 0 && aps.margin <= 10))
          return fprintf(stderr, "%s: error: bad --assign-margin '%s' (expected standard errors, 0..10)\n", prog, v), EXIT_USER;
      } else if (!strncmp(a, "--assign-labels=", 16) && *v) assign_labels = v;
      else if (!strncmp(a, "--assign-holdout=", 17) || !strncmp(a, "--assign-sens-samples=", 22) ||
               !strncmp(a, "--assign-jobs=", 14) || !strncmp(a, "--assign-rl=", 12) ||
               !strncmp(a, "--assign-prune-samples=", 23)) {
        long long x = strtoll(v, &end, 10);
        if (end == v || *end || x < 0 || x > 100000000)
          return fprintf(stderr, "%s: error: bad %.*s '%s' (expected a non-negative integer)\n", prog, (int)(v - 1 - a), a, v), EXIT_USER;
        if (a[9] == 'h') aps.holdout = x;
        else if (a[9] == 's') aps.sens_samples = x;
        else if (a[9] == 'j') aps.jobs = (int)x;
        else if (a[9] == 'p') aps.prune_samples = x;
        else aps.rl_episodes = (int)x;
      } else if (!strncmp(a, "--assign-refit=", 15)) {
        if (strcmp(v, "on") && strcmp(v, "off"))
          return fprintf(stderr, "%s: error: bad --assign-refit '%s' (expected on or off)\n", prog, v), EXIT_USER;
        aps.refit = !strcmp(v, "on");
      } else if (!strncmp(a, "--assign-cache=", 15) && *v) aps.cache = v;
      else if (!strncmp(a, "--assign-config=", 16) && *v) aps.config_out = v;
      else if (!strncmp(a, "--assign-pareto=", 16) && *v) aps.pareto_out = v;
      else if (!strncmp(a, "--assign-svg=", 13) && *v) aps.svg_out = v;
      else return fprintf(stderr, "%s: error: unknown option '%s' (see --help)\n", prog, a), EXIT_USER;
    }
    else if (!strncmp(a, "--calib=", 8)) {
      /* --calib=FILE.npy, or --calib=NAME=FILE.npy once per model input */
      const char *eq = strchr(a + 8, '=');
      if (ncalib == (int)(sizeof calib_file / sizeof *calib_file))
        return fprintf(stderr, "%s: error: too many --calib options\n", prog), EXIT_USER;
      if (eq && eq > a + 8 && eq[1] && access(a + 8, F_OK) != 0) {
        snprintf(calib_name[ncalib], sizeof calib_name[ncalib], "%.*s", (int)(eq - (a + 8)), a + 8);
        calib_file[ncalib++] = eq + 1;
      } else {
        calib_name[ncalib][0] = 0;
        calib_file[ncalib++] = a + 8;
      }
      calib = calib_file[0];
    } else if (!strcmp(a, "--auto-keep")) qs.auto_keep_db = DL_AUTO_KEEP_DEFAULT_DB;
    else if (!strncmp(a, "--auto-keep=", 12)) {
      char *end;
      qs.auto_keep_db = strtod(a + 12, &end);
      if (*end || !(qs.auto_keep_db > 0 && qs.auto_keep_db < 200))
        return fprintf(stderr, "%s: error: bad --auto-keep '%s' (expected a threshold in dB, 0 < DB < 200)\n", prog, a + 12), EXIT_USER;
    }
    else if (!strncmp(a, "--prune=", 8)) prune = a + 8;
    else if (!strncmp(a, "--prune-layers=", 15)) ps.layers = a + 15;
    else if (!strcmp(a, "--prune-bias-correct")) ps.comp = ps.comp ? ps.comp : DL_PRUNE_COMP_BIAS;
    else if (!strcmp(a, "--prune-reconstruct")) ps.comp = DL_PRUNE_COMP_RECONSTRUCT;
    else if (!strncmp(a, "--calib-method=", 15)) {
      if (!dl_calib_method_parse(a + 15, &qs.calib.method, &qs.calib.percentile))
        return fprintf(stderr, "%s: error: bad --calib-method '%s' (expected auto, minmax, percentile[=P], entropy or mse)\n", prog, a + 15), EXIT_USER;
    } else if (!strncmp(a, "--calib-samples=", 16)) {
      char *end;
      qs.calib.limit = strtoll(a + 16, &end, 10);
      if (*end || qs.calib.limit < 0) return fprintf(stderr, "%s: error: bad --calib-samples '%s'\n", prog, a + 16), EXIT_USER;
    } else if (!strncmp(a, "--wbits=", 8) || !strncmp(a, "--abits=", 8)) {
      char *end;
      long v = strtol(a + 8, &end, 10);
      if (*end || v < 2 || v > 16) return fprintf(stderr, "%s: error: %.7s must be within 2..16 (got '%s')\n", prog, a, a + 8), EXIT_USER;
      *(a[2] == 'w' ? &qs.wbits : &qs.abits) = (int)v;
    } else if (!strncmp(a, "--outliers=", 11)) {
      char *end;
      qs.outliers = strtod(a + 11, &end);
      if (end == a + 11 || *end || !(qs.outliers > 0 && qs.outliers < 0.5))
        return fprintf(stderr, "%s: error: --outliers must be a fraction with 0 < FRAC < 0.5 (got '%s')\n", prog, a + 11), EXIT_USER;
    } else if (!strncmp(a, "--outlier-bits=", 15)) {
      char *end;
      long v = strtol(a + 15, &end, 10);
      if (end == a + 15 || *end || v < 2 || v > 16)
        return fprintf(stderr, "%s: error: --outlier-bits must be within 2..16 (got '%s')\n", prog, a + 15), EXIT_USER;
      qs.outlier_bits = (int)v, obits_flag = true;
    } else if (!strcmp(a, "--per-tensor")) qs.per_tensor = true;
    else if (!strcmp(a, "--symmetric")) qs.symmetric = true;
    else if (!strcmp(a, "--pow2")) qs.pow2 = true;
    else if (!strncmp(a, "--wround=", 9)) {
      if (strcmp(a + 9, "nearest") && strcmp(a + 9, "gptq"))
        return fprintf(stderr, "%s: error: bad --wround '%s' (expected nearest or gptq)\n", prog, a + 9), EXIT_USER;
      qs.gptq = !strcmp(a + 9, "gptq");
    } else if (!strncmp(a, "--wclip=", 8)) {
      if (!dl_wclip_parse(a + 8, &qs.wclip))
        return fprintf(stderr, "%s: error: bad --wclip '%s' (expected max, mse or omse)\n", prog, a + 8), EXIT_USER;
    }
    else if (!strncmp(a, "--input-shape=", 14) || !strcmp(a, "--input-shape")) {
      const char *v = a[13] == '=' ? a + 14 : (++i < argc ? argv[i] : NULL);
      if (!v || !*v) return fprintf(stderr, "%s: error: --input-shape needs NAME=DIMS\n", prog), EXIT_USER;
      if (strlen(shapes) + strlen(v) + 2 > sizeof shapes) return fprintf(stderr, "%s: error: --input-shape too long\n", prog), EXIT_USER;
      if (shapes[0]) strcat(shapes, ",");
      strcat(shapes, v);
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "%s: error: unknown option '%s' (see --help)\n", prog, a);
      return EXIT_USER;
    } else if (model) {
      fprintf(stderr, "%s: error: more than one model ('%s' and '%s')\n", prog, model, a);
      return EXIT_USER;
    } else model = a;
  }
  if (obits_flag && !(qs.outliers > 0))
    return fprintf(stderr, "%s: error: --outlier-bits needs --outliers=FRAC\n", prog), EXIT_USER;
  if (qs.outliers > 0 && (qs.outlier_bits ? qs.outlier_bits : 8) <= qs.wbits)
    return fprintf(stderr, "%s: error: --outlier-bits (%d) must be more than --wbits (%d)\n", prog,
                   qs.outlier_bits ? qs.outlier_bits : 8, qs.wbits), EXIT_USER;
  if (!model) {
    fprintf(stderr, "%s: error: no model given\n", prog);
    usage(stderr);
    return EXIT_USER;
  }
  const DlTarget *ir_tgt = emit && strcmp(emit, "qg") ? dl_target_lookup(emit) : NULL;
  if (emit && strcmp(emit, "qg") && (!ir_tgt || !ir_tgt->ir)) {
    fprintf(stderr, "%s: error: unknown --emit stage '%s' (expected: qg", prog, emit);
    for (int t = 0; dl_target_at(t); t++)
      if (dl_target_at(t)->ir) fprintf(stderr, ", %s", dl_target_at(t)->name);
    fprintf(stderr, ")\n");
    return EXIT_USER;
  }
  if (emit && target) {
    fprintf(stderr, "%s: error: --emit and --target exclude each other\n", prog);
    return EXIT_USER;
  }
  const DlTarget *tgt = target ? dl_target_lookup(target) : NULL;
  if (target && !tgt) {
    fprintf(stderr, "%s: error: unknown target '%s' (expected: %s)\n", prog, target, dl_target_names());
    return EXIT_USER;
  }
  if (pim_objective) { /* the device spec carries it to every pim consumer (dl_pim_device_load) */
    DlPimObjective o;
    if (!dl_pim_objective_parse(pim_objective, &o))
      return fprintf(stderr, "%s: error: --pim-objective must be edp, energy or time, not '%s'\n", prog, pim_objective), EXIT_USER;
    int pim = target_index("pim");
    snprintf(pim_spec, sizeof pim_spec, "%s,objective=%s", device[pim] ? device[pim] : "hbm2", pim_objective);
    device[pim] = pim_spec;
  }
  if (assign_opt && !assign) {
    fprintf(stderr, "%s: error: --assign-* options need --assign-precision=BUDGET\n", prog);
    return EXIT_USER;
  }
  if (assign) {
    DlError be = {0};
    if (!dl_budget_parse(assign, &aps, &be)) return fprintf(stderr, "%s: error: --assign-precision: %s\n", prog, be.msg), dl_error_clear(&be), EXIT_USER;
    if (!calib) return fprintf(stderr, "%s: error: --assign-precision needs --calib=FILE.npy\n", prog), EXIT_USER;
    if (!assign_target) assign_target = target ? target : "c";
    int at = target_index(assign_target);
    if (at < 0)
      return fprintf(stderr, "%s: error: unknown --assign-target '%s' (expected: %s)\n", prog, assign_target, dl_target_names()), EXIT_USER;
    aps.cost = &dl_target_at(at)->cost;
    if (!assign_cost_set && !aps.cost->timed) aps.objective = DL_BUDGET_BYTES;
    aps.device = device[at];
    const char *base = strrchr(model ? model : "", '/');
    aps.model_name = base ? base + 1 : model;
    quantize = true;
  }
  if (qs.auto_keep_db > 0 && (!quantize || assign)) {
    fprintf(stderr, "%s: error: --auto-keep needs --quantize (and chooses widths itself: not with --assign-precision)\n", prog);
    return EXIT_USER;
  }
  /* --calib alone is also for a QDQ model's unquantized tensors: checked once the model is read */
  bool calib_alone = calib && !quantize && !(report || compress || ps.comp);
  if (quantize && !calib) {
    fprintf(stderr, "%s: error: --quantize needs --calib=FILE.npy (and --calib needs --quantize, --report, --compress-activations or pruning compensation)\n", prog);
    return EXIT_USER;
  }
  if (compress_opt && !compress) {
    fprintf(stderr, "%s: error: --compress-* options need --compress-activations\n", prog);
    return EXIT_USER;
  }
  if (compress && !calib) {
    fprintf(stderr, "%s: error: --compress-activations needs --calib=FILE.npy (and a model quantized with --quantize)\n", prog);
    return EXIT_USER;
  }
  if (prune) {
    DlError pe = {0};
    if (!dl_prune_spec_parse(prune, &ps, &pe)) return fprintf(stderr, "%s: error: --prune: %s\n", prog, pe.msg), dl_error_clear(&pe), EXIT_USER;
  }
  if ((ps.layers || ps.comp) && !prune) {
    fprintf(stderr, "%s: error: --prune-layers, --prune-bias-correct and --prune-reconstruct need --prune=SPEC\n", prog);
    return EXIT_USER;
  }
  if (ps.comp && !calib) {
    fprintf(stderr, "%s: error: --prune-bias-correct and --prune-reconstruct need --calib=FILE.npy\n", prog);
    return EXIT_USER;
  }
  if (md != (depfile != NULL)) {
    fprintf(stderr, "%s: error: -MD and -MF FILE go together\n", prog);
    return EXIT_USER;
  }
  DlError se = {0};
  if (shapes[0] && !dl_shape_spec_check(shapes, false, &se))
    return fprintf(stderr, "%s: error: %s\n", prog, se.msg), dl_error_clear(&se), EXIT_USER;
  if (depfile && !strcmp(out, "-")) {
    fprintf(stderr, "%s: error: a depfile needs an output file (-o)\n", prog);
    return EXIT_USER;
  }

  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    return EXIT_INTERNAL;
  }
  dl_attach_diagnostic_printer(ctx, prog);
  dl_outputs_begin(); /* every output file appears at cleanup, all together, or none does */
  Deps deps = {0};
  DlImportOptions opt = {.input_shapes = shapes[0] ? shapes : NULL, .on_file_read = on_read, .user = &deps};
  int rc = 0;
  DlTensor data = {0};
  MlirModule float_m = {NULL}; /* the graph before quantization, for --report */
  /* .mlir (e.g. from dlc-opt) is parsed as qg IR; anything else is ONNX */
  size_t ml = strlen(model);
  bool is_mlir = ml > 5 && !strcmp(model + ml - 5, ".mlir");
  if (is_mlir) on_read(model, &deps);
  MlirModule m = is_mlir ? dl_load_model(ctx, model, &opt, &e) : dl_onnx_import(ctx, model, &opt, &e);
  if (mlirModuleIsNull(m)) {
    fprintf(stderr, "%s: error: %s: %s\n", prog, model, e.msg);
    rc = EXIT_USER;
    goto cleanup;
  }
  if (!dl_verify(mlirModuleGetOperation(m))) {
    fprintf(stderr, "%s: error: internal: the imported IR does not verify\n", prog);
    rc = EXIT_INTERNAL;
    goto cleanup;
  }
  if (qcfg) {
    on_read(config, &deps);
    if (!dl_quant_config_apply(m, qcfg, &e)) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  }
  /* an already-quantized model compiles with its own parameters */
  bool qdq = !quantize && !no_fold_qdq && dl_module_has_qdq(m);
  if (!passes && (quantize || prune || assign)) passes = "fold-bn,fuse-activation,fold-constants";
  if (!passes && qdq) passes = "fold-bn,fuse-activation";
  if (calib_alone && !qdq) {
    fprintf(stderr, "%s: error: --quantize needs --calib=FILE.npy (and --calib needs --quantize, --report, --compress-activations, pruning compensation or a QDQ model)\n", prog);
    rc = EXIT_USER;
    goto cleanup;
  }
  if (passes && !dl_run_pipeline(m, passes, &e)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = EXIT_USER;
    goto cleanup;
  }
  bool named = false;
  for (int k = 0; k < ncalib; k++) named |= calib_name[k][0] != 0;
  if (named) { /* one array per input, packed as the library reads them (dl_calib_pack) */
    DlTensor arr[64] = {{{0}}};
    const char *names[64];
    bool ok = true;
    for (int k = 0; k < ncalib && ok; k++) {
      names[k] = calib_name[k];
      if (!calib_name[k][0]) ok = dl_error_set(&e, "--calib=%s: name the input (--calib=NAME=FILE.npy) when giving several", calib_file[k]);
      else on_read(calib_file[k], &deps), ok = dl_npy_read(calib_file[k], &arr[k], &e);
    }
    ok = ok && dl_calib_pack(m, ncalib, names, arr, calib_file, &data, &e);
    for (int k = 0; k < ncalib; k++) dl_tensor_free(&arr[k]);
    if (!ok) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  } else if (ncalib > 1) {
    fprintf(stderr, "%s: error: --calib given %d times: name each model input's samples (--calib=NAME=FILE.npy)\n", prog, ncalib);
    rc = EXIT_USER;
    goto cleanup;
  } else if (calib) {
    on_read(calib, &deps);
    if (!dl_npy_read(calib, &data, &e) || !dl_calib_data_check(m, &data, calib, &e)) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  }
  DlPruneComp cfg_comp = DL_PRUNE_COMP_NONE;
  int64_t cfg_samples = 0;
  if (qcfg && dl_quant_config_prunes(qcfg, &cfg_comp, &cfg_samples)) { /* per-node "prune" of --config */
    if (cfg_comp != DL_PRUNE_COMP_NONE && !calib) {
      fprintf(stderr, "%s: error: %s: prune_compensation needs --calib=FILE.npy\n", prog, config);
      rc = EXIT_USER;
      goto cleanup;
    }
    if (!dl_prune_module_by_op(m, cfg_comp, cfg_samples ? cfg_samples : qs.calib.limit, &data, &e)) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  }
  if (prune) {
    ps.samples = qs.calib.limit;
    if (!dl_prune_module(m, &ps, &data, &e)) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  }
  if (report && !quantize && !qdq) {
    fprintf(stderr, "%s: error: --report describes a quantized model (use --quantize, or an already-quantized ONNX model)\n", prog);
    rc = EXIT_USER;
    goto cleanup;
  }
  /* --report's reference: the float graph (for a QDQ model, with its weights'
   * quantization folded in and its activations float) */
  if (report && qdq && !dl_run_pipeline(m, "fold-qdq", &e)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = EXIT_USER;
    goto cleanup;
  }
  if (report) float_m = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(m)));
  if (assign) {
    DlTensor lab = {0};
    if (assign_labels) on_read(assign_labels, &deps);
    bool ok = (!assign_labels || dl_npy_read(assign_labels, &lab, &e)) &&
              dl_assign_precision(&m, &qs, &data, assign_labels ? &lab : NULL, &aps, stderr, &e);
    dl_tensor_free(&lab);
    if (!ok) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  } else if (quantize) {
    bool ok = dl_quantize_module(m, &qs, &data, &e);
    if (!ok) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = dl_error_is_internal(&e) ? EXIT_INTERNAL : EXIT_USER;
      goto cleanup;
    }
  }
  if (qdq && !(data.data ? dl_quantize_qdq_module_calib(m, &data, &qs.calib, &e) : dl_quantize_qdq_module(m, &e))) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = EXIT_USER;
    goto cleanup;
  }
  if (compress_labels) on_read(compress_labels, &deps);
  cs.acc = compress_target ? !strcmp(compress_target, "acc") : target && !strcmp(target, "acc");
  if (compress && !dl_compress_module(m, calib, compress_labels, &cs, compress_report, &e)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = EXIT_USER;
    goto cleanup;
  }
  if (report && !dl_quant_report(float_m, m, data.data ? &data : NULL, qs.calib.limit ? qs.calib.limit : -1, report, &e)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = EXIT_USER;
    goto cleanup;
  }
  if (tgt) {
    const char *base = strrchr(model, '/');
    DlTargetOptions to = {.out_path = out, .name = name, .source = base ? base + 1 : model, .device = device[target_index(target)],
                          .sparse_weights = sparse_weights};
    if (!tgt->emit(m, &to, &e) || (depfile && !write_depfile(depfile, out, &deps, &e))) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
    }
    goto cleanup;
  }
  size_t len;
  char *text = NULL;
  if (cost) { /* the per-step cost table of a target (dlc/cost.h) */
    int ct = target_index(cost);
    DlLayerCost *lc = NULL;
    int nlc = 0;
    FILE *mf = open_memstream(&text, &len);
    if (ct < 0) dl_error_set(&e, "unknown --cost target '%s' (expected: %s)", cost, dl_target_names());
    else if (dl_target_at(ct)->cost.estimate(m, device[ct], &lc, &nlc, &e)) dl_cost_write_json(mf, cost, lc, nlc);
    fclose(mf);
    free(lc);
    if (e.msg) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      free(text);
      rc = EXIT_USER;
      goto cleanup;
    }
  } else if (ir_tgt) { /* the target's own IR */
    int it = target_index(ir_tgt->name);
    DlTargetOptions to = {.device = device[it], .ir_detail = ir_detail[it]};
    text = ir_tgt->ir(m, &to, &len, &e);
    if (!text) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg);
      rc = EXIT_USER;
      goto cleanup;
    }
  } else {
    if (print_loc == 1 || (print_loc < 0 && strcmp(out, "-"))) print_flags |= DL_PRINT_LOC;
    text = dl_print_op(mlirModuleGetOperation(m), print_flags, &len);
  }
  if (!dl_write_file_atomic(out, text, len, &e) || (depfile && !write_depfile(depfile, out, &deps, &e))) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = EXIT_USER;
  }
  free(text);
cleanup:
  if (rc == 0) {
    DlError ce = {0};
    if (!dl_outputs_commit(&ce)) fprintf(stderr, "%s: error: %s\n", prog, ce.msg), rc = EXIT_USER;
    dl_error_clear(&ce);
  }
  dl_outputs_abort();
  dl_tensor_free(&data);
  if (!mlirModuleIsNull(float_m)) mlirModuleDestroy(float_m);
  dl_quant_config_destroy(qcfg);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  for (int i = 0; i < deps.n; i++) free(deps.files[i]);
  free(deps.files);
  dl_error_clear(&e);
  dl_context_destroy(ctx);
  return rc;
}
