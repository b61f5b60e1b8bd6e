/* --assign-precision: bits per layer under a budget (dlc/precision.h,
 * docs/precision.md).
 *
 *   1. calibrate once on the samples not held out, recording each value's
 *      range at every candidate activation width (the default calibration
 *      clips below 6 bits), from which each choice takes its own;
 *   2. sensitivity: for each unit and each candidate width other than the
 *      reference, the mean squared change of the output logits over the
 *      sensitivity samples when only that unit's weights (or only its
 *      activations) take that width, or its layer that multiplier
 *      (--assign-approx); a unit's option is the sum of its parts (the
 *      errors are independent). Forked workers
 *      share the jobs; the table is cached by a hash of model, data and
 *      settings;
 *   3. cost: the target's cost model on the model at each uniform option; a
 *      step's cost goes to the unit that owns it;
 *   4. the Pareto sweep: the knapsack at a ladder of sensitivity bounds, each
 *      distinct choice quantized and measured on the held-out samples
 *      (accuracy) and by the cost model (its real cost, not the tables' sum);
 *   5. the choice: with a loss budget, the cheapest measured point within it;
 *      with a cost budget, the knapsack at that cost, re-solved at a tighter
 *      bound while the real cost exceeds it (repair);
 *   6. the same budgets given to the RL search, for the comparison;
 *   7. outputs, and m quantized with the choice. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dlc/approx.h"
#include "dlc/cost.h"
#include "dlc/gptq.h"
#include "dlc/plan.h"
#include "dlc/pool.h"
#include "dlc/passes.h"
#include "dlc/precision.h"
#include "dlc/prune.h"
#include "dlc/schema.h"
#include "dlc/support.h"
#include "dlc/version.h"

/* ---- budgets -------------------------------------------------------------------- */

static const char *const kind_names[] = {"loss", "energy", "time", "bytes"};
static const char *const kind_units[] = {"points", "nJ", "ns", "bytes"};

bool dl_budget_parse(const char *s, DlPrecisionSettings *ps, DlError *e) {
  const char *colon = strchr(s, ':');
  int k = -1;
  for (int i = 0; i < 4 && colon; i++)
    if ((size_t)(colon - s) == strlen(kind_names[i]) && !strncmp(s, kind_names[i], (size_t)(colon - s))) k = i;
  char *end = NULL;
  double v = k >= 0 ? strtod(colon + 1, &end) : 0;
  bool rel = k > 0 && end && *end == 'x';
  if (k < 0 || end == colon + 1 || (rel ? end[1] : *end) || !(v >= 0) || (k == 0 && v > 100) || (rel && v > 1e6))
    return dl_error_set(e, "bad budget '%s' (expected loss:POINTS, or energy:, time: or bytes: followed by a "
                           "number or a fraction of the reference such as 0.4x)", s);
  ps->kind = (DlBudgetKind)k, ps->value = v, ps->relative = rel;
  return true;
}

bool dl_assign_approx_parse(const char *list, DlPrecisionSettings *ps, DlError *e) {
  ps->napprox = 0;
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    char spec[512];
    snprintf(spec, sizeof spec, "%.*s", (int)(n < sizeof spec - 1 ? n : sizeof spec - 1), p);
    p += n + (p[n] == ',');
    DlApprox a;
    if (!dl_approx_create(spec, &a, e)) return false;
    bool exact = a.kind == DL_APPROX_EXACT, known = a.energy >= 0, dup = false;
    for (int i = 0; i < ps->napprox; i++) dup |= !strcmp(ps->approx[i], a.spec);
    if (!exact && !dup && known && ps->napprox < 8 && strlen(a.spec) < sizeof ps->approx[0])
      snprintf(ps->approx[ps->napprox++], sizeof ps->approx[0], "%s", a.spec);
    else if (!exact && !dup) {
      dl_approx_destroy(&a);
      return dl_error_set(e, !known ? "multiplier '%s' has no energy per multiply to price it with (give a file table its @ENERGY)"
                                    : "'%s': at most 8 multipliers besides exact, of specs shorter than 256 characters",
                          spec);
    }
    dl_approx_destroy(&a);
  }
  return true;
}

/* ---- units ---------------------------------------------------------------------- */

typedef struct {
  MlirOperation *ops; /* func body ops in order, with their owning unit (-1: none) */
  int *owner, nops;
  int *unit_op, nunits; /* the layer op of each unit, as an index into ops */
  char (*name)[160];    /* ONNX node name of each op */
} Units;

static bool is_layer(MlirOperation op) {
  DlOpKind k = dl_op_kind(op);
  if ((k != DL_OP_CONV && k != DL_OP_GEMM && k != DL_OP_MATMUL) || mlirOperationGetNumOperands(op) < 2) return false;
  return !mlirAttributeIsNull(dl_value_constant(mlirOperationGetOperand(op, 1)));
}

static void units_free(Units *u) {
  free(u->ops), free(u->owner), free(u->unit_op), free(u->name);
  memset(u, 0, sizeof *u);
}

/* Every op but constants and the return, each owned by its own unit if it is
 * a layer, else by the owner of whatever produces its first operand. */
static void units_find(MlirModule m, Units *u) {
  memset(u, 0, sizeof *u);
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(dl_module_func(m), 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (dl_op_is(op, "arith.constant") || dl_op_is(op, "func.return")) continue;
    int i = u->nops++;
    u->ops = realloc(u->ops, sizeof *u->ops * (size_t)u->nops);
    u->owner = realloc(u->owner, sizeof *u->owner * (size_t)u->nops);
    u->name = realloc(u->name, sizeof *u->name * (size_t)u->nops);
    u->ops[i] = op;
    dl_location_str(mlirOperationGetLocation(op), u->name[i], sizeof u->name[i]);
    u->owner[i] = -1;
    if (is_layer(op)) {
      u->unit_op = realloc(u->unit_op, sizeof *u->unit_op * (size_t)(u->nunits + 1));
      u->unit_op[u->nunits] = i;
      u->owner[i] = u->nunits++;
    } else if (mlirOperationGetNumOperands(op) > 0) {
      MlirValue v = mlirOperationGetOperand(op, 0);
      if (mlirValueIsAOpResult(v)) {
        MlirOperation p = mlirOpResultGetOwner(v);
        for (int j = 0; j < i; j++)
          if (mlirOperationEqual(u->ops[j], p)) u->owner[i] = u->owner[j];
      }
    }
  }
}

/* ---- configurations --------------------------------------------------------------- */

typedef struct {
  double *sp;    /* sparsity per unit */
  MlirModule m;  /* the float module pruned so and calibrated */
  DlHessians *h; /* its layers' statistics for --wround=gptq, made when first needed */
} Pruned;

enum { PRUNED_CACHE = 64 };

/* An option: indices into the candidate widths, sparsities and approximate
 * multipliers (m < 0: exact). */
typedef struct {
  int w, a, s, m;
} DlOption4;

typedef struct {
  MlirModule cal;            /* the calibrated float module */
  DlHessians *cal_h;         /* its layers' statistics for --wround=gptq (before any fork) */
  MlirModule base;           /* the float module before calibration (for pruned variants) */
  DlTensor cal_x;            /* the calibration samples */
  Pruned pruned[PRUNED_CACHE]; /* the pruned variants made last (a cache) */
  int npruned, next_pruned;
  double *tab;               /* the measured tables (tables()) */
  Units u;
  const DlPrecisionSettings *ps;
  const DlQuantSettings *qs;
  DlTensor sens_x, hold_x;   /* views of the data */
  const int64_t *hold_y;     /* labels of the held-out samples, or NULL */
  int nopts;                 /* options: the nw * na * ns exact ones, ((w * na) + a) * ns + s, then */
  DlOption4 *opt;            /* 8/8 at each sparsity on each approximate multiplier (opts_make) */
  int ref_opt;
  float *ref_sens, *ref_hold; /* reference logits */
  int64_t classes;
  double ref_acc;            /* reference accuracy (or 100 without labels) on the held-out samples */
  double alpha[3];           /* the refit's points of loss per unit of logit change: weights, activations, sparsity */
  int fit_points;            /* the points it was fitted on (0: not refitted) */
  int sweep;                 /* the sweep running: 1 before the refit, 2 after */
  DlBudgetKind sweep_kind;   /* the cost its points are measured in (knapsack_points) */
  bool in_worker;            /* in a process fork_map started: no threads of its own */
  double fit_rms;            /* its rms residual, points */
  FILE *log;
} Job;

static int opt_w(const Job *j, int o) { return j->ps->wbits[j->opt[o].w]; }
static int opt_a(const Job *j, int o) { return j->ps->abits[j->opt[o].a]; }
static double opt_s(const Job *j, int o) { return j->ps->sparsity[j->opt[o].s]; }
/* the option's approximate multiplier, or NULL (exact) */
static const char *opt_m(const Job *j, int o) { return j->opt[o].m >= 0 ? j->ps->approx[j->opt[o].m] : NULL; }
static const char *opt_mname(const Job *j, int o) { return j->opt[o].m >= 0 ? j->ps->approx[j->opt[o].m] : "exact"; }

/* The option of indices (w, a, s, m), or -1. */
static int opt_find(const Job *j, DlOption4 x) {
  for (int o = 0; o < j->nopts; o++)
    if (!memcmp(&j->opt[o], &x, sizeof x)) return o;
  return -1;
}

/* Every valid option: the exact ones in the order ((w * na) + a) * ns + s
 * (the tables' layout without multipliers), then, an approximate multiplier
 * being 8x8, only 8-bit weights and activations at each sparsity on each
 * multiplier. j->opt is malloc'd; the 8-bit widths are among the candidates
 * when ps->napprox > 0 (checked before). */
static void opts_make(Job *j) {
  const DlPrecisionSettings *ps = j->ps;
  int w8 = 0, a8 = 0, n = 0;
  for (int i = 0; i < ps->nw; i++) w8 = ps->wbits[i] == 8 ? i : w8;
  for (int i = 0; i < ps->na; i++) a8 = ps->abits[i] == 8 ? i : a8;
  j->nopts = ps->nw * ps->na * ps->ns + ps->ns * ps->napprox;
  j->opt = malloc(sizeof(DlOption4) * (size_t)j->nopts);
  for (int w = 0; w < ps->nw; w++)
    for (int a = 0; a < ps->na; a++)
      for (int s = 0; s < ps->ns; s++) j->opt[n++] = (DlOption4){w, a, s, -1};
  for (int s = 0; s < ps->ns; s++)
    for (int m = 0; m < ps->napprox; m++) j->opt[n++] = (DlOption4){w8, a8, s, m};
}

/* The unit owning the op that produces unit c's input (its layer's operand
 * 0), or -1 (the model input, or an op no unit owns). */
static int input_unit(const Units *u, int c) {
  MlirValue v = mlirOperationGetOperand(u->ops[u->unit_op[c]], 0);
  if (!mlirValueIsAOpResult(v)) return -1;
  MlirOperation p = mlirOpResultGetOwner(v);
  for (int i = 0; i < u->nops; i++)
    if (mlirOperationEqual(u->ops[i], p)) return u->owner[i];
  return -1;
}

/* A unit's activation width a[c] is that of the activations its layer reads
 * (what bit-serial and PE-array costs depend on), so it is set where they are
 * produced: out[u], the width of everything unit u computes, is the least a[c]
 * over the units c reading u's output, or ref when no unit does (the logits). */
static void out_widths(const Units *u, const int *a, int ref, int *out) {
  for (int k = 0; k < u->nunits; k++) out[k] = 0;
  for (int c = 0; c < u->nunits; c++) {
    int p = input_unit(u, c);
    if (p >= 0) out[p] = out[p] && out[p] < a[c] ? out[p] : a[c];
  }
  for (int k = 0; k < u->nunits; k++)
    if (!out[k]) out[k] = ref;
}

