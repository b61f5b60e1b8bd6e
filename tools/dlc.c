/* dlc: the driver build systems call. ONNX model in, IR or target code out.
 * Its options are one table (options.h); main below is the pipeline. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend.h"
#include "options.h"
#include "dlc/approx.h"
#include "dlc/compress.h"
#include "dlc/cost.h"
#include "dlc/npy.h"
#include "dlc/passes.h"
#include "dlc/pool.h"
#include "dlc/pipeline.h"
#include "dlc/precision.h"
#include "dlc/prune.h"
#include "dlc/quant.h"
#include "dlc/support.h"
#include "dlc/target.h"
#include "dlc/version.h"

static const char *prog = "dlc";

enum { EXIT_USER = 1, EXIT_INTERNAL = 2, MAX_TARGETS = 8 };

/* Everything the command line sets. */
typedef struct {
  DlCommonOptions common; /* -o, --print-*, --help, --version */
  DlFrontOptions front;   /* the import options */
  const char *model, *emit, *depfile, *target, *name, *assign_target, *cost, *report, *report_html, *calib;
  const char *calib_file[64]; /* --calib=FILE or --calib=NAME=FILE, in order */
  char calib_name[64][256];   /* NAME, or "" */
  int ncalib;
  const char *calib_stats_out, *calib_stats[64]; /* --calib-stats-out, --calib-stats=A,B,... */
  char *calib_stats_list;
  DlShard calib_shard, assign_shard;
  const char *config, *prune, *compress_report, *compress_report_text, *compress_labels, *compress_target, *assign, *assign_labels, *approx_labels;
  const char *device[MAX_TARGETS]; /* --NAME-device, per target (dl_target_at) */
  bool ir_detail[MAX_TARGETS];     /* the target's detail flag for --emit=NAME */
  const char *device_key[MAX_TARGETS]; /* --NAME-KEY (DlTarget.device_key) */
  char device_spec[MAX_TARGETS][4200];
  int sparse_weights;
  bool print_approx, c_threads;
  bool md, quantize, obits_flag, compress, assign_cost_set, sparse_set;
  DlQuantSettings qs;
  DlPruneSettings ps;
  DlCompressSettings cs;
  DlPrecisionSettings aps;
  DlQuantConfig *qcfg;
} Args;

#define OFF(f) offsetof(Args, f)
#define FAIL(...) return dl_error_set(e, __VA_ARGS__)

/* The parsers whose messages say more than the generic ones. */
static bool opt_sparse(const DlOption *o, const char *v, void *s, DlError *e) {
  static const char *const modes[] = {"auto", "off", "size", "all"}; /* DlSparseMode */
  (void)o;
  for (int k = 0; k < 4; k++)
    if (!strcmp(v, modes[k])) return ((Args *)s)->sparse_weights = k, ((Args *)s)->sparse_set = true;
  FAIL("bad --c-sparse-weights '%s' (expected auto, size, off or all)", v);
}
/* --approx=SPEC, checked now (a file table is read once more when quantizing) */
static bool opt_approx(const DlOption *o, const char *v, void *s, DlError *e) {
  DlApprox a;
  (void)o;
  if (!dl_approx_create(v, &a, e)) return dl_error_prefix(e, "--approx");
  dl_approx_destroy(&a);
  ((Args *)s)->qs.approx = v;
  return true;
}
/* --calib=FILE.npy, or --calib=NAME=FILE.npy once per model input (a name
 * only when no file of the whole text exists) */
static bool opt_calib(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  Args *a = s;
  if (!*v) FAIL("--calib needs FILE.npy or NAME=FILE.npy");
  if (a->ncalib == (int)(sizeof a->calib_file / sizeof *a->calib_file)) FAIL("too many --calib options");
  const char *eq = strchr(v, '=');
  int k = a->ncalib++;
  if (eq && eq > v && eq[1] && access(v, F_OK) != 0) {
    snprintf(a->calib_name[k], sizeof a->calib_name[k], "%.*s", (int)(eq - v), v);
    a->calib_file[k] = eq + 1;
  } else {
    a->calib_name[k][0] = 0;
    a->calib_file[k] = v;
  }
  a->calib = a->calib_file[0];
  return true;
}

static bool opt_auto_keep(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  double *db = &((Args *)s)->qs.auto_keep_db;
  if (!v) return *db = DL_AUTO_KEEP_DEFAULT_DB, true;
  char *end;
  *db = strtod(v, &end);
  if (*end || !(*db > 0 && *db < 200)) FAIL("bad --auto-keep '%s' (expected a threshold in dB, 0 < DB < 200)", v);
  return true;
}

static bool opt_highway(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  int *b = &((Args *)s)->qs.highway;
  if (!v) return *b = 8, true;
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || *end || n < 2 || n > 16) FAIL("bad --highway '%s' (expected the residual path's activation bits, 2..16)", v);
  *b = (int)n;
  return true;
}

static bool opt_auto_keep_cos(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  DlQuantSettings *q = &((Args *)s)->qs;
  char *end;
  q->auto_keep_cos = strtod(v, &end);
  if (*end || !(q->auto_keep_cos > 0 && q->auto_keep_cos < 1))
    FAIL("bad --auto-keep-cos '%s' (expected a cosine, 0 < C < 1)", v);
  if (!(q->auto_keep_db > 0)) q->auto_keep_db = DL_AUTO_KEEP_DEFAULT_DB;
  return true;
}

