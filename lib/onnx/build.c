/* Small builders for importers that expand one ONNX node into several qg ops
 * (rnn.c, einsum.c): each returns an unnamed result, or defines the node's
 * output `out` when out >= 0. */
#include <limits.h>
#include <string.h>

#include "import_internal.h"

Entry *imp_unary(Node *nd, DlOpKind k, Entry *x) {
  DlAttrs a;
  return x ? emit_op_tmp(nd, k, 1, &x, fresh(&a), NULL) : NULL;
}

Entry *imp_binary(Node *nd, DlOpKind k, Entry *x, Entry *y) {
  DlAttrs a;
  Entry *ops[2] = {x, y};
  return x && y ? emit_op_tmp(nd, k, 2, ops, fresh(&a), NULL) : NULL;
}

Entry *imp_reshape(Node *nd, Entry *x, int rank, const int64_t *dims, int out) {
  if (!x) return NULL;
  DlShape s = {x->shape.dtype, rank, {0}};
  memcpy(s.dims, dims, sizeof(int64_t) * (size_t)rank);
  DlAttrs a;
  return out < 0 ? emit_op_tmp(nd, DL_OP_RESHAPE, 1, &x, fresh(&a), &s)
                 : emit_op(nd, DL_OP_RESHAPE, 1, &x, fresh(&a), &s, out);
}

Entry *imp_slice(Node *nd, Entry *x, int64_t axis, int64_t b, int64_t e) {
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

Entry *imp_take(Node *nd, Entry *x, int axis, int64_t i) {
  if (!x) return NULL;
  const DlShape *s = &x->shape;
  int64_t d[DL_MAX_RANK];
  for (int k = 0, m = 0; k < s->rank; k++)
    if (k != axis) d[m++] = s->dims[k];
  return imp_reshape(nd, imp_slice(nd, x, axis, i, i + 1), s->rank - 1, d, -1);
}

bool imp_full_lengths(Node *nd, int input, int64_t len) {
  if (input >= nd->nin || !nd->in[input]) return true;
  const DlTensor *sl = input_const(nd, input, "sequence_lens");
  if (!sl) return false;
  for (int64_t i = 0; i < dl_shape_numel(&sl->shape); i++)
    if (dl_tensor_get_i(sl, i) != len)
      return node_fail(nd, "sequence_lens must all equal the sequence length %lld", (long long)len);
  return true;
}

Entry *imp_transpose(Node *nd, Entry *x, int rank, const int64_t *perm, int out) {
  if (!x) return NULL;
  DlAttrs a;
  dl_attrs_set_ints(fresh(&a), "perm", perm, rank);
  return out < 0 ? emit_op_tmp(nd, DL_OP_TRANSPOSE, 1, &x, &a, NULL)
                 : emit_op(nd, DL_OP_TRANSPOSE, 1, &x, &a, NULL, out);
}

Entry *imp_concat(Node *nd, int axis, Entry **v, int n, int out) {
  int unnamed = INT_MAX; /* emit_concat's output index for an unnamed result */
  while (n > 32) {       /* emit_concat takes 32 operands */
    int m = 0;
    for (int i = 0; i < n; i += 32) {
      int k = n - i < 32 ? n - i : 32;
      if (!(v[m++] = k == 1 ? v[i] : emit_concat(nd, axis, k, v + i, unnamed))) return NULL;
    }
    n = m;
  }
  return emit_concat(nd, axis, n, v, out < 0 ? unnamed : out);
}

Entry *imp_stack(Node *nd, int axis, Entry **v, int n, int out) {
  for (int i = 0; i < n; i++) {
    const DlShape *s = &v[i]->shape;
    if (s->rank + 1 > DL_MAX_RANK)
      return node_fail(nd, "stacking rank-%d values exceeds rank %d", s->rank, DL_MAX_RANK), NULL;
    int64_t d[DL_MAX_RANK];
    for (int k = 0, j = 0; k <= s->rank; k++) d[k] = k == axis ? 1 : s->dims[j++];
    if (!(v[i] = imp_reshape(nd, v[i], s->rank + 1, d, -1))) return NULL;
  }
  return imp_concat(nd, axis, v, n, out);
}
