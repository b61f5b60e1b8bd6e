/* --quantize: calibrated float qg IR -> integer qg IR.
 *
 * Needs `dlc.range` on every value it quantizes (--calibrate writes them).
 * Settings come from the func's `dlc.quant` dictionary, overridden per op by
 * an op's own `dlc.quant` (the driver writes both from --config):
 *   wbits, abits (2..16), per_channel, asymmetric (activations), pow2 (scales
 *   are powers of two: dynamic fixed point), wclip ("max", "mse" or "omse":
 *   how weight scales are chosen; absent: omse below 6 bits, max from 6),
 *   outliers (a fraction f, 0 <= f < 0.5) and outlier_bits (default 8): the
 *   |w| above a channel's (tensor's) dl_outlier_threshold, at most floor(f n)
 *   of them, are outliers, quantized into the outlier_bits range, the others
 *   into the wbits range, at a scale wclip chooses
 *   (dl_weight_scale_outliers); the integers are stored at
 *   outlier_bits and the user op records `dlc.outliers = array<i64: wbits,
 *   count>`: how many of its weights need more than wbits,
 *   float (keep this op float).
 *
 * Each integer-capable op gets quantized operands (quant.qcast inserted where
 * a float value enters), its weights as storage constants behind quant.scast
 * (per-axis types when per channel), an i32 bias at s_in*s_w, its result
 * retyped to !quant.uniform, and its requantization spelled out:
 * dlc.mult / dlc.shift (per output channel) and dlc.acc_bits, the proven
 * width of the exact accumulator. Ops without an integer form stay float,
 * with quant.dcast inserted in front of them: the float islands. */
#include <math.h>
#include <mlir-c/Dialect/Quant.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/kernels.h"
#include "dlc/qdq.h"
#include "dlc/quant.h"
#include "pass_util.h"

typedef struct {
  int wbits, abits;
  bool per_channel, asymmetric, pow2, keep_float;
  DlWeightClip wclip;
  double outliers;
  int outlier_bits;
  DlWeightQuant wquant; /* uniform, or codebooks (dlc.codebook) */
} QOpts;

typedef struct {
  const void *key;
  MlirValue val;
} VMap;

typedef struct {
  MlirContext ctx;
  QOpts global;
  VMap *qv, *dv; /* float value -> its quant.qcast; quant value -> its quant.dcast */
  int nq, nd;
  bool failed; /* a diagnostic was emitted: the pass fails */
} Q;

static bool value_is_f32(MlirValue v) {
  MlirType t = mlirValueGetType(v);
  return mlirTypeIsAShaped(t) && mlirTypeIsAF32(mlirShapedTypeGetElementType(t));
}

/* wquant in dictionary d: a DL_WQUANTS name; false (after a diagnostic
 * at loc) for anything else. */
static bool read_wquant(MlirAttribute d, QOpts *o, MlirLocation loc) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(d, dl_str("wquant"));
  if (mlirAttributeIsNull(a)) return true;
  MlirStringRef v = mlirAttributeIsAString(a) ? mlirStringAttrGetValue(a) : dl_str("");
  if (mlirAttributeIsAString(a) && dl_wquant_parse(v.data, v.length, &o->wquant)) return true;
  mlirEmitError(loc, "dlc.quant: wquant must be \"uniform\", \"wentropy\", \"wentropy-lloyd\" or \"wentropy-plain\"");
  return false;
}

/* Overrides o with the settings in dictionary d; false (after a diagnostic at
 * loc) for a bad wclip or wquant. */
static bool read_opts(MlirAttribute d, QOpts *o, MlirLocation loc) {
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return true;
  MlirAttribute a;
#define INT(key, field)                                                                            \
  a = mlirDictionaryAttrGetElementByName(d, dl_str(key));                                          \
  if (!mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a)) o->field = (int)mlirIntegerAttrGetValueInt(a);
#define BOOL(key, field)                                                                           \
  a = mlirDictionaryAttrGetElementByName(d, dl_str(key));                                          \
  if (!mlirAttributeIsNull(a) && mlirAttributeIsABool(a)) o->field = mlirBoolAttrGetValue(a);
  INT("wbits", wbits)
  INT("abits", abits)
  BOOL("per_channel", per_channel)
  BOOL("asymmetric", asymmetric)
  BOOL("pow2", pow2)
  BOOL("float", keep_float)
  INT("outlier_bits", outlier_bits)
#undef INT
#undef BOOL
  a = mlirDictionaryAttrGetElementByName(d, dl_str("outliers"));
  if (!mlirAttributeIsNull(a) && mlirAttributeIsAFloat(a)) o->outliers = mlirFloatAttrGetValueDouble(a);
  if (!read_wquant(d, o, loc)) return false;
  a = mlirDictionaryAttrGetElementByName(d, dl_str("wclip"));
  if (mlirAttributeIsNull(a)) return true;
  MlirStringRef v = mlirAttributeIsAString(a) ? mlirStringAttrGetValue(a) : dl_str("");
  char name[16] = "";
  if (v.length < sizeof name) memcpy(name, v.data, v.length);
  if (mlirAttributeIsAString(a) && dl_wclip_parse(name, &o->wclip)) return true;
  char msg[160];
  if (mlirAttributeIsAString(a))
    snprintf(msg, sizeof msg, "dlc.quant: wclip must be \"max\", \"mse\" or \"omse\" (got \"%.*s\")",
             (int)(v.length < 64 ? v.length : 64), v.data);
  else
    snprintf(msg, sizeof msg, "dlc.quant: wclip must be a string: \"max\", \"mse\" or \"omse\"");
  mlirEmitError(loc, msg);
  return false;
}

static MlirOperation create1(const char *name, MlirLocation loc, int nops, const MlirValue *ops, MlirType rt) {
  MlirOperationState st = mlirOperationStateGet(dl_str(name), loc);
  mlirOperationStateAddOperands(&st, nops, ops);
  mlirOperationStateAddResults(&st, 1, &rt);
  return mlirOperationCreate(&st);
}

static MlirValue lookup(VMap *m, int n, MlirValue v) {
  for (int i = 0; i < n; i++)
    if (m[i].key == v.ptr) return m[i].val;
  return (MlirValue){NULL};
}

/* In a partially quantized model (QDQ on some tensors only), the parameters
 * the model gives the value that v becomes through data movement alone: v's
 * only user is a reshape, transpose, slice, expand or max pool (each commutes
 * with a monotone rounding, so rounding v at those parameters gives the same
 * integers) and its result has them, or the same holds further on. */
static bool next_qparams(MlirValue v, DlQParams *p) {
  for (int depth = 0; depth < 16; depth++) {
    MlirOpOperand u = mlirValueGetFirstUse(v);
    if (mlirOpOperandIsNull(u) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(u)) || mlirOpOperandGetOperandNumber(u) != 0)
      return false;
    MlirOperation user = mlirOpOperandGetOwner(u);
    switch (dl_op_kind(user)) {
    case DL_OP_RESHAPE: case DL_OP_TRANSPOSE: case DL_OP_SLICE: case DL_OP_EXPAND: case DL_OP_MAX_POOL:
    case DL_OP_GLOBAL_MAX_POOL: break;
    default: return false;
    }
    if (mlirOperationGetNumResults(user) != 1) return false;
    v = mlirOperationGetResult(user, 0);
    if (dl_value_qparams(v, p)) return true;
  }
  return false;
}

/* Activation parameters for v: the model's own (QDQ), those of the tensor it
 * moves into, or from its calibrated range. */
static bool act_params(MlirValue v, const QOpts *o, DlQParams *p) {
  if (dl_value_qparams(v, p)) return true; /* fixed by the model (--fold-qdq) */
  if (next_qparams(v, p)) return true;
  double lo, hi;
  if (!dl_value_range(v, &lo, &hi)) return false;
  *p = dl_qparams_for_range(lo, hi, dl_value_abits(v, o->abits), true, !o->asymmetric, o->pow2);
  return true;
}

/* Where the quantization of v is reported: for a func argument its ONNX name
 * (the arg's dlc.name; else "input N"), else the user's node. */
static MlirLocation cast_loc(Q *q, MlirValue v, MlirOperation user) {
  if (!mlirValueIsABlockArgument(v)) return mlirOperationGetLocation(user);
  char name[256];
  MlirAttribute nm = dl_value_attr_get(v, "dlc.name");
  if (!mlirAttributeIsNull(nm) && mlirAttributeIsAString(nm) && mlirStringAttrGetValue(nm).length)
    snprintf(name, sizeof name, "%.*s", (int)mlirStringAttrGetValue(nm).length, mlirStringAttrGetValue(nm).data);
  else
    snprintf(name, sizeof name, "input %d", (int)mlirBlockArgumentGetArgNumber(v));
  return mlirLocationNameGet(q->ctx, dl_str(name), mlirOperationGetLocation(user));
}

