/* Weighted-entropy weight levels, after Park, Ahn and Yoo, "Weighted-Entropy-
 * based Quantization for Deep Neural Networks", CVPR 2017. A weight's
 * importance is w^2. The weights, sorted, are cut into L contiguous clusters
 * whose boundaries maximize the weighted entropy S = -sum_k I_k log P_k (P_k:
 * the cluster's share of the weights, I_k: its share of the importance), by
 * moving one boundary at a time to its best place until none moves. Each
 * cluster is represented by its importance-weighted mean, sum w^3 / sum w^2.
 *
 * dlc's form: each channel's weights are divided by the channel's scale, so the
 * layer's weights lie on one int8 grid; the levels are chosen over all of
 * them (one codebook per layer) and rounded to int8 codes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/quant.h"

static const char *wquant_names[] = {
#define DL_WQUANT_NAME(id, name) name,
    DL_WQUANTS(DL_WQUANT_NAME)
#undef DL_WQUANT_NAME
};

bool dl_wquant_parse(const char *s, size_t len, DlWeightQuant *q) {
  for (int i = 0; i < DL_WQUANT_COUNT; i++)
    if (strlen(wquant_names[i]) == len && !memcmp(s, wquant_names[i], len)) return *q = (DlWeightQuant)i, true;
  return false;
}

const char *dl_wquant_name(DlWeightQuant q) { return wquant_names[q]; }

typedef struct {
  double v;
  int64_t i;
} Item;

static int item_cmp(const void *a, const void *b) {
  double x = ((const Item *)a)->v, y = ((const Item *)b)->v;
  return x < y ? -1 : x > y;
}

/* -I log P of the sorted items [a, b) (prefix sums c of importance, n items, total t). */
static double term(const double *c, int64_t a, int64_t b, int64_t n, double t) {
  double imp = c[b] - c[a];
  return imp > 0 ? -(imp / t) * log((double)(b - a) / (double)n) : 0;
}

/* Moves boundary k of bd (L + 1 entries, bd[0] = 0, bd[L] = n) to where the two
 * clusters it separates have the most weighted entropy; true when it moved. */
static bool move_boundary(int64_t *bd, int k, const double *c, int64_t n, double t) {
  int64_t best = bd[k];
  double bs = term(c, bd[k - 1], bd[k], n, t) + term(c, bd[k], bd[k + 1], n, t);
  for (int64_t j = bd[k - 1] + 1; j < bd[k + 1]; j++) {
    double s = term(c, bd[k - 1], j, n, t) + term(c, j, bd[k + 1], n, t);
    if (s > bs + 1e-12) bs = s, best = j;
  }
  bool moved = best != bd[k];
  bd[k] = best;
  return moved;
}

void dl_wentropy_cluster(const double *v, int64_t n, int levels, double *centers, int *assign) {
  Item *it = malloc(sizeof(Item) * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) it[i] = (Item){v[i], i};
  qsort(it, (size_t)n, sizeof(Item), item_cmp);
  double *c = calloc((size_t)n + 1, sizeof(double)), *c3 = calloc((size_t)n + 1, sizeof(double));
  for (int64_t i = 0; i < n; i++)
    c[i + 1] = c[i] + it[i].v * it[i].v, c3[i + 1] = c3[i] + it[i].v * it[i].v * it[i].v;
  int L = n < levels ? (int)n : levels;
  int64_t *bd = malloc(sizeof(int64_t) * (size_t)(L + 1));
  for (int k = 0; k <= L; k++) bd[k] = L ? n * k / L : 0; /* start from equal counts */
  double t = c[n];
  for (int sweep = 0; t > 0 && sweep < 200; sweep++) {
    bool moved = false;
    for (int k = 1; k < L; k++) moved |= move_boundary(bd, k, c, n, t);
    if (!moved) break;
  }
  for (int k = 0; k < levels; k++) {
    int kk = k < L ? k : L - 1;
    double imp = kk >= 0 ? c[bd[kk + 1]] - c[bd[kk]] : 0;
    centers[k] = kk < 0 ? 0 : imp > 0 ? (c3[bd[kk + 1]] - c3[bd[kk]]) / imp : it[bd[kk]].v;
  }
  for (int k = 0; k < L; k++)
    for (int64_t j = bd[k]; j < bd[k + 1]; j++) assign[it[j].i] = k;
  free(bd), free(c3), free(c), free(it);
}

/* The refinement (--wquant=wentropy): Lloyd iterations from the weighted-
 * entropy clusters, each value to its nearest level and each level the mean
 * of its values, until no level moves (at most 50). */
