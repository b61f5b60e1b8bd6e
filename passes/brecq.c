/* Block reconstruction, --wround=brecq (Li et al., "BRECQ: Pushing the Limit
 * of Post-Training Quantization by Block Reconstruction", ICLR 2021). The
 * layers of a residual block (the ops from a value to the Add that joins two
 * paths from it, and the ReLU after it: conv-relu-conv, with or without a
 * shortcut conv; a transformer's attention block, layer_norm to the residual
 * Add through q/k/v, softmax and the output projection; its MLP block,
 * layer_norm, gemm, GELU, gemm, Add) learn AdaRound's up-or-down choice
 * (adaround.c, wround.h) together,
 * minimizing the squared error of the block's output against the float
 * model's; layers outside any block keep adaround's layer-wise rounding.
 *
 * Each block sees what the quantized model feeds it (asymmetric
 * reconstruction): its input comes from running the model with the earlier
 * layers already rounded and every activation fake-quantized at the
 * parameters the quantize pass will give it. Inside the block every result
 * the integer model quantizes is fake-quantized too (elementwise chains it
 * turns into one table stay float inside), with the straight-through estimator (the gradient
 * passes where the value lies inside the grid's range). The loss is plain
 * MSE on the block's output (summed over a sample's outputs, averaged over
 * the mini-batch), not BRECQ's Fisher-weighted one: the calibration samples
 * carry no labels. h(V), its initialization, Adam, the regularizer and its
 * beta schedule are adaround.c's; fixed iteration count and mini-batch order,
 * float arithmetic in a fixed order without FMA (the AVX2 clones vectorize
 * over independent outputs only): the same bits run after run, and across
 * CPUs up to libm's exp and pow (glibc picks FMA variants where the CPU has
 * them), as for adaround.
 * Finally the block keeps rounding to nearest if that gives it the smaller
 * error on all the samples. A residual Add whose paths hold an op not
 * followed here leaves its layers to adaround, with a warning naming it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/plan.h"
#include "dlc/quant.h"
#include "pass_util.h"
#include "wround.h"

enum { BATCH = 16, SAMPLES = 512, MAXNODES = 32, CHAIN = 24 };

typedef struct {
  MlirOperation op;
  DlOpKind k;
  int a, b;       /* operands: value indices (0 the block's input, i + 1 node i's result); b -1: none or a constant */
  int layer;      /* conv / gemm / matmul: its index among the module's layers, else -1 */
  DlQParams q;    /* its result's activation parameters */
  bool quant;
  int64_t size;   /* result elements per sample */
  float *c, *c2;  /* add / mul / div: the constant operand, repeated over the result (its trailing dims);
                     layer_norm: gamma and beta (c2 NULL: none) */
  int64_t cn;     /* elements of c */
  int64_t *map;   /* transpose / gather: the operand element of each result element */
  int64_t rows, D; /* softmax: rows of D */
  int64_t bb, bm, bk, bn; /* matmul of two values: bb products of bm x bk by bk x bn */
  double eps;     /* layer_norm over rows of cn */
  /* layers: the geometry of a conv (a gemm is a 1x1 conv over a 1x1 image of K channels); a matmul (mm)
   * multiplies T rows of K by the K x N weights */
  bool mm;
  int64_t T, C, H, W, N, K, G, kh, kw, oh, ow, sy, sx, py, px, dy, dx;
  DlLayerWeights lw;
  double *fl, *V, *m1, *m2;
  unsigned char *fixed;
  float *w, *gw, *bias, *wt; /* N x K weights in use, their gradient; N biases; a matmul's K x N w^T */
} Node;

typedef struct {
  MlirValue x, y; /* input, output */
  int64_t xsize;
  Node n[MAXNODES];
  int nn;
} Block;

/* ---- finding the blocks ---------------------------------------------------- */

static bool is_constant(MlirValue v) { return !mlirAttributeIsNull(dl_value_constant(v)); }

/* v and the values it comes from through each producer's first operand that is not a constant, at most CHAIN. */
static int chain(MlirValue v, MlirValue *out) {
  int n = 0;
  out[n++] = v;
  while (n < CHAIN && !mlirValueIsABlockArgument(v)) {
    MlirOperation op = mlirOpResultGetOwner(v);
    intptr_t k = 0, no = mlirOperationGetNumOperands(op);
    while (k < no && is_constant(mlirOperationGetOperand(op, k))) k++;
    if (k == no) break;
    out[n++] = v = mlirOperationGetOperand(op, k);
  }
  return n;
}

static int find_value(const MlirValue *vs, int n, MlirValue v) {
  for (int i = 0; i < n; i++)
    if (vs[i].ptr == v.ptr) return i;
  return -1;
}

/* The ops from x to v: v's producer and, through every operand not a constant, back to x; false when
 * that reaches a func argument other than x or more than MAXNODES ops. */
static bool collect(MlirValue v, MlirValue x, MlirOperation *ops, int *no) {
  if (v.ptr == x.ptr || is_constant(v)) return true;
  if (mlirValueIsABlockArgument(v)) return false;
  MlirOperation op = mlirOpResultGetOwner(v);
  for (int i = 0; i < *no; i++)
    if (ops[i].ptr == op.ptr) return true;
  if (*no >= MAXNODES) return false;
  ops[(*no)++] = op;
  for (intptr_t k = 0; k < mlirOperationGetNumOperands(op); k++)
    if (!collect(mlirOperationGetOperand(op, k), x, ops, no)) return false;
  return true;
}

/* The single user of v, or null. */
static MlirOperation only_user(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(u))) return (MlirOperation){NULL};
  return mlirOpOperandGetOwner(u);
}

static bool in_block(const Block *b, MlirOperation op) {
  for (int i = 0; i < b->nn; i++)
    if (b->n[i].op.ptr == op.ptr) return true;
  return false;
}

/* The per-sample dims of v: rank 4 [1, C, H, W] or rank 2 [1, K] (as [K, 1, 1]). */
static bool sample_dims(MlirValue v, int64_t *c, int64_t *h, int64_t *w) {
  DlShape s;
  if (!dl_type_to_shape(mlirValueGetType(v), &s) || s.dtype != DL_F32 || s.dims[0] != 1) return false;
  if (s.rank == 4) return *c = s.dims[1], *h = s.dims[2], *w = s.dims[3], true;
  if (s.rank == 2) return *c = s.dims[1], *h = 1, *w = 1, true;
  return false;
}

/* The elements of an f32 value (its shape in *s), or 0: the model runs one sample at a time, so all of
 * them are the sample's (a [1, T, K] matmul input may be a reshaped [T, K]). */
