/* --fold-constants: every qg op (and tensor.concat) whose operands are all
 * constants is evaluated with the reference kernels and replaced by a constant. */
#include <string.h>

#include "dlc/kernels.h"
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

bool dl_pass_fold_constants(MlirOperation func) {
  MlirBlock b = dl_func_body(func);
  bool ok = true;
  for (MlirOperation op = mlirBlockGetFirstOperation(b), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    DlOpKind k = dl_op_kind(op);
    bool concat = is_concat(op);
    if ((k == DL_OP_COUNT || !dl_kernel_has(k)) && !concat) continue;
    DlTensor in[32], out = {0};
    int n;
    if (!operands_const(op, in, &n)) continue;
    DlError e = {0};
    bool done;
    if (!dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &out.shape)) done = false;
    else if (concat) {
      int64_t dim = mlirIntegerAttrGetValueInt(mlirOperationGetAttributeByName(op, dl_str("dim")));
      done = dl_kernel_concat((int)dim, n, in, &out, &e);
    } else {
      DlAttrs a;
      done = dl_op_read_attrs(op, k, &a, &e) && dl_kernel_eval(k, &a, n, in, &out, &e);
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
