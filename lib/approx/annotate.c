/* dlc.approx on quantized layers: --approx=SPEC for every integer conv, gemm
 * and matmul with constant weights, or the multiplier --config gave a node. */
#include <mlir-c/Dialect/Quant.h>
#include <stdio.h>
#include <string.h>

#include "dlc/approx.h"
#include "dlc/ir.h"
#include "dlc/quant.h"

/* max |q - zp| over the storage range of element type t (quantized), or -1 */
static int64_t span_of(MlirType t) {
  if (!mlirTypeIsAQuantizedType(t)) return -1;
  int64_t lo = mlirQuantizedTypeGetStorageTypeMin(t), hi = mlirQuantizedTypeGetStorageTypeMax(t),
          zp = 0;
  if (mlirTypeIsAUniformQuantizedType(t))
    zp = mlirUniformQuantizedTypeGetZeroPoint(t);
  else if (mlirTypeIsAUniformQuantizedPerAxisType(t))
    zp = mlirUniformQuantizedPerAxisTypeGetZeroPoint(t, 0);
  return hi - zp > zp - lo ? hi - zp : zp - lo;
}

static bool constant_weights(MlirOperation op) {
  MlirValue w = mlirOperationGetOperand(op, 1);
  if (!mlirValueIsAOpResult(w)) return false;
  MlirOperation d = mlirOpResultGetOwner(w);
  if (dl_op_is(d, "quant.scast")) {
    MlirValue v = mlirOperationGetOperand(d, 0);
    d = mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : (MlirOperation){NULL};
  }
  return !mlirOperationIsNull(d) && dl_op_is(d, "arith.constant");
}

bool dl_approx_fits(MlirOperation op) {
  DlOpKind k = dl_op_kind(op);
  if (!(k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL) || mlirOperationGetNumResults(op) != 1 ||
      !dl_value_is_quant(mlirOperationGetResult(op, 0)) || !constant_weights(op))
    return false;
  int64_t xs = span_of(mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 0))));
  int64_t ws = span_of(mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 1))));
  return xs >= 0 && ws >= 0 && xs <= 255 && ws <= 255;
}

static bool annotate_op(MlirOperation op, const char *dflt, DlError *e) {
  MlirAttribute own = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.approx"));
  DlOpKind k = dl_op_kind(op);
  bool layer = k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL;
  if (!mlirAttributeIsNull(own) && !mlirAttributeIsAString(own))
    return dl_error_set(e, "internal: dlc.approx must be a string");
  if (!layer && mlirAttributeIsNull(own)) return true;
  char where[256];
  dl_location_str(mlirOperationGetLocation(op), where, sizeof where);
  bool quantized = layer && mlirOperationGetNumResults(op) == 1 &&
                   dl_value_is_quant(mlirOperationGetResult(op, 0)) && constant_weights(op);
  if (!quantized) {
    if (mlirAttributeIsNull(own))
      return true; /* --approx: layers that stay float keep their float multiply */
    return dl_error_set(
        e,
        "node '%s': an approximate multiplier applies to integer Conv, Gemm and MatMul layers with "
        "constant weights only (this one is %s)",
        where, layer ? "float or has no constant weights" : "another op");
  }
  char spec[512];
  if (mlirAttributeIsNull(own))
    snprintf(spec, sizeof spec, "%s", dflt ? dflt : "");
  else {
    MlirStringRef s = mlirStringAttrGetValue(own);
    snprintf(spec, sizeof spec, "%.*s", (int)s.length, s.data);
  }
  if (!spec[0]) return true;
  int64_t xs =
      span_of(mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 0))));
  int64_t ws =
      span_of(mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 1))));
  if (xs < 0 || ws < 0 || xs > 255 || ws > 255)
    return dl_error_set(
        e,
        "node '%s': approximate multiplier '%s' is an 8x8 multiplier: it needs weights and "
        "activations of at most 8 bits (|x - zx| up to %lld, |w| up to %lld here)",
        where, spec, (long long)xs, (long long)ws);
  DlApprox a;
  if (!dl_approx_create(spec, &a, e)) {
    char node[300];
    snprintf(node, sizeof node, "node '%s'", where);
    return dl_error_prefix(e, node);
  }
  dl_approx_destroy(&a);
  if (!strcmp(spec, "exact"))
    mlirOperationRemoveDiscardableAttributeByName(op, dl_str("dlc.approx"));
  else
    mlirOperationSetDiscardableAttributeByName(
        op, dl_str("dlc.approx"), mlirStringAttrGet(mlirOperationGetContext(op), dl_str(spec)));
  return true;
}

bool dl_approx_annotate(MlirModule m, const char *dflt, DlError *e) {
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return true;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (!annotate_op(op, dflt, e)) return false;
  return true;
}
