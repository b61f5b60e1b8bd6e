#include "dlc/lower.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)DLRT_T_F32 == (int)DL_F32 && (int)DLRT_T_U8 == (int)DL_U8 &&
                   (int)DLRT_T_I8 == (int)DL_I8 && (int)DLRT_T_U16 == (int)DL_U16 &&
                   (int)DLRT_T_I16 == (int)DL_I16 && (int)DLRT_T_I32 == (int)DL_I32 &&
                   (int)DLRT_T_I64 == (int)DL_I64 && (int)DLRT_T_BOOL == (int)DL_BOOL &&
                   (int)DLRT_T_F16 == (int)DL_F16 && (int)DLRT_T_F64 == (int)DL_F64 &&
                   (int)DLRT_T_U32 == (int)DL_U32 && (int)DLRT_T_U64 == (int)DL_U64 &&
                   (int)DLRT_T_BF16 == (int)DL_BF16,
               "dlrt element types follow DlDType");

static void strides(const DlShape *s, dlrt_i *st) {
  dlrt_i acc = 1;
  for (int d = s->rank - 1; d >= 0; d--) st[d] = acc, acc *= s->dims[d];
}

/* Strides of `in` broadcast to `out` (0 where broadcast). */
static void bcast_strides(const DlShape *in, const DlShape *out, dlrt_i *st) {
  dlrt_i s[DL_MAX_RANK];
  strides(in, s);
  for (int d = 0; d < out->rank; d++) {
    int id = d - (out->rank - in->rank);
    st[d] = id < 0 || in->dims[id] == 1 ? 0 : s[id];
  }
}

static void fill_win(DlCall *c, const DlAttrs *a, const DlShape *x, const DlShape *y,
                     const int64_t *ks, dlrt_i m) {
  int n, k = x->rank - 2;
  const int64_t *st = dl_attrs_ints(a, "strides", &n), *pd = dl_attrs_ints(a, "pads", &n),
                *dl = dl_attrs_ints(a, "dilations", &n);
  dlrt_win *w = &c->win;
  memset(w, 0, sizeof *w);
  w->n = x->dims[0], w->c = x->dims[1], w->m = m, w->group = dl_attrs_int(a, "group", 1);
  for (int i = 0; i < 3; i++) {
    int j = i - (3 - k); /* spatial index, or <0 for padding dims */
    w->id[i] = j >= 0 ? x->dims[2 + j] : 1;
    w->od[i] = j >= 0 ? y->dims[2 + j] : 1;
    w->k[i] = j >= 0 ? ks[j] : 1;
    w->stride[i] = j >= 0 ? st[j] : 1;
    w->pad[i] = j >= 0 ? pd[j] : 0;
    w->pad_end[i] = j >= 0 ? pd[j + k] : 0;
    w->dil[i] = j >= 0 && dl ? dl[j] : 1;
  }
}

static dlrt_act act_of(const DlAttrs *a) {
  dlrt_act r = {0, 0, 0};
  const char *s = dl_attrs_str(a, "act", "none");
  if (!strcmp(s, "none")) return r;
  r.on = 1;
  r.lo = (float)dl_attrs_float(a, "act_min", -INFINITY);
  r.hi = (float)dl_attrs_float(a, "act_max", INFINITY);
  return r;
}

static int unary_op(DlOpKind k, const DlAttrs *a, float *p0, float *p1) {
  *p0 = *p1 = 0;
  switch (k) {
  case DL_OP_RELU: return DLRT_RELU;
  case DL_OP_LEAKY_RELU: *p0 = (float)dl_attrs_float(a, "alpha", 0.01); return DLRT_LEAKY_RELU;
  case DL_OP_CLIP:
    *p0 = (float)dl_attrs_float(a, "min", -INFINITY),
    *p1 = (float)dl_attrs_float(a, "max", INFINITY);
    return DLRT_CLIP;
  case DL_OP_SIGMOID: return DLRT_SIGMOID;
  case DL_OP_HARD_SIGMOID:
    *p0 = (float)dl_attrs_float(a, "alpha", 0.2), *p1 = (float)dl_attrs_float(a, "beta", 0.5);
    return DLRT_HARD_SIGMOID;
  case DL_OP_HARD_SWISH: return DLRT_HARD_SWISH;
  case DL_OP_TANH: return DLRT_TANH;
  case DL_OP_ERF: return DLRT_ERF;
  case DL_OP_GELU:
    return strcmp(dl_attrs_str(a, "approximate", "none"), "tanh") ? DLRT_GELU : DLRT_GELU_TANH;
  case DL_OP_ELU: *p0 = (float)dl_attrs_float(a, "alpha", 1); return DLRT_ELU;
  case DL_OP_SELU:
    *p0 = (float)dl_attrs_float(a, "alpha", 1.6732632),
    *p1 = (float)dl_attrs_float(a, "gamma", 1.0507010);
    return DLRT_SELU;
  case DL_OP_CELU: *p0 = (float)dl_attrs_float(a, "alpha", 1); return DLRT_CELU;
  case DL_OP_SOFTPLUS: return DLRT_SOFTPLUS;
  case DL_OP_SOFTSIGN: return DLRT_SOFTSIGN;
  case DL_OP_THRESHOLDED_RELU:
    *p0 = (float)dl_attrs_float(a, "alpha", 1);
    return DLRT_THRESHOLDED_RELU;
  case DL_OP_SQRT: return DLRT_SQRT;
  case DL_OP_EXP: return DLRT_EXP;
  case DL_OP_LOG: return DLRT_LOG;
  case DL_OP_NEG: return DLRT_NEG;
  case DL_OP_ABS: return DLRT_ABS;
  case DL_OP_RECIPROCAL: return DLRT_RECIPROCAL;
  case DL_OP_FLOOR: return DLRT_FLOOR;
  case DL_OP_CEIL: return DLRT_CEIL;
  case DL_OP_ROUND: return DLRT_ROUND;
  case DL_OP_SIGN: return DLRT_SIGN;
  case DL_OP_SIN: return DLRT_SIN;
  case DL_OP_COS: return DLRT_COS;
  /* generic kernel only */
  case DL_OP_TAN: return DLRT_TAN;
  case DL_OP_ASIN: return DLRT_ASIN;
  case DL_OP_ACOS: return DLRT_ACOS;
  case DL_OP_ATAN: return DLRT_ATAN;
  case DL_OP_SINH: return DLRT_SINH;
  case DL_OP_COSH: return DLRT_COSH;
  case DL_OP_ASINH: return DLRT_ASINH;
  case DL_OP_ACOSH: return DLRT_ACOSH;
  case DL_OP_ATANH: return DLRT_ATANH;
  case DL_OP_NOT: return DLRT_NOT;
  case DL_OP_BITWISE_NOT: return DLRT_BITNOT;
  case DL_OP_IS_NAN: return DLRT_ISNAN;
  case DL_OP_IS_INF:
    *p0 = (float)dl_attrs_int(a, "detect_positive", 1),
    *p1 = (float)dl_attrs_int(a, "detect_negative", 1);
    return DLRT_ISINF;
  case DL_OP_CAST: return DLRT_CAST;
  default: return -1;
  }
}

