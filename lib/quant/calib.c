/* Calibration: run the float interpreter over a sample set, keep one
 * streaming histogram per value, choose each value's clipping range.
 *
 * Each histogram holds positive values and negative magnitudes in NB bins
 * over [0, R); R is a power of two that doubles (merging bin pairs) whenever
 * a larger value arrives, so memory is fixed and no activation is kept. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc/ir.h"
#include "dlc/plan.h"
#include "dlc/pool.h"
#include "dlc/qdq.h"
#include "dlc/quant.h"
#include "dlc/support.h"
#include "calib_hist.h"

#define NB DL_CALIB_NB

typedef DlCalibHist Hist;

typedef struct {
  Hist **tab;
  size_t cap, n;
  const void *bad; /* the first value seen holding NaN or Inf, and one such element */
  double bad_x;
} HistMap;

static size_t hptr(const void *p) { return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull); }

static Hist *hist_find(const HistMap *m, const void *key) {
  if (!m->cap) return NULL;
  for (size_t j = hptr(key) & (m->cap - 1); m->tab[j]; j = (j + 1) & (m->cap - 1))
    if (m->tab[j]->key == key) return m->tab[j];
  return NULL;
}

static Hist *hist_get(HistMap *m, const void *key) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 256;
    Hist **nt = calloc(nc, sizeof *nt);
    for (size_t i = 0; i < m->cap; i++)
      if (m->tab[i]) {
        size_t j = hptr(m->tab[i]->key) & (nc - 1);
        while (nt[j]) j = (j + 1) & (nc - 1);
        nt[j] = m->tab[i];
      }
    free(m->tab);
    m->tab = nt, m->cap = nc;
  }
  size_t j = hptr(key) & (m->cap - 1);
  for (; m->tab[j]; j = (j + 1) & (m->cap - 1))
    if (m->tab[j]->key == key) return m->tab[j];
  Hist *h = calloc(1, sizeof *h);
  h->key = key, h->min = INFINITY, h->max = -INFINITY;
  m->tab[j] = h;
  m->n++;
  return h;
}

static void observe(void *user, MlirValue v, const DlTensor *t) {
  if (t->shape.dtype != DL_F32) return;
  Hist *h = hist_get(user, v.ptr);
  const float *d = t->data;
  int64_t n = dl_shape_numel(&t->shape);
  double lo = h->min, hi = h->max;
  for (int64_t i = 0; i < n; i++) {
    double x = d[i];
    if (!isfinite(x)) {
      HistMap *m = user;
      if (!m->bad) m->bad = v.ptr, m->bad_x = x;
      continue;
    }
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    if (!h->fraction && x != floor(x)) h->fraction = true;
  }
  h->min = lo, h->max = hi;
  double mag = fmax(fabs(lo), fabs(hi));
  if (isinf(mag)) return;
  if (h->R0 == 0) h->R0 = mag > 0 ? ldexp(1.0, (int)ceil(log2(mag)) + 1) : 1.0; /* the first sample's range */
  if (mag > 0 && mag >= h->R) {                                                   /* the power of two above mag */
    int ex;
    frexp(mag, &ex);
    dl_calib_hist_coarsen(h, ldexp(1.0, ex));
  }
  double k = h->R > 0 ? NB / h->R : 0;
  for (int64_t i = 0; i < n; i++) {
    double x = d[i];
    if (!isfinite(x)) continue;
    int b = (int)(fabs(x) * k);
    if (b >= NB) b = NB - 1;
    if (x >= 0) h->pos[b] += 1;
    else h->neg[b] += 1;
  }
}

/* ---- choosing a range ------------------------------------------------------- */

static double side_total(const double *c) {
  double s = 0;
  for (int i = 0; i < NB; i++) s += c[i];
  return s;
}

/* Smallest magnitude below which `frac` of this side's values lie. */
static double side_quantile(const double *c, double width, double frac) {
  double tot = side_total(c), acc = 0;
  if (tot == 0) return 0;
  for (int i = 0; i < NB; i++) {
    acc += c[i];
    if (acc >= frac * tot) return (i + 1) * width;
  }
  return NB * width;
}

