/* Static shape inference for every qg op (named in ops.def). Shared by the
 * importer (which computes result types) and the verifier (which checks them). */
#include "dlc/ops.h"

#include <string.h>

#define FAIL(...) return dl_error_set(e, __VA_ARGS__)

static bool norm_axis(int64_t *axis, int rank, DlError *e) {
  if (*axis < -rank || *axis >= (rank ? rank : 1)) FAIL("axis %lld out of range for rank %d", (long long)*axis, rank);
  if (*axis < 0) *axis += rank;
  return true;
}

bool dl_broadcast_shapes(const DlShape *a, const DlShape *b, DlShape *out, DlError *e) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  DlShape o = {a->dtype, r, {0}};
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1)
      FAIL("shapes are not broadcastable: dimension %d is %lld vs %lld", i, (long long)da,
           (long long)db);
    o.dims[i] = da == 1 ? db : da;
  }
  *out = o;
  return true;
}

bool dl_shape_same(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  *out = in[0];
  return true;
}

bool dl_shape_same_axis(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", -1);
  if (!norm_axis(&axis, in[0].rank, e)) return false;
  *out = in[0];
  return true;
}

bool dl_shape_broadcast(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  if (in[0].dtype != in[1].dtype)
    FAIL("operand element types differ: %s vs %s", dl_dtype_name(in[0].dtype),
         dl_dtype_name(in[1].dtype));
  return dl_broadcast_shapes(&in[0], &in[1], out, e);
}

bool dl_shape_broadcast_lhs_type(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                                 DlError *e) {
  return dl_broadcast_shapes(&in[0], &in[1], out, e);
}

bool dl_shape_compare(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  if (!dl_shape_broadcast(a, nin, in, out, e)) return false;
  out->dtype = DL_BOOL;
  return true;
}

bool dl_shape_predicate(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  *out = in[0];
  out->dtype = DL_BOOL;
  return true;
}

bool dl_shape_gather_elements(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", 0);
  if (!norm_axis(&axis, in[0].rank, e)) return false;
  if (in[1].dtype != DL_I64 && in[1].dtype != DL_I32) FAIL("gather_elements indices must be i32 or i64");
  if (in[1].rank != in[0].rank) FAIL("gather_elements indices must have the data's rank %d", in[0].rank);
  *out = in[1];
  out->dtype = in[0].dtype;
  return true;
}

bool dl_shape_trilu(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  if (in[0].rank < 2) FAIL("trilu needs rank >= 2, found %d", in[0].rank);
  *out = in[0];
  return true;
}

bool dl_shape_nll_loss(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  const char *red = dl_attrs_str(a, "reduction", "mean");
  if (in[0].rank < 2) FAIL("nll_loss input must have rank >= 2");
  if (in[1].rank != in[0].rank - 1) FAIL("nll_loss target must have rank %d", in[0].rank - 1);
  if (in[1].dtype != DL_I64 && in[1].dtype != DL_I32) FAIL("nll_loss target must be i32 or i64");
  if (nin > 2 && (in[2].rank != 1 || in[2].dims[0] != in[0].dims[1])) FAIL("nll_loss weight must be [C]");
  if (strcmp(red, "none") && strcmp(red, "sum") && strcmp(red, "mean")) FAIL("unknown reduction '%s'", red);
  *out = in[1];
  out->dtype = in[0].dtype;
  if (strcmp(red, "none")) out->rank = 0;
  return true;
}

bool dl_shape_where(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  DlShape t;
  if (in[0].dtype != DL_BOOL) FAIL("condition must be i1, found %s", dl_dtype_name(in[0].dtype));
  if (!dl_shape_broadcast(a, 2, in + 1, &t, e)) return false;
  if (!dl_broadcast_shapes(&t, &in[0], out, e)) return false;
  out->dtype = in[1].dtype;
  return true;
}

bool dl_shape_given_same_dims(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                              DlError *e) {
  DlShape want = in[0];
  want.dtype = out->dtype;
  if (!dl_shape_equal(&want, out)) FAIL("result must have the operand's dimensions");
  return true;
}

bool dl_shape_given_same_rank(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                              DlError *e) {
  if (out->rank != in[0].rank) FAIL("result rank %d differs from operand rank %d", out->rank, in[0].rank);
  if (out->dtype != in[0].dtype) FAIL("result element type differs from the operand's");
  return true;
}

