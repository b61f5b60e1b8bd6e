/* --prune: zero or remove weights of conv / gemm / matmul layers (float IR).
 *
 * Settings: the func's `dlc.prune = {spec = "...", layers = "REGEX"}` (see
 * include/dlc/prune.h for the specs). A layer is an op whose weights (operand
 * 1) are an f32 constant: conv, gemm (transA = 0), matmul with a rank-2
 * constant right operand. W is seen as N outputs x K inputs (conv: K =
 * Cin/group * kh * kw). Each pruned op gets `dlc.pruned`, a dictionary saying
 * what happened to it.
 *
 * filters: a conv's output channels are removed from its weights, its bias and
 * its result type, through a chain of channel-wise ops (activations, pools),
 * and the matching inputs of the consumer (a conv, or a gemm / matmul behind a
 * flattening reshape) go too. When the result has another kind of consumer the
 * filters are zeroed instead, and `dlc.pruned` says why.
 *
 * Compensation (dl_prune_module with calibration data): the layer whose
 * output changes (the consumer, for removed filters) gets statistics of its
 * input over the data: the Gram matrix H of [x; 1] (im2col rows for conv).
 * Bias correction adds (w - w') E[x] to each output's bias; reconstruction
 * solves, per output, the least squares fit of the kept weights and the bias
 * to the original output: H_SS [w'; b'] = H_S* [w; b], ridge-regularized
 * towards w (Cholesky). */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/plan.h"
#include "dlc/prune.h"
#include "dlc/pool.h"
#include "gram.h"
#include "pass_util.h"

/* ---- layers ------------------------------------------------------------------ */

typedef struct {
  MlirOperation op;
  DlOpKind k;
  DlTensor w;      /* f32 weights */
  int64_t N, K, G; /* outputs, inputs per output, groups */
  bool row_major;  /* w[o*K + k] (conv, gemm transB) or w[k*N + o] */
  char name[128];
} Layer;

static int64_t widx(const Layer *l, int64_t o, int64_t k) {
  return l->row_major ? o * l->K + k : k * l->N + o;
}

static void layer_free(Layer *l) {
  dl_tensor_free(&l->w);
}

/* Whether op is a layer with constant f32 weights; fills l (free with layer_free). */
static bool layer_read(MlirOperation op, Layer *l) {
  memset(l, 0, sizeof *l);
  l->op = op, l->k = dl_op_kind(op);
  if (l->k != DL_OP_CONV && l->k != DL_OP_GEMM && l->k != DL_OP_MATMUL) return false;
  DlAttrs a;
  DlError e = {0};
  if (!dl_op_read_attrs(op, l->k, &a, &e)) return dl_error_clear(&e), false;
  if (l->k == DL_OP_GEMM && dl_attrs_int(&a, "transA", 0)) return false;
  if (!dl_value_tensor(mlirOperationGetOperand(op, 1), &l->w)) return false;
  const DlShape *s = &l->w.shape;
  bool ok = s->dtype == DL_F32 && s->rank >= 2;
  if (ok && l->k == DL_OP_CONV) {
    l->G = dl_attrs_int(&a, "group", 1), l->N = s->dims[0], l->K = dl_shape_numel(s) / l->N,
    l->row_major = true;
  } else if (ok) {
    ok = s->rank == 2;
    l->row_major = l->k == DL_OP_GEMM && dl_attrs_int(&a, "transB", 0);
    l->G = 1, l->N = s->dims[l->row_major ? 0 : 1], l->K = s->dims[l->row_major ? 1 : 0];
  }
  if (!ok || l->N <= 0 || l->K <= 0 || l->G <= 0 || l->N % l->G) return layer_free(l), false;
  dl_location_str(mlirOperationGetLocation(op), l->name, sizeof l->name);
  return true;
}

/* ---- masks ------------------------------------------------------------------- */

typedef struct {
  double v;
  int64_t i;
} Ranked;

static int ranked_cmp(const void *a, const void *b) {
  const Ranked *x = a, *y = b;
  return x->v < y->v ? -1 : x->v > y->v ? 1 : x->i < y->i ? -1 : x->i > y->i;
}

/* Clears drop[i] = 1 for the `cnt` smallest of v[0..n) (ties: lower index first). */
static void mark_smallest(const double *v, int64_t n, int64_t cnt, uint8_t *drop) {
  Ranked *r = malloc(sizeof(Ranked) * (size_t)n);
  for (int64_t i = 0; i < n; i++) r[i] = (Ranked){v[i], i};
  qsort(r, (size_t)n, sizeof *r, ranked_cmp);
  for (int64_t i = 0; i < n; i++) drop[r[i].i] = i < cnt;
  free(r);
}