/* TensorRT-style threshold on a magnitude histogram: the clip (in bins) whose
 * quantization to `levels` levels loses the least information (KL divergence). */
static int kl_threshold(const double *hist, int levels) {
  int last = NB;
  while (last > 0 && hist[last - 1] == 0) last--;
  if (last <= levels) return last ? last : 1;
  double best = INFINITY;
  int best_i = last;
  double *p = malloc(sizeof(double) * NB), *q = malloc(sizeof(double) * NB);
  for (int i = levels; i <= last; i += (last - levels) / 256 + 1) {
    double outliers = 0, ptot = 0;
    for (int j = i; j < NB; j++) outliers += hist[j];
    for (int j = 0; j < i; j++) p[j] = hist[j];
    p[i - 1] += outliers;
    for (int j = 0; j < i; j++) ptot += p[j];
    /* merge the first i bins into `levels` groups, spread each group's mass over its nonzero bins */
    for (int g = 0; g < levels; g++) {
      int a = (int)((int64_t)g * i / levels), b = (int)((int64_t)(g + 1) * i / levels);
      double mass = 0;
      int nz = 0;
      for (int j = a; j < b; j++) mass += hist[j], nz += hist[j] != 0;
      for (int j = a; j < b; j++) q[j] = hist[j] != 0 ? mass / nz : 0;
    }
    double qtot = 0;
    for (int j = 0; j < i; j++) qtot += q[j];
    double kl = 0;
    for (int j = 0; j < i; j++) {
      if (p[j] == 0) continue;
      double pj = p[j] / ptot, qj = q[j] / (qtot > 0 ? qtot : 1);
      kl += qj > 0 ? pj * log(pj / qj) : pj * 30; /* a level with no mass where P has some */
    }
    if (kl < best) best = kl, best_i = i;
  }
  free(p);
  free(q);
  return best_i;
}

/* Expected squared error of quantizing the histogram to [lo, hi] with 2^bits levels. */
static double mse_of(const Hist *h, double lo, double hi, int bits) {
  double w = h->R / NB, step = (hi - lo) / (double)(((int64_t)1 << bits) - 1), err = 0;
  double noise = step * step / 12;
  for (int i = 0; i < NB; i++) {
    double c = (i + 0.5) * w;
    if (h->pos[i] != 0) err += h->pos[i] * (c > hi ? (c - hi) * (c - hi) : noise);
    if (h->neg[i] != 0) err += h->neg[i] * (-c < lo ? (lo + c) * (lo + c) : noise);
  }
  return err;
}

static void choose_range(const Hist *h, const DlCalibOptions *o, double *lo, double *hi) {
  *lo = fmin(h->min, 0), *hi = fmax(h->max, 0);
  if (h->R == 0 || !isfinite(*lo) || !isfinite(*hi)) return;
  double w = h->R / NB;
  int bits = o->bits ? o->bits : 8;
  DlCalibMethod method = o->method == DL_CALIB_AUTO ? (bits < 6 ? DL_CALIB_MSE : DL_CALIB_MINMAX) : o->method;
  switch (method) {
  case DL_CALIB_AUTO:
  case DL_CALIB_MINMAX: break;
  case DL_CALIB_PERCENTILE: {
    double f = o->percentile > 0 ? o->percentile / 100 : 0.9999;
    *hi = fmin(*hi, side_quantile(h->pos, w, f));
    *lo = fmax(*lo, -side_quantile(h->neg, w, f));
    break;
  }
  case DL_CALIB_ENTROPY: {
    double mag[NB];
    bool two_sided = side_total(h->neg) > 0 && side_total(h->pos) > 0;
    for (int i = 0; i < NB; i++) mag[i] = h->pos[i] + h->neg[i];
    int levels = 1 << (two_sided ? bits - 1 : bits);
    if (levels > NB / 4) levels = NB / 4;
    double t = kl_threshold(mag, levels) * w;
    *hi = fmin(*hi, t);
    *lo = fmax(*lo, -t);
    break;
  }
  case DL_CALIB_MSE: {
    double best = INFINITY, a0 = *lo, b0 = *hi;
    for (int k = 100; k >= 5; k--) {
      double a = a0 * k / 100, b = b0 * k / 100, e = mse_of(h, a, b, bits);
      if (e < best) best = e, *lo = a, *hi = b;
    }
    break;
  }
  }
}

