/* dlc-bench-sparse: the dense and the sparse integer kernels (qrt_conv vs
 * qrt_conv_sparse, qrt_matmul vs qrt_matmul_sparse) on the zoo's layer
 * shapes, with a random share of the weights zeroed, int8 activations and
 * 8-bit weights on the int32 path, batch 1. Prints per shape and density the
 * CPU time per call of each (the best of 5 runs of enough calls for 50 ms)
 * and their ratio; the density at which the sparse kernel stops losing is
 * what DL_SPARSE_MAX_DENSITY (lib/quant/qstep.h) is set from. Both kernels'
 * outputs are compared on every case.
 * usage: dlc-bench-sparse [DENSITY%...]   (default 100 75 50 40 30 25 20 10 5) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlc/qrt.h"
#include "dlc/sparse.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  const char *name;
  int conv;                    /* else a matmul [M,K] x [K,N] */
  dlrt_i c, m, hw, k, stride;  /* conv: channels in/out, input size, kernel, stride (pad k/2) */
  dlrt_i M, K, N;              /* matmul */
} Shape;

static const Shape shapes[] = {
    {"cnn c2: 16->32, 3x3, 14x14", 1, 16, 32, 14, 3, 1, 0, 0, 0},
    {"cnn c3: 32->32, 3x3, 7x7", 1, 32, 32, 7, 3, 1, 0, 0, 0},
    {"resnet l2: 32->32, 3x3, 14x14", 1, 32, 32, 14, 3, 1, 0, 0, 0},
    {"resnet l3 c1: 32->64, 3x3/2, 14x14", 1, 32, 64, 14, 3, 2, 0, 0, 0},
    {"cnn fc: 1x1568 x 1568x10", 0, 0, 0, 0, 0, 0, 1, 1568, 10},
    {"vit mlp: 16x48 x 48x144", 0, 0, 0, 0, 0, 0, 16, 48, 144},
};

/* Seconds per call of fn(arg): the best of 5 runs of n calls, n sized for about 50 ms. */
static double timed(void (*fn)(void *), void *arg) {
  double t0 = cpu_now();
  int n = 0;
  while (cpu_now() - t0 < 0.01) fn(arg), n++;
  n = n * 5 + 1;
  double best = 1e30;
  for (int r = 0; r < 5; r++) {
    double a = cpu_now();
    for (int i = 0; i < n; i++) fn(arg);
    double t = (cpu_now() - a) / n;
    best = t < best ? t : best;
  }
  return best;
}

typedef struct {
  const struct DlQStep *q;
  const int8_t *x;
  qrt_swts sw;
  const qrt_mult *mult;
  qrt_out o;
  void *y, *scratch;
} Call;

static void run_dense(void *p) {
  Call *c = p;
  const struct DlQStep *q = c->q;
  if (q->kind == DL_Q_CONV)
    qrt_conv(&q->c.win, c->x, 1, q->zx, q->w, NULL, c->mult, c->o, 32, c->y, c->scratch);
  else
    qrt_matmul(1, q->c.aoff, q->c.boff, q->c.M, q->c.N, q->c.K, c->x, 1, q->zx, &q->w, NULL, 1, 0, NULL, c->mult,
               (int)q->c.N, c->o, 32, c->y, c->scratch);
}

static void run_sparse(void *p) {
  Call *c = p;
  const struct DlQStep *q = c->q;
  if (q->kind == DL_Q_CONV) qrt_conv_sparse(&q->c.win, c->x, q->zx, c->sw, NULL, c->mult, c->o, c->y, c->scratch);
  else
    qrt_matmul_sparse(1, q->c.aoff, q->c.M, q->c.N, q->c.K, c->x, q->zx, c->sw, NULL, c->mult, (int)q->c.N, c->o, c->y,
                      c->scratch);
}

