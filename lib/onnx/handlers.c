/* Per-ONNX-op import: normalizes attributes (defaults written, auto_pad and
 * constant inputs resolved) and emits qg ops. One row per ONNX op type. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

#define IN(i) ((i) < nd->nin ? nd->in[i] : NULL)

/* Copies ONNX attributes that have the same name and kind as qg's. */
static bool copy_attrs(Node *nd, DlOpKind k, DlAttrs *a) {
  int ns;
  const DlAttrSpec *sp = dl_op_attr_specs(k, &ns);
  for (int i = 0; i < ns; i++) {
    if (!attr_find(nd, sp[i].name)) continue;
    int64_t iv[DL_MAX_ATTR_VALUES];
    double fv[DL_MAX_ATTR_VALUES];
    char s[48];
    int n;
    switch (sp[i].akind) {
    case DL_ATTR_INT:
      if (!attr_int(nd, sp[i].name, 0, iv)) return false;
      dl_attrs_set_int(a, sp[i].name, iv[0]);
      break;
    case DL_ATTR_FLOAT:
      if (!attr_float(nd, sp[i].name, 0, fv)) return false;
      dl_attrs_set_float(a, sp[i].name, fv[0]);
      break;
    case DL_ATTR_STR:
      if (!attr_str(nd, sp[i].name, "", s, sizeof s)) return false;
      dl_attrs_set_str(a, sp[i].name, s);
      break;
    case DL_ATTR_INTS:
      if (!attr_ints(nd, sp[i].name, iv, &n, DL_MAX_ATTR_VALUES)) return false;
      dl_attrs_set_ints(a, sp[i].name, iv, n);
      break;
    case DL_ATTR_FLOATS:
      if (!attr_floats(nd, sp[i].name, fv, &n, DL_MAX_ATTR_VALUES)) return false;
      dl_attrs_set_floats(a, sp[i].name, fv, n);
      break;
    }
  }
  return true;
}

bool need_inputs(Node *nd, int lo, int hi) {
  int present = 0;
  for (int i = 0; i < nd->nin; i++) present += nd->in[i] != NULL;
  if (nd->nin < lo || nd->nin > hi) {
    if (lo == hi) return node_fail(nd, "expects %d inputs, found %d", lo, nd->nin);
    return node_fail(nd, "expects %d to %d inputs, found %d", lo, hi, nd->nin);
  }
  for (int i = 0; i < lo; i++)
    if (!nd->in[i]) return node_fail(nd, "required input %d is empty", i);
  return true;
}

static bool only_first_output(Node *nd) {
  for (size_t i = 1; i < nd->n->n_output; i++)
    if (nd->n->output[i] && nd->n->output[i][0]) {
      Entry *en = entry_define(nd->im, nd->n->output[i], NULL);
      en->poison = "an output dlc does not compute (training-only or auxiliary output)";
    }
  return true;
}

static bool generic(Node *nd, DlOpKind k) {
  const DlOpInfo *info = dl_op_info(k);
  if (!need_inputs(nd, info->min_operands, info->max_operands)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  return emit_op(nd, k, nd->nin, nd->in, &a, NULL, 0) != NULL;
}

/* Binary ops; Sum/Max/Min/Mean with N inputs become a chain. */
static bool variadic(Node *nd, DlOpKind k) {
  if (nd->nin < 1) return node_fail(nd, "needs at least one input");
  for (int i = 0; i < nd->nin; i++)
    if (!nd->in[i]) return node_fail(nd, "input %d is empty", i);
  bool mean = !strcmp(nd->n->op_type, "Mean");
  if (nd->nin == 1 && !mean) return define_output_alias(nd, 0, nd->in[0]);
  Entry *acc = nd->in[0];
  DlAttrs a;
  for (int i = 1; i < nd->nin; i++) {
    dl_attrs_init(&a);
    Entry *ops[2] = {acc, nd->in[i]};
    bool last = i == nd->nin - 1 && !mean;
    acc = last ? emit_op(nd, k, 2, ops, &a, NULL, 0) : emit_op_tmp(nd, k, 2, ops, &a, NULL);
    if (!acc) return false;
  }
  if (mean) {
    DlShape cs = {acc->shape.dtype, 0, {0}};
    DlTensor c = {0};
    dl_tensor_alloc(&c, &cs);
    dl_tensor_set_f(&c, 0, nd->nin);
    Entry *ops[2] = {acc, make_const_entry(nd->im, &c)};
    dl_attrs_init(&a);
    return emit_op(nd, DL_OP_DIV, 2, ops, &a, NULL, 0) != NULL;
  }
  return true;
}

static bool binary(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 2)) return false;
  int64_t bc, axis;
  /* opset < 7: `broadcast` with an optional `axis` where B's dims start in A */
  if (!attr_int(nd, "broadcast", 0, &bc) || !attr_int(nd, "axis", -1, &axis)) return false;
  const DlShape *sa = &nd->in[0]->shape, *sb = &nd->in[1]->shape;
  if (nd->im->opset < 7 && !bc && !dl_shape_equal(sa, sb))
    return node_fail(nd, "operand shapes differ and broadcast=0");
  if (nd->im->opset < 7 && bc && attr_find(nd, "axis")) {
    if (axis < 0) axis += sa->rank;
    if (axis < 0 || axis + sb->rank > sa->rank) return node_fail(nd, "broadcast axis out of range");
    DlShape t = *sb;
    while (t.rank < sa->rank - axis) t.dims[t.rank++] = 1;
    DlAttrs a;
    dl_attrs_init(&a);
    if (t.rank != sb->rank && !(nd->in[1] = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &nd->in[1], &a, &t)))
      return false;
  }
  if (k == DL_OP_MOD) {
    DlAttrs a;
    dl_attrs_init(&a);
    if (!copy_attrs(nd, k, &a)) return false;
    return emit_op(nd, k, 2, nd->in, &a, NULL, 0) != NULL;
  }
  return variadic(nd, k);
}

static bool identity(Node *nd, DlOpKind k) {
  if (nd->nin < 1 || !nd->in[0]) return node_fail(nd, "needs an input");
  double ratio;
  int64_t seed;
  attr_float(nd, "ratio", 0.5, &ratio); /* Dropout: inference is identity */
  attr_int(nd, "seed", 0, &seed);
  if (!strcmp(nd->n->op_type, "Dropout") && nd->nin > 2 && nd->in[2]) {
    const DlTensor *t = input_const(nd, 2, "training_mode");
    if (!t) return false;
    const DlTensor *r = nd->in[1] ? input_const(nd, 1, "ratio") : NULL;
    if (nd->in[1] && !r) return false;
    /* training with ratio 0 keeps everything: still the identity */
    if (dl_tensor_get_i(t, 0) && (!r || dl_tensor_get_f(r, 0) != 0))
      return node_fail(nd, "training_mode=true is not supported (unless ratio is 0)");
  }
  if (!strcmp(nd->n->op_type, "Dropout") && nd->n->n_output > 1 && nd->n->output[1][0]) {
    DlShape ms = nd->in[0]->shape; /* the mask: every element kept */
    ms.dtype = DL_BOOL;
    DlTensor t = {0};
    if (dl_shape_numel(&ms) > (1 << 26) || !dl_tensor_alloc(&t, &ms)) return node_fail(nd, "mask is too large");
    memset(t.data, 1, dl_tensor_bytes(&t));
    if (!define_output_const(nd, 1, &t)) return false;
  } else {
    only_first_output(nd);
  }
  return define_output_alias(nd, 0, nd->in[0]);
}

DlAttrs *fresh(DlAttrs *a) {
  dl_attrs_init(a);
  return a;
}

/* A bound computed in the graph (a scalar not known at compile time), as a
 * rank-0 operand so broadcasting keeps x's shape. */
static Entry *computed_bound(Node *nd, int i) {
  Entry *b = nd->in[i];
  if (dl_shape_numel(&b->shape) != 1) return node_fail(nd, "clip bounds must be scalars"), NULL;
  if (b->shape.dtype != nd->in[0]->shape.dtype)
    return node_fail(nd, "input %d (%s) must have the element type of the input", i, i == 1 ? "min" : "max"), NULL;
  if (!b->shape.rank) return b;
  DlShape s = {b->shape.dtype, 0, {0}};
  DlAttrs a;
  dl_attrs_init(&a);
  return emit_op_tmp(nd, DL_OP_RESHAPE, 1, &b, &a, &s);
}

/* ONNX computes min(max(x, lo), hi). Constant bounds become one qg.clip;
 * computed ones (openWakeWord's mel front end clips at max - 80 dB) become an
 * elementwise max (lo) or min (hi) in that order, around a clip holding the
 * constant one if any. */
