/* Layer input statistics shared by pruning compensation and GPTQ (gram.h). */
#include "gram.h"

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

/* H_rg += R^T R (upper triangle), then R is empty. Row a of H stays in cache
 * while every waiting row adds to it, and the innermost loop runs over
 * contiguous doubles, so it vectorizes (AVX2 where the CPU has it; no FMA,
 * and each entry still adds its products row after row: the same bits on
 * every machine, and as before this blocking). */
__attribute__((target_clones("avx2", "default"))) static void flush(DlGram *g) {
  int64_t d = g->d, nr = g->nr;
  double *H = g->H + g->rg * d * d;
  for (int64_t a = 0; a < d; a++) {
    double *restrict row = H + a * d;
    for (int64_t r = 0; r < nr; r++) {
      const double *restrict x = g->R + r * d;
      double va = x[a];
      if (va == 0) continue; /* ReLU inputs: about half the rows skip */
      for (int64_t b = a; b < d; b++) row[b] += va * x[b];
    }
  }
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
