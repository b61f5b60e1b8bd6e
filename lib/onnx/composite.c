/* ONNX ops with no qg op of their own: each becomes a few qg ops, or a
 * constant when it depends only on shapes and constant inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

static Entry *const_tensor(Node *nd, DlTensor *t) {
  return make_const_entry(nd->im, t);
}

static bool alloc_or_fail(Node *nd, DlTensor *t, const DlShape *s) {
  if (dl_shape_numel(s) > (1 << 26) || !dl_tensor_alloc(t, s))
    return node_fail(nd, "output is too large");
  return true;
}

/* HannWindow, HammingWindow, BlackmanWindow: a constant of the (constant) size. */
bool dl_onnx_import_window(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  int64_t periodic, dtype;
  if (!attr_int(nd, "periodic", 1, &periodic) || !attr_int(nd, "output_datatype", 1, &dtype))
    return false;
  const DlTensor *st = input_const(nd, 0, "size");
  if (!st) return false;
  if (dl_shape_numel(&st->shape) != 1) return node_fail(nd, "size must hold one value");
  int64_t n = dl_tensor_get_i(st, 0);
  DlShape s = {dl_dtype_from_onnx((int)dtype), 1, {n}};
  if (s.dtype == DL_NONE)
    return node_fail(nd, "unsupported output_datatype %lld", (long long)dtype);
  if (n < 1) return node_fail(nd, "size must be at least 1, found %lld", (long long)n);
  DlTensor t = {0};
  if (!alloc_or_fail(nd, &t, &s)) return false;
  const char *op = nd->n->op_type;
  double a0 = 0.5, a1 = 0.5, a2 = 0; /* a0 - a1 cos(2 pi i / N) + a2 cos(4 pi i / N) */
  if (!strcmp(op, "HammingWindow"))
    a0 = 25.0 / 46, a1 = 1 - a0;
  else if (!strcmp(op, "BlackmanWindow"))
    a0 = 0.42, a1 = 0.5, a2 = 0.08;
  double N = periodic ? (double)n : (double)(n - 1);
  for (int64_t i = 0; i < n; i++) {
    double x = N > 0 ? 2 * M_PI * (double)i / N : 0;
    dl_tensor_set_f(&t, i, a0 - a1 * cos(x) + a2 * cos(2 * x));
  }
  return define_output_const(nd, 0, &t);
}

/* EyeLike: ones on diagonal k of the input's 2-D shape; the input's values are unused. */
bool dl_onnx_import_eye_like(Node *nd, DlOpKind kind) {
  (void)kind;
  if (!need_inputs(nd, 1, 1)) return false;
  int64_t dtype, k;
  const DlShape *in = &nd->in[0]->shape;
  if (!attr_int(nd, "dtype", -1, &dtype) || !attr_int(nd, "k", 0, &k)) return false;
  if (in->rank != 2) return node_fail(nd, "input must have rank 2, found %d", in->rank);
  DlShape s = *in;
  if (dtype >= 0 && (s.dtype = dl_dtype_from_onnx((int)dtype)) == DL_NONE)
    return node_fail(nd, "unsupported dtype %lld", (long long)dtype);
  DlTensor t = {0};
  if (!alloc_or_fail(nd, &t, &s)) return false;
  memset(t.data, 0, dl_tensor_bytes(&t));
  for (int64_t i = 0; i < s.dims[0]; i++)
    if (i + k >= 0 && i + k < s.dims[1]) dl_tensor_set_f(&t, i * s.dims[1] + i + k, 1);
  return define_output_const(nd, 0, &t);
}

