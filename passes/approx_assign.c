/* --approx-budget=POINTS: a multiplier per layer (dlc/approx.h, docs/approx.md).
 *
 * The layers that may take an approximate multiplier (integer conv / gemm /
 * matmul with constant weights and 8-bit operands, none given one by
 * --config) are the units; each unit's options are exact and the
 * candidates (--approx-candidates, default bam:5..bam:8, drum:4..drum:6,
 * mitchell). On the last `samples` calibration samples, against the exact
 * integer model's logits:
 *   1. sensitivity: unit u alone on candidate c (compensated with
 *      --approx-compensate, as the result will be): the mean squared change
 *      of the logits;
 *   2. cost: u's multiply-accumulates per sample times c's energy per
 *      multiply (relative to the exact 8x8 multiplier's);
 *   3. the least-energy choice whose summed sensitivity is within a bound
 *      (the multiple-choice knapsack of dlc/precision.h), at a ladder of 24
 *      bounds; each distinct choice built and its top-1 disagreement with
 *      the exact model measured; the cheapest within POINTS is taken.
 * Sums of per-layer errors predict the whole's only roughly, hence the
 * measured ladder. The samples are the calibration set's: the choice is
 * checked on data it was fitted to, so a test set's loss can differ (bench/approx.sh
 * measures it). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/approx.h"
#include "dlc/cost.h"
#include "dlc/plan.h"
#include "dlc/pool.h"
#include "dlc/precision.h"
#include "dlc/support.h"
#include "pass_util.h"

enum { MAX_CANDIDATES = 32, LADDER = 24 };

typedef struct {
  MlirModule m;             /* the quantized module, annotated */
  const DlTensor *data;
  int64_t s0, n;            /* the samples: runs [s0, s0 + n) */
  const DlApproxAssign *o;
  int nunits, ncand;        /* options per unit: exact, then the candidates */
  int *unit;                /* unit -> index among the func's ops */
  char cand[MAX_CANDIDATES][512];
  double energy[MAX_CANDIDATES + 1];
  float *ref;               /* exact logits [n * B x classes] */
  int64_t classes, B;       /* per sample; samples per run (the model's batch) */
  const int64_t *labels;    /* of run s0's first sample on, or NULL */
  double ref_acc;           /* the exact model's accuracy on them (labels) */
} Job;

/* The func's ops in order. */
static int func_ops(MlirModule m, MlirOperation **ops) {
  int n = 0, cap = 0;
  *ops = NULL;
  MlirOperation f = dl_module_func(m);
  if (mlirOperationIsNull(f)) return 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(f)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (n == cap) *ops = realloc(*ops, sizeof **ops * (size_t)(cap = cap ? 2 * cap : 64));
    (*ops)[n++] = op;
  }
  return n;
}

/* A copy of j->m with unit u on option choice[u] (0: exact), compensated when asked. */
static MlirModule variant(Job *j, const int *choice, DlError *e) {
  MlirModule q = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(j->m)));
  MlirOperation *ops;
  func_ops(q, &ops);
  MlirContext ctx = mlirModuleGetContext(q);
  for (int u = 0; u < j->nunits; u++)
    if (choice[u] > 0)
      mlirOperationSetDiscardableAttributeByName(ops[j->unit[u]], dl_str("dlc.approx"),
                                                 mlirStringAttrGet(ctx, dl_str(j->cand[choice[u] - 1])));
  free(ops);
  if (j->o->compensate && !dl_approx_compensate(q, j->data, e)) mlirModuleDestroy(q), q = (MlirModule){NULL};
  return q;
}

/* Logits of q on the job's samples, on threads (one plan each). */
typedef struct {
  DlPlan **plan;
  const Job *j;
  int64_t per;
  float **buf;
  float *out;
  int64_t classes;
  DlError *err;
} Run;

static bool run_one(void *u, int w, int64_t i) {
  Run *r = u;
  const void *in;
  if (!dl_plan_run_inputs(r->plan[w], r->j->data, r->j->s0 + i, r->per, &in, r->buf[w], &r->err[w]) ||
      !dl_plan_run(r->plan[w], &in, &r->err[w]))
    return false;
  const DlTensor *o = dl_plan_output(r->plan[w], 0);
  for (int64_t k = 0; k < r->classes; k++) r->out[i * r->classes + k] = (float)dl_tensor_get_f(o, k);
  return true;
}

