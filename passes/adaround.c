/* Adaptive rounding, --wround=adaround (Nagel et al., "Up or Down? Adaptive
 * Rounding for Post-Training Quantization", ICML 2020). Each weight of a
 * layer goes to the grid point just below or just above it; which one is
 * learned for all weights of an output channel together, minimizing the
 * error of the channel's output on calibration data rather than each
 * weight's own error.
 *
 * With e = w~ - w the channel's weight error, the output error summed over
 * the calibration rows is e^T H e (H the Gram matrix of the layer's inputs,
 * gram.c); the bias then takes up the mean error (bias correction), which
 * leaves e^T C e with C = H - h h^T / n (h: the inputs' sums, n: the rows),
 * the inputs' scatter about their mean. Divided by the samples, that is the
 * per-sample squared output error, the reconstruction loss of the paper
 * (BRECQ's normalization: summed over a sample's outputs, averaged over
 * samples).
 *
 * Each weight w = s (f + r), f = floor(w / s), gets w~ = s (f + h(V)) with
 * h(V) = clip(sigmoid(V) (zeta - gamma) + gamma, 0, 1), zeta = 1.1,
 * gamma = -0.1, V initialized so that h(V) = r. Adam minimizes
 * loss + lambda sum (1 - |2h - 1|^beta): the regularizer is off for the first
 * fifth of the iterations, then beta falls linearly from 20 to 2, which drives
 * every h to 0 or 1; the weight takes f + 1 where V >= 0 (h >= 1/2), else f.
 * Weights whose floor lies outside the grid (clipped by --wclip) stay at the
 * clamp. Fixed iteration count, no sampling: deterministic; the product E C
 * (float, contiguous axpys, no FMA) gives the same bits with or without AVX2. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/quant.h"
#include "wround.h"

/* G (n x K) = E (n x K) C (K x K, symmetric): row o of G sums E[o][k] times row k of C. */
__attribute__((target_clones("avx2", "default"))) static void times_c(const float *E, const float *C, int64_t n,
                                                                      int64_t K, float *G) {
  for (int64_t o = 0; o < n; o++) {
    float *restrict g = G + o * K;
    memset(g, 0, sizeof(float) * (size_t)K);
    for (int64_t k = 0; k < K; k++) {
      float ek = E[o * K + k];
      if (ek == 0) continue;
      const float *restrict c = C + k * K;
      for (int64_t j = 0; j < K; j++) g[j] += ek * c[j];
    }
  }
}

/* C = (H - h h^T / n) / n over the K inputs (h h^T / n dropped without a bias to take the mean). */
static float *centered(const DlRoundGroup *r) {
  int64_t K = r->d - 1, d = r->d;
  float *C = malloc(sizeof(float) * (size_t)(K * K));
  double rows = r->H[K * d + K], norm = rows > 0 ? rows : 1;
  bool center = r->has_bias && rows > 0;
  for (int64_t a = 0; a < K; a++)
    for (int64_t b = 0; b < K; b++)
      C[a * K + b] = (float)((r->H[a * d + b] - (center ? r->H[a * d + K] * r->H[b * d + K] / rows : 0)) / norm);
  return C;
}

/* The output error e^T C e of each channel (v: its weights, q: n x K integers) into err[n]; E, G scratch. */
static void channel_errors(const DlRoundGroup *r, const float *C, const double *v, const double *q, float *E, float *G,
                           double *err) {
  int64_t K = r->d - 1;
  for (int64_t o = 0; o < r->n; o++)
    for (int64_t k = 0; k < K; k++)
      E[o * K + k] = (float)((double)dl_dequantize_f((int64_t)q[o * K + k], (float)r->s[o], 0) - v[o * r->d + k]);
  times_c(E, C, r->n, K, G);
  for (int64_t o = 0; o < r->n; o++) {
    err[o] = 0;
    for (int64_t k = 0; k < K; k++) err[o] += (double)E[o * K + k] * G[o * K + k];
  }
}