static bool clip(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 3)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  double lo = -INFINITY, hi = INFINITY;
  Entry *bound[2] = {NULL, NULL}; /* computed min, max */
  if (nd->im->opset < 11) {
    if (!attr_float(nd, "min", -INFINITY, &lo) || !attr_float(nd, "max", INFINITY, &hi)) return false;
  } else {
    for (int i = 1; i < nd->nin; i++) {
      if (!nd->in[i]) continue;
      if (!nd->in[i]->is_const) {
        if (!(bound[i - 1] = computed_bound(nd, i))) return false;
        continue;
      }
      const DlTensor *t = input_const(nd, i, i == 1 ? "min" : "max");
      if (!t) return false;
      if (dl_shape_numel(&t->shape) != 1) return node_fail(nd, "clip bounds must be scalars");
      *(i == 1 ? &lo : &hi) = dl_tensor_get_f(t, 0);
    }
  }
  Entry *x = nd->in[0];
  if (!dl_dtype_is_float(x->shape.dtype)) { /* qg.clip is float: integer bounds are max/min operands */
    if (!bound[0] && lo > -INFINITY) bound[0] = scalar_const(nd, x->shape.dtype, lo);
    if (!bound[1] && hi < INFINITY) bound[1] = scalar_const(nd, x->shape.dtype, hi);
    lo = -INFINITY, hi = INFINITY;
    if (!bound[0] && !bound[1]) return define_output_alias(nd, 0, x);
  }
  if (bound[0]) {
    Entry *ops[2] = {x, bound[0]};
    bool last = !bound[1] && hi == INFINITY;
    x = last ? emit_op(nd, DL_OP_MAX, 2, ops, &a, NULL, 0) : emit_op_tmp(nd, DL_OP_MAX, 2, ops, &a, NULL);
    if (!x || last) return x != NULL;
    lo = -INFINITY;
  }
  if (bound[1] && lo == -INFINITY) {
    Entry *ops[2] = {x, bound[1]};
    return emit_op(nd, DL_OP_MIN, 2, ops, fresh(&a), NULL, 0) != NULL;
  }
  /* Said once here, so fused and integer forms (whose clamps may run lo last)
   * agree: with lo > hi the result is hi everywhere. */
  if (lo > hi) lo = hi;
  dl_attrs_set_float(fresh(&a), "min", lo);
  dl_attrs_set_float(&a, "max", bound[1] ? INFINITY : hi);
  if (!bound[1]) return emit_op(nd, k, 1, &x, &a, NULL, 0) != NULL;
  Entry *ops[2] = {emit_op_tmp(nd, k, 1, &x, &a, NULL), bound[1]};
  return ops[0] && emit_op(nd, DL_OP_MIN, 2, ops, fresh(&a), NULL, 0) != NULL;
}

/* Softmax before opset 13 flattens to 2-D at `axis`. */
static bool softmax(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  int r = nd->in[0]->shape.rank;
  int64_t axis;
  if (!attr_int(nd, "axis", nd->im->opset < 13 ? 1 : -1, &axis)) return false;
  if (axis < -r || axis >= r) return node_fail(nd, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  DlAttrs a;
  dl_attrs_init(&a);
  if (nd->im->opset >= 13 || axis == r - 1) {
    dl_attrs_set_int(&a, "axis", axis);
    return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
  }
  DlShape flat = {nd->in[0]->shape.dtype, 2, {1, 1}};
  for (int i = 0; i < r; i++) flat.dims[i < axis ? 0 : 1] *= nd->in[0]->shape.dims[i];
  Entry *x = emit_op_tmp(nd, DL_OP_RESHAPE, 1, nd->in, &a, &flat);
  if (!x) return false;
  dl_attrs_set_int(&a, "axis", 1);
  x = emit_op_tmp(nd, k, 1, &x, &a, NULL);
  if (!x) return false;
  dl_attrs_init(&a);
  return emit_op(nd, DL_OP_RESHAPE, 1, &x, &a, &nd->in[0]->shape, 0) != NULL;
}

static bool wants_output(Node *nd, int i) {
  return i < (int)nd->n->n_output && nd->n->output[i] && nd->n->output[i][0];
}

/* Emits op k as output `i` when the node has it, else as a temporary. */
static Entry *emit_out(Node *nd, DlOpKind k, int nops, Entry **ops, DlAttrs *a, int i) {
  return wants_output(nd, i) ? emit_op(nd, k, nops, ops, a, NULL, i) : emit_op_tmp(nd, k, nops, ops, a, NULL);
}

Entry *scalar_const(Node *nd, DlDType t, double v) {
  DlShape s = {t, 0, {0}};
  DlTensor c = {0};
  dl_tensor_alloc(&c, &s);
  dl_tensor_set_f(&c, 0, v);
  return make_const_entry(nd->im, &c);
}

/* Mean and InvStdDev, the optional outputs, are computed by their own ops. */
static bool layer_norm(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 3)) return false;
  int64_t stash;
  if (!attr_int(nd, "stash_type", 1, &stash)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  int64_t axis = dl_attrs_int(&a, "axis", -1);
  int r = nd->in[0]->shape.rank;
  if (axis < -r || axis >= r) return node_fail(nd, "axis %lld out of range", (long long)axis);
  if (axis < 0) dl_attrs_set_int(&a, "axis", axis += r);
  if (!emit_op(nd, k, nd->nin, nd->in, &a, NULL, 0)) return false;
  if (!wants_output(nd, 1) && !wants_output(nd, 2)) return true;
  int64_t axes[DL_MAX_RANK];
  for (int i = (int)axis; i < r; i++) axes[i - axis] = i;
  DlAttrs ra, none;
  dl_attrs_init(&ra);
  dl_attrs_init(&none);
  dl_attrs_set_ints(&ra, "axes", axes, r - (int)axis);
  dl_attrs_set_int(&ra, "keepdims", 1);
  Entry *x = nd->in[0], *mean = emit_out(nd, DL_OP_REDUCE_MEAN, 1, &x, &ra, 1);
  if (!mean || !wants_output(nd, 2)) return mean != NULL;
  /* emit_op completes an attribute bag with the op's defaults: a fresh one per op */
  Entry *ops[2] = {x, mean}, *d = emit_op_tmp(nd, DL_OP_SUB, 2, ops, fresh(&none), NULL);
  if (!d) return false;
  ops[0] = ops[1] = d;
  Entry *v = emit_op_tmp(nd, DL_OP_MUL, 2, ops, fresh(&none), NULL);
  if (!v || !(v = emit_op_tmp(nd, DL_OP_REDUCE_MEAN, 1, &v, &ra, NULL))) return false;
  ops[0] = v, ops[1] = scalar_const(nd, x->shape.dtype, dl_attrs_float(&a, "epsilon", 1e-5));
  if (!(v = emit_op_tmp(nd, DL_OP_ADD, 2, ops, fresh(&none), NULL)) ||
      !(v = emit_op_tmp(nd, DL_OP_SQRT, 1, &v, fresh(&none), NULL)))
    return false;
  return emit_op(nd, DL_OP_RECIPROCAL, 1, &v, fresh(&none), NULL, 2) != NULL;
}

static bool batch_norm(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 5, 5)) return false;
  double mom;
  int64_t training, spatial, is_test;
  if (!attr_float(nd, "momentum", 0.9, &mom) || !attr_int(nd, "training_mode", 0, &training) ||
      !attr_int(nd, "spatial", 1, &spatial) || !attr_int(nd, "is_test", 1, &is_test))
    return false;
  if (training) return node_fail(nd, "training_mode=1 is not supported (inference only)");
  if (!spatial) return node_fail(nd, "spatial=0 is not supported");
  only_first_output(nd);
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  return emit_op(nd, k, 5, nd->in, &a, NULL, 0) != NULL;
}

/* Resolves auto_pad / pads / strides / dilations for a window op with `k`
 * spatial dims over input dims `in` with kernel `ks`. */
static bool window_attrs(Node *nd, DlAttrs *a, int k, const int64_t *in, const int64_t *ks,
                         bool has_dilations) {
  int64_t st[8], pd[16], dl[8];
  int nst, npd, ndl;
  char ap[32];
  if (!attr_ints(nd, "strides", st, &nst, 8) || !attr_ints(nd, "pads", pd, &npd, 16) ||
      !attr_str(nd, "auto_pad", "NOTSET", ap, sizeof ap))
    return false;
  ndl = -1;
  if (has_dilations && !attr_ints(nd, "dilations", dl, &ndl, 8)) return false;
  if (nst < 0) for (nst = 0; nst < k; nst++) st[nst] = 1;
  if (ndl < 0) for (ndl = 0; ndl < k; ndl++) dl[ndl] = 1;
  if (nst != k) return node_fail(nd, "strides must have %d values, found %d", k, nst);
  if (ndl != k) return node_fail(nd, "dilations must have %d values, found %d", k, ndl);
  if (!strcmp(ap, "NOTSET")) {
    if (npd < 0) for (npd = 0; npd < 2 * k; npd++) pd[npd] = 0;
    if (npd != 2 * k) return node_fail(nd, "pads must have %d values, found %d", 2 * k, npd);
  } else if (!strcmp(ap, "VALID")) {
    for (int i = 0; i < 2 * k; i++) pd[i] = 0;
  } else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
    for (int i = 0; i < k; i++) {
      if (st[i] < 1) return node_fail(nd, "strides must be >= 1");
      int64_t out = (in[i] + st[i] - 1) / st[i];
      int64_t total = (out - 1) * st[i] + (ks[i] - 1) * dl[i] + 1 - in[i];
      if (total < 0) total = 0;
      int64_t small = total / 2, big = total - small;
      pd[i] = ap[5] == 'U' ? small : big;
      pd[i + k] = ap[5] == 'U' ? big : small;
    }
  } else {
    return node_fail(nd, "unknown auto_pad '%s'", ap);
  }
  dl_attrs_set_ints(a, "strides", st, k);
  dl_attrs_set_ints(a, "pads", pd, 2 * k);
  dl_attrs_set_ints(a, "dilations", dl, k);
  return true;
}