bool dl_shape_reshape(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  if (dl_shape_numel(out) != dl_shape_numel(&in[0]))
    FAIL("reshape changes the element count (%lld to %lld)", (long long)dl_shape_numel(&in[0]),
         (long long)dl_shape_numel(out));
  if (out->dtype != in[0].dtype) FAIL("reshape changes the element type");
  return true;
}

bool dl_shape_expand(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  DlShape b;
  if (!dl_broadcast_shapes(&in[0], out, &b, e)) return false;
  if (!dl_shape_equal(&b, out)) FAIL("expand result does not match the broadcast shape");
  return true;
}

/* Spatial output size for conv/pool windows. */
static bool window_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1,
                       bool ceil_mode, int64_t *o, DlError *e) {
  if (k < 1 || s < 1 || d < 1 || p0 < 0 || p1 < 0)
    FAIL("kernel, stride and dilation must be >= 1 and pads >= 0");
  int64_t span = d * (k - 1) + 1, full = in + p0 + p1 - span;
  if (full < 0) FAIL("window of %lld exceeds the padded input of %lld", (long long)span, (long long)(in + p0 + p1));
  int64_t n = (ceil_mode ? (full + s - 1) / s : full / s) + 1;
  /* ONNX: with ceil_mode the last window must start inside the input or left pad */
  if (ceil_mode && (n - 1) * s >= in + p0) n--;
  *o = n;
  return true;
}

static bool check_spatial(const DlAttrs *a, const char *name, int k, int mult, DlError *e) {
  int n;
  dl_attrs_ints(a, name, &n);
  if (n != k * mult) FAIL("attribute '%s' must have %d values, found %d", name, k * mult, n);
  return true;
}

bool dl_shape_conv(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  const DlShape *x = &in[0], *w = &in[1];
  if (x->rank < 3 || x->rank > 5) FAIL("conv input must have rank 3 to 5, found %d", x->rank);
  if (w->rank != x->rank) FAIL("conv weight rank %d differs from input rank %d", w->rank, x->rank);
  int k = x->rank - 2, n;
  if (!check_spatial(a, "strides", k, 1, e) || !check_spatial(a, "pads", k, 2, e) ||
      !check_spatial(a, "dilations", k, 1, e))
    return false;
  int64_t g = dl_attrs_int(a, "group", 1);
  if (g < 1 || x->dims[1] % g || w->dims[0] % g)
    FAIL("group %lld does not divide channels (%lld in, %lld out)", (long long)g,
         (long long)x->dims[1], (long long)w->dims[0]);
  if (w->dims[1] * g != x->dims[1])
    FAIL("weight has %lld input channels per group, input has %lld channels in %lld groups",
         (long long)w->dims[1], (long long)x->dims[1], (long long)g);
  if (nin > 2 && (in[2].rank != 1 || in[2].dims[0] != w->dims[0]))
    FAIL("bias must be a vector of %lld values", (long long)w->dims[0]);
  const int64_t *st = dl_attrs_ints(a, "strides", &n), *pd = dl_attrs_ints(a, "pads", &n),
                *dl = dl_attrs_ints(a, "dilations", &n);
  *out = *x;
  out->dims[1] = w->dims[0];
  for (int i = 0; i < k; i++)
    if (!window_out(x->dims[2 + i], w->dims[2 + i], st[i], dl[i], pd[i], pd[i + k], false,
                    &out->dims[2 + i], e))
      return false;
  return true;
}

bool dl_shape_conv_integer(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                           DlError *e) {
  DlShape t[2] = {in[0], in[1]};
  if (!dl_shape_conv(a, 2, t, out, e)) return false;
  out->dtype = DL_I32;
  return true;
}

bool dl_shape_qlinear_conv(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                           DlError *e) {
  /* x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [bias] */
  DlShape t[3] = {in[0], in[3], nin > 8 ? in[8] : in[0]};
  if (!dl_shape_conv(a, nin > 8 ? 3 : 2, t, out, e)) return false;
  out->dtype = in[7].dtype;
  return true;
}