static int binary_op(DlOpKind k, const DlAttrs *a) {
  switch (k) {
  case DL_OP_ADD: return DLRT_ADD;
  case DL_OP_SUB: return DLRT_SUB;
  case DL_OP_MUL: return DLRT_MUL;
  case DL_OP_DIV: return DLRT_DIV;
  case DL_OP_POW: return DLRT_POW;
  case DL_OP_MAX: return DLRT_MAX;
  case DL_OP_MIN: return DLRT_MIN;
  case DL_OP_PRELU: return DLRT_PRELU;
  /* generic kernel only */
  case DL_OP_MOD: return dl_attrs_int(a, "fmod", 0) ? DLRT_FMOD : DLRT_MOD;
  case DL_OP_EQUAL: return DLRT_EQUAL;
  case DL_OP_LESS: return DLRT_LESS;
  case DL_OP_LESS_EQUAL: return DLRT_LESS_EQUAL;
  case DL_OP_GREATER: return DLRT_GREATER;
  case DL_OP_GREATER_EQUAL: return DLRT_GREATER_EQUAL;
  case DL_OP_AND: return DLRT_AND;
  case DL_OP_OR: return DLRT_OR;
  case DL_OP_XOR: return DLRT_XOR;
  case DL_OP_BIT_SHIFT:
    return strcmp(dl_attrs_str(a, "direction", "LEFT"), "RIGHT") ? DLRT_SHL : DLRT_SHR;
  case DL_OP_BITWISE_AND: return DLRT_BITAND;
  case DL_OP_BITWISE_OR: return DLRT_BITOR;
  case DL_OP_BITWISE_XOR: return DLRT_BITXOR;
  default: return -1;
  }
}

static int reduce_op(DlOpKind k) {
  switch (k) {
  case DL_OP_REDUCE_MEAN: return DLRT_R_MEAN;
  case DL_OP_REDUCE_MAX: return DLRT_R_MAX;
  case DL_OP_REDUCE_MIN: return DLRT_R_MIN;
  case DL_OP_REDUCE_SUM: return DLRT_R_SUM;
  case DL_OP_REDUCE_PROD: return DLRT_R_PROD;
  case DL_OP_REDUCE_L1: return DLRT_R_L1;
  case DL_OP_REDUCE_L2: return DLRT_R_L2;
  case DL_OP_REDUCE_SUM_SQUARE: return DLRT_R_SUM_SQUARE;
  case DL_OP_REDUCE_LOG_SUM: return DLRT_R_LOG_SUM;
  case DL_OP_REDUCE_LOG_SUM_EXP: return DLRT_R_LOG_SUM_EXP;
  case DL_OP_ARG_MAX: return DLRT_R_ARGMAX;
  case DL_OP_ARG_MIN: return DLRT_R_ARGMIN;
  default: return -1;
  }
}

/* [outer, axis, inner] view of s around `axis` (negative counts from the end). */
static void axis_view(DlCall *c, const DlShape *s, int64_t axis) {
  if (axis < 0) axis += s->rank;
  c->outer = 1, c->inner = 1, c->len = s->rank ? s->dims[axis] : 1;
  for (int d = 0; d < axis; d++) c->outer *= s->dims[d];
  for (int d = (int)axis + 1; d < s->rank; d++) c->inner *= s->dims[d];
}

static void lower_reduce(DlCall *c, int op, const DlAttrs *a, const DlShape *x) {
  bool red[DL_MAX_RANK] = {0};
  dlrt_i st[DL_MAX_RANK];
  int n;
  strides(x, st);
  if (op == DLRT_R_ARGMAX || op == DLRT_R_ARGMIN) {
    int64_t axis = dl_attrs_int(a, "axis", 0);
    red[axis < 0 ? axis + x->rank : axis] = true;
    c->transA = (int)dl_attrs_int(a, "select_last_index", 0);
  } else {
    const int64_t *axes = dl_attrs_ints(a, "axes", &n);
    for (int i = 0; i < n; i++) red[axes[i] < 0 ? axes[i] + x->rank : axes[i]] = true;
  }
  c->kind = DL_CALL_REDUCE;
  c->sub = op;
  for (int d = 0; d < x->rank; d++) {
    if (red[d])
      c->dims2[c->r2] = x->dims[d], c->s2[c->r2++] = st[d];
    else
      c->dims[c->r] = x->dims[d], c->as[c->r++] = st[d];
  }
}

/* ONNX Resize as separable taps (onnx/reference/ops/op_resize.py): per axis and
 * output coordinate, the source offsets and weights of its neighbours. */