/* keep[o*K + k]: whether weight (o, k) stays. */
static void mask_compute(const Layer *l, const DlPruneSettings *s, uint8_t *keep) {
  const float *w = l->w.data;
  int64_t N = l->N, K = l->K;
  uint8_t *drop;
  double *v;
  switch (s->method) {
  case DL_PRUNE_UNSTRUCTURED:
    v = malloc(sizeof(double) * (size_t)(N * K)), drop = malloc((size_t)(N * K));
    for (int64_t o = 0; o < N; o++)
      for (int64_t k = 0; k < K; k++) v[o * K + k] = fabsf(w[widx(l, o, k)]);
    mark_smallest(v, N * K, (int64_t)(s->ratio * (double)(N * K)), drop);
    for (int64_t i = 0; i < N * K; i++) keep[i] = !drop[i];
    free(v), free(drop);
    break;
  case DL_PRUNE_NM:
    for (int64_t o = 0; o < N; o++)
      for (int64_t g = 0; g < K; g += s->m)
        for (int j = 0; j < s->m;
             j++) { /* rank among the group: larger |w| first, then lower index */
          double a = fabsf(w[widx(l, o, g + j)]);
          int rank = 0;
          for (int i = 0; i < s->m; i++) {
            double b = fabsf(w[widx(l, o, g + i)]);
            rank += b > a || (b == a && i < j);
          }
          keep[o * K + g + j] = rank < s->n;
        }
    break;
  case DL_PRUNE_ROWS:
  case DL_PRUNE_FILTERS:
    v = calloc((size_t)N, sizeof(double)), drop = malloc((size_t)N);
    for (int64_t o = 0; o < N; o++)
      for (int64_t k = 0; k < K; k++) v[o] += (double)w[widx(l, o, k)] * w[widx(l, o, k)];
    mark_smallest(v, N, (int64_t)(s->ratio * (double)N), drop);
    for (int64_t o = 0; o < N; o++) memset(keep + o * K, !drop[o], (size_t)K);
    free(v), free(drop);
    break;
  case DL_PRUNE_BLOCKS: {
    /* the grid starts at each group's first output (as the acc target's
     * weight blocks do); blocks are ranked by RMS, so that the narrower last
     * block of a row or column is not taken for its size alone */
    int64_t pg = N / l->G, jb = (pg + s->bn - 1) / s->bn, kb = (K + s->bk - 1) / s->bk, nb = l->G * jb * kb;
    v = calloc((size_t)nb, sizeof(double)), drop = malloc((size_t)nb);
    for (int64_t b = 0; b < nb; b++) {
      int64_t r = b / kb, o0 = r / jb * pg + r % jb * s->bn, o1 = o0 + s->bn < (r / jb + 1) * pg ? o0 + s->bn : (r / jb + 1) * pg;
      int64_t k0 = b % kb * s->bk, k1 = k0 + s->bk < K ? k0 + s->bk : K;
      for (int64_t o = o0; o < o1; o++)
        for (int64_t k = k0; k < k1; k++) v[b] += (double)w[widx(l, o, k)] * w[widx(l, o, k)];
      v[b] /= (double)((o1 - o0) * (k1 - k0));
    }
    mark_smallest(v, nb, (int64_t)(s->ratio * (double)nb), drop);
    for (int64_t o = 0; o < N; o++)
      for (int64_t k = 0; k < K; k++) keep[o * K + k] = !drop[(o / pg * jb + o % pg / s->bn) * kb + k / s->bk];
    free(v), free(drop);
    break;
  }
  case DL_PRUNE_COLS:
    v = calloc((size_t)K, sizeof(double)), drop = malloc((size_t)K);
    for (int64_t o = 0; o < N; o++)
      for (int64_t k = 0; k < K; k++) v[k] += (double)w[widx(l, o, k)] * w[widx(l, o, k)];
    mark_smallest(v, K, (int64_t)(s->ratio * (double)K), drop);
    for (int64_t o = 0; o < N; o++)
      for (int64_t k = 0; k < K; k++) keep[o * K + k] = !drop[k];
    free(v), free(drop);
    break;
  }
}

/* ---- biases -------------------------------------------------------------------- */

/* The qg.add that adds a per-output constant to matmul result r, or null. */
static MlirOperation matmul_bias_add(MlirValue r, int64_t N, int *cidx) {
  if (!dl_value_has_one_use(r)) return (MlirOperation){NULL};
  MlirOperation u = mlirOpOperandGetOwner(mlirValueGetFirstUse(r));
  if (dl_op_kind(u) != DL_OP_ADD) return (MlirOperation){NULL};
  *cidx = mlirOperationGetOperand(u, 0).ptr == r.ptr ? 1 : 0;
  DlShape s;
  MlirValue c = mlirOperationGetOperand(u, *cidx);
  if (mlirAttributeIsNull(dl_value_constant(c)) || !dl_type_to_shape(mlirValueGetType(c), &s) ||
      s.dtype != DL_F32 || dl_shape_numel(&s) != N || s.dims[s.rank - 1] != N)
    return (MlirOperation){NULL};
  return u;
}