static bool check_kernel_shape(Node *nd, const int64_t *ks, int k) {
  int64_t v[8];
  int n;
  if (!attr_ints(nd, "kernel_shape", v, &n, 8)) return false;
  if (n < 0) return true;
  if (n != k) return node_fail(nd, "kernel_shape must have %d values", k);
  for (int i = 0; i < k; i++)
    if (v[i] != ks[i]) return node_fail(nd, "kernel_shape does not match the weight's shape");
  return true;
}

static bool conv(Node *nd, DlOpKind k) {
  bool qlinear = k == DL_OP_QLINEAR_CONV, integer = k == DL_OP_CONV_INTEGER;
  if (!need_inputs(nd, qlinear ? 8 : 2, qlinear ? 9 : integer ? 4 : 3)) return false;
  Entry *x = nd->in[0], *w = nd->in[qlinear ? 3 : 1];
  int r = x->shape.rank;
  if (r < 3 || r > 5) return node_fail(nd, "input must have rank 3 to 5, found %d", r);
  if (w->shape.rank != r) return node_fail(nd, "weight rank %d differs from input rank %d", w->shape.rank, r);
  DlAttrs a;
  dl_attrs_init(&a);
  int64_t group;
  if (!attr_int(nd, "group", 1, &group) || !check_kernel_shape(nd, w->shape.dims + 2, r - 2) ||
      !window_attrs(nd, &a, r - 2, x->shape.dims + 2, w->shape.dims + 2, true))
    return false;
  dl_attrs_set_int(&a, "group", group);
  Entry *ops[9];
  int n = nd->nin;
  memcpy(ops, nd->in, sizeof(Entry *) * (size_t)n);
  if (integer) {
    /* zero points default to 0 of the operand's type */
    for (int i = 2; i < 4; i++) {
      if (i < n && ops[i]) continue;
      DlShape s = {ops[i - 2]->shape.dtype, 0, {0}};
      DlTensor z = {0};
      dl_tensor_alloc(&z, &s);
      ops[i] = make_const_entry(nd->im, &z);
    }
    n = 4;
  } else if (n > (qlinear ? 8 : 2) && !ops[n - 1]) {
    n--; /* empty optional bias */
  }
  return emit_op(nd, k, n, ops, &a, NULL, 0) != NULL;
}

static bool conv_transpose(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 3)) return false;
  Entry *x = nd->in[0], *w = nd->in[1];
  int r = x->shape.rank, ks = r - 2;
  if (r < 3 || r > 5 || w->shape.rank != r) return node_fail(nd, "input and weight must have equal rank 3 to 5");
  DlAttrs a;
  dl_attrs_init(&a);
  int64_t group, op[8], os[8], st[8], pd[16], dl[8];
  int nop, nos, nst, npd, ndl;
  char ap[32];
  if (!attr_int(nd, "group", 1, &group) || !check_kernel_shape(nd, w->shape.dims + 2, ks) ||
      !attr_ints(nd, "output_padding", op, &nop, 8) || !attr_ints(nd, "output_shape", os, &nos, 8) ||
      !attr_ints(nd, "strides", st, &nst, 8) || !attr_ints(nd, "pads", pd, &npd, 16) ||
      !attr_ints(nd, "dilations", dl, &ndl, 8) || !attr_str(nd, "auto_pad", "NOTSET", ap, sizeof ap))
    return false;
  if (nst < 0) for (nst = 0; nst < ks; nst++) st[nst] = 1;
  if (ndl < 0) for (ndl = 0; ndl < ks; ndl++) dl[ndl] = 1;
  if (nop < 0) for (nop = 0; nop < ks; nop++) op[nop] = 0;
  if (npd < 0) for (npd = 0; npd < 2 * ks; npd++) pd[npd] = 0;
  if (nst != ks || ndl != ks || nop != ks || npd != 2 * ks) return node_fail(nd, "strides, dilations, output_padding or pads have the wrong length");
  for (int i = 0; i < ks; i++) {
    if (st[i] < 1 || dl[i] < 1)
      return node_fail(nd, "strides and dilations must be >= 1, found %lld and %lld in dimension %d", (long long)st[i],
                       (long long)dl[i], i);
    if (op[i] < 0 || (op[i] >= st[i] && op[i] >= dl[i]))
      return node_fail(nd, "output_padding %lld in dimension %d must be >= 0 and smaller than the stride (%lld) or the dilation (%lld)",
                       (long long)op[i], i, (long long)st[i], (long long)dl[i]);
  }
  if (nos >= 0 || strcmp(ap, "NOTSET")) {
    /* total padding from the requested output shape */
    if (nos >= 0 && nos != ks && nos != r) return node_fail(nd, "output_shape must have %d values", ks);
    for (int i = 0; i < ks; i++) {
      int64_t want = nos >= 0 ? os[nos == r ? i + 2 : i] : x->shape.dims[2 + i] * st[i];
      if (strcmp(ap, "VALID") == 0 && nos < 0) { pd[i] = pd[i + ks] = 0; continue; }
      int64_t total = st[i] * (x->shape.dims[2 + i] - 1) + op[i] + ((w->shape.dims[2 + i] - 1) * dl[i] + 1) - want;
      if (total < 0) { /* the requested output is larger: the rest is output padding */
        op[i] -= total;
        total = 0;
      }
      bool lower = !strcmp(ap, "SAME_LOWER");
      pd[i] = lower ? total - total / 2 : total / 2;
      pd[i + ks] = total - pd[i];
    }
  }
  dl_attrs_set_ints(&a, "strides", st, ks);
  dl_attrs_set_ints(&a, "pads", pd, 2 * ks);
  dl_attrs_set_ints(&a, "dilations", dl, ks);
  dl_attrs_set_ints(&a, "output_padding", op, ks);
  dl_attrs_set_int(&a, "group", group);
  int n = nd->nin == 3 && !nd->in[2] ? 2 : nd->nin;
  return emit_op(nd, k, n, nd->in, &a, NULL, 0) != NULL;
}

static bool pool(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  if (nd->n->n_output > 1 && nd->n->output[1][0]) return node_fail(nd, "the Indices output is not supported");
  Entry *x = nd->in[0];
  int r = x->shape.rank;
  if (r < 3) return node_fail(nd, "input must have rank >= 3, found %d", r);
  int64_t ks[8], ceil_mode, storage, cip;
  int nks;
  if (!attr_ints(nd, "kernel_shape", ks, &nks, 8)) return false;
  if (nks != r - 2) return node_fail(nd, "kernel_shape must have %d values", r - 2);
  DlAttrs a;
  dl_attrs_init(&a);
  if (!window_attrs(nd, &a, r - 2, x->shape.dims + 2, ks, true) ||
      !attr_int(nd, "ceil_mode", 0, &ceil_mode) || !attr_int(nd, "storage_order", 0, &storage))
    return false;
  if (storage) return node_fail(nd, "storage_order=1 is not supported");
  dl_attrs_set_ints(&a, "kernel_shape", ks, nks);
  dl_attrs_set_int(&a, "ceil_mode", ceil_mode);
  if (k == DL_OP_AVG_POOL) {
    if (!attr_int(nd, "count_include_pad", 0, &cip)) return false;
    dl_attrs_set_int(&a, "count_include_pad", cip);
  }
  return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
}

static bool reduce(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 2)) return false;
  int64_t axes[DL_MAX_RANK], keep, noop;
  int n = -1, r = nd->in[0]->shape.rank;
  if (!attr_int(nd, "keepdims", 1, &keep) || !attr_int(nd, "noop_with_empty_axes", 0, &noop) ||
      !attr_ints(nd, "axes", axes, &n, DL_MAX_RANK))
    return false;
  if (nd->nin > 1 && nd->in[1] && !input_const_ints(nd, 1, "axes", axes, &n, DL_MAX_RANK)) return false;
  if (n <= 0) {
    if (noop) return define_output_alias(nd, 0, nd->in[0]);
    for (n = 0; n < r; n++) axes[n] = n;
  }
  for (int i = 0; i < n; i++) {
    if (axes[i] < -r || axes[i] >= r) return node_fail(nd, "axis %lld out of range for rank %d", (long long)axes[i], r);
    if (axes[i] < 0) axes[i] += r;
  }
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_ints(&a, "axes", axes, n);
  dl_attrs_set_int(&a, "keepdims", keep);
  return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
}

static bool arg_reduce(Node *nd, DlOpKind k) { return generic(nd, k); }

static Entry *reshape_to(Node *nd, Entry *x, const DlShape *s, int out_index) {
  DlAttrs a;
  dl_attrs_init(&a);
  if (dl_shape_equal(&x->shape, s)) {
    define_output_alias(nd, out_index, x);
    return x;
  }
  return emit_op(nd, DL_OP_RESHAPE, 1, &x, &a, s, out_index);
}