bool dl_shape_conv_transpose(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                             DlError *e) {
  const DlShape *x = &in[0], *w = &in[1];
  if (x->rank < 3 || x->rank > 5 || w->rank != x->rank) FAIL("conv_transpose needs matching rank 3..5 input and weight");
  int k = x->rank - 2, n;
  if (!check_spatial(a, "strides", k, 1, e) || !check_spatial(a, "pads", k, 2, e) ||
      !check_spatial(a, "dilations", k, 1, e) || !check_spatial(a, "output_padding", k, 1, e))
    return false;
  int64_t g = dl_attrs_int(a, "group", 1);
  if (g < 1 || w->dims[0] != x->dims[1] || x->dims[1] % g)
    FAIL("conv_transpose weight must have %lld input channels", (long long)x->dims[1]);
  const int64_t *st = dl_attrs_ints(a, "strides", &n), *pd = dl_attrs_ints(a, "pads", &n),
                *dl = dl_attrs_ints(a, "dilations", &n), *op = dl_attrs_ints(a, "output_padding", &n);
  *out = *x;
  out->dims[1] = w->dims[1] * g;
  if (nin > 2 && (in[2].rank != 1 || in[2].dims[0] != out->dims[1]))
    FAIL("bias must be a vector of %lld values", (long long)out->dims[1]);
  for (int i = 0; i < k; i++) {
    if (st[i] < 1 || dl[i] < 1 || op[i] < 0) FAIL("conv_transpose strides and dilations must be >= 1 and output_padding >= 0");
    int64_t o = st[i] * (x->dims[2 + i] - 1) + op[i] + (w->dims[2 + i] - 1) * dl[i] + 1 - pd[i] - pd[i + k];
    if (o < 1) FAIL("conv_transpose output dimension %d would be %lld", i, (long long)o);
    out->dims[2 + i] = o;
  }
  return true;
}

bool dl_shape_gemm(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  if (in[0].rank != 2 || in[1].rank != 2) FAIL("gemm operands must be matrices");
  bool ta = dl_attrs_int(a, "transA", 0), tb = dl_attrs_int(a, "transB", 0);
  int64_t m = in[0].dims[ta ? 1 : 0], k = in[0].dims[ta ? 0 : 1];
  int64_t k2 = in[1].dims[tb ? 1 : 0], n = in[1].dims[tb ? 0 : 1];
  if (k != k2) FAIL("gemm inner dimensions differ: %lld vs %lld", (long long)k, (long long)k2);
  *out = (DlShape){in[0].dtype, 2, {m, n}};
  if (nin > 2) {
    DlShape b;
    if (!dl_broadcast_shapes(out, &in[2], &b, e)) return false;
    if (!dl_shape_equal(&b, out)) FAIL("gemm bias does not broadcast to %lldx%lld", (long long)m, (long long)n);
  }
  return true;
}

bool dl_shape_matmul(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  DlShape x = in[0], y = in[1];
  if (x.rank < 1 || y.rank < 1) FAIL("matmul operands must have rank >= 1");
  bool vx = x.rank == 1, vy = y.rank == 1;
  if (vx) x = (DlShape){x.dtype, 2, {1, x.dims[0]}};
  if (vy) y = (DlShape){y.dtype, 2, {y.dims[0], 1}};
  if (x.dims[x.rank - 1] != y.dims[y.rank - 2])
    FAIL("matmul inner dimensions differ: %lld vs %lld", (long long)x.dims[x.rank - 1],
         (long long)y.dims[y.rank - 2]);
  DlShape bx = x, by = y;
  bx.rank -= 2, by.rank -= 2;
  if (!dl_broadcast_shapes(&bx, &by, out, e)) return false;
  out->dtype = in[0].dtype;
  if (!vx) out->dims[out->rank++] = x.dims[x.rank - 2];
  if (!vy) out->dims[out->rank++] = y.dims[y.rank - 1];
  return true;
}

bool dl_shape_matmul_integer(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                             DlError *e) {
  if (!dl_shape_matmul(a, 2, in, out, e)) return false;
  out->dtype = DL_I32;
  return true;
}

bool dl_shape_qlinear_matmul(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                             DlError *e) {
  DlShape t[2] = {in[0], in[3]};
  if (!dl_shape_matmul(a, 2, t, out, e)) return false;
  out->dtype = in[7].dtype;
  return true;
}

