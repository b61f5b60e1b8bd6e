/* ONNX's recurrent layers (LSTM, GRU, RNN), unrolled over their (static)
 * sequence into qg ops: per step a gemm for the input and one for the
 * recurrence, the gates as slices of their sums, the activations and the state
 * update. Forward, reverse or bidirectional; layout 0 or 1; cell clip; the
 * activations Sigmoid, Tanh and Relu in any slot (no alpha/beta); LSTM with or
 * without peepholes (no coupled input-forget gate); GRU with either
 * linear_before_reset. One driver (unroll) walks directions and steps and
 * assembles the outputs; each cell is one step function. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

/* x @ w^T (+ c) */
static Entry *gemm_t(Node *nd, Entry *x, Entry *w, Entry *c) {
  if (!x || !w) return NULL;
  DlAttrs a;
  dl_attrs_set_int(fresh(&a), "transB", 1);
  Entry *ops[3] = {x, w, c};
  return emit_op_tmp(nd, DL_OP_GEMM, c ? 3 : 2, ops, &a, NULL);
}

/* Whether e is a constant of zeros (an initial state left out, or bound to
 * zeros): products with it are zero and sums with it are the other term. */
static bool zero_const(const Entry *e) {
  if (!e || !e->is_const || !e->konst.data || e->konst.shape.dtype != DL_F32) return false;
  const float *v = e->konst.data;
  for (int64_t i = 0; i < dl_shape_numel(&e->konst.shape); i++)
    if (v[i] != 0) return false;
  return true;
}

/* The recurrence term added to the input term gx: gx + h @ r^T, as an add of
 * two gemms (each an integer layer once quantized; a gemm with a tensor bias
 * would stay float), or gx itself when the state is zero. */
static Entry *recur(Node *nd, Entry *h, Entry *r, Entry *gx) {
  if (!gx || zero_const(h)) return gx;
  return imp_binary(nd, DL_OP_ADD, gx, gemm_t(nd, h, r, NULL));
}

static bool wanted(Node *nd, int i) {
  return i < (int)nd->n->n_output && nd->n->output[i] && nd->n->output[i][0];
}

/* What differs between the three layers. */
typedef struct {
  int gates;            /* rows of W and R per hidden unit: 4, 3, 1 */
  int nact;             /* activations per direction */
  const char *dflt[3];  /* their defaults */
  int h_input, c_input; /* initial_h, initial_c (-1: none) */
  int nstate;           /* outputs after Y: Y_h (and Y_c) */
} CellKind;

static const CellKind LSTM_CELL = {4, 3, {"Sigmoid", "Tanh", "Tanh"}, 5, 6, 2};
static const CellKind GRU_CELL = {3, 2, {"Sigmoid", "Tanh"}, 5, -1, 1};
static const CellKind RNN_CELL = {1, 1, {"Tanh"}, 5, -1, 1};

typedef struct {
  const CellKind *kind;
  int dirs;
  bool reverse;
  int64_t H, layout, batch, I;
  bool linear_before_reset; /* GRU */
  double clip;              /* > 0: gate inputs clipped to [-clip, clip] */
  DlOpKind act[2][3];       /* per direction and slot */
} Rnn;

static bool parse_activation(Node *nd, const char *name, size_t len, DlOpKind *k) {
  static const struct {
    const char *name;
    DlOpKind k;
  } known[] = {{"Sigmoid", DL_OP_SIGMOID}, {"Tanh", DL_OP_TANH}, {"Relu", DL_OP_RELU}};
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (len == strlen(known[i].name) && !memcmp(name, known[i].name, len))
      return *k = known[i].k, true;
  return node_fail(nd, "activation '%.*s' is not supported (Sigmoid, Tanh and Relu are)", (int)len,
                   name);
}

