/* Error-compensating weight rounding (--wround=gptq, dlc/gptq.h): each layer's
 * weights are rounded one input at a time onto the grid the quantize pass will
 * use, and the rounding error of each input is spread over the inputs (and the
 * bias) not yet rounded, weighted by the inverse of the Gram matrix of the
 * layer's inputs on calibration data, so that the layer's outputs, not its
 * weights, stay close (Frantar et al., "GPTQ: Accurate Post-Training
 * Quantization for Generative Pre-trained Transformers", ICLR 2023; the
 * Optimal Brain Quantizer update with a fixed per-channel grid). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/gptq.h"
#include "dlc/interp.h"
#include "dlc/quant.h"
#include "pass_util.h"

typedef struct {
  int64_t N, K, G;       /* outputs, inputs per output, groups */
  bool row_major;        /* w[o*K + k] (conv, gemm transB) or w[k*N + o] */
  bool conv;
  int64_t pads[2], strides[2], dil[2], kh, kw, oh, ow;
  MlirValue x;           /* the layer's input */
  double *H;             /* G blocks of d x d, d = K + 1 (the inputs, then the constant 1) */
  double *R;             /* rows waiting to be added to H, of group rg */
  int64_t nr, rg;
} LayerStats;

struct DlHessians {
  int n;
  LayerStats *l;
};

enum { NROWS = 64 };

/* The conv / gemm / matmul ops with constant f32 weights of the module's func, in order. */
static int find_layers(MlirModule m, MlirOperation *ops, int max) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return 0;
  int n = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op) && n < max;
       op = mlirOperationGetNextInBlock(op)) {
    DlOpKind k = dl_op_kind(op);
    if (k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL) ops[n++] = op;
  }
  return n;
}

/* Fills l's shape from op; false when op is no 2-D conv / plain gemm / rank-2 matmul with f32 weights. */
static bool layer_shape(MlirOperation op, LayerStats *l) {
  DlOpKind k = dl_op_kind(op);
  DlAttrs a;
  DlError e = {0};
  DlShape ws, ys;
  MlirValue wv = mlirOperationGetOperand(op, 1);
  if (!dl_op_read_attrs(op, k, &a, &e)) return dl_error_clear(&e), false;
  if (!dl_type_to_shape(mlirValueGetType(wv), &ws) || ws.dtype != DL_F32 ||
      !dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &ys))
    return false;
  l->x = mlirOperationGetOperand(op, 0);
  if (k == DL_OP_CONV) {
    int np, ns, nd;
    const int64_t *p = dl_attrs_ints(&a, "pads", &np), *s = dl_attrs_ints(&a, "strides", &ns),
                  *d = dl_attrs_ints(&a, "dilations", &nd);
    if (ws.rank != 4 || np != 4 || ns != 2 || nd != 2 || ys.rank != 4) return false;
    l->conv = l->row_major = true, l->G = dl_attrs_int(&a, "group", 1);
    l->N = ws.dims[0], l->K = ws.dims[1] * ws.dims[2] * ws.dims[3];
    l->pads[0] = p[0], l->pads[1] = p[1], l->strides[0] = s[0], l->strides[1] = s[1], l->dil[0] = d[0],
    l->dil[1] = d[1];
    l->kh = ws.dims[2], l->kw = ws.dims[3], l->oh = ys.dims[2], l->ow = ys.dims[3];
  } else {
    if (ws.rank != 2 || (k == DL_OP_GEMM && dl_attrs_int(&a, "transA", 0))) return false;
    l->row_major = k == DL_OP_GEMM && dl_attrs_int(&a, "transB", 0), l->G = 1;
    l->N = ws.dims[l->row_major ? 0 : 1], l->K = ws.dims[l->row_major ? 1 : 0];
  }
  return l->N > 0 && l->K > 0 && l->G > 0 && l->N % l->G == 0;
}

/* H_rg += R^T R over the upper triangle; R is then empty. */
static void flush(LayerStats *l) {
  int64_t d = l->K + 1;
  double *H = l->H + l->rg * d * d;
  for (int64_t a = 0; a < d; a++) {
    double *restrict row = H + a * d;
    for (int64_t r = 0; r < l->nr; r++) {
      const double *restrict x = l->R + r * d;
      double va = x[a];
      if (va == 0) continue;
      for (int64_t b = a; b < d; b++) row[b] += va * x[b];
    }
  }
  l->nr = 0;
}

/* The next row of group g to fill (added to H once NROWS are waiting). */
static double *next_row(LayerStats *l, int64_t g) {
  if (l->nr == NROWS || (l->nr && g != l->rg)) flush(l);
  l->rg = g;
  return l->R + (l->nr++) * (l->K + 1);
}