bool dl_shape_layer_norm(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", -1);
  if (!norm_axis(&axis, in[0].rank, e)) return false;
  *out = in[0];
  return true;
}

bool dl_shape_batch_norm(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  if (in[0].rank < 2) FAIL("normalization input must have rank >= 2");
  for (int i = 1; i < nin; i++)
    if (in[i].rank != 1 || in[i].dims[0] != in[0].dims[1])
      FAIL("operand %d must be a vector of %lld channels", i, (long long)in[0].dims[1]);
  *out = in[0];
  return true;
}

bool dl_shape_pool(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  const DlShape *x = &in[0];
  if (x->rank < 3) FAIL("pool input must have rank >= 3, found %d", x->rank);
  int k = x->rank - 2, n;
  if (!check_spatial(a, "kernel_shape", k, 1, e) || !check_spatial(a, "strides", k, 1, e) ||
      !check_spatial(a, "pads", k, 2, e) || !check_spatial(a, "dilations", k, 1, e))
    return false;
  const int64_t *ks = dl_attrs_ints(a, "kernel_shape", &n), *st = dl_attrs_ints(a, "strides", &n),
                *pd = dl_attrs_ints(a, "pads", &n), *dl = dl_attrs_ints(a, "dilations", &n);
  bool ceil_mode = dl_attrs_int(a, "ceil_mode", 0);
  *out = *x;
  for (int i = 0; i < k; i++) {
    if (pd[i] >= ks[i] * dl[i] || pd[i + k] >= ks[i] * dl[i]) FAIL("pads must be smaller than the window");
    if (!window_out(x->dims[2 + i], ks[i], st[i], dl[i], pd[i], pd[i + k], ceil_mode,
                    &out->dims[2 + i], e))
      return false;
  }
  return true;
}

bool dl_shape_global_pool(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                          DlError *e) {
  if (in[0].rank < 3) FAIL("global pool input must have rank >= 3");
  *out = in[0];
  for (int i = 2; i < out->rank; i++) out->dims[i] = 1;
  return true;
}

bool dl_shape_reduce(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int n;
  const int64_t *axes = dl_attrs_ints(a, "axes", &n);
  bool keep = dl_attrs_int(a, "keepdims", 1), red[DL_MAX_RANK] = {0};
  for (int i = 0; i < n; i++) {
    int64_t ax = axes[i];
    if (!norm_axis(&ax, in[0].rank, e)) return false;
    red[ax] = true;
  }
  *out = in[0];
  out->rank = 0;
  for (int i = 0; i < in[0].rank; i++)
    if (!red[i]) out->dims[out->rank++] = in[0].dims[i];
    else if (keep) out->dims[out->rank++] = 1;
  return true;
}

bool dl_shape_arg_reduce(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", 0);
  if (!norm_axis(&axis, in[0].rank, e)) return false;
  *out = in[0];
  out->dtype = DL_I64;
  if (dl_attrs_int(a, "keepdims", 1)) out->dims[axis] = 1;
  else {
    for (int i = (int)axis; i + 1 < in[0].rank; i++) out->dims[i] = in[0].dims[i + 1];
    out->rank--;
  }
  return true;
}

bool dl_shape_transpose(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int n;
  const int64_t *p = dl_attrs_ints(a, "perm", &n);
  if (n != in[0].rank) FAIL("perm has %d entries for rank %d", n, in[0].rank);
  bool seen[DL_MAX_RANK] = {0};
  *out = in[0];
  for (int i = 0; i < n; i++) {
    if (p[i] < 0 || p[i] >= n || seen[p[i]]) FAIL("perm is not a permutation");
    seen[p[i]] = true;
    out->dims[i] = in[0].dims[p[i]];
  }
  return true;
}

/* Slice attributes are normalized at import: one entry per sliced axis,
 * starts/ends already clamped, so the count is ceil((end-start)/step). */