static bool check_attrs(Node *nd, Rnn *r) {
  char dir[32];
  int64_t input_forget = 0, lbr = 0;
  if (!attr_str(nd, "direction", "forward", dir, sizeof dir) ||
      !attr_int(nd, "hidden_size", 0, &r->H) || !attr_int(nd, "layout", 0, &r->layout) ||
      !attr_float(nd, "clip", 0, &r->clip))
    return false;
  if (r->kind == &LSTM_CELL && !attr_int(nd, "input_forget", 0, &input_forget)) return false;
  if (r->kind == &GRU_CELL && !attr_int(nd, "linear_before_reset", 0, &lbr)) return false;
  r->linear_before_reset = lbr != 0;
  r->dirs = !strcmp(dir, "bidirectional") ? 2 : 1;
  r->reverse = !strcmp(dir, "reverse");
  if (r->dirs == 1 && !r->reverse && strcmp(dir, "forward"))
    return node_fail(nd, "unknown direction '%s'", dir);
  if (r->H < 1) return node_fail(nd, "needs attribute 'hidden_size' >= 1");
  if (input_forget) return node_fail(nd, "input_forget=1 is not supported");
  if (r->layout != 0 && r->layout != 1) return node_fail(nd, "layout must be 0 or 1");
  if (attr_find(nd, "clip") && !(r->clip > 0))
    return node_fail(nd, "attribute 'clip' must be positive, found %g", r->clip);
  Onnx__AttributeProto *act = attr_find(nd, "activations");
  int n = r->kind->nact;
  if (act && act->n_strings != (size_t)(n * r->dirs))
    return node_fail(nd, "needs %d activations (%d per direction), found %zu", n * r->dirs, n,
                     act->n_strings);
  for (int d = 0; d < r->dirs; d++)
    for (int i = 0; i < n; i++) {
      const char *nm = act ? (const char *)act->strings[d * n + i].data : r->kind->dflt[i];
      size_t len = act ? act->strings[d * n + i].len : strlen(nm);
      if (!parse_activation(nd, nm, len, &r->act[d][i])) return false;
    }
  if (attr_find(nd, "activation_alpha") || attr_find(nd, "activation_beta"))
    return node_fail(nd, "activation_alpha/activation_beta are not supported");
  return true;
}

/* Initial state of direction d, [batch, H]: the input's ([dirs, batch, H], or
 * [batch, dirs, H] with layout 1), or zeros. */
static Entry *initial(Node *nd, const Rnn *r, int i, int d) {
  if (i >= 0 && i < nd->nin && nd->in[i]) {
    const DlShape *s = &nd->in[i]->shape;
    int64_t want[3] = {r->dirs, r->batch, r->H};
    if (r->layout) want[0] = r->batch, want[1] = r->dirs;
    if (s->rank != 3 || memcmp(s->dims, want, sizeof want))
      return node_fail(nd, "initial state (input %d) must be [%lld, %lld, %lld]", i,
                       (long long)want[0], (long long)want[1], (long long)want[2]),
             NULL;
    return imp_take(nd, nd->in[i], (int)r->layout, d);
  }
  DlShape s = {nd->in[0]->shape.dtype, 2, {r->batch, r->H}};
  DlTensor z = {0};
  if (!dl_tensor_alloc(&z, &s)) return node_fail(nd, "out of memory"), NULL;
  memset(z.data, 0, dl_tensor_bytes(&z));
  return make_const_entry(nd->im, &z);
}

static Entry *scalar(Node *nd, double v) {
  return scalar_const(nd, nd->in[0]->shape.dtype, v);
}

/* f(x), with x clipped to [-clip, clip] first when the layer says so */
static Entry *act(Node *nd, const Rnn *r, DlOpKind f, Entry *x) {
  if (r->clip > 0)
    x = imp_binary(nd, DL_OP_MIN, imp_binary(nd, DL_OP_MAX, x, scalar(nd, -r->clip)),
                   scalar(nd, r->clip));
  return imp_unary(nd, f, x);
}

