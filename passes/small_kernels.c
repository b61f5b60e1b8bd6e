/* Small kernels keep 8-bit weights: below 8 weight bits (the func's
 * dlc.quant wbits), a conv, gemm or matmul with constant weights and at most
 * 12 of them per output channel (a depthwise 3x3 conv, a stem reading one
 * image channel) gets `wbits = small_wbits` (default 8) and
 * `small_kernel = true` in its dlc.quant, unless a node setting (--config)
 * names its wbits. A 4-bit grid fitted to 9 weights leaves each output
 * channel a handful of distinct values, and these layers hold a percent or
 * two of a model's weights: keeping them at 8 bits took the zoo MobileNet's
 * W4A8 test loss from 0.99 to 0.26 points (docs/quantization-accuracy.md).
 * A warning names the layers and their share of the weights. Not with
 * codebook weights (--wquant: 2^wbits levels per channel already hold a
 * small kernel's few weights) or outliers (their width is set against
 * wbits). Runs before calibration. */
#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"
#include "pass_util.h"

enum { SMALL_K = 12 };

/* Weights per output channel of a layer with constant weights, and their
 * count; 0 for anything else. */
static int64_t inputs_per_output(MlirOperation op, int64_t *numel) {
  DlOpKind k = dl_op_kind(op);
  if ((k != DL_OP_CONV && k != DL_OP_GEMM && k != DL_OP_MATMUL) || mlirOperationGetNumOperands(op) < 2) return 0;
  MlirValue w = mlirOperationGetOperand(op, 1);
  DlShape s;
  if (mlirAttributeIsNull(dl_value_constant(w)) || !dl_type_to_shape(mlirValueGetType(w), &s) || s.rank < 2) return 0;
  *numel = dl_shape_numel(&s);
  if (k == DL_OP_CONV) return *numel / s.dims[0];
  if (s.rank != 2) return 0;
  MlirAttribute tb = mlirOperationGetAttributeByName(op, dl_str("transB"));
  bool trans = k == DL_OP_GEMM && !mlirAttributeIsNull(tb) && mlirAttributeIsAInteger(tb) && mlirIntegerAttrGetValueInt(tb);
  return trans ? s.dims[1] : s.dims[0];
}

static void set_wbits(MlirOperation op, int bits) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
  intptr_t n = !mlirAttributeIsNull(d) && mlirAttributeIsADictionary(d) ? mlirDictionaryAttrGetNumElements(d) : 0;
  MlirNamedAttribute *kv = malloc(sizeof *kv * (size_t)(n + 2));
  int k = 0;
  for (intptr_t i = 0; i < n; i++) kv[k++] = mlirDictionaryAttrGetElement(d, i);
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("small_kernel")), mlirBoolAttrGet(ctx, true));
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("wbits")), mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), bits));
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, k, kv));
  free(kv);
}

bool dl_pass_small_kernels(MlirOperation func) {
  MlirAttribute q = mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant"));
  int wbits = (int)dl_dict_int(q, "wbits", 8), bits = (int)dl_dict_int(q, "small_wbits", 8);
  if (wbits >= bits) return true;
  MlirAttribute wq = !mlirAttributeIsNull(q) && mlirAttributeIsADictionary(q) ? mlirDictionaryAttrGetElementByName(q, dl_str("wquant"))
                                                                           : (MlirAttribute){0};
  MlirAttribute ol = !mlirAttributeIsNull(q) && mlirAttributeIsADictionary(q) ? mlirDictionaryAttrGetElementByName(q, dl_str("outliers"))
                                                                           : (MlirAttribute){0};
  if (!mlirAttributeIsNull(ol)) return true;
  if (!mlirAttributeIsNull(wq) && mlirAttributeIsAString(wq)) {
    MlirStringRef v = mlirStringAttrGetValue(wq);
    if (!(v.length == 7 && !strncmp(v.data, "uniform", 7))) return true;
  }
  int64_t total = 0, kept = 0;
  int layers = 0;
  DlBuf names = {0};
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    int64_t numel = 0, K = inputs_per_output(op, &numel);
    total += numel;
    MlirAttribute own = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
    bool own_levels = !mlirAttributeIsNull(own) && mlirAttributeIsADictionary(own) &&
                      (!mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(own, dl_str("wquant"))) ||
                       !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(own, dl_str("outliers"))));
    if (K <= 0 || K > SMALL_K || dl_dict_int(own, "wbits", -1) >= 0 || own_levels) continue;
    set_wbits(op, bits);
    kept += numel, layers++;
    char where[256];
    dl_location_str(mlirOperationGetLocation(op), where, sizeof where);
    dl_buf_printf(&names, "%s%s", layers > 1 ? ", " : "", where);
  }
  if (layers)
    dl_warn(mlirOperationGetContext(func),
            "%d layer%s with at most %d weights per output channel keep %d-bit weights (%.1f%% of the weights; "
            "--wbits-small=%d quantizes them like the others): %s",
            layers, layers > 1 ? "s" : "", SMALL_K, bits, total ? 100.0 * (double)kept / (double)total : 0.0, wbits,
            names.data);
  dl_buf_free(&names);
  return true;
}
