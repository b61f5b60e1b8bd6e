/* Quantization parameters and requantization multipliers. */
#include <math.h>
#include <mlir-c/Dialect/Quant.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/quant.h"

bool dl_quant_multiplier(double M, int mbits, DlMult *out) {
  out->m0 = 0, out->shift = 0;
  if (!(M >= 0) || isinf(M) || mbits < 1 || mbits > 31) return false;
  if (M == 0) return true;
  int e;
  double f = frexp(M, &e); /* M = f * 2^e, f in [0.5, 1) */
  int shift = mbits - e;
  if (shift > 62) shift = 62;
  if (shift < 0) return false;
  double m0 = nearbyint(ldexp(M, shift));
  (void)f;
  if (m0 >= ldexp(1.0, mbits)) {
    if (shift == 0) return false;
    shift--;
    m0 = nearbyint(ldexp(M, shift));
  }
  out->m0 = (int64_t)m0;
  out->shift = shift;
  /* same result, smaller numbers: a power-of-two M becomes m0 = 1, a pure shift */
  while (out->m0 && !(out->m0 & 1) && out->shift > 0) out->m0 >>= 1, out->shift--;
  return true;
}

int dl_bits_for(uint64_t bound) {
  int b = 1;
  while (b < 64 && bound >= ((uint64_t)1 << (b - 1))) b++;
  return b;
}

DlQParams dl_qparams_for_range(double lo, double hi, int bits, bool is_signed, bool symmetric, bool pow2) {
  DlQParams q = {0};
  q.bits = bits, q.is_signed = is_signed;
  if (is_signed) q.qmin = -((int64_t)1 << (bits - 1)), q.qmax = ((int64_t)1 << (bits - 1)) - 1;
  else q.qmin = 0, q.qmax = ((int64_t)1 << bits) - 1;
  if (!(lo <= 0)) lo = 0;
  if (!(hi >= 0)) hi = 0;
  if (symmetric && is_signed) q.qmin = -q.qmax; /* narrow range: -qmax..qmax */
  double scale;
  if (symmetric) {
    double m = fmax(-lo, hi);
    scale = m / (double)q.qmax;
  } else {
    scale = (hi - lo) / (double)(q.qmax - q.qmin);
  }
  if (!(scale > 0) || isinf(scale)) scale = 1.0 / (double)q.qmax;
  if (pow2) scale = ldexp(1.0, (int)ceil(log2(scale) - 1e-12));
  scale = (double)(float)scale; /* targets compute with float32 scales */
  if (!symmetric) {
    double zp = nearbyint((double)q.qmin - lo / scale);
    q.zp = (int64_t)fmin(fmax(zp, (double)q.qmin), (double)q.qmax);
  }
  q.scale = scale;
  return q;
}

static const char *wclip_names[] = {"auto", "max", "mse", "omse"};

bool dl_wclip_parse(const char *s, DlWeightClip *c) {
  for (int i = DL_WCLIP_MAX; i <= DL_WCLIP_OMSE; i++)
    if (!strcmp(s, wclip_names[i])) return *c = (DlWeightClip)i, true;
  return false;
}

const char *dl_wclip_name(DlWeightClip c) { return wclip_names[c]; }

static const char *const wround_names[] = {"default",
#define DL_WROUND_NAME(id, name) name,
                                           DL_WROUND_LIST(DL_WROUND_NAME)
#undef DL_WROUND_NAME
};

bool dl_bias_correct_parse(const char *s, DlBiasCorrect *b) {
  if (!strcmp(s, "auto")) *b = DL_BIAS_CORRECT_AUTO;
  else if (!strcmp(s, "on")) *b = DL_BIAS_CORRECT_ON;
  else if (!strcmp(s, "off")) *b = DL_BIAS_CORRECT_OFF;
  else return false;
  return true;
}

bool dl_wround_parse(const char *s, DlWeightRound *r) {
  for (int i = DL_WROUND_NEAREST; i <= DL_WROUND_AUTO; i++)
    if (!strcmp(s, wround_names[i])) return *r = (DlWeightRound)i, true;
  return false;
}

const char *dl_wround_name(DlWeightRound r) { return wround_names[r]; }

DlWeightRound dl_wround_resolve(DlWeightRound r, int wbits) {
  return r != DL_WROUND_DEFAULT ? r : wbits < 6 ? DL_WROUND_AUTO : DL_WROUND_NEAREST;
}

/* The clipping objective of dl_weight_scale at one scale, with errors w - w~
 * rounded exactly as the integer runtime does; gives up once past `bound`.
 * Weights with |w| > t are outliers, clamped at wide instead of qmax. */
static double clip_error(const float *w, int64_t n, int64_t window, float scale, int64_t qmax, float t,
                         int64_t wide, DlWeightClip clip, double bound) {
  double err = 0;
  for (int64_t i = 0; i < n && err <= bound; i += window) {
    double sum = 0;
    for (int64_t j = i; j < i + window && j < n; j++) {
      int64_t lim = fabsf(w[j]) > t ? wide : qmax;
      double d = (double)w[j] - (double)dl_dequantize_f(dl_quantize_f(w[j], scale, 0, -lim, lim), scale, 0);
      err += d * d, sum += d;
    }
    if (clip == DL_WCLIP_OMSE && window > 1) err += sum * sum;
  }
  return err;
}