int main(int argc, char **argv) {
  int dens[32], nd = 0;
  for (int i = 1; i < argc && nd < 32; i++) dens[nd++] = atoi(argv[i]);
  if (!nd) {
    static const int def[] = {100, 75, 50, 40, 30, 25, 20, 10, 5};
    for (nd = 0; nd < 9; nd++) dens[nd] = def[nd];
  }
  printf("| layer | nonzero | dense us/call | sparse us/call | sparse / dense | same output |\n");
  printf("|---|---|---|---|---|---|\n");
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const Shape *sh = &shapes[s];
    struct DlQStep q = {.kind = sh->conv ? DL_Q_CONV : DL_Q_MATMUL, .xes = 1, .zx = -128, .acc_bits = 32};
    dlrt_i nx, nw, ny, rows;
    dlrt_i zero = 0;
    if (sh->conv) {
      dlrt_win *g = &q.c.win;
      g->n = 1, g->c = sh->c, g->m = sh->m, g->group = 1;
      for (int d = 0; d < 3; d++) {
        int on = d > 0;
        g->id[d] = on ? sh->hw : 1, g->k[d] = on ? sh->k : 1, g->stride[d] = on ? sh->stride : 1;
        g->pad[d] = g->pad_end[d] = on ? sh->k / 2 : 0, g->dil[d] = 1;
        g->od[d] = (g->id[d] + 2 * g->pad[d] - g->k[d]) / g->stride[d] + 1;
      }
      nx = g->c * g->id[1] * g->id[2], nw = g->m * g->c * g->k[1] * g->k[2], ny = g->m * g->od[1] * g->od[2];
      rows = g->m;
    } else {
      q.c.M = sh->M, q.c.K = sh->K, q.c.N = sh->N, q.c.batches = 1, q.c.aoff = &zero, q.c.boff = &zero;
      nx = sh->M * sh->K, nw = sh->K * sh->N, ny = sh->M * sh->N, rows = sh->N;
    }
    int8_t *x = malloc((size_t)nx);
    int32_t *w = malloc(sizeof(int32_t) * (size_t)nw);
    qrt_mult *mult = malloc(sizeof(qrt_mult) * (size_t)rows);
    for (dlrt_i i = 0; i < nx; i++) x[i] = (int8_t)(next() % 2 ? -128 : (int)(next() % 256) - 128); /* ReLU-like */
    for (dlrt_i i = 0; i < rows; i++) mult[i] = (qrt_mult){1 << 20, 30};
    for (int d = 0; d < nd; d++) {
      for (dlrt_i i = 0; i < nw; i++) w[i] = (int)(next() % 100) < dens[d] ? (int)(next() % 255) - 127 : 0;
      q.wdata = dl_qweights_pack(w, nw, &q.w.bits, &q.wbytes);
      q.w.data = q.wdata, q.nw = nw;
      DlQSparse sp;
      if (!dl_qstep_sparse(&q, DL_SPARSE_ALL, &sp)) return fprintf(stderr, "%s: no sparse form\n", sh->name), 1;
      size_t nd_scr = (size_t)(sh->conv ? qrt_conv_scratch(&q.c.win, 1, q.zx, q.w, 32)
                                        : qrt_matmul_scratch(q.c.M, q.c.N, q.c.K, 1, q.zx, &q.w, 1, 0, 32));
      size_t ns_scr = (size_t)(sh->conv ? qrt_conv_sparse_scratch(&q.c.win) : qrt_matmul_sparse_scratch(q.c.M, q.c.K));
      qrt_out o = {1, -128, -128, 127};
      Call cd = {&q, x, {0}, mult, o, calloc((size_t)ny, 1), aligned_alloc(16, (nd_scr + 15) / 16 * 16)};
      Call cs = {&q, x, {sp.mask, {sp.vals, sp.bits, 0}}, mult, o, calloc((size_t)ny, 1),
                 aligned_alloc(16, (ns_scr + 15) / 16 * 16)};
      run_dense(&cd), run_sparse(&cs);
      int same = !memcmp(cd.y, cs.y, (size_t)ny);
      double td = timed(run_dense, &cd), ts = timed(run_sparse, &cs);
      printf("| %s | %.1f%% | %.2f | %.2f | %.2f | %s |\n", sh->name, 100.0 * (double)sp.nnz / (double)nw, td * 1e6,
             ts * 1e6, ts / td, same ? "yes" : "NO");
      fflush(stdout);
      free(cd.y), free(cd.scratch), free(cs.y), free(cs.scratch), free(q.wdata);
      dl_qsparse_free(&sp);
    }
    free(x), free(w), free(mult);
  }
  return 0;
}