static int64_t sample_size(MlirValue v, DlShape *s) {
  if (!dl_type_to_shape(mlirValueGetType(v), s) || s->dtype != DL_F32 || s->rank < 1) return 0;
  return dl_shape_numel(s);
}

/* Fills node n's geometry from its layer statistics; false for a layer brecq does not handle. */
static bool node_geometry(Node *n, const DlGram *l) {
  int64_t c, h, w;
  DlShape s;
  n->N = l->N, n->K = l->K, n->G = l->G;
  n->kh = n->kw = n->oh = n->ow = n->sy = n->sx = n->dy = n->dx = 1, n->py = n->px = 0;
  if (!l->H) return false;
  if (!l->conv) { /* [..., K] x [K, N] (gemm: T rows) */
    int64_t in = sample_size(mlirOperationGetOperand(n->op, 0), &s);
    n->mm = true, n->T = in / (n->K ? n->K : 1);
    return in && n->G == 1 && s.dims[s.rank - 1] == n->K && n->size == n->T * n->N;
  }
  if (!sample_dims(mlirOperationGetOperand(n->op, 0), &c, &h, &w)) return false;
  n->C = c, n->H = h, n->W = w;
  if (l->conv)
    n->kh = l->kh, n->kw = l->kw, n->oh = l->oh, n->ow = l->ow, n->sy = l->strides[0], n->sx = l->strides[1],
    n->py = l->pads[0], n->px = l->pads[1], n->dy = l->dil[0], n->dx = l->dil[1];
  return n->C % n->G == 0 && n->K == n->C / n->G * n->kh * n->kw;
}

/* *c (malloc'd, *cn elements): the f32 constant v, when it broadcasts over res by repeating (its dims, leading
 * ones dropped, are res's trailing dims) and, with cn_want > 0, has cn_want elements. */
static bool constant_of(MlirValue v, const DlShape *res, int64_t cn_want, float **c, int64_t *cn) {
  DlTensor t;
  if (!dl_value_tensor(v, &t)) return false;
  int lead = 0;
  while (lead < t.shape.rank && t.shape.dims[lead] == 1) lead++;
  bool ok = t.shape.dtype == DL_F32 && t.shape.rank - lead <= res->rank;
  for (int j = lead; ok && j < t.shape.rank; j++) ok = t.shape.dims[j] == res->dims[res->rank - t.shape.rank + j];
  *cn = dl_shape_numel(&t.shape);
  ok = ok && (cn_want <= 0 || *cn == cn_want);
  if (ok) {
    *c = malloc(sizeof(float) * (size_t)*cn);
    memcpy(*c, t.data, sizeof(float) * (size_t)*cn);
  }
  dl_tensor_free(&t);
  return ok;
}

static int64_t int_attr(MlirOperation op, const char *name, int64_t dflt) {
  MlirAttribute a = mlirOperationGetAttributeByName(op, dl_str(name));
  return mlirAttributeIsNull(a) || !mlirAttributeIsAInteger(a) ? dflt : mlirIntegerAttrGetValueInt(a);
}

/* n->map of a transpose (perm) or a gather of one constant index: result element j reads operand element
 * map[j]. False for another form. */
static bool index_map(Node *n, const DlShape *rs) {
  DlShape in;
  MlirValue x = mlirOperationGetOperand(n->op, 0);
  if (!dl_type_to_shape(mlirValueGetType(x), &in) || dl_shape_numel(&in) < n->size) return false;
  int64_t stride[DL_MAX_RANK], idx[DL_MAX_RANK] = {0}, from[DL_MAX_RANK];
  for (int64_t d = in.rank - 1, st = 1; d >= 0; st *= in.dims[d], d--) stride[d] = st;
  if (n->k == DL_OP_GATHER) { /* the result's dims are the operand's without axis: read at index i there */
    DlTensor t;
    int64_t axis = int_attr(n->op, "axis", 0), i = 0;
    if (axis < 0) axis += in.rank;
    if (!dl_value_tensor(mlirOperationGetOperand(n->op, 1), &t)) return false;
    bool ok = t.shape.rank == 0 && (t.shape.dtype == DL_I64 || t.shape.dtype == DL_I32) && axis >= 0 && axis < in.rank &&
              rs->rank == in.rank - 1;
    if (ok) i = t.shape.dtype == DL_I64 ? *(int64_t *)t.data : *(int32_t *)t.data;
    dl_tensor_free(&t);
    if (!ok || (i < 0 && (i += in.dims[axis]) < 0) || i >= in.dims[axis]) return false;
    n->map = malloc(sizeof(int64_t) * (size_t)n->size);
    int64_t inner = stride[axis];
    for (int64_t j = 0; j < n->size; j++) n->map[j] = (j / inner * in.dims[axis] + i) * inner + j % inner;
    return true;
  }
  MlirAttribute p = mlirOperationGetAttributeByName(n->op, dl_str("perm"));
  if (mlirAttributeIsNull(p) || !mlirAttributeIsADenseI64Array(p) || mlirDenseArrayGetNumElements(p) != in.rank ||
      rs->rank != in.rank)
    return false;
  for (int d = 0; d < in.rank; d++) from[d] = stride[mlirDenseI64ArrayGetElement(p, d)];
  n->map = malloc(sizeof(int64_t) * (size_t)n->size);
  for (int64_t j = 0; j < n->size; j++) { /* idx: j's multi-index in the result */
    int64_t at = 0;
    for (int d = 0; d < rs->rank; d++) at += idx[d] * from[d];
    n->map[j] = at;
    for (int d = rs->rank - 1; d >= 0 && ++idx[d] == rs->dims[d]; d--) idx[d] = 0;
  }
  return true;
}

/* A matmul of two block values [..., M, K] x [..., K, N], the same leading dims: its geometry. */
static bool batched(Node *n, const DlShape *rs) {
  DlShape sa, sb;
  if (n->a < 0 || n->b < 0 || !dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(n->op, 0)), &sa) ||
      !dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(n->op, 1)), &sb) || sa.rank < 2 ||
      sa.rank != sb.rank || rs->rank != sa.rank)
    return false;
  for (int d = 0; d + 2 < sa.rank; d++)
    if (sa.dims[d] != sb.dims[d]) return false;
  n->bm = sa.dims[sa.rank - 2], n->bk = sa.dims[sa.rank - 1], n->bn = sb.dims[sb.rank - 1];
  if (n->bm < 1 || n->bn < 1) return false;
  n->bb = n->size / (n->bm * n->bn);
  return sb.dims[sb.rank - 2] == n->bk && n->bb * n->bm * n->bn == n->size;
}