/* The quantized form of activation v, inserting quant.qcast before `user` if needed. */
static MlirValue quantized(Q *q, MlirValue v, MlirOperation user, const QOpts *o) {
  if (dl_value_is_quant(v)) return v;
  MlirValue c = lookup(q->qv, q->nq, v);
  if (!mlirValueIsNull(c)) return c;
  DlQParams p;
  DlShape s;
  if (!value_is_f32(v) || !dl_type_to_shape(mlirValueGetType(v), &s) || !act_params(v, o, &p)) return (MlirValue){NULL};
  MlirOperation cast = create1("quant.qcast", cast_loc(q, v, user), 1, &v, dl_qtype_get(q->ctx, &s, &p));
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(user), user, cast);
  c = mlirOperationGetResult(cast, 0);
  q->qv = realloc(q->qv, sizeof(VMap) * (size_t)(q->nq + 1));
  q->qv[q->nq++] = (VMap){v.ptr, c};
  return c;
}

/* The float form of quantized value v, inserting quant.dcast before `user` if needed. */
static MlirValue dequantized(Q *q, MlirValue v, MlirOperation user) {
  MlirValue c = lookup(q->dv, q->nd, v);
  if (!mlirValueIsNull(c)) return c;
  DlShape s;
  dl_type_to_shape(mlirValueGetType(v), &s);
  s.dtype = DL_F32;
  MlirOperation cast = create1("quant.dcast", mlirOperationGetLocation(user), 1, &v, dl_shape_to_type(q->ctx, &s));
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(user), user, cast);
  c = mlirOperationGetResult(cast, 0);
  q->dv = realloc(q->dv, sizeof(VMap) * (size_t)(q->nd + 1));
  q->dv[q->nd++] = (VMap){v.ptr, c};
  return c;
}

/* v itself when quantized, or the quant.qcast already made of it; else null. */
static MlirValue known_quant(Q *q, MlirValue v) {
  return dl_value_is_quant(v) ? v : lookup(q->qv, q->nq, v);
}

/* A float island's result whose parameters the model fixed (QDQ) is rounded to
 * them as in the model: r -> qcast -> dcast for its float users, and integer
 * users take the qcast. */
static void fake_quant(Q *q, MlirBlock block, MlirOperation op, MlirLocation loc, MlirValue r, const DlQParams *p) {
  DlShape s;
  if (!dl_type_to_shape(mlirValueGetType(r), &s)) return;
  MlirOperation qc = create1("quant.qcast", loc, 1, &r, dl_qtype_get(q->ctx, &s, p));
  mlirBlockInsertOwnedOperationAfter(block, op, qc); /* null op: at the start */
  MlirValue qv = mlirOperationGetResult(qc, 0);
  MlirOperation dc = create1("quant.dcast", loc, 1, &qv, mlirValueGetType(r));
  mlirBlockInsertOwnedOperationAfter(block, qc, dc);
  MlirValue dv = mlirOperationGetResult(dc, 0);
  mlirValueReplaceAllUsesExcept(r, dv, 1, &qc);
  q->qv = realloc(q->qv, sizeof(VMap) * (size_t)(q->nq + 1));
  q->qv[q->nq++] = (VMap){dv.ptr, qv};
  q->dv = realloc(q->dv, sizeof(VMap) * (size_t)(q->nd + 1));
  q->dv[q->nd++] = (VMap){qv.ptr, dv};
}

/* quantize_linear of a value already quantized with exactly its parameters
 * into signed storage (what QOperator integer ops leave, e.g. an i32
 * accumulator for a Cast) only reinterprets the stored integers. */
static bool quantize_passthrough(Q *q, MlirOperation op) {
  MlirValue x = known_quant(q, mlirOperationGetOperand(op, 0)), r = mlirOperationGetResult(op, 0);
  DlQParams px, pq;
  DlShape rs;
  if (mlirValueIsNull(x) || !dl_qparams_of_type(mlirValueGetType(x), &px) || !dl_type_to_shape(mlirValueGetType(r), &rs) ||
      !dl_dtype_is_signed(rs.dtype) || dl_dtype_size(rs.dtype) * 8 != (size_t)(px.bits <= 8 ? 8 : px.bits <= 16 ? 16 : 32) ||
      !dl_qdq_params(op, rs.dtype, &pq) || pq.scale != px.scale || pq.zp != px.zp)
    return false;
  MlirOperation sc = create1("quant.scast", mlirOperationGetLocation(op), 1, &x, mlirValueGetType(r));
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(op), op, sc);
  dl_replace_op(op, mlirOperationGetResult(sc, 0));
  return true;
}

static bool const_f32(MlirValue v, DlTensor *t) {
  MlirAttribute a = dl_value_constant(v);
  if (mlirAttributeIsNull(a)) return false;
  DlError e = {0};
  bool ok = dl_attr_to_tensor(a, t, &e) && t->shape.dtype == DL_F32;
  dl_error_clear(&e);
  if (!ok) dl_tensor_free(t);
  return ok;
}

static void set_i64s(MlirOperation op, const char *name, const int64_t *v, intptr_t n) {
  mlirOperationSetDiscardableAttributeByName(op, dl_str(name), mlirDenseI64ArrayGet(mlirOperationGetContext(op), n, v));
}

/* The scale of n weights w under o; with outliers also the threshold *t above which
 * a weight takes the outlier width (else *t stays INFINITY). */
static double weight_scale(const float *w, int64_t n, int64_t window, const QOpts *o, float *t) {
  *t = INFINITY;
  if (!(o->outliers > 0)) return dl_weight_scale(w, n, window, o->wbits, o->pow2, o->wclip);
  *t = dl_outlier_threshold(w, n, o->outliers);
  return dl_weight_scale_outliers(w, n, window, o->wbits, o->outlier_bits, *t, o->pow2, o->wclip);
}

/* The scales of weights w along `axis` (nch channels) under o, and each
 * channel's outlier threshold thr (INFINITY without outliers). Scales pinned
 * by --wround=gptq (`dlc.wscales` on the user, dl_gptq_apply) are kept: the
 * weights were rounded onto their grid. */
static void weight_scales(MlirOperation user, const DlTensor *w, int axis, int64_t nch, const QOpts *o,
                          double *scales, float *thr) {
  const float *d = w->data;
  int64_t n = dl_shape_numel(&w->shape), inner = 1, window = 1;
  for (int i = axis + 1; i < w->shape.rank; i++) inner *= w->shape.dims[i];
  if (axis == 0)
    for (int i = 2; i < w->shape.rank; i++) window *= w->shape.dims[i];
  MlirAttribute pin = mlirOperationGetDiscardableAttributeByName(user, dl_str("dlc.wscales"));
  if (!(o->outliers > 0) && !mlirAttributeIsNull(pin) && mlirAttributeIsADenseF64Array(pin) &&
      mlirDenseArrayGetNumElements(pin) == nch) {
    for (int64_t c = 0; c < nch; c++) scales[c] = mlirDenseF64ArrayGetElement(pin, c), thr[c] = INFINITY;
    return;
  }
  if (o->per_channel) { /* gather each channel's weights, then choose its scale */
    int64_t len = n / nch, outer = len / inner;
    float *cw = malloc(sizeof(float) * (size_t)(len ? len : 1));
    for (int64_t c = 0; c < nch; c++) {
      for (int64_t u = 0; u < outer; u++)
        memcpy(cw + u * inner, d + (u * nch + c) * inner, sizeof(float) * (size_t)inner);
      scales[c] = weight_scale(cw, len, window, o, &thr[c]);
    }
    free(cw);
  } else {
    float t;
    double s = weight_scale(d, n, window, o, &t);
    for (int64_t c = 0; c < nch; c++) scales[c] = s, thr[c] = t;
  }
}

/* --wquant=wentropy: the fine int8 grid of each channel (of the tensor when
 * per tensor), max |w| / 127, on which the codebook's levels lie. */
static void wentropy_scales(const DlTensor *w, int axis, int64_t nch, bool per_channel, double *scales, float *thr) {
  const float *d = w->data;
  int64_t n = dl_shape_numel(&w->shape), inner = 1;
  for (int i = axis + 1; i < w->shape.rank; i++) inner *= w->shape.dims[i];
  double all = 0;
  for (int64_t c = 0; c < nch; c++) scales[c] = 0, thr[c] = INFINITY;
  for (int64_t i = 0; i < n; i++) {
    int64_t c = (i / inner) % nch;
    scales[c] = fabs(d[i]) > scales[c] ? fabs(d[i]) : scales[c];
  }
  for (int64_t c = 0; c < nch; c++) all = scales[c] > all ? scales[c] : all;
  for (int64_t c = 0; c < nch; c++) {
    double m = per_channel ? scales[c] : all;
    scales[c] = (double)(float)((m > 0 ? m : 1) / 127);
  }
}