/* The layer's bias (N floats, zero when it has none). */
static float *bias_read(const Layer *l) {
  float *b = calloc((size_t)l->N, sizeof(float));
  MlirValue bv = {NULL};
  int ci;
  if (l->k != DL_OP_MATMUL && mlirOperationGetNumOperands(l->op) > 2)
    bv = mlirOperationGetOperand(l->op, 2);
  MlirOperation add = l->k == DL_OP_MATMUL
                          ? matmul_bias_add(mlirOperationGetResult(l->op, 0), l->N, &ci)
                          : (MlirOperation){NULL};
  if (!mlirOperationIsNull(add)) bv = mlirOperationGetOperand(add, ci);
  DlTensor t = {0};
  if (!mlirValueIsNull(bv) && dl_value_tensor(bv, &t) && t.shape.dtype == DL_F32 &&
      dl_shape_numel(&t.shape) == l->N)
    memcpy(b, t.data, sizeof(float) * (size_t)l->N);
  dl_tensor_free(&t);
  return b;
}

static MlirValue f32_constant(MlirOperation before, const DlShape *s, const float *d,
                              const char *name) {
  DlTensor t = {0};
  dl_tensor_alloc(&t, s);
  memcpy(t.data, d, sizeof(float) * (size_t)dl_shape_numel(s));
  return dl_insert_constant(before, &t, name);
}

/* Sets the layer's bias to b, giving it one (an operand, or a qg.add after a matmul) if needed. */
static bool bias_write(const Layer *l, const float *b, DlError *e) {
  DlShape bs = {DL_F32, 1, {l->N}};
  if (l->k == DL_OP_MATMUL) {
    MlirValue r = mlirOperationGetResult(l->op, 0);
    int ci;
    MlirOperation add = matmul_bias_add(r, l->N, &ci);
    if (!mlirOperationIsNull(add)) {
      dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(add, ci)), &bs);
      mlirOperationSetOperand(add, ci, f32_constant(add, &bs, b, "pruned_bias"));
      return true;
    }
    MlirOperationState st =
        mlirOperationStateGet(dl_str("qg.add"), mlirOperationGetLocation(l->op));
    MlirType rt = mlirValueGetType(r);
    mlirOperationStateAddOperands(&st, 1, &r);
    mlirOperationStateAddResults(&st, 1, &rt);
    add = mlirOperationCreate(&st);
    mlirBlockInsertOwnedOperationAfter(mlirOperationGetBlock(l->op), l->op, add);
    MlirValue c = f32_constant(add, &bs, b, "pruned_bias"), ops[2] = {r, c};
    mlirOperationSetOperands(add, 2, ops);
    MlirValue nr = mlirOperationGetResult(add, 0);
    mlirValueReplaceAllUsesExcept(r, nr, 1, &add);
    return true;
  }
  if (l->k == DL_OP_GEMM) {
    DlAttrs a;
    if (!dl_op_read_attrs(l->op, l->k, &a, e)) return false;
    if (dl_attrs_float(&a, "alpha", 1) != 1 || dl_attrs_float(&a, "beta", 1) != 1)
      return dl_error_set(e, "node '%s': compensation needs a gemm with alpha = beta = 1", l->name);
  }
  intptr_t n = mlirOperationGetNumOperands(l->op);
  if (n > 2) {
    DlShape old;
    dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(l->op, 2)), &old);
    if (dl_shape_numel(&old) != l->N)
      return dl_error_set(e,
                          "node '%s': compensation needs one bias per output (the bias has %lld "
                          "elements, not %lld)",
                          l->name, (long long)dl_shape_numel(&old), (long long)l->N);
    mlirOperationSetOperand(l->op, 2, f32_constant(l->op, &old, b, "pruned_bias"));
  } else {
    MlirValue ops[3] = {mlirOperationGetOperand(l->op, 0), mlirOperationGetOperand(l->op, 1),
                        f32_constant(l->op, &bs, b, "pruned_bias")};
    mlirOperationSetOperands(l->op, 3, ops);
  }
  return true;
}

/* ---- input statistics ---------------------------------------------------------- */

/* Runs the data through m and collects l's input statistics (gram.h); H is then symmetric. */
static bool stats_collect(MlirModule m, const Layer *l, const DlTensor *data, int64_t limit, int jobs, DlGram *st,
                          DlError *e) {
  if (!dl_gram_init(st, l->op)) return dl_error_set(e, "node '%s': compensation supports 2-D convolutions only", l->name);
  if (!dl_grams_collect(m, st, 1, data, limit, jobs, e)) return false;
  if (st->bad_shape) return dl_error_set(e, "node '%s': compensation supports 2-D convolutions only", l->name);
  return true;
}