/* An elementwise result the quantized model keeps float: unary or with a constant (or a mul, as in GELU),
 * not read by a layer or a matmul. The quantize pass makes such chains one table (qg.lut) on a quantized
 * input, or runs them in float before a softmax; only the chain's end is quantized. */
static bool float_in_model(const Node *n) {
  bool ew = n->k == DL_OP_ERF || n->k == DL_OP_DIV || n->k == DL_OP_MUL || (n->k == DL_OP_ADD && n->c);
  MlirValue res = mlirOperationGetResult(n->op, 0);
  for (MlirOpOperand u = mlirValueGetFirstUse(res); ew && !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    DlOpKind k = dl_op_kind(mlirOpOperandGetOwner(u));
    ew = k != DL_OP_CONV && k != DL_OP_GEMM && k != DL_OP_MATMUL && k != DL_OP_RESHAPE && k != DL_OP_TRANSPOSE &&
         k != DL_OP_GATHER && k != DL_OP_COUNT;
  }
  return ew;
}

/* Node i of b (its op set): its kind, operands, constants, size, geometry; false for an op or a form
 * brecq does not follow. */
static bool node_form(Block *b, int i, MlirOperation func, MlirOperation *layers, int nl, const DlHessians *h) {
  Node *n = &b->n[i];
  n->k = dl_op_kind(n->op), n->layer = -1, n->a = n->b = -1;
  MlirValue res = mlirOperationGetResult(n->op, 0);
  DlShape rs;
  if (mlirOperationGetNumResults(n->op) != 1 || !(n->size = sample_size(res, &rs))) return false;
  n->quant = dl_quant_act_params(func, res, &n->q);
  intptr_t no = mlirOperationGetNumOperands(n->op);
  int src[3] = {-1, -1, -1}, nv = 0;
  for (intptr_t k = 0; k < no && k < 3; k++) {
    MlirValue v = mlirOperationGetOperand(n->op, k);
    if (v.ptr == b->x.ptr) src[k] = 0;
    for (int j = 0; j < i && src[k] < 0; j++)
      if (mlirOperationGetResult(b->n[j].op, 0).ptr == v.ptr) src[k] = j + 1;
    nv += src[k] >= 0;
  }
  int64_t sa = src[0] < 0 ? 0 : src[0] ? b->n[src[0] - 1].size : b->xsize;
  switch (n->k) {
  case DL_OP_CONV:
  case DL_OP_GEMM:
  case DL_OP_MATMUL:
    if (n->k == DL_OP_MATMUL && nv == 2) return n->a = src[0], n->b = src[1], batched(n, &rs);
    if (src[0] < 0 || nv != 1) return false; /* gemm with transA: no statistics (gram.c) */
    for (int j = 0; j < nl; j++)
      if (layers[j].ptr == n->op.ptr) n->layer = j;
    n->a = src[0];
    return n->layer >= 0 && node_geometry(n, &h->l[n->layer]);
  case DL_OP_RELU:
  case DL_OP_ERF:
  case DL_OP_RESHAPE:
    return n->a = src[0], src[0] >= 0 && sa == n->size;
  case DL_OP_ADD:
  case DL_OP_MUL:
  case DL_OP_DIV:
    if (nv == 2 && n->k != DL_OP_DIV) { /* two values of the result's size */
      int64_t sb = src[1] ? b->n[src[1] - 1].size : b->xsize;
      return n->a = src[0], n->b = src[1], sa == n->size && sb == n->size;
    }
    if (nv != 1 || (n->k == DL_OP_DIV && src[0] < 0)) return false;
    n->a = src[0] >= 0 ? src[0] : src[1];
    sa = n->a ? b->n[n->a - 1].size : b->xsize;
    return sa == n->size && constant_of(mlirOperationGetOperand(n->op, src[0] >= 0), &rs, 0, &n->c, &n->cn);
  case DL_OP_TRANSPOSE:
  case DL_OP_GATHER:
    return n->a = src[0], src[0] >= 0 && nv == 1 && index_map(n, &rs);
  case DL_OP_SOFTMAX: {
    int64_t axis = int_attr(n->op, "axis", -1);
    n->a = src[0], n->D = rs.dims[rs.rank - 1], n->rows = n->size / n->D;
    return src[0] >= 0 && sa == n->size && (axis == -1 || axis == rs.rank - 1);
  }
  case DL_OP_LAYER_NORM: {
    MlirAttribute ax = mlirOperationGetAttributeByName(n->op, dl_str("axis")),
                  ep = mlirOperationGetAttributeByName(n->op, dl_str("epsilon"));
    int64_t axis = mlirAttributeIsNull(ax) ? -1 : mlirIntegerAttrGetValueInt(ax);
    if (src[0] < 0 || nv != 1 || sa != n->size || (axis != -1 && axis != rs.rank - 1)) return false;
    n->a = src[0], n->eps = mlirAttributeIsNull(ep) ? 1e-5 : mlirFloatAttrGetValueDouble(ep);
    int64_t c2n;
    return constant_of(mlirOperationGetOperand(n->op, 1), &rs, rs.dims[rs.rank - 1], &n->c, &n->cn) &&
           (no < 3 || constant_of(mlirOperationGetOperand(n->op, 2), &rs, n->cn, &n->c2, &c2n));
  }
  default:
    return false;
  }
}

static bool node_setup(Block *b, int i, MlirOperation func, MlirOperation *layers, int nl, const DlHessians *h) {
  if (!node_form(b, i, func, layers, nl, h)) return false;
  b->n[i].quant &= !float_in_model(&b->n[i]);
  return true;
}

static void block_free(Block *b) {
  for (int i = 0; i < b->nn; i++) free(b->n[i].c), free(b->n[i].c2), free(b->n[i].map);
}

/* The residual block that ends at add (and the relu after it): true with b filled; false with *bad the
 * first op brecq does not follow (null when add does not join two paths from one value). */