/* Rounding to nearest instead for each channel whose output error q does not make smaller than it. */
static void keep_better(const DlRoundGroup *r, const float *C, double *q, float *E, float *G, const double *v) {
  int64_t K = r->d - 1, n = r->n;
  double *near = calloc((size_t)(n * K), sizeof(double)), *ea = malloc(sizeof(double) * (size_t)n),
         *en = malloc(sizeof(double) * (size_t)n);
  for (int64_t o = 0; o < n; o++)
    for (int64_t k = 0; k < K; k++)
      near[o * K + k] = (double)dl_quantize_f((float)v[o * r->d + k], (float)r->s[o], 0, -r->qmax, r->qmax);
  channel_errors(r, C, v, q, E, G, ea);
  channel_errors(r, C, v, near, E, G, en);
  for (int64_t o = 0; o < n; o++)
    if (!(ea[o] < en[o])) memcpy(q + o * K, near + o * K, sizeof(double) * (size_t)K);
  free(near), free(ea), free(en);
}

void dl_adaround_group(const DlRoundGroup *r, double *v) {
  int64_t K = r->d - 1, n = r->n, nk = n * K;
  float *C = centered(r), *E = malloc(sizeof(float) * (size_t)nk), *G = malloc(sizeof(float) * (size_t)nk);
  double *fl = malloc(sizeof(double) * (size_t)nk), *V = malloc(sizeof(double) * (size_t)nk);
  double *m1 = calloc((size_t)nk, sizeof(double)), *m2 = calloc((size_t)nk, sizeof(double));
  unsigned char *fixed = malloc((size_t)nk);
  for (int64_t o = 0; o < n; o++) /* f, V with h(V) = r; fixed where the floor is not on the grid's inner part */
    for (int64_t k = 0; k < K; k++) {
      int64_t i = o * K + k;
      double x = v[o * r->d + k] / r->s[o], f = floor(x), fr = x - f;
      fixed[i] = !(f >= (double)-r->qmax && f + 1 <= (double)r->qmax);
      fl[i] = fixed[i] ? (double)dl_quantize_f((float)v[o * r->d + k], (float)r->s[o], 0, -r->qmax, r->qmax) : f;
      V[i] = fixed[i] ? 0 : dl_ar_init(fr);
    }
  for (int t = 0; t < DL_AR_ITERS; t++) {
    for (int64_t o = 0; o < n; o++)
      for (int64_t k = 0; k < K; k++) {
        int64_t i = o * K + k;
        E[i] = (float)(r->s[o] * (fl[i] + (fixed[i] ? 0 : dl_ar_rect(V[i]))) - v[o * r->d + k]);
      }
    times_c(E, C, n, K, G);
    for (int64_t o = 0; o < n; o++)
      for (int64_t k = 0; k < K; k++) {
        int64_t i = o * K + k; /* d(e^T C e)/de = 2 C e, de/dh = s */
        if (!fixed[i]) dl_ar_step(&V[i], &m1[i], &m2[i], 2 * r->s[o] * G[i], t);
      }
  }
  for (int64_t o = 0; o < n; o++) /* the learned choice: f + 1 where h >= 1/2 */
    for (int64_t k = 0; k < K; k++) fl[o * K + k] += !fixed[o * K + k] && V[o * K + k] >= 0;
  keep_better(r, C, fl, E, G, v);
  double rows = r->H[K * r->d + K];
  for (int64_t o = 0; o < n; o++) { /* the weights on the grid; the bias takes up the mean output error */
    double *vo = v + o * r->d, shift = 0;
    for (int64_t k = 0; k < K; k++) {
      double wq = (double)dl_dequantize_f((int64_t)fl[o * K + k], (float)r->s[o], 0);
      shift += (wq - vo[k]) * r->H[k * r->d + K];
      vo[k] = wq;
    }
    if (r->has_bias && rows > 0) vo[K] -= shift / rows;
  }
  free(C), free(E), free(G), free(fl), free(V), free(m1), free(m2), free(fixed);
}