/* The int8 codes of w's weighted-entropy levels into t, the codebook as
 * `dlc.codebook` on user. */
static void wentropy_codes(MlirOperation user, const DlTensor *w, int64_t inner, int64_t nch, const QOpts *o,
                           const double *scales, DlTensor *t) {
  int64_t n = dl_shape_numel(&w->shape), len = (o->per_channel ? nch : 1) << o->wbits, window = 1;
  if (inner == n / nch) /* axis 0: conv weights come in kernel windows of kh x kw */
    for (int i = 2; i < w->shape.rank; i++) window *= w->shape.dims[i];
  int8_t *cb = malloc((size_t)len);
  dl_wentropy_quantize(w->data, n, inner, nch, window, scales, o->wbits, o->per_channel, o->wquant, t->data, cb);
  MlirAttribute a = mlirDenseI8ArrayGet(mlirOperationGetContext(user), (intptr_t)len, cb);
  mlirOperationSetDiscardableAttributeByName(user, dl_str("dlc.codebook"), a);
  free(cb);
}

/* Weights w (float) along channel `axis` of `nch` channels -> storage constant + scast.
 * Conv weights (axis 0, rank > 2) come in kernel windows of kh*kw inputs. With
 * outliers the integers take the outlier width; `user` records how many exceed wbits. */
static MlirValue quantize_weights(Q *q, MlirOperation user, DlTensor *w, int axis, int64_t nch, const QOpts *o,
                                  double fmult, const double *fbias, double *scales) {
  const float *d = w->data;
  int64_t n = dl_shape_numel(&w->shape), inner = 1;
  for (int i = axis + 1; i < w->shape.rank; i++) inner *= w->shape.dims[i];
  int sbits = o->wquant ? 8 : o->outliers > 0 ? o->outlier_bits : o->wbits;
  int64_t dense_max = ((int64_t)1 << (o->wbits - 1)) - 1, qmax = ((int64_t)1 << (sbits - 1)) - 1;
  float *thr = malloc(sizeof(float) * (size_t)nch);
  if (o->wquant) wentropy_scales(w, axis, nch, o->per_channel, scales, thr);
  else weight_scales(user, w, axis, nch, o, scales, thr);
  /* Two floors on the scales. A channel whose weights are almost zero (BN
   * folding leaves some at 1e-38) would get a requantization multiplier
   * s_x * s_w / s_y far below 2^-24, which no target can shift by: at fmult
   * (multiplier 2^-24) rounding its weights moves the output by at most
   * K * 255 * 2^-25 steps (0.04 for K = 4608). And the bias, stored at
   * s_x * s_w, must stay within 2^30 steps to fit the int32 bias with room for
   * the products (fbias): its channel's weights are then rounded more coarsely,
   * and a warning says how much. */
  double worst = 1, all = fmult;
  int64_t raised = 0;
  for (int64_t c = 0; c < nch; c++) all = fbias && fbias[c] > all ? fbias[c] : all;
  for (int64_t c = 0; c < nch; c++) {
    double fb = fbias ? (o->per_channel ? fbias[c] : all) : 0, f = fb > fmult ? fb : fmult;
    if (!o->per_channel) f = all;
    if (scales[c] >= f) continue;
    if (fb >= f && scales[c] > fmult) {
      raised++;
      worst = f / scales[c] > worst ? f / scales[c] : worst;
    }
    scales[c] = f;
  }
  if (raised) {
    char loc[256];
    dl_location_str(mlirOperationGetLocation(user), loc, sizeof loc);
    dl_warn(mlirOperationGetContext(user),
            "%s: the bias of %lld channel%s would not fit int32 at the weights' scale; their weights "
            "are rounded at up to %.3gx that scale (%.1f bits fewer); fewer activation bits (\"abits\") or "
            "\"keep_float\" in --config avoid it",
            loc, (long long)raised, raised == 1 ? "" : "s", worst, log2(worst));
  }
  mlirOperationRemoveDiscardableAttributeByName(user, dl_str("dlc.wscales")); /* the type carries them now */
  DlShape ss = w->shape;
  ss.dtype = sbits <= 8 ? DL_I8 : DL_I16;
  DlTensor t = {0};
  dl_tensor_alloc(&t, &ss);
  int64_t wide = 0;
  if (o->wquant) wentropy_codes(user, w, inner, nch, o, scales, &t);
  for (int64_t i = 0; !o->wquant && i < n; i++) {
    int64_t ch = (i / inner) % nch, lim = fabsf(d[i]) > thr[ch] ? qmax : dense_max;
    int64_t v = dl_quantize_f(d[i], (float)scales[ch], 0, -lim, lim);
    dl_tensor_set_i(&t, i, v);
    wide += llabs((long long)v) > dense_max;
  }
  free(thr);
  if (o->outliers > 0) {
    int64_t rec[2] = {o->wbits, wide};
    set_i64s(user, "dlc.outliers", rec, 2);
  }
  MlirValue c = dl_insert_constant(user, &t, "qweight");
  DlShape dims = w->shape;
  MlirType qt;
  if (o->per_channel) {
    qt = dl_qtype_per_axis_get(q->ctx, &dims, sbits, axis, scales, nch);
  } else {
    DlQParams p = {scales[0], 0, -qmax, qmax, sbits, true};
    qt = dl_qtype_get(q->ctx, &dims, &p);
  }
  MlirOperation sc = create1("quant.scast", mlirOperationGetLocation(user), 1, &c, qt);
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(user), user, sc);
  return mlirOperationGetResult(sc, 0);
}

/* Weights whose integers the model fixed (dlc.qweight, from --fold-qdq):
 * exactly those integers, with their scales and zero point. Null when there is
 * no annotation or it cannot be expressed (per-channel zero points that
 * differ); *wmax is the largest |w - zp|. */
static MlirValue qdq_weights(Q *q, MlirOperation user, MlirValue wv, const DlTensor *w, int axis, int64_t nch,
                             double *scales, int64_t *wmax) {
  DlQWeight qw;
  if (!dl_value_qweight(wv, &qw)) return (MlirValue){NULL};
  bool ok = qw.bits <= 16 && (qw.nch == 1 || (qw.axis == axis && qw.nch == nch));
  for (int64_t c = 1; ok && c < qw.nch; c++) ok = qw.zp[c] == qw.zp[0];
  MlirValue r = {NULL};
  if (ok) {
    int64_t n = dl_shape_numel(&w->shape), inner = 1;
    for (int i = axis + 1; i < w->shape.rank; i++) inner *= w->shape.dims[i];
    for (int64_t c = 0; c < nch; c++) scales[c] = qw.scale[qw.nch == 1 ? 0 : c];
    DlShape ss = w->shape;
    ss.dtype = qw.bits <= 8 ? DL_I8 : DL_I16;
    DlTensor t = {0};
    dl_tensor_alloc(&t, &ss);
    *wmax = 0;
    for (int64_t i = 0; i < n; i++) {
      int64_t ch = qw.nch == 1 ? 0 : (i / inner) % nch;
      int64_t v = dl_quantize_f(((const float *)w->data)[i], (float)qw.scale[ch], qw.zp[0], qw.qmin, qw.qmax);
      dl_tensor_set_i(&t, i, v);
      *wmax = llabs((long long)(v - qw.zp[0])) > *wmax ? llabs((long long)(v - qw.zp[0])) : *wmax;
    }
    MlirValue c = dl_insert_constant(user, &t, "qweight");
    MlirType el;
    if (qw.nch > 1) {
      int64_t *zp = malloc(sizeof(int64_t) * (size_t)nch);
      for (int64_t k = 0; k < nch; k++) zp[k] = qw.zp[0];
      el = mlirUniformQuantizedPerAxisTypeGet(mlirQuantizedTypeGetSignedFlag(), mlirIntegerTypeGet(q->ctx, qw.bits <= 8 ? 8 : 16),
                                              mlirF32TypeGet(q->ctx), (intptr_t)nch, scales, zp, axis, qw.qmin, qw.qmax);
      free(zp);
    } else {
      DlQParams p = {qw.scale[0], qw.zp[0], qw.qmin, qw.qmax, qw.bits, true};
      el = mlirShapedTypeGetElementType(dl_qtype_get(q->ctx, &w->shape, &p));
    }
    MlirType qt = mlirRankedTensorTypeGet(w->shape.rank, w->shape.dims, el, mlirAttributeGetNull());
    MlirOperation sc = create1("quant.scast", mlirOperationGetLocation(user), 1, &c, qt);
    mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(user), user, sc);
    r = mlirOperationGetResult(sc, 0);
  }
  free(qw.scale), free(qw.zp);
  return r;
}