/* out_widths of a choice of options, malloc'd. */
static int *choice_out_widths(const Job *j, const int *choice) {
  int n = j->u.nunits, *a = malloc(sizeof(int) * (size_t)(n + 1)), *out = malloc(sizeof(int) * (size_t)(n + 1));
  for (int u = 0; u < n; u++) a[u] = opt_a(j, choice[u]);
  out_widths(&j->u, a, j->ps->ref_abits, out);
  free(a);
  return out;
}

/* Sets each op of q owned by unit u to weight width w[u] and its output width
 * (out_widths) (dlc.quant). */
static void apply_widths(MlirModule q, const int *w, const int *a, int ref) {
  Units qu;
  units_find(q, &qu);
  MlirContext ctx = mlirModuleGetContext(q);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  int *out = malloc(sizeof(int) * (size_t)(qu.nunits + 1));
  out_widths(&qu, a, ref, out);
  for (int i = 0; i < qu.nops; i++) {
    int o = qu.owner[i];
    if (o < 0) continue;
    MlirNamedAttribute kv[2] = {
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("wbits")), mlirIntegerAttrGet(i64, w[o])),
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("abits")), mlirIntegerAttrGet(i64, out[o])),
    };
    mlirOperationSetDiscardableAttributeByName(qu.ops[i], dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, 2, kv));
  }
  free(out);
  units_free(&qu);
}

/* Each unit's layer in q on multiplier mul[u] (dlc.approx; NULL: exact, the
 * attribute removed, so the choice replaces what --config gave the node). */
static void apply_multipliers(MlirModule q, const char *const *mul) {
  Units qu;
  units_find(q, &qu);
  MlirContext ctx = mlirModuleGetContext(q);
  for (int u = 0; u < qu.nunits; u++) {
    MlirOperation op = qu.ops[qu.unit_op[u]];
    if (mul[u]) mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.approx"), mlirStringAttrGet(ctx, dl_str(mul[u])));
    else mlirOperationRemoveDiscardableAttributeByName(op, dl_str("dlc.approx"));
  }
  units_free(&qu);
}

/* How every calibration of the job runs: on all its samples, at the
 * reference width, recording each value's range at every candidate
 * activation width too (dl_calib_select picks them per choice). */
static DlCalibOptions calib_options(const Job *j) {
  DlCalibOptions co = j->qs->calib;
  co.limit = 0;
  if (!co.bits) co.bits = j->ps->ref_abits;
  co.table_bits = j->ps->abits, co.ntable_bits = j->ps->na;
  co.jobs = j->in_worker ? 1 : j->qs->calib.jobs; /* a forked worker is one of --jobs already */
  return co;
}

/* The float module with unit u pruned to sparsity sp[u] (unstructured, least
 * squares reconstruction on the calibration samples, as --config's "prune"
 * does), calibrated. Borrowed: the unpruned one is j->cal, the others live in
 * a small cache. */
static MlirModule calibrated(Job *j, const double *sp, DlError *e) {
  int n = j->u.nunits;
  bool any = false;
  for (int u = 0; u < n; u++) any |= sp[u] > 0;
  if (!any) return j->cal;
  for (int i = 0; i < j->npruned; i++)
    if (!memcmp(j->pruned[i].sp, sp, sizeof(double) * (size_t)n)) return j->pruned[i].m;
  MlirModule q = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(j->base)));
  Units qu;
  units_find(q, &qu);
  MlirContext ctx = mlirModuleGetContext(q);
  for (int u = 0; u < n; u++) {
    if (!(sp[u] > 0)) continue;
    char spec[64];
    snprintf(spec, sizeof spec, "unstructured:%g", sp[u]);
    mlirOperationSetDiscardableAttributeByName(qu.ops[qu.unit_op[u]], dl_str("dlc.prune_spec"),
                                               mlirStringAttrGet(ctx, dl_str(spec)));
  }
  units_free(&qu);
  DlCalibOptions co = calib_options(j);
  if (!dl_prune_module_by_op(q, DL_PRUNE_COMP_RECONSTRUCT, j->ps->prune_samples, co.jobs, &j->cal_x, e) ||
      !dl_calibrate(q, &j->cal_x, &co, e)) {
    mlirModuleDestroy(q);
    return (MlirModule){NULL};
  }
  Pruned *slot = &j->pruned[j->next_pruned];
  j->next_pruned = (j->next_pruned + 1) % PRUNED_CACHE;
  if (j->npruned < PRUNED_CACHE) j->npruned++;
  else mlirModuleDestroy(slot->m), free(slot->sp), dl_hessians_free(slot->h);
  slot->h = NULL;
  slot->sp = malloc(sizeof(double) * (size_t)n);
  memcpy(slot->sp, sp, sizeof(double) * (size_t)n);
  slot->m = q;
  return q;
}

static void fill(int *choice, int n, int o) {
  for (int u = 0; u < n; u++) choice[u] = o;
}

/* How the assignment rounds weights: gptq or adaround when asked for, else to
 * nearest (its own held-out search stands in for --wround=auto, refused). */
static DlWeightRound wround_of(const Job *j) {
  DlWeightRound r = j->qs->wround;
  return r == DL_WROUND_GPTQ || r == DL_WROUND_ADAROUND ? r : DL_WROUND_NEAREST;
}

/* The --wround=gptq|adaround statistics of a module calibrated() returned. */
static const DlHessians *hessians_of(Job *j, MlirModule c, DlError *e) {
  if (c.ptr == j->cal.ptr) return j->cal_h;
  for (int i = 0; i < j->npruned; i++)
    if (j->pruned[i].m.ptr == c.ptr) {
      if (!j->pruned[i].h) j->pruned[i].h = dl_hessians_collect(c, &j->cal_x, DL_GPTQ_SAMPLES, calib_options(j).jobs, e);
      return j->pruned[i].h;
    }
  return NULL;
}

/* A quantized copy of the calibrated module with unit u at option choice[u]. */
static MlirModule quantized(Job *j, const int *choice, DlError *e) {
  int n = j->u.nunits;
  int *w = malloc(sizeof(int) * (size_t)(n + 1)), *a = malloc(sizeof(int) * (size_t)(n + 1));
  double *sp = malloc(sizeof(double) * (size_t)(n + 1));
  const char **mul = malloc(sizeof(char *) * (size_t)(n + 1));
  bool approx = false;
  for (int u = 0; u < n; u++)
    w[u] = opt_w(j, choice[u]), a[u] = opt_a(j, choice[u]), sp[u] = opt_s(j, choice[u]), mul[u] = opt_m(j, choice[u]),
    approx |= mul[u] != NULL;
  MlirModule c = calibrated(j, sp, e), q = {NULL};
  if (!mlirModuleIsNull(c)) {
    q = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(c)));
    apply_widths(q, w, a, j->ps->ref_abits);
    if (j->ps->napprox) apply_multipliers(q, mul); /* not searched: the attributes stay as they were */
    DlCalibOptions co = calib_options(j);
    bool rounds = wround_of(j) != DL_WROUND_NEAREST;
    const DlHessians *h = rounds ? hessians_of(j, c, e) : NULL;
    /* the order of --quantize's pipeline: the multipliers checked, then compensated */
    if ((rounds && (!h || !dl_wround_apply(q, h, wround_of(j), e))) || !dl_calib_select(q, &co, e) ||
        !dl_run_pipeline(q, "quantize", e) || (approx && !dl_approx_annotate(q, NULL, e)) ||
        (approx && j->ps->approx_compensate && !dl_approx_compensate(q, &j->cal_x, e)))
      mlirModuleDestroy(q), q = (MlirModule){NULL};
  }
  free(w), free(a), free(sp), free(mul);
  return q;
}

/* The pruned variants (and their --wround statistics) that the n choices
 * need, made here, before fork_map: the workers inherit them, on this
 * process's threads (--jobs), and the later steps find them cached. */
static bool prepare(Job *j, const int *const *choice, int n, DlError *e) {
  int U = j->u.nunits;
  double *sp = malloc(sizeof(double) * (size_t)(U + 1));
  bool ok = true;
  for (int i = 0; ok && i < n && i < PRUNED_CACHE; i++) {
    for (int u = 0; u < U; u++) sp[u] = opt_s(j, choice[i][u]);
    MlirModule c = calibrated(j, sp, e);
    ok = !mlirModuleIsNull(c) && (wround_of(j) == DL_WROUND_NEAREST || hessians_of(j, c, e));
  }
  free(sp);
  return ok;
}

/* Output 0 of q on every sample of x: *out is [samples x classes] logits. */
static bool logits(MlirModule q, const DlTensor *x, float **out, int64_t *classes, DlError *e) {
  DlPlan *p = dl_plan_create(q, e);
  if (!p) return false;
  int64_t per, runs = dl_plan_samples(p, x, 0, "the samples", &per, e);
  bool ok = runs >= 0;
  int64_t B = dl_plan_input_shape(p, 0)->rank ? dl_plan_input_shape(p, 0)->dims[0] : 1, n = 0;
  if (B < 1) B = 1;
  *out = NULL;
  for (int64_t r = 0; ok && r < runs; r++) {
    const void *in = (const float *)x->data + r * per;
    if (!(ok = dl_plan_run(p, &in, e))) break;
    const DlTensor *o = dl_plan_output(p, 0);
    int64_t total = dl_shape_numel(&o->shape), c = total / B;
    if (!*out) *out = malloc(sizeof(float) * (size_t)(runs * total)), *classes = c;
    for (int64_t k = 0; k < total; k++) (*out)[n++] = (float)dl_tensor_get_f(o, k);
  }
  dl_plan_destroy(p);
  if (ok && !*out) ok = dl_error_set(e, "no samples to measure on");
  return ok;
}

static int top1(const float *y, int64_t n) {
  int b = 0;
  for (int64_t k = 1; k < n; k++)
    if (y[k] > y[b]) b = (int)k;
  return b;
}

static int64_t samples_of(const Job *j, const DlTensor *x) { (void)j; return x->shape.dims[0]; }

/* Mean squared logit change against ref over n samples. */
static double mse(const float *y, const float *ref, int64_t n, int64_t c) {
  double s = 0;
  for (int64_t i = 0; i < n * c; i++) s += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
  return s / (double)n;
}

/* Accuracy in percent of logits y on the held-out samples (against labels, or
 * top-1 agreement with the reference); *se (if given) the standard error of
 * its difference from the reference's, in points: sqrt of the samples whose
 * correctness differs, over n (a paired comparison). */
static double accuracy(const Job *j, const float *y, int64_t n, double *se) {
  int64_t hit = 0, changed = 0;
  for (int64_t i = 0; i < n; i++) {
    int t = top1(y + i * j->classes, j->classes), r = top1(j->ref_hold + i * j->classes, j->classes);
    bool ok = j->hold_y ? t == j->hold_y[i] : t == r;
    hit += ok;
    changed += j->hold_y ? ok != (r == j->hold_y[i]) : !ok;
  }
  if (se) *se = 100.0 * sqrt((double)changed) / (double)n;
  return 100.0 * (double)hit / (double)n;
}

/* A loss budget is checked on n held-out samples as loss + margin standard
 * errors; when the margin takes more than half the budget, points within it
 * are hard to tell apart and on unseen data the choice can land past it.
 * The standard error shrinks as 1/sqrt(n): the warning says how many samples
 * bring the margin to half the budget (docs/precision.md). */
static void warn_holdout(MlirContext ctx, const DlPrecisionSettings *ps, double se, int64_t n) {
  double used = ps->margin * se, half = ps->value / 2;
  if (ps->kind != DL_BUDGET_LOSS || used <= half || n <= 0) return;
  dl_warn(ctx,
          "--assign-precision=loss:%g: %lld held-out samples measure the chosen point's loss to a standard error of "
          "%.2f points, so the margin (%g of them) takes %.0f%% of the budget; about %.0f held-out samples "
          "(--assign-holdout) would bring it to half",
          ps->value, (long long)n, se, ps->margin, 100 * used / ps->value, ceil((double)n * (used / half) * (used / half)));
}

/* ---- the tables ------------------------------------------------------------------- */

