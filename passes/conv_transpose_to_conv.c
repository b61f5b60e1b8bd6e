/* --conv-transpose-to-conv: a transposed conv whose kernel equals its stride
 * (no overlap: every output pixel is one tap of one input pixel, the FPN
 * upsampling of detection heads) is a 1x1 conv to C_out * s_h * s_w channels
 * and a depth_to_space (CRD) that places each channel's value in its pixel:
 *   y[n, o, s_h i + a, s_w j + b] = bias[o] + sum_c x[n, c, i, j] w[c, o, a, b]
 *   z[n, (o s_h + a) s_w + b, i, j] = the same sum      (the 1x1 conv)
 * so the integer model runs it as a conv and a copy, which every target has.
 * Applies to 2-D, square strides (depth_to_space has one block size), one group, no pads, dilation 1, no output padding, constant
 * weights (and bias); a fused activation moves to the conv (it commutes with
 * moving values). The sums are the same; the float rounding of the bias may
 * differ (added first instead of last), so the pass runs before quantization
 * only (DL_PIPELINE_FLOAT), never on a model compiled in float. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pass_util.h"

static bool rewrite(MlirOperation ct) {
  DlAttrs a;
  DlError e = {0};
  if (!dl_op_read_attrs(ct, DL_OP_CONV_TRANSPOSE, &a, &e)) {
    dl_error_clear(&e);
    return false;
  }
  int ns = 0, np = 0, nd = 0, nop = 0;
  const int64_t *st = dl_attrs_ints(&a, "strides", &ns), *pd = dl_attrs_ints(&a, "pads", &np);
  const int64_t *dl = dl_attrs_ints(&a, "dilations", &nd), *op = dl_attrs_ints(&a, "output_padding", &nop);
  MlirValue x = mlirOperationGetOperand(ct, 0), r = mlirOperationGetResult(ct, 0);
  DlShape xs, ys;
  DlTensor w = {0}, b = {0};
  bool has_bias = mlirOperationGetNumOperands(ct) > 2;
  bool ok = dl_type_to_shape(mlirValueGetType(x), &xs) && dl_type_to_shape(mlirValueGetType(r), &ys) &&
            xs.rank == 4 && dl_dtype_is_float(xs.dtype) && dl_attrs_int(&a, "group", 1) == 1 && st && ns == 2 &&
            dl_value_tensor(mlirOperationGetOperand(ct, 1), &w) && w.shape.dtype == DL_F32 && w.shape.rank == 4 &&
            st[0] == st[1] && w.shape.dims[2] == st[0] && w.shape.dims[3] == st[1] && w.shape.dims[0] == xs.dims[1];
  for (int i = 0; ok && pd && i < np; i++) ok = pd[i] == 0;
  for (int i = 0; ok && dl && i < nd; i++) ok = dl[i] == 1;
  for (int i = 0; ok && op && i < nop; i++) ok = op[i] == 0;
  if (ok && has_bias) ok = dl_value_tensor(mlirOperationGetOperand(ct, 2), &b) && b.shape.dtype == DL_F32 &&
                           dl_shape_numel(&b.shape) == w.shape.dims[1];
  int64_t C = ok ? w.shape.dims[0] : 0, O = ok ? w.shape.dims[1] : 0, sh = ok ? st[0] : 0, sw = ok ? st[1] : 0;
  if (ok) ok = ys.dims[1] == O && ys.dims[2] == xs.dims[2] * sh && ys.dims[3] == xs.dims[3] * sw;
  if (!ok) {
    dl_tensor_free(&w), dl_tensor_free(&b);
    return false;
  }
  int64_t Z = O * sh * sw;
  DlShape ws = {DL_F32, 4, {Z, C, 1, 1}}, bs = {DL_F32, 1, {Z}};
  DlTensor w2 = {0}, b2 = {0};
  dl_tensor_alloc(&w2, &ws);
  dl_tensor_alloc(&b2, &bs);
  const float *wd = w.data;
  float *w2d = w2.data, *b2d = b2.data;
  for (int64_t o = 0; o < O; o++)
    for (int64_t t = 0; t < sh * sw; t++) { /* t = a s_w + b */
      for (int64_t c = 0; c < C; c++) w2d[(o * sh * sw + t) * C + c] = wd[(c * O + o) * sh * sw + t];
      b2d[o * sh * sw + t] = has_bias ? ((const float *)b.data)[o] : 0.0f;
    }
  dl_tensor_free(&w), dl_tensor_free(&b);
  MlirLocation loc = mlirOperationGetLocation(ct);
  MlirContext ctx = mlirOperationGetContext(ct);
  MlirValue ops[3] = {x, dl_insert_constant(ct, &w2, "subpixel_weight"), dl_insert_constant(ct, &b2, "subpixel_bias")};
  DlAttrs ca;
  dl_attrs_init(&ca);
  int64_t one[2] = {1, 1}, zero[4] = {0, 0, 0, 0};
  dl_attrs_set_ints(&ca, "strides", one, 2);
  dl_attrs_set_ints(&ca, "dilations", one, 2);
  dl_attrs_set_ints(&ca, "pads", zero, 4);
  dl_attrs_set_int(&ca, "group", 1);
  dl_attrs_set_str(&ca, "act", dl_attrs_str(&a, "act", "none"));
  dl_attrs_set_float(&ca, "act_min", dl_attrs_float(&a, "act_min", -INFINITY));
  dl_attrs_set_float(&ca, "act_max", dl_attrs_float(&a, "act_max", INFINITY));
  DlShape zs = {DL_F32, 4, {xs.dims[0], Z, xs.dims[2], xs.dims[3]}};
  MlirType zt = dl_shape_to_type(ctx, &zs);
  MlirOperation conv = dl_op_create(loc, DL_OP_CONV, 3, ops, 1, &zt, &ca);
  /* per-node settings (dlc.quant from --config, ...) go with the conv, which does the arithmetic */
  dl_copy_discardable_attrs(ct, conv, "dlc.");
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(ct), ct, conv);
  DlAttrs da;
  dl_attrs_init(&da);
  dl_attrs_set_int(&da, "blocksize", sh);
  dl_attrs_set_str(&da, "mode", "CRD");
  MlirValue zv = mlirOperationGetResult(conv, 0);
  MlirType yt = mlirValueGetType(r);
  MlirOperation d2s = dl_op_create(loc, DL_OP_DEPTH_TO_SPACE, 1, &zv, 1, &yt, &da);
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(ct), ct, d2s);
  dl_replace_op(ct, mlirOperationGetResult(d2s, 0));
  return true;
}

bool dl_pass_conv_transpose_to_conv(MlirOperation func) {
  dl_rewrite_each(func, DL_OP_CONV_TRANSPOSE, rewrite);
  return true;
}
