#include "dlc/lower.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    *p0 = (float)dl_attrs_float(a, "min", -INFINITY), *p1 = (float)dl_attrs_float(a, "max", INFINITY);
    return DLRT_CLIP;
  case DL_OP_SIGMOID: return DLRT_SIGMOID;
  case DL_OP_HARD_SIGMOID:
    *p0 = (float)dl_attrs_float(a, "alpha", 0.2), *p1 = (float)dl_attrs_float(a, "beta", 0.5);
    return DLRT_HARD_SIGMOID;
  case DL_OP_HARD_SWISH: return DLRT_HARD_SWISH;
  case DL_OP_TANH: return DLRT_TANH;
  case DL_OP_ERF: return DLRT_ERF;
  case DL_OP_GELU: return strcmp(dl_attrs_str(a, "approximate", "none"), "tanh") ? DLRT_GELU : DLRT_GELU_TANH;
  case DL_OP_ELU: *p0 = (float)dl_attrs_float(a, "alpha", 1); return DLRT_ELU;
  case DL_OP_SELU:
    *p0 = (float)dl_attrs_float(a, "alpha", 1.6732632), *p1 = (float)dl_attrs_float(a, "gamma", 1.0507010);
    return DLRT_SELU;
  case DL_OP_CELU: *p0 = (float)dl_attrs_float(a, "alpha", 1); return DLRT_CELU;
  case DL_OP_SOFTPLUS: return DLRT_SOFTPLUS;
  case DL_OP_SOFTSIGN: return DLRT_SOFTSIGN;
  case DL_OP_THRESHOLDED_RELU: *p0 = (float)dl_attrs_float(a, "alpha", 1); return DLRT_THRESHOLDED_RELU;
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
  default: return -1;
  }
}

static int binary_op(DlOpKind k) {
  switch (k) {
  case DL_OP_ADD: return DLRT_ADD;
  case DL_OP_SUB: return DLRT_SUB;
  case DL_OP_MUL: return DLRT_MUL;
  case DL_OP_DIV: return DLRT_DIV;
  case DL_OP_POW: return DLRT_POW;
  case DL_OP_MAX: return DLRT_MAX;
  case DL_OP_MIN: return DLRT_MIN;
  case DL_OP_PRELU: return DLRT_PRELU;
  default: return -1;
  }
}

bool dl_call_lower(DlOpKind k, const DlAttrs *a, int nin, const DlShape *in, const DlShape *out,
                   DlCall *c, DlError *e) {
  memset(c, 0, sizeof *c);
  c->kind = DL_CALL_NONE;
  /* dlrt is float32 only */
  if (out->dtype != DL_F32) return k == DL_OP_RESHAPE ? (c->kind = DL_CALL_ALIAS, true) : true;
  for (int i = 0; i < nin; i++)
    if (in[i].dtype != DL_F32 && !(k == DL_OP_GATHER && i == 1)) return true;
  c->act = act_of(a);
  int n;
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
  case DL_OP_MAX_POOL: case DL_OP_AVG_POOL:
    if (in[0].rank > 5) return true;
    c->kind = DL_CALL_POOL;
    fill_win(c, a, &in[0], out, dl_attrs_ints(a, "kernel_shape", &n), in[0].dims[1]);
    c->sub = k == DL_OP_MAX_POOL ? 0 : dl_attrs_int(a, "count_include_pad", 0) ? 2 : 1;
    return true;
  case DL_OP_GLOBAL_AVG_POOL: case DL_OP_GLOBAL_MAX_POOL:
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
  case DL_OP_MATMUL: {
    DlShape x = in[0], y = in[1];
    if (x.rank == 1) x = (DlShape){x.dtype, 2, {1, x.dims[0]}};
    if (y.rank == 1) y = (DlShape){y.dtype, 2, {y.dims[0], 1}};
    c->kind = DL_CALL_MATMUL;
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
  case DL_OP_SOFTMAX: case DL_OP_LOG_SOFTMAX: {
    int64_t axis = dl_attrs_int(a, "axis", -1);
    if (axis < 0) axis += in[0].rank;
    c->kind = DL_CALL_SOFTMAX;
    c->sub = k == DL_OP_LOG_SOFTMAX;
    c->outer = 1, c->inner = 1, c->len = in[0].dims[axis];
    for (int d = 0; d < axis; d++) c->outer *= in[0].dims[d];
    for (int d = (int)axis + 1; d < in[0].rank; d++) c->inner *= in[0].dims[d];
    return true;
  }
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
  case DL_OP_BATCH_NORM: case DL_OP_INSTANCE_NORM:
    c->kind = k == DL_OP_BATCH_NORM ? DL_CALL_BATCH_NORM : DL_CALL_INSTANCE_NORM;
    c->outer = in[0].dims[0], c->len = in[0].dims[1];
    c->inner = c->outer * c->len > 0 ? dl_shape_numel(&in[0]) / (c->outer * c->len) : 0;
    c->p0 = (float)dl_attrs_float(a, "epsilon", 1e-5);
    return true;
  case DL_OP_RESHAPE:
    c->kind = DL_CALL_ALIAS;
    return true;
  case DL_OP_TRANSPOSE: {
    const int64_t *perm = dl_attrs_ints(a, "perm", &n);
    dlrt_i st[DL_MAX_RANK];
    strides(&in[0], st);
    c->kind = DL_CALL_COPY;
    c->r = out->rank;
    for (int d = 0; d < out->rank; d++) c->dims[d] = out->dims[d], c->as[d] = st[perm[d]];
    return true;
  }
  case DL_OP_SLICE: {
    const int64_t *s0 = dl_attrs_ints(a, "starts", &n), *ax = dl_attrs_ints(a, "axes", &n),
                  *sp = dl_attrs_ints(a, "steps", &n);
    dlrt_i st[DL_MAX_RANK];
    strides(&in[0], st);
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
    bcast_strides(&in[0], out, c->as);
    return true;
  case DL_OP_GATHER: {
    /* a constant index would be needed to turn gather into a copy; leave it to the reference */
    return true;
  }
  default: break;
  }
  int op = binary_op(k);
  if (op >= 0 && nin == 2) {
    c->kind = DL_CALL_BINARY;
    c->sub = op;
    c->r = out->rank;
    for (int d = 0; d < out->rank; d++) c->dims[d] = out->dims[d];
    bcast_strides(&in[0], out, c->as);
    bcast_strides(&in[1], out, c->bs);
    return true;
  }
  op = unary_op(k, a, &c->p0, &c->p1);
  if (op >= 0) {
    c->kind = DL_CALL_UNARY;
    c->sub = op;
    c->len = dl_shape_numel(out);
  }
  return true;
}

void dl_call_free(DlCall *c) {
  free(c->aoff);
  free(c->boff);
  c->aoff = c->boff = NULL;
}