/* A sensitivity job: unit u with its weight width (wa = 0), activation width
 * (1) or sparsity (2) at candidate k, everything else at the reference. */
typedef struct {
  int u, wa, k;
} SJob;

/* The reference option with one of its parts (as in SJob: 0 weights, 1
 * activations, 2 sparsity, 3 multiplier) changed. */
static int ref_option_with(const Job *j, int wa, int k) {
  DlOption4 x = j->opt[j->ref_opt];
  *(wa == 0 ? &x.w : wa == 1 ? &x.a : wa == 2 ? &x.s : &x.m) = k;
  return opt_find(j, x);
}

/* The output's mean squared logit change (NAN on failure) and, in *agree, the
 * share of samples (%) whose top-1 class stays the reference's. */
static double sens_run(Job *j, SJob s, double *agree, DlError *e) {
  int *choice = malloc(sizeof(int) * (size_t)j->u.nunits);
  fill(choice, j->u.nunits, j->ref_opt);
  choice[s.u] = ref_option_with(j, s.wa, s.k);
  MlirModule q = quantized(j, choice, e);
  free(choice);
  float *y = NULL;
  int64_t c;
  double r = NAN;
  int64_t n_s = samples_of(j, &j->sens_x), same = 0;
  if (!mlirModuleIsNull(q) && logits(q, &j->sens_x, &y, &c, e)) {
    r = mse(y, j->ref_sens, n_s, c);
    for (int64_t i = 0; i < n_s; i++) same += top1(y + i * c, c) == top1(j->ref_sens + i * c, c);
  }
  *agree = 100.0 * (double)same / (double)n_s;
  free(y);
  if (!mlirModuleIsNull(q)) mlirModuleDestroy(q);
  return r;
}

/* The worker count fork_map runs n tasks on when asked for `workers` (0: one per core). */
static int fork_workers(int workers, int n) {
  if (workers < 1) workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (workers < 1) workers = 1;
  return workers > n ? (n > 0 ? n : 1) : workers;
}

/* Runs task(j, i, arg, out + i * nres, e) for i in [0, n) on `workers`
 * forked processes (0: one per core), each task writing nres doubles, its
 * first NAN on failure; the results land in out as one process would leave
 * them. Each worker is handed the next task when it returns one (tasks
 * differ in cost). The workers inherit everything made so far (the modules,
 * the pruned variants: prepare() them first) and change nothing the parent
 * sees: what they make dies with them. A task's error names what failed; a
 * worker that dies is named by `what` and the task's index. */
typedef bool (*ForkTask)(Job *j, int i, const void *arg, double *res, DlError *e);

