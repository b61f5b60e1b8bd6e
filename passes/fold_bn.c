/* --fold-bn: y = BN(conv(x, w) + b) becomes conv(x, w', b') with
 *   k = scale / sqrt(var + eps),  w'[o] = w[o] * k[o],  b' = (b - mean) * k + bias.
 * Applies when the conv/gemm/conv_transpose result feeds only the BN and every
 * parameter is a constant; gemm needs its output channel on the last axis
 * (always true), conv_transpose one group (its weights are [in, out, k...]). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pass_util.h"

static bool fold_one(MlirOperation bn) {
  DlOpKind pk;
  MlirValue x = mlirOperationGetOperand(bn, 0);
  MlirOperation prod = dl_value_qg_def(x, &pk);
  if (mlirOperationIsNull(prod) || (pk != DL_OP_CONV && pk != DL_OP_GEMM && pk != DL_OP_CONV_TRANSPOSE) ||
      !dl_value_has_one_use(x))
    return false;
  DlAttrs pa, ba;
  DlError e = {0};
  if (!dl_op_read_attrs(prod, pk, &pa, &e) || !dl_op_read_attrs(bn, DL_OP_BATCH_NORM, &ba, &e) ||
      strcmp(dl_attrs_str(&pa, "act", "none"), "none")) {
    dl_error_clear(&e);
    return false;
  }
  if (pk == DL_OP_GEMM && (dl_attrs_float(&pa, "alpha", 1) != 1 || dl_attrs_float(&pa, "beta", 1) != 1))
    return false;
  if (pk == DL_OP_CONV_TRANSPOSE && dl_attrs_int(&pa, "group", 1) != 1) return false; /* weights [C_in, C_out, k...] */
  DlTensor w = {0}, b = {0}, p[4] = {{0}};
  bool ok = dl_value_tensor(mlirOperationGetOperand(prod, 1), &w) && w.shape.dtype == DL_F32;
  for (int i = 0; ok && i < 4; i++)
    ok = dl_value_tensor(mlirOperationGetOperand(bn, i + 1), &p[i]) && p[i].shape.dtype == DL_F32;
  bool has_bias = mlirOperationGetNumOperands(prod) > 2;
  if (ok && has_bias) ok = dl_value_tensor(mlirOperationGetOperand(prod, 2), &b) && b.shape.dtype == DL_F32;
  int64_t co = ok ? p[0].shape.dims[0] : 0;
  /* gemm bias must be a per-output-channel vector (or absent) to fold into one */
  if (ok && has_bias && dl_shape_numel(&b.shape) != co) ok = false;
  if (ok && pk == DL_OP_CONV_TRANSPOSE && (w.shape.rank < 3 || w.shape.dims[1] != co)) ok = false;
  if (ok) {
    double eps = dl_attrs_float(&ba, "epsilon", 1e-5);
    const float *sc = p[0].data, *bi = p[1].data, *mu = p[2].data, *var = p[3].data;
    float *wd = w.data;
    int64_t n = dl_shape_numel(&w.shape);
    bool transb = pk == DL_OP_GEMM && dl_attrs_int(&pa, "transB", 0);
    int64_t per = pk == DL_OP_CONV ? n / co : 0, kdim = pk == DL_OP_GEMM ? n / co : 0;
    int64_t ktap = pk == DL_OP_CONV_TRANSPOSE ? n / (w.shape.dims[0] * co) : 0; /* taps per (in, out) pair */
    DlShape bs = {DL_F32, 1, {co}};
    DlTensor nb = {0};
    dl_tensor_alloc(&nb, &bs);
    for (int64_t o = 0; o < co; o++) {
      double k = sc[o] / sqrt((double)var[o] + eps);
      if (pk == DL_OP_CONV_TRANSPOSE)
        for (int64_t c = 0; c < w.shape.dims[0]; c++)
          for (int64_t t = 0; t < ktap; t++) wd[(c * co + o) * ktap + t] = (float)(wd[(c * co + o) * ktap + t] * k);
      else if (pk == DL_OP_CONV)
        for (int64_t i = 0; i < per; i++) wd[o * per + i] = (float)(wd[o * per + i] * k);
      else
        for (int64_t i = 0; i < kdim; i++) {
          int64_t idx = transb ? o * kdim + i : i * co + o;
          wd[idx] = (float)(wd[idx] * k);
        }
      double b0 = has_bias ? ((float *)b.data)[o] : 0;
      ((float *)nb.data)[o] = (float)((b0 - mu[o]) * k + bi[o]);
    }
    MlirValue nw = dl_insert_constant(prod, &w, "folded_weight");
    MlirValue nbias = dl_insert_constant(prod, &nb, "folded_bias");
    MlirValue ops[3] = {mlirOperationGetOperand(prod, 0), nw, nbias};
    MlirType rt = mlirValueGetType(mlirOperationGetResult(bn, 0));
    MlirOperation nop = dl_op_create(mlirOperationGetLocation(prod), pk, 3, ops, 1, &rt, &pa);
    /* the producer's per-node settings (dlc.quant from --config, ...) stay with it */
    dl_copy_discardable_attrs(prod, nop, NULL);
    mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(bn), bn, nop);
    dl_replace_op(bn, mlirOperationGetResult(nop, 0));
    mlirOperationDestroy(prod);
  }
  dl_tensor_free(&w);
  dl_tensor_free(&b);
  for (int i = 0; i < 4; i++) dl_tensor_free(&p[i]);
  return ok;
}

bool dl_pass_fold_bn(MlirOperation func) {
  dl_rewrite_each(func, DL_OP_BATCH_NORM, fold_one);
  return true;
}
