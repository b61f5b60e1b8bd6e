/* Layer input statistics shared by pruning compensation and GPTQ (gram.h). */
#include "gram.h"

#include "dlc/plan.h"

#include <stdlib.h>
#include <string.h>

enum { NROWS = 64 };

bool dl_gram_init(DlGram *g, MlirOperation op) {
  memset(g, 0, sizeof *g);
  DlOpKind k = dl_op_kind(op);
  DlAttrs a;
  DlError e = {0};
  DlShape ws, ys;
  if (k != DL_OP_CONV && k != DL_OP_GEMM && k != DL_OP_MATMUL) return false;
  if (!dl_op_read_attrs(op, k, &a, &e)) return dl_error_clear(&e), false;
  if (!dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(op, 1)), &ws) || ws.dtype != DL_F32 ||
      !dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &ys))
    return false;
  int64_t N;
  if (k == DL_OP_CONV) {
    g->row_major = true;
    int np, ns, nd;
    const int64_t *p = dl_attrs_ints(&a, "pads", &np), *s = dl_attrs_ints(&a, "strides", &ns),
                  *d = dl_attrs_ints(&a, "dilations", &nd);
    if (ws.rank != 4 || np != 4 || ns != 2 || nd != 2 || ys.rank != 4) return false;
    g->conv = true, g->G = dl_attrs_int(&a, "group", 1);
    N = ws.dims[0], g->K = ws.dims[1] * ws.dims[2] * ws.dims[3];
    g->pads[0] = p[0], g->pads[1] = p[1], g->strides[0] = s[0], g->strides[1] = s[1], g->dil[0] = d[0],
    g->dil[1] = d[1];
    g->kh = ws.dims[2], g->kw = ws.dims[3], g->oh = ys.dims[2], g->ow = ys.dims[3];
  } else {
    if (ws.rank != 2 || (k == DL_OP_GEMM && dl_attrs_int(&a, "transA", 0))) return false;
    g->row_major = k == DL_OP_GEMM && dl_attrs_int(&a, "transB", 0);
    g->G = 1, N = ws.dims[g->row_major ? 0 : 1], g->K = ws.dims[g->row_major ? 1 : 0];
  }
  if (N <= 0 || g->K <= 0 || g->G <= 0 || N % g->G) return false;
  g->x = mlirOperationGetOperand(op, 0), g->N = N, g->d = g->K + 1;
  g->H = calloc((size_t)(g->G * g->d * g->d), sizeof(double));
  g->R = malloc(sizeof(double) * (size_t)(NROWS * g->d));
  return true;
}

/* H_rg += R^T R (upper triangle) over rows [a0, a1) of H. Row a of H stays
 * in cache while every waiting row adds to it, and the innermost loop runs
 * over contiguous doubles, so it vectorizes (AVX2 where the CPU has it; no
 * FMA, and each entry still adds its products row after row: the same bits
 * on every machine, with any split of the rows, and as before this
 * blocking). */
__attribute__((target_clones("avx2", "default"))) static void flush_rows(DlGram *g, int64_t a0, int64_t a1) {
  int64_t d = g->d, nr = g->nr;
  double *H = g->H + g->rg * d * d;
  for (int64_t a = a0; a < a1; a++) {
    double *restrict row = H + a * d;
    for (int64_t r = 0; r < nr; r++) {
      const double *restrict x = g->R + r * d;
      double va = x[a];
      if (va == 0) continue; /* ReLU inputs: about half the rows skip */
      for (int64_t b = a; b < d; b++) row[b] += va * x[b];
    }
  }
}

enum { FLUSH_PARTS = 16 }; /* row ranges of equal work: row a costs d - a */

static int64_t part_start(int64_t d, int64_t k) { /* the row where part k starts: (d - a)^2 falls evenly */
  return k >= FLUSH_PARTS ? d : d - (int64_t)((double)d * __builtin_sqrt(1.0 - (double)k / FLUSH_PARTS));
}

static bool flush_part(void *u, int w, int64_t k) {
  (void)w;
  DlGram *g = u;
  flush_rows(g, part_start(g->d, k), part_start(g->d, k + 1));
  return true;
}