static bool reshape(Node *nd, DlOpKind k) {
  int64_t v[DL_MAX_RANK], allowzero;
  int n;
  if (nd->im->opset < 5) { /* shape was an attribute */
    if (!need_inputs(nd, 1, 1) || !attr_ints(nd, "shape", v, &n, DL_MAX_RANK)) return false;
    if (n < 0) return node_fail(nd, "attribute 'shape' is required");
    allowzero = 0;
  } else if (!need_inputs(nd, 2, 2) || !attr_int(nd, "allowzero", 0, &allowzero) ||
             !input_const_ints(nd, 1, "shape", v, &n, DL_MAX_RANK))
    return false;
  DlShape s = {nd->in[0]->shape.dtype, n, {0}};
  int infer = -1;
  int64_t known = 1, total = dl_shape_numel(&nd->in[0]->shape);
  for (int i = 0; i < n; i++) {
    int64_t d = v[i];
    if (d == 0 && !allowzero) {
      if (i >= nd->in[0]->shape.rank) return node_fail(nd, "shape[%d] = 0 copies a dimension the input does not have", i);
      d = nd->in[0]->shape.dims[i];
    }
    if (d == -1) {
      if (infer >= 0) return node_fail(nd, "shape has more than one -1");
      infer = i;
      continue;
    }
    if (d < 0) return node_fail(nd, "shape[%d] = %lld is invalid", i, (long long)d);
    s.dims[i] = d;
    if (__builtin_mul_overflow(known, d, &known))
      return node_fail(nd, "shape's element count overflows 64 bits (at shape[%d] = %lld)", i, (long long)d);
  }
  if (infer >= 0) {
    if (known == 0 || total % known) return node_fail(nd, "cannot infer -1: %lld elements do not divide into %lld", (long long)total, (long long)known);
    s.dims[infer] = total / known;
  }
  if (dl_shape_numel(&s) != total)
    return node_fail(nd, "cannot reshape %lld elements into a shape of %lld", (long long)total, (long long)dl_shape_numel(&s));
  return reshape_to(nd, nd->in[0], &s, 0) != NULL;
}

static bool flatten(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  int64_t axis;
  int r = nd->in[0]->shape.rank;
  if (!attr_int(nd, "axis", 1, &axis)) return false;
  if (axis < -r || axis > r) return node_fail(nd, "axis %lld out of range", (long long)axis);
  if (axis < 0) axis += r;
  DlShape s = {nd->in[0]->shape.dtype, 2, {1, 1}};
  for (int i = 0; i < r; i++) s.dims[i < axis ? 0 : 1] *= nd->in[0]->shape.dims[i];
  return reshape_to(nd, nd->in[0], &s, 0) != NULL;
}

static bool squeeze(Node *nd, DlOpKind k) {
  bool un = !strcmp(nd->n->op_type, "Unsqueeze");
  if (!need_inputs(nd, un && nd->im->opset >= 13 ? 2 : 1, 2)) return false;
  int64_t axes[DL_MAX_RANK];
  int n = -1;
  if (!attr_ints(nd, "axes", axes, &n, DL_MAX_RANK)) return false;
  if (nd->nin > 1 && nd->in[1] && !input_const_ints(nd, 1, "axes", axes, &n, DL_MAX_RANK)) return false;
  const DlShape *in = &nd->in[0]->shape;
  DlShape s = {in->dtype, 0, {0}};
  bool mark[DL_MAX_RANK] = {0};
  int r = un ? in->rank + (n > 0 ? n : 0) : in->rank;
  if (un && n < 0) return node_fail(nd, "axes are required");
  if (r > DL_MAX_RANK) return node_fail(nd, "result rank %d exceeds %d", r, DL_MAX_RANK);
  for (int i = 0; i < n; i++) {
    int64_t ax = axes[i];
    if (ax < -r || ax >= r) return node_fail(nd, "axis %lld out of range", (long long)ax);
    if (ax < 0) ax += r;
    if (mark[ax]) return node_fail(nd, "axis %lld repeated", (long long)ax);
    mark[ax] = true;
  }
  if (un) {
    for (int i = 0, j = 0; i < r; i++) s.dims[s.rank++] = mark[i] ? 1 : in->dims[j++];
  } else {
    for (int i = 0; i < in->rank; i++) {
      if (n < 0 ? in->dims[i] == 1 : mark[i]) {
        if (in->dims[i] != 1) return node_fail(nd, "cannot squeeze axis %d of size %lld", i, (long long)in->dims[i]);
        continue;
      }
      s.dims[s.rank++] = in->dims[i];
    }
  }
  return reshape_to(nd, nd->in[0], &s, 0) != NULL;
}

static bool transpose(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  int64_t perm[DL_MAX_RANK];
  int n, r = nd->in[0]->shape.rank;
  if (!attr_ints(nd, "perm", perm, &n, DL_MAX_RANK)) return false;
  if (n < 0) for (n = 0; n < r; n++) perm[n] = r - 1 - n;
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_ints(&a, "perm", perm, n);
  return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
}

static bool concat(Node *nd, DlOpKind k) {
  int64_t axis;
  if (!attr_int(nd, "axis", 1, &axis)) return false;
  if (!attr_find(nd, "axis") && nd->im->opset >= 4) return node_fail(nd, "attribute 'axis' is required");
  Entry *ops[32];
  int n = 0;
  for (int i = 0; i < nd->nin; i++)
    if (nd->in[i] && dl_shape_numel(&nd->in[i]->shape) > 0) ops[n++] = nd->in[i];
  if (!n && nd->nin) ops[n++] = nd->in[0];
  return emit_concat(nd, (int)axis, n, ops, 0) != NULL;
}

/* Normalizes one slice axis: clamps start/end as ONNX specifies. */
static void slice_clamp(int64_t d, int64_t step, int64_t *st, int64_t *en) {
  if (*st < 0) *st += d;
  if (*en < 0) *en += d;
  if (step > 0) {
    *st = *st < 0 ? 0 : *st > d ? d : *st;
    *en = *en < 0 ? 0 : *en > d ? d : *en;
  } else {
    *st = *st < 0 ? -1 : *st > d - 1 ? d - 1 : *st;
    *en = *en < -1 ? -1 : *en > d - 1 ? d - 1 : *en;
  }
}

static Entry *emit_slice(Node *nd, Entry *x, int n, const int64_t *ax, int64_t *st, int64_t *en,
                         const int64_t *sp, int out_index, bool tmp) {
  int64_t axes[DL_MAX_RANK];
  int r = x->shape.rank;
  bool seen[DL_MAX_RANK] = {0};
  for (int i = 0; i < n; i++) {
    axes[i] = ax[i] < 0 ? ax[i] + r : ax[i];
    if (axes[i] < 0 || axes[i] >= r) return node_fail(nd, "slice axis %lld out of range", (long long)ax[i]), NULL;
    if (seen[axes[i]]) return node_fail(nd, "slice axis %lld repeated", (long long)ax[i]), NULL;
    seen[axes[i]] = true;
    if (sp[i] == 0) return node_fail(nd, "slice step must not be 0"), NULL;
    slice_clamp(x->shape.dims[axes[i]], sp[i], &st[i], &en[i]);
  }
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_ints(&a, "starts", st, n);
  dl_attrs_set_ints(&a, "ends", en, n);
  dl_attrs_set_ints(&a, "axes", axes, n);
  dl_attrs_set_ints(&a, "steps", sp, n);
  return tmp ? emit_op_tmp(nd, DL_OP_SLICE, 1, &x, &a, NULL) : emit_op(nd, DL_OP_SLICE, 1, &x, &a, NULL, out_index);
}

static bool slice(Node *nd, DlOpKind k) {
  int64_t st[DL_MAX_RANK], en[DL_MAX_RANK], ax[DL_MAX_RANK], sp[DL_MAX_RANK];
  int ns, ne, na = -1, nsp = -1;
  if (nd->im->opset < 10) {
    if (!need_inputs(nd, 1, 1) || !attr_ints(nd, "starts", st, &ns, DL_MAX_RANK) ||
        !attr_ints(nd, "ends", en, &ne, DL_MAX_RANK) || !attr_ints(nd, "axes", ax, &na, DL_MAX_RANK))
      return false;
  } else {
    if (!need_inputs(nd, 3, 5) || !input_const_ints(nd, 1, "starts", st, &ns, DL_MAX_RANK) ||
        !input_const_ints(nd, 2, "ends", en, &ne, DL_MAX_RANK))
      return false;
    if (nd->nin > 3 && nd->in[3] && !input_const_ints(nd, 3, "axes", ax, &na, DL_MAX_RANK)) return false;
    if (nd->nin > 4 && nd->in[4] && !input_const_ints(nd, 4, "steps", sp, &nsp, DL_MAX_RANK)) return false;
  }
  if (ns != ne) return node_fail(nd, "starts and ends differ in length");
  if (na < 0) for (na = 0; na < ns; na++) ax[na] = na;
  if (nsp < 0) for (nsp = 0; nsp < ns; nsp++) sp[nsp] = 1;
  if (na != ns || nsp != ns) return node_fail(nd, "axes and steps must match starts in length");
  return emit_slice(nd, nd->in[0], ns, ax, st, en, sp, 0, false) != NULL;
}

