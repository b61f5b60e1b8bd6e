/* --fold-pad: a constant Pad of zeros on the spatial axes only, feeding a
 * conv, becomes part of that conv's own padding:
 *   conv(pad(x, value 0, begin b, end e), pads p)  ==  conv(x, pads p + (b, e))
 * since a conv pads with zeros too (in integer models: with the input's zero
 * point, which stands for 0.0 exactly). TensorFlow exporters write "same"
 * padding this way (M-LSD, BlazeFace). The pad is erased once nothing else
 * reads it. Only `constant` mode with value 0, non-negative pads and no padding
 * of the batch or channel axes qualify. */
#include <string.h>

#include "pass_util.h"

static bool fold(MlirOperation conv) {
  DlOpKind pk;
  MlirValue x = mlirOperationGetOperand(conv, 0);
  MlirOperation pad = dl_value_qg_def(x, &pk);
  if (mlirOperationIsNull(pad) || pk != DL_OP_PAD || mlirOperationGetNumOperands(pad) != 1) return false;
  DlShape xs;
  if (!dl_type_to_shape(mlirValueGetType(x), &xs) || !dl_dtype_is_float(xs.dtype)) return false;
  DlAttrs pa, ca;
  DlError e = {0};
  if (!dl_op_read_attrs(pad, DL_OP_PAD, &pa, &e) || !dl_op_read_attrs(conv, DL_OP_CONV, &ca, &e)) {
    dl_error_clear(&e);
    return false;
  }
  int np = 0, nc = 0;
  const int64_t *pp = dl_attrs_ints(&pa, "pads", &np), *cp = dl_attrs_ints(&ca, "pads", &nc);
  int rank = xs.rank, sp = rank - 2;
  if (strcmp(dl_attrs_str(&pa, "mode", "constant"), "constant") || dl_attrs_float(&pa, "value", 0) != 0 || sp < 1 ||
      !pp || np != 2 * rank || !cp || nc != 2 * sp)
    return false;
  for (int i = 0; i < np; i++)
    if (pp[i] < 0) return false;
  if (pp[0] || pp[1] || pp[rank] || pp[rank + 1]) return false; /* batch or channel padded */
  int64_t merged[2 * DL_MAX_RANK];
  for (int i = 0; i < sp; i++) {
    merged[i] = cp[i] + pp[2 + i];
    merged[sp + i] = cp[sp + i] + pp[rank + 2 + i];
  }
  DlAttrs na;
  dl_attrs_init(&na);
  dl_attrs_set_ints(&na, "pads", merged, 2 * sp);
  mlirOperationSetAttributeByName(conv, dl_str("pads"), dl_attr_to_mlir(mlirOperationGetContext(conv), &na.a[0]));
  mlirOperationSetOperand(conv, 0, mlirOperationGetOperand(pad, 0));
  if (dl_value_is_unused(x)) mlirOperationDestroy(pad);
  return true;
}

bool dl_pass_fold_pad(MlirOperation func) {
  dl_rewrite_each(func, DL_OP_CONV, fold);
  return true;
}