/* Compress with a constant condition: a gather of the selected positions. */
bool dl_onnx_import_compress(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 2, 2)) return false;
  Onnx__AttributeProto *ax = attr_find(nd, "axis");
  int64_t axis;
  if (!attr_int(nd, "axis", 0, &axis)) return false;
  const DlTensor *c = input_const(nd, 1, "condition");
  if (!c) return false;
  Entry *x = nd->in[0];
  DlAttrs a;
  if (!ax) { /* no axis: over the flattened input */
    DlShape flat = {x->shape.dtype, 1, {dl_shape_numel(&x->shape)}};
    if (!(x = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &x, fresh(&a), &flat))) return false;
    axis = 0;
  }
  int r = x->shape.rank;
  if (axis < -r || axis >= r)
    return node_fail(nd, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  int64_t n = dl_shape_numel(&c->shape), len = x->shape.dims[axis], cnt = 0;
  if (c->shape.rank != 1) return node_fail(nd, "condition must be 1-D");
  if (n > len)
    return node_fail(nd, "condition has %lld values, the axis only %lld", (long long)n,
                     (long long)len);
  for (int64_t i = 0; i < n; i++) cnt += dl_tensor_get_i(c, i) != 0;
  if (!cnt) return node_fail(nd, "condition selects nothing (an empty output)");
  DlShape is = {DL_I64, 1, {cnt}};
  DlTensor idx = {0};
  if (!alloc_or_fail(nd, &idx, &is)) return false;
  for (int64_t i = 0, j = 0; i < n; i++)
    if (dl_tensor_get_i(c, i)) ((int64_t *)idx.data)[j++] = i;
  Entry *ops[2] = {x, const_tensor(nd, &idx)};
  dl_attrs_set_int(fresh(&a), "axis", axis);
  return emit_op(nd, DL_OP_GATHER, 2, ops, &a, NULL, 0) != NULL;
}

/* OneHot: where(indices == k or indices == k - depth, on, off) over a range k
 * laid along the new axis; depth must be constant (it is the output's size). */
bool dl_onnx_import_one_hot(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 3, 3)) return false;
  int64_t axis;
  if (!attr_int(nd, "axis", -1, &axis)) return false;
  const DlTensor *dt = input_const(nd, 1, "depth");
  if (!dt) return false;
  if (dl_shape_numel(&dt->shape) != 1) return node_fail(nd, "depth must hold one value");
  int64_t depth = dl_tensor_get_i(dt, 0);
  Entry *idx = nd->in[0], *vals = nd->in[2];
  int r = idx->shape.rank + 1;
  if (depth < 1) return node_fail(nd, "depth must be positive, found %lld", (long long)depth);
  if (axis < -r || axis >= r)
    return node_fail(nd, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  if (dl_shape_numel(&vals->shape) != 2)
    return node_fail(nd, "values must hold two elements (off, on)");
  DlAttrs a;
  DlShape s = idx->shape;
  if (r > DL_MAX_RANK) return node_fail(nd, "output rank %d exceeds %d", r, DL_MAX_RANK);
  if (dl_dtype_is_float(s.dtype)) { /* non-integer indices are cast to integers */
    s.dtype = DL_I64;
    if (!(idx = emit_op_tmp(nd, DL_OP_CAST, 1, &idx, fresh(&a), &s))) return false;
  }
  memmove(s.dims + axis + 1, s.dims + axis, sizeof(int64_t) * (size_t)(r - 1 - axis));
  s.dims[axis] = 1, s.rank = r;
  if (!(idx = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &idx, fresh(&a), &s))) return false;
  DlShape ks = {s.dtype, r, {0}};
  for (int i = 0; i < r; i++) ks.dims[i] = i == axis ? depth : 1;
  DlTensor kpos = {0}, kneg = {0};
  if (!alloc_or_fail(nd, &kpos, &ks) || !alloc_or_fail(nd, &kneg, &ks))
    return dl_tensor_free(&kpos), false;
  for (int64_t i = 0; i < depth; i++)
    dl_tensor_set_i(&kpos, i, i), dl_tensor_set_i(&kneg, i, i - depth);
  Entry *ops[3] = {idx, const_tensor(nd, &kpos)}, *eq1, *eq2, *mask;
  if (!(eq1 = emit_op_tmp(nd, DL_OP_EQUAL, 2, ops, fresh(&a), NULL))) return false;
  ops[1] = const_tensor(nd, &kneg);
  if (!(eq2 = emit_op_tmp(nd, DL_OP_EQUAL, 2, ops, fresh(&a), NULL))) return false;
  ops[0] = eq1, ops[1] = eq2;
  if (!(mask = emit_op_tmp(nd, DL_OP_OR, 2, ops, fresh(&a), NULL))) return false;
  DlShape flat = {vals->shape.dtype, 1, {2}};
  if (vals->shape.rank != 1 && !(vals = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &vals, fresh(&a), &flat)))
    return false;
  Entry *pick[2];
  for (int i = 0; i < 2; i++) { /* values[i] as a scalar */
    Entry *g[2] = {vals, scalar_const(nd, DL_I64, i)};
    dl_attrs_set_int(fresh(&a), "axis", 0);
    if (!(pick[i] = emit_op_tmp(nd, DL_OP_GATHER, 2, g, &a, NULL))) return false;
  }
  ops[0] = mask, ops[1] = pick[1], ops[2] = pick[0];
  return emit_op(nd, DL_OP_WHERE, 3, ops, fresh(&a), NULL, 0) != NULL;
}