/* Weights of direction d: w [G*H, I], r [G*H, H], the two biases [G*H] each
 * (NULL without B), LSTM's peepholes [3H] (NULL without P). */
typedef struct {
  Entry *w, *r, *wb, *rb, *p;
  Entry *r_zr, *r_h, *rb_zr, *rb_h; /* GRU: R and its bias split into z, r and h rows */
  const DlOpKind *f;                /* the direction's activations */
} Dir;

static bool direction(Node *nd, const Rnn *r, int d, Dir *o) {
  int64_t G = r->kind->gates, H = r->H;
  Entry *W = nd->in[1], *R = nd->in[2], *B = nd->nin > 3 ? nd->in[3] : NULL;
  o->w = imp_take(nd, W, 0, d);
  o->r = imp_take(nd, R, 0, d);
  o->wb = o->rb = o->p = o->rb_zr = o->rb_h = NULL;
  o->f = r->act[d];
  if (B) {
    Entry *bd = imp_take(nd, B, 0, d);
    o->wb = imp_slice(nd, bd, 0, 0, G * H), o->rb = imp_slice(nd, bd, 0, G * H, 2 * G * H);
    if (!o->wb || !o->rb) return false;
  }
  if (r->kind == &GRU_CELL) {
    o->r_zr = imp_slice(nd, o->r, 0, 0, 2 * H), o->r_h = imp_slice(nd, o->r, 0, 2 * H, 3 * H);
    if (B)
      o->rb_zr = imp_slice(nd, o->rb, 0, 0, 2 * H), o->rb_h = imp_slice(nd, o->rb, 0, 2 * H, 3 * H);
    if (!o->r_zr || !o->r_h || (B && (!o->rb_zr || !o->rb_h))) return false;
  }
  if (r->kind == &LSTM_CELL && nd->nin > 7 && nd->in[7] && !(o->p = imp_take(nd, nd->in[7], 0, d)))
    return false;
  return o->w && o->r;
}

/* LSTM: gates i, o, f, c; c' = f*c + i*g(c~); h' = o*h(c'). Peepholes: the
 * input and forget gates see the previous cell, the output gate the new one. */
static bool lstm_step(Node *nd, const Rnn *r, const Dir *w, Entry *xt, Entry **h, Entry **c) {
  int64_t H = r->H;
  /* the two biases are added once, as their sum */
  Entry *bias = w->wb ? imp_binary(nd, DL_OP_ADD, w->wb, w->rb) : NULL;
  Entry *g = recur(nd, *h, w->r, gemm_t(nd, xt, w->w, bias)); /* [batch, 4H] */
  Entry *gi = imp_slice(nd, g, 1, 0, H), *go = imp_slice(nd, g, 1, H, 2 * H),
        *gf = imp_slice(nd, g, 1, 2 * H, 3 * H);
  if (w->p) {
    gi = imp_binary(nd, DL_OP_ADD, gi, imp_binary(nd, DL_OP_MUL, imp_slice(nd, w->p, 0, 0, H), *c));
    gf = imp_binary(nd, DL_OP_ADD, gf,
                    imp_binary(nd, DL_OP_MUL, imp_slice(nd, w->p, 0, 2 * H, 3 * H), *c));
  }
  gi = act(nd, r, w->f[0], gi), gf = act(nd, r, w->f[0], gf);
  Entry *gc = act(nd, r, w->f[1], imp_slice(nd, g, 1, 3 * H, 4 * H));
  Entry *ig = imp_binary(nd, DL_OP_MUL, gi, gc);
  *c = zero_const(*c) ? ig : imp_binary(nd, DL_OP_ADD, imp_binary(nd, DL_OP_MUL, gf, *c), ig);
  if (w->p)
    go = imp_binary(nd, DL_OP_ADD, go,
                    imp_binary(nd, DL_OP_MUL, imp_slice(nd, w->p, 0, H, 2 * H), *c));
  *h = imp_binary(nd, DL_OP_MUL, act(nd, r, w->f[0], go), imp_unary(nd, w->f[2], *c));
  return *h && *c;
}