static bool split(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 2)) return false;
  int64_t axis, sizes[64], num_out;
  int n = -1, outs = (int)nd->n->n_output;
  if (!attr_int(nd, "axis", 0, &axis) || !attr_ints(nd, "split", sizes, &n, 64) ||
      !attr_int(nd, "num_outputs", outs, &num_out))
    return false;
  if (nd->nin > 1 && nd->in[1] && !input_const_ints(nd, 1, "split", sizes, &n, 64)) return false;
  Entry *x = nd->in[0];
  int r = x->shape.rank;
  if (axis < -r || axis >= r) return node_fail(nd, "axis out of range");
  if (axis < 0) axis += r;
  int64_t d = x->shape.dims[axis];
  if (outs > 64) return node_fail(nd, "too many outputs");
  if (outs < 1) return node_fail(nd, "has no outputs");
  if (n < 0) {
    int64_t each = (d + outs - 1) / outs;
    for (n = 0; n < outs; n++) sizes[n] = n < outs - 1 ? each : d - each * (outs - 1);
    if (d % outs && nd->im->opset < 18) return node_fail(nd, "dimension %lld does not split evenly into %d outputs", (long long)d, outs);
  }
  if (n != outs) return node_fail(nd, "split has %d sizes for %d outputs", n, outs);
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    if (sizes[i] < 0) return node_fail(nd, "negative split size");
    if (sizes[i] > d - off)
      return node_fail(nd, "split sizes add up to more than dimension %lld (at split[%d] = %lld)", (long long)d, i,
                       (long long)sizes[i]);
    int64_t st = off, en = off + sizes[i], sp = 1;
    off = en;
    if (!nd->n->output[i][0]) continue;
    if (!emit_slice(nd, x, 1, &axis, &st, &en, &sp, i, false)) return false;
  }
  if (off != d) return node_fail(nd, "split sizes add up to %lld, dimension is %lld", (long long)off, (long long)d);
  return true;
}

static bool pad(Node *nd, DlOpKind k) {
  int64_t pads[2 * DL_MAX_RANK], axes[DL_MAX_RANK];
  int np, na = -1, r = nd->nin ? (nd->in[0] ? nd->in[0]->shape.rank : 0) : 0;
  double value = 0;
  char mode[32];
  if (!attr_str(nd, "mode", "constant", mode, sizeof mode)) return false;
  if (nd->im->opset < 11) {
    if (!need_inputs(nd, 1, 1) || !attr_ints(nd, "pads", pads, &np, 2 * DL_MAX_RANK) ||
        !attr_float(nd, "value", 0, &value))
      return false;
  } else {
    if (!need_inputs(nd, 2, 4) || !input_const_ints(nd, 1, "pads", pads, &np, 2 * DL_MAX_RANK)) return false;
    if (nd->nin > 2 && nd->in[2]) {
      const DlTensor *t = input_const(nd, 2, "constant_value");
      if (!t) return false;
      if (dl_shape_numel(&t->shape) > 0) value = dl_tensor_get_f(t, 0);
    }
    if (nd->nin > 3 && nd->in[3] && !input_const_ints(nd, 3, "axes", axes, &na, DL_MAX_RANK)) return false;
  }
  if (na >= 0) {
    if (np != 2 * na) return node_fail(nd, "pads must have twice as many values as axes");
    int64_t full[2 * DL_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
      int64_t ax = axes[i] < 0 ? axes[i] + r : axes[i];
      if (ax < 0 || ax >= r) return node_fail(nd, "pad axis out of range");
      full[ax] = pads[i], full[ax + r] = pads[i + na];
    }
    memcpy(pads, full, sizeof full);
    np = 2 * r;
  }
  if (np != 2 * r) return node_fail(nd, "pads must have %d values, found %d", 2 * r, np);
  if (strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge") && strcmp(mode, "wrap"))
    return node_fail(nd, "unknown pad mode '%s'", mode);
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_ints(&a, "pads", pads, np);
  dl_attrs_set_str(&a, "mode", mode);
  dl_attrs_set_float(&a, "value", value);
  return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
}

static bool resize(Node *nd, DlOpKind k) {
  bool upsample = !strcmp(nd->n->op_type, "Upsample");
  if (!need_inputs(nd, 1, 4)) return false;
  Entry *x = nd->in[0];
  int r = x->shape.rank;
  double scales[DL_MAX_RANK];
  int64_t sizes[DL_MAX_RANK];
  int nsc = -1, nsz = -1;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  int64_t axes_attr[DL_MAX_RANK];
  int nax;
  char policy[32];
  if (!attr_ints(nd, "axes", axes_attr, &nax, DL_MAX_RANK) ||
      !attr_str(nd, "keep_aspect_ratio_policy", "stretch", policy, sizeof policy))
    return false;
  if (nax >= 0) return node_fail(nd, "attribute 'axes' is not supported");
  if (strcmp(policy, "stretch")) return node_fail(nd, "keep_aspect_ratio_policy '%s' is not supported", policy);
  int si = upsample || nd->im->opset < 11 ? 1 : 2; /* scales input index */
  if (upsample && nd->im->opset < 9) {
    if (!attr_floats(nd, "scales", scales, &nsc, DL_MAX_RANK)) return false;
  } else if (nd->nin > si && nd->in[si] && dl_shape_numel(&nd->in[si]->shape) > 0) {
    const DlTensor *t = input_const(nd, si, "scales");
    if (!t) return false;
    nsc = (int)dl_shape_numel(&t->shape);
    if (nsc > DL_MAX_RANK) return node_fail(nd, "too many scales");
    for (int i = 0; i < nsc; i++) scales[i] = dl_tensor_get_f(t, i);
  }
  if (!upsample && nd->nin > 3 && nd->in[3] && !input_const_ints(nd, 3, "sizes", sizes, &nsz, DL_MAX_RANK)) return false;
  if (nd->nin > 1 && nd->in[1] && !upsample && nd->im->opset >= 11 && dl_shape_numel(&nd->in[1]->shape) > 0) {
    const char *ctm = dl_attrs_str(&a, "coordinate_transformation_mode", "half_pixel");
    if (!strcmp(ctm, "tf_crop_and_resize")) return node_fail(nd, "tf_crop_and_resize is not supported");
  }
  DlShape out = x->shape;
  if (nsz >= 0) {
    if (nsz != r) return node_fail(nd, "sizes must have %d values", r);
    for (int i = 0; i < r; i++) {
      out.dims[i] = sizes[i];
      scales[i] = (double)sizes[i] / (double)x->shape.dims[i];
    }
  } else if (nsc >= 0) {
    if (nsc != r) return node_fail(nd, "scales must have %d values", r);
    for (int i = 0; i < r; i++) {
      if (!(scales[i] > 0)) return node_fail(nd, "scales must be positive");
      out.dims[i] = (int64_t)floor((double)x->shape.dims[i] * scales[i]);
    }
  } else {
    return node_fail(nd, "needs scales or sizes");
  }
  if (upsample) {
    const char *m = dl_attrs_str(&a, "mode", "nearest");
    dl_attrs_set_str(&a, "coordinate_transformation_mode", "asymmetric");
    if (!strcmp(m, "nearest")) dl_attrs_set_str(&a, "nearest_mode", "floor");
  } else if (nd->im->opset < 11) {
    dl_attrs_set_str(&a, "coordinate_transformation_mode", "asymmetric");
    if (!strcmp(dl_attrs_str(&a, "mode", "nearest"), "nearest")) dl_attrs_set_str(&a, "nearest_mode", "floor");
  }
  const char *m = dl_attrs_str(&a, "mode", "nearest");
  if (strcmp(m, "nearest") && strcmp(m, "linear") && strcmp(m, "cubic") && strcmp(m, "bilinear"))
    return node_fail(nd, "unknown resize mode '%s'", m);
  if (!strcmp(m, "bilinear")) dl_attrs_set_str(&a, "mode", "linear");
  dl_attrs_set_floats(&a, "scales", scales, r);
  return emit_op(nd, DL_OP_RESIZE, 1, nd->in, &a, &out, 0) != NULL;
}

static bool expand(Node *nd, DlOpKind k) {
  int64_t v[DL_MAX_RANK];
  int n;
  if (!need_inputs(nd, 2, 2) || !input_const_ints(nd, 1, "shape", v, &n, DL_MAX_RANK)) return false;
  DlShape t = {nd->in[0]->shape.dtype, n, {0}}, out;
  memcpy(t.dims, v, sizeof(int64_t) * (size_t)n);
  DlError e = {0};
  if (!dl_broadcast_shapes(&nd->in[0]->shape, &t, &out, &e)) {
    node_fail(nd, "%s", e.msg);
    dl_error_clear(&e);
    return false;
  }
  DlAttrs a;
  dl_attrs_init(&a);
  if (dl_shape_equal(&out, &nd->in[0]->shape)) return define_output_alias(nd, 0, nd->in[0]);
  return emit_op(nd, k, 1, nd->in, &a, &out, 0) != NULL;
}

static bool tile(Node *nd, DlOpKind k) {
  int64_t v[DL_MAX_RANK];
  int n;
  if (!need_inputs(nd, 2, 2) || !input_const_ints(nd, 1, "repeats", v, &n, DL_MAX_RANK)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_ints(&a, "repeats", v, n);
  return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
}

static bool cast(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  int64_t to, sat;
  if (!attr_int(nd, "to", 0, &to) || !attr_int(nd, "saturate", 1, &sat)) return false;
  DlShape s = nd->in[0]->shape;
  s.dtype = dl_dtype_from_onnx((int)to);
  if (s.dtype == DL_NONE) return node_fail(nd, "cannot cast to ONNX data type %lld", (long long)to);
  if (s.dtype == nd->in[0]->shape.dtype) return define_output_alias(nd, 0, nd->in[0]);
  DlAttrs a;
  dl_attrs_init(&a);
  return emit_op(nd, k, 1, nd->in, &a, &s, 0) != NULL;
}

static bool shape_op(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  const DlShape *in = &nd->in[0]->shape;
  int64_t st, en;
  if (!attr_int(nd, "start", 0, &st) || !attr_int(nd, "end", in->rank, &en)) return false;
  if (st < 0) st += in->rank;
  if (en < 0) en += in->rank;
  st = st < 0 ? 0 : st > in->rank ? in->rank : st;
  en = en < 0 ? 0 : en > in->rank ? in->rank : en;
  DlShape s = {DL_I64, 1, {en > st ? en - st : 0}};
  DlTensor t = {0};
  dl_tensor_alloc(&t, &s);
  for (int64_t i = st; i < en; i++) ((int64_t *)t.data)[i - st] = in->dims[i];
  return define_output_const(nd, 0, &t);
}

static bool size_op(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  DlShape s = {DL_I64, 0, {0}};
  DlTensor t = {0};
  dl_tensor_alloc(&t, &s);
  *(int64_t *)t.data = dl_shape_numel(&nd->in[0]->shape);
  return define_output_const(nd, 0, &t);
}

static bool constant(Node *nd, DlOpKind k) {
  if (nd->nin) return node_fail(nd, "takes no inputs");
  Onnx__AttributeProto *at;
  DlTensor t = {0};
  char what[300];
  snprintf(what, sizeof what, "%s", nd->desc);
  if ((at = attr_find(nd, "value"))) {
    if (at->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR || !at->t) return node_fail(nd, "attribute 'value' must be TENSOR");
    if (!dl_onnx_tensor_decode(nd->im, at->t, &t, what)) return false;
    return define_output_const(nd, 0, &t);
  }
  if ((at = attr_find(nd, "value_float")) || (at = attr_find(nd, "value_int"))) {
    bool f = at->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    if (!f && at->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) return node_fail(nd, "attribute '%s' has the wrong type", at->name);
    DlShape s = {f ? DL_F32 : DL_I64, 0, {0}};
    dl_tensor_alloc(&t, &s);
    if (f) *(float *)t.data = at->f;
    else *(int64_t *)t.data = at->i;
    return define_output_const(nd, 0, &t);
  }
  if ((at = attr_find(nd, "value_floats")) || (at = attr_find(nd, "value_ints"))) {
    bool f = at->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    if (!f && at->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS) return node_fail(nd, "attribute '%s' has the wrong type", at->name);
    DlShape s = {f ? DL_F32 : DL_I64, 1, {f ? (int64_t)at->n_floats : (int64_t)at->n_ints}};
    dl_tensor_alloc(&t, &s);
    for (int64_t i = 0; i < s.dims[0]; i++) {
      if (f) ((float *)t.data)[i] = at->floats[i];
      else ((int64_t *)t.data)[i] = at->ints[i];
    }
    return define_output_const(nd, 0, &t);
  }
  return node_fail(nd, "needs a value attribute (sparse and string constants are not supported)");
}

static bool constant_of_shape(Node *nd, DlOpKind k) {
  int64_t v[DL_MAX_RANK];
  int n;
  if (!need_inputs(nd, 1, 1) || !input_const_ints(nd, 0, "shape", v, &n, DL_MAX_RANK)) return false;
  Onnx__AttributeProto *at = attr_find(nd, "value");
  DlTensor val = {0};
  if (at) {
    if (at->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR || !at->t) return node_fail(nd, "attribute 'value' must be TENSOR");
    if (!dl_onnx_tensor_decode(nd->im, at->t, &val, nd->desc)) return false;
    if (dl_shape_numel(&val.shape) != 1) {
      dl_tensor_free(&val);
      return node_fail(nd, "value must hold one element");
    }
  }
  DlShape s = {at ? val.shape.dtype : DL_F32, n, {0}};
  for (int i = 0; i < n; i++) {
    if (v[i] < 0) return dl_tensor_free(&val), node_fail(nd, "negative dimension in shape");
    s.dims[i] = v[i];
  }
  DlTensor t = {0};
  if (dl_shape_numel(&s) > (1 << 26) || !dl_tensor_alloc(&t, &s)) return dl_tensor_free(&val), node_fail(nd, "shape is too large");
  size_t el = dl_dtype_size(s.dtype);
  for (int64_t i = 0; at && i < dl_shape_numel(&s); i++) memcpy((char *)t.data + i * el, val.data, el);
  dl_tensor_free(&val);
  return define_output_const(nd, 0, &t);
}

static bool range(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 3, 3)) return false;
  const DlTensor *a = input_const(nd, 0, "start"), *b = input_const(nd, 1, "limit"), *d = input_const(nd, 2, "delta");
  if (!a || !b || !d) return false;
  double st = dl_tensor_get_f(a, 0), lim = dl_tensor_get_f(b, 0), dt = dl_tensor_get_f(d, 0);
  if (dt == 0) return node_fail(nd, "delta must not be 0");
  double cnt = ceil((lim - st) / dt);
  if (cnt < 0) cnt = 0;
  if (cnt > (1 << 24)) return node_fail(nd, "range is too long");
  DlShape s = {a->shape.dtype, 1, {(int64_t)cnt}};
  DlTensor t = {0};
  dl_tensor_alloc(&t, &s);
  bool integer = !dl_dtype_is_float(s.dtype);
  for (int64_t i = 0; i < s.dims[0]; i++) {
    if (integer) dl_tensor_set_i(&t, i, dl_tensor_get_i(a, 0) + i * dl_tensor_get_i(d, 0));
    else dl_tensor_set_f(&t, i, st + (double)i * dt);
  }
  return define_output_const(nd, 0, &t);
}