static int64_t max_abs_q(const DlQParams *p) {
  int64_t a = p->qmax - p->zp, b = p->zp - p->qmin;
  return a > b ? a : b;
}

/* conv / gemm / matmul with constant weights. */
static bool quantize_mac(Q *q, MlirOperation op, DlOpKind k, const QOpts *o) {
  DlAttrs a;
  DlError e = {0};
  if (!dl_op_read_attrs(op, k, &a, &e)) return dl_error_clear(&e), false;
  MlirValue x = mlirOperationGetOperand(op, 0), wv = mlirOperationGetOperand(op, 1), r = mlirOperationGetResult(op, 0);
  int nin = (int)mlirOperationGetNumOperands(op);
  DlShape ys, xs;
  DlQParams py, px;
  if (!dl_type_to_shape(mlirValueGetType(r), &ys) || !act_params(r, o, &py)) return false;
  if (k == DL_OP_GEMM && (dl_attrs_int(&a, "transA", 0) || dl_attrs_float(&a, "alpha", 1) != 1 ||
                          dl_attrs_float(&a, "beta", 1) != 1))
    return false;
  DlTensor w = {0}, b = {0};
  bool wconst = const_f32(wv, &w);
  if (!wconst && k != DL_OP_MATMUL) return false;
  if (!wconst) { /* activation x activation matmul: per-tensor both sides */
    MlirValue qa = quantized(q, x, op, o), qb = quantized(q, wv, op, o);
    if (mlirValueIsNull(qa) || mlirValueIsNull(qb)) return false;
    DlQParams pb;
    dl_qparams_of_type(mlirValueGetType(qa), &px);
    dl_qparams_of_type(mlirValueGetType(qb), &pb);
    dl_type_to_shape(mlirValueGetType(x), &xs);
    int64_t K = xs.dims[xs.rank - 1];
    uint64_t bound = (uint64_t)K * (uint64_t)max_abs_q(&px) * (uint64_t)max_abs_q(&pb);
    int acc_bits = dl_bits_for(bound);
    DlMult m;
    if (!dl_quant_multiplier(px.scale * pb.scale / py.scale, acc_bits < 33 ? 31 : 63 - acc_bits, &m)) return false;
    mlirOperationSetOperand(op, 0, qa);
    mlirOperationSetOperand(op, 1, qb);
    mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &py));
    set_i64s(op, "dlc.mult", &m.m0, 1);
    int64_t sh = m.shift, ab = acc_bits;
    set_i64s(op, "dlc.shift", &sh, 1);
    set_i64s(op, "dlc.acc_bits", &ab, 1);
    return true;
  }
  bool transb = k == DL_OP_GEMM && dl_attrs_int(&a, "transB", 0);
  int axis = k == DL_OP_CONV || transb ? 0 : w.shape.rank - 1;
  int64_t nch = w.shape.dims[axis];
  if (k == DL_OP_MATMUL && w.shape.rank != 2) return dl_tensor_free(&w), false;
  if (nin > 2 && (!const_f32(mlirOperationGetOperand(op, 2), &b) || dl_shape_numel(&b.shape) != nch)) {
    dl_tensor_free(&w);
    dl_tensor_free(&b);
    return false;
  }
  MlirValue qx = quantized(q, x, op, o);
  if (mlirValueIsNull(qx)) return dl_tensor_free(&w), dl_tensor_free(&b), false;
  dl_qparams_of_type(mlirValueGetType(qx), &px);
  int64_t K = dl_shape_numel(&w.shape) / nch;
  double *sw = malloc(sizeof(double) * (size_t)nch);
  int64_t wmax = ((int64_t)1 << ((o->wquant ? 8 : o->outliers > 0 ? o->outlier_bits : o->wbits) - 1)) - 1, bmax = 0;
  MlirValue qw = qdq_weights(q, op, wv, &w, axis, nch, sw, &wmax);
  if (mlirValueIsNull(qw)) {
    double *fbias = nin > 2 ? malloc(sizeof(double) * (size_t)nch) : NULL;
    for (int64_t c = 0; fbias && c < nch; c++) fbias[c] = fabs(((const float *)b.data)[c]) / (px.scale * 1073741824.0);
    qw = quantize_weights(q, op, &w, axis, nch, o, ldexp(py.scale / px.scale, -24), fbias, sw);
    free(fbias);
  }
  /* i32 bias at s_x * s_w, and the accumulator bound it adds to */
  int32_t *bq = NULL;
  if (nin > 2) {
    bq = malloc(sizeof(int32_t) * (size_t)nch);
    for (int64_t c = 0; c < nch; c++) {
      double v = nearbyint(((const float *)b.data)[c] / (px.scale * sw[c]));
      if (!(fabs(v) <= 2147483647.0)) { /* saturating would shift every output of the channel */
        char msg[512];
        snprintf(msg, sizeof msg,
                 "bias %g of channel %lld is %.3g steps of its scale s_x * s_w = %.3g, beyond the int32 bias "
                 "(at %d weight and %d activation bits); give this node fewer bits (\"wbits\" / \"abits\" in "
                 "--config) or keep it float (\"keep_float\": true)",
                 ((const float *)b.data)[c], (long long)c, v, px.scale * sw[c], o->wbits, o->abits);
        mlirEmitError(mlirOperationGetLocation(op), msg);
        q->failed = true;
        free(sw), free(bq);
        return dl_tensor_free(&w), dl_tensor_free(&b), false;
      }
      bq[c] = (int32_t)v;
      bmax = llabs((long long)bq[c]) > bmax ? llabs((long long)bq[c]) : bmax;
    }
  }
  uint64_t bound = (uint64_t)K * (uint64_t)max_abs_q(&px) * (uint64_t)wmax + (uint64_t)bmax;
  int acc_bits = dl_bits_for(bound);
  int mbits = acc_bits < 33 ? 31 : 63 - acc_bits;
  int64_t *m0 = malloc(sizeof(int64_t) * (size_t)nch), *sh = malloc(sizeof(int64_t) * (size_t)nch);
  bool ok = true;
  for (int64_t c = 0; c < nch && ok; c++) {
    DlMult m;
    ok = dl_quant_multiplier(px.scale * sw[c] / py.scale, mbits, &m);
    m0[c] = m.m0, sh[c] = m.shift;
  }
  if (ok) {
    mlirOperationSetOperand(op, 0, qx);
    mlirOperationSetOperand(op, 1, qw);
    if (bq) {
      DlShape bs = {DL_I32, 1, {nch}};
      DlTensor bt = {0};
      dl_tensor_alloc(&bt, &bs);
      memcpy(bt.data, bq, sizeof(int32_t) * (size_t)nch);
      mlirOperationSetOperand(op, 2, dl_insert_constant(op, &bt, "qbias"));
    }
    mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &py));
    set_i64s(op, "dlc.mult", m0, nch);
    set_i64s(op, "dlc.shift", sh, nch);
    int64_t ab = acc_bits;
    set_i64s(op, "dlc.acc_bits", &ab, 1);
  }
  free(sw), free(bq), free(m0), free(sh);
  dl_tensor_free(&w);
  dl_tensor_free(&b);
  return ok;
}

/* add / sub / mul of two activations. */
static bool quantize_binary(Q *q, MlirOperation op, DlOpKind k, const QOpts *o) {
  MlirValue r = mlirOperationGetResult(op, 0);
  DlShape ys;
  DlQParams py, pa, pb;
  if (!dl_type_to_shape(mlirValueGetType(r), &ys) || !act_params(r, o, &py)) return false;
  MlirValue qa = quantized(q, mlirOperationGetOperand(op, 0), op, o);
  MlirValue qb = quantized(q, mlirOperationGetOperand(op, 1), op, o);
  if (mlirValueIsNull(qa) || mlirValueIsNull(qb)) return false;
  dl_qparams_of_type(mlirValueGetType(qa), &pa);
  dl_qparams_of_type(mlirValueGetType(qb), &pb);
  /* integer binary ops take operands of one width (a 16-bit layer, from --config
   * or --auto-keep, next to an 8-bit one): otherwise the op stays float */
  if (pa.bits != pb.bits) return false;
  int64_t m0[2], sh;
  if (k == DL_OP_MUL) {
    /* (a - za) * (b - zb) * m0 + 2^(n-1) must stay inside int64: 16-bit
     * operands (products up to 2^32) leave 30 bits to the multiplier */
    int pbits = dl_bits_for((uint64_t)max_abs_q(&pa) * (uint64_t)max_abs_q(&pb)) - 1, mbits = 62 - pbits;
    DlMult m;
    if (!dl_quant_multiplier(pa.scale * pb.scale / py.scale, mbits < 31 ? mbits : 31, &m)) return false;
    m0[0] = m.m0, sh = m.shift;
    set_i64s(op, "dlc.mult", m0, 1);
  } else {
    /* one shift for both terms: the larger multiplier decides it */
    double ma = pa.scale / py.scale, mb = pb.scale / py.scale;
    /* the shift that gives the larger multiplier 30 bits (dl_quant_multiplier
     * would already strip trailing zeros, losing the smaller one's precision) */
    int e;
    frexp(fmax(ma, mb), &e);
    sh = 30 - e;
    if (sh < 0 || !(fmax(ma, mb) > 0)) return false;
    if (sh > 62) sh = 62;
    m0[0] = (int64_t)nearbyint(ldexp(ma, (int)sh)), m0[1] = (int64_t)nearbyint(ldexp(mb, (int)sh));
    while (sh > 0 && !(m0[0] & 1) && !(m0[1] & 1)) m0[0] >>= 1, m0[1] >>= 1, sh--;
    set_i64s(op, "dlc.mult", m0, 2);
  }
  set_i64s(op, "dlc.shift", &sh, 1);
  mlirOperationSetOperand(op, 0, qa);
  mlirOperationSetOperand(op, 1, qb);
  mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &py));
  return true;
}