/* ---- compensation ------------------------------------------------------------ */

/* Solves A x = r in place (r becomes x) for symmetric positive definite A (n x n,
 * overwritten by its Cholesky factor); false if A is not positive definite. */
static bool cholesky_solve(double *A, double *r, int64_t n) {
  if (!dl_cholesky(A, n)) return false;
  for (int64_t i = 0; i < n; i++) {
    double s = r[i];
    for (int64_t k = 0; k < i; k++) s -= A[i * n + k] * r[k];
    r[i] = s / A[i * n + i];
  }
  for (int64_t i = n - 1; i >= 0; i--) {
    double s = r[i];
    for (int64_t k = i + 1; k < n; k++) s -= A[k * n + i] * r[k];
    r[i] = s / A[i * n + i];
  }
  return true;
}

/* New weights wn (same layout as l->w) keeping only `keep`, and bias b updated
 * so each output keeps its mean (bias correction) or its least-squares best
 * fit to the original output (reconstruction) over the statistics. Each
 * output is its own problem: on `jobs` threads, the same numbers. */
typedef struct {
  const Layer *l;
  const uint8_t *keep;
  const DlGram *st;
  bool reconstruct;
  float *wn, *b;
  int64_t **S;
  double **A, **r; /* per worker */
} Comp;

static bool compensate_output(void *u, int w, int64_t o) {
  const Comp *c = u;
  const Layer *l = c->l;
  const uint8_t *keep = c->keep;
  const float *w0 = l->w.data;
  float *wn = c->wn, *b = c->b;
  int64_t K = l->K, d = K + 1, per_group = l->N / l->G, *S = c->S[w];
  double *A = c->A[w], *r = c->r[w];
  const double *H = c->st->H + (o / per_group) * d * d;
  double cnt = H[K * d + K];
  for (int64_t k = 0; k < K; k++) wn[widx(l, o, k)] = keep[o * K + k] ? w0[widx(l, o, k)] : 0;
  if (!(cnt > 0)) return true;
  if (!c->reconstruct) {
    double delta = 0;
    for (int64_t k = 0; k < K; k++)
      if (!keep[o * K + k]) delta += w0[widx(l, o, k)] * H[K * d + k] / cnt;
    b[o] = (float)(b[o] + delta);
    return true;
  }
  int64_t n = 0;
  for (int64_t k = 0; k < K; k++)
    if (keep[o * K + k]) S[n++] = k;
  S[n++] = K;
  double diag = 0;
  for (int64_t i = 0; i + 1 < n; i++) diag += H[S[i] * d + S[i]];
  double lambda = n > 1 ? 1e-4 * diag / (double)(n - 1) + 1e-12 : 0;
  for (int tries = 0; tries < 6; tries++, lambda = lambda * 10 + 1e-9) {
    for (int64_t i = 0; i < n; i++) {
      const double *Hi = H + S[i] * d;
      double s = Hi[K] * b[o];
      for (int64_t k = 0; k < K; k++) s += Hi[k] * w0[widx(l, o, k)];
      for (int64_t j = 0; j < n; j++) A[i * n + j] = Hi[S[j]];
      /* ridge towards the original weight: data that says nothing leaves w alone */
      if (S[i] < K) A[i * n + i] += lambda, s += lambda * w0[widx(l, o, S[i])];
      r[i] = s;
    }
    if (cholesky_solve(A, r, n)) {
      for (int64_t i = 0; i + 1 < n; i++) wn[widx(l, o, S[i])] = (float)r[i];
      b[o] = (float)r[n - 1];
      break;
    }
  }
  return true;
}

static void compensate(const Layer *l, const uint8_t *keep, const DlGram *st, bool reconstruct, int jobs, float *wn,
                       float *b) {
  int64_t d = l->K + 1;
  if (jobs < 1 || !reconstruct) jobs = 1; /* bias correction is a sum per output: not worth threads */
  if (jobs > l->N) jobs = (int)l->N;
  DlPool *pool = jobs > 1 ? dl_pool_create(jobs) : NULL;
  if (!pool) jobs = 1;
  Comp c = {l, keep, st, reconstruct, wn, b, calloc((size_t)jobs, sizeof(int64_t *)), calloc((size_t)jobs, sizeof(double *)),
            calloc((size_t)jobs, sizeof(double *))};
  for (int w = 0; w < jobs; w++) {
    c.S[w] = malloc(sizeof(int64_t) * (size_t)d), c.r[w] = malloc(sizeof(double) * (size_t)d);
    c.A[w] = reconstruct ? malloc(sizeof(double) * (size_t)(d * d)) : NULL;
  }
  if (pool) dl_pool_run(pool, l->N, compensate_output, &c);
  else
    for (int64_t o = 0; o < l->N; o++) compensate_output(&c, 0, o);
  for (int w = 0; w < jobs; w++) free(c.S[w]), free(c.A[w]), free(c.r[w]);
  free(c.S), free(c.A), free(c.r);
  dl_pool_destroy(pool);
}