/* --calib-stats=A,B,...: statistics files, merged in this order */
static bool opt_calib_stats(const DlOption *o, const char *v, void *s, DlError *e) {
  Args *a = s;
  (void)o;
  if (!*v) FAIL("--calib-stats needs FILE[,FILE...]");
  free(a->calib_stats_list);
  a->calib_stats_list = strdup(v);
  a->qs.calib.nstats = 0;
  for (char *p = a->calib_stats_list, *c; p; p = c) {
    if ((c = strchr(p, ','))) *c++ = 0;
    if (!*p) FAIL("--calib-stats=%s: an empty file name", v);
    if (a->qs.calib.nstats == (int)(sizeof a->calib_stats / sizeof *a->calib_stats)) FAIL("--calib-stats: more than 64 files");
    a->calib_stats[a->qs.calib.nstats++] = p;
  }
  a->qs.calib.stats = a->calib_stats;
  return true;
}
static bool opt_calib_method(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  DlQuantSettings *q = &((Args *)s)->qs;
  if (!dl_calib_method_parse(v, &q->calib.method, &q->calib.percentile))
    FAIL("bad --calib-method '%s' (expected auto, minmax, percentile[=P], entropy or mse)", v);
  return true;
}
static bool opt_calib_samples(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  char *end;
  int64_t *n = &((Args *)s)->qs.calib.limit;
  *n = strtoll(v, &end, 10);
  if (*end || *n < 0) FAIL("bad --calib-samples '%s'", v);
  return true;
}
static bool opt_bits(const DlOption *o, const char *v, void *s, DlError *e) {
  char *end;
  long b = strtol(v, &end, 10);
  if (end == v || *end || b < 2 || b > 16) FAIL("%s must be within 2..16 (got '%s')", o->name, v);
  *DL_OPT_FIELD(int, s, o->off) = (int)b;
  if (o->off == OFF(qs.outlier_bits)) ((Args *)s)->obits_flag = true;
  return true;
}
static bool opt_outliers(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  char *end;
  double *f = &((Args *)s)->qs.outliers;
  *f = strtod(v, &end);
  if (end == v || *end || !(*f > 0 && *f < 0.5)) FAIL("--outliers must be a fraction with 0 < FRAC < 0.5 (got '%s')", v);
  return true;
}
static bool opt_wround(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (!dl_wround_parse(v, &((Args *)s)->qs.wround))
    FAIL("bad --wround '%s' (expected nearest, gptq, adaround, brecq or auto)", v);
  return true;
}
static bool opt_bias_correct(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (!dl_bias_correct_parse(v, &((Args *)s)->qs.bias_correct)) FAIL("bad --bias-correct '%s' (expected auto, on or off)", v);
  return true;
}
static bool opt_wquant(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (!dl_wquant_parse(v, strlen(v), &((Args *)s)->qs.wquant))
    FAIL("bad --wquant '%s' (expected uniform, wentropy, wentropy-lloyd or wentropy-plain)", v);
  return true;
}
static bool opt_wclip(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (!dl_wclip_parse(v, &((Args *)s)->qs.wclip)) FAIL("bad --wclip '%s' (expected max, mse or omse)", v);
  return true;
}
/* bias correction unless reconstruction is asked too (the stronger one wins in any order) */
static bool opt_prune_bias(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o, (void)v, (void)e;
  DlPruneSettings *p = &((Args *)s)->ps;
  if (p->comp != DL_PRUNE_COMP_RECONSTRUCT) p->comp = DL_PRUNE_COMP_BIAS;
  return true;
}
static bool opt_prune_reconstruct(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o, (void)v, (void)e;
  ((Args *)s)->ps.comp = DL_PRUNE_COMP_RECONSTRUCT;
  return true;
}

static bool opt_compress_budget(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  DlCompressSettings *cs = &((Args *)s)->cs;
  char *end = NULL;
  cs->traffic = !strncmp(v, "traffic:", 8);
  cs->budget = strtoll(v + (cs->traffic ? 8 : 0), &end, 10);
  if (end == v + (cs->traffic ? 8 : 0) || *end || cs->budget <= 0) FAIL("bad --compress-budget '%s' (expected [traffic:]BYTES, BYTES > 0)", v);
  return true;
}
static bool opt_compress_reserve(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (strcmp(v, "bound") && strcmp(v, "calib")) FAIL("bad --compress-reserve '%s' (expected bound or calib)", v);
  ((Args *)s)->cs.reserve = !strcmp(v, "bound") ? DL_RESERVE_BOUND : DL_RESERVE_CALIB;
  return true;
}
/* the targets that can keep activations compressed, the arena's first */
static bool opt_compress_target(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (!dl_target_lookup(v) || !dl_target_lookup(v)->compress_where) {
    char list[128] = "";
    for (int w = 1; w <= 2; w++)
      for (int t = 0; dl_target_at(t); t++)
        if (dl_target_at(t)->compress_where == w)
          snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? " or " : "", dl_target_at(t)->name);
    FAIL("bad --compress-target '%s' (expected %s)", v, list);
  }
  ((Args *)s)->compress_target = v;
  return true;
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

/* --assign-*: each row needs --assign-precision. */
static bool opt_assign_cost(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  Args *a = s;
  static const struct { const char *name; DlBudgetKind kind; } kinds[] = {
      {"energy", DL_BUDGET_ENERGY}, {"time", DL_BUDGET_TIME}, {"bytes", DL_BUDGET_BYTES}};
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    if (!strcmp(v, kinds[k].name)) return a->aps.objective = kinds[k].kind, a->assign_cost_set = true;
  FAIL("bad --assign-cost '%s' (expected energy, time or bytes)", v);
}
static bool opt_assign_widths(const DlOption *o, const char *v, void *s, DlError *e) {
  DlPrecisionSettings *p = &((Args *)s)->aps;
  bool w = o->off == OFF(aps.wbits);
  int *list = w ? p->wbits : p->abits, *cnt = w ? &p->nw : &p->na;
  double x[16];
  *cnt = number_list(v, x, 16);
  for (int k = 0; k < *cnt && *cnt > 0; k++)
    if (x[k] != (int)x[k] || x[k] < 2 || x[k] > 16) *cnt = -1;
    else list[k] = (int)x[k];
  if (*cnt < 0) FAIL("bad %s '%s' (expected a comma-separated list of widths 2..16)", o->name, v);
  if (!*cnt) FAIL("%s needs at least one width", o->name);
  return true;
}
static bool opt_assign_reference(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  DlPrecisionSettings *p = &((Args *)s)->aps;
  if (sscanf(v, "%d/%d", &p->ref_wbits, &p->ref_abits) != 2 || p->ref_wbits < 2 || p->ref_wbits > 16 || p->ref_abits < 2 ||
      p->ref_abits > 16)
    FAIL("bad --assign-reference '%s' (expected W/A, e.g. 8/8)", v);
  return true;
}
static bool opt_assign_sparsity(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  DlPrecisionSettings *p = &((Args *)s)->aps;
  p->ns = number_list(v, p->sparsity, 8);
  for (int k = 0; k < p->ns; k++)
    if (!(p->sparsity[k] >= 0 && p->sparsity[k] < 1) || (k == 0) != (p->sparsity[k] == 0)) p->ns = -1;
  if (p->ns < 0) FAIL("bad --assign-sparsity '%s' (expected 0 then up to 7 fractions in (0, 1), e.g. 0,0.5)", v);
  if (!p->ns) FAIL("--assign-sparsity needs at least 0");
  return true;
}
static bool opt_assign_approx(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  return dl_assign_approx_parse(v, &((Args *)s)->aps, e) || dl_error_prefix(e, "--assign-approx");
}
static bool opt_assign_refit(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  if (strcmp(v, "on") && strcmp(v, "off")) FAIL("bad --assign-refit '%s' (expected on or off)", v);
  ((Args *)s)->aps.refit = !strcmp(v, "on");
  return true;
}
/* -o FILE and -MF FILE */
static bool opt_file(const DlOption *o, const char *v, void *s, DlError *e) {
  if (!*v) FAIL("%s needs a file name", o->name);
  *DL_OPT_FIELD(const char *, s, o->off) = v;
  return true;
}