/* Elementwise unary op on a quantized input: becomes a lookup table. */
static bool quantize_unary(Q *q, MlirOperation op, const QOpts *o) {
  MlirValue x = known_quant(q, mlirOperationGetOperand(op, 0)), r = mlirOperationGetResult(op, 0);
  DlShape ys;
  DlQParams py;
  if (mlirValueIsNull(x) || !dl_type_to_shape(mlirValueGetType(r), &ys) || !act_params(r, o, &py)) return false;
  mlirOperationSetOperand(op, 0, x);
  mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &py));
  return true;
}

/* Ops that move or pool values keep their operand's quantization. */
static bool quantize_transparent(Q *q, MlirOperation op) {
  MlirValue x = known_quant(q, mlirOperationGetOperand(op, 0)), r = mlirOperationGetResult(op, 0);
  DlShape ys;
  DlQParams px;
  if (mlirValueIsNull(x) || !dl_qparams_of_type(mlirValueGetType(x), &px) || !dl_type_to_shape(mlirValueGetType(r), &ys))
    return false;
  DlQParams fixed; /* a result the model requantizes is not data movement */
  if (dl_value_qparams(r, &fixed) && (fixed.scale != px.scale || fixed.zp != px.zp || fixed.qmin != px.qmin || fixed.qmax != px.qmax))
    return false;
  mlirOperationSetOperand(op, 0, x);
  mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &px));
  return true;
}

/* Global average pooling keeps its input's parameters (data movement of a
 * mean) unless the calibrated range of the means is much narrower than the
 * input's: squeeze-excitation blocks average a wide feature map into small
 * values, which the input's scale rounds away (PP-OCR det: SQNR 0.3 dB). Then
 * the result takes its own parameters and the integer sum is requantized:
 * y = zp_y + rshift_round(sum (x - zp_x) * m0, n), m0 2^-n ~ s_x / (s_y * count).
 * "Much narrower": the input's scale at least DL_GAP_OWN_SCALE times the
 * result's (3 bits of the result's resolution lost otherwise). */
#define DL_GAP_OWN_SCALE 8.0
static bool quantize_global_avg(Q *q, MlirOperation op, const QOpts *o) {
  MlirValue x = known_quant(q, mlirOperationGetOperand(op, 0)), r = mlirOperationGetResult(op, 0);
  DlShape ys, xs;
  DlQParams px, py, fixed;
  if (mlirValueIsNull(x) || dl_value_qparams(r, &fixed) || !dl_qparams_of_type(mlirValueGetType(x), &px) ||
      !dl_type_to_shape(mlirValueGetType(r), &ys) || !dl_type_to_shape(mlirValueGetType(x), &xs) ||
      !act_params(r, o, &py) || !(py.scale * DL_GAP_OWN_SCALE <= px.scale))
    return quantize_transparent(q, op);
  int64_t count = dl_shape_numel(&ys) ? dl_shape_numel(&xs) / dl_shape_numel(&ys) : 0;
  if (count < 1) return quantize_transparent(q, op);
  int acc_bits = dl_bits_for((uint64_t)count * (uint64_t)max_abs_q(&px));
  DlMult m;
  if (!dl_quant_multiplier(px.scale / (py.scale * (double)count), acc_bits < 33 ? 31 : 63 - acc_bits, &m))
    return quantize_transparent(q, op);
  mlirOperationSetOperand(op, 0, x);
  mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &py));
  int64_t sh = m.shift;
  set_i64s(op, "dlc.mult", &m.m0, 1);
  set_i64s(op, "dlc.shift", &sh, 1);
  return true;
}

static bool is_lut_op(DlOpKind k) {
  switch (k) {
  case DL_OP_RELU: case DL_OP_LEAKY_RELU: case DL_OP_CLIP: case DL_OP_SIGMOID: case DL_OP_HARD_SIGMOID:
  case DL_OP_HARD_SWISH: case DL_OP_TANH: case DL_OP_ERF: case DL_OP_GELU: case DL_OP_ELU: case DL_OP_SELU:
  case DL_OP_CELU: case DL_OP_SOFTPLUS: case DL_OP_SOFTSIGN: case DL_OP_THRESHOLDED_RELU:
    return true;
  default: return false;
  }
}

/* ---- elementwise regions as lookup tables ----------------------------------
 *
 * Exporters spell many activations as chains of elementwise float ops on one
 * tensor: hardswish as Add(x, 3) + Clip + Mul(x, .) + Div(., 6), x *
 * HardSigmoid(x), Max(x, LeakyRelu(x)), Pow(x, 2). Every such region is a
 * function of its one source value x alone, elementwise, so on an 8-bit (at
 * most 16-bit) x it is a table over x's levels. A region is the set of
 * elementwise ops (unary activations; add, sub, mul, div, pow, max, min whose
 * other operands are scalar constants or region values of the result's shape)
 * that reach back to one source; each region value used outside it becomes
 * one qg.lut on the source: the float ops of the region run (dl_kernel_eval)
 * on every level of x dequantized, and the result is quantized at the value's
 * calibrated parameters. Single unary activations keep their own LUT rule.
 * The source must already be quantized when the region is reached (a float
 * input's normalization stays float). */

typedef struct {
  MlirOperation op;
  const void *src; /* the source value (MlirValue.ptr) */
  bool output;     /* used outside the region */
} Elt;

typedef struct {
  const void *src;
  bool useful;     /* an output feeds an op with an integer form */
  int nops, state; /* 0: undecided, 1: fused, 2: not */
  bool scalar;       /* some op takes a scalar constant */
} Region;

typedef struct {
  Elt *e;
  int ne;
  Region *r;
  int nr;
  const void **ren; /* pairs (lut result, the value it replaced) */
  int nren;
} Regions;

static bool elementwise_kind(DlOpKind k, bool *binary) {
  *binary = false;
  switch (k) {
  case DL_OP_ADD: case DL_OP_SUB: case DL_OP_MUL: case DL_OP_DIV: case DL_OP_POW: case DL_OP_MAX: case DL_OP_MIN:
    *binary = true;
    return true;
  case DL_OP_RELU: case DL_OP_LEAKY_RELU: case DL_OP_CLIP: case DL_OP_SIGMOID: case DL_OP_HARD_SIGMOID:
  case DL_OP_HARD_SWISH: case DL_OP_TANH: case DL_OP_ERF: case DL_OP_GELU: case DL_OP_ELU: case DL_OP_SELU:
  case DL_OP_CELU: case DL_OP_SOFTPLUS: case DL_OP_SOFTSIGN: case DL_OP_THRESHOLDED_RELU: case DL_OP_EXP:
  case DL_OP_NEG: case DL_OP_ABS: case DL_OP_SQRT: case DL_OP_SIN: case DL_OP_COS:
    return true;
  default: return false;
  }
}

/* Whether `user` can take an integer operand: a region is worth a table only
 * if some output feeds such an op (a table in front of a float-only op, such
 * as Softmax, would round once more and save no float step). */
static bool integer_user(MlirOperation user) {
  if (dl_op_is(user, "tensor.concat")) return true;
  bool binary;
  switch (dl_op_kind(user)) {
  case DL_OP_CONV: case DL_OP_GEMM: case DL_OP_MATMUL: case DL_OP_ADD: case DL_OP_SUB: case DL_OP_MUL:
  case DL_OP_RESHAPE: case DL_OP_TRANSPOSE: case DL_OP_SLICE: case DL_OP_EXPAND: case DL_OP_MAX_POOL:
  case DL_OP_AVG_POOL: case DL_OP_GLOBAL_AVG_POOL: case DL_OP_GLOBAL_MAX_POOL: case DL_OP_RESIZE:
    return true;
  case DL_OP_COUNT: return false;
  default: return elementwise_kind(dl_op_kind(user), &binary);
  }
}