static bool block_at(MlirOperation func, MlirOperation add, MlirOperation *order, int norder, MlirOperation *layers,
                     int nl, const DlHessians *h, Block *b, MlirOperation *bad) {
  *bad = (MlirOperation){NULL};
  memset(b, 0, sizeof *b);
  if (mlirOperationGetNumOperands(add) != 2) return false;
  MlirValue A[CHAIN], B[CHAIN];
  int na = chain(mlirOperationGetOperand(add, 0), A), nb = chain(mlirOperationGetOperand(add, 1), B), ia = -1, ib;
  for (ib = 0; ib < nb && (ia = find_value(A, na, B[ib])) < 0; ib++) {}
  if (ia < 0 || ia + ib == 0) return false;
  b->x = B[ib];
  MlirOperation ops[MAXNODES + 1];
  int no = 0;
  *bad = add;
  if (!collect(mlirOperationGetResult(add, 0), b->x, ops, &no)) return false;
  MlirOperation r = only_user(mlirOperationGetResult(add, 0));
  if (!mlirOperationIsNull(r) && dl_op_kind(r) == DL_OP_RELU && no < MAXNODES) ops[no++] = r;
  /* in the func's order */
  for (int i = 0; i < norder && b->nn < no; i++)
    for (int j = 0; j < no; j++)
      if (ops[j].ptr == order[i].ptr) b->n[b->nn++].op = ops[j];
  DlShape xs;
  if (b->nn != no || !(b->xsize = sample_size(b->x, &xs))) return false;
  b->y = mlirOperationGetResult(b->n[b->nn - 1].op, 0);
  int weighted = 0;
  for (int i = 0; i < b->nn; i++) {
    Node *n = &b->n[i];
    *bad = n->op;
    if (!node_setup(b, i, func, layers, nl, h)) return false;
    if (i + 1 < b->nn) /* only the output leaves the block */
      for (MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(n->op, 0)); !mlirOpOperandIsNull(u);
           u = mlirOpOperandGetNextUse(u))
        if (!in_block(b, mlirOpOperandGetOwner(u))) return false;
    weighted += n->layer >= 0;
  }
  *bad = (MlirOperation){NULL};
  return weighted > 0;
}

/* The residual blocks of m in order, none sharing an op; malloc'd, *nb of them. With why: the adds
 * joining two paths from one value that are not blocks, each with the op not followed, into why. */
static Block *find_blocks(MlirModule m, const DlHessians *h, int *nb, char *why, size_t nwhy, int *nfail) {
  MlirOperation func = dl_module_func(m), *order = NULL;
  int norder = 0, nl;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    order = realloc(order, sizeof(MlirOperation) * (size_t)(norder + 1));
    order[norder++] = op;
  }
  MlirOperation *layers = dl_wround_layers(m, &nl), bad;
  Block *bs = NULL;
  *nb = *nfail = 0;
  for (int i = 0; i < norder; i++) {
    Block b;
    if (dl_op_kind(order[i]) != DL_OP_ADD) continue;
    bool ok = block_at(func, order[i], order, norder, layers, nl, h, &b, &bad), taken = false;
    for (int j = 0; ok && j < *nb; j++)
      for (int k = 0; k < b.nn; k++) taken |= in_block(&bs[j], b.n[k].op);
    if (!ok || taken) {
      block_free(&b);
      if (!ok && !mlirOperationIsNull(bad) && why) {
        char at[256], op[256];
        size_t len = strlen(why);
        dl_location_str(mlirOperationGetLocation(order[i]), at, sizeof at);
        dl_location_str(mlirOperationGetLocation(bad), op, sizeof op);
        MlirStringRef nm = mlirIdentifierStr(mlirOperationGetName(bad));
        snprintf(why + len, nwhy - len, "%s'%s' (%.*s at '%s')", *nfail ? ", " : "", at, (int)nm.length, nm.data, op);
        (*nfail)++;
      }
      continue;
    }
    bs = realloc(bs, sizeof(Block) * (size_t)(*nb + 1));
    bs[(*nb)++] = b;
  }
  free(order), free(layers);
  return bs;
}
/* ---- running the model for a block's input and target ----------------------- */

typedef struct {
  const void **key;
  DlQParams *q;
  int n;
  MlirValue *want; /* the values to keep */
  float **keep;    /* [want][sample] x size */
  int64_t *size, cur;
  int nwant;
} Run;

static void fake_quant(const DlQParams *q, float *x, int64_t n) {
  float s = (float)q->scale;
  for (int64_t i = 0; i < n; i++) x[i] = dl_dequantize_f(dl_quantize_f(x[i], s, q->zp, q->qmin, q->qmax), s, q->zp);
}

static void transform(void *u, MlirValue v, DlTensor *t) {
  Run *r = u;
  if (t->shape.dtype != DL_F32) return;
  for (int i = 0; i < r->n; i++)
    if (r->key[i] == v.ptr) fake_quant(&r->q[i], t->data, dl_shape_numel(&t->shape));
}

static void observe(void *u, MlirValue v, const DlTensor *t) {
  Run *r = u;
  for (int i = 0; i < r->nwant; i++)
    if (r->want[i].ptr == v.ptr && t->shape.dtype == DL_F32 && dl_shape_numel(&t->shape) == r->size[i])
      memcpy(r->keep[i] + r->cur * r->size[i], t->data, sizeof(float) * (size_t)r->size[i]);
}

/* The values want[0..nw) of m on samples [0, ns): each activation fake-quantized when quant. */
static bool run_model(MlirModule m, const DlTensor *data, int64_t ns, bool quant, MlirValue *want, int64_t *size,
                      int nw, float **keep, DlError *e) {
  MlirOperation func = dl_module_func(m);
  Run r = {.want = want, .keep = keep, .size = size, .nwant = nw};
  if (quant)
    for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
         op = mlirOperationGetNextInBlock(op))
      for (intptr_t k = 0; k < mlirOperationGetNumResults(op); k++) {
        DlQParams q;
        MlirValue v = mlirOperationGetResult(op, k);
        if (!dl_quant_act_params(func, v, &q)) continue;
        r.key = realloc(r.key, sizeof(void *) * (size_t)(r.n + 1)), r.q = realloc(r.q, sizeof(DlQParams) * (size_t)(r.n + 1));
        r.key[r.n] = v.ptr, r.q[r.n++] = q;
      }
  DlPlan *p = dl_plan_create(m, e);
  int64_t per;
  bool ok = p && dl_plan_runs(p, data, ns, "calibration data", &per, e) >= 0;
  float *buf = ok ? malloc(sizeof(float) * (size_t)(per ? per : 1)) : NULL;
  if (ok) {
    dl_plan_set_observer(p, observe, &r);
    if (quant) dl_plan_set_transform(p, transform, &r);
    if (nw == 1) dl_plan_stop_after(p, want[0]);
  }
  for (r.cur = 0; ok && r.cur < ns; r.cur++) {
    const void **in = malloc(sizeof(void *) * (size_t)(dl_plan_num_inputs(p) + 1));
    ok = dl_plan_run_inputs(p, data, r.cur, per, in, buf, e) && dl_plan_run(p, in, e);
    free(in);
  }
  if (p) dl_plan_destroy(p);
  free(buf), free(r.key), free(r.q);
  return ok;
}

/* ---- the block's forward and backward ------------------------------------------ */

