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
#include "dlc/plan.h"
#include "dlc/quant.h"
#include "gram.h"
#include "wround.h"
#include "pass_util.h"

MlirOperation *dl_wround_layers(MlirModule m, int *n) {
  MlirOperation func = dl_module_func(m), *ops = NULL;
  *n = 0;
  if (mlirOperationIsNull(func)) return NULL;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    DlOpKind k = dl_op_kind(op);
    if (k != DL_OP_CONV && k != DL_OP_GEMM && k != DL_OP_MATMUL) continue;
    ops = realloc(ops, sizeof(MlirOperation) * (size_t)(*n + 1));
    ops[(*n)++] = op;
  }
  return ops;
}


DlHessians *dl_hessians_collect(MlirModule m, const DlTensor *data, int64_t limit, int jobs, DlError *e) {
  int n;
  MlirOperation *ops = dl_wround_layers(m, &n);
  DlHessians *h = calloc(1, sizeof *h);
  h->n = n, h->l = calloc((size_t)(n ? n : 1), sizeof(DlGram));
  for (int i = 0; i < n; i++) dl_gram_init(&h->l[i], ops[i]);
  free(ops);
  DlPlan *p = dl_plan_create(m, e);
  int64_t per, total = p ? dl_plan_samples(p, data, limit, "calibration data", &per, e) : -1;
  if (p) dl_plan_destroy(p);
  if (total < 0 || !dl_grams_collect(m, h->l, n, data, limit, jobs, e)) return dl_hessians_free(h), NULL;
  h->samples = total, h->data = data, h->jobs = jobs;
  return h;
}