static bool quant(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 3)) return false;
  int64_t axis, sat;
  if (!attr_int(nd, "axis", 1, &axis) || !attr_int(nd, "saturate", 1, &sat)) return false;
  int r = nd->in[0]->shape.rank;
  bool per_axis = dl_shape_numel(&nd->in[1]->shape) > 1 || nd->in[1]->shape.rank > 0;
  if (per_axis && (axis < -r || axis >= r)) return node_fail(nd, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  if (!per_axis) axis = 1;
  DlShape out = nd->in[0]->shape;
  if (k == DL_OP_QUANTIZE_LINEAR) out.dtype = nd->nin > 2 && nd->in[2] ? nd->in[2]->shape.dtype : DL_U8;
  else out.dtype = nd->in[1]->shape.dtype;
  int n = nd->nin > 2 && !nd->in[2] ? 2 : nd->nin;
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_int(&a, "axis", axis);
  return emit_op(nd, k, n, nd->in, &a, &out, 0) != NULL;
}

static bool matmul_integer(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 4)) return false;
  Entry *ops[4] = {nd->in[0], nd->in[1], IN(2), IN(3)};
  for (int i = 2; i < 4; i++) {
    if (ops[i]) continue;
    DlShape s = {ops[i - 2]->shape.dtype, 0, {0}};
    DlTensor z = {0};
    dl_tensor_alloc(&z, &s);
    ops[i] = make_const_entry(nd->im, &z);
  }
  DlAttrs a;
  dl_attrs_init(&a);
  return emit_op(nd, k, 4, ops, &a, NULL, 0) != NULL;
}

static bool gemm(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 3)) return false;
  int64_t bc;
  if (!attr_int(nd, "broadcast", 0, &bc)) return false; /* opset < 7: C broadcasts */
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  int n = nd->nin == 3 && !nd->in[2] ? 2 : nd->nin;
  return emit_op(nd, k, n, nd->in, &a, NULL, 0) != NULL;
}

static bool gather(Node *nd, DlOpKind k) { return generic(nd, k); }

static bool prelu(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 2)) return false;
  const DlShape *x = &nd->in[0]->shape, *sl = &nd->in[1]->shape;
  /* before opset 7 a [C] slope applies per channel */
  if (nd->im->opset < 7 && sl->rank == 1 && x->rank > 2 && sl->dims[0] == x->dims[1] && sl->dims[0] != 1) {
    DlShape t = {sl->dtype, x->rank - 1, {0}};
    t.dims[0] = sl->dims[0];
    for (int i = 1; i < t.rank; i++) t.dims[i] = 1;
    DlAttrs a;
    dl_attrs_init(&a);
    if (!(nd->in[1] = emit_op_tmp(nd, DL_OP_RESHAPE, 1, &nd->in[1], &a, &t))) return false;
  }
  return generic(nd, k);
}

static bool cast_like(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 2)) return false;
  int64_t sat;
  if (!attr_int(nd, "saturate", 1, &sat)) return false;
  DlShape s = nd->in[0]->shape;
  s.dtype = nd->in[1]->shape.dtype;
  if (s.dtype == nd->in[0]->shape.dtype) return define_output_alias(nd, 0, nd->in[0]);
  DlAttrs a;
  dl_attrs_init(&a);
  return emit_op(nd, DL_OP_CAST, 1, nd->in, &a, &s, 0) != NULL;
}