/* Shrink: x + bias below -lambd, x - bias above lambd, 0 between. */
bool dl_onnx_import_shrink(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  double bias, lambd;
  if (!attr_float(nd, "bias", 0, &bias) || !attr_float(nd, "lambd", 0.5, &lambd)) return false;
  Entry *x = nd->in[0], *lt, *gt, *lo, *hi, *mid;
  DlDType t = x->shape.dtype;
  DlAttrs a;
  Entry *ops[3] = {x, scalar_const(nd, t, -lambd)};
  if (!(lt = emit_op_tmp(nd, DL_OP_LESS, 2, ops, fresh(&a), NULL))) return false;
  ops[1] = scalar_const(nd, t, lambd);
  if (!(gt = emit_op_tmp(nd, DL_OP_GREATER, 2, ops, fresh(&a), NULL))) return false;
  ops[1] = scalar_const(nd, t, bias);
  if (!(lo = emit_op_tmp(nd, DL_OP_ADD, 2, ops, fresh(&a), NULL))) return false;
  if (!(hi = emit_op_tmp(nd, DL_OP_SUB, 2, ops, fresh(&a), NULL))) return false;
  ops[0] = gt, ops[1] = hi, ops[2] = scalar_const(nd, t, 0);
  if (!(mid = emit_op_tmp(nd, DL_OP_WHERE, 3, ops, fresh(&a), NULL))) return false;
  ops[0] = lt, ops[1] = lo, ops[2] = mid;
  return emit_op(nd, DL_OP_WHERE, 3, ops, fresh(&a), NULL, 0) != NULL;
}

/* LRN: x / (bias + alpha / size * sum of x^2 over `size` channels)^beta; the
 * channel sum is an average pool over a [N, 1, C, rest] view, padded with
 * zeros that count (so mean * size is the sum). */
bool dl_onnx_import_lrn(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  double alpha, beta, bias;
  int64_t size;
  if (!attr_float(nd, "alpha", 1e-4, &alpha) || !attr_float(nd, "beta", 0.75, &beta) ||
      !attr_float(nd, "bias", 1.0, &bias) || !attr_int(nd, "size", 0, &size))
    return false;
  if (!attr_find(nd, "size") || size < 1) return node_fail(nd, "needs attribute 'size' >= 1");
  Entry *x = nd->in[0], *v;
  const DlShape *xs = &x->shape;
  if (xs->rank < 2 || !dl_dtype_is_float(xs->dtype))
    return node_fail(nd, "input must be float of rank >= 2");
  DlDType t = xs->dtype;
  DlAttrs a;
  Entry *ops[2] = {x, x};
  if (!(v = emit_op_tmp(nd, DL_OP_MUL, 2, ops, fresh(&a), NULL))) return false;
  DlShape view = {t, 4, {xs->dims[0], 1, xs->dims[1], 1}};
  for (int i = 2; i < xs->rank; i++) view.dims[3] *= xs->dims[i];
  if (!(v = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &v, fresh(&a), &view))) return false;
  int64_t ks[2] = {size, 1}, st[2] = {1, 1}, dl[2] = {1, 1},
          pd[4] = {(size - 1) / 2, 0, size / 2, 0};
  fresh(&a);
  dl_attrs_set_ints(&a, "kernel_shape", ks, 2);
  dl_attrs_set_ints(&a, "strides", st, 2);
  dl_attrs_set_ints(&a, "dilations", dl, 2);
  dl_attrs_set_ints(&a, "pads", pd, 4);
  dl_attrs_set_int(&a, "count_include_pad", 1);
  if (!(v = emit_op_tmp(nd, DL_OP_AVG_POOL, 1, &v, &a, NULL)) ||
      !(v = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &v, fresh(&a), xs)))
    return false;
  ops[0] = v, ops[1] = scalar_const(nd, t, alpha);
  if (!(v = emit_op_tmp(nd, DL_OP_MUL, 2, ops, fresh(&a), NULL))) return false;
  ops[0] = v, ops[1] = scalar_const(nd, t, bias);
  if (!(v = emit_op_tmp(nd, DL_OP_ADD, 2, ops, fresh(&a), NULL))) return false;
  ops[0] = v, ops[1] = scalar_const(nd, t, beta);
  if (!(v = emit_op_tmp(nd, DL_OP_POW, 2, ops, fresh(&a), NULL))) return false;
  ops[0] = x, ops[1] = v;
  return emit_op(nd, DL_OP_DIV, 2, ops, fresh(&a), NULL, 0) != NULL;
}