/* GRU: gates z, r, h; h' = (1 - z) * h~ + z * h, where h~ = g(x Wh + (r*h) Rh + Rbh + Wbh),
 * or g(x Wh + r * (h Rh + Rbh) + Wbh) with linear_before_reset. */
static bool gru_step(Node *nd, const Rnn *r, const Dir *w, Entry *xt, Entry **h) {
  int64_t H = r->H;
  Entry *gx = gemm_t(nd, xt, w->w, w->wb);         /* [batch, 3H] */
  Entry *ghzr = gemm_t(nd, *h, w->r_zr, w->rb_zr); /* [batch, 2H] */
  Entry *zr = imp_binary(nd, DL_OP_ADD, imp_slice(nd, gx, 1, 0, 2 * H), ghzr);
  Entry *z = act(nd, r, w->f[0], imp_slice(nd, zr, 1, 0, H));
  Entry *rg = act(nd, r, w->f[0], imp_slice(nd, zr, 1, H, 2 * H));
  Entry *hin = r->linear_before_reset
                   ? imp_binary(nd, DL_OP_MUL, rg, gemm_t(nd, *h, w->r_h, w->rb_h))
                   : gemm_t(nd, imp_binary(nd, DL_OP_MUL, rg, *h), w->r_h, w->rb_h);
  Entry *hc =
      act(nd, r, w->f[1], imp_binary(nd, DL_OP_ADD, imp_slice(nd, gx, 1, 2 * H, 3 * H), hin));
  Entry *keep = imp_binary(nd, DL_OP_SUB, scalar(nd, 1), z);
  *h = imp_binary(nd, DL_OP_ADD, imp_binary(nd, DL_OP_MUL, keep, hc),
                  imp_binary(nd, DL_OP_MUL, z, *h));
  return *h != NULL;
}

/* RNN: h' = f(x Wi + h Ri + Wbi + Rbi) */
static bool rnn_step(Node *nd, const Rnn *r, const Dir *w, Entry *xt, Entry **h) {
  Entry *bias = w->wb ? imp_binary(nd, DL_OP_ADD, w->wb, w->rb) : NULL;
  *h = act(nd, r, w->f[0], recur(nd, *h, w->r, gemm_t(nd, xt, w->w, bias)));
  return *h != NULL;
}