/* Trilu's k and CumSum's axis are constant inputs; they become attributes. */
static bool const_input_attr(Node *nd, DlOpKind k) {
  bool cumsum = k == DL_OP_CUMSUM;
  if (!need_inputs(nd, cumsum ? 2 : 1, 2)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  if (nd->nin > 1 && nd->in[1]) {
    const DlTensor *t = input_const(nd, 1, cumsum ? "axis" : "k");
    if (!t) return false;
    if (dl_shape_numel(&t->shape) != 1) return node_fail(nd, "input 1 must hold one value");
    dl_attrs_set_int(&a, cumsum ? "axis" : "k", dl_tensor_get_i(t, 0));
  }
  if (cumsum) {
    int64_t axis = dl_attrs_int(&a, "axis", 0);
    int r = nd->in[0]->shape.rank;
    if (axis < -r || axis >= r) return node_fail(nd, "axis %lld out of range", (long long)axis);
    dl_attrs_set_int(&a, "axis", axis < 0 ? axis + r : axis);
  }
  return emit_op(nd, k, 1, nd->in, &a, NULL, 0) != NULL;
}

static bool nll_loss(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 3)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, DL_OP_NLL_LOSS, &a)) return false;
  Entry *ops[3] = {nd->in[0], nd->in[1], IN(2)};
  int n = ops[2] ? 3 : 2;
  if (k == DL_OP_LOG_SOFTMAX) { /* SoftmaxCrossEntropyLoss = NLL of LogSoftmax over classes */
    DlAttrs sa;
    dl_attrs_init(&sa);
    dl_attrs_set_int(&sa, "axis", 1);
    if (!(ops[0] = emit_out(nd, DL_OP_LOG_SOFTMAX, 1, nd->in, &sa, 1))) return false;
  }
  return emit_op(nd, DL_OP_NLL_LOSS, n, ops, &a, NULL, 0) != NULL;
}

/* TopK: qg.top_k gives the positions (output 1), a gather_elements of them
 * the values (output 0). K is an attribute before opset 10, then a constant
 * input (it is the outputs' size). */
static bool top_k(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, nd->im->opset < 10 ? 1 : 2)) return false;
  DlAttrs a;
  int64_t kv, axis, largest, sorted;
  if (!attr_int(nd, "k", -1, &kv) || !attr_int(nd, "axis", -1, &axis) ||
      !attr_int(nd, "largest", 1, &largest) || !attr_int(nd, "sorted", 1, &sorted))
    return false;
  if (nd->im->opset >= 10) {
    if (nd->nin < 2 || !nd->in[1]) return node_fail(nd, "needs input K");
    const DlTensor *t = input_const(nd, 1, "K");
    if (!t) return false;
    if (dl_shape_numel(&t->shape) != 1) return node_fail(nd, "K must hold one value");
    kv = dl_tensor_get_i(t, 0);
  } else if (!attr_find(nd, "k")) {
    return node_fail(nd, "needs attribute 'k'");
  }
  if ((largest != 0 && largest != 1) || (sorted != 0 && sorted != 1))
    return node_fail(nd, "largest and sorted must be 0 or 1");
  int r = nd->in[0]->shape.rank;
  if (axis < -r || axis >= r)
    return node_fail(nd, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  /* sorted=0 leaves the order unspecified: the sorted order is one */
  fresh(&a);
  dl_attrs_set_int(&a, "k", kv);
  dl_attrs_set_int(&a, "axis", axis);
  dl_attrs_set_int(&a, "largest", largest);
  Entry *idx = emit_op(nd, k, 1, nd->in, &a, NULL, 1);
  if (!idx) return false;
  Entry *ops[2] = {nd->in[0], idx};
  dl_attrs_set_int(fresh(&a), "axis", axis);
  return emit_op(nd, DL_OP_GATHER_ELEMENTS, 2, ops, &a, NULL, 0) != NULL;
}

/* GridSample: opset 16's mode names (bilinear, bicubic) are opset 20's
 * linear and cubic. */
static bool grid_sample(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 2, 2)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  const char *m = dl_attrs_str(&a, "mode", "linear");
  if (!strcmp(m, "bilinear")) dl_attrs_set_str(&a, "mode", "linear");
  if (!strcmp(m, "bicubic")) dl_attrs_set_str(&a, "mode", "cubic");
  return emit_op(nd, k, 2, nd->in, &a, NULL, 0) != NULL;
}

static Entry *i64_vector(Node *nd, const int64_t *v, size_t n) {
  DlShape s = {DL_I64, 1, {(int64_t)n}};
  DlTensor t = {0};
  if (!dl_tensor_alloc(&t, &s)) return node_fail(nd, "out of memory"), NULL;
  if (n) memcpy(t.data, v, n * sizeof *v);
  return make_const_entry(nd->im, &t);
}

/* TfIdfVectorizer on integer input: the pool and its tables become constant
 * operands (weights default to 1); string pools are not supported. */
static bool tfidf(Node *nd, DlOpKind k) {
  if (!need_inputs(nd, 1, 1)) return false;
  DlAttrs a;
  dl_attrs_init(&a);
  if (!copy_attrs(nd, k, &a)) return false;
  Onnx__AttributeProto *ps = attr_find(nd, "pool_strings"), *pi = attr_find(nd, "pool_int64s"),
                       *nc = attr_find(nd, "ngram_counts"), *ni = attr_find(nd, "ngram_indexes"),
                       *w = attr_find(nd, "weights");
  if (ps && ps->n_strings)
    return node_fail(nd, "pool_strings is not supported (dlc has no string tensors)");
  if (!pi || !nc || !ni) return node_fail(nd, "needs pool_int64s, ngram_counts and ngram_indexes");
  if (w && w->n_floats != ni->n_ints)
    return node_fail(nd, "weights must have one entry per ngram index");
  int64_t width = 0;
  for (size_t i = 0; i < ni->n_ints; i++) {
    if (ni->ints[i] < 0) return node_fail(nd, "ngram_indexes must be >= 0");
    if (ni->ints[i] + 1 > width) width = ni->ints[i] + 1;
  }
  for (size_t i = 0; i < nc->n_ints; i++)
    if (nc->ints[i] < 0 || nc->ints[i] > (int64_t)pi->n_ints ||
        (i && nc->ints[i] < nc->ints[i - 1]))
      return node_fail(nd, "ngram_counts must be ascending offsets into the pool");
  DlShape ws = {DL_F32, 1, {(int64_t)ni->n_ints}}, out = nd->in[0]->shape;
  DlTensor wt = {0};
  if (!dl_tensor_alloc(&wt, &ws)) return node_fail(nd, "out of memory");
  for (size_t i = 0; i < ni->n_ints; i++) ((float *)wt.data)[i] = w ? w->floats[i] : 1;
  Entry *ops[5] = {nd->in[0], i64_vector(nd, pi->ints, pi->n_ints),
                   i64_vector(nd, nc->ints, nc->n_ints), i64_vector(nd, ni->ints, ni->n_ints),
                   make_const_entry(nd->im, &wt)};
  if (out.rank >= 1) out.dims[out.rank - 1] = width;
  out.dtype = DL_F32;
  return ops[1] && ops[2] && ops[3] && emit_op(nd, k, 5, ops, &a, &out, 0) != NULL;
}

static bool unsupported(Node *nd, DlOpKind k) { return node_fail(nd, "unsupported op"); }