/* MeanVarianceNormalization, as ONNX's function defines it:
 * (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9), the expectations over `axes`
 * (default 0, 2, 3) kept as size-1 dimensions. */
bool dl_onnx_import_mvn(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  Entry *x = nd->in[0];
  int r = x->shape.rank, n = -1;
  int64_t axes[DL_MAX_RANK] = {0, 2, 3};
  if (!attr_ints(nd, "axes", axes, &n, DL_MAX_RANK)) return false;
  if (n < 0) n = 3;
  if (!dl_dtype_is_float(x->shape.dtype)) return node_fail(nd, "input must be float");
  for (int i = 0; i < n; i++) {
    if (axes[i] < -r || axes[i] >= r)
      return node_fail(nd, "axis %lld out of range for rank %d", (long long)axes[i], r);
    if (axes[i] < 0) axes[i] += r;
  }
  DlAttrs a;
  Entry *x2 = imp_binary(nd, DL_OP_MUL, x, x), *m[2], *src[2] = {x, x2};
  for (int i = 0; i < 2; i++) {
    fresh(&a);
    dl_attrs_set_ints(&a, "axes", axes, n);
    dl_attrs_set_int(&a, "keepdims", 1);
    m[i] = src[i] ? emit_op_tmp(nd, DL_OP_REDUCE_MEAN, 1, &src[i], &a, NULL) : NULL;
  }
  Entry *var = imp_binary(nd, DL_OP_SUB, m[1], imp_binary(nd, DL_OP_MUL, m[0], m[0]));
  Entry *den = imp_binary(nd, DL_OP_ADD, imp_unary(nd, DL_OP_SQRT, var),
                          scalar_const(nd, x->shape.dtype, 1e-9));
  Entry *ops[2] = {imp_binary(nd, DL_OP_SUB, x, m[0]), den};
  return ops[0] && ops[1] && emit_op(nd, DL_OP_DIV, 2, ops, fresh(&a), NULL, 0) != NULL;
}

/* DynamicQuantizeLinear, as ONNX's function defines it: the range of x
 * widened to hold 0, scale = range / 255, zero point = round(clip(-min /
 * scale, 0, 255)) as uint8, y = QuantizeLinear(x, scale, zero point);
 * outputs y, scale, zero point. */