static Elt *elt_of(Regions *R, MlirOperation op) {
  for (int i = R->ne - 1; i >= 0; i--)
    if (R->e[i].op.ptr == op.ptr) return &R->e[i];
  return NULL;
}

static Region *region_of(Regions *R, const void *src) {
  for (int i = 0; i < R->nr; i++)
    if (R->r[i].src == src) return &R->r[i];
  return NULL;
}

static bool same_dims(const DlShape *a, const DlShape *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* A scalar f32 constant (any rank, one element). */
static bool scalar_const(MlirValue v) {
  DlTensor t = {0};
  if (!const_f32(v, &t)) return false;
  bool one = dl_shape_numel(&t.shape) == 1;
  dl_tensor_free(&t);
  return one;
}

static void regions_find(Regions *R, MlirBlock body) {
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    DlOpKind k = dl_op_kind(op);
    bool binary;
    DlShape rs, vs;
    DlQParams fixed;
    if (k == DL_OP_COUNT || !elementwise_kind(k, &binary) || mlirOperationGetNumResults(op) != 1) continue;
    MlirValue r = mlirOperationGetResult(op, 0);
    if (!value_is_f32(r) || !dl_type_to_shape(mlirValueGetType(r), &rs) || dl_value_qparams(r, &fixed) ||
        !mlirAttributeIsNull(mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"))))
      continue;
    const void *src = NULL;
    bool ok = true, scalar = false;
    for (intptr_t i = 0; ok && i < mlirOperationGetNumOperands(op); i++) {
      MlirValue v = mlirOperationGetOperand(op, i);
      if (!mlirAttributeIsNull(dl_value_constant(v))) {
        ok = binary && scalar_const(v);
        scalar = true;
        continue;
      }
      if (!value_is_f32(v) || !dl_type_to_shape(mlirValueGetType(v), &vs) || !same_dims(&vs, &rs)) {
        ok = false;
        break;
      }
      Elt *d = mlirValueIsAOpResult(v) ? elt_of(R, mlirOpResultGetOwner(v)) : NULL;
      const void *s = d ? d->src : v.ptr;
      ok = !src || src == s;
      src = s;
    }
    if (!ok || !src) continue;
    R->e = realloc(R->e, sizeof(Elt) * (size_t)(R->ne + 1));
    R->e[R->ne++] = (Elt){op, src, false};
    Region *g = region_of(R, src);
    if (!g) {
      R->r = realloc(R->r, sizeof(Region) * (size_t)(R->nr + 1));
      g = &R->r[R->nr++];
      *g = (Region){src, false, 0, 0, false};
    }
    g->nops++;
    g->scalar = g->scalar || scalar;
  }
  /* outputs: values with a user outside their region */
  for (int i = 0; i < R->ne; i++) {
    MlirValue r = mlirOperationGetResult(R->e[i].op, 0);
    for (MlirOpOperand u = mlirValueGetFirstUse(r); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
      Elt *d = elt_of(R, mlirOpOperandGetOwner(u));
      if (!d || d->src != R->e[i].src) {
        R->e[i].output = true;
        if (integer_user(mlirOpOperandGetOwner(u))) region_of(R, R->e[i].src)->useful = true;
      }
    }
  }
}

/* A model input that calibration saw holding whole numbers only (dlc.integers:
 * their span, e.g. pixels 0..255 given as floats), whose elementwise float
 * preprocessing (x / 127.5 - 1) is a region, is quantized first at scale 1:
 * no level is lost on such data, and the region becomes one table on the
 * integers, so only the cast stays on the host. Other data saturates at the
 * calibrated span, as for any input. */
static void quantize_whole_inputs(Q *q, MlirBlock body, const Regions *R) {
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); i++) {
    MlirValue a = mlirBlockGetArgument(body, i);
    MlirAttribute span = dl_value_attr_get(a, "dlc.integers");
    const Region *g = region_of((Regions *)R, a.ptr);
    DlShape s;
    if (mlirAttributeIsNull(span) || !mlirAttributeIsADenseF64Array(span) || mlirDenseArrayGetNumElements(span) != 2 ||
        !g || !g->useful || !value_is_f32(a) || !mlirValueIsNull(known_quant(q, a)) ||
        !dl_type_to_shape(mlirValueGetType(a), &s))
      continue;
    double lo = fmin(mlirDenseF64ArrayGetElement(span, 0), 0), hi = fmax(mlirDenseF64ArrayGetElement(span, 1), 0);
    DlQParams p = dl_qparams_for_range(-1, 1, dl_value_abits(a, q->global.abits), true, false, false); /* the width's storage range */
    if (!q->global.asymmetric || hi - lo > (double)(p.qmax - p.qmin)) continue; /* zero point 0 asked, or too wide */
    p.scale = 1, p.zp = p.qmin - (int64_t)lo;
    MlirOperation first = mlirBlockGetFirstOperation(body);
    MlirOperation cast = create1("quant.qcast", cast_loc(q, a, first), 1, &a, dl_qtype_get(q->ctx, &s, &p));
    mlirBlockInsertOwnedOperationBefore(body, first, cast);
    q->qv = realloc(q->qv, sizeof(VMap) * (size_t)(q->nq + 1));
    q->qv[q->nq++] = (VMap){a.ptr, mlirOperationGetResult(cast, 0)};
  }
}

static const void *renamed(const Regions *R, const void *v) {
  for (int i = 0; i < R->nren; i++)
    if (R->ren[2 * i] == v) return R->ren[2 * i + 1];
  return v;
}

/* The table of region output `out` over the levels of source qs (params px):
 * every region op up to `out`, in block order, evaluated on the dequantized
 * levels; false if a kernel fails. */
static bool region_table(Regions *R, const Elt *out, const DlQParams *px, const DlQParams *py, int64_t *table) {
  int64_t nl = px->qmax - px->qmin + 1;
  DlShape ls = {DL_F32, 1, {nl}};
  int cap = 0;
  for (int i = 0; i < R->ne; i++) cap += R->e[i].src == out->src;
  DlTensor *vals = calloc((size_t)cap + 1, sizeof(DlTensor));
  const void **keys = calloc((size_t)cap + 1, sizeof(void *));
  int nv = 1;
  dl_tensor_alloc(&vals[0], &ls);
  keys[0] = out->src;
  for (int64_t i = 0; i < nl; i++) ((float *)vals[0].data)[i] = dl_dequantize_f(px->qmin + i, (float)px->scale, px->zp);
  bool ok = true;
  for (int i = 0; i < R->ne && ok; i++) {
    const Elt *d = &R->e[i];
    if (d->src != out->src) continue;
    MlirOperation op = d->op;
    DlOpKind k = dl_op_kind(op);
    DlAttrs a;
    DlError e = {0};
    intptr_t n = mlirOperationGetNumOperands(op);
    DlTensor in[2] = {{0}}, own[2] = {{0}};
    for (intptr_t j = 0; ok && j < n && j < 2; j++) {
      MlirValue v = mlirOperationGetOperand(op, j);
      if (!mlirAttributeIsNull(dl_value_constant(v)) && const_f32(v, &own[j])) {
        own[j].shape.rank = 1, own[j].shape.dims[0] = 1;
        in[j] = own[j];
        continue;
      }
      const void *key = renamed(R, v.ptr);
      int f = -1;
      for (int m = 0; m < nv; m++)
        if (keys[m] == key) f = m;
      if (f < 0) ok = false;
      else in[j] = vals[f];
    }
    ok = ok && n <= 2 && dl_op_read_attrs(op, k, &a, &e);
    DlTensor y = {0};
    y.shape = ls;
    ok = ok && dl_kernel_eval(k, &a, (int)n, in, &y, &e);
    dl_error_clear(&e);
    dl_tensor_free(&own[0]), dl_tensor_free(&own[1]);
    if (!ok) {
      dl_tensor_free(&y);
      break;
    }
    keys[nv] = mlirOperationGetResult(op, 0).ptr, vals[nv++] = y;
    if (d == out) break;
  }
  if (ok)
    for (int64_t i = 0; i < nl; i++)
      table[i] = dl_quantize_f(((float *)vals[nv - 1].data)[i], (float)py->scale, py->zp, py->qmin, py->qmax);
  for (int m = 0; m < nv; m++) dl_tensor_free(&vals[m]);
  free(vals), free(keys);
  return ok;
}