#define Q "--quantize --assign-precision" /* what the quantization options need */
static const DlOption dlc_options[] = {
    {"--target", "c|pim|acc", "generate code (c: FILE.c + FILE.h, C99; pim: a .pimbin,\nacc: an .accbin, for dlc-run's simulators)", dl_opt_str, OFF(target)},
    {"--name", "ID", "C identifier prefix for generated code (default: from -o)", dl_opt_str, OFF(name), .needs = "--target"},
    {"--c-sparse-weights", "M", "c: store conv / gemm weights sparse (a bitmask and the\nnonzeros; the kernels skip zeros) where that is smaller and\nnot slower: auto (default, at most 25% nonzero); smaller:\nsize; never: off; wherever the kernels run: all", opt_sparse},
    {"--c-threads", NULL, "c: also emit NAME_run_threads, which runs many sets of inputs on\nPOSIX threads with one arena each (compile with -pthread)", dl_opt_flag, OFF(c_threads)},
    {"--emit", "qg|pim|acc", "print the qg IR (after quantization, if asked) or a target's IR\n(MLIR text: one kernel or layer per step, or a host step)", dl_opt_str, OFF(emit)},
    {"--cost", "pim|acc|c", "print each step's cost on a target as JSON (time, energy,\nbytes, MACs per sample; the simulators' timing models)", dl_opt_str, OFF(cost)},
    {"quantization:"},
    {"--quantize", NULL, "integer model: calibrate on --calib, then quantize", dl_opt_flag, OFF(quantize)},
    {"--calib", "FILE.npy", "calibration samples (float32, first dim = samples); or\nNAME=FILE.npy, the samples of input NAME, repeated once per\ninput of a model with several (same sample count in each);\nwith a QDQ model it calibrates the tensors the model leaves\nwithout Q/DQ, so their ops get integer forms too", opt_calib},
    {"--auto-keep", NULL, "[=DB] accuracy guard: layers whose SQNR against float on --calib\nis below DB (default 30) and 1 dB below their inputs' go to\n16-bit activations, then float; one warning names them", opt_auto_keep, .needs = "--quantize", .optional_arg = true},
    {"--wbits-small", "N", "weight bits of layers with at most 12 weights per output\nchannel (depthwise 3x3, one-channel stems) when --wbits is\nbelow (default 8; give --wbits's value to treat them alike)", dl_opt_int, OFF(qs.wbits_small), 2, 16, .needs = "--quantize"},
    {"--bias-correct", "M", "empirical bias correction: each conv / gemm / matmul's\nmean output shift against float on the calibration samples,\nlayer after layer, taken out of its bias: on, off, or auto\n(the default: on below 8 activation bits)", opt_bias_correct, .needs = "--quantize"},
    {"--abits-edge", "N", "activation bits of the model's inputs, of its output layers'\nresults and of those layers' inputs when --abits is below\n(default 8; give --abits's value to treat them alike)", dl_opt_int, OFF(qs.abits_edge), 2, 16, .needs = "--quantize"},
    {"--highway", NULL, "[=B] precision highway: residual adds and the layers feeding them\nkeep B-bit activations (default 8) while the blocks' other\nlayers use --abits (docs/quantization.md)", opt_highway, .needs = "--quantize", .optional_arg = true},
    {"--auto-keep-cos", "C", "the accuracy guard (--auto-keep), then the layers that lose most\nwiden until every output's cosine against float on --calib\nreaches C (0 < C < 1; a warning when it cannot)", opt_auto_keep_cos, .needs = "--quantize"},
    {"--calib-method", "M", "auto (default: mse below 6 bits, else minmax) | minmax |\npercentile[=P] (default P 99.99) | entropy | mse", opt_calib_method, .needs = Q},
    {"--calib-samples", "N", "use the first N samples (default 1000; 0 = all)", opt_calib_samples, .needs = "--calib"},
    {"--calib-stats-out", "FILE", "also write calibration's histograms (per value, at a resolution\nthat depends on the data only) to FILE, for --calib-stats", dl_opt_str, OFF(calib_stats_out), .needs = "--quantize"},
    {"--calib-stats", "A,B,..", "calibrate from statistics files (--calib-stats-out of blocks\nof the samples, given in sample order) instead of --calib:\nthe model of one run over all their samples", opt_calib_stats, .needs = "--quantize"},
    {"--calib-shard", "I/N", "calibrate on block I of N of the samples (counted from 0,\ncontiguous, after --calib-samples) for --calib-stats-out", dl_opt_shard, OFF(calib_shard), .needs = "--calib-stats-out"},
    {"--jobs", "N", "threads running the calibration samples and pruning's and\nGPTQ's statistics and fits, and the worker processes of\n--assign-precision (default: one per online core; the same\nmodel, tables and choice for any N)", dl_opt_int, OFF(qs.calib.jobs), 1, 4096, .needs = "--quantize --assign-precision --prune-reconstruct", .expect = "a thread count, 1..4096"},
    {"--wbits", "N", "weight bits, 2..16 (default 8)", opt_bits, OFF(qs.wbits), .needs = Q},
    {"--abits", "N", "activation bits, 2..16 (default 8)", opt_bits, OFF(qs.abits), .needs = Q},
    {"--wclip", "M", "weight clipping per channel: max (max |w|), mse (least\nsquared weight error) or omse (least output error with\ncorrelated kernel inputs); default omse below 6 bits, else max", opt_wclip, .needs = Q},
    {"--wquant", "M", "weight levels: uniform (default), or 2^wbits levels per\nchannel from weighted-entropy clusters (wbits 2..7; int8\ncodes stored as wbits-bit indices into a codebook):\nwentropy-plain (the clusters' importance-weighted means),\nwentropy-lloyd (refined by Lloyd iterations) or wentropy\n(those, or the omse uniform grid where a channel's output\nerror is smaller)", opt_wquant, .needs = Q},
    {"--wround", "M", "weight rounding: nearest, gptq (each layer's rounding\nerrors moved onto its inputs not yet rounded and its bias),\nadaround (up or down learned per weight against the layer's\noutput error), brecq (adaround learned jointly for the\nlayers of each residual block against the block's output,\nactivations quantized), or auto (whichever loses least on held-out\ncalibration samples); statistics from 1,000 calibration\nsamples; default: auto below 6 weight bits, else nearest", opt_wround, .needs = Q},
    {"--approx", "SPEC", "approximate 8x8 multiplier of every integer conv / gemm / matmul:\nexact, bam:P, drum:P, mitchell or file:PATH[@ENERGY] (docs/approx.md)", opt_approx, .needs = "--quantize"},
    {"--approx-compensate", NULL, "fold each approximate layer's expected product error (input codes\nmeasured on 64 calibration samples) into its biases", dl_opt_flag, OFF(qs.approx_compensate), .needs = Q},
    {"--approx-budget", "POINTS", "choose a multiplier per layer (exact or one of\n--approx-candidates): the least multiplier energy whose top-1\ndisagreement with the exact model on calibration samples is at\nmost POINTS (docs/approx.md)", dl_opt_num, OFF(qs.approx_budget), 1e-9, 100, .needs = "--quantize", .expect = "points, 0 < P <= 100"},
    {"--approx-candidates", "A,B,..", "the multipliers --approx-budget chooses among (default\nbam:5..8, drum:4..6, mitchell)", dl_opt_str, OFF(qs.approx_candidates), .needs = "--approx-budget"},
    {"--approx-labels", "FILE.npy", "int64 labels of --calib: --approx-budget then counts points of\naccuracy lost against the exact model (else of top-1 agreement)", dl_opt_str, OFF(approx_labels), .needs = "--approx-budget"},
    {"--approx-samples", "N", "the last N calibration samples --approx-budget measures on\n(default 500; 0: all)", dl_opt_i64, OFF(qs.approx_samples), 0, 1e12, .needs = "--approx-budget"},
    {"--print-approx", NULL, "list the approximate multipliers with their exhaustive error\nstatistics and relative energy, then exit", dl_opt_flag, OFF(print_approx)},
    {"--outliers", "FRAC", "outlier-aware weights, 0 < FRAC < 0.5: --wbits covers all but the\nlargest FRAC of |w| per channel; those are stored at --outlier-bits", opt_outliers, .needs = Q},
    {"--outlier-bits", "B", "outlier width, more than --wbits and at most 16 (default 8)", opt_bits, OFF(qs.outlier_bits)},
    {"--per-tensor", NULL, "one weight scale per tensor (default: per output channel)", dl_opt_flag, OFF(qs.per_tensor), .needs = Q},
    {"--symmetric", NULL, "symmetric activations (zero point 0)", dl_opt_flag, OFF(qs.symmetric), .needs = Q},
    {"--pow2", NULL, "power-of-two scales (dynamic fixed point)", dl_opt_flag, OFF(qs.pow2), .needs = Q},
    {"--report", "FILE.json", "per-layer bits, scales, MACs, weight bytes and SQNR against\nfloat on the calibration samples", dl_opt_str, OFF(report)},
    {"--report-html", "FILE.html", "the same per layer as one HTML page (a table, bar charts of bits\nand SQNR) and, with --target or --cost, the cost model's time,\nenergy and bytes per layer", dl_opt_str, OFF(report_html)},
    {"--config", "FILE.json", "quantization defaults and per-node settings (docs/quantization.md);\nflags on the command line override its defaults", dl_opt_str, OFF(config)},
    {"pruning (float weights, before --quantize; docs/pruning.md):"},
    {"--prune", "SPEC", "unstructured:R | nm:N:M | rows:R | cols:R | filters:R\n(R: fraction removed per layer, e.g. unstructured:0.5, nm:2:4)", dl_opt_str, OFF(prune)},
    {"--prune-layers", "REGEX", "only layers whose ONNX node name matches (POSIX ERE)", dl_opt_str, OFF(ps.layers)},
    {"--prune-bias-correct", NULL, "keep each output's mean on --calib (bias correction)", opt_prune_bias},
    {"--prune-reconstruct", NULL, "refit each layer's kept weights and bias to its original\noutputs on --calib (least squares), layer after layer", opt_prune_reconstruct},
    {"activation compression (c and acc targets; needs a quantized model and --calib):"},
    {"--compress-activations", NULL, "keep activations compressed in the arena (c) or in DRAM (acc):\nscheme and K per tensor measured on the calibration samples", dl_opt_flag, OFF(compress)},
    {"--compress-target", "c|acc", "whose tensors to choose from (default: --target's if acc, else c)", opt_compress_target, .needs = "--compress-activations"},
    {"--compress-budget", "[traffic:]BYTES", "activation memory to meet: the peak of bytes live\nat once (default) or the bytes moved per inference", opt_compress_budget, .needs = "--compress-activations"},
    {"--compress-max-loss", "P", "points of accuracy the choice may lose on the samples\n(default 0: lossless); without --compress-labels, points\nof top-1 agreement with the exact integer model", dl_opt_num, OFF(cs.max_loss), 0, 100, .needs = "--compress-activations", .expect = "points within 0..100"},
    {"--compress-labels", "FILE.npy", "int64 labels of the calibration samples", dl_opt_str, OFF(compress_labels), .needs = "--compress-activations"},
    {"--compress-kmax", "K", "largest K tried (0..7, default 4): values keep multiples of 2^K", dl_opt_int, OFF(cs.kmax), 0, 7, .needs = "--compress-activations", .expect = "0..7"},
    {"--compress-holdout", "F", "keep the last share F of the samples from the search and undo its\nlast moves until the accuracy budget holds on them too (default 0)", dl_opt_num, OFF(cs.holdout), 0, 0.9, .needs = "--compress-activations", .expect = "a share within 0..0.9"},
    {"--compress-samples", "N", "calibration samples measured (default 1000; 0 = all)", dl_opt_i64, OFF(cs.samples), 0, 1e15, .needs = "--compress-activations", .expect = "a count, 0 for all"},
    {"--compress-reserve", "R", "arena bytes per tensor: bound (worst case, never fails) or\ncalib (calibration worst + 5%, checked at run time; the\ndefault under an arena budget)", opt_compress_reserve, .needs = "--compress-activations"},
    {"--compress-report", "FILE.json", "per-tensor scheme, K, bytes; totals; accuracy lost (JSON)", dl_opt_str, OFF(compress_report), .needs = "--compress-activations"},
    {"--compress-report-text", "FILE", "the same as a table (ratios and bytes saved per tensor)", dl_opt_str, OFF(compress_report_text), .needs = "--compress-activations"},
    {"precision assignment (docs/precision.md; needs --calib, implies --quantize):"},
    {"--assign-precision", "BUDGET", "bits per layer: loss:POINTS (accuracy lost on the held-out\nsamples, least cost), or energy:|time:|bytes: a number per sample or\na fraction of the reference (energy:0.4x; least sensitivity)", dl_opt_str, OFF(assign)},
    {"--assign-target", "T", "cost model: pim, acc or c (default: --target's, else c)", dl_opt_str, OFF(assign_target), .needs = "--assign-precision"},
    {"--assign-cost", "K", "what a loss budget minimizes: energy, time or bytes (default:\nenergy on pim and acc, bytes on c)", opt_assign_cost, .needs = "--assign-precision"},
    {"--assign-wbits", "LIST", "candidate weight widths (default 2,3,4,5,6,8)", opt_assign_widths, OFF(aps.wbits), .needs = "--assign-precision"},
    {"--assign-abits", "LIST", "candidate activation widths (default 4,5,6,8)", opt_assign_widths, OFF(aps.abits), .needs = "--assign-precision"},
    {"--assign-sparsity", "LIST", "candidate unstructured sparsities, pruned with least-squares\nreconstruction (default 0: none; e.g. 0,0.5)", opt_assign_sparsity, .needs = "--assign-precision"},
    {"--assign-approx", "A,B,..", "candidate approximate multipliers besides exact (docs/approx.md),\nfor layers at 8/8: e.g. bam:6,drum:5,mitchell; priced by the\ntarget's cost model (acc); with --approx-compensate, compensated", opt_assign_approx, .needs = "--assign-precision"},
    {"--assign-reference", "W/A", "the widths the loss is measured against (default 8/8)", opt_assign_reference, .needs = "--assign-precision"},
    {"--assign-labels", "FILE.npy", "int64 labels of --calib (else: top-1 agreement with the reference)", dl_opt_str, OFF(assign_labels), .needs = "--assign-precision"},
    {"--assign-margin", "M", "a loss budget must hold with M standard errors to spare (default 1)", dl_opt_num, OFF(aps.margin), 0, 10, .needs = "--assign-precision", .expect = "standard errors, 0..10"},
    {"--assign-holdout", "N", "samples held out for verification: the last N of --calib (default half)", dl_opt_i64, OFF(aps.holdout), 0, 1e8, .needs = "--assign-precision", .expect = "a non-negative integer"},
    {"--assign-sens-samples", "N", "samples the sensitivities are measured on (default: all not held out)", dl_opt_i64, OFF(aps.sens_samples), 0, 1e8, .needs = "--assign-precision", .expect = "a non-negative integer"},
    {"--assign-prune-samples", "N", "samples pruned layers are reconstructed on (default 0: all not\nheld out; fewer is faster and less accurate)", dl_opt_i64, OFF(aps.prune_samples), 0, 1e8, .needs = "--assign-precision", .expect = "a non-negative integer"},
    {"--assign-jobs", "N", "worker processes (default: --jobs)", dl_opt_int, OFF(aps.jobs), 0, 1e8, .needs = "--assign-precision", .expect = "a non-negative integer"},
    {"--assign-rl", "EPISODES", "also run the RL search on the same budgets (0: off; default 20000)", dl_opt_int, OFF(aps.rl_episodes), 0, 1e8, .needs = "--assign-precision", .expect = "a non-negative integer"},
    {"--assign-refit", "on|off", "weigh the tables' weight, activation and sparsity errors by a\nfit to the first sweep's measured losses, then sweep again\n(default on)", opt_assign_refit, .needs = "--assign-precision"},
    {"--assign-cache", "DIR", "keep the measured tables in DIR (keyed by model, data and options)", dl_opt_str, OFF(aps.cache), .needs = "--assign-precision"},
    {"--assign-shard", "I/N", "measure block I of N (from 0) of the sensitivity runs and cost\ntables into --assign-cache as a shard, then stop (no search, no -o)", dl_opt_shard, OFF(assign_shard), .needs = "--assign-cache"},
    {"--assign-merge", "N", "take the tables from the N shards in --assign-cache, then search:\nthe choice of one run", dl_opt_int, OFF(aps.merge_shards), 1, 1e6, .needs = "--assign-cache", .expect = "a shard count"},
    {"--assign-config", "FILE", "the chosen per-layer widths as a --config file", dl_opt_str, OFF(aps.config_out), .needs = "--assign-precision"},
    {"--assign-pareto", "FILE", "every measured point, the front, the tables, knapsack vs RL (JSON)", dl_opt_str, OFF(aps.pareto_out), .needs = "--assign-precision"},
    {"--assign-svg", "FILE", "the Pareto plot of accuracy vs cost (SVG)", dl_opt_str, OFF(aps.svg_out), .needs = "--assign-precision"},
    {"build systems:"},
    {"-MD", NULL, "write a make/ninja depfile naming every file read (with -MF)", dl_opt_flag, OFF(md)},
    {"-MF", "FILE", "the depfile", opt_file, OFF(depfile)},
    {NULL},
};
#undef Q