/* ---- driver -------------------------------------------------------------------- */

static const char *names[] = {"auto", "minmax", "percentile", "entropy", "mse"};

bool dl_calib_method_parse(const char *s, DlCalibMethod *m, double *percentile) {
  if (!strncmp(s, "percentile=", 11)) {
    char *end;
    double p = strtod(s + 11, &end);
    if (*end || !(p > 0 && p <= 100)) return false;
    *percentile = p, *m = DL_CALIB_PERCENTILE;
    return true;
  }
  for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
    if (!strcmp(s, names[i])) return *m = (DlCalibMethod)i, true;
  return false;
}

const char *dl_calib_method_name(DlCalibMethod m) { return names[m]; }

static MlirAttribute range_attr(MlirContext ctx, double lo, double hi) {
  double v[2] = {lo, hi};
  return mlirDenseF64ArrayGet(ctx, 2, v);
}

bool dl_value_range(MlirValue v, double *lo, double *hi) {
  MlirAttribute a = dl_value_attr_get(v, "dlc.range");
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseF64Array(a) || mlirDenseArrayGetNumElements(a) != 2)
    return false;
  *lo = mlirDenseF64ArrayGetElement(a, 0), *hi = mlirDenseF64ArrayGetElement(a, 1);
  return true;
}

int dl_value_abits(MlirValue v, int abits) {
  if (!mlirValueIsABlockArgument(v)) return abits;
  MlirAttribute b = dl_value_attr_get(v, "dlc.abits");
  return !mlirAttributeIsNull(b) && mlirAttributeIsAInteger(b) ? (int)mlirIntegerAttrGetValueInt(b) : abits;
}

/* A node's own calibration method and activation bits (its dlc.quant, from
 * --config); a model input's width from its dlc.abits (passes/edge_activations.c). */
static void node_calib_options(MlirValue v, DlCalibOptions *o) {
  if (mlirValueIsABlockArgument(v)) {
    o->bits = dl_value_abits(v, o->bits);
    return;
  }
  if (!mlirValueIsAOpResult(v)) return;
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(mlirOpResultGetOwner(v), dl_str("dlc.quant"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return;
  MlirAttribute m = mlirDictionaryAttrGetElementByName(d, dl_str("calibration"));
  MlirAttribute b = mlirDictionaryAttrGetElementByName(d, dl_str("abits"));
  if (!mlirAttributeIsNull(m) && mlirAttributeIsAString(m)) {
    MlirStringRef r = mlirStringAttrGetValue(m);
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)r.length, r.data);
    dl_calib_method_parse(name, &o->method, &o->percentile);
  }
  if (!mlirAttributeIsNull(b) && mlirAttributeIsAInteger(b)) o->bits = (int)mlirIntegerAttrGetValueInt(b);
}

/* A NaN or Inf in the data would move or void the ranges chosen: calibration
 * data must be finite. */
static bool finite_sample(MlirModule m, const float *x, int64_t per, int64_t sample, DlError *e) {
  for (int64_t j = 0; j < per; j++) {
    if (isfinite(x[j])) continue;
    MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(dl_module_func(m), 0));
    intptr_t arg = 0; /* packed data of several inputs: the input element j falls in */
    DlShape as;
    while (arg + 1 < mlirBlockGetNumArguments(body) &&
           dl_type_to_shape(mlirValueGetType(mlirBlockGetArgument(body, arg)), &as) && j >= dl_shape_numel(&as))
      j -= dl_shape_numel(&as), arg++;
    MlirAttribute nm = dl_value_attr_get(mlirBlockGetArgument(body, arg), "dlc.name");
    MlirStringRef s = !mlirAttributeIsNull(nm) && mlirAttributeIsAString(nm) ? mlirStringAttrGetValue(nm) : dl_str("input 0");
    return dl_error_set(e, "calibration data: sample %lld of input '%.*s' holds %s at element %lld; calibration needs finite values",
                        (long long)sample, (int)s.length, s.data, isnan(x[j]) ? "NaN" : x[j] > 0 ? "+Inf" : "-Inf", (long long)j);
  }
  return true;
}