bool dl_onnx_import_dynamic_quantize(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  Entry *x = nd->in[0], *ext[2];
  if (x->shape.dtype != DL_F32) return node_fail(nd, "input must be f32");
  int r = x->shape.rank;
  int64_t axes[DL_MAX_RANK];
  for (int i = 0; i < r; i++) axes[i] = i;
  DlAttrs a;
  DlOpKind red[2] = {DL_OP_REDUCE_MIN, DL_OP_REDUCE_MAX}, widen[2] = {DL_OP_MIN, DL_OP_MAX};
  for (int i = 0; i < 2; i++) {
    fresh(&a);
    dl_attrs_set_ints(&a, "axes", axes, r);
    dl_attrs_set_int(&a, "keepdims", 0);
    Entry *m = emit_op_tmp(nd, red[i], 1, &x, &a, NULL);
    ext[i] = imp_binary(nd, widen[i], m, scalar_const(nd, DL_F32, 0));
  }
  Entry *scale = imp_binary(nd, DL_OP_DIV, imp_binary(nd, DL_OP_SUB, ext[1], ext[0]),
                            scalar_const(nd, DL_F32, 255));
  Entry *zf = imp_binary(nd, DL_OP_SUB, scalar_const(nd, DL_F32, 0), imp_binary(nd, DL_OP_DIV, ext[0], scale));
  if (!zf) return false;
  fresh(&a);
  dl_attrs_set_float(&a, "min", 0);
  dl_attrs_set_float(&a, "max", 255);
  Entry *zp = imp_unary(nd, DL_OP_ROUND, emit_op_tmp(nd, DL_OP_CLIP, 1, &zf, &a, NULL));
  DlShape zs = {DL_U8, 0, {0}}, ys = x->shape;
  ys.dtype = DL_U8;
  if (!zp || !(zp = emit_op(nd, DL_OP_CAST, 1, &zp, fresh(&a), &zs, 2))) return false;
  if (!define_output_alias(nd, 1, scale)) return false;
  Entry *ops[3] = {x, scale, zp};
  return emit_op(nd, DL_OP_QUANTIZE_LINEAR, 3, ops, fresh(&a), &ys, 0) != NULL;
}

/* Corners (x1, y1, x2, y2), x1 <= x2, of box i: [y1, x1, y2, x2] with either
 * diagonal, or [x_center, y_center, width, height] when center. */
static void nms_corners(const DlTensor *b, int64_t i, bool center, double *c) {
  double v[4];
  for (int j = 0; j < 4; j++) v[j] = dl_tensor_get_f(b, i * 4 + j);
  if (center) {
    c[0] = v[0] - v[2] / 2, c[2] = v[0] + v[2] / 2, c[1] = v[1] - v[3] / 2, c[3] = v[1] + v[3] / 2;
    return;
  }
  c[0] = fmin(v[1], v[3]), c[2] = fmax(v[1], v[3]), c[1] = fmin(v[0], v[2]), c[3] = fmax(v[0], v[2]);
}