/* ---- filters: shrinking a conv and its consumer ------------------------------- */

typedef struct {
  MlirOperation chain[16]; /* channel-wise ops between the conv and the consumer */
  int nchain;
  Layer consumer;
  int64_t inner; /* consumer inputs per channel */
  char why[160]; /* when there is no consumer: why not */
} Shrink;

static bool channel_wise(DlOpKind k) {
  switch (k) {
  case DL_OP_RELU:
  case DL_OP_LEAKY_RELU:
  case DL_OP_CLIP:
  case DL_OP_SIGMOID:
  case DL_OP_TANH:
  case DL_OP_GELU:
  case DL_OP_HARD_SWISH:
  case DL_OP_HARD_SIGMOID:
  case DL_OP_ELU:
  case DL_OP_MAX_POOL:
  case DL_OP_AVG_POOL:
  case DL_OP_GLOBAL_AVG_POOL:
  case DL_OP_GLOBAL_MAX_POOL: return true;
  default: return false;
  }
}

static bool shrink_find(const Layer *l, Shrink *sh) {
  memset(sh, 0, sizeof *sh);
  MlirValue v = mlirOperationGetResult(l->op, 0);
  int64_t C = l->N;
  if (l->G != 1)
    return snprintf(sh->why, sizeof sh->why, "a grouped conv keeps its channel count"), false;
  for (;;) {
    if (!dl_value_has_one_use(v))
      return snprintf(sh->why, sizeof sh->why, "its result has %s",
                      dl_value_is_unused(v) ? "no use" : "several uses"),
             false;
    MlirOpOperand use = mlirValueGetFirstUse(v);
    MlirOperation u = mlirOpOperandGetOwner(use);
    DlOpKind k = dl_op_kind(u);
    bool first = mlirOpOperandGetOperandNumber(use) == 0;
    DlShape in, out;
    if (k != DL_OP_COUNT && channel_wise(k) && first && sh->nchain < 15 &&
        mlirOperationGetNumResults(u) == 1) {
      sh->chain[sh->nchain++] = u;
      v = mlirOperationGetResult(u, 0);
      continue;
    }
    if (k == DL_OP_RESHAPE && sh->nchain < 15 && dl_type_to_shape(mlirValueGetType(v), &in) &&
        dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(u, 0)), &out) && in.rank >= 2 &&
        out.rank == 2 && out.dims[0] == in.dims[0]) {
      sh->chain[sh->nchain++] = u;
      v = mlirOperationGetResult(u, 0);
      MlirOpOperand u2 = mlirValueGetFirstUse(v);
      if (!dl_value_has_one_use(v) || mlirOpOperandGetOperandNumber(u2) != 0 ||
          !layer_read(mlirOpOperandGetOwner(u2), &sh->consumer) || sh->consumer.k == DL_OP_CONV)
        return snprintf(sh->why, sizeof sh->why,
                        "the flattened result does not feed one gemm or matmul"),
               false;
      sh->inner = out.dims[1] / C;
      break;
    }
    if (k == DL_OP_CONV && first && layer_read(u, &sh->consumer)) {
      if (sh->consumer.G != 1) {
        layer_free(&sh->consumer);
        return snprintf(sh->why, sizeof sh->why, "the consuming conv is grouped"), false;
      }
      sh->inner = sh->consumer.K / C;
      break;
    }
    char name[64] = "a value the function returns";
    if (!mlirOperationIsNull(u) && !dl_op_is(u, "func.return")) {
      MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(u));
      snprintf(name, sizeof name, "%.*s", (int)s.length, s.data);
    }
    return snprintf(sh->why, sizeof sh->why, "its channels flow into %s, which cannot shrink",
                    name),
           false;
  }
  if (sh->inner * C != sh->consumer.K) {
    layer_free(&sh->consumer);
    return snprintf(sh->why, sizeof sh->why, "the consumer's inputs are not whole channels"), false;
  }
  return true;
}

static void set_dim(MlirValue v, int axis, int64_t n) {
  DlShape s;
  dl_type_to_shape(mlirValueGetType(v), &s);
  s.dims[axis] = n;
  mlirValueSetType(v, dl_shape_to_type(mlirValueGetContext(v), &s));
}