static bool non_finite_value(MlirModule m, MlirValue v, double x, int64_t sample, DlError *e) {
  char where[256] = "";
  if (!mlirValueIsABlockArgument(v)) dl_location_str(mlirOperationGetLocation(mlirOpResultGetOwner(v)), where, sizeof where);
  return dl_error_set(e, "calibration: node '%s' computes %s from the finite sample %lld; calibration needs finite values",
                      where[0] ? where : "?", isnan(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf", (long long)sample);
}

static void arg_name(MlirValue a, char *buf, size_t n) {
  MlirAttribute nm = dl_value_attr_get(a, "dlc.name");
  if (!mlirAttributeIsNull(nm) && mlirAttributeIsAString(nm) && mlirStringAttrGetValue(nm).length)
    snprintf(buf, n, "%.*s", (int)mlirStringAttrGetValue(nm).length, mlirStringAttrGetValue(nm).data);
  else
    snprintf(buf, n, "input %d", (int)mlirBlockArgumentGetArgNumber(a));
}

int64_t dl_calib_samples(MlirModule m, const DlTensor *data) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return 0;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  int64_t P = 0, B = 1;
  DlShape in;
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(b); i++) {
    if (!dl_type_to_shape(mlirValueGetType(mlirBlockGetArgument(b, i)), &in)) continue;
    if (i == 0 && in.rank && in.dims[0] > 0) B = in.dims[0];
    P += dl_shape_numel(&in);
  }
  return P > 0 ? dl_shape_numel(&data->shape) / (P / B) : 0;
}

bool dl_calib_data_check(MlirModule m, const DlTensor *data, const char *what, DlError *e) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return true;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  DlShape in;
  intptr_t nargs = mlirBlockGetNumArguments(b);
  if (nargs > 1) { /* several inputs: only what dl_calib_pack makes */
    int64_t P = 0;
    char list[1024] = "", an[256];
    for (intptr_t i = 0; i < nargs; i++) {
      MlirValue a = mlirBlockGetArgument(b, i);
      if (dl_type_to_shape(mlirValueGetType(a), &in)) P += dl_shape_numel(&in);
      arg_name(a, an, sizeof an);
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'", i ? ", " : "", an);
    }
    if (data->shape.rank == 2 && data->shape.dims[1] == P && data->shape.dtype == DL_F32) return true;
    return dl_error_set(e, "%s: the model has %d inputs (%s): give the samples of each as --calib=NAME=FILE.npy", what,
                        (int)nargs, list);
  }
  if (nargs != 1 || !dl_type_to_shape(mlirValueGetType(mlirBlockGetArgument(b, 0)), &in)) return true;
  if (dl_shape_holds_samples(&data->shape, &in)) return true;
  /* the two forms expected, N standing for the sample count */
  char a[128], ins[128], full[160], nob[160];
  DlShape f = in, t = in;
  f.dtype = t.dtype = data->shape.dtype;
  f.rank = 0;
  for (int d = 0; d < in.rank; d++) f.dims[f.rank++] = in.dims[d];
  snprintf(full, sizeof full, "N%s%s", in.rank ? "x" : "", dl_shape_str(&f, a, sizeof a));
  if (in.rank) {
    memmove(t.dims, t.dims + 1, sizeof(int64_t) * (size_t)(in.rank - 1)), t.rank--;
    snprintf(nob, sizeof nob, " or N%s%s", t.rank ? "x" : "", dl_shape_str(&t, a, sizeof a));
  } else nob[0] = 0;
  return dl_error_set(e, "%s: shape %s does not hold samples of the model input %s (expected %s%s: samples along the first axis)",
                      what, dl_shape_str(&data->shape, a, sizeof a), dl_shape_str(&in, ins, sizeof ins), full, nob);
}

