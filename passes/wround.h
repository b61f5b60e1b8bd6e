/* The per-group rounding step shared by --wround=gptq (gptq.c) and
 * --wround=adaround (adaround.c): gptq.c's driver reads each layer's weights,
 * scales and bias, hands them over one group (of a grouped conv) at a time,
 * and writes back what comes out; --wround=brecq (brecq.c) reads and writes
 * whole layers through the same driver. Not a public API. */
#ifndef DLC_WROUND_H
#define DLC_WROUND_H

#include <math.h>

#include "dlc/gptq.h"
#include "gram.h"

/* AdaRound's learned rounding (Nagel et al., ICML 2020), shared by adaround.c
 * and brecq.c: w~ = s (floor(w / s) + h(V)), h(V) = clip(sigmoid(V) (zeta -
 * gamma) + gamma, 0, 1), zeta = 1.1, gamma = -0.1 (the paper's); Adam (lr
 * 0.03, the usual betas and epsilon) on loss + lambda sum (1 - |2h - 1|^beta)
 * with lambda = 0.01, the regularizer off for the first fifth of the
 * iterations, then beta falling linearly from 20 to 2. */
enum { DL_AR_ITERS = 1000, DL_AR_WARMUP = DL_AR_ITERS / 5 };
#define DL_AR_ZETA 1.1
#define DL_AR_GAMMA (-0.1)
#define DL_AR_LAMBDA 0.01
#define DL_AR_LR 0.03

static inline double dl_ar_sigmoid(double x) { return 1 / (1 + exp(-x)); }
/* h(V) */
static inline double dl_ar_rect(double v) {
  return fmin(1, fmax(0, dl_ar_sigmoid(v) * (DL_AR_ZETA - DL_AR_GAMMA) + DL_AR_GAMMA));
}
/* V with h(V) = fr (0 <= fr < 1, the fractional part of w / s) */
static inline double dl_ar_init(double fr) { return -log((DL_AR_ZETA - DL_AR_GAMMA) / (fr - DL_AR_GAMMA) - 1); }
/* The regularizer's beta at iteration t (0: off). */
static inline double dl_ar_beta(int t) {
  return t < DL_AR_WARMUP ? 0 : 2 + (20 - 2) * (1 - (double)(t - DL_AR_WARMUP) / (DL_AR_ITERS - DL_AR_WARMUP));
}
/* One Adam step at iteration t on V (moments m1, m2) from gh, d loss / d h(V); adds the regularizer's pull. */
static inline void dl_ar_step(double *V, double *m1, double *m2, double gh, int t) {
  double sg = dl_ar_sigmoid(*V), hr = sg * (DL_AR_ZETA - DL_AR_GAMMA) + DL_AR_GAMMA, h = fmin(1, fmax(0, hr));
  double dh = hr > 0 && hr < 1 ? (DL_AR_ZETA - DL_AR_GAMMA) * sg * (1 - sg) : 0, beta = dl_ar_beta(t);
  if (beta > 0 && h != 0.5) {
    double u = 2 * h - 1;
    gh -= DL_AR_LAMBDA * 2 * beta * pow(fabs(u), beta - 1) * (u > 0 ? 1 : -1);
  }
  double g = gh * dh, c1 = 1 - pow(0.9, t + 1), c2 = 1 - pow(0.999, t + 1);
  *m1 = 0.9 * *m1 + (1 - 0.9) * g, *m2 = 0.999 * *m2 + (1 - 0.999) * g * g;
  *V -= DL_AR_LR * (*m1 / c1) / (sqrt(*m2 / c2) + 1e-8);
}

typedef struct {
  const double *H;     /* d x d, symmetric: the Gram matrix of the group's inputs, the constant 1 last */
  int64_t d, n;        /* K + 1; output channels of the group */
  const double *s;     /* their n weight scales */
  int64_t qmax;        /* the grid: integers -qmax..qmax */
  bool has_bias;       /* the layer has a float bias that may take up errors */
  double samples;      /* samples H was summed over */
  const DlGram *layer; /* the layer's statistics (shapes) */
} DlRoundGroup;

/* Rounds v: n rows of d (K weights, then the bias). On return each weight is
 * s * q (q an integer in -qmax..qmax) as dl_dequantize_f computes it, and the
 * bias may have changed. */
typedef void (*DlRoundFn)(const DlRoundGroup *r, double *v);

void dl_adaround_group(const DlRoundGroup *r, double *v);

struct DlHessians {
  int n;
  DlGram *l;             /* per layer; l[i].H NULL for a layer without statistics */
  int64_t samples;       /* the samples they were collected on */
  const DlTensor *data;  /* those samples (borrowed: outlives h), for --wround=brecq */
  int jobs;
};

/* The conv / gemm / matmul ops of the module's func, in order (h->l's order); malloc'd, *n of them. */
MlirOperation *dl_wround_layers(MlirModule m, int *n);

/* A layer's float weights as rows: N rows of K + 1 (the weights of output o,
 * then its bias or 0), its weight scales and grid, as the quantize pass will
 * see them. dl_layer_weights_read: false when the layer is not quantized on a
 * grid (kept float, outliers, codebooks). dl_layer_weights_write puts v back
 * as the layer's weights and bias, pins the scales (dlc.wscales) and frees. */
typedef struct {
  double *v, *s;
  int64_t qmax;
  bool has_bias;
  DlShape wshape;
} DlLayerWeights;
bool dl_layer_weights_read(MlirOperation op, const DlGram *l, DlLayerWeights *lw);
void dl_layer_weights_write(MlirOperation op, const DlGram *l, DlLayerWeights *lw);

/* gptq or adaround on the layers of h except those with skip[i] (skip may be NULL). */
bool dl_wround_some(MlirModule m, const DlHessians *h, DlWeightRound how, const bool *skip, DlError *e);
/* The residual blocks brecq reconstructs in m (h: its statistics). */
int dl_brecq_blocks(MlirModule m, const DlHessians *h);
/* --wround=brecq (brecq.c): residual blocks reconstructed jointly, the other layers by adaround. */
bool dl_brecq_apply(MlirModule m, const DlHessians *h, DlError *e);

#endif