/* The im2col map of group g: column row k, position p reads image element
 * ((g * cg + c) * H + iy) * W + ix, or padding. Forward (back = false):
 * col[k][p] (K x oh*ow) from the image x (C x H x W), zeros for padding;
 * backward (back = true): dx (C x H x W) += each dcol[k][p] at its element. */
static void im2col_map(const Node *n, int64_t g, bool back, const float *src, float *dst) {
  int64_t cg = n->C / n->G, P = n->oh * n->ow, k = 0;
  for (int64_t c = 0; c < cg; c++)
    for (int64_t ky = 0; ky < n->kh; ky++)
      for (int64_t kx = 0; kx < n->kw; kx++, k++)
        for (int64_t oy = 0; oy < n->oh; oy++)
          for (int64_t ox = 0; ox < n->ow; ox++) {
            int64_t iy = oy * n->sy - n->py + ky * n->dy, ix = ox * n->sx - n->px + kx * n->dx, kp = k * P + oy * n->ow + ox;
            bool in = iy >= 0 && iy < n->H && ix >= 0 && ix < n->W;
            int64_t at = ((g * cg + c) * n->H + iy) * n->W + ix;
            if (!back) dst[kp] = in ? src[at] : 0;
            else if (in) dst[at] += src[kp];
          }
}

/* y (R x P) += A B (B: K x P), A's element (r, k) at A[r * rs + k * cs]: axpys over
 * contiguous rows, no reassociation. A (R x K, row stride lda) is (lda, 1); the
 * transpose of an R x K matrix of row stride lda, K x R, is (1, lda). */
__attribute__((target_clones("avx2", "default"))) static void gemm_acc(const float *A, int64_t rs, int64_t cs,
                                                                       const float *B, int64_t R, int64_t K,
                                                                       int64_t P, float *y) {
  for (int64_t r = 0; r < R; r++) {
    float *restrict yr = y + r * P;
    for (int64_t k = 0; k < K; k++) {
      float a = A[r * rs + k * cs];
      if (a == 0) continue;
      const float *restrict b = B + k * P;
      for (int64_t p = 0; p < P; p++) yr[p] += a * b[p];
    }
  }
}

/* y (R x K) += A (R x P) B^T (B: K x P), as axpys over the transpose bt (P x K). */
static void gemm_nt_acc(const float *A, const float *B, int64_t R, int64_t K, int64_t P, float *bt, float *y) {
  for (int64_t k = 0; k < K; k++)
    for (int64_t p = 0; p < P; p++) bt[p * K + k] = B[k * P + p];
  gemm_acc(A, P, 1, bt, R, P, K, y);
}

typedef struct {
  float **val, **raw, **grad; /* per value: B x size, fake-quantized, before it, d loss / d val */
  float *col, *dcol, *colt;   /* scratch for the largest layer */
} Act;

/* y = W x + bias: a conv by im2col, a matmul (T rows of x times w^T) directly. */
static void layer_forward(const Node *n, const float *x, float *y, float *col) {
  int64_t P = n->oh * n->ow, ng = n->N / n->G, Kg = n->K;
  if (n->mm) {
    for (int64_t t = 0; t < n->T; t++)
      for (int64_t o = 0; o < n->N; o++) y[t * n->N + o] = n->bias[o];
    gemm_acc(x, n->K, 1, n->wt, n->T, n->K, n->N, y);
    return;
  }
  for (int64_t o = 0; o < n->N; o++)
    for (int64_t p = 0; p < P; p++) y[o * P + p] = n->bias[o];
  for (int64_t g = 0; g < n->G; g++) {
    im2col_map(n, g, false, x, col);
    gemm_acc(n->w + g * ng * Kg, Kg, 1, col, ng, Kg, P, y + g * ng * P);
  }
}

/* gw += dy x^T; dx += W^T dy (dx NULL: not needed). */
static void layer_backward(Node *n, const float *x, const float *dy, float *dx, Act *a) {
  int64_t P = n->oh * n->ow, ng = n->N / n->G, Kg = n->K;
  if (n->mm) { /* gw (N x K) += dy^T (N x T) x (T x K); dx (T x K) += dy (T x N) w (N x K) */
    gemm_acc(dy, 1, n->N, x, n->N, n->T, n->K, n->gw);
    if (dx) gemm_acc(dy, n->N, 1, n->w, n->T, n->N, n->K, dx);
    return;
  }
  for (int64_t g = 0; g < n->G; g++) {
    im2col_map(n, g, false, x, a->col);
    gemm_nt_acc(dy + g * ng * P, a->col, ng, Kg, P, a->colt, n->gw + g * ng * Kg);
    if (!dx) continue;
    memset(a->dcol, 0, sizeof(float) * (size_t)(Kg * P));
    gemm_acc(n->w + g * ng * Kg, 1, Kg, dy + g * ng * P, Kg, ng, P, a->dcol);
    im2col_map(n, g, true, a->dcol, dx);
  }
}

/* Layer normalization of row x (D elements): its mean and 1 / standard deviation. */
static void row_stats(const float *x, int64_t D, double eps, double *mu, double *r) {
  double s = 0, v = 0;
  for (int64_t j = 0; j < D; j++) s += x[j];
  *mu = s / (double)D;
  for (int64_t j = 0; j < D; j++) v += (x[j] - *mu) * (x[j] - *mu);
  *r = 1 / sqrt(v / (double)D + eps);
}

static void layer_norm_forward(const Node *n, const float *x, float *y) {
  int64_t D = n->cn;
  for (int64_t row = 0; row < n->size / D; row++, x += D, y += D) {
    double mu, r;
    row_stats(x, D, n->eps, &mu, &r);
    for (int64_t j = 0; j < D; j++) y[j] = (float)((x[j] - mu) * r * n->c[j] + (n->c2 ? n->c2[j] : 0));
  }
}

/* dx += d loss / dx from dy, with xh = (x - mu) r: r (dxh - mean(dxh) - xh mean(dxh xh)), dxh = gamma dy. */
static void layer_norm_backward(const Node *n, const float *x, const float *dy, float *dx) {
  int64_t D = n->cn;
  for (int64_t row = 0; row < n->size / D; row++, x += D, dy += D, dx += D) {
    double mu, r, m1 = 0, m2 = 0;
    row_stats(x, D, n->eps, &mu, &r);
    for (int64_t j = 0; j < D; j++) m1 += n->c[j] * dy[j], m2 += n->c[j] * dy[j] * (x[j] - mu) * r;
    m1 /= (double)D, m2 /= (double)D;
    for (int64_t j = 0; j < D; j++) dx[j] += (float)(r * (n->c[j] * dy[j] - m1 - (x[j] - mu) * r * m2));
  }
}