/* Removes the conv's outputs with keep_out[o] == 0 from it, the chain and the
 * consumer's inputs; wc is the consumer's (compensated) weights in its layout. */
static void shrink_apply(const Layer *l, const float *b, bool has_bias, const uint8_t *keep_out,
                         const Shrink *sh, const float *wc) {
  const Layer *c = &sh->consumer;
  int64_t C = l->N, per = l->K, kept = 0;
  for (int64_t o = 0; o < C; o++) kept += keep_out[o];
  DlShape ws = l->w.shape, bs = {DL_F32, 1, {kept}};
  ws.dims[0] = kept;
  float *nw = malloc(sizeof(float) * (size_t)(kept * per)),
        *nb = malloc(sizeof(float) * (size_t)(kept ? kept : 1));
  for (int64_t o = 0, j = 0; o < C; o++)
    if (keep_out[o])
      memcpy(nw + j * per, (const float *)l->w.data + o * per, sizeof(float) * (size_t)per),
          nb[j++] = b[o];
  mlirOperationSetOperand(l->op, 1, f32_constant(l->op, &ws, nw, "pruned_weight"));
  if (has_bias) mlirOperationSetOperand(l->op, 2, f32_constant(l->op, &bs, nb, "pruned_bias"));
  set_dim(mlirOperationGetResult(l->op, 0), 1, kept);
  for (int i = 0; i < sh->nchain; i++)
    set_dim(mlirOperationGetResult(sh->chain[i], 0), 1,
            dl_op_kind(sh->chain[i]) == DL_OP_RESHAPE ? kept * sh->inner : kept);
  int64_t K2 = kept * sh->inner, N = c->N;
  float *cw = malloc(sizeof(float) * (size_t)(K2 * N));
  for (int64_t o = 0; o < N; o++)
    for (int64_t k = 0, j = 0; k < c->K; k++)
      if (keep_out[k / sh->inner]) {
        cw[c->row_major ? o * K2 + j : j * N + o] = wc[widx(c, o, k)];
        j++;
      }
  DlShape cs = c->w.shape;
  cs.dims[c->row_major ? 1 : 0] = c->k == DL_OP_CONV ? kept : K2;
  mlirOperationSetOperand(c->op, 1, f32_constant(c->op, &cs, cw, "pruned_weight"));
  free(nw), free(nb), free(cw);
}

/* ---- the driver ------------------------------------------------------------------ */

static void note(MlirOperation op, const char *method, double sparsity, const char *why) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirNamedAttribute kv[3] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("method")),
                            mlirStringAttrGet(ctx, dl_str(method))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("sparsity")),
                            mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), sparsity)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("note")),
                            mlirStringAttrGet(ctx, dl_str(why ? why : ""))),
  };
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.pruned"),
                                             mlirDictionaryAttrGet(ctx, why ? 3 : 2, kv));
}

static const char *method_name(DlPruneMethod m) { return dl_prune_method_name(m); }