static bool lower_resize(DlCall *c, const DlAttrs *a, const DlShape *x, const DlShape *y,
                         DlError *e) {
  const char *mode = dl_attrs_str(a, "mode", "nearest"),
             *ctm = dl_attrs_str(a, "coordinate_transformation_mode", "half_pixel");
  const char *nm = dl_attrs_str(a, "nearest_mode", "round_prefer_floor");
  double A = dl_attrs_float(a, "cubic_coeff_a", -0.75);
  bool excl = dl_attrs_int(a, "exclude_outside", 0);
  int n, r = x->rank, nc = !strcmp(mode, "cubic") ? 4 : 2;
  const double *scales = dl_attrs_floats(a, "scales", &n);
  if (n != r) return dl_error_set(e, "resize needs %d scales", r);
  if (!strcmp(ctm, "tf_crop_and_resize")) return true;
  dlrt_i st[DL_MAX_RANK], total = 0;
  strides(x, st);
  for (int i = 0; i < r; i++) total += y->dims[i] * nc;
  dlrt_i *off = calloc((size_t)(total ? total : 1), sizeof(dlrt_i));
  double *w = calloc((size_t)(total ? total : 1), sizeof(double));
  dlrt_i pos = 0;
  c->r = r;
  for (int i = 0; i < r; i++) {
    dlrt_i in = x->dims[i], out = y->dims[i], pw = (nc + 1) / 2;
    double sc = scales[i], ow = sc * (double)in;
    c->dims[i] = out;
    c->bs[i] = 1;
    for (dlrt_i o = 0; o < out; o++, pos += nc) {
      double xo, cf[4];
      if (!strcmp(ctm, "align_corners"))
        xo = ow == 1 ? 0 : (double)o * (double)(in - 1) / (ow - 1);
      else if (!strcmp(ctm, "asymmetric"))
        xo = (double)o / sc;
      else if (!strcmp(ctm, "pytorch_half_pixel"))
        xo = ow == 1 ? -0.5 : ((double)o + 0.5) / sc - 0.5;
      else if (!strcmp(ctm, "tf_half_pixel_for_nn"))
        xo = ((double)o + 0.5) / sc;
      else if (!strcmp(ctm, "half_pixel_symmetric")) {
        double adj = (double)out / ow, center = (double)in / 2;
        xo = center * (1 - adj) + ((double)o + 0.5) / sc - 0.5;
      } else
        xo = ((double)o + 0.5) / sc - 0.5;
      double xi = floor(xo), t = xo == xi ? 1 : xo - xi;
      if (nc == 4) {
        double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
        cf[0] = ((A * t1 - 5 * A) * t1 + 8 * A) * t1 - 4 * A;
        cf[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
        cf[2] = ((A + 2) * t2 - (A + 3)) * t2 * t2 + 1;
        cf[3] = ((A * t3 - 5 * A) * t3 + 8 * A) * t3 - 4 * A;
      } else if (!strcmp(mode, "linear")) {
        cf[0] = 1 - t, cf[1] = t;
      } else if (t == 1) {
        cf[0] = 0, cf[1] = 1;
      } else {
        bool hi = !strcmp(nm, "round_prefer_ceil") ? t >= 0.5
                  : !strcmp(nm, "floor")           ? false
                  : !strcmp(nm, "ceil")            ? true
                                                   : t > 0.5;
        cf[0] = !hi, cf[1] = hi;
      }
      /* the nc integers nearest to xo in the edge-padded axis, ties to the smaller:
       * the contiguous window with the least total distance, first one on ties */
      dlrt_i lo = (dlrt_i)xi - nc, idx[4];
      {
        dlrt_i best = 0, cnt = 0, cand[16];
        for (dlrt_i q = lo; q <= (dlrt_i)xi + nc; q++)
          if (q + pw >= 0 && q + pw < in + 2 * pw) cand[cnt++] = q;
        double bd = INFINITY;
        for (dlrt_i s0 = 0; s0 + nc <= cnt; s0++) {
          double dsum = 0;
          for (int k2 = 0; k2 < nc; k2++) dsum += fabs(xo - (double)cand[s0 + k2]);
          if (dsum < bd - 1e-12) bd = dsum, best = s0;
        }
        for (int k2 = 0; k2 < nc; k2++) idx[k2] = cand[best + k2];
      }
      double sum = 0;
      for (int k2 = 0; k2 < nc; k2++) {
        dlrt_i src = idx[k2] < 0 ? 0 : idx[k2] >= in ? in - 1 : idx[k2];
        if (excl && (idx[k2] < 0 || idx[k2] >= in)) cf[k2] = 0;
        sum += cf[k2];
        off[pos + k2] = src * st[i];
        w[pos + k2] = cf[k2];
      }
      if (excl && sum != 0)
        for (int k2 = 0; k2 < nc; k2++) w[pos + k2] /= sum;
    }
  }
  /* compact: per axis, only as many taps as the largest count of nonzero weights */
  c->tab = malloc(sizeof(dlrt_i) * (size_t)(total ? total : 1));
  c->wtab = malloc(sizeof(float) * (size_t)(total ? total : 1));
  pos = 0;
  dlrt_i src = 0;
  for (int i = 0; i < r; i++) {
    dlrt_i nt = 1;
    for (dlrt_i o = 0; o < y->dims[i]; o++) {
      dlrt_i cnt = 0;
      for (int k2 = 0; k2 < nc; k2++) cnt += w[src + o * nc + k2] != 0;
      if (cnt > nt) nt = cnt;
    }
    c->bs[i] = nt;
    for (dlrt_i o = 0; o < y->dims[i]; o++) {
      dlrt_i m = 0;
      for (int k2 = 0; k2 < nc; k2++)
        if (w[src + o * nc + k2] != 0)
          c->tab[pos + m] = off[src + o * nc + k2],
                       c->wtab[pos + m++] = (float)w[src + o * nc + k2];
      for (; m < nt; m++) c->tab[pos + m] = 0, c->wtab[pos + m] = 0;
      pos += nt;
    }
    src += y->dims[i] * nc;
  }
  c->ntab = pos;
  free(off);
  free(w);
  c->kind = DL_CALL_RESIZE;
  return true;
}

/* Data movement and dtype-generic ops: any element type. */
/* A two-operand elementwise call: the output's dims, both operands broadcast to them. */
static bool lower_binary(DlCall *c, DlCallKind kind, int op, const DlShape *in, const DlShape *out) {
  dlrt_i as[DL_MAX_RANK], bs[DL_MAX_RANK];
  c->kind = kind;
  c->sub = op;
  bcast_strides(&in[0], out, as);
  bcast_strides(&in[1], out, bs);
  /* the fewest dims that walk the same elements: size-1 dims dropped, and a dim
   * merged into the one before when both operands step through the pair as one
   * run (a residual add of two [1,C,H,W] tensors is one run of C*H*W, which the
   * kernels take in whole vectors instead of one row of W at a time) */
  c->r = 0;
  for (int d = 0; d < out->rank; d++) {
    int r = c->r;
    if (out->dims[d] == 1) continue;
    if (r > 0 && c->as[r - 1] == as[d] * out->dims[d] && c->bs[r - 1] == bs[d] * out->dims[d])
      c->dims[r - 1] *= out->dims[d], c->as[r - 1] = as[d], c->bs[r - 1] = bs[d];
    else
      c->dims[r] = out->dims[d], c->as[r] = as[d], c->bs[r] = bs[d], c->r++;
  }
  if (c->r == 0 && out->rank > 0) c->dims[0] = 1, c->as[0] = c->bs[0] = 0, c->r = 1; /* one element */
  return true;
}

/* M, N, K and the batch offsets of a (broadcasting) matmul of x by y. */
static bool lower_matmul(DlCall *c, const DlShape *xs, const DlShape *ys, DlError *e) {
  DlShape x = *xs, y = *ys;
  if (x.rank == 1) x = (DlShape){x.dtype, 2, {1, x.dims[0]}};
  if (y.rank == 1) y = (DlShape){y.dtype, 2, {y.dims[0], 1}};
  c->M = x.dims[x.rank - 2], c->K = x.dims[x.rank - 1], c->N = y.dims[y.rank - 1];
  DlShape bx = x, by = y, bo;
  bx.rank -= 2, by.rank -= 2;
  if (!dl_broadcast_shapes(&bx, &by, &bo, e)) return false;
  c->batches = dl_shape_numel(&bo);
  c->aoff = malloc(sizeof(dlrt_i) * (size_t)(c->batches ? c->batches : 1));
  c->boff = malloc(sizeof(dlrt_i) * (size_t)(c->batches ? c->batches : 1));
  dlrt_i sa[DL_MAX_RANK], sb[DL_MAX_RANK], idx[DL_MAX_RANK];
  bcast_strides(&bx, &bo, sa);
  bcast_strides(&by, &bo, sb);
  for (dlrt_i t = 0; t < c->batches; t++) {
    dlrt_i r = t, oa = 0, ob = 0;
    for (int d = bo.rank - 1; d >= 0; d--) idx[d] = r % bo.dims[d], r /= bo.dims[d];
    for (int d = 0; d < bo.rank; d++) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
    c->aoff[t] = oa * c->M * c->K;
    c->boff[t] = ob * c->K * c->N;
  }
  return true;
}

/* MatMulInteger (a, b, za, zb) and QLinearMatMul (a, sa, za, b, sb, zb, sy,
 * zy) on 8-bit operands; zero points per tensor, b's also per column. */
static bool lower_qmatmul(DlOpKind k, int nin, const DlShape *in, const DlShape *out, DlCall *c, DlError *e) {
  bool ql = k == DL_OP_QLINEAR_MATMUL;
  const DlShape *a = &in[0], *b = &in[ql ? 3 : 1], *za = &in[ql ? 2 : 2], *zb = &in[ql ? 5 : 3];
  bool bits8 = (a->dtype == DL_U8 || a->dtype == DL_I8) && (b->dtype == DL_U8 || b->dtype == DL_I8);
  if (!bits8 || nin < 4 || za->dtype != a->dtype || zb->dtype != b->dtype || dl_shape_numel(za) != 1) return true;
  if (ql && (out->dtype != DL_U8 && out->dtype != DL_I8)) return true;
  if (!lower_matmul(c, a, b, e)) return false;
  c->tb = b->dtype;
  c->len = dl_shape_numel(zb);
  if (c->len != 1 && c->len != c->N) return true;
  c->kind = ql ? DL_CALL_QLINEAR_MATMUL : DL_CALL_MATMUL_INTEGER;
  return true;
}

/* ConvInteger (x, w, zx, zw) and QLinearConv (x, sx, zx, w, sw, zw, sy, zy
 * [, bias]) on 8-bit operands: x's zero point per tensor, w's scale and zero
 * point per tensor or per output channel. */
static void lower_qconv(DlOpKind k, const DlAttrs *a, int nin, const DlShape *in, const DlShape *out, DlCall *c) {
  bool ql = k == DL_OP_QLINEAR_CONV;
  const DlShape *x = &in[0], *w = &in[ql ? 3 : 1], *zx = &in[2], *zw = &in[ql ? 5 : 3];
  bool bits8 = (x->dtype == DL_U8 || x->dtype == DL_I8) && (w->dtype == DL_U8 || w->dtype == DL_I8);
  if (!bits8 || x->rank < 3 || x->rank > 5 || zx->dtype != x->dtype || zw->dtype != w->dtype ||
      dl_shape_numel(zx) != 1)
    return;
  int64_t m = w->dims[0], nzw = dl_shape_numel(zw), nsw = ql ? dl_shape_numel(&in[4]) : 1;
  if ((nzw != 1 && nzw != m) || (nsw != 1 && nsw != m)) return;
  if (ql && ((out->dtype != DL_U8 && out->dtype != DL_I8) || (nin > 8 && in[8].dtype != DL_I32))) return;
  fill_win(c, a, x, out, w->dims + 2, m);
  c->tb = w->dtype;
  c->len = nzw, c->N = nsw;
  c->kind = ql ? DL_CALL_QLINEAR_CONV : DL_CALL_CONV_INTEGER;
}

static bool is_qtype(DlDType t) { return t == DL_U8 || t == DL_I8 || t == DL_U16 || t == DL_I16 || t == DL_I32; }

/* Quantize/DequantizeLinear: per tensor (a scale of one element) or per axis
 * (a 1-D scale along `axis`); other forms (blocked scales, float8 and 4-bit
 * types) keep DL_CALL_NONE. */
static void lower_qlinear(DlOpKind k, const DlAttrs *a, int nin, const DlShape *in, const DlShape *out,
                          DlCall *c) {
  bool quant = k == DL_OP_QUANTIZE_LINEAR;
  DlDType qt = quant ? out->dtype : in[0].dtype;
  if (!is_qtype(qt) || (quant ? in[0].dtype : out->dtype) != DL_F32 || in[1].dtype != DL_F32) return;
  if (nin > 2 && in[2].dtype != qt) return;
  if (quant && qt == DL_I32) return;
  /* fold_qdq's expansions pair a unit scale with a per-channel zero point */
  int64_t ns = dl_shape_numel(&in[1]), nz = nin > 2 ? dl_shape_numel(&in[2]) : 1, nc = ns > nz ? ns : nz;
  if (nc == 1) {
    c->outer = 1, c->len = 1, c->inner = dl_shape_numel(&in[0]);
  } else {
    int64_t axis = dl_attrs_int(a, "axis", 1);
    if (axis < 0) axis += in[0].rank;
    if (axis < 0 || axis >= in[0].rank || in[0].dims[axis] != nc) return;
    if ((ns != 1 && in[1].rank != 1) || (nz != 1 && in[2].rank != 1) || (ns != 1 && ns != nc) ||
        (nz != 1 && nz != nc))
      return;
    axis_view(c, &in[0], axis);
  }
  c->M = ns, c->N = nz;
  c->kind = quant ? DL_CALL_QUANTIZE : DL_CALL_DEQUANTIZE;
}

static int reduction_of(const DlAttrs *a) {
  const char *r = dl_attrs_str(a, "reduction", "none");
  return !strcmp(r, "add")   ? 1
         : !strcmp(r, "mul") ? 2
         : !strcmp(r, "max") ? 3
         : !strcmp(r, "min") ? 4
                             : 0;
}

/* ScatterElements, ScatterND, GatherND: index tuples into the data's dims. */
static void lower_scatter_gather(DlOpKind k, const DlAttrs *a, const DlShape *in, DlCall *c) {
  const DlShape *x = &in[0], *ix = &in[1];
  dlrt_i st[DL_MAX_RANK];
  strides(x, st);
  c->sub = reduction_of(a);
  c->outer = dl_shape_numel(x);
  if (k == DL_OP_SCATTER_ELEMENTS) {
    int64_t axis = dl_attrs_int(a, "axis", 0);
    if (axis < 0) axis += x->rank;
    c->kind = DL_CALL_SCATTER_ELEMENTS;
    c->axis = (int)axis, c->len = x->dims[axis], c->r = ix->rank;
    for (int d = 0; d < ix->rank; d++) c->dims[d] = ix->dims[d], c->as[d] = st[d];
    return;
  }
  int64_t b = k == DL_OP_GATHER_ND ? dl_attrs_int(a, "batch_dims", 0) : 0,
          kd = ix->dims[ix->rank - 1];
  c->kind = k == DL_OP_GATHER_ND ? DL_CALL_GATHER_ND : DL_CALL_SCATTER_ND;
  c->r = (int)kd;
  c->batches = 1, c->inner = 1;
  for (int d = 0; d < b; d++) c->batches *= x->dims[d];
  for (int d = 0; d < kd; d++) c->dims[d] = x->dims[b + d];
  for (int d = (int)(b + kd); d < x->rank; d++) c->inner *= x->dims[d];
  c->N = kd ? dl_shape_numel(ix) / kd / (c->batches ? c->batches : 1) : 0;
  if (k == DL_OP_GATHER_ND)
    c->outer = c->batches ? dl_shape_numel(x) / c->batches : 0; /* batch stride */
}

static bool lower_generic(DlOpKind k, const DlAttrs *a, int nin, const DlShape *in,
                          const DlShape *out, DlCall *c, DlError *e) {
  const DlShape *x = &in[0];
  dlrt_i st[DL_MAX_RANK];
  int n;
  strides(x, st);
  switch (k) {
  case DL_OP_RESHAPE: c->kind = DL_CALL_ALIAS; return true;
  case DL_OP_TRANSPOSE: {
    const int64_t *perm = dl_attrs_ints(a, "perm", &n);
    c->kind = DL_CALL_COPY;
    c->r = out->rank;
    for (int d = 0; d < out->rank; d++) c->dims[d] = out->dims[d], c->as[d] = st[perm[d]];
    return true;
  }
  case DL_OP_SLICE: {
    const int64_t *s0 = dl_attrs_ints(a, "starts", &n), *ax = dl_attrs_ints(a, "axes", &n),
                  *sp = dl_attrs_ints(a, "steps", &n);
    c->kind = DL_CALL_COPY;
    c->r = out->rank;
    for (int d = 0; d < out->rank; d++) c->dims[d] = out->dims[d], c->as[d] = st[d];
    for (int i = 0; i < n; i++) {
      c->offset += s0[i] * st[ax[i]];
      c->as[ax[i]] = st[ax[i]] * sp[i];
    }
    return true;
  }
  case DL_OP_EXPAND:
    c->kind = DL_CALL_COPY;
    c->r = out->rank;
    for (int d = 0; d < out->rank; d++) c->dims[d] = out->dims[d];
    bcast_strides(x, out, c->as);
    return true;
  case DL_OP_TILE: {
    const int64_t *rep = dl_attrs_ints(a, "repeats", &n);
    c->kind = DL_CALL_COPY;
    c->r = 2 * x->rank; /* (repeat, element) pairs */
    for (int d = 0; d < x->rank; d++) {
      c->dims[2 * d] = rep[d], c->as[2 * d] = 0;
      c->dims[2 * d + 1] = x->dims[d], c->as[2 * d + 1] = st[d];
    }
    return true;
  }
  case DL_OP_DEPTH_TO_SPACE:
  case DL_OP_SPACE_TO_DEPTH: {
    if (x->rank != 4) return true;
    dlrt_i b = dl_attrs_int(a, "blocksize", 1), N = x->dims[0], C = x->dims[1], H = x->dims[2],
           W = x->dims[3];
    dlrt_i hw = H * W;
    c->kind = DL_CALL_COPY;
    c->r = 6;
    if (k == DL_OP_DEPTH_TO_SPACE) { /* y[n, c', h, b1, w, b2] */
      dlrt_i cp = C / (b * b);
      bool crd = !strcmp(dl_attrs_str(a, "mode", "DCR"), "CRD");
      dlrt_i d[6] = {N, cp, H, b, W, b};
      dlrt_i s[6] = {C * hw, crd ? b * b * hw : hw, W, crd ? b * hw : b * cp * hw,
                     1,      crd ? hw : cp * hw};
      memcpy(c->dims, d, sizeof d), memcpy(c->as, s, sizeof s);
    } else { /* y[n, b1, b2, c, h', w'] */
      dlrt_i d[6] = {N, b, b, C, H / b, W / b};
      dlrt_i s[6] = {C * hw, W, 1, hw, b * W, b};
      memcpy(c->dims, d, sizeof d), memcpy(c->as, s, sizeof s);
    }
    return true;
  }
  case DL_OP_GATHER: {
    int64_t axis = dl_attrs_int(a, "axis", 0);
    axis_view(c, x, axis);
    c->kind = DL_CALL_GATHER;
    c->inner *= c->es; /* row bytes */
    c->len = x->rank ? c->len : 1;
    c->N = dl_shape_numel(&in[1]);
    return true;
  }
  case DL_OP_GATHER_ELEMENTS: {
    int64_t axis = dl_attrs_int(a, "axis", 0);
    if (axis < 0) axis += x->rank;
    c->kind = DL_CALL_GATHER_ELEMENTS;
    c->r = in[1].rank;
    c->sub = (int)axis;
    c->len = x->dims[axis];
    for (int d = 0; d < c->r; d++) c->dims[d] = in[1].dims[d], c->as[d] = st[d];
    return true;
  }
  case DL_OP_WHERE:
    c->kind = DL_CALL_WHERE;
    c->r = out->rank;
    c->es = (int)dl_dtype_size(out->dtype);
    for (int d = 0; d < out->rank; d++) c->dims[d] = out->dims[d];
    bcast_strides(&in[0], out, c->cs);
    bcast_strides(&in[1], out, c->as);
    bcast_strides(&in[2], out, c->bs);
    return true;
  case DL_OP_PAD: {
    const int64_t *p = dl_attrs_ints(a, "pads", &n);
    const char *mode = dl_attrs_str(a, "mode", "constant");
    c->kind = DL_CALL_PAD;
    c->sub = !strcmp(mode, "edge")      ? DLRT_PAD_EDGE
             : !strcmp(mode, "reflect") ? DLRT_PAD_REFLECT
             : !strcmp(mode, "wrap")    ? DLRT_PAD_WRAP
                                        : DLRT_PAD_CONSTANT;
    c->v0 = dl_attrs_float(a, "value", 0);
    c->r = c->r2 = x->rank;
    for (int d = 0; d < x->rank; d++)
      c->dims[d] = x->dims[d], c->dims2[d] = out->dims[d], c->as[d] = p[d];
    return true;
  }
  case DL_OP_CUMSUM:
    axis_view(c, x, dl_attrs_int(a, "axis", 0));
    c->kind = DL_CALL_CUMSUM;
    c->transA = (int)dl_attrs_int(a, "exclusive", 0),
    c->transB = (int)dl_attrs_int(a, "reverse", 0);
    return true;
  case DL_OP_SCATTER_ELEMENTS:
  case DL_OP_SCATTER_ND:
  case DL_OP_GATHER_ND: lower_scatter_gather(k, a, in, c); return true;
  case DL_OP_TOP_K:
    axis_view(c, x, dl_attrs_int(a, "axis", -1));
    c->kind = DL_CALL_TOP_K;
    c->K = dl_attrs_int(a, "k", 0);
    c->sub = (int)dl_attrs_int(a, "largest", 1);
    return true;
  case DL_OP_REVERSE_SEQUENCE:
    c->kind = DL_CALL_REVERSE_SEQUENCE;
    c->r = x->rank;
    for (int d = 0; d < x->rank; d++) c->dims[d] = x->dims[d];
    c->transA = (int)dl_attrs_int(a, "batch_axis", 1),
    c->transB = (int)dl_attrs_int(a, "time_axis", 0);
    return true;
  case DL_OP_GRID_SAMPLE: {
    const char *m = dl_attrs_str(a, "mode", "linear"),
               *p = dl_attrs_str(a, "padding_mode", "zeros");
    if (x->dtype != DL_F32) return true;
    c->kind = DL_CALL_GRID_SAMPLE;
    c->r = 6;
    for (int d = 0; d < 4; d++) c->dims[d] = x->dims[d];
    c->dims[4] = out->dims[2], c->dims[5] = out->dims[3];
    c->sub = !strcmp(m, "nearest") ? 1 : !strcmp(m, "cubic") ? 2 : 0;
    c->transB = !strcmp(p, "border") ? 1 : !strcmp(p, "reflection") ? 2 : 0;
    c->transA = (int)dl_attrs_int(a, "align_corners", 0);
    return true;
  }
  case DL_OP_TFIDF_VECTORIZER: {
    const char *m = dl_attrs_str(a, "mode", "TF");
    c->kind = DL_CALL_TFIDF;
    c->M = x->rank == 2 ? x->dims[0] : 1, c->K = x->dims[x->rank - 1],
    c->N = out->dims[out->rank - 1];
    c->transA = (int)dl_attrs_int(a, "min_gram_length", 1),
    c->transB = (int)dl_attrs_int(a, "max_gram_length", 1);
    c->cm = dl_attrs_int(a, "max_skip_count", 0);
    c->sub = !strcmp(m, "IDF") ? 1 : !strcmp(m, "TFIDF") ? 2 : 0;
    c->len = dl_shape_numel(&in[1]), c->r = (int)dl_shape_numel(&in[2]),
    c->inner = dl_shape_numel(&in[4]);
    return true;
  }
  case DL_OP_DET:
    if (x->dtype != DL_F32) return true;
    c->kind = DL_CALL_DET;
    c->N = x->dims[x->rank - 1];
    c->batches = c->N ? dl_shape_numel(x) / (c->N * c->N) : 0;
    c->scratch = c->N * c->N;
    return true;
  case DL_OP_CONV_INTEGER:
  case DL_OP_QLINEAR_CONV: lower_qconv(k, a, nin, in, out, c); return true;
  case DL_OP_MAX_POOL:
    if (x->rank < 3 || x->rank > 5 || out->dtype != x->dtype) return true;
    c->kind = DL_CALL_MAX_POOL_G;
    fill_win(c, a, x, out, dl_attrs_ints(a, "kernel_shape", &n), x->dims[1]);
    return true;
  case DL_OP_MATMUL_INTEGER:
  case DL_OP_QLINEAR_MATMUL: return lower_qmatmul(k, nin, in, out, c, e);
  case DL_OP_QUANTIZE_LINEAR:
  case DL_OP_DEQUANTIZE_LINEAR: lower_qlinear(k, a, nin, in, out, c); return true;
  case DL_OP_TRILU:
    c->kind = DL_CALL_TRILU;
    c->M = x->dims[x->rank - 2], c->N = x->dims[x->rank - 1];
    c->batches = c->M * c->N != 0 ? dl_shape_numel(x) / (c->M * c->N) : 0;
    c->K = dl_attrs_int(a, "k", 0);
    c->sub = (int)dl_attrs_int(a, "upper", 1);
    return true;
  default: break;
  }
  int op = reduce_op(k);
  if (op >= 0) return lower_reduce(c, op, a, x), true;
  op = binary_op(k, a);
  if (op >= 0 && nin == 2) {
    return lower_binary(c, DL_CALL_BINARY_G, op, in, out);
  }
  op = unary_op(k, a, &c->p0, &c->p1);
  if (op >= 0) {
    c->kind = DL_CALL_UNARY_G;
    c->sub = op;
    c->len = dl_shape_numel(out);
    c->v0 = c->p0, c->v1 = c->p1;
    if (k == DL_OP_CLIP)
      c->v0 = dl_attrs_float(a, "min", -INFINITY), c->v1 = dl_attrs_float(a, "max", INFINITY);
    if (k == DL_OP_LEAKY_RELU || k == DL_OP_ELU || k == DL_OP_CELU || k == DL_OP_THRESHOLDED_RELU ||
        k == DL_OP_HARD_SIGMOID || k == DL_OP_SELU)
      c->v0 = dl_attrs_float(a, "alpha", c->p0);
    if (k == DL_OP_HARD_SIGMOID) c->v1 = dl_attrs_float(a, "beta", c->p1);
    if (k == DL_OP_SELU) c->v1 = dl_attrs_float(a, "gamma", c->p1);
  }
  (void)e;
  return true;
}

bool dl_call_lower(DlOpKind k, const DlAttrs *a, int nin, const DlShape *in, const DlShape *out,
                   DlCall *c, DlError *e) {
  memset(c, 0, sizeof *c);
  c->kind = DL_CALL_NONE;
  c->ta = in[0].dtype, c->tb = nin > 1 ? in[1].dtype : 0, c->to = out->dtype;
  c->es = (int)dl_dtype_size(in[0].dtype);
  bool f32 = out->dtype == DL_F32;
  for (int i = 0; i < nin; i++)
    if (in[i].dtype != DL_F32 && !(k == DL_OP_NLL_LOSS && i == 1)) f32 = false;
  c->act = act_of(a);
  int n;
  if (!f32) return lower_generic(k, a, nin, in, out, c, e);
  switch (k) {
  case DL_OP_CONV:
    if (in[0].rank > 5) return true;
    c->kind = DL_CALL_CONV;
    fill_win(c, a, &in[0], out, in[1].dims + 2, in[1].dims[0]);
    c->scratch = dlrt_conv_scratch(&c->win);
    return true;
  case DL_OP_CONV_TRANSPOSE:
    c->kind = DL_CALL_CONV_TRANSPOSE;
    fill_win(c, a, &in[0], out, in[1].dims + 2, out->dims[1]);
    return true;
  case DL_OP_MAX_POOL:
  case DL_OP_AVG_POOL:
    if (in[0].rank > 5) return true;
    c->kind = DL_CALL_POOL;
    fill_win(c, a, &in[0], out, dl_attrs_ints(a, "kernel_shape", &n), in[0].dims[1]);
    c->sub = k == DL_OP_MAX_POOL ? 0 : dl_attrs_int(a, "count_include_pad", 0) ? 2 : 1;
    return true;
  case DL_OP_GLOBAL_AVG_POOL:
  case DL_OP_GLOBAL_MAX_POOL:
    c->kind = DL_CALL_GLOBAL_POOL;
    c->outer = in[0].dims[0] * in[0].dims[1];
    c->len = dl_shape_numel(&in[0]) / (c->outer ? c->outer : 1);
    c->sub = k == DL_OP_GLOBAL_MAX_POOL;
    return true;
  case DL_OP_GEMM: {
    c->kind = DL_CALL_GEMM;
    c->transA = (int)dl_attrs_int(a, "transA", 0), c->transB = (int)dl_attrs_int(a, "transB", 0);
    c->M = out->dims[0], c->N = out->dims[1], c->K = in[0].dims[c->transA ? 0 : 1];
    c->alpha = (float)dl_attrs_float(a, "alpha", 1), c->beta = (float)dl_attrs_float(a, "beta", 1);
    if (nin > 2) {
      const DlShape *b = &in[2];
      c->cm = b->rank == 2 ? b->dims[0] : 1;
      c->cn = b->rank >= 1 ? b->dims[b->rank - 1] : 1;
    }
    c->scratch = (c->transA ? c->M * c->K : 0) + (c->transB ? c->K * c->N : 0);
    return true;
  }
  case DL_OP_MATMUL:
    c->kind = DL_CALL_MATMUL;
    return lower_matmul(c, &in[0], &in[1], e);
  case DL_OP_SOFTMAX:
  case DL_OP_LOG_SOFTMAX:
  case DL_OP_HARDMAX:
    axis_view(c, &in[0], dl_attrs_int(a, "axis", -1));
    c->kind = k == DL_OP_HARDMAX ? DL_CALL_HARDMAX : DL_CALL_SOFTMAX;
    c->sub = k == DL_OP_LOG_SOFTMAX;
    return true;
  case DL_OP_LAYER_NORM: {
    int64_t axis = dl_attrs_int(a, "axis", -1);
    if (axis < 0) axis += in[0].rank;
    c->kind = DL_CALL_LAYER_NORM;
    c->outer = 1, c->len = 1;
    for (int d = 0; d < in[0].rank; d++) *(d < axis ? &c->outer : &c->len) *= in[0].dims[d];
    if (dl_shape_numel(&in[1]) != c->len || (nin > 2 && dl_shape_numel(&in[2]) != c->len)) {
      c->kind = DL_CALL_NONE; /* broadcast scale: reference kernel */
      return true;
    }
    c->p0 = (float)dl_attrs_float(a, "epsilon", 1e-5);
    return true;
  }
  case DL_OP_BATCH_NORM:
  case DL_OP_INSTANCE_NORM:
    c->kind = k == DL_OP_BATCH_NORM ? DL_CALL_BATCH_NORM : DL_CALL_INSTANCE_NORM;
    c->outer = in[0].dims[0], c->len = in[0].dims[1];
    c->inner = c->outer * c->len > 0 ? dl_shape_numel(&in[0]) / (c->outer * c->len) : 0;
    c->p0 = (float)dl_attrs_float(a, "epsilon", 1e-5);
    return true;
  case DL_OP_RESIZE: return lower_resize(c, a, &in[0], out, e);
  case DL_OP_NLL_LOSS: {
    const char *red = dl_attrs_str(a, "reduction", "mean");
    c->kind = DL_CALL_NLL_LOSS;
    c->M = in[0].dims[0], c->N = in[0].dims[1];
    c->K = c->M * c->N != 0 ? dl_shape_numel(&in[0]) / (c->M * c->N) : 0;
    c->sub = !strcmp(red, "none") ? 0 : !strcmp(red, "sum") ? 1 : 2;
    c->offset = dl_attrs_int(a, "ignore_index", INT64_MIN);
    return true;
  }
  default: break;
  }
  int op = binary_op(k, a);
  if (op >= 0 && op < DLRT_RELU && nin == 2) {
    return lower_binary(c, DL_CALL_BINARY, op, in, out);
  }
  op = unary_op(k, a, &c->p0, &c->p1);
  if (op >= 0 && op < DLRT_MOD) {
    c->kind = DL_CALL_UNARY;
    c->sub = op;
    c->len = dl_shape_numel(out);
    return true;
  }
  return lower_generic(k, a, nin, in, out, c, e);
}

void dl_call_free(DlCall *c) {
  free(c->aoff);
  free(c->boff);
  free(c->tab);
  free(c->wtab);
  c->aoff = c->boff = c->tab = NULL;
  c->wtab = NULL;
}

bool dl_call_has_status(const DlCall *c) {
  switch (c->kind) {
#define DL_CALL(kind, fn, status, args) case DL_CALL_##kind: return status;
#include "dlc/calls.def"
#undef DL_CALL
  case DL_CALL_NONE: case DL_CALL_ALIAS: case DL_CALL_CONCAT: return false;
  }
  return false;
}

const char *dl_call_fn(const DlCall *c) {
  switch (c->kind) {
#define DL_CALL(kind, fn, status, args) case DL_CALL_##kind: return #fn;
#include "dlc/calls.def"
#undef DL_CALL
  case DL_CALL_CONCAT: return "dlrt_concat";
  case DL_CALL_NONE: case DL_CALL_ALIAS: return NULL;
  }
  return NULL;
}

/* Each row of calls.def as the call it makes: a kernel returning a status
 * fails the run on nonzero (bad index data). */
#define A_IN(k) (nin > (k) ? in[k] : NULL)
#define A_OUT out
#define A_SCRATCH scratch
#define A_WIN(f) &c->f
#define A_ACT(f) c->f
#define A_INT(f) c->f
#define A_I64(f) c->f
#define A_EXPR(e) (e)
#define A_FLOAT(f) c->f
#define A_DOUBLE(f) c->f
#define A_ARR(name, f, n) c->f
#define A_FARR(name, f, n) c->f
#define RUN_0(fn, args) fn args; return true;
#define RUN_1(fn, args) return !fn args;

bool dl_call_run(const DlCall *c, const void *const *in, int nin, void *out, float *scratch) {
  switch (c->kind) {
#define DL_CALL(kind, fn, status, args) case DL_CALL_##kind: RUN_##status(fn, args)
#include "dlc/calls.def"
#undef DL_CALL
  case DL_CALL_NONE: case DL_CALL_ALIAS: case DL_CALL_CONCAT: break; /* the plan runs these itself */
  }
  return true;
}