static void softmax_forward(const Node *n, const float *x, float *y) {
  for (int64_t r = 0; r < n->rows; r++, x += n->D, y += n->D) {
    double mx = x[0], sum = 0;
    for (int64_t j = 1; j < n->D; j++) mx = x[j] > mx ? x[j] : mx;
    for (int64_t j = 0; j < n->D; j++) sum += exp(x[j] - mx);
    for (int64_t j = 0; j < n->D; j++) y[j] = (float)(exp(x[j] - mx) / sum);
  }
}

/* dx += y (dy - sum(dy y)) per row. */
static void softmax_backward(const Node *n, const float *y, const float *dy, float *dx) {
  for (int64_t r = 0; r < n->rows; r++, y += n->D, dy += n->D, dx += n->D) {
    double dot = 0;
    for (int64_t j = 0; j < n->D; j++) dot += (double)dy[j] * y[j];
    for (int64_t j = 0; j < n->D; j++) dx[j] += (float)(y[j] * (dy[j] - dot));
  }
}

/* y = A B over the bb products (A: bm x bk, B: bk x bn). */
static void bmm_forward(const Node *n, const float *A, const float *B, float *y) {
  memset(y, 0, sizeof(float) * (size_t)n->size);
  for (int64_t p = 0; p < n->bb; p++)
    gemm_acc(A + p * n->bm * n->bk, n->bk, 1, B + p * n->bk * n->bn, n->bm, n->bk, n->bn, y + p * n->bm * n->bn);
}

/* dA += dy B^T, dB += A^T dy (each NULL: not needed); bt: bn x bk scratch. */
static void bmm_backward(const Node *n, const float *A, const float *B, const float *dy, float *dA, float *dB, float *bt) {
  for (int64_t p = 0; p < n->bb; p++) {
    const float *a = A + p * n->bm * n->bk, *b = B + p * n->bk * n->bn, *g = dy + p * n->bm * n->bn;
    if (dA) gemm_nt_acc(g, b, n->bm, n->bk, n->bn, bt, dA + p * n->bm * n->bk);
    if (dB) gemm_acc(a, 1, n->bk, g, n->bk, n->bm, n->bn, dB + p * n->bk * n->bn);
  }
}

static int64_t value_size(const Block *b, int v) { return v ? b->n[v - 1].size : b->xsize; }

/* Node n on one sample: y from x (value a) and x2 (value b, or NULL). */
static void node_forward(const Node *n, const float *x, const float *x2, float *y, float *col) {
  int64_t sz = n->size, cn = n->cn;
  switch (n->k) {
  case DL_OP_RELU:
    for (int64_t j = 0; j < sz; j++) y[j] = x[j] > 0 ? x[j] : 0;
    break;
  case DL_OP_ERF:
    for (int64_t j = 0; j < sz; j++) y[j] = (float)erf(x[j]);
    break;
  case DL_OP_RESHAPE: memcpy(y, x, sizeof(float) * (size_t)sz); break;
  case DL_OP_TRANSPOSE:
  case DL_OP_GATHER:
    for (int64_t j = 0; j < sz; j++) y[j] = x[n->map[j]];
    break;
  case DL_OP_SOFTMAX: softmax_forward(n, x, y); break;
  case DL_OP_ADD:
    for (int64_t j = 0; j < sz; j++) y[j] = x[j] + (x2 ? x2[j] : n->c[j % cn]);
    break;
  case DL_OP_MUL:
    for (int64_t j = 0; j < sz; j++) y[j] = x[j] * (x2 ? x2[j] : n->c[j % cn]);
    break;
  case DL_OP_DIV:
    for (int64_t j = 0; j < sz; j++) y[j] = x[j] / n->c[j % cn];
    break;
  case DL_OP_LAYER_NORM: layer_norm_forward(n, x, y); break;
  default:
    if (n->layer >= 0) layer_forward(n, x, y, col);
    else bmm_forward(n, x, x2, y);
  }
}

/* Node n on one sample: ga, gb (each NULL: not needed) += d loss / d x, d x2 from gy. */
static void node_backward(Node *n, const float *x, const float *x2, const float *y, const float *gy, float *ga,
                          float *gb, Act *a) {
  int64_t sz = n->size, cn = n->cn;
  if (n->layer >= 0) {
    layer_backward(n, x, gy, ga, a);
    return;
  }
  switch (n->k) {
  case DL_OP_LAYER_NORM:
    if (ga) layer_norm_backward(n, x, gy, ga);
    return;
  case DL_OP_SOFTMAX:
    if (ga) softmax_backward(n, y, gy, ga);
    return;
  case DL_OP_MATMUL:
    bmm_backward(n, x, x2, gy, ga, gb, a->colt);
    return;
  case DL_OP_TRANSPOSE:
  case DL_OP_GATHER:
    for (int64_t j = 0; ga && j < sz; j++) ga[n->map[j]] += gy[j];
    return;
  default: break;
  }
  for (int64_t j = 0; j < sz; j++) {
    float d = gy[j];
    switch (n->k) {
    case DL_OP_RELU: d = y[j] > 0 ? d : 0; break;
    case DL_OP_ERF: d = (float)(d * M_2_SQRTPI * exp(-(double)x[j] * x[j])); break;
    case DL_OP_MUL:
      if (gb) gb[j] += d * x[j];
      d *= x2 ? x2[j] : n->c[j % cn];
      break;
    case DL_OP_DIV: d /= n->c[j % cn]; break;
    default: /* add */
      if (gb) gb[j] += d;
    }
    if (ga) ga[j] += d;
  }
}

/* The block on samples idx[0..nb): val / raw of every value (value 0 given). */
static void forward(Block *b, Act *a, int nb) {
  for (int i = 0; i < b->nn; i++) {
    Node *n = &b->n[i];
    int64_t sz = n->size;
    for (int s = 0; s < nb; s++)
      node_forward(n, a->val[n->a] + s * value_size(b, n->a), n->b >= 0 ? a->val[n->b] + s * value_size(b, n->b) : NULL,
                   a->raw[i + 1] + s * sz, a->col);
    memcpy(a->val[i + 1], a->raw[i + 1], sizeof(float) * (size_t)(sz * nb));
    if (n->quant) fake_quant(&n->q, a->val[i + 1], sz * nb);
  }
}