#define WCLIP_GRID 200 /* thresholds from the top down to 0.05 of it */

/* The scale whose dense range [-qmax, qmax] ends at a threshold in [0.05 top, top]
 * chosen by clip, with outliers above t (INFINITY: none) kept up to wide. */
static double search_scale(const float *w, int64_t n, int64_t window, int bits, bool pow2, DlWeightClip clip,
                           double top, float t, int64_t wide) {
  DlQParams p = dl_qparams_for_range(-top, top, bits, true, true, pow2);
  if (clip == DL_WCLIP_AUTO) clip = bits < 6 ? DL_WCLIP_OMSE : DL_WCLIP_MAX;
  if (clip == DL_WCLIP_MAX || !(top > 0)) return p.scale;
  if (window < 1) window = 1;
  /* the top first, and only a strictly smaller error replaces it */
  double best_scale = p.scale, last = p.scale;
  double best = clip_error(w, n, window, (float)p.scale, p.qmax, t, wide, clip, INFINITY);
  for (int k = 1; k < WCLIP_GRID; k++) {
    double c = top * (1 - 0.95 * k / (WCLIP_GRID - 1));
    double s = dl_qparams_for_range(-c, c, bits, true, true, pow2).scale;
    if (s == last) continue; /* pow2 maps many thresholds to one scale */
    last = s;
    double e = clip_error(w, n, window, (float)s, p.qmax, t, wide, clip, best);
    if (e < best) best = e, best_scale = s;
  }
  return best_scale;
}

double dl_weight_scale(const float *w, int64_t n, int64_t window, int bits, bool pow2,
                       DlWeightClip clip) {
  double mx = 0;
  for (int64_t i = 0; i < n; i++) mx = fmax(mx, fabs(w[i]));
  return search_scale(w, n, window, bits, pow2, clip, mx, INFINITY, 0);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

float dl_outlier_threshold(const float *w, int64_t n, double outliers) {
  float *a = malloc(sizeof(float) * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) a[i] = fabsf(w[i]);
  qsort(a, (size_t)n, sizeof(float), cmp_float);
  /* the epsilon keeps f * n whole for fractions like 0.29 whose product lands just below an integer */
  int64_t k = (int64_t)floor(outliers * (double)n + 1e-9);
  float t = n > k ? a[n - k - 1] : 0, mx = n ? a[n - 1] : 0;
  free(a);
  return t > 0 ? t : mx; /* most weights are 0: the few others fit the dense range */
}

double dl_weight_scale_outliers(const float *w, int64_t n, int64_t window, int bits, int outlier_bits, float t,
                                bool pow2, DlWeightClip clip) {
  int64_t wide = ((int64_t)1 << (outlier_bits - 1)) - 1;
  return search_scale(w, n, window, bits, pow2, clip, t, t, wide);
}

static MlirType storage_type(MlirContext ctx, int bits) {
  return mlirIntegerTypeGet(ctx, bits <= 8 ? 8 : bits <= 16 ? 16 : 32);
}

bool dl_qparams_of_type(MlirType t, DlQParams *q) {
  if (mlirTypeIsAShaped(t)) t = mlirShapedTypeGetElementType(t);
  if (!mlirTypeIsAUniformQuantizedType(t)) return false;
  q->scale = mlirUniformQuantizedTypeGetScale(t);
  q->zp = mlirUniformQuantizedTypeGetZeroPoint(t);
  q->qmin = mlirQuantizedTypeGetStorageTypeMin(t);
  q->qmax = mlirQuantizedTypeGetStorageTypeMax(t);
  q->is_signed = mlirQuantizedTypeIsSigned(t);
  int64_t m = q->qmax > -q->qmin - 1 ? q->qmax : -q->qmin - 1;
  q->bits = q->is_signed ? dl_bits_for((uint64_t)m) : dl_bits_for((uint64_t)q->qmax) - 1;
  return true;
}

MlirType dl_qtype_get(MlirContext ctx, const DlShape *dims, const DlQParams *q) {
  MlirType el = mlirUniformQuantizedTypeGet(q->is_signed ? mlirQuantizedTypeGetSignedFlag() : 0,
                                            storage_type(ctx, q->bits), mlirF32TypeGet(ctx), q->scale, q->zp,
                                            q->qmin, q->qmax);
  return mlirRankedTensorTypeGet(dims->rank, dims->dims, el, mlirAttributeGetNull());
}

MlirType dl_qtype_per_axis_get(MlirContext ctx, const DlShape *dims, int bits, int axis, const double *scales,
                               int64_t n) {
  double *s = malloc(sizeof(double) * (size_t)n);
  int64_t *z = calloc((size_t)n, sizeof(int64_t));
  for (int64_t i = 0; i < n; i++) s[i] = scales[i];
  int64_t qmax = ((int64_t)1 << (bits - 1)) - 1;
  MlirType el = mlirUniformQuantizedPerAxisTypeGet(mlirQuantizedTypeGetSignedFlag(), storage_type(ctx, bits),
                                                   mlirF32TypeGet(ctx), n, s, z, axis, -qmax, qmax);
  free(s);
  free(z);
  return mlirRankedTensorTypeGet(dims->rank, dims->dims, el, mlirAttributeGetNull());
}