/* Each target's rows: --NAME-device and the detail flag of its --emit=NAME. */
static char target_names[MAX_TARGETS][4][96];
static DlOption target_rows[3 * MAX_TARGETS + 2];
static bool opt_device(const DlOption *o, const char *v, void *s, DlError *e) {
  if (!*v) FAIL("%s needs a value", o->name);
  ((Args *)s)->device[o->off] = v;
  return true;
}
static bool opt_device_key(const DlOption *o, const char *v, void *s, DlError *e) {
  if (!*v) FAIL("%s needs a value", o->name);
  ((Args *)s)->device_key[o->off] = v;
  return true;
}
static bool opt_detail(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)v, (void)e;
  ((Args *)s)->ir_detail[o->off] = true;
  return true;
}
static const DlOptionTable *option_tables(void) {
  static const DlOptionTable tables[] = {{dl_common_options, OFF(common)}, {dl_print_options, OFF(common)}, {dlc_options},
                                         {dl_front_options, OFF(front)}, {target_rows}, {NULL}};
  int n = 0;
  if (target_rows[0].name) return tables;
  target_rows[n++] = (DlOption){"targets:"};
  for (int t = 0; dl_target_at(t) && t < MAX_TARGETS; t++) {
    const DlTarget *tg = dl_target_at(t);
    if (tg->device_help) {
      snprintf(target_names[t][0], 96, "--%s-device", tg->name);
      target_rows[n++] = (DlOption){target_names[t][0], "D", tg->device_help, opt_device, (size_t)t};
    }
    if (tg->device_key) {
      snprintf(target_names[t][2], 96, "--%s-%s", tg->name, tg->device_key);
      snprintf(target_names[t][3], 96, "%s", tg->device_key_arg);
      target_rows[n++] = (DlOption){target_names[t][2], target_names[t][3], tg->device_key_help, opt_device_key, (size_t)t};
    }
    if (tg->ir_detail_flag) {
      snprintf(target_names[t][1], 96, "with --emit=%s: the detail of each step too", tg->name);
      target_rows[n++] = (DlOption){tg->ir_detail_flag, NULL, target_names[t][1], opt_detail, (size_t)t};
    }
  }
  return tables;
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

/* A multiplier table (file:PATH[@ENERGY], in a comma-separated list of specs) is an input too. */
static void dep_tables(const char *list, Deps *d) {
  for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
    char spec[4200], path[4200];
    snprintf(spec, sizeof spec, "%.*s", (int)strcspn(p, ","), p);
    if (dl_approx_table_path(spec, path, sizeof path) && path[0] && access(path, R_OK) == 0) on_read(path, d);
  }
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
  const DlTarget *want = dl_target_lookup(name);
  for (int t = 0; want && dl_target_at(t); t++)
    if (dl_target_at(t) == want) return t;
  return -1;
}