bool dl_shape_slice(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int ns, ne, na, nt;
  const int64_t *st = dl_attrs_ints(a, "starts", &ns), *en = dl_attrs_ints(a, "ends", &ne),
                *ax = dl_attrs_ints(a, "axes", &na), *sp = dl_attrs_ints(a, "steps", &nt);
  if (ns != ne || ns != na || ns != nt) FAIL("starts, ends, axes and steps must have equal length");
  *out = in[0];
  for (int i = 0; i < ns; i++) {
    if (ax[i] < 0 || ax[i] >= in[0].rank) FAIL("slice axis %lld out of range", (long long)ax[i]);
    if (sp[i] == 0) FAIL("slice step must not be 0");
    int64_t d = in[0].dims[ax[i]];
    bool ok = sp[i] > 0 ? (st[i] >= 0 && st[i] <= d && en[i] >= 0 && en[i] <= d)
                        : (st[i] >= -1 && st[i] < d && en[i] >= -1 && en[i] < d);
    if (!ok) FAIL("slice bounds on axis %lld are not normalized", (long long)ax[i]);
    int64_t cnt = sp[i] > 0 ? (en[i] - st[i] + sp[i] - 1) / sp[i] : (st[i] - en[i] - sp[i] - 1) / -sp[i];
    out->dims[ax[i]] = cnt > 0 ? cnt : 0;
  }
  return true;
}

bool dl_shape_pad(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int n;
  const int64_t *p = dl_attrs_ints(a, "pads", &n);
  int r = in[0].rank;
  if (n != 2 * r) FAIL("pads must have %d values, found %d", 2 * r, n);
  *out = in[0];
  bool reflect = !strcmp(dl_attrs_str(a, "mode", "constant"), "reflect");
  for (int i = 0; i < r; i++) {
    /* reflect mirrors without repeating the edge: at most dim - 1 values per side */
    if (reflect && ((p[i] > 0 && p[i] >= in[0].dims[i]) || (p[i + r] > 0 && p[i + r] >= in[0].dims[i])))
      FAIL("reflect pads of dimension %d (%lld before, %lld after) must be at most its size minus 1 (%lld)", i,
           (long long)p[i], (long long)p[i + r], (long long)in[0].dims[i] - 1);
    if (__builtin_add_overflow(out->dims[i], p[i], &out->dims[i]) ||
        __builtin_add_overflow(out->dims[i], p[i + r], &out->dims[i]))
      FAIL("pads of dimension %d (%lld before, %lld after) overflow 64 bits", i, (long long)p[i], (long long)p[i + r]);
    if (out->dims[i] < 0) FAIL("pads make dimension %d negative", i);
  }
  return true;
}

bool dl_shape_tile(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int n;
  const int64_t *r = dl_attrs_ints(a, "repeats", &n);
  if (n != in[0].rank) FAIL("repeats must have %d values", in[0].rank);
  *out = in[0];
  for (int i = 0; i < n; i++) {
    if (r[i] < 0) FAIL("repeats must be >= 0");
    if (__builtin_mul_overflow(out->dims[i], r[i], &out->dims[i]))
      FAIL("repeats[%d] = %lld makes dimension %d overflow 64 bits", i, (long long)r[i], i);
  }
  return true;
}

bool dl_shape_gather(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", 0);
  if (!norm_axis(&axis, in[0].rank, e)) return false;
  if (in[1].dtype != DL_I64 && in[1].dtype != DL_I32) FAIL("gather indices must be i32 or i64");
  if (in[0].rank + in[1].rank - 1 > DL_MAX_RANK) FAIL("gather result rank too large");
  *out = in[0];
  out->rank = 0;
  for (int i = 0; i < axis; i++) out->dims[out->rank++] = in[0].dims[i];
  for (int i = 0; i < in[1].rank; i++) out->dims[out->rank++] = in[1].dims[i];
  for (int i = (int)axis + 1; i < in[0].rank; i++) out->dims[out->rank++] = in[0].dims[i];
  return true;
}

bool dl_shape_depth_to_space(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                             DlError *e) {
  int64_t b = dl_attrs_int(a, "blocksize", 0);
  if (in[0].rank != 4 || b < 1 || in[0].dims[1] % (b * b)) FAIL("depth_to_space needs rank 4 and channels divisible by blocksize^2");
  *out = in[0];
  out->dims[1] /= b * b, out->dims[2] *= b, out->dims[3] *= b;
  return true;
}

bool dl_shape_space_to_depth(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                             DlError *e) {
  int64_t b = dl_attrs_int(a, "blocksize", 0);
  if (in[0].rank != 4 || b < 1 || in[0].dims[2] % b || in[0].dims[3] % b) FAIL("space_to_depth needs rank 4 and spatial dims divisible by blocksize");
  *out = in[0];
  out->dims[1] *= b * b, out->dims[2] /= b, out->dims[3] /= b;
  return true;
}