bool dl_calib_pack(MlirModule m, int n, const char *const *names, DlTensor *arrays, const char *const *what,
                   DlTensor *out, DlError *e) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func");
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  int nin = (int)mlirBlockGetNumArguments(b);
  char list[1024] = "", an[256];
  for (int i = 0; i < nin; i++) {
    arg_name(mlirBlockGetArgument(b, i), an, sizeof an);
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'", i ? ", " : "", an);
  }
  for (int k = 0; k < n; k++) {
    bool found = false;
    for (int i = 0; i < nin && !found; i++) arg_name(mlirBlockGetArgument(b, i), an, sizeof an), found = !strcmp(an, names[k]);
    if (!found) return dl_error_set(e, "--calib=%s=%s: the model has no input '%s' (its inputs: %s)", names[k], what[k], names[k], list);
    for (int j = 0; j < k; j++)
      if (!strcmp(names[j], names[k])) return dl_error_set(e, "--calib: input '%s' is given twice", names[k]);
  }
  int64_t runs = -1, P = 0;
  int src[256];
  if (nin > 256) return dl_error_set(e, "--calib: the model has more than 256 inputs");
  for (int i = 0; i < nin; i++) {
    MlirValue a = mlirBlockGetArgument(b, i);
    arg_name(a, an, sizeof an);
    src[i] = -1;
    for (int k = 0; k < n; k++)
      if (!strcmp(an, names[k])) src[i] = k;
    if (src[i] < 0)
      return dl_error_set(e, "--calib: no samples for the model input '%s' (give --calib=NAME=FILE.npy for each of %s)", an, list);
    DlShape in;
    if (!dl_type_to_shape(mlirValueGetType(a), &in)) return dl_error_set(e, "internal: input '%s' has no static shape", an);
    const DlTensor *t = &arrays[src[i]];
    char buf[128], ib[128];
    if (in.dtype != DL_F32)
      return dl_error_set(e, "--calib=%s=%s: the input is %s; calibration feeds float32 inputs only (make it a constant)",
                          an, what[src[i]], dl_dtype_name(in.dtype));
    if (t->shape.dtype != DL_F32)
      return dl_error_set(e, "%s: calibration data must be float32 (got %s)", what[src[i]], dl_dtype_name(t->shape.dtype));
    int64_t per = dl_shape_numel(&in), cnt = t->shape.rank ? t->shape.dims[0] : 0;
    if (!dl_shape_holds_samples(&t->shape, &in) || cnt * per != dl_shape_numel(&t->shape) || cnt <= 0)
      return dl_error_set(e, "%s: shape %s does not hold samples of the model input '%s' %s (samples along the first axis)",
                          what[src[i]], dl_shape_str(&t->shape, buf, sizeof buf), an, dl_shape_str(&in, ib, sizeof ib));
    if (runs >= 0 && cnt != runs)
      return dl_error_set(e, "%s: %lld samples, but the other --calib files hold %lld", what[src[i]], (long long)cnt,
                          (long long)runs);
    runs = cnt, P += per;
  }
  if (nin == 0 || runs <= 0) return dl_error_set(e, "--calib: the model has no inputs");
  if (nin == 1) { /* one input: the array as it is, as --calib=FILE.npy gives it */
    *out = arrays[src[0]];
    arrays[src[0]] = (DlTensor){0};
    return true;
  }
  float *d = malloc(sizeof(float) * (size_t)(runs * P));
  if (!d) return dl_error_set(e, "--calib: out of memory (%lld samples of %lld values)", (long long)runs, (long long)P);
  for (int64_t r = 0; r < runs; r++) {
    float *row = d + r * P;
    for (int i = 0; i < nin; i++) {
      DlShape in;
      dl_type_to_shape(mlirValueGetType(mlirBlockGetArgument(b, i)), &in);
      int64_t per = dl_shape_numel(&in);
      const void *x = dl_tensor_span(&arrays[src[i]], r * per, per, row, e);
      if (!x) return free(d), dl_error_prefix(e, what[src[i]]);
      if (x != row) memcpy(row, x, sizeof(float) * (size_t)per);
      row += per;
    }
  }
  *out = (DlTensor){.shape = {.dtype = DL_F32, .rank = 2, .dims = {runs, P}}, .data = d, .owned = true};
  return true;
}

