/* ONNX LSTM, unrolled over its (static) sequence into qg ops: per step one
 * gemm for the input and one for the recurrence, the gates as slices of their
 * sum, sigmoid/tanh and the cell update, with or without peepholes. Default
 * activations, no clip or coupled input-forget gate; forward, reverse or
 * bidirectional. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

/* emit_concat's output index for an unnamed result */
#define UNNAMED INT_MAX

/* Each helper passes a NULL operand through, so a chain stops at the first
 * failure with that failure's message only. */
static Entry *op1(Node *nd, DlOpKind k, Entry *x) {
  DlAttrs a;
  return x ? emit_op_tmp(nd, k, 1, &x, fresh(&a), NULL) : NULL;
}

static Entry *op2(Node *nd, DlOpKind k, Entry *x, Entry *y) {
  DlAttrs a;
  Entry *ops[2] = {x, y};
  return x && y ? emit_op_tmp(nd, k, 2, ops, fresh(&a), NULL) : NULL;
}

static Entry *reshape(Node *nd, Entry *x, int rank, const int64_t *dims, int out) {
  if (!x) return NULL;
  DlShape s = {x->shape.dtype, rank, {0}};
  memcpy(s.dims, dims, sizeof(int64_t) * (size_t)rank);
  DlAttrs a;
  return out < 0 ? emit_op_tmp(nd, DL_OP_RESHAPE, 1, &x, fresh(&a), &s)
                 : emit_op(nd, DL_OP_RESHAPE, 1, &x, fresh(&a), &s, out);
}

static Entry *slice(Node *nd, Entry *x, int64_t axis, int64_t b, int64_t e) {
  if (!x || (b == 0 && e == x->shape.dims[axis])) return x;
  DlAttrs a;
  int64_t one = 1;
  fresh(&a);
  dl_attrs_set_ints(&a, "starts", &b, 1);
  dl_attrs_set_ints(&a, "ends", &e, 1);
  dl_attrs_set_ints(&a, "axes", &axis, 1);
  dl_attrs_set_ints(&a, "steps", &one, 1);
  return emit_op_tmp(nd, DL_OP_SLICE, 1, &x, &a, NULL);
}

/* x @ w^T (+ c) */
static Entry *gemm_t(Node *nd, Entry *x, Entry *w, Entry *c) {
  if (!x || !w) return NULL;
  DlAttrs a;
  dl_attrs_set_int(fresh(&a), "transB", 1);
  Entry *ops[3] = {x, w, c};
  return emit_op_tmp(nd, DL_OP_GEMM, c ? 3 : 2, ops, &a, NULL);
}

static Entry *transpose(Node *nd, Entry *x, int rank, const int64_t *perm, int out) {
  if (!x) return NULL;
  DlAttrs a;
  dl_attrs_set_ints(fresh(&a), "perm", perm, rank);
  return out < 0 ? emit_op_tmp(nd, DL_OP_TRANSPOSE, 1, &x, &a, NULL)
                 : emit_op(nd, DL_OP_TRANSPOSE, 1, &x, &a, NULL, out);
}

/* Concatenation along axis 0 of any number of pieces (emit_concat takes 32). */
static Entry *concat0(Node *nd, Entry **v, int n, int out) {
  while (n > 32) {
    int m = 0;
    for (int i = 0; i < n; i += 32) {
      int k = n - i < 32 ? n - i : 32;
      if (!(v[m++] = k == 1 ? v[i] : emit_concat(nd, 0, k, v + i, UNNAMED))) return NULL;
    }
    n = m;
  }
  return emit_concat(nd, 0, n, v, out);
}

static bool wanted(Node *nd, int i) {
  return i < (int)nd->n->n_output && nd->n->output[i] && nd->n->output[i][0];
}