static void lloyd(const double *v, int64_t n, int L, double *centers, int *assign) {
  double *s = malloc(sizeof(double) * (size_t)L), *c = malloc(sizeof(double) * (size_t)L);
  for (int it = 0; it < 50; it++) {
    for (int k = 0; k < L; k++) s[k] = c[k] = 0;
    for (int64_t i = 0; i < n; i++) {
      int best = 0;
      for (int k = 1; k < L; k++)
        if (fabs(v[i] - centers[k]) < fabs(v[i] - centers[best])) best = k;
      assign[i] = best;
      s[best] += v[i], c[best] += 1;
    }
    double moved = 0;
    for (int k = 0; k < L; k++)
      if (c[k] > 0) moved += fabs(s[k] / c[k] - centers[k]), centers[k] = s[k] / c[k];
    if (moved < 1e-9) break;
  }
  free(s), free(c);
}

/* The L int8 codes of n values v (on the int8 grid) into cb, each value's code into codes. */
static void group_codes(const double *v, int64_t n, int L, bool refine, int8_t *cb, int8_t *codes) {
  double *centers = malloc(sizeof(double) * (size_t)L);
  int *assign = malloc(sizeof(int) * (size_t)(n ? n : 1));
  dl_wentropy_cluster(v, n, L, centers, assign);
  if (refine && n) lloyd(v, n, L, centers, assign);
  for (int k = 0; k < L; k++) {
    double r = nearbyint(centers[k]);
    cb[k] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
  }
  for (int k = 1; k < L; k++) /* ascending (Lloyd keeps the order; rounding cannot break it, this is a guard) */
    if (cb[k] < cb[k - 1]) cb[k] = cb[k - 1];
  for (int64_t i = 0; i < n; i++) codes[i] = cb[assign[i]];
  free(assign), free(centers);
}

/* The output error --wclip=omse minimizes, of n values v (on the int8 grid) coded
 * as c: sum e^2 + sum over windows of `window` consecutive values of (sum e)^2,
 * e = v - c (the windows' inputs correlated 0.5, as neighbouring pixels are). */
static double omse_error(const double *v, const int8_t *c, int64_t n, int64_t window) {
  double err = 0;
  for (int64_t w0 = 0; w0 < n; w0 += window) {
    double sum = 0;
    for (int64_t j = w0; j < w0 + window && j < n; j++) err += (v[j] - c[j]) * (v[j] - c[j]), sum += v[j] - c[j];
    err += window > 1 ? sum * sum : 0;
  }
  return err;
}

/* The uniform alternative for one channel (wentropy): its raw weights cw on the
 * --wclip=omse grid at `bits`, as int8 codes at scale s into uc and the grid's
 * 2^bits - 1 levels (the last repeated) into cb. */
static void uniform_codes(const float *cw, int64_t n, int64_t window, int bits, double s, int8_t *uc, int8_t *cb) {
  int64_t qmax = ((int64_t)1 << (bits - 1)) - 1;
  double su = dl_weight_scale(cw, n, window, bits, false, DL_WCLIP_OMSE);
  for (int64_t k = 0; k < 2 * qmax + 2; k++) {
    double r = nearbyint((double)(k <= 2 * qmax ? k - qmax : qmax) * su / s);
    cb[k] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
  }
  for (int64_t j = 0; j < n; j++) {
    double q = nearbyint(cw[j] / su);
    uc[j] = cb[(int64_t)(q > qmax ? qmax : q < -qmax ? -qmax : q) + qmax];
  }
}

void dl_wentropy_quantize(const float *w, int64_t n, int64_t inner, int64_t nch, int64_t window, const double *scales,
                          int bits, bool per_channel, DlWeightQuant how, int8_t *codes, int8_t *codebook) {
  int L = 1 << bits;
  int64_t G = per_channel ? nch : 1, len = n / G;
  double *v = malloc(sizeof(double) * (size_t)(len ? len : 1));
  float *cw = malloc(sizeof(float) * (size_t)(len ? len : 1));
  int8_t *gc = malloc((size_t)(len ? len : 1)), *uc = malloc((size_t)(len ? len : 1)), *ucb = malloc((size_t)L);
  for (int64_t g = 0; g < G; g++) {
    /* group g: channel g's weights (element j of the group is weight idx(j)), or all */
    for (int64_t j = 0; j < len; j++) {
      int64_t i = per_channel ? (j / inner * nch + g) * inner + j % inner : j;
      double x = (double)w[i] / scales[(i / inner) % nch];
      cw[j] = w[i];
      v[j] = x > 127 ? 127 : x < -127 ? -127 : x; /* a scale raised by the bias floor clips */
    }
    int8_t *cb = codebook + g * L;
    group_codes(v, len, L, how != DL_WQUANT_WENTROPY_PLAIN, cb, gc);
    if (how == DL_WQUANT_WENTROPY && per_channel) { /* the uniform grid where it makes less output error */
      uniform_codes(cw, len, window, bits, scales[g], uc, ucb);
      if (omse_error(v, uc, len, window) < omse_error(v, gc, len, window))
        memcpy(gc, uc, (size_t)len), memcpy(cb, ucb, (size_t)L);
    }
    for (int64_t j = 0; j < len; j++) codes[per_channel ? (j / inner * nch + g) * inner + j % inner : j] = gc[j];
  }
  free(ucb), free(uc), free(gc), free(cw), free(v);
}
