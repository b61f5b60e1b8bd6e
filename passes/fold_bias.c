/* --fold-bias: add(conv(x, w, b), c), with c a constant that varies along the
 * output channels only ([1, C, 1, 1], [C, 1, 1] or one value), becomes
 * conv(x, w, b + c). Paddle exports a conv_transpose's bias this way (PP-OCR
 * det); folded, the add is not a step of its own and a BatchNormalization
 * after it folds too (--fold-bn runs next). For conv and conv_transpose whose
 * result feeds only the add and carries no fused activation. The bias is
 * added in another order than before (in the sum, not after it), so the pass
 * belongs to the pipeline before quantization (DL_PIPELINE_FLOAT).
 *
 * Also add(matmul(x, w), c) with w a constant [K, N] matrix and c varying
 * along the last axis only ([N], [1, .., N] or one value), as every exported
 * Linear layer on a sequence is (x: [.., M, K]): it becomes reshape(gemm(
 * reshape(x, [P, K]), w, c), the matmul's shape). Gemm adds its bias after the
 * sum, as the add did, so float results keep their bits; quantized, the bias
 * is part of the integer gemm and what follows (a GELU's chain) starts from one
 * quantized value, which --quantize makes a table. */
#include <string.h>

#include "pass_util.h"

static bool fold_matmul(MlirOperation add, MlirValue y, MlirValue cv, MlirOperation mm);

static bool fold(MlirOperation add) {
  DlAttrs aa;
  DlError ae = {0};
  if (!dl_op_read_attrs(add, DL_OP_ADD, &aa, &ae) || strcmp(dl_attrs_str(&aa, "act", "none"), "none"))
    return dl_error_clear(&ae), false; /* a fused activation comes after the add */
  for (int side = 0; side < 2; side++) {
    DlOpKind pk;
    MlirValue y = mlirOperationGetOperand(add, side), cv = mlirOperationGetOperand(add, 1 - side);
    MlirOperation prod = dl_value_qg_def(y, &pk);
    if (!mlirOperationIsNull(prod) && pk == DL_OP_MATMUL && dl_value_has_one_use(y)) {
      if (fold_matmul(add, y, cv, prod)) return true;
      continue;
    }
    if (mlirOperationIsNull(prod) || (pk != DL_OP_CONV && pk != DL_OP_CONV_TRANSPOSE) || !dl_value_has_one_use(y)) continue;
    DlAttrs pa;
    DlError e = {0};
    if (!dl_op_read_attrs(prod, pk, &pa, &e) || strcmp(dl_attrs_str(&pa, "act", "none"), "none")) {
      dl_error_clear(&e);
      continue;
    }
    DlShape ys, rs;
    DlTensor c = {0}, b = {0};
    if (!dl_type_to_shape(mlirValueGetType(y), &ys) || ys.rank < 3 || ys.dtype != DL_F32 ||
        !dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(add, 0)), &rs) || !dl_shape_equal(&ys, &rs) ||
        !dl_value_tensor(cv, &c))
      continue;
    int64_t C = ys.dims[1], n = dl_shape_numel(&c.shape);
    /* one value, or C values along axis 1 (right-aligned against the result) */
    bool ok = c.shape.dtype == DL_F32 && c.shape.rank <= ys.rank && (n == 1 || n == C);
    for (int i = 0; ok && i < c.shape.rank; i++) {
      int axis = ys.rank - c.shape.rank + i;
      ok = c.shape.dims[i] == 1 || (axis == 1 && c.shape.dims[i] == C);
    }
    bool has_bias = mlirOperationGetNumOperands(prod) > 2;
    if (ok && has_bias) ok = dl_value_tensor(mlirOperationGetOperand(prod, 2), &b) && b.shape.dtype == DL_F32 &&
                             dl_shape_numel(&b.shape) == C;
    if (!ok) {
      dl_tensor_free(&c), dl_tensor_free(&b);
      continue;
    }
    DlShape bs = {DL_F32, 1, {C}};
    DlTensor nb = {0};
    dl_tensor_alloc(&nb, &bs);
    for (int64_t o = 0; o < C; o++)
      ((float *)nb.data)[o] = (has_bias ? ((const float *)b.data)[o] : 0.0f) + ((const float *)c.data)[n == 1 ? 0 : o];
    dl_tensor_free(&c), dl_tensor_free(&b);
    MlirValue nbv = dl_insert_constant(prod, &nb, "folded_bias");
    if (has_bias) {
      mlirOperationSetOperand(prod, 2, nbv);
    } else { /* a new op with the bias operand; the producer's attributes and settings stay */
      MlirValue ops[3] = {mlirOperationGetOperand(prod, 0), mlirOperationGetOperand(prod, 1), nbv};
      MlirType rt = mlirValueGetType(y);
      MlirOperation nop = dl_op_create(mlirOperationGetLocation(prod), pk, 3, ops, 1, &rt, &pa);
      dl_copy_discardable_attrs(prod, nop, NULL);
      mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(prod), prod, nop);
      dl_replace_op(prod, mlirOperationGetResult(nop, 0));
      y = mlirOperationGetResult(nop, 0);
    }
    dl_replace_op(add, y);
    return true;
  }
  return false;
}