static bool check_attrs(Node *nd, int *dirs, bool *reverse, int64_t *hidden, int64_t *layout) {
  char dir[32];
  int64_t input_forget;
  if (!attr_str(nd, "direction", "forward", dir, sizeof dir) ||
      !attr_int(nd, "hidden_size", 0, hidden) || !attr_int(nd, "layout", 0, layout) ||
      !attr_int(nd, "input_forget", 0, &input_forget))
    return false;
  *dirs = !strcmp(dir, "bidirectional") ? 2 : 1;
  *reverse = !strcmp(dir, "reverse");
  if (*dirs == 1 && !*reverse && strcmp(dir, "forward"))
    return node_fail(nd, "unknown direction '%s'", dir);
  if (*hidden < 1) return node_fail(nd, "needs attribute 'hidden_size' >= 1");
  if (input_forget) return node_fail(nd, "input_forget=1 is not supported");
  if (*layout != 0 && *layout != 1) return node_fail(nd, "layout must be 0 or 1");
  if (attr_find(nd, "clip")) return node_fail(nd, "attribute 'clip' is not supported");
  Onnx__AttributeProto *act = attr_find(nd, "activations");
  static const char *dflt[3] = {"Sigmoid", "Tanh", "Tanh"};
  for (size_t i = 0; act && i < act->n_strings; i++)
    if (act->strings[i].len != strlen(dflt[i % 3]) ||
        memcmp(act->strings[i].data, dflt[i % 3], act->strings[i].len))
      return node_fail(nd, "only the default activations (Sigmoid, Tanh, Tanh) are supported");
  if (attr_find(nd, "activation_alpha") || attr_find(nd, "activation_beta"))
    return node_fail(nd, "activation_alpha/activation_beta are not supported");
  return true;
}

/* Initial state of direction d, [batch, H]: the input's ([dirs, batch, H], or
 * [batch, dirs, H] with layout 1), or zeros. */
static Entry *initial(Node *nd, int i, int d, int64_t batch, int64_t hidden, int64_t layout) {
  int64_t bh[2] = {batch, hidden};
  if (i < nd->nin && nd->in[i])
    return reshape(nd, slice(nd, nd->in[i], layout, d, d + 1), 2, bh, -1);
  DlShape s = {nd->in[0]->shape.dtype, 2, {batch, hidden}};
  DlTensor z = {0};
  if (!dl_tensor_alloc(&z, &s)) return node_fail(nd, "out of memory"), NULL;
  memset(z.data, 0, dl_tensor_bytes(&z));
  return make_const_entry(nd->im, &z);
}