static bool unroll(Node *nd, const CellKind *kind) {
  Rnn r = {.kind = kind};
  int max_in = kind == &LSTM_CELL ? 8 : 6;
  if (!need_inputs(nd, 3, max_in) || !check_attrs(nd, &r)) return false;
  Entry *X = nd->in[0], *W = nd->in[1], *R = nd->in[2], *B = nd->nin > 3 ? nd->in[3] : NULL;
  Entry *P = kind == &LSTM_CELL && nd->nin > 7 ? nd->in[7] : NULL;
  if (X->shape.rank != 3 || !dl_dtype_is_float(X->shape.dtype))
    return node_fail(nd, "X must be float of rank 3");
  int64_t perm3[3] = {1, 0, 2};
  if (r.layout && !(X = imp_transpose(nd, X, 3, perm3, -1))) return false;
  int64_t seq = X->shape.dims[0], H = r.H, G = kind->gates;
  r.batch = X->shape.dims[1], r.I = X->shape.dims[2];
  const DlShape *ws = &W->shape, *rs = &R->shape;
  if (ws->rank != 3 || ws->dims[0] != r.dirs || ws->dims[1] != G * H || ws->dims[2] != r.I ||
      rs->rank != 3 || rs->dims[0] != r.dirs || rs->dims[1] != G * H || rs->dims[2] != H)
    return node_fail(nd, "W must be [%d, %lld, %lld] and R [%d, %lld, %lld]", r.dirs,
                     (long long)(G * H), (long long)r.I, r.dirs, (long long)(G * H), (long long)H);
  if (B && (B->shape.rank != 2 || B->shape.dims[0] != r.dirs || B->shape.dims[1] != 2 * G * H))
    return node_fail(nd, "B must be [%d, %lld]", r.dirs, (long long)(2 * G * H));
  if (P && (P->shape.rank != 2 || P->shape.dims[0] != r.dirs || P->shape.dims[1] != 3 * H))
    return node_fail(nd, "P must be [%d, %lld]", r.dirs, (long long)(3 * H));
  if (!imp_full_lengths(nd, 4, seq)) return false;
  if (seq * r.dirs > 4096)
    return node_fail(nd, "sequence of %lld steps is too long to unroll", (long long)seq);
  Entry **ys = calloc((size_t)(seq * r.dirs), sizeof *ys), *hl[2] = {NULL}, *cl[2] = {NULL};
  if (!ys) return node_fail(nd, "out of memory");
  bool ok = true;
  int64_t one_bh[4] = {1, 1, r.batch, H};
  for (int d = 0; d < r.dirs && ok; d++) {
    Dir w = {0};
    Entry *h = initial(nd, &r, kind->h_input, d);
    Entry *c = kind->c_input >= 0 ? initial(nd, &r, kind->c_input, d) : NULL;
    ok = direction(nd, &r, d, &w) && h && (c || kind->c_input < 0);
    bool back = r.reverse || d == 1;
    for (int64_t s = 0; s < seq && ok; s++) {
      int64_t t = back ? seq - 1 - s : s;
      Entry *xt = imp_take(nd, X, 0, t);
      ok = xt && (kind == &LSTM_CELL  ? lstm_step(nd, &r, &w, xt, &h, &c)
                  : kind == &GRU_CELL ? gru_step(nd, &r, &w, xt, &h)
                                      : rnn_step(nd, &r, &w, xt, &h));
      ys[t * r.dirs + d] = h;
    }
    hl[d] = h, cl[d] = c;
  }
  if (ok && wanted(nd, 0)) { /* Y: [seq, dirs, batch, H] */
    for (int64_t i = 0; i < seq * r.dirs && ok; i++)
      ok = (ys[i] = imp_reshape(nd, ys[i], 4, one_bh, -1)) != NULL;
    int64_t yd[4] = {seq, r.dirs, r.batch, H}, perm4[4] = {2, 0, 1, 3};
    Entry *y = ok ? imp_concat(nd, 0, ys, (int)(seq * r.dirs), -1) : NULL;
    y = imp_reshape(nd, y, 4, yd, r.layout ? -1 : 0);
    ok = y && (!r.layout || imp_transpose(nd, y, 4, perm4, 0));
  }
  for (int o = 1; o <= kind->nstate && ok; o++) { /* Y_h, Y_c: [dirs, batch, H] */
    if (!wanted(nd, o)) continue;
    Entry *v[2], **last = o == 1 ? hl : cl, *y;
    int64_t bh[3] = {1, r.batch, H};
    for (int d = 0; d < r.dirs && ok; d++)
      ok = (v[d] = imp_reshape(nd, last[d], 3, bh, -1)) != NULL;
    y = !ok ? NULL : r.layout ? imp_concat(nd, 0, v, r.dirs, -1) : imp_concat(nd, 0, v, r.dirs, o);
    ok = y && (!r.layout || imp_transpose(nd, y, 3, perm3, o));
  }
  free(ys);
  return ok;
}

bool dl_onnx_import_lstm(Node *nd, DlOpKind k) {
  return (void)k, unroll(nd, &LSTM_CELL);
}
bool dl_onnx_import_gru(Node *nd, DlOpKind k) {
  return (void)k, unroll(nd, &GRU_CELL);
}
bool dl_onnx_import_rnn(Node *nd, DlOpKind k) {
  return (void)k, unroll(nd, &RNN_CELL);
}