/* ---- the values and their histograms, by position --------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
  return h;
}

/* One value of the fingerprint: its producer's name (or "arg") and its shape. */
static uint64_t fingerprint_value(uint64_t h, MlirValue v) {
  MlirStringRef n = mlirValueIsAOpResult(v) ? mlirIdentifierStr(mlirOperationGetName(mlirOpResultGetOwner(v))) : dl_str("arg");
  h = fnv(h, n.data, n.length);
  DlShape s;
  if (dl_type_to_shape(mlirValueGetType(v), &s)) {
    h = fnv(h, &s.dtype, sizeof s.dtype), h = fnv(h, &s.rank, sizeof s.rank);
    h = fnv(h, s.dims, sizeof(int64_t) * (size_t)s.rank);
  }
  return fnv(h, ";", 1);
}

static DlCalibValues values_of(MlirModule m) {
  DlCalibValues v = {0};
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(dl_module_func(m), 0));
  size_t cap = 64;
  v.vals = malloc(sizeof *v.vals * cap);
  v.fingerprint = 0xcbf29ce484222325ull;
#define ADD(val)                                                                                                       \
  do {                                                                                                                 \
    if ((size_t)v.n == cap) v.vals = realloc(v.vals, sizeof *v.vals * (cap *= 2));                                     \
    v.vals[v.n++] = (val).ptr, v.fingerprint = fingerprint_value(v.fingerprint, val);                                 \
  } while (0)
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); i++) ADD(mlirBlockGetArgument(body, i));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    for (intptr_t r = 0; r < mlirOperationGetNumResults(op); r++) ADD(mlirOperationGetResult(op, r));
#undef ADD
  return v;
}

/* ---- running the samples: contiguous blocks on the pool -------------------- */

typedef struct {
  MlirModule m;
  const DlTensor *data;
  DlPlan **plans; /* one per worker */
  float **bufs;
  HistMap *maps;  /* one per block */
  DlError *errs;
  int64_t first, count, per, nblocks, done;
  bool tty;
  double t0, last;
} Blocks;

static bool run_block(void *user, int w, int64_t blk) {
  Blocks *b = user;
  HistMap *hm = &b->maps[blk];
  DlPlan *p = b->plans[w];
  DlError *e = &b->errs[blk];
  dl_plan_set_observer(p, observe, hm);
  int64_t lo = b->first + b->count * blk / b->nblocks, hi = b->first + b->count * (blk + 1) / b->nblocks;
  for (int64_t i = lo; i < hi; i++) {
    const void *in[256];
    if (!dl_plan_run_inputs(p, b->data, i, b->per, in, b->bufs[w], e) || !finite_sample(b->m, in[0], b->per, i, e) ||
        !dl_plan_run(p, in, e))
      return false;
    if (hm->bad) /* finite inputs, yet an activation is not: its range would be wrong */
      return non_finite_value(b->m, (MlirValue){hm->bad}, hm->bad_x, i, e);
    int64_t done = __atomic_add_fetch(&b->done, 1, __ATOMIC_RELAXED);
    if (b->tty && w == 0 && (dl_now() - b->last > 0.1 || done == b->count))
      dl_progress("calibrating", done, b->count, b->t0), b->last = dl_now();
  }
  return true;
}

/* The histograms of the samples (o->shard of o->nshards, o->jobs threads),
 * by position in v; *count the samples run. */