/* Op `op` of a region: 0 when it is not fused (quantize it as usual), 1 when
 * it is fused (nothing more to do: an interior op, or an output replaced by
 * its qg.lut). */
static int region_fuse(Q *q, Regions *R, MlirOperation op, const QOpts *o) {
  Elt *d = elt_of(R, op);
  if (!d) return 0;
  Region *g = region_of(R, d->src);
  /* one op on activations alone keeps its own rule (a unary activation's LUT, x + x an integer add) */
  if ((g->nops < 2 && !g->scalar) || !g->useful) return 0;
  if (!g->state) {
    MlirValue qs = known_quant(q, (MlirValue){d->src});
    DlQParams px;
    bool ok = !mlirValueIsNull(qs) && dl_qparams_of_type(mlirValueGetType(qs), &px) && px.qmax - px.qmin < 65536;
    /* every output needs its calibrated range */
    for (int i = 0; ok && i < R->ne; i++) {
      DlQParams py;
      if (R->e[i].src == d->src && R->e[i].output) ok = act_params(mlirOperationGetResult(R->e[i].op, 0), o, &py);
    }
    g->state = ok ? 1 : 2;
  }
  if (g->state != 1) return 0;
  if (!d->output) return 1;
  MlirValue qs = known_quant(q, (MlirValue){d->src}), r = mlirOperationGetResult(op, 0);
  DlQParams px, py;
  DlShape rs;
  dl_qparams_of_type(mlirValueGetType(qs), &px);
  if (!act_params(r, o, &py) || !dl_type_to_shape(mlirValueGetType(r), &rs)) return 0;
  int64_t nl = px.qmax - px.qmin + 1;
  int64_t *table = malloc(sizeof(int64_t) * (size_t)nl);
  if (!region_table(R, d, &px, &py, table)) {
    /* cannot happen for the kinds accepted (their float kernels take any f32); refuse loudly */
    mlirEmitError(mlirOperationGetLocation(op), "internal: the elementwise region of this op could not be tabulated");
    q->failed = true;
    free(table);
    return 1;
  }
  MlirOperation lut = create1("qg.lut", mlirOperationGetLocation(op), 1, &qs, dl_qtype_get(q->ctx, &rs, &py));
  mlirOperationSetDiscardableAttributeByName(lut, dl_str("dlc.table"), mlirDenseI64ArrayGet(q->ctx, nl, table));
  int64_t lo = px.qmin;
  set_i64s(lut, "dlc.table_lo", &lo, 1);
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(op), op, lut);
  MlirValue lv = mlirOperationGetResult(lut, 0);
  mlirValueReplaceAllUsesOfWith(r, lv);
  R->ren = realloc(R->ren, sizeof(void *) * (size_t)(2 * R->nren + 2));
  R->ren[2 * R->nren] = lv.ptr, R->ren[2 * R->nren + 1] = r.ptr;
  R->nren++;
  free(table);
  return 1;
}

/* Erases the fused region ops, all unused now. */
static void regions_erase(Regions *R) {
  for (bool again = true; again;) {
    again = false;
    for (int i = R->ne - 1; i >= 0; i--) {
      Region *g = region_of(R, R->e[i].src);
      if (R->e[i].op.ptr && g->state == 1 && dl_value_is_unused(mlirOperationGetResult(R->e[i].op, 0))) {
        mlirOperationDestroy(R->e[i].op);
        R->e[i].op.ptr = NULL;
        again = true;
      }
    }
  }
  free(R->e), free(R->r), free(R->ren);
}

/* tensor.concat of quantized activations (and constants): the result takes
 * its calibrated parameters; an operand quantized otherwise is requantized
 * into them by a qg.lut (quantize(dequantize(level)) for each of its levels),
 * a constant is quantized into them. Exporters pad channels this way
 * (BlazeFace: Concat with zeros) and join feature maps (PP-OCR det). */
static bool quantize_concat(Q *q, MlirOperation op, const QOpts *o) {
  MlirValue r = mlirOperationGetResult(op, 0);
  DlShape ys;
  DlQParams py;
  intptr_t n = mlirOperationGetNumOperands(op);
  if (!value_is_f32(r) || !dl_type_to_shape(mlirValueGetType(r), &ys) || !act_params(r, o, &py) || n > 32 ||
      py.qmax - py.qmin > 255)
    return false;
  MlirValue ops[32];
  int nact = 0;
  for (intptr_t i = 0; i < n; i++) { /* every activation operand must already be integer */
    MlirValue v = mlirOperationGetOperand(op, i);
    if (!mlirAttributeIsNull(dl_value_constant(v))) continue;
    ops[i] = known_quant(q, v);
    if (mlirValueIsNull(ops[i])) return false;
    DlQParams px;
    if (!dl_qparams_of_type(mlirValueGetType(ops[i]), &px) || px.qmax - px.qmin > 255) return false;
    nact++;
  }
  if (!nact) return false;
  for (intptr_t i = 0; i < n; i++) {
    MlirValue v = mlirOperationGetOperand(op, i);
    DlShape vs;
    dl_type_to_shape(mlirValueGetType(v), &vs);
    if (!mlirAttributeIsNull(dl_value_constant(v))) {
      DlTensor t = {0};
      if (!const_f32(v, &t)) return false;
      DlShape qs = t.shape;
      qs.dtype = py.bits <= 8 ? DL_I8 : DL_I16;
      DlTensor qt = {0};
      dl_tensor_alloc(&qt, &qs);
      int64_t ne = dl_shape_numel(&qs);
      for (int64_t j = 0; j < ne; j++)
        dl_tensor_set_i(&qt, j, dl_quantize_f(((const float *)t.data)[j], (float)py.scale, py.zp, py.qmin, py.qmax));
      dl_tensor_free(&t);
      MlirValue c = dl_insert_constant(op, &qt, "qconcat");
      MlirOperation sc = create1("quant.scast", mlirOperationGetLocation(op), 1, &c, dl_qtype_get(q->ctx, &vs, &py));
      mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(op), op, sc);
      ops[i] = mlirOperationGetResult(sc, 0);
      continue;
    }
    DlQParams px;
    dl_qparams_of_type(mlirValueGetType(ops[i]), &px);
    if (px.scale == py.scale && px.zp == py.zp && px.qmin == py.qmin && px.qmax == py.qmax) continue;
    int64_t nl = px.qmax - px.qmin + 1, table[256];
    for (int64_t j = 0; j < nl; j++)
      table[j] = dl_quantize_f(dl_dequantize_f(px.qmin + j, (float)px.scale, px.zp), (float)py.scale, py.zp, py.qmin, py.qmax);
    MlirOperation lut = create1("qg.lut", mlirOperationGetLocation(op), 1, &ops[i], dl_qtype_get(q->ctx, &vs, &py));
    mlirOperationSetDiscardableAttributeByName(lut, dl_str("dlc.table"), mlirDenseI64ArrayGet(q->ctx, nl, table));
    int64_t lo = px.qmin;
    set_i64s(lut, "dlc.table_lo", &lo, 1);
    mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(op), op, lut);
    ops[i] = mlirOperationGetResult(lut, 0);
  }
  for (intptr_t i = 0; i < n; i++) mlirOperationSetOperand(op, i, ops[i]);
  mlirValueSetType(r, dl_qtype_get(q->ctx, &ys, &py));
  return true;
}

static const QOpts default_opts = {8, 8, true, true, false, false, DL_WCLIP_AUTO, 0, 8, DL_WQUANT_UNIFORM};