static void usage(FILE *f) {
  fprintf(f, "usage: dlc MODEL.onnx|MODEL.mlir [options]\n"
             "Compiles an ONNX model through the qg dialect. Every option takes its value\n"
             "as --opt=value or --opt value.\n");
  dl_options_help(f, option_tables());
  fprintf(f, "exit status: 0 ok, 1 bad model or option, 2 internal error\n");
}

/* --config's file, wherever it stands: its defaults are the base the other flags override. */
static bool load_config(Args *a, int argc, char **argv, DlError *e) {
  for (int i = 1; i < argc; i++)
    if (!strncmp(argv[i], "--config=", 9)) a->config = argv[i] + 9;
    else if (!strcmp(argv[i], "--config") && i + 1 < argc) a->config = argv[++i];
  return !a->config || (a->qcfg = dl_quant_config_load(a->config, &a->qs, e));
}

/* An option named --NAME-... belongs to target NAME: an error naming it
 * unless --target=NAME is given. */
static bool target_option_fits(const Args *a, const char *opt, DlError *e) {
  for (int t = 0; dl_target_at(t); t++) {
    const char *n = dl_target_at(t)->name;
    size_t len = strlen(n);
    if (!strncmp(opt + 2, n, len) && opt[2 + len] == '-' && (!a->target || strcmp(a->target, n)))
      FAIL("%s does nothing without --target=%s", opt, n);
  }
  return true;
}