static void observe(void *u, MlirValue v, const DlTensor *t) {
  DlHessians *h = u;
  if (t->shape.dtype != DL_F32) return;
  const float *x = t->data;
  for (int i = 0; i < h->n; i++) {
    LayerStats *l = &h->l[i];
    if (!l->H || v.ptr != l->x.ptr) continue;
    int64_t K = l->K;
    if (!l->conv) {
      for (int64_t r = 0, rows = dl_shape_numel(&t->shape) / K; r < rows; r++) {
        double *row = next_row(l, 0);
        for (int64_t k = 0; k < K; k++) row[k] = x[r * K + k];
        row[K] = 1;
      }
      continue;
    }
    int64_t B = t->shape.dims[0], C = t->shape.dims[1], H = t->shape.dims[2], W = t->shape.dims[3], cg = C / l->G;
    for (int64_t b = 0; b < B; b++)
      for (int64_t g = 0; g < l->G; g++)
        for (int64_t oy = 0; oy < l->oh; oy++)
          for (int64_t ox = 0; ox < l->ow; ox++) {
            double *row = next_row(l, g);
            int64_t k = 0;
            for (int64_t c = 0; c < cg; c++)
              for (int64_t ky = 0; ky < l->kh; ky++)
                for (int64_t kx = 0; kx < l->kw; kx++, k++) {
                  int64_t iy = oy * l->strides[0] - l->pads[0] + ky * l->dil[0];
                  int64_t ix = ox * l->strides[1] - l->pads[1] + kx * l->dil[1];
                  row[k] = iy < 0 || iy >= H || ix < 0 || ix >= W ? 0 : x[((b * C + g * cg + c) * H + iy) * W + ix];
                }
            row[K] = 1;
          }
  }
}

DlHessians *dl_hessians_collect(MlirModule m, const DlTensor *data, int64_t limit, DlError *e) {
  MlirOperation ops[512];
  int n = find_layers(m, ops, 512);
  DlHessians *h = calloc(1, sizeof *h);
  h->n = n, h->l = calloc((size_t)(n ? n : 1), sizeof(LayerStats));
  for (int i = 0; i < n; i++) {
    LayerStats *l = &h->l[i];
    if (!layer_shape(ops[i], l)) continue;
    int64_t d = l->K + 1;
    l->H = calloc((size_t)(l->G * d * d), sizeof(double));
    l->R = malloc(sizeof(double) * (size_t)(NROWS * d));
  }
  DlPlan *p = dl_plan_create(m, e);
  int64_t per, total = p ? dl_plan_samples(p, data, limit, "calibration data", &per, e) : -1;
  bool ok = total >= 0;
  if (ok) dl_plan_set_observer(p, observe, h);
  for (int64_t i = 0; ok && i < total; i++) {
    const void *in = (const float *)data->data + i * per;
    ok = dl_plan_run(p, &in, e);
  }
  if (p) dl_plan_destroy(p);
  if (!ok) return dl_hessians_free(h), NULL;
  for (int i = 0; i < n; i++) {
    LayerStats *l = &h->l[i];
    if (!l->H) continue;
    if (l->nr) flush(l);
    int64_t d = l->K + 1;
    for (int64_t g = 0; g < l->G; g++) {
      double *H = l->H + g * d * d;
      for (int64_t a = 0; a < d; a++)
        for (int64_t b = 0; b < a; b++) H[a * d + b] = H[b * d + a];
    }
    free(l->R), l->R = NULL;
  }
  return h;
}

void dl_hessians_free(DlHessians *h) {
  if (!h) return;
  for (int i = 0; i < h->n; i++) free(h->l[i].H), free(h->l[i].R);
  free(h->l), free(h);
}

/* U, upper triangular with H^-1 = U^T U, for the Gram matrix H (d x d) damped
 * by 1% of its mean diagonal; inputs that are always 0 get a unit diagonal.
 * With J the reversal of the indices: J H J = L L^T (Cholesky), so H^-1 =
 * (J L^-1 J)^T (J L^-1 J) and U = J L^-1 J, upper triangular. False when even
 * the damped matrix is not positive definite. */
static bool inverse_factor(const double *H, int64_t d, double *U) {
  double *A = malloc(sizeof(double) * (size_t)(d * d)), *X = calloc((size_t)(d * d), sizeof(double));
  double *t = malloc(sizeof(double) * (size_t)(d ? d : 1));
  double mean = 0;
  for (int64_t i = 0; i < d; i++) mean += H[i * d + i];
  mean = mean / (double)d;
  bool ok = false;
  for (double damp = 0.01; !ok && damp < 10; damp *= 10) {
    for (int64_t a = 0; a < d; a++)
      for (int64_t b = 0; b < d; b++) A[a * d + b] = H[(d - 1 - a) * d + (d - 1 - b)];
    for (int64_t i = 0; i < d; i++) A[i * d + i] = A[i * d + i] > 0 ? A[i * d + i] + damp * mean : 1;
    ok = dl_cholesky(A, d);
  }
  for (int64_t i = 0; ok && i < d; i++) { /* row i of X = L^-1: X[i][j] = -(sum_k L[i][k] X[k][j]) / L[i][i] */
    for (int64_t j = 0; j < i; j++) t[j] = 0;
    for (int64_t k = 0; k < i; k++) {
      double a = A[i * d + k];
      const double *xk = X + k * d;
      for (int64_t j = 0; j <= k; j++) t[j] += a * xk[j];
    }
    for (int64_t j = 0; j < i; j++) X[i * d + j] = -t[j] / A[i * d + i];
    X[i * d + i] = 1 / A[i * d + i];
  }
  for (int64_t a = 0; ok && a < d; a++)
    for (int64_t b = 0; b < d; b++) U[a * d + b] = X[(d - 1 - a) * d + (d - 1 - b)];
  free(A), free(X), free(t);
  return ok;
}