/* Prunes one layer (and, for removed filters, shrinks its consumer). */
static bool prune_layer(MlirModule m, MlirOperation op, const DlPruneSettings *s,
                        const DlTensor *data, DlError *e) {
  Layer l;
  if (!layer_read(op, &l)) return true;
  Shrink sh = {0};
  bool shrink = false, ok = false;
  uint8_t *keep = NULL, *keep_out = NULL, *ckeep = NULL;
  float *wn = NULL, *b = NULL, *cw = NULL, *cb = NULL;
  DlGram st = {0};
  if (s->method == DL_PRUNE_NM && l.K % s->m) {
    dl_error_set(
        e,
        "node '%s': nm:%d:%d needs each output's input count to be a multiple of %d (it is %lld)",
        l.name, s->n, s->m, s->m, (long long)l.K);
    goto cleanup;
  }
  keep = malloc((size_t)(l.N * l.K));
  mask_compute(&l, s, keep);
  if (s->method == DL_PRUNE_FILTERS) shrink = shrink_find(&l, &sh);
  bool comp = s->comp != DL_PRUNE_COMP_NONE, rec = s->comp == DL_PRUNE_COMP_RECONSTRUCT;
  bool has_bias = mlirOperationGetNumOperands(op) > 2;
  b = bias_read(&l);
  if (shrink) {
    /* the consumer loses the inputs the removed filters fed; it is the one compensated */
    const Layer *c = &sh.consumer;
    keep_out = malloc((size_t)l.N), ckeep = malloc((size_t)(c->N * c->K));
    for (int64_t o = 0; o < l.N; o++) keep_out[o] = keep[o * l.K];
    for (int64_t o = 0; o < c->N; o++)
      for (int64_t k = 0; k < c->K; k++) ckeep[o * c->K + k] = keep_out[k / sh.inner];
    cw = malloc(sizeof(float) * (size_t)(c->N * c->K));
    if (comp) {
      cb = bias_read(c);
      if (!stats_collect(m, c, data, s->samples, s->jobs, &st, e)) goto cleanup;
      compensate(c, ckeep, &st, rec, s->jobs, cw, cb);
      if (!bias_write(c, cb, e)) goto cleanup;
    } else {
      memcpy(cw, c->w.data, sizeof(float) * (size_t)(c->N * c->K));
    }
    shrink_apply(&l, b, has_bias, keep_out, &sh, cw);
    int64_t removed = 0;
    for (int64_t o = 0; o < l.N; o++) removed += !keep_out[o];
    note(op, "filters", (double)removed / (double)l.N, NULL);
    ok = true;
    goto cleanup;
  }
  wn = malloc(sizeof(float) * (size_t)(l.N * l.K));
  if (comp) {
    if (!stats_collect(m, &l, data, s->samples, s->jobs, &st, e)) goto cleanup;
    compensate(&l, keep, &st, rec, s->jobs, wn, b);
    if (!bias_write(&l, b, e)) goto cleanup;
  } else {
    for (int64_t o = 0; o < l.N; o++)
      for (int64_t k = 0; k < l.K; k++)
        wn[widx(&l, o, k)] = keep[o * l.K + k] ? ((const float *)l.w.data)[widx(&l, o, k)] : 0;
  }
  mlirOperationSetOperand(op, 1, f32_constant(op, &l.w.shape, wn, "pruned_weight"));
  int64_t zeros = 0;
  for (int64_t i = 0; i < l.N * l.K; i++) zeros += !keep[i];
  char why[200];
  if (s->method == DL_PRUNE_FILTERS)
    snprintf(why, sizeof why, "filters zeroed, not removed: %s", sh.why);
  note(op, method_name(s->method), (double)zeros / (double)(l.N * l.K),
       s->method == DL_PRUNE_FILTERS ? why : NULL);
  ok = true;
cleanup:
  if (shrink) layer_free(&sh.consumer);
  dl_gram_free(&st);
  free(keep), free(keep_out), free(ckeep), free(wn), free(b), free(cw), free(cb);
  layer_free(&l);
  return ok;
}

/* The layers of func to prune, in order (a null-terminated array to free). */
static MlirOperation *select_layers(MlirOperation func, const DlPruneSettings *s, DlError *e) {
  regex_t re;
  if (s->layers) {
    int rc = regcomp(&re, s->layers, REG_EXTENDED | REG_NOSUB);
    if (rc) {
      char msg[128];
      regerror(rc, &re, msg, sizeof msg);
      dl_error_set(e, "bad prune layer pattern '%s': %s", s->layers, msg);
      return NULL;
    }
  }
  MlirOperation *ops = NULL;
  size_t n = 0;
  MlirBlock body = dl_func_body(func);
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    Layer l;
    if (!layer_read(op, &l)) continue;
    bool take = (s->method != DL_PRUNE_FILTERS || l.k == DL_OP_CONV) &&
                (!s->layers || !regexec(&re, l.name, 0, NULL, 0));
    layer_free(&l);
    if (!take) continue;
    ops = realloc(ops, sizeof *ops * (n + 2));
    ops[n++] = op;
  }
  if (s->layers) regfree(&re);
  if (!ops) ops = malloc(sizeof *ops);
  ops[n] = (MlirOperation){NULL};
  return ops;
}

/* On failure *failed is the layer at fault (or stays null). */
static bool prune_func(MlirModule m, MlirOperation func, const DlPruneSettings *s,
                       const DlTensor *data, DlError *e, MlirOperation *failed) {
  MlirOperation *ops = select_layers(func, s, e);
  if (!ops) return false;
  bool ok = true;
  for (MlirOperation *p = ops; ok && !mlirOperationIsNull(*p); p++) {
    ok = prune_layer(m, *p, s, data, e);
    if (!ok) *failed = *p;
    dl_erase_dead_constants(func);
  }
  free(ops);
  return ok;
}

static bool settings_read(MlirOperation func, DlPruneSettings *s, char *layers, size_t n,
                          DlError *e) {
  memset(s, 0, sizeof *s);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.prune"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d))
    return dl_error_set(e, "--prune needs the func's dlc.prune settings: {spec = "
                           "\"unstructured:0.5\"} (dlc --prune=SPEC writes them)");
  MlirAttribute spec = mlirDictionaryAttrGetElementByName(d, dl_str("spec"));
  MlirAttribute lay = mlirDictionaryAttrGetElementByName(d, dl_str("layers"));
  if (mlirAttributeIsNull(spec) || !mlirAttributeIsAString(spec))
    return dl_error_set(e, "dlc.prune: spec must be a string");
  if (!mlirAttributeIsNull(lay) && !mlirAttributeIsAString(lay))
    return dl_error_set(e, "dlc.prune: layers must be a string");
  char buf[128];
  MlirStringRef r = mlirStringAttrGetValue(spec);
  snprintf(buf, sizeof buf, "%.*s", (int)r.length, r.data);
  if (!dl_prune_spec_parse(buf, s, e)) return false;
  if (!mlirAttributeIsNull(lay)) {
    r = mlirStringAttrGetValue(lay);
    snprintf(layers, n, "%.*s", (int)r.length, r.data);
    s->layers = layers;
  }
  return true;
}