static bool collect(MlirModule m, const DlTensor *data, const DlCalibOptions *o, const DlCalibValues *v, Hist **byp,
                    int64_t *count, DlError *e) {
  if (!dl_calib_data_check(m, data, "calibration data", e)) return false;
  int jobs = o->jobs > 1 ? o->jobs : 1;
  Blocks b = {.m = m, .data = data, .tty = o->progress && isatty(2)};
  b.plans = calloc((size_t)jobs, sizeof *b.plans), b.bufs = calloc((size_t)jobs, sizeof *b.bufs);
  DlPool *pool = NULL;
  bool ok = false;
  if (!(b.plans[0] = dl_plan_create(m, e))) goto done;
  int64_t total = dl_plan_runs(b.plans[0], data, o->limit, "calibration data", &b.per, e);
  if (total < 0) goto done;
  if (o->nshards > 0) b.first = total * o->shard / o->nshards, total = total * (o->shard + 1) / o->nshards - b.first;
  b.count = total;
  if (jobs > total) jobs = total > 0 ? (int)total : 1;
  for (int w = 1; w < jobs; w++)
    if (!(b.plans[w] = dl_plan_create(m, e))) goto done;
  for (int w = 0; w < jobs; w++) b.bufs[w] = malloc(sizeof(float) * (size_t)(b.per ? b.per : 1));
  b.nblocks = jobs;
  b.maps = calloc((size_t)jobs, sizeof *b.maps), b.errs = calloc((size_t)jobs, sizeof *b.errs);
  if (!(pool = dl_pool_create(jobs))) {
    dl_error_set(e, "cannot start %d threads", jobs);
    goto done;
  }
  b.t0 = dl_now();
  if (!dl_pool_run(pool, b.nblocks, run_block, &b)) { /* the first block's error: the earliest sample's */
    for (int64_t k = 0; k < b.nblocks && !e->msg; k++) e->msg = b.errs[k].msg, b.errs[k].msg = NULL;
    goto done;
  }
  /* each value's blocks merged in sample order */
  for (int64_t k = 0; k < b.nblocks; k++) {
    size_t found = 0;
    for (int64_t i = 0; i < v->n; i++) {
      Hist *h = hist_find(&b.maps[k], v->vals[i]);
      if (!h) continue;
      found++;
      if (!byp[i]) byp[i] = calloc(1, sizeof **byp), byp[i]->min = INFINITY, byp[i]->max = -INFINITY;
      dl_calib_hist_merge(byp[i], h);
    }
    if (found != b.maps[k].n) {
      dl_error_set(e, "internal: calibration observed a value outside the function's body");
      goto done;
    }
  }
  for (int64_t i = 0; i < v->n; i++)
    if (byp[i]) byp[i]->key = v->vals[i];
  *count = total;
  ok = true;
done:
  dl_pool_destroy(pool);
  for (int64_t k = 0; b.maps && k < b.nblocks; k++) {
    for (size_t i = 0; i < b.maps[k].cap; i++) free(b.maps[k].tab[i]);
    free(b.maps[k].tab);
    dl_error_clear(&b.errs[k]);
  }
  for (int w = 0; w < jobs; w++) dl_plan_destroy(b.plans[w]), free(b.bufs[w]);
  free(b.plans), free(b.bufs), free(b.maps), free(b.errs);
  return ok;
}