/* A target's own options (--NAME-device, --NAME-KEY, its detail flag) given
 * while nothing uses that target: an error naming the option. */
static bool targets_used(const Args *a, DlError *e) {
  const char *assigned = a->assign_target ? a->assign_target : a->target ? a->target : "c"; /* --assign-target's default */
  for (int t = 0; dl_target_at(t) && t < MAX_TARGETS; t++) {
    const char *n = dl_target_at(t)->name;
    bool emit = a->emit && !strcmp(a->emit, n);
    bool used = emit || (a->target && !strcmp(a->target, n)) || (a->cost && !strcmp(a->cost, n)) ||
                (a->assign && !strcmp(assigned, n)) ||
                (a->compress_target && !strcmp(a->compress_target, n));
    if (a->ir_detail[t] && !emit) FAIL("%s does nothing without --emit=%s", dl_target_at(t)->ir_detail_flag, n);
    if (!used && a->device[t]) FAIL("--%s-device does nothing without --target, --emit, --cost or --assign-target=%s", n, n);
    if (!used && a->device_key[t])
      FAIL("--%s-%s does nothing without --target, --emit, --cost or --assign-target=%s", n, dl_target_at(t)->device_key, n);
  }
  return true;
}

/* Combinations of options that mean nothing, or something else than asked. */
static bool check_args(Args *a, DlError *e) {
  const DlTarget *ir = a->emit && strcmp(a->emit, "qg") ? dl_target_lookup(a->emit) : NULL;
  if (a->obits_flag && !(a->qs.outliers > 0)) FAIL("--outlier-bits needs --outliers=FRAC");
  if (a->qs.outliers > 0 && (a->qs.outlier_bits ? a->qs.outlier_bits : 8) <= a->qs.wbits)
    FAIL("--outlier-bits (%d) must be more than --wbits (%d)", a->qs.outlier_bits ? a->qs.outlier_bits : 8, a->qs.wbits);
  if (!a->model) FAIL("no model given");
  if (a->emit && strcmp(a->emit, "qg") && (!ir || !ir->ir)) {
    char list[256] = "qg";
    for (int t = 0; dl_target_at(t); t++)
      if (dl_target_at(t)->ir) snprintf(list + strlen(list), sizeof list - strlen(list), ", %s", dl_target_at(t)->name);
    FAIL("unknown --emit stage '%s' (expected: %s)", a->emit, list);
  }
  if (a->emit && a->target) FAIL("--emit and --target exclude each other");
  if (a->target && !dl_target_lookup(a->target)) FAIL("unknown target '%s' (expected: %s)", a->target, dl_target_names());
  if (a->cost && !dl_target_lookup(a->cost)) FAIL("unknown --cost target '%s' (expected: %s)", a->cost, dl_target_names());
  if (a->sparse_set && !target_option_fits(a, "--c-sparse-weights", e)) return false;
  if (a->c_threads && !target_option_fits(a, "--c-threads", e)) return false;
  if (!targets_used(a, e)) return false;
  for (int t = 0; dl_target_at(t) && t < MAX_TARGETS; t++) { /* the device spec carries --NAME-KEY to every consumer */
    const DlTarget *tg = dl_target_at(t);
    if (!a->device_key[t]) continue;
    if (!tg->device_key_check(a->device_key[t], e)) return false;
    snprintf(a->device_spec[t], sizeof a->device_spec[t], "%s,%s=%s", a->device[t] ? a->device[t] : "", tg->device_key, a->device_key[t]);
    a->device[t] = a->device_spec[t];
  }
  if (a->assign) {
    if (!dl_budget_parse(a->assign, &a->aps, e)) return dl_error_prefix(e, "--assign-precision");
    if (!a->calib) FAIL("--assign-precision needs --calib=FILE.npy");
    const char *at_name = a->assign_target ? a->assign_target : a->target ? a->target : "c";
    if (!dl_target_lookup(at_name)) FAIL("unknown --assign-target '%s' (expected: %s)", at_name, dl_target_names());
    int at = target_index(at_name);
    a->aps.cost = &dl_target_at(at)->cost;
    if (!a->assign_cost_set && !a->aps.cost->timed) a->aps.objective = DL_BUDGET_BYTES;
    a->aps.device = a->device[at];
    a->aps.approx_compensate = a->qs.approx_compensate;
    /* the search chooses every layer's multiplier: one given for all, or a compensation with none to compensate, would be ignored */
    if (a->qs.approx) FAIL("--approx puts one multiplier on every layer, --assign-precision chooses them: list candidates with --assign-approx");
    if (a->qs.approx_budget > 0) FAIL("--approx-budget is a search of its own: with --assign-precision, list the multipliers with --assign-approx");
    if (a->qs.approx_compensate && !a->aps.napprox)
      FAIL("--approx-compensate with --assign-precision compensates the multipliers of --assign-approx: give those too");
    const char *base = strrchr(a->model, '/');
    a->aps.model_name = base ? base + 1 : a->model;
    a->quantize = true;
  }
  a->aps.shard = a->assign_shard.i, a->aps.nshards = a->assign_shard.n;
  if (a->aps.nshards && a->aps.merge_shards) FAIL("--assign-shard measures a shard, --assign-merge uses them all: one or the other");
  if (a->aps.nshards && (a->aps.config_out || a->aps.pareto_out || a->aps.svg_out || strcmp(a->common.out, "-") || a->target))
    FAIL("--assign-shard writes its shard into --assign-cache only: no search, so no -o, --target or --assign-config/-pareto/-svg");
  if (a->qs.auto_keep_db > 0 && a->assign)
    FAIL("--auto-keep needs --quantize (and chooses widths itself: not with --assign-precision)");
  if (a->calib_stats_list) { /* histograms instead of samples */
    if (a->calib) FAIL("--calib-stats replaces --calib's samples: give one or the other");
    if (a->assign) FAIL("--calib-stats: --assign-precision needs the samples (--calib)");
    if (a->qs.wround != DL_WROUND_DEFAULT && a->qs.wround != DL_WROUND_NEAREST)
      FAIL("--calib-stats: --wround=%s needs the samples (--calib)", dl_wround_name(a->qs.wround));
    if (a->qs.auto_keep_db > 0) FAIL("--calib-stats: --auto-keep needs the samples (--calib)");
    if (a->calib_shard.n) FAIL("--calib-shard picks samples of --calib: not with --calib-stats");
  }
  if (a->calib_stats_out && a->assign) FAIL("--calib-stats-out: not with --assign-precision (use --quantize)");
  if (a->qs.approx_budget > 0 && a->qs.approx)
    FAIL("--approx-budget chooses a multiplier per layer: list them with --approx-candidates, not --approx");
  if (a->qs.approx_budget > 0 && a->calib_stats_list) FAIL("--approx-budget measures on samples: give --calib, not --calib-stats");
  a->qs.calib.stats_out = a->calib_stats_out;
  a->qs.calib.shard = a->calib_shard.i, a->qs.calib.nshards = a->calib_shard.n;
  if (!a->qs.calib.jobs) a->qs.calib.jobs = dl_pool_cores();
  if (!a->aps.jobs) a->aps.jobs = a->qs.calib.jobs;
  /* --calib alone is also for a QDQ model's unquantized tensors: checked once the model is read */
  if (a->quantize && !a->calib && !a->calib_stats_list)
    FAIL("--quantize needs --calib=FILE.npy (and --calib needs --quantize, --report, --compress-activations or pruning compensation)");
  if (a->compress && !a->calib) FAIL("--compress-activations needs --calib=FILE.npy (and a model quantized with --quantize)");
  if (a->prune && !dl_prune_spec_parse(a->prune, &a->ps, e)) return dl_error_prefix(e, "--prune");
  if ((a->ps.layers || a->ps.comp) && !a->prune)
    FAIL("--prune-layers, --prune-bias-correct and --prune-reconstruct need --prune=SPEC");
  if (a->ps.comp && !a->calib) FAIL("--prune-bias-correct and --prune-reconstruct need --calib=FILE.npy");
  if (a->md != (a->depfile != NULL)) FAIL("-MD and -MF FILE go together");
  if (a->front.input_shapes && !dl_shape_spec_check(a->front.input_shapes, false, e)) return false;
  if (a->depfile && !strcmp(a->common.out, "-")) FAIL("a depfile needs an output file (-o)");
  a->front.quantize = a->quantize;
  a->front.transforms = a->quantize || a->prune;
  a->front.config_path = a->config, a->front.config = a->qcfg;
  return true;
}