bool dl_pass_prune(MlirOperation func) {
  DlPruneSettings s;
  char layers[512];
  DlError e = {0};
  MlirOperation failed = {NULL};
  bool ok = settings_read(func, &s, layers, sizeof layers, &e) &&
            prune_func((MlirModule){NULL}, func, &s, NULL, &e, &failed);
  if (!ok)
    mlirEmitError(mlirOperationGetLocation(mlirOperationIsNull(failed) ? func : failed), e.msg);
  dl_error_clear(&e);
  return ok;
}

bool dl_prune_module(MlirModule m, const DlPruneSettings *s, const DlTensor *data, DlError *e) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func");
  if (s->comp != DL_PRUNE_COMP_NONE && (!data || !data->shape.dtype))
    return dl_error_set(e, "pruning compensation needs calibration data (--calib=FILE.npy)");
  MlirContext ctx = mlirModuleGetContext(m);
  char spec[64];
  if (s->method == DL_PRUNE_NM)
    snprintf(spec, sizeof spec, "nm:%d:%d", s->n, s->m);
  else if (s->method == DL_PRUNE_BLOCKS)
    snprintf(spec, sizeof spec, "blocks:%g:%dx%d", s->ratio, s->bn, s->bk);
  else
    snprintf(spec, sizeof spec, "%s:%g", method_name(s->method), s->ratio);
  MlirNamedAttribute kv[2] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("spec")),
                            mlirStringAttrGet(ctx, dl_str(spec))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("layers")),
                            mlirStringAttrGet(ctx, dl_str(s->layers ? s->layers : ""))),
  };
  mlirOperationSetDiscardableAttributeByName(func, dl_str("dlc.prune"),
                                             mlirDictionaryAttrGet(ctx, s->layers ? 2 : 1, kv));
  MlirOperation failed = {NULL};
  if (!prune_func(m, func, s, data, e, &failed)) return false;
  if (!dl_verify(mlirModuleGetOperation(m)))
    return dl_error_set(e, "internal: the pruned IR does not verify");
  return true;
}

bool dl_prune_module_by_op(MlirModule m, DlPruneComp comp, int64_t samples, int jobs, const DlTensor *data, DlError *e) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func");
  if (comp != DL_PRUNE_COMP_NONE && (!data || !data->shape.dtype))
    return dl_error_set(e, "pruning compensation needs calibration data (--calib=FILE.npy)");
  MlirOperation *ops = NULL;
  size_t n = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirAttribute a = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.prune_spec"));
    if (mlirAttributeIsNull(a)) continue;
    ops = realloc(ops, sizeof *ops * (n + 1));
    ops[n++] = op;
  }
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) {
    MlirAttribute a = mlirOperationGetDiscardableAttributeByName(ops[i], dl_str("dlc.prune_spec"));
    char spec[128] = "", where[160];
    dl_location_str(mlirOperationGetLocation(ops[i]), where, sizeof where);
    if (mlirAttributeIsAString(a)) {
      MlirStringRef r = mlirStringAttrGetValue(a);
      snprintf(spec, sizeof spec, "%.*s", (int)r.length, r.data);
    }
    DlPruneSettings s = {0};
    DlError pe = {0};
    if (!dl_prune_spec_parse(spec, &s, &pe)) {
      ok = dl_error_set(e, "node '%s': dlc.prune_spec: %s", where, pe.msg);
      dl_error_clear(&pe);
      break;
    }
    s.comp = comp, s.samples = samples, s.jobs = jobs;
    Layer l;
    if (!layer_read(ops[i], &l)) {
      ok = dl_error_set(e, "node '%s': only a conv, gemm or matmul with constant weights can be pruned", where);
      break;
    }
    layer_free(&l);
    ok = prune_layer(m, ops[i], &s, data, e);
    mlirOperationRemoveDiscardableAttributeByName(ops[i], dl_str("dlc.prune_spec"));
    dl_erase_dead_constants(func);
  }
  free(ops);
  if (ok && n && !dl_verify(mlirModuleGetOperation(m))) ok = dl_error_set(e, "internal: the pruned IR does not verify");
  return ok;
}