/* add(matmul(x, w const [K, N]), c) -> reshape(gemm(reshape(x), w, c)) */
static bool fold_matmul(MlirOperation add, MlirValue y, MlirValue cv, MlirOperation mm) {
  DlAttrs ma;
  DlError e = {0};
  DlShape xs, ws, ys, rs;
  DlTensor c = {0};
  MlirValue x = mlirOperationGetOperand(mm, 0), wv = mlirOperationGetOperand(mm, 1);
  if (!dl_op_read_attrs(mm, DL_OP_MATMUL, &ma, &e) || strcmp(dl_attrs_str(&ma, "act", "none"), "none"))
    return dl_error_clear(&e), false;
  if (!dl_type_to_shape(mlirValueGetType(x), &xs) || !dl_type_to_shape(mlirValueGetType(wv), &ws) ||
      !dl_type_to_shape(mlirValueGetType(y), &ys) || !dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(add, 0)), &rs) ||
      xs.rank < 2 || ws.rank != 2 || ys.dtype != DL_F32 || !dl_shape_equal(&ys, &rs) ||
      mlirAttributeIsNull(dl_value_constant(wv)) || !dl_value_tensor(cv, &c))
    return false;
  int64_t K = ws.dims[0], N = ws.dims[1], n = dl_shape_numel(&c.shape), P = dl_shape_numel(&xs) / K;
  bool ok = c.shape.dtype == DL_F32 && c.shape.rank <= ys.rank && (n == 1 || n == N) && xs.dims[xs.rank - 1] == K;
  for (int i = 0; ok && i < c.shape.rank; i++) ok = c.shape.dims[i] == 1 || (i == c.shape.rank - 1 && c.shape.dims[i] == N);
  if (!ok) return dl_tensor_free(&c), false;
  DlShape bs = {DL_F32, 1, {N}};
  DlTensor nb = {0};
  dl_tensor_alloc(&nb, &bs);
  for (int64_t o = 0; o < N; o++) ((float *)nb.data)[o] = ((const float *)c.data)[n == 1 ? 0 : o];
  dl_tensor_free(&c);
  MlirContext ctx = mlirOperationGetContext(mm);
  MlirLocation loc = mlirOperationGetLocation(mm);
  MlirBlock blk = mlirOperationGetBlock(mm);
  MlirValue a = x;
  DlAttrs none;
  dl_attrs_init(&none);
  if (xs.rank != 2) {
    DlShape s2 = {xs.dtype, 2, {P, K}};
    MlirType t2 = dl_shape_to_type(ctx, &s2);
    MlirOperation r = dl_op_create(loc, DL_OP_RESHAPE, 1, &x, 1, &t2, &none);
    mlirBlockInsertOwnedOperationBefore(blk, mm, r);
    a = mlirOperationGetResult(r, 0);
  }
  MlirValue ops[3] = {a, wv, dl_insert_constant(mm, &nb, "folded_bias")};
  DlShape gs = {DL_F32, 2, {P, N}};
  MlirType gt = dl_shape_to_type(ctx, &gs);
  DlAttrs ga;
  dl_attrs_init(&ga);
  MlirOperation g = dl_op_create(loc, DL_OP_GEMM, 3, ops, 1, &gt, &ga);
  dl_copy_discardable_attrs(mm, g, "dlc."); /* per-node settings go with the op that does the arithmetic */
  mlirBlockInsertOwnedOperationBefore(blk, mm, g);
  MlirValue out = mlirOperationGetResult(g, 0);
  if (ys.rank != 2) {
    MlirType yt = mlirValueGetType(y);
    MlirOperation r = dl_op_create(loc, DL_OP_RESHAPE, 1, &out, 1, &yt, &none);
    mlirBlockInsertOwnedOperationBefore(blk, mm, r);
    out = mlirOperationGetResult(r, 0);
  }
  dl_replace_op(mm, out);
  dl_replace_op(add, out);
  return true;
}

bool dl_pass_fold_bias(MlirOperation func) {
  dl_rewrite_each(func, DL_OP_ADD, fold);
  return true;
}