static float *logits(const Job *j, MlirModule q, int64_t *classes, DlError *e) {
  int jobs = j->o->jobs > 0 ? j->o->jobs : dl_pool_cores();
  if (jobs > j->n) jobs = (int)j->n;
  Run r = {calloc((size_t)jobs, sizeof(DlPlan *)), j, 0, calloc((size_t)jobs, sizeof(float *)), NULL, 0,
           calloc((size_t)jobs, sizeof(DlError))};
  bool ok = true;
  for (int w = 0; ok && w < jobs; w++) ok = (r.plan[w] = dl_plan_create(q, e)) != NULL;
  int64_t runs = ok ? dl_plan_runs(r.plan[0], j->data, 0, "calibration data", &r.per, e) : -1;
  ok = ok && runs >= j->s0 + j->n;
  if (ok) {
    const DlShape *os = dl_plan_output_shape(r.plan[0], 0);
    r.classes = dl_shape_numel(os); /* per run: B samples' */
    r.out = malloc(sizeof(float) * (size_t)(j->n * r.classes + 1));
    for (int w = 0; w < jobs; w++) r.buf[w] = malloc(sizeof(float) * (size_t)(r.per ? r.per : 1));
    DlPool *pool = jobs > 1 ? dl_pool_create(jobs) : NULL;
    if (pool) ok = dl_pool_run(pool, j->n, run_one, &r);
    else
      for (int64_t i = 0; ok && i < j->n; i++) ok = run_one(&r, 0, i);
    dl_pool_destroy(pool);
    for (int w = 0; !ok && w < jobs && !dl_error_is_set(e); w++)
      if (dl_error_is_set(&r.err[w])) dl_error_set(e, "%s", r.err[w].msg);
  }
  for (int w = 0; w < jobs; w++) {
    if (r.plan[w]) dl_plan_destroy(r.plan[w]);
    free(r.buf[w]);
    dl_error_clear(&r.err[w]);
  }
  free(r.plan), free(r.buf), free(r.err);
  if (!ok) return free(r.out), NULL;
  *classes = r.classes / j->B;
  return r.out;
}

static int64_t top1(const float *y, int64_t n) {
  int64_t b = 0;
  for (int64_t k = 1; k < n; k++)
    if (y[k] > y[b]) b = k;
  return b;
}

/* Accuracy (%) of logits y on the job's labelled samples. */
static double accuracy(const Job *j, const float *y) {
  int64_t hit = 0, rows = j->n * j->B;
  for (int64_t i = 0; i < rows; i++) hit += top1(y + i * j->classes, j->classes) == j->labels[i];
  return 100.0 * (double)hit / (double)rows;
}

/* The choice's mean squared logit change against exact, and its points
 * lost: of accuracy with labels, else of top-1 agreement with exact. */
static bool measure(Job *j, const int *choice, double *mse, double *points, DlError *e) {
  MlirModule q = variant(j, choice, e);
  if (mlirModuleIsNull(q)) return false;
  int64_t c;
  float *y = logits(j, q, &c, e);
  mlirModuleDestroy(q);
  if (!y) return false;
  double s = 0;
  int64_t differ = 0, rows = j->n * j->B;
  for (int64_t i = 0; i < rows; i++) {
    for (int64_t k = 0; k < c; k++) {
      double d = (double)y[i * c + k] - j->ref[i * c + k];
      s += d * d;
    }
    differ += top1(y + i * c, c) != top1(j->ref + i * c, c);
  }
  *mse = s / (double)rows;
  *points = j->labels ? j->ref_acc - accuracy(j, y) : 100.0 * (double)differ / (double)rows;
  free(y);
  return true;
}