static bool nms_overlaps(const double *a, const double *b, double thr) {
  double iw = fmin(a[2], b[2]) - fmax(a[0], b[0]), ih = fmin(a[3], b[3]) - fmax(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return false;
  double inter = iw * ih, aa = (a[2] - a[0]) * (a[3] - a[1]), ab = (b[2] - b[0]) * (b[3] - b[1]);
  double uni = aa + ab - inter;
  if (aa <= 0 || ab <= 0 || uni <= 0) return false;
  return inter / uni > thr;
}

/* Scalar optional input i (absent: dflt). */
static bool nms_scalar(Node *nd, int i, const char *what, double dflt, double *v) {
  *v = dflt;
  if (i >= nd->nin || !nd->in[i]) return true;
  const DlTensor *t = input_const(nd, i, what);
  if (!t) return false;
  if (dl_shape_numel(&t->shape) != 1) return node_fail(nd, "%s must hold one value", what);
  *v = dl_tensor_get_f(t, 0);
  return true;
}

/* NonMaxSuppression: its output's size depends on the data, so every input
 * must be a compile-time constant and the node folds to its selected
 * (batch, class, box) triples. Per batch and class: boxes scoring above
 * score_threshold, best first (ties: lower index), each kept unless its IoU
 * with a kept box exceeds iou_threshold, at most max_output_boxes_per_class. */
bool dl_onnx_import_nms(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 2, 5)) return false;
  int64_t center;
  double maxo, iou, sthr;
  if (!attr_int(nd, "center_point_box", 0, &center)) return false;
  if (center != 0 && center != 1) return node_fail(nd, "center_point_box must be 0 or 1");
  const DlTensor *bx = input_const(nd, 0, "boxes"), *sc = bx ? input_const(nd, 1, "scores") : NULL;
  if (!sc || !nms_scalar(nd, 2, "max_output_boxes_per_class", 0, &maxo) ||
      !nms_scalar(nd, 3, "iou_threshold", 0, &iou) || !nms_scalar(nd, 4, "score_threshold", -INFINITY, &sthr))
    return false;
  const DlShape *bs = &bx->shape, *ss = &sc->shape;
  if (bs->rank != 3 || bs->dims[2] != 4 || ss->rank != 3 || ss->dims[0] != bs->dims[0] || ss->dims[2] != bs->dims[1])
    return node_fail(nd, "boxes must be [B, N, 4] and scores [B, C, N]");
  if (iou < 0 || iou > 1) return node_fail(nd, "iou_threshold must be in [0, 1], found %g", iou);
  int64_t nb = ss->dims[0], nc = ss->dims[1], n = ss->dims[2], cnt = 0;
  int64_t *order = malloc(sizeof(int64_t) * (size_t)(n ? n : 1)), *sel = malloc(sizeof(int64_t) * 3 * (size_t)(nb * nc * n + 1));
  double *corner = malloc(sizeof(double) * 4 * (size_t)(n ? n : 1));
  bool ok = order && sel && corner;
  for (int64_t b = 0; ok && b < nb; b++) {
    for (int64_t i = 0; i < n; i++) nms_corners(bx, b * n + i, center, corner + 4 * i);
    for (int64_t c = 0; c < nc; c++) {
      const int64_t base = (b * nc + c) * n, first = cnt;
      int64_t m = 0;
      for (int64_t i = 0; i < n; i++) {
        double s = dl_tensor_get_f(sc, base + i);
        if (!(s > sthr)) continue;
        int64_t p = m++; /* insertion by score, ties keeping index order */
        for (; p > 0 && dl_tensor_get_f(sc, base + order[p - 1]) < s; p--) order[p] = order[p - 1];
        order[p] = i;
      }
      for (int64_t j = 0; j < m && cnt - first < (int64_t)maxo; j++) {
        bool keep = true;
        for (int64_t q = first; q < cnt && keep; q++)
          keep = !nms_overlaps(corner + 4 * order[j], corner + 4 * sel[3 * q + 2], iou);
        if (keep) sel[3 * cnt] = b, sel[3 * cnt + 1] = c, sel[3 * cnt + 2] = order[j], cnt++;
      }
    }
  }
  DlShape os = {DL_I64, 2, {cnt, 3}};
  DlTensor t = {0};
  if (!ok) node_fail(nd, "out of memory");
  else if (!cnt) ok = node_fail(nd, "no box is selected (an empty output)");
  else if (!(ok = alloc_or_fail(nd, &t, &os))) {
  } else {
    memcpy(t.data, sel, sizeof(int64_t) * 3 * (size_t)cnt);
    ok = define_output_const(nd, 0, &t);
  }
  free(order), free(sel), free(corner);
  return ok;
}

/* Order of slices j and k of x viewed as [outer, len, inner] (slice j: every
 * x[o, j, i], compared in row-major order, as numpy's unique does). */
static int unique_cmp(const DlTensor *x, int64_t outer, int64_t len, int64_t inner, int64_t j, int64_t k) {
  bool fl = dl_dtype_is_float(x->shape.dtype);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      int64_t p = (o * len + j) * inner + i, q = (o * len + k) * inner + i;
      if (fl) {
        double a = dl_tensor_get_f(x, p), b = dl_tensor_get_f(x, q);
        if (a != b) return a < b ? -1 : 1;
      } else {
        int64_t a = dl_tensor_get_i(x, p), b = dl_tensor_get_i(x, q);
        if (a != b) return a < b ? -1 : 1;
      }
    }
  return 0;
}

static bool i64_output(Node *nd, int i, const int64_t *v, int64_t n) {
  DlShape s = {DL_I64, 1, {n}};
  DlTensor t = {0};
  if (!alloc_or_fail(nd, &t, &s)) return false;
  memcpy(t.data, v, sizeof(int64_t) * (size_t)n);
  return define_output_const(nd, i, &t);
}

/* Unique: its output size depends on the data, so X must be a compile-time
 * constant and the node folds to Y, indices, inverse_indices and counts; with
 * no axis over the flattened X, sorted ascending or in order of first
 * occurrence. */
