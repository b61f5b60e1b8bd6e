/* --fold-constants: every qg op (and tensor.concat) whose operands are all
 * constants is evaluated and replaced by a constant: with the reference
 * kernels, or, for the ops they do not have (gemm, matmul, conv, ...), with
 * the runtime call the interpreter makes (lib/plan/lower.c), so a folded value
 * has the bits the interpreter would compute. Adding a constant of zeros is
 * dropped. */
#include <stdlib.h>
#include <string.h>

#include "dlc/kernels.h"
#include "dlc/lower.h"
#include "pass_util.h"

static bool operands_const(MlirOperation op, DlTensor *in, int *n) {
  *n = (int)mlirOperationGetNumOperands(op);
  if (*n > 32) return false;
  DlError e = {0};
  for (int i = 0; i < *n; i++) {
    MlirAttribute a = dl_value_constant(mlirOperationGetOperand(op, i));
    if (mlirAttributeIsNull(a) || !dl_attr_to_tensor(a, &in[i], &e)) {
      for (int j = 0; j < i; j++) dl_tensor_free(&in[j]);
      dl_error_clear(&e);
      return false;
    }
  }
  return true;
}

static bool is_concat(MlirOperation op) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  return n.length == 13 && !strncmp(n.data, "tensor.concat", 13);
}

/* op k on constant operands through the interpreter's runtime call */
static bool eval_call(DlOpKind k, const DlAttrs *a, int n, const DlTensor *in, DlTensor *out, DlError *e) {
  DlShape shapes[32];
  for (int i = 0; i < n; i++) shapes[i] = in[i].shape;
  DlCall c;
  memset(&c, 0, sizeof c);
  if (!dl_call_lower(k, a, n, shapes, &out->shape, &c, e)) return false;
  bool ok = c.kind != DL_CALL_NONE && c.kind != DL_CALL_ALIAS && c.kind != DL_CALL_CONCAT;
  DlShape os = out->shape;
  ok = ok && dl_tensor_alloc(out, &os);
  float *scratch = ok ? calloc((size_t)c.scratch + 1, sizeof(float)) : NULL;
  const void *data[32];
  for (int i = 0; i < n; i++) data[i] = in[i].data;
  ok = ok && scratch && dl_call_run(&c, data, n, out->data, scratch);
  free(scratch);
  dl_call_free(&c);
  return ok;
}

/* add(x, 0) / add(0, x) / sub(x, 0) with an all-zero float constant that
 * does not widen x: x itself (a zero initial state bound into a recurrent
 * model leaves these behind). */
static bool zero_operand(MlirOperation op, DlOpKind k) {
  if ((k != DL_OP_ADD && k != DL_OP_SUB) || mlirOperationGetNumOperands(op) != 2) return false;
  DlAttrs a;
  DlError e = {0};
  if (!dl_op_read_attrs(op, k, &a, &e) || strcmp(dl_attrs_str(&a, "act", "none"), "none")) return dl_error_clear(&e), false;
  DlShape rs;
  if (!dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &rs)) return false;
  for (int side = 0; side < (k == DL_OP_ADD ? 2 : 1); side++) {
    MlirValue x = mlirOperationGetOperand(op, side), z = mlirOperationGetOperand(op, 1 - side);
    DlShape xs;
    DlTensor t = {0};
    MlirAttribute c = dl_value_constant(z);
    if (mlirAttributeIsNull(c) || !dl_type_to_shape(mlirValueGetType(x), &xs) || !dl_shape_equal(&xs, &rs) ||
        xs.dtype != DL_F32 || !dl_attr_to_tensor(c, &t, &e)) {
      dl_error_clear(&e);
      continue;
    }
    bool zero = t.shape.dtype == DL_F32;
    for (int64_t i = 0; zero && i < dl_shape_numel(&t.shape); i++) zero = ((const float *)t.data)[i] == 0;
    dl_tensor_free(&t);
    if (zero) return dl_replace_op(op, x), true;
  }
  return false;
}

bool dl_pass_fold_constants(MlirOperation func) {
  MlirBlock b = dl_func_body(func);
  bool ok = true;
  for (MlirOperation op = mlirBlockGetFirstOperation(b), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    DlOpKind k = dl_op_kind(op);
    bool concat = is_concat(op);
    if (k == DL_OP_COUNT && !concat) continue;
    DlTensor in[32], out = {0};
    int n;
    if (!operands_const(op, in, &n)) {
      zero_operand(op, k);
      continue;
    }
    DlError e = {0};
    bool done;
    if (!dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &out.shape)) done = false;
    else if (concat) {
      int64_t dim = mlirIntegerAttrGetValueInt(mlirOperationGetAttributeByName(op, dl_str("dim")));
      done = dl_kernel_concat((int)dim, n, in, &out, &e);
    } else {
      DlAttrs a;
      done = dl_op_read_attrs(op, k, &a, &e) &&
             (dl_kernel_has(k) ? dl_kernel_eval(k, &a, n, in, &out, &e) : eval_call(k, &a, n, in, &out, &e));
    }
    for (int i = 0; i < n; i++) dl_tensor_free(&in[i]);
    if (!done) { /* e.g. a dtype the reference kernel lacks: the op simply stays */
      dl_error_clear(&e);
      dl_tensor_free(&out);
      continue;
    }
    dl_replace_op(op, dl_insert_constant(op, &out, "folded"));
  }
  dl_erase_dead_constants(func);
  return ok;
}