/* Gradients of every layer's weights (gw) from a->grad[nn] (d loss / d output). */
static void backward(Block *b, Act *a, int nb) {
  for (int i = 0; i < b->nn; i++) memset(a->grad[i], 0, sizeof(float) * (size_t)(nb * value_size(b, i)));
  for (int i = b->nn - 1; i >= 0; i--) {
    Node *n = &b->n[i];
    int64_t sz = n->size, sa = value_size(b, n->a), sb = n->b >= 0 ? value_size(b, n->b) : 0;
    float *g = a->grad[i + 1];
    if (n->quant) { /* straight through inside the grid's range */
      float lo = (float)((double)(n->q.qmin - n->q.zp) * n->q.scale), hi = (float)((double)(n->q.qmax - n->q.zp) * n->q.scale);
      for (int64_t j = 0; j < sz * nb; j++)
        if (a->raw[i + 1][j] < lo || a->raw[i + 1][j] > hi) g[j] = 0;
    }
    for (int s = 0; s < nb; s++)
      node_backward(n, a->val[n->a] + s * sa, n->b >= 0 ? a->val[n->b] + s * sb : NULL, a->raw[i + 1] + s * sz,
                    g + s * sz, n->a ? a->grad[n->a] + s * sa : NULL, n->b > 0 ? a->grad[n->b] + s * sb : NULL, a);
  }
}

/* ---- learning the rounding ---------------------------------------------------- */

static bool layer_init(Node *n, MlirOperation op, const DlGram *l) {
  if (!dl_layer_weights_read(op, l, &n->lw)) return false;
  int64_t N = n->N, K = n->K, d = K + 1, nk = N * K;
  n->fl = malloc(sizeof(double) * (size_t)nk), n->V = malloc(sizeof(double) * (size_t)nk);
  n->m1 = calloc((size_t)nk, sizeof(double)), n->m2 = calloc((size_t)nk, sizeof(double));
  n->fixed = malloc((size_t)nk);
  n->w = malloc(sizeof(float) * (size_t)nk), n->gw = malloc(sizeof(float) * (size_t)nk);
  n->bias = malloc(sizeof(float) * (size_t)N), n->wt = n->mm ? malloc(sizeof(float) * (size_t)nk) : NULL;
  for (int64_t o = 0; o < N; o++) {
    n->bias[o] = (float)n->lw.v[o * d + K];
    for (int64_t k = 0; k < K; k++) {
      int64_t i = o * K + k;
      double wv = n->lw.v[o * d + k], x = wv / n->lw.s[o], f = floor(x), fr = x - f;
      n->fixed[i] = !(f >= (double)-n->lw.qmax && f + 1 <= (double)n->lw.qmax);
      n->fl[i] = n->fixed[i] ? (double)dl_quantize_f((float)wv, (float)n->lw.s[o], 0, -n->lw.qmax, n->lw.qmax) : f;
      n->V[i] = n->fixed[i] ? 0 : dl_ar_init(fr);
    }
  }
  return true;
}

static void layer_free(Node *n) {
  free(n->fl), free(n->V), free(n->m1), free(n->m2), free(n->fixed), free(n->w), free(n->gw), free(n->bias), free(n->wt);
  free(n->lw.v), free(n->lw.s);
}

/* The weights in use: soft (h(V)), learned (f + [V >= 0]) or nearest. */
typedef enum { SOFT, HARD, NEAREST } Mode;

static void set_weights(Node *n, Mode mode) {
  for (int64_t o = 0; o < n->N; o++)
    for (int64_t k = 0; k < n->K; k++) {
      int64_t i = o * n->K + k;
      double s = n->lw.s[o], q;
      if (mode == NEAREST) q = (double)dl_quantize_f((float)n->lw.v[o * (n->K + 1) + k], (float)s, 0, -n->lw.qmax, n->lw.qmax);
      else q = n->fl[i] + (n->fixed[i] ? 0 : mode == SOFT ? dl_ar_rect(n->V[i]) : n->V[i] >= 0);
      n->w[i] = mode == SOFT ? (float)(s * q) : dl_dequantize_f((int64_t)q, (float)s, 0);
      if (n->mm) n->wt[k * n->N + o] = n->w[i];
    }
}

/* One Adam step on the V of n from its gradient gw (d loss / d w). */
static void adam_step(Node *n, int t) {
  for (int64_t o = 0; o < n->N; o++)
    for (int64_t k = 0; k < n->K; k++) {
      int64_t i = o * n->K + k;
      if (!n->fixed[i]) dl_ar_step(&n->V[i], &n->m1[i], &n->m2[i], n->lw.s[o] * (double)n->gw[i], t);
    }
}

/* Samples [s0, s0 + nb) of xs / ts into the batch; the output's squared error summed; d loss into grad[nn]. */
static double batch_loss(Block *b, Act *a, const float *xs, const float *ts, int64_t s0, int nb, bool grad) {
  int64_t ysz = b->n[b->nn - 1].size;
  memcpy(a->val[0], xs + s0 * b->xsize, sizeof(float) * (size_t)(nb * b->xsize));
  forward(b, a, nb);
  double loss = 0;
  const float *y = a->val[b->nn], *t = ts + s0 * ysz;
  for (int64_t j = 0; j < nb * ysz; j++) {
    float d = y[j] - t[j];
    loss += (double)d * d;
    if (grad) a->grad[b->nn][j] = 2 * d / (float)nb;
  }
  return loss;
}

/* The whole error over ns samples with the weights in mode. */
static double total_loss(Block *b, Act *a, const float *xs, const float *ts, int64_t ns, Mode mode) {
  for (int i = 0; i < b->nn; i++)
    if (b->n[i].layer >= 0) set_weights(&b->n[i], mode);
  double l = 0;
  for (int64_t s = 0; s < ns; s += BATCH) l += batch_loss(b, a, xs, ts, s, (int)(ns - s < BATCH ? ns - s : BATCH), false);
  return l;
}

/* Learns the rounding of block b's layers from its inputs xs and float outputs ts (ns samples each) and
 * writes it; false (nothing written) when a layer is not on a grid (kept float, outliers, codebooks). */