/* The command line into a: -1 to go on, else the exit status. */
static int parse_args(Args *a, int argc, char **argv) {
  DlError e = {0};
  int seen[256] = {0}, npos = 0;
  const char *pos[2];
  const DlOptionTable *tables = option_tables();
  bool ok = load_config(a, argc, argv, &e) && dl_options_parse(tables, argc, argv, a, pos, 2, &npos, seen, &e);
  if (ok && npos == 2) ok = dl_error_set(&e, "more than one model ('%s' and '%s')", pos[0], pos[1]);
  if (ok && a->print_approx) return dl_approx_print(stdout), 0;
  if (ok && (a->common.help || a->common.version)) return a->common.help ? usage(stdout) : (void)printf("dlc %s\n", DLC_VERSION), 0;
  a->model = npos ? pos[0] : NULL;
  ok = ok && check_args(a, &e) && dl_options_check(tables, seen, &e);
  if (ok) return -1;
  fprintf(stderr, "%s: error: %s\n", prog, e.msg);
  if (!a->model && !strcmp(e.msg, "no model given")) usage(stderr);
  dl_error_clear(&e);
  return EXIT_USER;
}

/* --calib's samples: one array, or one per named input packed as the library
 * reads them (dl_calib_pack). */
static bool read_calib(Args *a, MlirModule m, bool qdq, DlTensor *data, DlError *e) {
  if (a->calib && !a->quantize && !(a->report || a->report_html || a->compress || a->ps.comp) && !qdq)
    FAIL("--quantize needs --calib=FILE.npy (and --calib needs --quantize, --report, --compress-activations, pruning compensation or a QDQ model)");
  bool named = false;
  for (int k = 0; k < a->ncalib; k++) named |= a->calib_name[k][0] != 0;
  if (!named && a->ncalib > 1)
    FAIL("--calib given %d times: name each model input's samples (--calib=NAME=FILE.npy)", a->ncalib);
  if (!named) {
    if (!a->calib) return true;
    a->front.on_file_read(a->calib, a->front.user);
    return dl_npy_open(a->calib, data, e) && dl_calib_data_check(m, data, a->calib, e);
  }
  DlTensor arr[64] = {{{0}}};
  const char *names[64];
  bool ok = true;
  for (int k = 0; k < a->ncalib && ok; k++) {
    names[k] = a->calib_name[k];
    if (!a->calib_name[k][0])
      ok = dl_error_set(e, "--calib=%s: name the input (--calib=NAME=FILE.npy) when giving several", a->calib_file[k]);
    else
      a->front.on_file_read(a->calib_file[k], a->front.user), ok = dl_npy_open(a->calib_file[k], &arr[k], e);
  }
  ok = ok && dl_calib_pack(m, a->ncalib, names, arr, a->calib_file, data, e);
  for (int k = 0; k < a->ncalib; k++) dl_tensor_free(&arr[k]);
  return ok;
}

/* --calib's samples, and --config's per-node pruning and --prune. */
static bool calib_and_prune(Args *a, MlirModule m, bool qdq, DlTensor *data, DlError *e) {
  if (!read_calib(a, m, qdq, data, e)) return false;
  DlPruneComp comp = DL_PRUNE_COMP_NONE;
  int64_t samples = 0;
  if (a->qcfg && dl_quant_config_prunes(a->qcfg, &comp, &samples)) { /* per-node "prune" of --config */
    if (comp != DL_PRUNE_COMP_NONE && !a->calib) FAIL("%s: prune_compensation needs --calib=FILE.npy", a->config);
    if (!dl_prune_module_by_op(m, comp, samples ? samples : a->qs.calib.limit, a->qs.calib.jobs, data, e)) return false;
  }
  a->ps.samples = a->qs.calib.limit, a->ps.jobs = a->qs.calib.jobs;
  return !a->prune || dl_prune_module(m, &a->ps, data, e);
}

/* --report's JSON and --report-html's page, with the cost of --target (else --cost) per layer. */
static bool write_reports(Args *a, MlirModule float_m, MlirModule m, const DlTensor *data, DlError *e) {
  cJSON *r = dl_quant_report_create(float_m, m, data->shape.dtype ? data : NULL, a->qs.calib.limit ? a->qs.calib.limit : -1, e);
  char *text = NULL;
  size_t len = 0;
  bool ok = r != NULL;
  if (ok && a->report) {
    text = cJSON_Print(r), len = strlen(text);
    text = realloc(text, len + 2), text[len++] = '\n';
    ok = dl_write_file_atomic(a->report, text, len, e);
    free(text), text = NULL;
  }
  if (ok && a->report_html) {
    const char *tn = a->target ? a->target : a->cost;
    const DlTarget *tg = tn ? dl_target_at(target_index(tn)) : NULL;
    DlLayerCost *lc = NULL;
    int nlc = 0;
    ok = !tg || tg->cost.estimate(m, a->device[target_index(tn)], &lc, &nlc, e);
    FILE *f = ok ? open_memstream(&text, &len) : NULL;
    if (f) ok = dl_quant_report_html(f, r, tn, tg && tg->cost.timed, lc, nlc);
    if (f && fclose(f)) ok = false;
    ok = ok && dl_write_file_atomic(a->report_html, text, len, e);
    free(text), free(lc);
  }
  cJSON_Delete(r);
  return ok;
}