bool dl_onnx_import_unique(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  int64_t axis, sorted;
  bool has_axis = attr_find(nd, "axis") != NULL;
  if (!attr_int(nd, "axis", 0, &axis) || !attr_int(nd, "sorted", 1, &sorted)) return false;
  if (sorted != 0 && sorted != 1) return node_fail(nd, "sorted must be 0 or 1");
  const DlTensor *x = input_const(nd, 0, "X");
  if (!x) return false;
  const DlShape *xs = &x->shape;
  int r = xs->rank;
  if (has_axis && (axis < -r || axis >= r))
    return node_fail(nd, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  int64_t outer = 1, len = dl_shape_numel(xs), inner = 1, nu = 0;
  if (has_axis) {
    len = xs->dims[axis];
    for (int d = 0; d < r; d++)
      if (d != axis) *(d < axis ? &outer : &inner) *= xs->dims[d];
  }
  if (len == 0) return node_fail(nd, "X is empty (an empty output)");
  int64_t *first = malloc(sizeof(int64_t) * (size_t)len), *inv = malloc(sizeof(int64_t) * (size_t)len),
          *cnt = calloc((size_t)len, sizeof(int64_t));
  bool ok = first && inv && cnt;
  for (int64_t j = 0; ok && j < len; j++) { /* first occurrences, in order */
    int64_t u = 0;
    while (u < nu && unique_cmp(x, outer, len, inner, first[u], j)) u++;
    if (u == nu) first[nu++] = j;
  }
  for (int64_t u = 1; ok && sorted && u < nu; u++) /* stable insertion sort */
    for (int64_t p = u; p > 0 && unique_cmp(x, outer, len, inner, first[p - 1], first[p]) > 0; p--) {
      int64_t t = first[p];
      first[p] = first[p - 1], first[p - 1] = t;
    }
  for (int64_t j = 0; ok && j < len; j++) {
    int64_t u = 0;
    while (unique_cmp(x, outer, len, inner, first[u], j)) u++;
    inv[j] = u, cnt[u]++;
  }
  DlShape ys = has_axis ? *xs : (DlShape){xs->dtype, 1, {nu}};
  if (has_axis) ys.dims[axis] = nu;
  DlTensor y = {0};
  if (!ok) ok = node_fail(nd, "out of memory");
  else if ((ok = alloc_or_fail(nd, &y, &ys))) {
    size_t es = dl_dtype_size(xs->dtype);
    for (int64_t o = 0; o < outer; o++)
      for (int64_t u = 0; u < nu; u++)
        memcpy((char *)y.data + (size_t)((o * nu + u) * inner) * es,
               (const char *)x->data + (size_t)((o * len + first[u]) * inner) * es, (size_t)inner * es);
    ok = define_output_const(nd, 0, &y) && i64_output(nd, 1, first, nu) && i64_output(nd, 2, inv, len) &&
         i64_output(nd, 3, cnt, nu);
  }
  free(first), free(inv), free(cnt);
  return ok;
}

/* NonZero: its output size depends on the data, so X must be a compile-time
 * constant; the node folds to the [rank, count] indices of X's nonzero
 * elements in row-major order. */
bool dl_onnx_import_nonzero(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 1, 1)) return false;
  const DlTensor *x = input_const(nd, 0, "X");
  if (!x) return false;
  int r = x->shape.rank ? x->shape.rank : 1;
  int64_t n = dl_shape_numel(&x->shape), cnt = 0;
  bool fl = dl_dtype_is_float(x->shape.dtype);
  for (int64_t i = 0; i < n; i++) cnt += fl ? dl_tensor_get_f(x, i) != 0 : dl_tensor_get_i(x, i) != 0;
  if (!cnt) return node_fail(nd, "X has no nonzero element (an empty output)");
  DlShape s = {DL_I64, 2, {r, cnt}};
  DlTensor t = {0};
  if (!alloc_or_fail(nd, &t, &s)) return false;
  for (int64_t i = 0, j = 0; i < n; i++) {
    if (fl ? dl_tensor_get_f(x, i) == 0 : dl_tensor_get_i(x, i) == 0) continue;
    int64_t rem = i;
    for (int d = x->shape.rank - 1; d >= 0; d--) {
      ((int64_t *)t.data)[d * cnt + j] = rem % x->shape.dims[d];
      rem /= x->shape.dims[d];
    }
    if (!x->shape.rank) ((int64_t *)t.data)[j] = 0;
    j++;
  }
  return define_output_const(nd, 0, &t);
}