/* H_rg += R^T R, then R is empty. */
static void flush(DlGram *g) {
  if (g->pool && dl_pool_workers(g->pool) > 1 && g->d >= 64) dl_pool_run(g->pool, FLUSH_PARTS, flush_part, g);
  else flush_rows(g, 0, g->d);
  g->nr = 0;
}

/* The next row of group grp to fill; the waiting rows of another group, or a full R, go into H first. */
static double *next_row(DlGram *g, int64_t grp) {
  if (g->nr == NROWS || (g->nr && grp != g->rg)) flush(g);
  g->rg = grp;
  return g->R + (g->nr++) * g->d;
}

void dl_gram_add(DlGram *g, const DlTensor *t) {
  if (!g->H || t->shape.dtype != DL_F32) return;
  const float *x = t->data;
  int64_t K = g->K;
  if (!g->conv) {
    for (int64_t r = 0, rows = dl_shape_numel(&t->shape) / K; r < rows; r++) {
      double *row = next_row(g, 0);
      for (int64_t k = 0; k < K; k++) row[k] = x[r * K + k];
      row[K] = 1;
    }
    return;
  }
  if (t->shape.rank != 4) {
    g->bad_shape = true;
    return;
  }
  int64_t B = t->shape.dims[0], C = t->shape.dims[1], H = t->shape.dims[2], W = t->shape.dims[3], cg = C / g->G;
  for (int64_t b = 0; b < B; b++)
    for (int64_t grp = 0; grp < g->G; grp++)
      for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
          double *row = next_row(g, grp);
          int64_t k = 0;
          for (int64_t c = 0; c < cg; c++)
            for (int64_t ky = 0; ky < g->kh; ky++)
              for (int64_t kx = 0; kx < g->kw; kx++, k++) {
                int64_t iy = oy * g->strides[0] - g->pads[0] + ky * g->dil[0];
                int64_t ix = ox * g->strides[1] - g->pads[1] + kx * g->dil[1];
                row[k] = iy < 0 || iy >= H || ix < 0 || ix >= W ? 0 : x[((b * C + grp * cg + c) * H + iy) * W + ix];
              }
          row[K] = 1;
        }
}

void dl_gram_finish(DlGram *g) {
  if (!g->H) return;
  if (g->nr) flush(g);
  int64_t d = g->d;
  for (int64_t grp = 0; grp < g->G; grp++) {
    double *H = g->H + grp * d * d;
    for (int64_t a = 0; a < d; a++)
      for (int64_t b = 0; b < a; b++) H[a * d + b] = H[b * d + a];
  }
  free(g->R), g->R = NULL;
}

void dl_gram_free(DlGram *g) {
  free(g->H), free(g->R);
  g->H = g->R = NULL;
}

/* ---- collecting on threads ---------------------------------------------------- */

enum { CHUNK = 16 }; /* samples per worker per round */

typedef struct {
  DlGram *g;
  int n;
  DlPlan **plan;     /* per worker */
  const DlTensor *data;
  int64_t per, i0, count;
  float **buf;       /* per worker: a sample's inputs */
  DlTensor *seen;    /* [sample in round][gram]: the values observed, owned */
  DlError *err;      /* per worker */
  int64_t cur[64];   /* per worker: the sample in the round it runs */
} Collect;

typedef struct {
  Collect *c;
  int w;
} Watch;

static void watch(void *u, MlirValue v, const DlTensor *t) {
  Watch *x = u;
  Collect *c = x->c;
  for (int k = 0; k < c->n; k++)
    if (c->g[k].H && v.ptr == c->g[k].x.ptr) { /* several layers may read one value (a conv and its shortcut) */
      DlTensor *d = &c->seen[c->cur[x->w] * c->n + k];
      if (dl_tensor_alloc(d, &t->shape)) memcpy(d->data, t->data, dl_tensor_bytes(t));
    }
}

static bool run_sample(void *u, int w, int64_t s) {
  Collect *c = u;
  const void *in;
  c->cur[w] = s;
  return dl_plan_run_inputs(c->plan[w], c->data, c->i0 + s, c->per, &in, c->buf[w], &c->err[w]) &&
         dl_plan_run(c->plan[w], &in, &c->err[w]);
}