void dl_hessians_free(DlHessians *h) {
  if (!h) return;
  for (int i = 0; i < h->n; i++) dl_gram_free(&h->l[i]);
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

/* GPTQ on one group (wround.h): input k's rounding error, in order, spread over
 * the inputs k+1..K-1 and the bias (the last column) through U, H^-1 = U^T U. */
static void gptq_group(const DlRoundGroup *r, double *v) {
  int64_t K = r->d - 1, dd = r->has_bias ? r->d : K; /* without a bias only the weights take up errors */
  double *U = malloc(sizeof(double) * (size_t)(dd * dd)), *Hs = malloc(sizeof(double) * (size_t)(dd * dd));
  for (int64_t a = 0; a < dd; a++) memcpy(Hs + a * dd, r->H + a * r->d, sizeof(double) * (size_t)dd);
  bool fac = inverse_factor(Hs, dd, U);
  for (int64_t o = 0; o < r->n; o++) {
    double *vo = v + o * r->d;
    float s = (float)r->s[o];
    for (int64_t k = 0; k < K; k++) {
      double q = (double)dl_dequantize_f(dl_quantize_f((float)vo[k], s, 0, -r->qmax, r->qmax), s, 0);
      if (fac) {
        double err = (vo[k] - q) / U[k * dd + k];
        for (int64_t j = k + 1; j < dd; j++) vo[j] -= err * U[k * dd + j];
      }
      vo[k] = q;
    }
  }
  free(U), free(Hs);
}

bool dl_layer_weights_read(MlirOperation op, const DlGram *l, DlLayerWeights *lw) {
  DlTensor w = {0}, b = {0};
  memset(lw, 0, sizeof *lw);
  if (!dl_value_tensor(mlirOperationGetOperand(op, 1), &w) || w.shape.dtype != DL_F32) return false;
  int64_t N = l->N, K = l->K, d = K + 1;
  double *scales = malloc(sizeof(double) * (size_t)N);
  int wbits;
  if (!dl_quant_layer_scales(op, &w, l->row_major ? 0 : 1, N, scales, &wbits)) {
    free(scales), dl_tensor_free(&w);
    return false;
  }
  int nin = (int)mlirOperationGetNumOperands(op);
  bool has_bias = nin > 2 && dl_value_tensor(mlirOperationGetOperand(op, 2), &b) && b.shape.dtype == DL_F32 &&
                  dl_shape_numel(&b.shape) == N;
  double *v = malloc(sizeof(double) * (size_t)(N * d));
  const float *wd = w.data;
  for (int64_t o = 0; o < N; o++) {
    for (int64_t k = 0; k < K; k++) v[o * d + k] = wd[l->row_major ? o * K + k : k * N + o];
    v[o * d + K] = has_bias ? ((const float *)b.data)[o] : 0;
  }
  *lw = (DlLayerWeights){.v = v, .s = scales, .qmax = ((int64_t)1 << (wbits - 1)) - 1, .has_bias = has_bias,
                         .wshape = w.shape};
  dl_tensor_free(&w), dl_tensor_free(&b);
  return true;
}

void dl_layer_weights_write(MlirOperation op, const DlGram *l, DlLayerWeights *lw) {
  int64_t N = l->N, K = l->K, d = K + 1;
  MlirContext ctx = mlirOperationGetContext(op);
  DlTensor nt = {0};
  dl_tensor_alloc(&nt, &lw->wshape);
  float *nw = nt.data;
  for (int64_t o = 0; o < N; o++)
    for (int64_t k = 0; k < K; k++) nw[l->row_major ? o * K + k : k * N + o] = (float)lw->v[o * d + k];
  mlirOperationSetOperand(op, 1, dl_insert_constant(op, &nt, "wround_w"));
  if (lw->has_bias) {
    DlShape bs = {DL_F32, 1, {N}};
    DlTensor bt = {0};
    dl_tensor_alloc(&bt, &bs);
    for (int64_t o = 0; o < N; o++) ((float *)bt.data)[o] = (float)lw->v[o * d + K];
    mlirOperationSetOperand(op, 2, dl_insert_constant(op, &bt, "wround_b"));
  }
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.wscales"), mlirDenseF64ArrayGet(ctx, N, lw->s));
  free(lw->v), free(lw->s);
  lw->v = lw->s = NULL;
}

/* The new weights (and bias) of one layer, rounded group by group by fn. */
static void round_layer(MlirOperation op, const DlGram *l, int64_t samples, DlRoundFn fn) {
  DlLayerWeights lw;
  if (!dl_layer_weights_read(op, l, &lw)) return;
  int64_t per_group = l->N / l->G, d = l->K + 1;
  DlRoundGroup r = {.d = d, .n = per_group, .qmax = lw.qmax, .has_bias = lw.has_bias, .samples = (double)samples,
                    .layer = l};
  for (int64_t g = 0; g < l->G; g++) {
    r.H = l->H + g * d * d, r.s = lw.s + g * per_group;
    fn(&r, lw.v + g * per_group * d);
  }
  dl_layer_weights_write(op, l, &lw);
}

bool dl_wround_apply(MlirModule m, const DlHessians *h, DlWeightRound how, DlError *e) {
  if (how == DL_WROUND_BRECQ) return dl_brecq_apply(m, h, e);
  return dl_wround_some(m, h, how, NULL, e);
}

bool dl_wround_some(MlirModule m, const DlHessians *h, DlWeightRound how, const bool *skip, DlError *e) {
  if (how != DL_WROUND_GPTQ && how != DL_WROUND_ADAROUND)
    return dl_error_set(e, "internal: dl_wround_apply rounds by gptq or adaround, not %s", dl_wround_name(how));
  int n;
  MlirOperation *ops = dl_wround_layers(m, &n);
  if (n != h->n) {
    free(ops);
    return dl_error_set(e, "internal: the module's layers differ from those its statistics came from");
  }
  int with = 0;
  for (int i = 0; i < n; i++) with += h->l[i].H != NULL;
  if (!with) {
    free(ops);
    return dl_error_set(e, "--wround=%s: the model has no conv, gemm or matmul with constant weights to round",
                        dl_wround_name(how));
  }
  for (int i = 0; i < n; i++)
    if (h->l[i].H && !(skip && skip[i]))
      round_layer(ops[i], &h->l[i], h->samples, how == DL_WROUND_GPTQ ? gptq_group : dl_adaround_group);
  free(ops);
  dl_erase_dead_constants(dl_module_func(m));
  return true;
}

bool dl_gptq_apply(MlirModule m, const DlHessians *h, DlError *e) { return dl_wround_apply(m, h, DL_WROUND_GPTQ, e); }
