/* --fuse-activation: relu(y) / clip(y) where y is the only use of a conv,
 * conv_transpose, gemm, matmul or add result becomes that op's `act`
 * attribute (act = "relu" or "clip" with act_min/act_max), so targets apply it
 * in the same pass over the output. */
#include <math.h>
#include <string.h>

#include "pass_util.h"

static void fuse(MlirOperation act_op, DlOpKind ak) {
  DlOpKind pk;
  MlirValue x = mlirOperationGetOperand(act_op, 0);
  MlirOperation prod = dl_value_qg_def(x, &pk);
  if (mlirOperationIsNull(prod) || !(dl_op_info(pk)->flags & DL_OPF_ACT) || !dl_value_has_one_use(x))
    return;
  DlAttrs pa, aa;
  DlError e = {0};
  if (!dl_op_read_attrs(prod, pk, &pa, &e) || !dl_op_read_attrs(act_op, ak, &aa, &e) ||
      strcmp(dl_attrs_str(&pa, "act", "none"), "none")) {
    dl_error_clear(&e);
    return;
  }
  DlShape rs;
  /* integer producers get their activation folded into requantization instead */
  if (!dl_type_to_shape(mlirValueGetType(x), &rs) || !dl_dtype_is_float(rs.dtype)) return;
  MlirContext ctx = mlirOperationGetContext(prod);
  DlAttrs na;
  dl_attrs_init(&na);
  if (ak == DL_OP_RELU) {
    dl_attrs_set_str(&na, "act", "relu");
    dl_attrs_set_float(&na, "act_min", 0);
    dl_attrs_set_float(&na, "act_max", INFINITY);
  } else {
    dl_attrs_set_str(&na, "act", "clip");
    /* clip is min(max(x, min), max): max everywhere when min > max, which the
     * fused form (any clamp order) gives with min lowered to max */
    double lo = dl_attrs_float(&aa, "min", -INFINITY), hi = dl_attrs_float(&aa, "max", INFINITY);
    dl_attrs_set_float(&na, "act_min", lo > hi ? hi : lo);
    dl_attrs_set_float(&na, "act_max", hi);
  }
  for (int i = 0; i < na.n; i++)
    mlirOperationSetAttributeByName(prod, dl_str(na.a[i].name), dl_attr_to_mlir(ctx, &na.a[i]));
  dl_replace_op(act_op, x);
}

bool dl_pass_fuse_activation(MlirOperation func) {
  MlirBlock b = dl_func_body(func);
  for (MlirOperation op = mlirBlockGetFirstOperation(b), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    DlOpKind k = dl_op_kind(op);
    if (k == DL_OP_RELU || k == DL_OP_CLIP) fuse(op, k);
  }
  return true;
}