static void observe_all(void *u, MlirValue v, const DlTensor *t) {
  Collect *c = u;
  for (int k = 0; k < c->n; k++)
    if (c->g[k].H && v.ptr == c->g[k].x.ptr) dl_gram_add(&c->g[k], t);
}

bool dl_grams_collect(MlirModule m, DlGram *g, int n, const DlTensor *data, int64_t limit, int jobs, DlError *e) {
  if (jobs < 1) jobs = 1;
  if (jobs > 64) jobs = 64;
  Collect c = {.g = g, .n = n, .data = data};
  DlPlan *p0 = dl_plan_create(m, e);
  if (!p0) return false;
  int64_t total = dl_plan_samples(p0, data, limit, "calibration data", &c.per, e);
  bool ok = total >= 0;
  /* stop after the last value a gram needs (all of them: the plan's steps in order) */
  int last = -1;
  for (int s = 0; s < p0->nsteps; s++)
    for (int k = 0; k < n; k++)
      if (g[k].H && p0->steps[s].val.ptr == g[k].x.ptr) last = s;
  if (jobs > total) jobs = total > 0 ? (int)total : 1;
  DlPool *pool = ok && jobs > 1 ? dl_pool_create(jobs) : NULL;
  if (!pool) jobs = 1;
  c.plan = calloc((size_t)jobs, sizeof(DlPlan *)), c.buf = calloc((size_t)jobs, sizeof(float *));
  c.err = calloc((size_t)jobs, sizeof(DlError));
  Watch *wt = calloc((size_t)jobs, sizeof(Watch));
  c.plan[0] = p0;
  for (int w = 1; ok && w < jobs; w++) ok = (c.plan[w] = dl_plan_create(m, e)) != NULL;
  for (int w = 0; ok && w < jobs; w++) {
    c.buf[w] = malloc(sizeof(float) * (size_t)(c.per ? c.per : 1));
    wt[w] = (Watch){&c, w};
    if (jobs > 1) dl_plan_set_observer(c.plan[w], watch, &wt[w]);
    else dl_plan_set_observer(c.plan[w], observe_all, &c);
    if (last >= 0) dl_plan_stop_after(c.plan[w], p0->steps[last].val);
  }
  for (int k = 0; k < n; k++) g[k].pool = pool;
  if (jobs == 1) {
    for (int64_t i = 0; ok && i < total; i++) {
      const void *in;
      ok = dl_plan_run_inputs(p0, data, i, c.per, &in, c.buf[0], e) && dl_plan_run(p0, &in, e);
    }
  } else {
    int64_t round = (int64_t)jobs * CHUNK;
    c.seen = calloc((size_t)(round * n), sizeof(DlTensor));
    for (c.i0 = 0; ok && c.i0 < total; c.i0 += round) {
      c.count = total - c.i0 < round ? total - c.i0 : round;
      if (!dl_pool_run(pool, c.count, run_sample, &c)) {
        for (int w = 0; w < jobs && !dl_error_is_set(e); w++)
          if (dl_error_is_set(&c.err[w])) dl_error_set(e, "%s", c.err[w].msg);
        ok = false;
      }
      for (int64_t s = 0; s < c.count; s++) /* in sample order, as one thread adds them */
        for (int k = 0; k < n; k++) {
          DlTensor *t = &c.seen[s * n + k];
          if (ok && t->data) dl_gram_add(&g[k], t);
          dl_tensor_free(t);
        }
    }
    free(c.seen);
  }
  for (int k = 0; k < n; k++) {
    if (ok) dl_gram_finish(&g[k]);
    g[k].pool = NULL;
  }
  for (int w = 0; w < jobs; w++) {
    if (c.plan[w]) dl_plan_destroy(c.plan[w]);
    free(c.buf[w]);
    dl_error_clear(&c.err[w]);
  }
  dl_pool_destroy(pool);
  free(c.plan), free(c.buf), free(c.err), free(wt);
  return ok;
}