/* The units: func op indices of the layers an approximate multiplier fits. */
static int find_units(MlirModule m, int **unit) {
  MlirOperation *ops;
  int n = func_ops(m, &ops), k = 0;
  *unit = malloc(sizeof(int) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    if (dl_approx_fits(ops[i]) &&
        mlirAttributeIsNull(mlirOperationGetDiscardableAttributeByName(ops[i], dl_str("dlc.approx"))))
      (*unit)[k++] = i;
  free(ops);
  return k;
}

bool dl_approx_assign(MlirModule m, const DlTensor *data, const DlApproxAssign *o, DlError *e) {
  Job j = {.m = m, .data = data, .o = o};
  const char *cands = o->candidates ? o->candidates : DL_APPROX_CANDIDATES;
  /* the candidates and their energies */
  j.energy[0] = 1;
  for (const char *p = cands; *p;) {
    size_t l = strcspn(p, ",");
    if (j.ncand == MAX_CANDIDATES) return dl_error_set(e, "--approx-candidates: more than %d multipliers", MAX_CANDIDATES);
    char spec[512];
    snprintf(spec, sizeof spec, "%.*s", (int)l, p);
    DlApprox a;
    if (!dl_approx_create(spec, &a, e)) return dl_error_prefix(e, "--approx-candidates");
    double en = a.energy;
    snprintf(j.cand[j.ncand], sizeof j.cand[0], "%s", a.spec);
    dl_approx_destroy(&a);
    if (!(en >= 0))
      return dl_error_set(e, "--approx-candidates: '%s' has no energy figure to weigh (give file tables as file:PATH@ENERGY)",
                          spec);
    if (!strcmp(j.cand[j.ncand], "exact")) return dl_error_set(e, "--approx-candidates: exact is always a choice; list the others");
    j.energy[++j.ncand] = en;
    p += l + (p[l] == ',');
  }
  if (!j.ncand) return dl_error_set(e, "--approx-candidates: no multiplier given");
  j.nunits = find_units(m, &j.unit);
  if (!j.nunits) {
    free(j.unit);
    return dl_error_set(e, "--approx-budget: the model has no integer Conv, Gemm or MatMul layer with constant 8-bit "
                           "weights and activations to give a multiplier");
  }
  int U = j.nunits, O = j.ncand + 1;
  double *sens = calloc((size_t)(U * O), sizeof(double)), *cost = calloc((size_t)(U * O), sizeof(double));
  double *macs = calloc((size_t)U, sizeof(double)), total_macs = 0;
  int *ch = calloc((size_t)U, sizeof(int)), *best = calloc((size_t)U, sizeof(int));
  char **seen = NULL;
  int nseen = 0;
  bool ok = true;
  /* the samples: the last o->samples of the data */
  DlPlan *p = dl_plan_create(m, e);
  int64_t per, runs = p ? dl_plan_runs(p, data, 0, "calibration data", &per, e) : -1;
  ok = runs > 0 || (p && dl_error_set(e, "--approx-budget needs calibration samples (--calib)"));
  if (ok) {
    j.B = dl_plan_batch(p);
    j.n = o->samples > 0 && o->samples / j.B >= 1 && o->samples / j.B < runs ? o->samples / j.B : runs;
    j.s0 = runs - j.n;
    if (o->labels && dl_shape_numel(&o->labels->shape) < runs * j.B)
      ok = dl_error_set(e, "--approx-labels: %lld labels for %lld calibration samples",
                        (long long)dl_shape_numel(&o->labels->shape), (long long)(runs * j.B));
    if (o->labels) j.labels = (const int64_t *)o->labels->data + j.s0 * j.B;
    /* MACs per sample of each unit, from the cost rows of the steps they compute */
    DlLayerCost *rows = dl_cost_rows(p);
    MlirOperation *ops;
    func_ops(m, &ops);
    for (int s = 0; s < p->nsteps; s++) {
      MlirOperation owner = mlirOpResultGetOwner(p->steps[s].val);
      for (int u = 0; u < U; u++)
        if (mlirOperationEqual(owner, ops[j.unit[u]])) macs[u] += rows[s].macs;
    }
    free(ops), free(rows);
    for (int u = 0; u < U; u++) total_macs += macs[u];
  }
  if (p) dl_plan_destroy(p);
  double t0 = dl_now();
  if (ok) ok = (j.ref = logits(&j, m, &j.classes, e)) != NULL;
  if (ok && j.labels) j.ref_acc = accuracy(&j, j.ref);
  /* 1, 2: the tables */
  for (int u = 0; ok && u < U; u++)
    for (int c = 0; c < O; c++) {
      cost[u * O + c] = macs[u] * j.energy[c];
      if (c == 0) continue;
      memset(ch, 0, sizeof(int) * (size_t)U);
      ch[u] = c;
      double pts;
      ok = measure(&j, ch, &sens[u * O + c], &pts, e);
      if (!ok) break;
    }
  /* 3: the ladder of bounds, each distinct choice measured */
  double smin = INFINITY, smax = 0, best_cost = total_macs, best_pts = 0, best_mse = 0;
  memset(best, 0, sizeof(int) * (size_t)U);
  for (int u = 0; ok && u < U; u++) {
    double mx = 0;
    for (int c = 1; c < O; c++) {
      mx = fmax(mx, sens[u * O + c]);
      if (sens[u * O + c] > 0) smin = fmin(smin, sens[u * O + c]);
    }
    smax += mx;
  }
  DlMckp mk = {U, O, sens, cost};
  int measured = 0;
  for (int i = 0; ok && i < LADDER && smin < INFINITY; i++) {
    double tau = smin * pow(smax / smin, (double)i / (LADDER - 1));
    if (!dl_mckp_solve(&mk, tau, -1, 2000, ch)) continue;
    char key[4096] = "";
    for (int u = 0; u < U && strlen(key) + 8 < sizeof key; u++) snprintf(key + strlen(key), sizeof key - strlen(key), "%d,", ch[u]);
    bool dup = false;
    for (int k = 0; k < nseen && !dup; k++) dup = !strcmp(seen[k], key);
    if (dup) continue;
    seen = realloc(seen, sizeof *seen * (size_t)(nseen + 1)), seen[nseen++] = strdup(key);
    double mse, pts, c;
    dl_mckp_totals(&mk, ch, NULL, &c);
    if (c >= best_cost) continue; /* no cheaper than what is kept: not worth measuring */
    ok = measure(&j, ch, &mse, &pts, e);
    measured++;
    if (ok && pts <= o->points) best_cost = c, best_pts = pts, best_mse = mse, memcpy(best, ch, sizeof(int) * (size_t)U);
  }
  /* the choice on m */
  if (ok) {
    MlirOperation *ops;
    func_ops(m, &ops);
    MlirContext ctx = mlirModuleGetContext(m);
    DlBuf b = {0};
    int napprox = 0;
    for (int u = 0; u < U; u++) {
      char where[256];
      dl_location_str(mlirOperationGetLocation(ops[j.unit[u]]), where, sizeof where);
      dl_buf_printf(&b, "%s%s %s", u ? ", " : "", where, best[u] ? j.cand[best[u] - 1] : "exact");
      if (!best[u]) continue;
      napprox++;
      mlirOperationSetDiscardableAttributeByName(ops[j.unit[u]], dl_str("dlc.approx"),
                                                 mlirStringAttrGet(ctx, dl_str(j.cand[best[u] - 1])));
    }
    free(ops);
    dl_warn(ctx,
            "--approx-budget=%g: %d of %d layers approximate, multiplier energy %.3f of exact int8's; %.2f points of "
            "%s on the last %lld calibration samples (logit MSE %.4g; %d choices measured, %.1f s): %s",
            o->points, napprox, U, total_macs > 0 ? best_cost / total_macs : 1.0, best_pts,
            j.labels ? "accuracy lost against the exact model" : "top-1 disagreement with the exact model",
            (long long)(j.n * j.B), best_mse, measured, dl_now() - t0, b.data ? b.data : "");
    dl_buf_free(&b);
  }
  for (int k = 0; k < nseen; k++) free(seen[k]);
  free(seen), free(sens), free(cost), free(macs), free(ch), free(best), free(j.unit), free(j.ref);
  return ok;
}