static bool is_index_type(DlDType t) {
  return t == DL_I64 || t == DL_I32;
}

static bool known_reduction(const DlAttrs *a, DlError *e) {
  const char *r = dl_attrs_str(a, "reduction", "none");
  if (strcmp(r, "none") && strcmp(r, "add") && strcmp(r, "mul") && strcmp(r, "max") &&
      strcmp(r, "min"))
    FAIL("unknown reduction '%s' (none, add, mul, max, min)", r);
  return true;
}

bool dl_shape_gather_nd(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t b = dl_attrs_int(a, "batch_dims", 0);
  const DlShape *x = &in[0], *ix = &in[1];
  if (!is_index_type(ix->dtype)) FAIL("gather_nd indices must be i32 or i64");
  if (x->rank < 1 || ix->rank < 1) FAIL("gather_nd data and indices need rank >= 1");
  if (b < 0 || b >= x->rank || b >= ix->rank)
    FAIL("batch_dims %lld must be below both ranks", (long long)b);
  int64_t k = ix->dims[ix->rank - 1];
  if (k < 1 || b + k > x->rank)
    FAIL("indices' last dimension %lld must be in [1, %lld]", (long long)k,
         (long long)(x->rank - b));
  for (int i = 0; i < b; i++)
    if (x->dims[i] != ix->dims[i])
      FAIL("batch dimension %d differs: %lld vs %lld", i, (long long)x->dims[i],
           (long long)ix->dims[i]);
  out->dtype = x->dtype;
  out->rank = ix->rank - 1 + x->rank - (int)(b + k);
  if (out->rank > DL_MAX_RANK) FAIL("gather_nd result rank %d exceeds %d", out->rank, DL_MAX_RANK);
  int r = 0;
  for (int i = 0; i < ix->rank - 1; i++) out->dims[r++] = ix->dims[i];
  for (int i = (int)(b + k); i < x->rank; i++) out->dims[r++] = x->dims[i];
  return true;
}

bool dl_shape_scatter_elements(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                               DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", 0);
  if (!norm_axis(&axis, in[0].rank, e) || !known_reduction(a, e)) return false;
  if (!is_index_type(in[1].dtype)) FAIL("scatter_elements indices must be i32 or i64");
  if (in[1].rank != in[0].rank)
    FAIL("scatter_elements indices must have the data's rank %d", in[0].rank);
  DlShape u = in[2];
  u.dtype = in[1].dtype;
  if (!dl_shape_equal(&u, &in[1]) || in[2].dtype != in[0].dtype)
    FAIL("scatter_elements updates must have the indices' shape and the data's type");
  for (int i = 0; i < in[0].rank; i++)
    if (i != axis && in[1].dims[i] > in[0].dims[i])
      FAIL("indices dimension %d exceeds the data's", i);
  *out = in[0];
  return true;
}

bool dl_shape_scatter_nd(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  const DlShape *x = &in[0], *ix = &in[1], *u = &in[2];
  if (!known_reduction(a, e)) return false;
  if (!is_index_type(ix->dtype)) FAIL("scatter_nd indices must be i32 or i64");
  if (ix->rank < 1) FAIL("scatter_nd indices need rank >= 1");
  int64_t k = ix->dims[ix->rank - 1];
  if (k < 1 || k > x->rank)
    FAIL("indices' last dimension %lld must be in [1, %d]", (long long)k, x->rank);
  bool ok = u->dtype == x->dtype && u->rank == ix->rank - 1 + x->rank - (int)k;
  for (int i = 0; ok && i < u->rank; i++)
    ok = u->dims[i] == (i < ix->rank - 1 ? ix->dims[i] : x->dims[k + i - (ix->rank - 1)]);
  if (!ok)
    FAIL("scatter_nd updates must be indices.shape[:-1] + data.shape[%lld:] of the data's type",
         (long long)k);
  *out = *x;
  return true;
}