bool dl_onnx_import_lstm(Node *nd, DlOpKind k) {
  (void)k;
  if (!need_inputs(nd, 3, 8)) return false;
  int dirs;
  bool reverse;
  int64_t H, layout;
  if (!check_attrs(nd, &dirs, &reverse, &H, &layout)) return false;
  Entry *X = nd->in[0], *W = nd->in[1], *R = nd->in[2], *B = nd->nin > 3 ? nd->in[3] : NULL;
  Entry *P = nd->nin > 7 ? nd->in[7] : NULL;
  if (X->shape.rank != 3 || !dl_dtype_is_float(X->shape.dtype))
    return node_fail(nd, "X must be float of rank 3");
  int64_t perm3[3] = {1, 0, 2};
  if (layout && !(X = transpose(nd, X, 3, perm3, -1))) return false;
  int64_t seq = X->shape.dims[0], batch = X->shape.dims[1], I = X->shape.dims[2];
  const DlShape *ws = &W->shape, *rs = &R->shape;
  if (ws->rank != 3 || ws->dims[0] != dirs || ws->dims[1] != 4 * H || ws->dims[2] != I ||
      rs->rank != 3 || rs->dims[0] != dirs || rs->dims[1] != 4 * H || rs->dims[2] != H)
    return node_fail(nd, "W must be [%d, %lld, %lld] and R [%d, %lld, %lld]", dirs,
                     (long long)(4 * H), (long long)I, dirs, (long long)(4 * H), (long long)H);
  if (B && (B->shape.rank != 2 || B->shape.dims[0] != dirs || B->shape.dims[1] != 8 * H))
    return node_fail(nd, "B must be [%d, %lld]", dirs, (long long)(8 * H));
  if (P && (P->shape.rank != 2 || P->shape.dims[0] != dirs || P->shape.dims[1] != 3 * H))
    return node_fail(nd, "P must be [%d, %lld]", dirs, (long long)(3 * H));
  if (nd->nin > 4 && nd->in[4]) { /* sequence_lens: only the full length */
    const DlTensor *sl = input_const(nd, 4, "sequence_lens");
    if (!sl) return false;
    for (int64_t i = 0; i < dl_shape_numel(&sl->shape); i++)
      if (dl_tensor_get_i(sl, i) != seq)
        return node_fail(nd, "sequence_lens must all equal the sequence length %lld",
                         (long long)seq);
  }
  if (seq * dirs > 4096)
    return node_fail(nd, "sequence of %lld steps is too long to unroll", (long long)seq);
  Entry **ys = calloc((size_t)(seq * dirs), sizeof *ys), *hl[2] = {NULL}, *cl[2] = {NULL};
  if (!ys) return node_fail(nd, "out of memory");
  bool ok = true;
  int64_t four_h_i[2] = {4 * H, I}, four_h_h[2] = {4 * H, H}, eight_h = 8 * H, bi[2] = {batch, I};
  int64_t one_bh[4] = {1, 1, batch, H};
  for (int d = 0; d < dirs && ok; d++) {
    Entry *w = reshape(nd, slice(nd, W, 0, d, d + 1), 2, four_h_i, -1);
    Entry *r = reshape(nd, slice(nd, R, 0, d, d + 1), 2, four_h_h, -1), *bias = NULL;
    if (B) {
      Entry *bd = reshape(nd, slice(nd, B, 0, d, d + 1), 1, &eight_h, -1);
      bias = op2(nd, DL_OP_ADD, slice(nd, bd, 0, 0, 4 * H), slice(nd, bd, 0, 4 * H, 8 * H));
    }
    Entry *h = initial(nd, 5, d, batch, H, layout), *c = initial(nd, 6, d, batch, H, layout);
    Entry *pi = NULL, *po = NULL, *pf = NULL; /* peepholes: [H] each */
    if (P) {
      int64_t three_h = 3 * H;
      Entry *pd = reshape(nd, slice(nd, P, 0, d, d + 1), 1, &three_h, -1);
      pi = slice(nd, pd, 0, 0, H), po = slice(nd, pd, 0, H, 2 * H),
      pf = slice(nd, pd, 0, 2 * H, 3 * H);
    }
    bool back = reverse || d == 1;
    for (int64_t s = 0; s < seq && (ok = w && r && (bias || !B) && h && c); s++) {
      int64_t t = back ? seq - 1 - s : s;
      Entry *xt = reshape(nd, slice(nd, X, 0, t, t + 1), 2, bi, -1);
      Entry *g = gemm_t(nd, h, r, gemm_t(nd, xt, w, bias)); /* [batch, 4H]: gates i, o, f, c */
      Entry *gi = slice(nd, g, 1, 0, H), *go = slice(nd, g, 1, H, 2 * H),
            *gf = slice(nd, g, 1, 2 * H, 3 * H);
      if (P) { /* input and forget gates see the previous cell, the output gate the new one */
        gi = op2(nd, DL_OP_ADD, gi, op2(nd, DL_OP_MUL, pi, c));
        gf = op2(nd, DL_OP_ADD, gf, op2(nd, DL_OP_MUL, pf, c));
      }
      gi = op1(nd, DL_OP_SIGMOID, gi), gf = op1(nd, DL_OP_SIGMOID, gf);
      Entry *gc = op1(nd, DL_OP_TANH, slice(nd, g, 1, 3 * H, 4 * H));
      c = op2(nd, DL_OP_ADD, op2(nd, DL_OP_MUL, gf, c), op2(nd, DL_OP_MUL, gi, gc));
      if (P) go = op2(nd, DL_OP_ADD, go, op2(nd, DL_OP_MUL, po, c));
      h = op2(nd, DL_OP_MUL, op1(nd, DL_OP_SIGMOID, go), op1(nd, DL_OP_TANH, c));
      ys[t * dirs + d] = h;
    }
    ok = ok && h && c;
    hl[d] = h, cl[d] = c;
  }
  if (ok && wanted(nd, 0)) { /* Y: [seq, dirs, batch, H] */
    for (int64_t i = 0; i < seq * dirs && ok; i++)
      ok = (ys[i] = reshape(nd, ys[i], 4, one_bh, -1)) != NULL;
    int64_t yd[4] = {seq, dirs, batch, H}, perm4[4] = {2, 0, 1, 3};
    Entry *y = ok ? concat0(nd, ys, (int)(seq * dirs), UNNAMED) : NULL;
    y = reshape(nd, y, 4, yd, layout ? -1 : 0);
    ok = y && (!layout || transpose(nd, y, 4, perm4, 0));
  }
  for (int o = 1; o < 3 && ok; o++) { /* Y_h, Y_c: [dirs, batch, H] */
    if (!wanted(nd, o)) continue;
    Entry *v[2], **last = o == 1 ? hl : cl, *y;
    int64_t bh[3] = {1, batch, H};
    for (int d = 0; d < dirs && ok; d++) ok = (v[d] = reshape(nd, last[d], 3, bh, -1)) != NULL;
    y = !ok ? NULL : layout ? concat0(nd, v, dirs, UNNAMED) : concat0(nd, v, dirs, o);
    ok = y && (!layout || transpose(nd, y, 3, perm3, o));
  }
  free(ys);
  return ok;
}
