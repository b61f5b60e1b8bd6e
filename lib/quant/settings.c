/* The quantization settings of a module (dlc.quant on @main), and whether it
 * carries QDQ pairs. The pipelines that act on them are in passes/pipeline.c. */
#include <string.h>

#include "dlc/quant.h"

/* Integer steps already: quantization settings on the function, or quant casts. */
static bool already_quantized(MlirOperation func) {
  if (!mlirAttributeIsNull(mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant")))) return true;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
    if (n.length > 6 && !strncmp(n.data, "quant.", 6)) return true;
  }
  return false;
}

bool dl_quant_settings_write(MlirModule m, const DlQuantSettings *s, DlError *e) {
  if (s->wbits < 2 || s->wbits > 16 || s->abits < 2 || s->abits > 16)
    return dl_error_set(e, "bit widths must be within 2..16 (got weights %d, activations %d)", s->wbits, s->abits);
  if (s->highway && (s->highway < 2 || s->highway > 16))
    return dl_error_set(e, "the highway's activation bits must be within 2..16 (got %d)", s->highway);
  int obits = s->outlier_bits ? s->outlier_bits : 8;
  if (s->outliers != 0 && !(s->outliers > 0 && s->outliers < 0.5))
    return dl_error_set(e, "the outlier fraction must be within 0 < FRAC < 0.5 (got %g)", s->outliers);
  if (s->outliers > 0 && (obits <= s->wbits || obits > 16))
    return dl_error_set(e, "outlier bits must be more than the weight bits (%d) and at most 16 (got %d)", s->wbits,
                        obits);
  bool rounds = s->wround != DL_WROUND_DEFAULT && s->wround != DL_WROUND_NEAREST;
  if (s->wquant && (s->wbits > 7 || s->outliers > 0 || rounds))
    return dl_error_set(e, "--wquant=%s needs --wbits from 2 to 7 (got %d)%s%s", dl_wquant_name(s->wquant), s->wbits,
                        s->outliers > 0 ? ", and takes no --outliers" : rounds ? ", and takes no --wround=" : "",
                        s->outliers > 0 || !rounds ? "" : dl_wround_name(s->wround));
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func");
  if (already_quantized(func))
    return dl_error_set(e, "the model is already quantized (it has integer steps): compile it without --quantize, or "
                           "quantize its float original");
  MlirContext ctx = mlirModuleGetContext(m);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  MlirNamedAttribute kv[16] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("wbits")), mlirIntegerAttrGet(i64, s->wbits)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("abits")), mlirIntegerAttrGet(i64, s->abits)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("per_channel")), mlirBoolAttrGet(ctx, !s->per_tensor)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("asymmetric")), mlirBoolAttrGet(ctx, !s->symmetric)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("pow2")), mlirBoolAttrGet(ctx, s->pow2)),
  };
  int n = 5;
  if (s->wclip != DL_WCLIP_AUTO)
    kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("wclip")),
                                    mlirStringAttrGet(ctx, dl_str(dl_wclip_name(s->wclip))));
  if (s->wquant)
    kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("wquant")),
                                    mlirStringAttrGet(ctx, dl_str(dl_wquant_name(s->wquant))));
  if (s->outliers > 0) {
    kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("outliers")),
                                    mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), s->outliers));
    kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("outlier_bits")), mlirIntegerAttrGet(i64, obits));
  }
  if (s->highway) kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("highway")), mlirIntegerAttrGet(i64, s->highway));
  if (s->abits_edge) kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("edge_abits")), mlirIntegerAttrGet(i64, s->abits_edge));
  if (s->wbits_small) kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("small_wbits")), mlirIntegerAttrGet(i64, s->wbits_small));
  mlirOperationSetDiscardableAttributeByName(func, dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, n, kv));
  return true;
}

bool dl_module_has_qdq(MlirModule m) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return false;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    switch (dl_op_kind(op)) {
    case DL_OP_QUANTIZE_LINEAR: case DL_OP_DEQUANTIZE_LINEAR: case DL_OP_QLINEAR_CONV: case DL_OP_QLINEAR_MATMUL:
    case DL_OP_CONV_INTEGER: case DL_OP_MATMUL_INTEGER:
      return true;
    default: break;
    }
  return false;
}