static bool reconstruct(Block *b, MlirOperation *layers, const DlHessians *h, const float *xs, const float *ts,
                        int64_t ns) {
  Act a = {0};
  int nv = b->nn + 1;
  a.val = calloc((size_t)nv, sizeof(float *)), a.raw = calloc((size_t)nv, sizeof(float *)),
  a.grad = calloc((size_t)nv, sizeof(float *));
  int64_t scratch = 1;
  for (int v = 0; v < nv; v++) {
    int64_t sz = (v ? b->n[v - 1].size : b->xsize) * BATCH;
    a.val[v] = malloc(sizeof(float) * (size_t)sz), a.raw[v] = malloc(sizeof(float) * (size_t)sz);
    a.grad[v] = malloc(sizeof(float) * (size_t)sz);
  }
  bool ok = true;
  for (int i = 0; i < b->nn; i++) {
    Node *n = &b->n[i];
    if (n->layer < 0) continue;
    ok &= layer_init(n, layers[n->layer], &h->l[n->layer]);
    if (n->K * n->oh * n->ow > scratch) scratch = n->K * n->oh * n->ow;
  }
  for (int i = 0; i < b->nn; i++) /* a matmul of two values: B^T */
    if (b->n[i].layer < 0 && b->n[i].k == DL_OP_MATMUL && b->n[i].bk * b->n[i].bn > scratch)
      scratch = b->n[i].bk * b->n[i].bn;
  a.col = malloc(sizeof(float) * (size_t)scratch), a.dcol = malloc(sizeof(float) * (size_t)scratch);
  a.colt = malloc(sizeof(float) * (size_t)scratch);
  for (int t = 0; ok && t < DL_AR_ITERS; t++) {
    int64_t s0 = (int64_t)t * BATCH % ns;
    int nb = (int)(ns - s0 < BATCH ? ns - s0 : BATCH);
    for (int i = 0; i < b->nn; i++)
      if (b->n[i].layer >= 0) {
        set_weights(&b->n[i], SOFT);
        memset(b->n[i].gw, 0, sizeof(float) * (size_t)(b->n[i].N * b->n[i].K));
      }
    batch_loss(b, &a, xs, ts, s0, nb, true);
    backward(b, &a, nb);
    for (int i = 0; i < b->nn; i++)
      if (b->n[i].layer >= 0) adam_step(&b->n[i], t);
  }
  /* the learned rounding, unless rounding to nearest reconstructs the block better */
  Mode keep = ok && total_loss(b, &a, xs, ts, ns, HARD) < total_loss(b, &a, xs, ts, ns, NEAREST) ? HARD : NEAREST;
  for (int i = 0; ok && i < b->nn; i++) {
    Node *n = &b->n[i];
    if (n->layer < 0) continue;
    set_weights(n, keep);
    for (int64_t o = 0; o < n->N; o++)
      for (int64_t k = 0; k < n->K; k++) n->lw.v[o * (n->K + 1) + k] = n->w[o * n->K + k];
    dl_layer_weights_write(layers[n->layer], &h->l[n->layer], &n->lw);
  }
  for (int i = 0; i < b->nn; i++)
    if (b->n[i].layer >= 0) layer_free(&b->n[i]);
  for (int v = 0; v < nv; v++) free(a.val[v]), free(a.raw[v]), free(a.grad[v]);
  free(a.val), free(a.raw), free(a.grad), free(a.col), free(a.dcol), free(a.colt);
  return ok;
}

int dl_brecq_blocks(MlirModule m, const DlHessians *h) {
  int nb, nfail;
  Block *bs = find_blocks(m, h, &nb, NULL, 0, &nfail);
  for (int i = 0; i < nb; i++) block_free(&bs[i]);
  free(bs);
  return nb;
}

/* Names the blocks brecq does not follow (and those it does), when there are any. */
static void warn_unfollowed(MlirContext ctx, const Block *bs, int nb, int nfail, const char *why) {
  char got[1024] = "", at[256];
  for (int i = 0; i < nb; i++) {
    size_t len = strlen(got);
    dl_location_str(mlirOperationGetLocation(bs[i].n[bs[i].nn - 1].op), at, sizeof at);
    snprintf(got + len, sizeof got - len, "%s'%s'", i ? ", " : " (ending at ", at);
  }
  dl_warn(ctx, "--wround=brecq: %d of %d residual blocks reconstructed%s%s; not followed, their layers rounded by adaround: %s",
          nb, nb + nfail, got, nb ? ")" : "", why);
}

bool dl_brecq_apply(MlirModule m, const DlHessians *h, DlError *e) {
  int nb, nl, with = 0;
  for (int i = 0; i < h->n; i++) with += h->l[i].H != NULL;
  if (!with) return dl_error_set(e, "--wround=brecq: the model has no conv, gemm or matmul with constant weights to round");
  char why[2048] = "";
  int nfail;
  Block *bs = find_blocks(m, h, &nb, why, sizeof why, &nfail);
  if (nfail) warn_unfollowed(mlirModuleGetContext(m), bs, nb, nfail, why);
  else if (!nb) dl_warn(mlirModuleGetContext(m), "--wround=brecq: the model has no residual block; every layer rounded by adaround");
  bool *skip = calloc((size_t)(h->n ? h->n : 1), sizeof(bool));
  for (int i = 0; i < nb; i++)
    for (int j = 0; j < bs[i].nn; j++)
      if (bs[i].n[j].layer >= 0) skip[bs[i].n[j].layer] = true;
  int64_t ns = h->samples < SAMPLES ? h->samples : SAMPLES;
  /* the float model's block outputs, before anything is rounded */
  float **ts = calloc((size_t)(nb ? nb : 1), sizeof(float *)), *xs = NULL;
  MlirValue *ys = malloc(sizeof(MlirValue) * (size_t)(nb ? nb : 1));
  int64_t *ysz = malloc(sizeof(int64_t) * (size_t)(nb ? nb : 1));
  for (int i = 0; i < nb; i++) {
    ys[i] = bs[i].y, ysz[i] = bs[i].n[bs[i].nn - 1].size;
    ts[i] = malloc(sizeof(float) * (size_t)(ns * ysz[i]));
  }
  bool ok = !nb || run_model(m, h->data, ns, false, ys, ysz, nb, ts, e);
  /* the layers outside blocks: adaround (this also reports a model with nothing to round) */
  ok = ok && dl_wround_some(m, h, DL_WROUND_ADAROUND, skip, e);
  MlirOperation *layers = ok ? dl_wround_layers(m, &nl) : NULL;
  for (int i = 0; ok && i < nb; i++) {
    xs = realloc(xs, sizeof(float) * (size_t)(ns * bs[i].xsize));
    ok = run_model(m, h->data, ns, true, &bs[i].x, &bs[i].xsize, 1, &xs, e);
    if (ok && !reconstruct(&bs[i], layers, h, xs, ts[i], ns)) { /* those layers layer-wise instead */
      for (int j = 0; j < h->n; j++) skip[j] = true;
      for (int j = 0; j < bs[i].nn; j++)
        if (bs[i].n[j].layer >= 0) skip[bs[i].n[j].layer] = false;
      ok = dl_wround_some(m, h, DL_WROUND_ADAROUND, skip, e);
    }
    free(layers);
    layers = dl_wround_layers(m, &nl); /* the rewritten layers keep their ops */
  }
  free(layers);
  for (int i = 0; i < nb; i++) free(ts[i]), block_free(&bs[i]);
  free(ts), free(xs), free(ys), free(ysz), free(skip), free(bs);
  if (ok) dl_erase_dead_constants(dl_module_func(m));
  return ok;
}