bool dl_shape_top_k(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", -1), k = dl_attrs_int(a, "k", 0);
  if (in[0].rank < 1) FAIL("top_k needs rank >= 1");
  if (!norm_axis(&axis, in[0].rank, e)) return false;
  if (k < 0 || k > in[0].dims[axis])
    FAIL("k %lld out of range for an axis of %lld", (long long)k, (long long)in[0].dims[axis]);
  *out = in[0];
  out->dims[axis] = k;
  out->dtype = DL_I64;
  return true;
}

bool dl_shape_reverse_sequence(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                               DlError *e) {
  int64_t b = dl_attrs_int(a, "batch_axis", 1), t = dl_attrs_int(a, "time_axis", 0);
  if (in[0].rank < 2) FAIL("reverse_sequence needs rank >= 2");
  if ((b != 0 && b != 1) || (t != 0 && t != 1) || b == t)
    FAIL("batch_axis and time_axis must be 0 and 1 in some order");
  if (!is_index_type(in[1].dtype) || in[1].rank != 1 || in[1].dims[0] != in[0].dims[b])
    FAIL("sequence_lens must be i32 or i64 of shape [%lld]", (long long)in[0].dims[b]);
  *out = in[0];
  return true;
}

bool dl_shape_grid_sample(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  const char *m = dl_attrs_str(a, "mode", "linear"), *p = dl_attrs_str(a, "padding_mode", "zeros");
  if (strcmp(m, "linear") && strcmp(m, "nearest") && strcmp(m, "cubic"))
    FAIL("unknown mode '%s' (linear, nearest, cubic)", m);
  if (strcmp(p, "zeros") && strcmp(p, "border") && strcmp(p, "reflection"))
    FAIL("unknown padding_mode '%s' (zeros, border, reflection)", p);
  const DlShape *x = &in[0], *g = &in[1];
  if (x->rank != 4) FAIL("grid_sample input must be [N, C, H, W], found rank %d", x->rank);
  if (!dl_dtype_is_float(x->dtype) || g->dtype != x->dtype)
    FAIL("grid_sample needs float input and grid of one type");
  if (g->rank != 4 || g->dims[0] != x->dims[0] || g->dims[3] != 2)
    FAIL("grid must be [N, H_out, W_out, 2]");
  *out = (DlShape){x->dtype, 4, {x->dims[0], x->dims[1], g->dims[1], g->dims[2]}};
  return true;
}

bool dl_shape_tfidf_vectorizer(const DlAttrs *a, int nin, const DlShape *in, DlShape *out,
                               DlError *e) {
  const char *m = dl_attrs_str(a, "mode", "TF");
  int64_t lo = dl_attrs_int(a, "min_gram_length", 0), hi = dl_attrs_int(a, "max_gram_length", 0);
  if (strcmp(m, "TF") && strcmp(m, "IDF") && strcmp(m, "TFIDF"))
    FAIL("unknown mode '%s' (TF, IDF, TFIDF)", m);
  if (lo < 1 || hi < lo) FAIL("gram lengths must satisfy 1 <= min_gram_length <= max_gram_length");
  if (dl_attrs_int(a, "max_skip_count", 0) < 0) FAIL("max_skip_count must be >= 0");
  if (!is_index_type(in[0].dtype) || in[0].rank < 1 || in[0].rank > 2)
    FAIL("tfidf_vectorizer input must be i32 or i64 of rank 1 or 2");
  if (in[1].dtype != DL_I64 || in[2].dtype != DL_I64 || in[3].dtype != DL_I64 ||
      in[4].dtype != DL_F32)
    FAIL("tfidf_vectorizer pool, counts and indexes must be i64, weights f32");
  if (in[2].rank != 1 || in[3].rank != 1) FAIL("ngram_counts and ngram_indexes must be vectors");
  if (dl_shape_numel(&in[4]) != dl_shape_numel(&in[3]))
    FAIL("weights must have one entry per ngram index");
  if (out->dtype != DL_F32 || out->rank != in[0].rank ||
      (in[0].rank == 2 && out->dims[0] != in[0].dims[0]))
    FAIL("tfidf_vectorizer result must be f32 with the input's rows");
  return true;
}

bool dl_shape_det(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e) {
  const DlShape *x = &in[0];
  if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2]) FAIL("det needs [..., M, M]");
  if (!dl_dtype_is_float(x->dtype)) FAIL("det needs a float input");
  *out = *x;
  out->rank -= 2;
  return true;
}