bool dl_gptq_apply(MlirModule m, const DlHessians *h, DlError *e) {
  MlirOperation ops[512];
  int n = find_layers(m, ops, 512);
  if (n != h->n) return dl_error_set(e, "internal: the module's layers differ from those its statistics came from");
  bool ok = true;
  for (int i = 0; ok && i < n; i++) {
    const LayerStats *l = &h->l[i];
    if (!l->H) continue;
    MlirOperation op = ops[i];
    DlTensor w = {0}, b = {0};
    if (!dl_value_tensor(mlirOperationGetOperand(op, 1), &w) || w.shape.dtype != DL_F32) continue;
    int64_t N = l->N, K = l->K, d = K + 1, per_group = N / l->G;
    double *scales = malloc(sizeof(double) * (size_t)N);
    int wbits;
    int axis = l->row_major ? 0 : 1;
    if (!dl_quant_layer_scales(op, &w, axis, N, scales, &wbits)) {
      free(scales), dl_tensor_free(&w);
      continue;
    }
    int nin = (int)mlirOperationGetNumOperands(op);
    bool has_bias = nin > 2 && dl_value_tensor(mlirOperationGetOperand(op, 2), &b) && b.shape.dtype == DL_F32 &&
                    dl_shape_numel(&b.shape) == N;
    float *wn = malloc(sizeof(float) * (size_t)(N * K)), *bn = calloc((size_t)N, sizeof(float));
    /* without a bias only the weights can take up errors: the Gram matrix of the inputs alone */
    int64_t dd = has_bias ? d : K;
    double *U = malloc(sizeof(double) * (size_t)(dd * dd)), *Hs = malloc(sizeof(double) * (size_t)(dd * dd));
    double *v = malloc(sizeof(double) * (size_t)d);
    int64_t qmax = ((int64_t)1 << (wbits - 1)) - 1;
    const float *wd = w.data;
    for (int64_t g = 0; g < l->G; g++) {
      for (int64_t a = 0; a < dd; a++) memcpy(Hs + a * dd, l->H + g * d * d + a * d, sizeof(double) * (size_t)dd);
      bool fac = inverse_factor(Hs, dd, U);
      for (int64_t o = g * per_group; o < (g + 1) * per_group; o++) {
        float s = (float)scales[o];
        for (int64_t k = 0; k < K; k++) v[k] = wd[l->row_major ? o * K + k : k * N + o];
        v[K] = has_bias ? ((const float *)b.data)[o] : 0;
        for (int64_t k = 0; k < K; k++) {
          double q = (double)dl_dequantize_f(dl_quantize_f((float)v[k], s, 0, -qmax, qmax), s, 0);
          if (fac) { /* the error of input k, spread over k+1..K (the bias last) */
            double err = (v[k] - q) / U[k * dd + k];
            for (int64_t j = k + 1; j < dd; j++) v[j] -= err * U[k * dd + j];
          }
          wn[l->row_major ? o * K + k : k * N + o] = (float)q;
        }
        bn[o] = (float)v[K];
      }
    }
    MlirContext ctx = mlirOperationGetContext(op);
    DlTensor nt = {0};
    dl_tensor_alloc(&nt, &w.shape);
    memcpy(nt.data, wn, sizeof(float) * (size_t)(N * K));
    mlirOperationSetOperand(op, 1, dl_insert_constant(op, &nt, "gptq_w"));
    if (has_bias) {
      DlShape bs = {DL_F32, 1, {N}};
      DlTensor bt = {0};
      dl_tensor_alloc(&bt, &bs);
      memcpy(bt.data, bn, sizeof(float) * (size_t)N);
      mlirOperationSetOperand(op, 2, dl_insert_constant(op, &bt, "gptq_b"));
    }
    mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.wscales"), mlirDenseF64ArrayGet(ctx, N, scales));
    free(scales), free(wn), free(bn), free(U), free(Hs), free(v);
    dl_tensor_free(&w), dl_tensor_free(&b);
  }
  dl_erase_dead_constants(dl_module_func(m));
  return ok;
}