bool dl_quant_layer_scales(MlirOperation op, const DlTensor *w, int axis, int64_t nch, double *scales, int *wbits) {
  MlirOperation func = mlirBlockGetParentOperation(mlirOperationGetBlock(op));
  QOpts o = default_opts;
  MlirLocation loc = mlirOperationGetLocation(op);
  if (!read_opts(mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant")), &o, loc) ||
      !read_opts(mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant")), &o, loc))
    return false;
  if (o.keep_float || o.outliers > 0 || o.wquant || o.wbits < 2 || o.wbits > 16) return false;
  mlirOperationRemoveDiscardableAttributeByName(op, dl_str("dlc.wscales")); /* choose afresh */
  float *thr = malloc(sizeof(float) * (size_t)(nch ? nch : 1));
  weight_scales(op, w, axis, nch, &o, scales, thr);
  free(thr);
  *wbits = o.wbits;
  return true;
}

bool dl_quant_act_params(MlirOperation func, MlirValue v, DlQParams *p) {
  QOpts o = default_opts;
  MlirLocation loc = mlirOperationGetLocation(func);
  if (!read_opts(mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant")), &o, loc)) return false;
  if (!mlirValueIsABlockArgument(v) &&
      !read_opts(mlirOperationGetDiscardableAttributeByName(mlirOpResultGetOwner(v), dl_str("dlc.quant")), &o, loc))
    return false;
  return !o.keep_float && value_is_f32(v) && act_params(v, &o, p);
}

/* quant.qcast(D(x)), D float data movement (transpose, reshape, slice,
 * expand) read only by the cast, becomes D(quant.qcast(x)): the same integers
 * (a per-tensor cast is elementwise), and D moves integers, which targets
 * without a float unit run themselves (an input's NHWC transpose). Repeated
 * up a chain of such ops. */
static void sink_qcasts(Q *q, MlirBlock body) {
  for (bool again = true; again;) {
    again = false;
    for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op); op = next) {
      next = mlirOperationGetNextInBlock(op);
      if (!dl_op_is(op, "quant.qcast")) continue;
      DlOpKind k;
      MlirValue y = mlirOperationGetOperand(op, 0);
      MlirOperation d = dl_value_qg_def(y, &k);
      if (mlirOperationIsNull(d) || !(k == DL_OP_TRANSPOSE || k == DL_OP_RESHAPE || k == DL_OP_SLICE || k == DL_OP_EXPAND) ||
          !dl_value_has_one_use(y))
        continue;
      MlirValue x = mlirOperationGetOperand(d, 0), r = mlirOperationGetResult(op, 0);
      DlQParams p, fixed;
      DlShape xs;
      if (!value_is_f32(x) || dl_value_constant(x).ptr != NULL || dl_value_qparams(y, &fixed) ||
          !dl_qparams_of_type(mlirValueGetType(r), &p) || !dl_type_to_shape(mlirValueGetType(x), &xs))
        continue;
      MlirOperation cast = create1("quant.qcast", mlirOperationGetLocation(op), 1, &x, dl_qtype_get(q->ctx, &xs, &p));
      mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(d), d, cast);
      mlirOperationSetOperand(d, 0, mlirOperationGetResult(cast, 0));
      mlirValueSetType(y, mlirValueGetType(r));
      dl_replace_op(op, y);
      again = true;
    }
  }
}

bool dl_pass_quantize(MlirOperation func) {
  Q q = {mlirOperationGetContext(func), default_opts, NULL, NULL, 0, 0};
  if (!read_opts(mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant")), &q.global,
                 mlirOperationGetLocation(func)))
    return false;
  MlirBlock body = dl_func_body(func);
  /* inputs the model quantizes (QDQ) are rounded first, whoever uses them */
  for (intptr_t i = mlirBlockGetNumArguments(body) - 1; i >= 0; i--) {
    DlQParams fixed;
    MlirValue a = mlirBlockGetArgument(body, i);
    if (value_is_f32(a) && dl_value_qparams(a, &fixed))
      fake_quant(&q, body, (MlirOperation){NULL}, mlirOperationGetLocation(func), a, &fixed);
  }
  Regions regs = {0};
  regions_find(&regs, body);
  quantize_whole_inputs(&q, body, &regs);
  for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    if (dl_op_is(op, "arith.constant") || dl_op_is(op, "quant.qcast") || dl_op_is(op, "quant.dcast") ||
        dl_op_is(op, "quant.scast"))
      continue;
    QOpts o = q.global;
    if (!read_opts(mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant")), &o,
                   mlirOperationGetLocation(op)))
      return regions_erase(&regs), false;
    if (o.wbits < 2 || o.wbits > 16 || o.abits < 2 || o.abits > 16) {
      MlirLocation loc = mlirOperationGetLocation(op);
      mlirEmitError(loc, "dlc.quant: wbits and abits must be within 2..16");
      return regions_erase(&regs), false;
    }
    if (!(o.outliers >= 0 && o.outliers < 0.5) ||
        (o.outliers > 0 && (o.outlier_bits <= o.wbits || o.outlier_bits > 16))) {
      char msg[160];
      if (!(o.outliers >= 0 && o.outliers < 0.5))
        snprintf(msg, sizeof msg, "dlc.quant: outliers must be a fraction within [0, 0.5) (got %g)", o.outliers);
      else
        snprintf(msg, sizeof msg, "dlc.quant: outlier_bits must be more than wbits and at most 16 (got %d, wbits %d)",
                 o.outlier_bits, o.wbits);
      mlirEmitError(mlirOperationGetLocation(op), msg);
      return regions_erase(&regs), false;
    }
    if (o.wquant && (o.wbits > 7 || o.outliers > 0)) {
      char msg[160];
      snprintf(msg, sizeof msg, "dlc.quant: wquant = \"%s\" needs wbits from 2 to 7 and no outliers (got wbits %d%s)",
               dl_wquant_name(o.wquant), o.wbits, o.outliers > 0 ? ", outliers" : "");
      mlirEmitError(mlirOperationGetLocation(op), msg);
      return regions_erase(&regs), false;
    }
    DlOpKind k = dl_op_kind(op);
    if (k == DL_OP_QUANTIZE_LINEAR && quantize_passthrough(&q, op)) continue;
    if (!o.keep_float && region_fuse(&q, &regs, op, &o)) {
      if (q.failed) return regions_erase(&regs), free(q.qv), free(q.dv), false;
      continue;
    }
    bool done = false;
    bool fresult = mlirOperationGetNumResults(op) == 1 && value_is_f32(mlirOperationGetResult(op, 0));
    if (dl_op_is(op, "tensor.concat") && fresult && !o.keep_float && quantize_concat(&q, op, &o)) continue;
    if (k != DL_OP_COUNT && fresult && !o.keep_float) {
      switch (k) {
      case DL_OP_CONV: case DL_OP_GEMM: case DL_OP_MATMUL:
        done = quantize_mac(&q, op, k, &o);
        if (q.failed) return regions_erase(&regs), free(q.qv), free(q.dv), false;
        break;
      case DL_OP_ADD: case DL_OP_SUB: case DL_OP_MUL:
        done = value_is_f32(mlirOperationGetOperand(op, 0)) || dl_value_is_quant(mlirOperationGetOperand(op, 0));
        done = done && dl_value_constant(mlirOperationGetOperand(op, 1)).ptr == NULL &&
               dl_value_constant(mlirOperationGetOperand(op, 0)).ptr == NULL && quantize_binary(&q, op, k, &o);
        break;
      case DL_OP_RESHAPE: case DL_OP_TRANSPOSE: case DL_OP_SLICE: case DL_OP_EXPAND: case DL_OP_TILE: case DL_OP_DEPTH_TO_SPACE:
      case DL_OP_SPACE_TO_DEPTH: case DL_OP_MAX_POOL: case DL_OP_AVG_POOL: case DL_OP_GLOBAL_MAX_POOL:
        done = quantize_transparent(&q, op);
        break;
      case DL_OP_RESIZE: { /* nearest neighbour moves values: an integer gather (PP-OCR det's FPN upsampling) */
        DlAttrs ra;
        DlError re = {0};
        done = dl_op_read_attrs(op, k, &ra, &re) && !strcmp(dl_attrs_str(&ra, "mode", "nearest"), "nearest") &&
               quantize_transparent(&q, op);
        dl_error_clear(&re);
        break;
      }
      case DL_OP_GLOBAL_AVG_POOL:
        done = quantize_global_avg(&q, op, &o);
        break;
      default:
        if (is_lut_op(k)) done = quantize_unary(&q, op, &o);
      }
    }
    if (done) continue;
    /* float island: dequantize every quantized operand */
    intptr_t n = mlirOperationGetNumOperands(op);
    for (intptr_t i = 0; i < n; i++) {
      MlirValue v = mlirOperationGetOperand(op, i);
      if (dl_value_is_quant(v) && !(k == DL_OP_RESHAPE && i == 1)) mlirOperationSetOperand(op, i, dequantized(&q, v, op));
    }
    DlQParams fixed;
    if (mlirOperationGetNumResults(op) == 1 && value_is_f32(mlirOperationGetResult(op, 0)) &&
        dl_value_qparams(mlirOperationGetResult(op, 0), &fixed))
      fake_quant(&q, body, op, mlirOperationGetLocation(op), mlirOperationGetResult(op, 0), &fixed);
  }
  regions_erase(&regs);
  sink_qcasts(&q, body);
  /* casts left behind by ops that turned out to have no integer form */
  for (bool again = true; again;) {
    again = false;
    for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op); op = next) {
      next = mlirOperationGetNextInBlock(op);
      if ((dl_op_is(op, "quant.qcast") || dl_op_is(op, "quant.dcast") || dl_op_is(op, "quant.scast")) &&
          dl_value_is_unused(mlirOperationGetResult(op, 0)))
        mlirOperationDestroy(op), again = true;
    }
  }
  dl_erase_dead_constants(func);
  free(q.qv);
  free(q.dv);
  return true;
}