/* Writes each value's chosen range (and dlc.integers, dlc.ranges) from its histogram. */
static void write_ranges(MlirModule m, const DlCalibOptions *o, Hist *h) {
  MlirContext ctx = mlirModuleGetContext(m);
  if (h->min > h->max) return;
  dl_calib_hist_coarsen(h, fmax(h->R0, h->R)); /* the bins of one histogram begun at the first sample */
  double lo, hi;
  DlCalibOptions vo = *o;
  node_calib_options((MlirValue){h->key}, &vo);
  choose_range(h, &vo, &lo, &hi);
  MlirValue v = {h->key};
  dl_value_attr_set(v, "dlc.range", range_attr(ctx, lo, hi));
  /* a model input fed whole numbers only (pixels 0..255 given as floats): its
   * exact span, so --quantize can take it at scale 1 without loss */
  if (mlirValueIsABlockArgument(v))
    dl_value_attr_set(v, "dlc.integers",
                      !h->fraction && h->max - h->min <= 65535 ? range_attr(ctx, h->min, h->max) : (MlirAttribute){NULL});
  if (o->ntable_bits > 0) {
    double *t = malloc(sizeof(double) * 3 * (size_t)o->ntable_bits);
    for (int k = 0; k < o->ntable_bits; k++) {
      DlCalibOptions bo = *o;
      bo.bits = o->table_bits[k];
      t[3 * k] = bo.bits;
      choose_range(h, &bo, &t[3 * k + 1], &t[3 * k + 2]);
    }
    dl_value_attr_set(v, "dlc.ranges", mlirDenseF64ArrayGet(ctx, 3 * o->ntable_bits, t));
    free(t);
  }
}

bool dl_calibrate(MlirModule m, const DlTensor *data, const DlCalibOptions *o, DlError *e) {
  DlCalibValues v = values_of(m);
  Hist **byp = calloc((size_t)(v.n ? v.n : 1), sizeof *byp);
  int64_t total = 0;
  bool ok = true;
  for (int k = 0; k < o->nstats && ok; k++) ok = dl_calib_stats_merge(o->stats[k], &v, byp, &total, e);
  if (!o->nstats) ok = collect(m, data, o, &v, byp, &total, e);
  if (ok && o->stats_out) ok = dl_calib_stats_write(o->stats_out, &v, byp, total, e);
  if (ok) {
    for (int64_t i = 0; i < v.n; i++)
      if (byp[i]) write_ranges(m, o, byp[i]);
    MlirContext ctx = mlirModuleGetContext(m);
    MlirAttribute info[2] = {mlirStringAttrGet(ctx, dl_str(dl_calib_method_name(o->method))),
                             mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), total)};
    mlirOperationSetDiscardableAttributeByName(dl_module_func(m), dl_str("dlc.calibration"), mlirArrayAttrGet(ctx, 2, info));
  }
  for (int64_t i = 0; i < v.n; i++) free(byp[i]);
  free(byp);
  free(v.vals);
  return ok;
}

/* Sets v's dlc.range to its dlc.ranges entry at the width its node asks for. */
static bool select_range(MlirValue v, const DlCalibOptions *o, DlError *e) {
  MlirAttribute t = dl_value_attr_get(v, "dlc.ranges");
  if (mlirAttributeIsNull(t)) return true;
  DlCalibOptions vo = *o;
  node_calib_options(v, &vo);
  int bits = vo.bits ? vo.bits : 8;
  if (vo.method != o->method || vo.percentile != o->percentile)
    return dl_error_set(e, "internal: dl_calib_select: a node asks for another calibration method");
  for (intptr_t k = 0; k + 2 < mlirDenseArrayGetNumElements(t); k += 3)
    if ((int)mlirDenseF64ArrayGetElement(t, k) == bits) {
      double r[2] = {mlirDenseF64ArrayGetElement(t, k + 1), mlirDenseF64ArrayGetElement(t, k + 2)};
      dl_value_attr_set(v, "dlc.range", mlirDenseF64ArrayGet(mlirValueGetContext(v), 2, r));
      dl_value_attr_set(v, "dlc.ranges", (MlirAttribute){NULL}); /* chosen: the model no longer carries the table */
      return true;
    }
  return dl_error_set(e, "internal: dl_calib_select: no range recorded at %d bits", bits);
}

bool dl_calib_select(MlirModule m, const DlCalibOptions *o, DlError *e) {
  MlirOperation func = dl_module_func(m);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); i++)
    if (!select_range(mlirBlockGetArgument(body, i), o, e)) return false;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    for (intptr_t r = 0; r < mlirOperationGetNumResults(op); r++)
      if (!select_range(mlirOperationGetResult(op, r), o, e)) return false;
  return true;
}