static const ImportRow rows[] = {
    {"Conv", conv, DL_OP_CONV, 1},
    {"ConvTranspose", conv_transpose, DL_OP_CONV_TRANSPOSE, 1},
    {"QLinearConv", conv, DL_OP_QLINEAR_CONV, 10},
    {"ConvInteger", conv, DL_OP_CONV_INTEGER, 10},
    {"Gemm", gemm, DL_OP_GEMM, 1},
    {"MatMul", generic, DL_OP_MATMUL, 1},
    {"QLinearMatMul", generic, DL_OP_QLINEAR_MATMUL, 10},
    {"MatMulInteger", matmul_integer, DL_OP_MATMUL_INTEGER, 10},
    {"Add", binary, DL_OP_ADD, 1},
    {"Sub", binary, DL_OP_SUB, 1},
    {"Mul", binary, DL_OP_MUL, 1},
    {"Div", binary, DL_OP_DIV, 1},
    {"Pow", binary, DL_OP_POW, 1},
    {"Mod", binary, DL_OP_MOD, 10},
    {"Sum", variadic, DL_OP_ADD, 1},
    {"Mean", variadic, DL_OP_ADD, 1},
    {"Max", variadic, DL_OP_MAX, 1},
    {"Min", variadic, DL_OP_MIN, 1},
    {"Equal", generic, DL_OP_EQUAL, 1},
    {"Less", generic, DL_OP_LESS, 1},
    {"LessOrEqual", generic, DL_OP_LESS_EQUAL, 12},
    {"Greater", generic, DL_OP_GREATER, 1},
    {"GreaterOrEqual", generic, DL_OP_GREATER_EQUAL, 12},
    {"And", generic, DL_OP_AND, 1},
    {"Or", generic, DL_OP_OR, 1},
    {"Xor", generic, DL_OP_XOR, 1},
    {"Where", generic, DL_OP_WHERE, 9},
    {"Relu", generic, DL_OP_RELU, 1},
    {"LeakyRelu", generic, DL_OP_LEAKY_RELU, 1},
    {"PRelu", prelu, DL_OP_PRELU, 1},
    {"Clip", clip, DL_OP_CLIP, 1},
    {"Sigmoid", generic, DL_OP_SIGMOID, 1},
    {"HardSigmoid", generic, DL_OP_HARD_SIGMOID, 1},
    {"HardSwish", generic, DL_OP_HARD_SWISH, 14},
    {"Tanh", generic, DL_OP_TANH, 1},
    {"Erf", generic, DL_OP_ERF, 9},
    {"Gelu", generic, DL_OP_GELU, 20},
    {"Elu", generic, DL_OP_ELU, 1},
    {"Selu", generic, DL_OP_SELU, 1},
    {"Celu", generic, DL_OP_CELU, 12},
    {"Softplus", generic, DL_OP_SOFTPLUS, 1},
    {"Softsign", generic, DL_OP_SOFTSIGN, 1},
    {"ThresholdedRelu", generic, DL_OP_THRESHOLDED_RELU, 10},
    {"Sqrt", generic, DL_OP_SQRT, 1},
    {"Exp", generic, DL_OP_EXP, 1},
    {"Log", generic, DL_OP_LOG, 1},
    {"Neg", generic, DL_OP_NEG, 1},
    {"Abs", generic, DL_OP_ABS, 1},
    {"Reciprocal", generic, DL_OP_RECIPROCAL, 1},
    {"Floor", generic, DL_OP_FLOOR, 1},
    {"Ceil", generic, DL_OP_CEIL, 1},
    {"Round", generic, DL_OP_ROUND, 11},
    {"Sign", generic, DL_OP_SIGN, 9},
    {"Sin", generic, DL_OP_SIN, 7},
    {"Cos", generic, DL_OP_COS, 7},
    {"Not", generic, DL_OP_NOT, 1},
    {"Tan", generic, DL_OP_TAN, 7},
    {"Asin", generic, DL_OP_ASIN, 7},
    {"Acos", generic, DL_OP_ACOS, 7},
    {"Atan", generic, DL_OP_ATAN, 7},
    {"Sinh", generic, DL_OP_SINH, 9},
    {"Cosh", generic, DL_OP_COSH, 9},
    {"Asinh", generic, DL_OP_ASINH, 9},
    {"Acosh", generic, DL_OP_ACOSH, 9},
    {"Atanh", generic, DL_OP_ATANH, 9},
    {"IsNaN", generic, DL_OP_IS_NAN, 9},
    {"IsInf", generic, DL_OP_IS_INF, 10},
    {"BitShift", generic, DL_OP_BIT_SHIFT, 11},
    {"BitwiseAnd", generic, DL_OP_BITWISE_AND, 18},
    {"BitwiseOr", generic, DL_OP_BITWISE_OR, 18},
    {"BitwiseXor", generic, DL_OP_BITWISE_XOR, 18},
    {"BitwiseNot", generic, DL_OP_BITWISE_NOT, 18},
    {"CastLike", cast_like, DL_OP_CAST, 15},
    {"Hardmax", softmax, DL_OP_HARDMAX, 1},
    {"CumSum", const_input_attr, DL_OP_CUMSUM, 11},
    {"Trilu", const_input_attr, DL_OP_TRILU, 14},
    {"GatherElements", generic, DL_OP_GATHER_ELEMENTS, 11},
    {"GatherND", generic, DL_OP_GATHER_ND, 11},
    {"Scatter", generic, DL_OP_SCATTER_ELEMENTS, 9},
    {"ScatterElements", generic, DL_OP_SCATTER_ELEMENTS, 11},
    {"ScatterND", generic, DL_OP_SCATTER_ND, 11},
    {"TopK", top_k, DL_OP_TOP_K, 1},
    {"ReverseSequence", generic, DL_OP_REVERSE_SEQUENCE, 10},
    {"GridSample", grid_sample, DL_OP_GRID_SAMPLE, 16},
    {"TfIdfVectorizer", tfidf, DL_OP_TFIDF_VECTORIZER, 9},
    {"Det", generic, DL_OP_DET, 11},
    {"NegativeLogLikelihoodLoss", nll_loss, DL_OP_NLL_LOSS, 12},
    {"SoftmaxCrossEntropyLoss", nll_loss, DL_OP_LOG_SOFTMAX, 12},
    {"ReduceLogSum", reduce, DL_OP_REDUCE_LOG_SUM, 1},
    {"Cast", cast, DL_OP_CAST, 1},
    {"Softmax", softmax, DL_OP_SOFTMAX, 1},
    {"LogSoftmax", softmax, DL_OP_LOG_SOFTMAX, 1},
    {"LayerNormalization", layer_norm, DL_OP_LAYER_NORM, 17},
    {"BatchNormalization", batch_norm, DL_OP_BATCH_NORM, 1},
    {"InstanceNormalization", generic, DL_OP_INSTANCE_NORM, 1},
    {"MaxPool", pool, DL_OP_MAX_POOL, 1},
    {"AveragePool", pool, DL_OP_AVG_POOL, 1},
    {"GlobalAveragePool", generic, DL_OP_GLOBAL_AVG_POOL, 1},
    {"GlobalMaxPool", generic, DL_OP_GLOBAL_MAX_POOL, 1},
    {"ReduceMean", reduce, DL_OP_REDUCE_MEAN, 1},
    {"ReduceMax", reduce, DL_OP_REDUCE_MAX, 1},
    {"ReduceMin", reduce, DL_OP_REDUCE_MIN, 1},
    {"ReduceSum", reduce, DL_OP_REDUCE_SUM, 1},
    {"ReduceProd", reduce, DL_OP_REDUCE_PROD, 1},
    {"ReduceL1", reduce, DL_OP_REDUCE_L1, 1},
    {"ReduceL2", reduce, DL_OP_REDUCE_L2, 1},
    {"ReduceSumSquare", reduce, DL_OP_REDUCE_SUM_SQUARE, 1},
    {"ReduceLogSumExp", reduce, DL_OP_REDUCE_LOG_SUM_EXP, 1},
    {"ArgMax", arg_reduce, DL_OP_ARG_MAX, 1},
    {"ArgMin", arg_reduce, DL_OP_ARG_MIN, 1},
    {"Reshape", reshape, DL_OP_RESHAPE, 1},
    {"Flatten", flatten, DL_OP_RESHAPE, 1},
    {"Squeeze", squeeze, DL_OP_RESHAPE, 1},
    {"Unsqueeze", squeeze, DL_OP_RESHAPE, 1},
    {"Identity", identity, DL_OP_COUNT, 1},
    {"Dropout", identity, DL_OP_COUNT, 1},
    {"Transpose", transpose, DL_OP_TRANSPOSE, 1},
    {"Concat", concat, DL_OP_COUNT, 1},
    {"Split", split, DL_OP_SLICE, 1},
    {"Slice", slice, DL_OP_SLICE, 1},
    {"Pad", pad, DL_OP_PAD, 1},
    {"Resize", resize, DL_OP_RESIZE, 10},
    {"Upsample", resize, DL_OP_RESIZE, 7},
    {"Expand", expand, DL_OP_EXPAND, 8},
    {"Tile", tile, DL_OP_TILE, 6},
    {"Gather", gather, DL_OP_GATHER, 1},
    {"DepthToSpace", generic, DL_OP_DEPTH_TO_SPACE, 1},
    {"SpaceToDepth", generic, DL_OP_SPACE_TO_DEPTH, 1},
    {"Shape", shape_op, DL_OP_COUNT, 1},
    {"Size", size_op, DL_OP_COUNT, 1},
    {"Constant", constant, DL_OP_COUNT, 1},
    {"ConstantOfShape", constant_of_shape, DL_OP_COUNT, 9},
    {"Range", range, DL_OP_COUNT, 11},
    {"If", dl_onnx_import_if, DL_OP_COUNT, 1},
    {"HannWindow", dl_onnx_import_window, DL_OP_COUNT, 17},
    {"HammingWindow", dl_onnx_import_window, DL_OP_COUNT, 17},
    {"BlackmanWindow", dl_onnx_import_window, DL_OP_COUNT, 17},
    {"EyeLike", dl_onnx_import_eye_like, DL_OP_COUNT, 9},
    {"Compress", dl_onnx_import_compress, DL_OP_COUNT, 9},
    {"OneHot", dl_onnx_import_one_hot, DL_OP_COUNT, 9},
    {"Shrink", dl_onnx_import_shrink, DL_OP_COUNT, 9},
    {"LRN", dl_onnx_import_lrn, DL_OP_COUNT, 1},
    {"MeanVarianceNormalization", dl_onnx_import_mvn, DL_OP_COUNT, 9},
    {"DynamicQuantizeLinear", dl_onnx_import_dynamic_quantize, DL_OP_COUNT, 11},
    {"NonMaxSuppression", dl_onnx_import_nms, DL_OP_COUNT, 10},
    {"Unique", dl_onnx_import_unique, DL_OP_COUNT, 11},
    {"NonZero", dl_onnx_import_nonzero, DL_OP_COUNT, 9},
    {"LSTM", dl_onnx_import_lstm, DL_OP_COUNT, 1},
    {"GRU", dl_onnx_import_gru, DL_OP_COUNT, 7},
    {"RNN", dl_onnx_import_rnn, DL_OP_COUNT, 7},
    {"Einsum", dl_onnx_import_einsum, DL_OP_COUNT, 12},
    {"Loop", dl_onnx_import_loop, DL_OP_COUNT, 1},
    {"Scan", dl_onnx_import_scan, DL_OP_COUNT, 8},
    {"QuantizeLinear", quant, DL_OP_QUANTIZE_LINEAR, 10},
    {"DequantizeLinear", quant, DL_OP_DEQUANTIZE_LINEAR, 10},
};

const ImportRow *dl_onnx_import_row(const char *op_type) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (!strcmp(rows[i].onnx, op_type)) return &rows[i];
  (void)unsupported;
  return NULL;
}