static bool fork_map(Job *j, ForkTask task, const void *arg, int n, int nres, int workers, double *out, const char *what,
                     DlError *e) {
  workers = fork_workers(workers, n);
  if (workers <= 1) {
    for (int i = 0; i < n; i++)
      if (!task(j, i, arg, out + (size_t)i * nres, e)) return false;
    return true;
  }
  mlirContextEnableMultithreading(mlirModuleGetContext(j->cal), false); /* no pool threads across fork */
  int (*to)[2] = malloc(sizeof(int[2]) * (size_t)workers), (*from)[2] = malloc(sizeof(int[2]) * (size_t)workers);
  pid_t *pid = malloc(sizeof(pid_t) * (size_t)workers);
  int *doing = malloc(sizeof(int) * (size_t)workers);
  size_t rb = sizeof(double) * (size_t)nres;
  fflush(NULL);
  int started = 0, next = 0, done = 0;
  bool ok = true;
  for (int w = 0; w < workers && ok; w++) {
    if (pipe(to[w]) || pipe(from[w]) || (pid[w] = fork()) < 0) {
      ok = dl_error_set(e, "cannot start a worker: %s", strerror(errno));
      break;
    }
    started++;
    if (pid[w] == 0) { /* worker: a task index in, its nres doubles out (then its error, if it failed) */
      for (int k = 0; k <= w; k++) close(to[k][1]), close(from[k][0]);
      j->in_worker = true;
      DlError ce = {0};
      double *r = malloc(rb);
      int i;
      while (read(to[w][0], &i, sizeof i) == (ssize_t)sizeof i && i >= 0) {
        bool fine = task(j, i, arg, r, &ce);
        if (!fine) r[0] = NAN;
        if (write(from[w][1], r, rb) != (ssize_t)rb) _exit(3);
        if (!fine) {
          const char *msg = ce.msg ? ce.msg : "failed";
          if (write(from[w][1], msg, strlen(msg)) < 0) _exit(3);
          _exit(1);
        }
      }
      _exit(0);
    }
    close(to[w][0]), close(from[w][1]);
    doing[w] = next < n ? next++ : -1;
    if (write(to[w][1], &doing[w], sizeof(int)) != (ssize_t)sizeof(int)) ok = dl_error_set(e, "a worker did not start");
  }
  struct pollfd *pf = malloc(sizeof(struct pollfd) * (size_t)workers);
  while (ok && done < n) {
    int np = 0;
    for (int w = 0; w < started; w++)
      if (doing[w] >= 0) pf[np++] = (struct pollfd){.fd = from[w][0], .events = POLLIN};
    if (poll(pf, (nfds_t)np, -1) < 0) {
      if (errno == EINTR) continue;
      ok = dl_error_set(e, "waiting for the workers: %s", strerror(errno));
      break;
    }
    for (int w = 0, q = 0; ok && w < started; w++) {
      if (doing[w] < 0) continue;
      if (!(pf[q++].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int i = doing[w];
      double *r = out + (size_t)i * nres;
      size_t got = 0;
      ssize_t k = 1;
      while (got < rb && (k = read(from[w][0], (char *)r + got, rb - got)) > 0) got += (size_t)k;
      if (got != rb) ok = dl_error_set(e, "%s %d: its worker died", what, i);
      else if (isnan(r[0])) {
        char msg[512] = "";
        k = read(from[w][0], msg, sizeof msg - 1);
        msg[k > 0 ? k : 0] = 0;
        ok = dl_error_set(e, "%s", msg);
      } else {
        done++;
        doing[w] = next < n ? next++ : -1;
        if (doing[w] >= 0 && write(to[w][1], &doing[w], sizeof(int)) != (ssize_t)sizeof(int))
          ok = dl_error_set(e, "%s %d: its worker died", what, doing[w]);
      }
    }
  }
  for (int w = 0; w < started; w++) { /* stop: an index below 0, or closing the pipe */
    int stop = -1;
    if (!ok) kill(pid[w], SIGTERM);
    else if (write(to[w][1], &stop, sizeof stop) < 0) kill(pid[w], SIGTERM);
    close(to[w][1]), close(from[w][0]);
  }
  for (int w = 0; w < started; w++) waitpid(pid[w], NULL, 0);
  free(to), free(from), free(pid), free(doing), free(pf);
  return ok;
}

static bool sens_task(Job *j, int i, const void *arg, double *r, DlError *e) {
  const SJob *q = &((const SJob *)arg)[i];
  char what[64];
  snprintf(what, sizeof what, "sensitivity of unit %d", q->u);
  r[0] = sens_run(j, *q, &r[1], e);
  return !isnan(r[0]) || dl_error_prefix(e, what);
}

/* Runs the jobs on `workers` forked processes; results in out[2i] (mean
 * squared change) and out[2i + 1] (top-1 agreement). */
static bool sens_all(Job *j, const SJob *jobs, int n, int workers, double *out, DlError *e) {
  double t0 = dl_now();
  int used = fork_workers(workers, n), U = j->u.nunits, np = 0;
  int **pc = calloc((size_t)n + 1, sizeof(int *)); /* the pruned variants, made first */
  for (int i = 0; i < n && used > 1; i++) {
    if (jobs[i].wa != 2) continue;
    pc[np] = malloc(sizeof(int) * (size_t)U);
    fill(pc[np], U, j->ref_opt);
    pc[np++][jobs[i].u] = ref_option_with(j, 2, jobs[i].k);
  }
  bool ok = prepare(j, (const int *const *)pc, np, e) && fork_map(j, sens_task, jobs, n, 2, used, out, "sensitivity run", e);
  for (int i = 0; i < np; i++) free(pc[i]);
  free(pc);
  if (!ok) return false;
  if (j->log) fprintf(j->log, "sensitivity: %d runs on %d worker%s, %.1f s\n", n, used, used == 1 ? "" : "s", dl_now() - t0);
  return true;
}

/* The cost of each step of q in the budget's metric, by the target's model. */
static double metric_of(const DlLayerCost *c, DlBudgetKind k) {
  return k == DL_BUDGET_ENERGY ? c->nj : k == DL_BUDGET_TIME ? c->ns : c->bytes;
}

static bool cost_of(Job *j, MlirModule q, DlBudgetKind k, double *per_unit, double *total, DlError *e) {
  const DlCostModel *cm = j->ps->cost;
  DlLayerCost *lc = NULL;
  int n = 0;
  if (!cm->estimate(q, j->ps->device, &lc, &n, e)) return false;
  if (per_unit) memset(per_unit, 0, sizeof(double) * (size_t)j->u.nunits);
  *total = 0;
  for (int s = 0; s < n; s++) {
    double v = metric_of(&lc[s], k);
    *total += v;
    if (!per_unit) continue;
    for (int i = 0; i < j->u.nops; i++)
      if (j->u.owner[i] >= 0 && !strcmp(j->u.name[i], lc[s].node)) {
        per_unit[j->u.owner[i]] += v;
        break;
      }
  }
  free(lc);
  return true;
}

/* ---- the cache ------------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* h and the contents of the file named by spec up to the first of stop's characters, if it can be read */
static uint64_t fnv_file(uint64_t h, const char *spec, const char *stop) {
  char path[4096], *text;
  size_t len;
  DlError de = {0};
  snprintf(path, sizeof path, "%s", spec);
  path[strcspn(path, stop)] = 0;
  if (access(path, R_OK) == 0 && dl_read_file(path, &text, &len, &de)) h = fnv(h, text, len), free(text);
  dl_error_clear(&de);
  return h;
}

static uint64_t cache_key(Job *j) {
  size_t len;
  char *text = dl_print_op(mlirModuleGetOperation(j->cal), DL_PRINT_LOC, &len);
  uint64_t h = fnv(0xcbf29ce484222325ull, text, len);
  free(text);
  h = fnv(h, j->sens_x.data, (size_t)dl_shape_numel(&j->sens_x.shape) * sizeof(float));
  char s[512];
  int n = snprintf(s, sizeof s, "%d %d %d %d %d %s %s %lld %d|", j->ps->ref_wbits, j->ps->ref_abits, j->ps->nw,
                   j->ps->na, j->ps->ns, j->ps->cost->target, j->ps->device ? j->ps->device : "",
                   (long long)j->ps->prune_samples, (int)wround_of(j));
  h = fnv(h, s, (size_t)n);
  /* what the tables depend on besides the text: dlc's version (its kernels and
   * cost models) and the device file's and multiplier tables' contents, not their paths */
  h = fnv(h, DLC_VERSION, strlen(DLC_VERSION));
  if (j->ps->device) h = fnv_file(h, j->ps->device, ","); /* "FILE.json,key=value" */
  h = fnv(h, j->ps->wbits, sizeof(int) * (size_t)j->ps->nw);
  h = fnv(h, j->ps->sparsity, sizeof(double) * (size_t)j->ps->ns);
  for (int i = 0; i < j->ps->napprox; i++) {
    h = fnv(h, j->ps->approx[i], strlen(j->ps->approx[i]) + 1);
    char path[4096];
    if (dl_approx_table_path(j->ps->approx[i], path, sizeof path)) h = fnv_file(h, path, "");
  }
  if (j->ps->napprox) h = fnv(h, &j->ps->approx_compensate, sizeof j->ps->approx_compensate);
  return fnv(h, j->ps->abits, sizeof(int) * (size_t)j->ps->na);
}

static bool cache_load(const char *path, double *a, int n) {
  char *text;
  size_t len;
  DlError e = {0};
  if (!dl_read_file(path, &text, &len, &e)) return dl_error_clear(&e), false;
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "values"), *s = cJSON_GetObjectItemCaseSensitive(root, "schema");
  bool ok = cJSON_IsString(s) && !strcmp(s->valuestring, DL_SCHEMA_ASSIGN_CACHE) && cJSON_GetArraySize(v) == n;
  for (int i = 0; ok && i < n; i++) {
    cJSON *x = cJSON_GetArrayItem(v, i);
    ok = cJSON_IsNumber(x) || cJSON_IsNull(x);
    if (ok) a[i] = cJSON_IsNull(x) ? NAN : x->valuedouble;
  }
  cJSON_Delete(root);
  return ok;
}

static void cache_store(const char *path, const double *a, int n) {
  DlBuf b = {0};
  dl_buf_printf(&b, "{\"schema\": \"%s\", \"values\": [", DL_SCHEMA_ASSIGN_CACHE);
  for (int i = 0; i < n; i++) {
    if (isnan(a[i])) dl_buf_printf(&b, "%snull", i ? ", " : "");
    else dl_buf_printf(&b, "%s%.17g", i ? ", " : "", a[i]);
  }
  dl_buf_printf(&b, "]}\n");
  DlError e = {0};
  dl_write_file_now(path, b.data, b.len, &e); /* a cache that cannot be written is only slower; kept when the run fails */
  dl_error_clear(&e);
  dl_buf_free(&b);
}

/* ---- measured points --------------------------------------------------------------- */

typedef struct {
  int *choice;
  double pred_sens, pred_cost; /* the tables' sums */
  double acc, loss, se, cost;  /* measured: held-out accuracy, its loss and standard error, the cost model's total */
  double bound;                /* the knapsack bound that gave it (-1: not the knapsack) */
  int sweep;                   /* 1: the measured tables' sweep, 2: the refitted tables' (0: neither) */
  const char *how;             /* "reference", "uniform", "knapsack", "rl" */
  bool front, chosen;
} Point;

typedef struct {
  Point *p;
  int n;
} Points;

static bool measure(Job *j, const int *choice, DlBudgetKind k, Point *pt, DlError *e) {
  MlirModule q = quantized(j, choice, e);
  if (mlirModuleIsNull(q)) return false;
  float *y = NULL;
  int64_t c;
  bool ok = logits(q, &j->hold_x, &y, &c, e) && cost_of(j, q, k, NULL, &pt->cost, e);
  if (ok) pt->acc = accuracy(j, y, samples_of(j, &j->hold_x), &pt->se), pt->loss = j->ref_acc - pt->acc;
  free(y);
  mlirModuleDestroy(q);
  return ok;
}

static int find_point(const Points *ps, const int *choice, int nunits) {
  for (int i = 0; i < ps->n; i++)
    if (!memcmp(ps->p[i].choice, choice, sizeof(int) * (size_t)nunits)) return i;
  return -1;
}

static Point *add_point(Points *ps, const int *choice, int nunits) {
  ps->p = realloc(ps->p, sizeof(Point) * (size_t)(ps->n + 1));
  Point *p = &ps->p[ps->n++];
  memset(p, 0, sizeof *p);
  p->choice = malloc(sizeof(int) * (size_t)nunits);
  memcpy(p->choice, choice, sizeof(int) * (size_t)nunits);
  p->bound = -1;
  return p;
}

/* A new point for choice ch found by `how` at `bound`: predicted by the
 * tables (plus the fixed cost), then measured. Its index, or -2 on failure. */
static int add_measured(Job *j, const DlMckp *mk, double fixed, Points *pts, const int *ch, const char *how,
                        double bound, DlBudgetKind k, DlError *e) {
  Point *p = add_point(pts, ch, mk->nunits);
  p->how = how, p->bound = bound, p->sweep = j->sweep;
  dl_mckp_totals(mk, ch, &p->pred_sens, &p->pred_cost);
  p->pred_cost += fixed;
  return measure(j, ch, k, p, e) ? pts->n - 1 : -2;
}

/* The point the knapsack found with this choice, or -1. */
static int find_knapsack(const Points *ps, const int *choice, int nunits) {
  for (int i = 0; i < ps->n; i++)
    if (!strcmp(ps->p[i].how, "knapsack") && !memcmp(ps->p[i].choice, choice, sizeof(int) * (size_t)nunits)) return i;
  return -1;
}

/* The knapsack at sensitivity bound tau, measured (or found among the points
 * measured already). Returns its index, -1 on failure (or none feasible). */
static int knapsack_point(Job *j, const DlMckp *mk, double fixed, Points *pts, double tau, DlBudgetKind k,
                          DlError *e) {
  int *ch = malloc(sizeof(int) * (size_t)mk->nunits);
  int i = -1;
  if (dl_mckp_solve(mk, tau, -1, 2000, ch)) {
    i = find_knapsack(pts, ch, mk->nunits);
    if (i < 0) i = add_measured(j, mk, fixed, pts, ch, "knapsack", tau, k, e);
  }
  free(ch);
  return i;
}

/* A point measured in a worker: r[0] its cost, r[1] its held-out accuracy, r[2] that's standard error. */
static bool measure_task(Job *j, int i, const void *arg, double *r, DlError *e) {
  Point pt = {0};
  if (!measure(j, ((const Points *)arg)->p[i].choice, j->sweep_kind, &pt, e)) return false;
  r[0] = pt.cost, r[1] = pt.acc, r[2] = pt.se;
  return true;
}

/* knapsack_point at each of the n bounds tau[i], into at[i]: the choices
 * first, then every new one measured at once (on the workers), added in the
 * bounds' order; false on failure. */
static bool knapsack_points(Job *j, const DlMckp *mk, double fixed, Points *pts, const double *tau, int n, DlBudgetKind k,
                            int *at, DlError *e) {
  int U = mk->nunits, *ch = malloc(sizeof(int) * (size_t)(U + 1)), first = pts->n;
  for (int i = 0; i < n; i++) {
    at[i] = -1;
    if (!dl_mckp_solve(mk, tau[i], -1, 2000, ch)) continue;
    if ((at[i] = find_knapsack(pts, ch, U)) >= 0) continue;
    Point *p = add_point(pts, ch, U);
    p->how = "knapsack", p->bound = tau[i], p->sweep = j->sweep;
    dl_mckp_totals(mk, ch, &p->pred_sens, &p->pred_cost);
    p->pred_cost += fixed;
    at[i] = pts->n - 1;
  }
  free(ch);
  int fresh = pts->n - first;
  double *r = malloc(sizeof(double) * (size_t)(3 * fresh + 1));
  Points view = {pts->p + first, fresh};
  j->sweep_kind = k;
  /* one choice per distinct set of sparsities: its pruned variant, made first */
  int workers = fork_workers(j->ps->jobs, fresh), np = 0;
  const int **pc = calloc((size_t)fresh + 1, sizeof(int *));
  for (int i = 0; i < fresh && workers > 1; i++) {
    const int *c = view.p[i].choice;
    bool pruned = false, seen = false;
    for (int u = 0; u < U; u++) pruned |= opt_s(j, c[u]) > 0;
    for (int q = 0; pruned && !seen && q < np; q++) {
      seen = true;
      for (int u = 0; seen && u < U; u++) seen = opt_s(j, pc[q][u]) == opt_s(j, c[u]);
    }
    if (pruned && !seen) pc[np++] = c;
  }
  bool ok = prepare(j, (const int *const *)pc, np, e) &&
            fork_map(j, measure_task, &view, fresh, 3, workers, r, "measured point", e);
  free(pc);
  for (int i = 0; ok && i < fresh; i++) {
    Point *p = &pts->p[first + i];
    p->cost = r[3 * i], p->acc = r[3 * i + 1], p->se = r[3 * i + 2], p->loss = j->ref_acc - p->acc;
  }
  free(r);
  return ok;
}

/* Whether a measured point keeps a loss budget: its loss plus `margin`
 * standard errors. */
static bool within(const Point *p, const DlPrecisionSettings *ps) { return p->loss + ps->margin * p->se <= ps->value; }

/* Marks the Pareto front: no other point is both cheaper (or as cheap) and
 * more accurate (or as accurate), with one of the two strictly. */
static void mark_front(Points *ps) {
  for (int i = 0; i < ps->n; i++) {
    Point *a = &ps->p[i];
    a->front = true;
    for (int k = 0; k < ps->n && a->front; k++) {
      const Point *b = &ps->p[k];
      if (k != i && b->cost <= a->cost && b->acc >= a->acc && (b->cost < a->cost || b->acc > a->acc)) a->front = false;
    }
  }
}

/* ---- outputs ----------------------------------------------------------------------- */

static const char *unit_name(const Job *j, int u) { return j->u.name[j->u.unit_op[u]]; }

/* sep, then s as a JSON string */
static void json_str(DlBuf *b, const char *sep, const char *s) {
  dl_buf_printf(b, "%s\"", sep);
  for (const char *c = s; *c; c++) dl_buf_printf(b, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
  dl_buf_printf(b, "\"");
}

static bool write_config(const Job *j, const int *choice, int64_t ncal, const char *path, DlError *e) {
  const DlQuantSettings *qs = j->qs;
  DlBuf b = {0};
  dl_buf_printf(&b, "{\n  \"schema\": \"%s\",\n  \"defaults\": {\"wbits\": %d, \"abits\": %d, \"granularity\": \"%s\", \"scheme\": \"%s\", "
                    "\"pow2\": %s, ", DL_SCHEMA_CONFIG, j->ps->ref_wbits, j->ps->ref_abits, qs->per_tensor ? "per_tensor" : "per_channel",
                qs->symmetric ? "symmetric" : "asymmetric", qs->pow2 ? "true" : "false");
  if (qs->wclip != DL_WCLIP_AUTO) dl_buf_printf(&b, "\"wclip\": \"%s\", ", dl_wclip_name(qs->wclip));
  if (wround_of(j) != DL_WROUND_NEAREST) dl_buf_printf(&b, "\"weight_rounding\": \"%s\", ", dl_wround_name(wround_of(j)));
  if (qs->calib.method == DL_CALIB_PERCENTILE) dl_buf_printf(&b, "\"calibration\": \"percentile=%.17g\", ", qs->calib.percentile);
  else dl_buf_printf(&b, "\"calibration\": \"%s\", ", dl_calib_method_name(qs->calib.method));
  bool pruned = false, approx = false;
  for (int u = 0; u < j->u.nunits; u++) pruned |= opt_s(j, choice[u]) > 0, approx |= opt_m(j, choice[u]) != NULL;
  if (pruned) dl_buf_printf(&b, "\"prune_compensation\": \"reconstruct\", ");
  if (approx && j->ps->approx_compensate) dl_buf_printf(&b, "\"approx_compensate\": true, ");
  if (pruned && j->ps->prune_samples > 0 && j->ps->prune_samples < ncal) /* else: on all calibration samples */
    dl_buf_printf(&b, "\"prune_samples\": %lld, ", (long long)j->ps->prune_samples);
  dl_buf_printf(&b, "\"calibration_samples\": %lld},\n  \"nodes\": {", (long long)ncal);
  int written = 0, *out = choice_out_widths(j, choice);
  for (int i = 0; i < j->u.nops; i++) {
    int u = j->u.owner[i];
    if (u < 0 || !j->u.name[i][0]) continue;
    bool dup = false; /* one entry per node name (several ops may come from one node) */
    for (int k = 0; k < i && !dup; k++) dup = j->u.owner[k] >= 0 && !strcmp(j->u.name[k], j->u.name[i]);
    if (dup) continue;
    dl_buf_printf(&b, "%s\n    \"", written++ ? "," : "");
    for (const char *c = j->u.name[i]; *c; c++) dl_buf_printf(&b, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
    dl_buf_printf(&b, "\": {\"wbits\": %d, \"abits\": %d", opt_w(j, choice[u]), out[u]);
    if (opt_s(j, choice[u]) > 0 && is_layer(j->u.ops[i])) dl_buf_printf(&b, ", \"prune\": \"unstructured:%g\"", opt_s(j, choice[u]));
    if (j->ps->napprox && is_layer(j->u.ops[i])) /* searched: exact said too, over any "approx" in the defaults */
      json_str(&b, ", \"approx\": ", opt_mname(j, choice[u]));
    dl_buf_printf(&b, "}");
  }
  free(out);
  dl_buf_printf(&b, "\n  }\n}\n");
  bool ok = dl_write_file_atomic(path, b.data, b.len, e);
  dl_buf_free(&b);
  return ok;
}

static void json_choice(DlBuf *b, const Job *j, const int *choice) {
  dl_buf_printf(b, "{");
  for (int u = 0; u < j->u.nunits; u++) {
    dl_buf_printf(b, "%s\"", u ? ", " : "");
    for (const char *c = unit_name(j, u); *c; c++) dl_buf_printf(b, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
    dl_buf_printf(b, "\": [%d, %d, %g", opt_w(j, choice[u]), opt_a(j, choice[u]), opt_s(j, choice[u]));
    if (j->ps->napprox) json_str(b, ", ", opt_mname(j, choice[u]));
    dl_buf_printf(b, "]");
  }
  dl_buf_printf(b, "}");
}

typedef struct {
  double bound; /* sensitivity bound (loss budgets) or cost bound */
  bool on_cost;
  double dp_obj, rl_obj, dp_ms, rl_ms; /* objective: the tables' cost (or sensitivity); NAN when infeasible */
  bool rl_ok;                          /* the RL found a feasible choice */
} Versus;

static bool write_pareto(const Job *j, const Points *pts, const double *sens, const double *cost, const Versus *vs,
                         int nvs, DlBudgetKind k, const char *path, DlError *e) {
  DlBuf b = {0};
  int U = j->u.nunits, O = j->nopts;
  dl_buf_printf(&b, "{\n  \"schema\": \"%s\",\n  \"target\": \"%s\", \"cost\": \"%s\", \"unit\": \"%s per sample\",\n", DL_SCHEMA_ASSIGN_PARETO, j->ps->cost->target,
                kind_names[k], kind_units[k]);
  dl_buf_printf(&b, "  \"accuracy\": \"%s on %lld held-out samples (%%)\",\n",
                j->hold_y ? "top-1 accuracy" : "top-1 agreement with the reference", (long long)samples_of(j, &j->hold_x));
  dl_buf_printf(&b, "  \"reference\": {\"wbits\": %d, \"abits\": %d, \"accuracy\": %.4f},\n", j->ps->ref_wbits,
                j->ps->ref_abits, j->ref_acc);
  dl_buf_printf(&b, "  \"points\": [");
  for (int i = 0; i < pts->n; i++) {
    const Point *p = &pts->p[i];
    dl_buf_printf(&b, "%s\n    {\"how\": \"%s\", \"cost\": %.6g, \"accuracy\": %.4f, \"loss\": %.4f, \"standard_error\": %.4f, "
                      "\"predicted_cost\": %.6g, \"predicted_sensitivity\": %.6g, \"bound\": %.6g, \"front\": %s, "
                      "\"sweep\": %d, \"chosen\": %s, \"layers\": ", i ? "," : "", p->how, p->cost, p->acc, p->loss, p->se, p->pred_cost,
                  p->pred_sens, p->bound, p->front ? "true" : "false", p->sweep, p->chosen ? "true" : "false");
    json_choice(&b, j, p->choice);
    dl_buf_printf(&b, "}");
  }
  dl_buf_printf(&b, "\n  ],\n  \"knapsack_vs_rl\": [");
  /* the file is deterministic: the solvers' wall-clock times go to the log only */
  for (int i = 0; i < nvs; i++) {
    dl_buf_printf(&b, "%s\n    {\"bound_on\": \"%s\", \"bound\": %.6g, \"knapsack\": %.6g, \"rl\": %.6g}", i ? "," : "",
                  vs[i].on_cost ? "cost" : "sensitivity", vs[i].bound, isnan(vs[i].dp_obj) ? -1 : vs[i].dp_obj,
                  isnan(vs[i].rl_obj) ? -1 : vs[i].rl_obj);
    if (j->log)
      fprintf(j->log, "knapsack vs rl at bound %.6g on %s: %.3f ms vs %.3f ms\n", vs[i].bound,
              vs[i].on_cost ? "cost" : "sensitivity", vs[i].dp_ms, vs[i].rl_ms);
  }
  dl_buf_printf(&b, "\n  ],\n  \"layers\": [");
  for (int u = 0; u < U; u++) {
    dl_buf_printf(&b, "%s\n    {\"node\": \"", u ? "," : "");
    for (const char *c = unit_name(j, u); *c; c++) dl_buf_printf(&b, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
    const DlPrecisionSettings *ps = j->ps;
    int nw = ps->nw, na = ps->na, ns = ps->ns, nx = ps->napprox, np = U * (nw + na + ns + nx);
    const double *sw = j->tab, *sa = sw + U * nw, *ss = sa + U * na, *sm = ss + U * ns;
    dl_buf_printf(&b, "\", \"sensitivity\": {\"wbits\": {");
    for (int i = 0; i < nw; i++)
      dl_buf_printf(&b, "%s\"%d\": [%.6g, %.4f]", i ? ", " : "", ps->wbits[i], sw[u * nw + i], sw[np + u * nw + i]);
    dl_buf_printf(&b, "}, \"abits\": {");
    for (int i = 0; i < na; i++)
      dl_buf_printf(&b, "%s\"%d\": [%.6g, %.4f]", i ? ", " : "", ps->abits[i], sa[u * na + i], sa[np + u * na + i]);
    dl_buf_printf(&b, "}, \"sparsity\": {");
    for (int i = 0; i < ns; i++)
      dl_buf_printf(&b, "%s\"%g\": [%.6g, %.4f]", i ? ", " : "", ps->sparsity[i], ss[u * ns + i], ss[np + u * ns + i]);
    if (nx) dl_buf_printf(&b, "}, \"multiplier\": {");
    for (int i = 0; i < nx; i++) {
      json_str(&b, i ? ", " : "", ps->approx[i]);
      dl_buf_printf(&b, ": [%.6g, %.4f]", sm[u * nx + i], sm[np + u * nx + i]);
    }
    dl_buf_printf(&b, "}}, \"options\": [");
    for (int o = 0; o < O; o++) {
      dl_buf_printf(&b, "%s[%d, %d, %g", o ? ", " : "", opt_w(j, o), opt_a(j, o), opt_s(j, o));
      if (nx) json_str(&b, ", ", opt_mname(j, o));
      dl_buf_printf(&b, ", %.6g, %.6g]", sens[u * O + o], cost[u * O + o]);
    }
    dl_buf_printf(&b, "]}");
  }
  if (j->fit_points)
    dl_buf_printf(&b, "\n  ],\n  \"refit\": {\"weights\": %.6g, \"activations\": %.6g, \"sparsity\": %.6g, \"points\": %d, "
                      "\"rms_residual\": %.4f},\n  \"options_are\": [\"wbits\", \"abits\", \"sparsity\", %s\"sensitivity "
                      "(predicted points of loss: the refit's weights times the mean squared logit changes)\", \"cost\"],",
                  j->alpha[0], j->alpha[1], j->alpha[2], j->fit_points, j->fit_rms, j->ps->napprox ? "\"multiplier\", " : "");
  else
    dl_buf_printf(&b, "\n  ],\n  \"options_are\": [\"wbits\", \"abits\", \"sparsity\", %s\"sensitivity (mean squared logit change)\", "
                      "\"cost\"],", j->ps->napprox ? "\"multiplier\", " : "");
  dl_buf_printf(&b, "\n  \"sensitivity_is\": [\"mean squared logit change\", \"top-1 agreement with the reference (%%)\"]\n}\n");
  bool ok = dl_write_file_atomic(path, b.data, b.len, e);
  dl_buf_free(&b);
  return ok;
}

/* ---- refitting the tables to the measurements --------------------------------------- */

/* Unit u's option o in the measured tables (j->tab): the mean squared logit
 * change of its weight width, its activation width and its sparsity. An
 * approximate multiplier's change counts with the weights': both perturb
 * each product, and the refit keeps three kinds. */
static void option_parts(const Job *j, int u, int o, double out[3]) {
  const DlPrecisionSettings *ps = j->ps;
  int U = j->u.nunits, nw = ps->nw, na = ps->na, ns = ps->ns, nx = ps->napprox;
  const double *sw = j->tab, *sa = sw + U * nw, *ss = sa + U * na, *sm = ss + U * ns;
  const DlOption4 *x = &j->opt[o];
  out[0] = sw[u * nw + x->w] + (x->m >= 0 ? sm[u * nx + x->m] : 0), out[1] = sa[u * na + x->a], out[2] = ss[u * ns + x->s];
}

/* Every option's sensitivity: its three parts weighted by alpha. */
static void compose_sens(const Job *j, const double alpha[3], double *sens) {
  int U = j->u.nunits, O = j->nopts;
  double p[3];
  for (int u = 0; u < U; u++)
    for (int o = 0; o < O; o++) {
      option_parts(j, u, o, p);
      sens[u * O + o] = alpha[0] * p[0] + alpha[1] * p[1] + alpha[2] * p[2];
    }
}

/* A choice's three kinds of summed sensitivity (option_parts over its units). */
static void kind_sums(const Job *j, const int *choice, double out[3]) {
  double p[3];
  out[0] = out[1] = out[2] = 0;
  for (int u = 0; u < j->u.nunits; u++) {
    option_parts(j, u, choice[u], p);
    out[0] += p[0], out[1] += p[1], out[2] += p[2];
  }
}

/* Least squares of y on the columns of x[n][3] in `mask` (a subset of the
 * three), no intercept; false when singular. Coefficients in a[3], the sum
 * of squared residuals in *r. */
static bool lsq3(const double (*x)[3], const double *y, int n, int mask, double a[3], double *r) {
  int col[3], m = 0;
  for (int k = 0; k < 3; k++)
    if (mask >> k & 1) col[m++] = k;
  double A[3][4] = {{0}};
  for (int i = 0; i < n; i++)
    for (int r0 = 0; r0 < m; r0++) {
      for (int c = 0; c < m; c++) A[r0][c] += x[i][col[r0]] * x[i][col[c]];
      A[r0][m] += x[i][col[r0]] * y[i];
    }
  for (int c = 0; c < m; c++) { /* Gauss-Jordan with partial pivoting */
    int piv = c;
    for (int r0 = c + 1; r0 < m; r0++)
      if (fabs(A[r0][c]) > fabs(A[piv][c])) piv = r0;
    if (fabs(A[piv][c]) < 1e-12) return false;
    for (int k = 0; k <= m; k++) {
      double t = A[c][k];
      A[c][k] = A[piv][k], A[piv][k] = t;
    }
    for (int r0 = 0; r0 < m; r0++)
      if (r0 != c)
        for (int k = m; k >= c; k--) A[r0][k] -= A[r0][c] / A[c][c] * A[c][k];
  }
  a[0] = a[1] = a[2] = 0;
  for (int c = 0; c < m; c++) a[col[c]] = A[c][m] / A[c][c];
  *r = 0;
  for (int i = 0; i < n; i++) {
    double d = y[i] - a[0] * x[i][0] - a[1] * x[i][1] - a[2] * x[i][2];
    *r += d * d;
  }
  return true;
}

/* The measured tables weigh the three kinds of error in one currency, the
 * mean squared logit change, but they do not cost accuracy alike: on the
 * ResNet, 5-bit activations everywhere (summed change 1.7) lose 0.1 points
 * held out where 3- and 4-bit weights on a few layers (0.5) lose 0.7. Fits
 * loss ~ alpha_w S_w + alpha_a S_a + alpha_s S_s over the measured points
 * (loss at most 5 points: past that the sum stops predicting), with every
 * alpha > 0 (nonnegative least squares over the subsets of the three, then
 * a kind the fit drops or never saw gets a tenth of the one-scale fit, so no
 * kind looks free), and rewrites sens in points of loss. False (sens
 * untouched) with too few points to fit. */
static bool refit(const Job *j, const Points *pts, double *sens, double alpha[3], int *npts, double *rms) {
  int n = 0;
  double (*x)[3] = malloc(sizeof(double[3]) * (size_t)(pts->n + 1)), *y = malloc(sizeof(double) * (size_t)(pts->n + 1));
  for (int i = 0; i < pts->n; i++) {
    const Point *p = &pts->p[i];
    if (!isfinite(p->loss) || p->loss > 5 || !strcmp(p->how, "reference")) continue;
    kind_sums(j, p->choice, x[n]);
    y[n++] = p->loss;
  }
  double best = INFINITY, r, a[3], one, ss = 0, sy = 0;
  for (int i = 0; i < n; i++) {
    double t = x[i][0] + x[i][1] + x[i][2];
    ss += t * t, sy += t * y[i];
  }
  one = ss > 0 ? sy / ss : 0;
  for (int mask = 1; n >= 4 && one > 0 && mask < 8; mask++)
    if (lsq3((const double (*)[3])x, y, n, mask, a, &r) && a[0] >= 0 && a[1] >= 0 && a[2] >= 0 && r < best)
      best = r, alpha[0] = a[0], alpha[1] = a[1], alpha[2] = a[2];
  free(x), free(y);
  if (!isfinite(best)) return false;
  for (int k = 0; k < 3; k++) alpha[k] = fmax(alpha[k], one / 10);
  *npts = n, *rms = sqrt(best / n);
  compose_sens(j, alpha, sens);
  return true;
}

/* The sweep's range: the smallest nonzero sensitivity, and the largest total. */
static void sens_range(const double *sens, int U, int O, double *smin, double *smax) {
  *smax = 0, *smin = INFINITY;
  for (int u = 0; u < U; u++) {
    double mx = 0;
    for (int o = 0; o < O; o++) {
      mx = fmax(mx, sens[u * O + o]);
      if (sens[u * O + o] > 0) *smin = fmin(*smin, sens[u * O + o]);
    }
    *smax += mx;
  }
}

/* ---- the job ------------------------------------------------------------------------ */

/* The option of widths w/a, unpruned, exact. */
static int opt_index(const Job *j, int w, int a) {
  for (int o = 0; o < j->nopts; o++)
    if (opt_w(j, o) == w && opt_a(j, o) == a && j->opt[o].s == 0 && j->opt[o].m < 0) return o;
  return -1;
}

/* A shard of the tables (--assign-shard): its values and which it measured. */
static void shard_store(const char *path, const double *a, const unsigned char *mask, int n, int shard, int nshards,
                        DlError *e) {
  DlBuf b = {0};
  dl_buf_printf(&b, "{\"schema\": \"%s\", \"shard\": \"%d/%d\", \"values\": [", DL_SCHEMA_ASSIGN_CACHE, shard, nshards);
  for (int i = 0; i < n; i++) {
    if (isnan(a[i]) || !mask[i]) dl_buf_printf(&b, "%snull", i ? ", " : "");
    else dl_buf_printf(&b, "%s%.17g", i ? ", " : "", a[i]);
  }
  dl_buf_printf(&b, "], \"measured\": [");
  for (int i = 0; i < n; i++) dl_buf_printf(&b, "%s%d", i ? ", " : "", mask[i]);
  dl_buf_printf(&b, "]}\n");
  dl_write_file_now(path, b.data, b.len, e);
  dl_buf_free(&b);
}

/* The values shard file `path` measured, over a (the others left). */
static bool shard_merge(const char *path, double *a, int n, DlError *e) {
  char *text;
  size_t len;
  if (!dl_read_file(path, &text, &len, e))
    return dl_error_prefix(e, "--assign-merge (run each --assign-shard=I/N with the same options and --assign-cache first)");
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "values"), *m = cJSON_GetObjectItemCaseSensitive(root, "measured");
  cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "schema");
  bool ok = cJSON_IsString(sc) && !strcmp(sc->valuestring, DL_SCHEMA_ASSIGN_CACHE) && cJSON_GetArraySize(v) == n &&
            cJSON_GetArraySize(m) == n;
  for (int i = 0; ok && i < n; i++) {
    cJSON *x = cJSON_GetArrayItem(v, i), *k = cJSON_GetArrayItem(m, i);
    ok = (cJSON_IsNumber(x) || cJSON_IsNull(x)) && cJSON_IsNumber(k);
    if (ok && k->valueint) a[i] = cJSON_IsNull(x) ? NAN : x->valuedouble;
  }
  cJSON_Delete(root);
  return ok || dl_error_set(e, "%s: not a table shard of this search", path);
}

/* A cost table's column: the uniform option o0 + i quantized, its cost by
 * the target's model (r[0] the total, r[2 + u] unit u's) and its held-out
 * accuracy (r[1]; NAN for a pruned option: only its costs are worth the time). */
typedef struct {
  DlBudgetKind k;
  int o0;
} CostArg;

static bool cost_task(Job *j, int i, const void *arg, double *r, DlError *e) {
  const CostArg *ca = arg;
  int o = ca->o0 + i, U = j->u.nunits, *ch = malloc(sizeof(int) * (size_t)(U + 1));
  fill(ch, U, o);
  MlirModule q = quantized(j, ch, e);
  free(ch);
  float *y = NULL;
  int64_t c;
  bool ok = !mlirModuleIsNull(q) && cost_of(j, q, ca->k, r + 2, &r[0], e) && (opt_s(j, o) > 0 || logits(q, &j->hold_x, &y, &c, e));
  if (ok) r[1] = opt_s(j, o) > 0 ? NAN : accuracy(j, y, samples_of(j, &j->hold_x), NULL);
  free(y);
  if (!mlirModuleIsNull(q)) mlirModuleDestroy(q);
  char what[96];
  snprintf(what, sizeof what, "cost table of %d/%d sparsity %g multiplier %.40s", opt_w(j, o), opt_a(j, o), opt_s(j, o),
           opt_mname(j, o));
  return ok || dl_error_prefix(e, what);
}

/* Sensitivity and cost tables: from the cache, or measured (and cached). */
static bool tables(Job *j, DlBudgetKind k, double *sens, double *cost, double *fixed, Points *pts, DlError *e) {
  int U = j->u.nunits, O = j->nopts, nw = j->ps->nw, na = j->ps->na, ns = j->ps->ns, nx = j->ps->napprox;
  int NP = nw + na + ns + nx, nv = 2 * U * NP + U * O + 3 * O;
  double *v = calloc((size_t)nv, sizeof(double));
  /* per unit: mean squared change of each weight width, activation width,
   * sparsity and approximate multiplier, then the top-1 agreement of each;
   * then the cost tables */
  double *sw = v, *sa = v + U * nw, *ss = sa + U * na, *sm = ss + U * ns, *uc = sm + U * nx + U * NP, *fx = uc + U * O,
         *uacc = fx + O, *utot = uacc + O;
  for (int i = 0; i < U * NP; i++) v[U * NP + i] = 100; /* the reference agrees */
  j->tab = v;
  char path[1024] = "";
  if (j->ps->cache) {
    mkdir(j->ps->cache, 0777);
    uint64_t h = cache_key(j);
    h = fnv(h, j->hold_x.data, (size_t)dl_shape_numel(&j->hold_x.shape) * sizeof(float));
    if (j->hold_y) h = fnv(h, j->hold_y, sizeof(int64_t) * (size_t)samples_of(j, &j->hold_x));
    h = fnv(h, kind_names[k], strlen(kind_names[k]));
    snprintf(path, sizeof path, "%s/precision-%016llx.json", j->ps->cache, (unsigned long long)h);
  }
  int nshards = j->ps->nshards, shard = j->ps->shard;
  bool cached = !nshards && path[0] && cache_load(path, v, nv), ok = true;
  if (cached && j->log) fprintf(j->log, "tables: from %s\n", path);
  for (int i = 0; !cached && ok && i < j->ps->merge_shards; i++) { /* --assign-merge: the shards' values */
    char sp[1100];
    snprintf(sp, sizeof sp, "%.*s.shard-%d-of-%d.json", (int)strlen(path) - 5, path, i, j->ps->merge_shards);
    ok = shard_merge(sp, v, nv, e);
    if (ok && i + 1 == j->ps->merge_shards) {
      cached = true;
      cache_store(path, v, nv);
      if (j->log) fprintf(j->log, "tables: merged from %d shards into %s\n", j->ps->merge_shards, path);
    }
  }
  unsigned char *mask = nshards ? calloc((size_t)nv, 1) : NULL;
  if (!cached && ok) {
    SJob *jobs = malloc(sizeof(SJob) * (size_t)(U * NP));
    int n = 0;
    for (int u = 0; u < U; u++) {
      for (int i = 0; i < nw; i++)
        if (j->ps->wbits[i] != j->ps->ref_wbits) jobs[n++] = (SJob){u, 0, i};
      for (int i = 0; i < na; i++)
        if (j->ps->abits[i] != j->ps->ref_abits) jobs[n++] = (SJob){u, 1, i};
      for (int i = 0; i < ns; i++)
        if (j->ps->sparsity[i] > 0) jobs[n++] = (SJob){u, 2, i};
      for (int i = 0; i < nx; i++) jobs[n++] = (SJob){u, 3, i};
    }
    int j0 = 0, j1 = n, o0 = 0, o1 = O; /* a shard: contiguous blocks of the jobs and of the options */
    if (nshards) j0 = n * shard / nshards, j1 = n * (shard + 1) / nshards, o0 = O * shard / nshards, o1 = O * (shard + 1) / nshards;
    double *r = malloc(sizeof(double) * (size_t)(2 * n + 1));
    ok = j1 == j0 || sens_all(j, jobs + j0, j1 - j0, j->ps->jobs, r, e);
    for (int i = j0; ok && i < j1; i++) {
      const SJob *q = &jobs[i];
      double *at = q->wa == 0   ? &sw[q->u * nw + q->k]
                   : q->wa == 1 ? &sa[q->u * na + q->k]
                   : q->wa == 2 ? &ss[q->u * ns + q->k]
                                : &sm[q->u * nx + q->k];
      at[0] = r[2 * (i - j0)], at[U * NP] = r[2 * (i - j0) + 1];
      if (mask) mask[at - v] = mask[at + U * NP - v] = 1;
    }
    free(jobs), free(r);
    double t0 = dl_now(), *cr = malloc(sizeof(double) * (size_t)((o1 - o0) * (U + 2) + 1));
    CostArg ca = {k, o0};
    int no = o1 - o0, cw = fork_workers(j->ps->jobs, no), **pc = calloc((size_t)ns + 1, sizeof(int *)), np = 0;
    for (int s = 1; s < ns && cw > 1; s++) { /* the uniformly pruned variants, made first */
      int o = -1;
      for (int i = o0; i < o1 && o < 0; i++) o = j->opt[i].s == s ? i : -1;
      if (o < 0) continue;
      pc[np] = malloc(sizeof(int) * (size_t)U);
      fill(pc[np++], U, o);
    }
    ok = ok && prepare(j, (const int *const *)pc, np, e) &&
         fork_map(j, cost_task, &ca, no, U + 2, cw, cr, "cost table of option", e);
    for (int i = 0; i < np; i++) free(pc[i]);
    free(pc);
    for (int o = o0; ok && o < o1; o++) { /* cost at each uniform option, and its held-out accuracy */
      const double *r = cr + (size_t)(o - o0) * (U + 2);
      utot[o] = r[0], uacc[o] = r[1], fx[o] = utot[o];
      for (int u = 0; u < U; u++) uc[u * O + o] = r[2 + u], fx[o] -= r[2 + u];
      if (mask) {
        mask[fx + o - v] = mask[uacc + o - v] = mask[utot + o - v] = 1;
        for (int u = 0; u < U; u++) mask[uc + u * O + o - v] = 1;
      }
    }
    free(cr);
    if (ok && j->log) fprintf(j->log, "cost tables: %d uniform configurations, %.1f s\n", o1 - o0, dl_now() - t0);
    if (ok && nshards) { /* the shard is the whole product: no search */
      char sp[1100];
      snprintf(sp, sizeof sp, "%.*s.shard-%d-of-%d.json", (int)strlen(path) - 5, path, shard, nshards);
      shard_store(sp, v, mask, nv, shard, nshards, e);
      if (j->log) fprintf(j->log, "tables: shard %d/%d (%d of %d sensitivity runs, %d of %d options) in %s\n", shard, nshards,
                          j1 - j0, n, o1 - o0, O, sp);
      free(mask);
      return !dl_error_is_set(e);
    }
    if (ok && path[0]) cache_store(path, v, nv);
  }
  free(mask);
  if (ok) {
    static const double ones[3] = {1, 1, 1}; /* the parts' sum: independent noise, their output variances add */
    compose_sens(j, ones, sens);
    memcpy(cost, uc, sizeof(double) * (size_t)(U * O));
  }
  *fixed = fx[j->ref_opt];
  int *ch = malloc(sizeof(int) * (size_t)U);
  for (int o = 0; ok && o < O; o++) { /* every unpruned uniform option is a point of the plot */
    if (opt_s(j, o) > 0) continue;
    fill(ch, U, o);
    Point *p = add_point(pts, ch, U);
    p->how = o == j->ref_opt ? "reference" : "uniform";
    p->acc = uacc[o], p->loss = j->ref_acc - uacc[o], p->cost = utot[o];
    p->pred_cost = fx[j->ref_opt];
    for (int u = 0; u < U; u++) p->pred_sens += sens[u * O + o], p->pred_cost += cost[u * O + o];
  }
  free(ch);
  return ok;
}

/* The knapsack and the RL search at budget i of the comparison (step 6):
 * independent of the others (the RL seeded by i), so they run on threads. */
typedef struct {
  const DlMckp *mk;
  Versus *vs;
  int *rl;              /* nb x units: the RL's choices */
  const double *bounds;
  int nb;
  bool last_on_cost;    /* the last bound is the cost budget used */
  int episodes;
} VsRun;

static bool versus_one(void *u, int w, int64_t i) {
  (void)w;
  const VsRun *r = u;
  const DlMckp *mk = r->mk;
  bool on_cost = i == r->nb - 1 && r->last_on_cost;
  double sb = on_cost ? -1 : r->bounds[i], cb = on_cost ? r->bounds[i] : -1, s = 0, c = 0, t = dl_now();
  int *ch = malloc(sizeof(int) * (size_t)(mk->nunits + 1)), *rl = r->rl + (size_t)i * mk->nunits;
  Versus *v = &r->vs[i];
  v->bound = r->bounds[i], v->on_cost = on_cost;
  bool f = dl_mckp_solve(mk, sb, cb, 2000, ch);
  v->dp_ms = (dl_now() - t) * 1e3;
  if (f) dl_mckp_totals(mk, ch, &s, &c);
  v->dp_obj = f ? (on_cost ? s : c) : NAN;
  t = dl_now();
  f = v->rl_ok = dl_mckp_rl(mk, sb, cb, r->episodes, 1 + (uint64_t)i, rl);
  v->rl_ms = (dl_now() - t) * 1e3;
  if (f) dl_mckp_totals(mk, rl, &s, &c);
  v->rl_obj = f ? (on_cost ? s : c) : NAN;
  free(ch);
  return true;
}

bool dl_assign_precision(MlirModule *mp, const DlQuantSettings *qs, const DlTensor *data, const DlTensor *labels,
                         const DlPrecisionSettings *ps, FILE *log, DlError *e) {
  MlirModule *m = mp;
  Job j = {.cal = *m, .ps = ps, .qs = qs, .log = log};
  bool has_ref = false;
  for (int i = 0; i < ps->nw; i++)
    for (int k = 0; k < ps->na; k++) has_ref |= ps->wbits[i] == ps->ref_wbits && ps->abits[k] == ps->ref_abits;
  if (ps->nw < 1 || ps->na < 1 || ps->ns < 1 || !has_ref || ps->sparsity[0] != 0)
    return dl_error_set(e, "the reference widths %d/%d must be among the candidates, and the first sparsity 0",
                        ps->ref_wbits, ps->ref_abits);
  if (qs->wround == DL_WROUND_AUTO || qs->wround == DL_WROUND_BRECQ)
    return dl_error_set(e, "--wround=%s does not combine with --assign-precision (use nearest, gptq or adaround)",
                        dl_wround_name(qs->wround));
  DlBudgetKind k = ps->kind == DL_BUDGET_LOSS ? ps->objective : ps->kind;
  if (!ps->cost) return dl_error_set(e, "internal: precision assignment without a cost model");
  if (!ps->cost->timed && k != DL_BUDGET_BYTES)
    return dl_error_set(e, "the %s target's cost model has bytes only (use bytes)", ps->cost->target);
  /* a multiplier's sensitivity is measured with the rest at the reference, and its energy needs a model that prices it */
  if (ps->napprox && ps->cost->no_approx)
    return dl_error_set(e, "--assign-approx=%s: the %s target's cost model cannot price approximate multipliers: %s "
                           "(search them with --assign-target=acc)", ps->approx[0], ps->cost->target, ps->cost->no_approx);
  if (ps->napprox && (ps->ref_wbits != 8 || ps->ref_abits != 8))
    return dl_error_set(e, "--assign-approx=%s: approximate multipliers are 8x8, so they are searched against an 8/8 "
                           "reference (8 among --assign-wbits and --assign-abits, and --assign-reference=8/8), not %d/%d",
                        ps->approx[0], ps->ref_wbits, ps->ref_abits);
  if (!data->data) /* the split below and the forked workers index the samples in memory */
    return dl_error_set(e, "--assign-precision needs the --calib file mapped in memory, and it could not be "
                           "(an address-space limit?)");
  /* the split: calibration and sensitivity samples first, the held-out ones last */
  DlPlan *fp = dl_plan_create(*m, e);
  if (!fp) return false;
  int64_t per, runs = dl_plan_samples(fp, data, 0, "calibration data", &per, e);
  int64_t B = dl_plan_input_shape(fp, 0)->rank ? dl_plan_input_shape(fp, 0)->dims[0] : 1;
  dl_plan_destroy(fp);
  if (runs < 0) return false;
  if (B < 1) B = 1;
  int64_t hold_runs = (ps->holdout ? ps->holdout : runs * B / 2) / B;
  if (hold_runs < 1 || hold_runs >= runs)
    return dl_error_set(e, "--calib has %lld samples: too few to hold out %lld and keep some for calibration%s",
                        (long long)(runs * B), (long long)(ps->holdout ? ps->holdout : runs * B / 2),
                        B > 1 ? " (in whole batches of the model's fixed batch)" : "");
  if (labels && dl_shape_numel(&labels->shape) < runs * B)
    return dl_error_set(e, "the labels have %lld entries, fewer than the %lld samples", (long long)dl_shape_numel(&labels->shape),
                        (long long)(runs * B));
  int64_t cal_runs = runs - hold_runs;
  DlTensor cal_x = *data;
  cal_x.owned = cal_x.mapped = false;
  cal_x.shape.dims[0] = cal_runs * B;
  j.sens_x = cal_x;
  if (ps->sens_samples > 0 && ps->sens_samples / B >= 1 && ps->sens_samples / B < cal_runs)
    j.sens_x.shape.dims[0] = ps->sens_samples / B * B;
  j.hold_x = cal_x;
  j.hold_x.data = (float *)data->data + cal_runs * per;
  j.hold_x.shape.dims[0] = hold_runs * B;
  if (labels) j.hold_y = (const int64_t *)labels->data + cal_runs * B;
  if (labels && labels->shape.dtype != DL_I64)
    return dl_error_set(e, "the labels (--assign-labels) must be int64, one per sample of --calib");

  /* 1. calibrate once */
  DlQuantSettings cq = *qs;
  cq.wbits = ps->ref_wbits, cq.abits = ps->ref_abits;
  if (!dl_quant_settings_write(*m, &cq, e)) return false;
  j.cal_x = cal_x;
  j.base = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(*m)));
  DlCalibOptions co = calib_options(&j);
  if (!dl_calibrate(*m, &cal_x, &co, e)) return mlirModuleDestroy(j.base), false;
  if (wround_of(&j) != DL_WROUND_NEAREST && !(j.cal_h = dl_hessians_collect(*m, &cal_x, DL_GPTQ_SAMPLES, qs->calib.jobs, e)))
    return mlirModuleDestroy(j.base), false;

  opts_make(&j);
  j.ref_opt = opt_index(&j, ps->ref_wbits, ps->ref_abits);
  units_find(*m, &j.u);
  int U = j.u.nunits, O = j.nopts;
  bool ok = U > 0 || dl_error_set(e, "the model has no layer with constant weights to assign widths to");
  double *sens = calloc((size_t)(U * O + 1), sizeof(double)), *cost = calloc((size_t)(U * O + 1), sizeof(double));
  double fixed = 0;
  Points pts = {0};
  Versus *vs = NULL;
  int nvs = 0, chosen = -1;
  int *ch = malloc(sizeof(int) * (size_t)(U + 1));
  /* the reference's outputs */
  if (ok) {
    fill(ch, U, j.ref_opt);
    MlirModule q = quantized(&j, ch, e);
    int64_t c;
    ok = !mlirModuleIsNull(q) && logits(q, &j.sens_x, &j.ref_sens, &c, e) && logits(q, &j.hold_x, &j.ref_hold, &j.classes, e);
    if (!mlirModuleIsNull(q)) mlirModuleDestroy(q);
    if (ok) j.ref_acc = j.hold_y ? accuracy(&j, j.ref_hold, samples_of(&j, &j.hold_x), NULL) : 100;
  }
  if (ok && log)
    fprintf(log, "assign-precision: %d layers x %d options; calibration on %lld samples, sensitivity on %lld, "
                 "%lld held out; reference %d/%d: %.2f%%\n", U, O, (long long)(cal_runs * B),
            (long long)samples_of(&j, &j.sens_x), (long long)(hold_runs * B), ps->ref_wbits, ps->ref_abits, j.ref_acc);
  ok = ok && tables(&j, k, sens, cost, &fixed, &pts, e);
  bool shard_done = ok && ps->nshards > 0; /* --assign-shard: the table shard is written; no search */
  if (shard_done) ok = false;
  DlMckp mk = {U, O, sens, cost};
  int ref_pt = 0; /* the reference among the points */
  while (ok && ref_pt < pts.n && strcmp(pts.p[ref_pt].how, "reference")) ref_pt++;
  double ref_cost = ok ? pts.p[ref_pt].cost : 0;
  double budget = ps->relative ? ps->value * ref_cost : ps->value, used_bound = -1;
  if (ok && ps->kind != DL_BUDGET_LOSS) { /* a cost budget nothing meets fails before the sweep */
    double cheapest = fixed;
    for (int u = 0; u < U; u++) {
      double mn = INFINITY;
      for (int o = 0; o < O; o++) mn = fmin(mn, cost[u * O + o]);
      cheapest += mn;
    }
    if (cheapest > budget)
      ok = dl_error_set(e, "the %s budget of %.6g %s per sample cannot be met: the cheapest choice of widths costs "
                           "%.6g (%.6g over)", kind_names[k], budget, kind_units[k], cheapest, cheapest - budget);
  }
  /* 4. the Pareto sweep */
  double smax = 0, smin = INFINITY;
  if (ok) sens_range(sens, U, O, &smin, &smax);
  enum { LADDER = 32 };
  double ladder[LADDER];
  int lpt[LADDER];
  for (int pass = 0; ok && pass < 2; pass++) {
    double t0 = dl_now();
    j.sweep = pass + 1;
    int before = pts.n;
    int rungs = smin < INFINITY ? LADDER : 0;
    for (int i = 0; i < rungs; i++) ladder[i] = smin * pow(smax / smin, (double)i / (LADDER - 1));
    ok = knapsack_points(&j, &mk, fixed, &pts, ladder, rungs, k, lpt, e);
    if (ok && log)
      fprintf(log, "pareto sweep%s: %d knapsack bounds, %d points measured, %.1f s\n", pass ? " (refitted tables)" : "",
              LADDER, pts.n - before, dl_now() - t0);
    /* 4b. the tables refitted to what the first sweep measured, and swept again */
    if (!ok || pass || !ps->refit || !refit(&j, &pts, sens, j.alpha, &j.fit_points, &j.fit_rms)) break;
    if (log)
      fprintf(log, "refit: loss ~ %.4g x weights' + %.4g x activations' + %.4g x sparsity's logit change over %d "
                   "points (rms residual %.2f points)\n", j.alpha[0], j.alpha[1], j.alpha[2], j.fit_points, j.fit_rms);
    for (int i = 0; i < pts.n; i++) dl_mckp_totals(&mk, pts.p[i].choice, &pts.p[i].pred_sens, NULL);
    sens_range(sens, U, O, &smin, &smax);
  }
  /* 5. the choice */
  if (ok && ps->kind == DL_BUDGET_LOSS) {
    int lo = -1; /* the last ladder rung within the loss budget */
    for (int i = 0; i < LADDER && smin < INFINITY; i++)
      if (lpt[i] >= 0 && within(&pts.p[lpt[i]], ps)) lo = i;
    chosen = ref_pt;
    for (int i = 0; i < pts.n; i++)
      if (!strcmp(pts.p[i].how, "knapsack") && within(&pts.p[i], ps) && pts.p[i].cost < pts.p[chosen].cost) chosen = i;
    /* repair / refine: bisect the bound between the last rung within the budget and the next */
    double a = lo >= 0 ? ladder[lo] : 0, b = lo + 1 < LADDER ? ladder[lo + 1] : smax;
    for (int it = 0; ok && it < 8 && b > a; it++) {
      double mid = (a + b) / 2;
      int i = knapsack_point(&j, &mk, fixed, &pts, mid, k, e);
      ok = i > -2;
      if (i < 0) continue;
      if (within(&pts.p[i], ps)) {
        a = mid;
        if (pts.p[i].cost < pts.p[chosen].cost) chosen = i;
      } else b = mid;
    }
    used_bound = pts.p[chosen].bound >= 0 ? pts.p[chosen].bound : 0;
  } else if (ok) { /* a cost budget: least sensitivity within it; tighter while the real cost misses it */
    double bound = budget - fixed;
    bool met = false;
    for (int it = 0; ok && it < 8 && dl_mckp_solve(&mk, -1, bound, 2000, ch); it++) {
      int i = find_point(&pts, ch, U);
      if (i < 0 && !(ok = (i = add_measured(&j, &mk, fixed, &pts, ch, "knapsack", bound, k, e)) >= 0)) break;
      if (pts.p[i].cost <= budget) {
        chosen = i, used_bound = bound, met = true;
        break;
      }
      if (log) fprintf(log, "repair: measured %.6g %s, over the budget; tightening\n", pts.p[i].cost, kind_units[k]);
      double predicted;
      dl_mckp_totals(&mk, ch, NULL, &predicted); /* below it, the same choice cannot come back */
      bound = fmin(bound * 0.999 * budget / pts.p[i].cost, predicted * (1 - 1e-9));
    }
    if (ok && !met) { /* the tables fit no choice that measures within the budget: the most accurate point that does */
      int best = -1;
      for (int i = 0; i < pts.n; i++)
        if (pts.p[i].cost <= budget && (best < 0 || pts.p[i].acc > pts.p[best].acc)) best = i;
      if (best >= 0) {
        if (log) fprintf(log, "repair: no choice the tables fit measures within the budget; taking the most accurate measured point that does\n");
        chosen = best, used_bound = pts.p[best].bound >= 0 ? pts.p[best].bound : bound;
      } else
        ok = dl_error_set(e, "the %s budget of %.6g %s per sample cannot be met: the widths that fit it by the "
                             "tables measure more, and no measured choice is within it", kind_names[k], budget,
                          kind_units[k]);
    }
  }
  /* 6. the same budgets to the RL search: every ladder rung and the bound finally used */
  j.sweep = 0;
  if (ok && ps->rl_episodes > 0 && smin < INFINITY) {
    int nb = 0;
    double bounds[LADDER + 1];
    for (int i = 0; i < LADDER; i++)
      if (ps->kind != DL_BUDGET_LOSS || ladder[i] != used_bound) bounds[nb++] = ladder[i];
    if (used_bound >= 0 && (ps->kind != DL_BUDGET_LOSS || used_bound > 0)) bounds[nb++] = used_bound;
    vs = calloc((size_t)nb + 1, sizeof(Versus));
    int *rlc = malloc(sizeof(int) * (size_t)(nb * U + 1));
    VsRun vr = {&mk, vs, rlc, bounds, nb, used_bound >= 0 && ps->kind != DL_BUDGET_LOSS, ps->rl_episodes};
    int nt = ps->jobs > 0 ? ps->jobs : dl_pool_cores();
    DlPool *pool = nt > 1 && nb > 1 ? dl_pool_create(nt > nb ? nb : nt) : NULL; /* each budget its own RL run */
    if (pool) dl_pool_run(pool, nb, versus_one, &vr);
    else
      for (int i = 0; i < nb; i++) versus_one(&vr, 0, i);
    dl_pool_destroy(pool);
    nvs = nb;
    for (int i = 0; ok && i < nb; i++) {
      bool last = i == nb - 1 && used_bound >= 0;
      const int *r = rlc + (size_t)i * U;
      if (last && vs[i].rl_ok && find_point(&pts, r, U) < 0) /* the RL's choice at the budget, measured like the knapsack's */
        ok = add_measured(&j, &mk, fixed, &pts, r, "rl", bounds[i], k, e) >= 0;
    }
    free(rlc);
  }
  /* 7. the result (the choice, pruned, calibrated and quantized), then the outputs, so that a failure
   * leaves no output file */
  MlirModule result = {NULL};
  if (ok) {
    result = quantized(&j, pts.p[chosen].choice, e);
    ok = !mlirModuleIsNull(result) &&
         (dl_verify(mlirModuleGetOperation(result)) || dl_error_set(e, "internal: the quantized IR does not verify"));
  }
  if (ok) {
    pts.p[chosen].chosen = true;
    mark_front(&pts);
    const Point *c = &pts.p[chosen];
    if (log) {
      fprintf(log, "chosen (%s): %.2f%% on the held-out samples (%+.2f points, standard error %.2f), %.6g %s per "
                   "sample (%.2fx less than %d/%d)\n", c->how, c->acc, -c->loss, c->se, c->cost, kind_units[k],
              c->cost > 0 ? ref_cost / c->cost : 0, ps->ref_wbits, ps->ref_abits);
      int *out = choice_out_widths(&j, c->choice);
      for (int u = 0; u < U; u++) { /* a: the width of the activations the layer reads */
        int p = input_unit(&j.u, u);
        fprintf(log, "  %-24s w%-2d a%-2d sparsity %g%s%s\n", unit_name(&j, u), opt_w(&j, c->choice[u]),
                p >= 0 ? out[p] : ps->ref_abits, opt_s(&j, c->choice[u]), ps->napprox ? " multiplier " : "",
                ps->napprox ? opt_mname(&j, c->choice[u]) : "");
      }
      free(out);
      int worse = 0, fin = 0;
      double dps = 0, rls = 0;
      for (int i = 0; i < nvs; i++) {
        if (isnan(vs[i].dp_obj)) continue;
        fin++;
        worse += isnan(vs[i].rl_obj) || vs[i].rl_obj >= vs[i].dp_obj - 1e-9 * fabs(vs[i].dp_obj);
        dps += vs[i].dp_ms, rls += vs[i].rl_ms;
      }
      if (nvs)
        fprintf(log, "knapsack vs RL (%d episodes): knapsack as good or better on %d of %d budgets; %.2f ms vs %.1f ms "
                     "per budget (%.0fx)\n", ps->rl_episodes, worse, fin, dps / (fin ? fin : 1), rls / (fin ? fin : 1),
                dps > 0 ? rls / dps : 0);
    }
    warn_holdout(mlirModuleGetContext(*m), ps, c->se, hold_runs * B);
    if (ps->config_out) ok = write_config(&j, c->choice, cal_runs * B, ps->config_out, e);
    if (ok && ps->pareto_out) ok = write_pareto(&j, &pts, sens, cost, vs, nvs, k, ps->pareto_out, e);
    if (ok && ps->svg_out) {
      DlParetoPoint *pp = calloc((size_t)pts.n, sizeof *pp);
      char (*lab)[64] = calloc((size_t)pts.n, sizeof *lab);
      for (int i = 0; i < pts.n; i++) {
        const Point *p = &pts.p[i];
        bool uni = !strcmp(p->how, "uniform") || !strcmp(p->how, "reference");
        const char *mul = opt_m(&j, p->choice[0]);
        if (uni && opt_s(&j, p->choice[0]) > 0)
          snprintf(lab[i], sizeof lab[i], "%d/%d s%g%s%.24s", opt_w(&j, p->choice[0]), opt_a(&j, p->choice[0]),
                   opt_s(&j, p->choice[0]), mul ? " " : "", mul ? mul : "");
        else if (uni)
          snprintf(lab[i], sizeof lab[i], "%d/%d%s%.24s", opt_w(&j, p->choice[0]), opt_a(&j, p->choice[0]), mul ? " " : "",
                   mul ? mul : "");
        else if (!strcmp(p->how, "rl")) snprintf(lab[i], sizeof lab[i], "RL");
        pp[i] = (DlParetoPoint){p->cost, p->acc, p->front && !strcmp(p->how, "knapsack"), p->chosen,
                                !strcmp(p->how, "reference"), lab[i][0] ? lab[i] : NULL};
      }
      char title[256], xl[128], yl[160];
      snprintf(title, sizeof title, "%s on %s: accuracy vs %s (chosen: %+.2f points, %.2fx less %s)",
               ps->model_name ? ps->model_name : "model", ps->cost->target, kind_names[k], -c->loss,
               c->cost > 0 ? ref_cost / c->cost : 0, kind_names[k]);
      snprintf(xl, sizeof xl, "%s per sample (%s, %s cost model)", kind_names[k], kind_units[k], ps->cost->target);
      snprintf(yl, sizeof yl, "%s, %lld held-out samples (%%)", j.hold_y ? "top-1 accuracy" : "top-1 agreement",
               (long long)samples_of(&j, &j.hold_x));
      /* the accuracy axis stops 10 points (or 4 budgets) below the reference; lower points sit on its edge */
      double acc_floor = j.ref_acc - fmax(10, ps->kind == DL_BUDGET_LOSS ? 4 * ps->value : 0);
      ok = dl_pareto_svg(ps->svg_out, title, xl, yl, pp, pts.n, acc_floor, e);
      free(pp), free(lab);
    }
  }
  if (ok) mlirModuleDestroy(*m), *m = result; /* j's units pointed into the old module: done with them */
  else if (!mlirModuleIsNull(result)) mlirModuleDestroy(result);
  for (int i = 0; i < pts.n; i++) free(pts.p[i].choice);
  free(pts.p), free(vs), free(ch), free(sens), free(cost), free(j.ref_sens), free(j.ref_hold);
  units_free(&j.u);
  free(j.tab), free(j.opt);
  for (int i = 0; i < j.npruned; i++)
    mlirModuleDestroy(j.pruned[i].m), free(j.pruned[i].sp), dl_hessians_free(j.pruned[i].h);
  dl_hessians_free(j.cal_h);
  mlirModuleDestroy(j.base);
  return ok || shard_done;
}