/* --assign-precision or --quantize (a QDQ model: its own parameters), then --compress-activations. */
static bool quantize(Args *a, MlirModule *m, bool qdq, const DlTensor *data, MlirModule *float_m, Deps *deps, DlError *e) {
  const char *rep = a->report ? "--report" : a->report_html ? "--report-html" : NULL;
  if (rep && !a->quantize && !qdq) FAIL("%s describes a quantized model (use --quantize, or an already-quantized ONNX model)", rep);
  if (qdq && !dl_front_fold_qdq(*m, rep ? float_m : NULL, data->shape.dtype ? data : NULL, &a->qs.calib, e)) return false;
  if (rep && !qdq) *float_m = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(*m)));
  /* labels are checked before any work: one integer class index per calibration sample */
  int64_t n = data->shape.dtype ? dl_calib_samples(*m, data) : 0;
  DlTensor lab = {0};
  if (a->compress_labels) {
    on_read(a->compress_labels, deps);
    if (!dl_npy_read_labels(a->compress_labels, n, "calibration sample", &lab, e)) return false;
    dl_tensor_free(&lab);
  }
  if (a->assign) {
    if (a->assign_labels) on_read(a->assign_labels, deps);
    bool ok = (!a->assign_labels || dl_npy_read_labels(a->assign_labels, n, "calibration sample", &lab, e)) &&
              dl_assign_precision(m, &a->qs, data, a->assign_labels ? &lab : NULL, &a->aps, stderr, e);
    dl_tensor_free(&lab);
    if (!ok) return false;
    if (a->aps.nshards) return true; /* the shard is in the cache: nothing else to do */
  } else if (a->quantize) {
    if (a->approx_labels) on_read(a->approx_labels, deps);
    bool ok = !a->approx_labels || dl_npy_read_labels(a->approx_labels, n, "calibration sample", &lab, e);
    a->qs.approx_labels = a->approx_labels ? &lab : NULL;
    ok = ok && dl_quantize_module(*m, &a->qs, data, e);
    a->qs.approx_labels = NULL;
    dl_tensor_free(&lab);
    if (!ok) return false;
  }
  const DlTarget *ct = dl_target_lookup(a->compress_target ? a->compress_target : a->target ? a->target : "");
  a->cs.acc = ct && ct->compress_where == 2;
  if (a->compress && !dl_compress_module(*m, a->calib, a->compress_labels, &a->cs, a->compress_report,
                                      a->compress_report_text, e))
    return false;
  return !rep || write_reports(a, *float_m, *m, data, e);
}

/* What -o receives: the target's files, a cost table, a target's IR or the qg IR; then the depfile. */
static bool write_output(Args *a, MlirModule m, const Deps *deps, DlError *e) {
  size_t len;
  char *text = NULL;
  if ((a->target || a->cost || (a->emit && strcmp(a->emit, "qg"))) && !dl_run_pipeline(m, DL_PIPELINE_LOWER, e))
    return false;
  if (a->target) {
    const char *base = strrchr(a->model, '/');
    DlTargetOptions to = {.out_path = a->common.out, .name = a->name, .source = base ? base + 1 : a->model,
                          .device = a->device[target_index(a->target)], .sparse_weights = a->sparse_weights, .c_threads = a->c_threads};
    return dl_target_lookup(a->target)->emit(m, &to, e) && (!a->depfile || write_depfile(a->depfile, a->common.out, deps, e));
  }
  if (a->cost) { /* the per-step cost table of a target (dlc/cost.h) */
    int ct = target_index(a->cost);
    DlLayerCost *lc = NULL;
    int nlc = 0;
    FILE *mf = open_memstream(&text, &len);
    bool ok = dl_target_at(ct)->cost.estimate(m, a->device[ct], &lc, &nlc, e);
    if (ok) dl_cost_write_json(mf, a->cost, lc, nlc);
    fclose(mf);
    free(lc);
    if (!ok) return free(text), false;
  } else if (a->emit && strcmp(a->emit, "qg")) { /* the target's own IR */
    int it = target_index(a->emit);
    DlTargetOptions to = {.device = a->device[it], .ir_detail = a->ir_detail[it]};
    if (!(text = dl_target_at(it)->ir(m, &to, &len, e))) return false;
  } else {
    text = dl_print_op(mlirModuleGetOperation(m), dl_print_flags(&a->common), &len);
  }
  bool ok = dl_write_file_atomic(a->common.out, text, len, e) && (!a->depfile || write_depfile(a->depfile, a->common.out, deps, e));
  free(text);
  return ok;
}

int main(int argc, char **argv) {
  dl_tool_heap();
  Args a = {.common = {.out = "-", .print_loc = -1},
            .cs = {0, false, 0, 4, 256, 16, 1000, DL_RESERVE_AUTO, 0.05},
            .aps = {.wbits = {2, 3, 4, 5, 6, 8}, .nw = 6, .abits = {4, 5, 6, 8}, .na = 4, .sparsity = {0}, .ns = 1, .ref_wbits = 8,
                    .ref_abits = 8, .rl_episodes = 20000, .refit = true, .margin = 1, .objective = DL_BUDGET_ENERGY},
            .qs = {.wbits = 8, .abits = 8, .calib = {.method = DL_CALIB_AUTO, .limit = 1000, .progress = true}}};
  int rc = parse_args(&a, argc, argv);
  if (rc >= 0) return dl_quant_config_destroy(a.qcfg), rc;
  rc = 0;
  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) return fprintf(stderr, "%s: error: %s\n", prog, e.msg), EXIT_INTERNAL;
  dl_attach_diagnostic_printer(ctx, prog);
  dl_outputs_begin(); /* every output file appears at the end, all together, or none does */
  Deps deps = {0};
  a.front.on_file_read = on_read, a.front.user = &deps;
  for (int t = 0; t < MAX_TARGETS && dl_target_at(t); t++) { /* a device JSON file (not a preset name) is an input too */
    char path[4200];
    if (!a.device[t]) continue;
    snprintf(path, sizeof path, "%s", a.device[t]);
    path[strcspn(path, ",")] = 0; /* "FILE.json,key=value" */
    if (path[0] && access(path, R_OK) == 0) on_read(path, &deps);
  }
  dep_tables(a.qs.approx, &deps), dep_tables(a.qs.approx_candidates, &deps);
  for (int i = 0; i < a.aps.napprox; i++) dep_tables(a.aps.approx[i], &deps);
  DlTensor data = {0};
  MlirModule float_m = {NULL}; /* the graph before quantization, for --report */
  bool qdq = false;
  MlirModule m = dl_front_import(ctx, a.model, &a.front, &qdq, &e);
  bool ok = !mlirModuleIsNull(m) && calib_and_prune(&a, m, qdq, &data, &e) && quantize(&a, &m, qdq, &data, &float_m, &deps, &e) &&
            (a.aps.nshards || write_output(&a, m, &deps, &e)) && dl_outputs_commit(&e);
  if (!ok) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    rc = dl_error_is_internal(&e) ? EXIT_INTERNAL : EXIT_USER;
  }
  dl_outputs_abort();
  dl_tensor_free(&data);
  if (!mlirModuleIsNull(float_m)) mlirModuleDestroy(float_m);
  dl_quant_config_destroy(a.qcfg);
  free(a.calib_stats_list);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  for (int i = 0; i < deps.n; i++) free(deps.files[i]);
  free(deps.files);
  dl_error_clear(&e);
  dl_context_destroy(ctx);
  return rc;
}
