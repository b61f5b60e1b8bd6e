#include "dlc/qdq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

MlirAttribute dl_value_attr_get(MlirValue v, const char *name) {
  if (mlirValueIsAOpResult(v)) return mlirOperationGetDiscardableAttributeByName(mlirOpResultGetOwner(v), dl_str(name));
  MlirOperation func = mlirBlockGetParentOperation(mlirBlockArgumentGetOwner(v));
  MlirAttribute all = mlirOperationGetAttributeByName(func, dl_str("arg_attrs"));
  intptr_t i = mlirBlockArgumentGetArgNumber(v);
  if (mlirAttributeIsNull(all) || i >= mlirArrayAttrGetNumElements(all)) return (MlirAttribute){NULL};
  return mlirDictionaryAttrGetElementByName(mlirArrayAttrGetElement(all, i), dl_str(name));
}

void dl_value_attr_set(MlirValue v, const char *name, MlirAttribute r) {
  if (mlirValueIsAOpResult(v)) {
    if (mlirAttributeIsNull(r)) mlirOperationRemoveDiscardableAttributeByName(mlirOpResultGetOwner(v), dl_str(name));
    else mlirOperationSetDiscardableAttributeByName(mlirOpResultGetOwner(v), dl_str(name), r);
    return;
  }
  MlirBlock block = mlirBlockArgumentGetOwner(v);
  MlirOperation func = mlirBlockGetParentOperation(block);
  MlirContext ctx = mlirOperationGetContext(func);
  intptr_t nargs = mlirBlockGetNumArguments(block), i = mlirBlockArgumentGetArgNumber(v);
  MlirAttribute all = mlirOperationGetAttributeByName(func, dl_str("arg_attrs"));
  MlirAttribute *dicts = malloc(sizeof(MlirAttribute) * (size_t)nargs);
  size_t nl = strlen(name);
  for (intptr_t a = 0; a < nargs; a++) {
    MlirAttribute d = !mlirAttributeIsNull(all) && a < mlirArrayAttrGetNumElements(all) ? mlirArrayAttrGetElement(all, a)
                                                                                        : mlirDictionaryAttrGet(ctx, 0, NULL);
    if (a == i) {
      intptr_t n = mlirDictionaryAttrGetNumElements(d);
      MlirNamedAttribute *el = malloc(sizeof(MlirNamedAttribute) * (size_t)(n + 1));
      int k = 0;
      for (intptr_t j = 0; j < n; j++) {
        MlirNamedAttribute na = mlirDictionaryAttrGetElement(d, j);
        MlirStringRef s = mlirIdentifierStr(na.name);
        if (!(s.length == nl && !strncmp(s.data, name, nl))) el[k++] = na;
      }
      if (!mlirAttributeIsNull(r)) el[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(name)), r);
      d = mlirDictionaryAttrGet(ctx, k, el);
      free(el);
    }
    dicts[a] = d;
  }
  mlirOperationSetAttributeByName(func, dl_str("arg_attrs"), mlirArrayAttrGet(ctx, nargs, dicts));
  free(dicts);
}

void dl_value_set_qparams(MlirValue v, const DlQParams *p) {
  double d[5] = {p->scale, (double)p->zp, (double)p->qmin, (double)p->qmax, (double)p->bits};
  dl_value_attr_set(v, "dlc.qparams", mlirDenseF64ArrayGet(mlirValueGetContext(v), 5, d));
}

bool dl_value_qparams(MlirValue v, DlQParams *p) {
  MlirAttribute a = dl_value_attr_get(v, "dlc.qparams");
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseF64Array(a) || mlirDenseArrayGetNumElements(a) != 5) return false;
  p->scale = mlirDenseF64ArrayGetElement(a, 0);
  p->zp = (int64_t)mlirDenseF64ArrayGetElement(a, 1);
  p->qmin = (int64_t)mlirDenseF64ArrayGetElement(a, 2);
  p->qmax = (int64_t)mlirDenseF64ArrayGetElement(a, 3);
  p->bits = (int)mlirDenseF64ArrayGetElement(a, 4);
  p->is_signed = true;
  return p->scale > 0 && p->qmin <= p->zp && p->zp <= p->qmax && p->bits >= 2 && p->bits <= 32;
}

static MlirNamedAttribute named(MlirContext ctx, const char *n, MlirAttribute a) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(n)), a);
}

void dl_constant_set_qweight(MlirOperation constant, const DlQWeight *w) {
  MlirContext ctx = mlirOperationGetContext(constant);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  MlirNamedAttribute el[6] = {
      named(ctx, "axis", mlirIntegerAttrGet(i64, w->axis)),
      named(ctx, "bits", mlirIntegerAttrGet(i64, w->bits)),
      named(ctx, "qmax", mlirIntegerAttrGet(i64, w->qmax)),
      named(ctx, "qmin", mlirIntegerAttrGet(i64, w->qmin)),
      named(ctx, "scale", mlirDenseF64ArrayGet(ctx, (intptr_t)w->nch, w->scale)),
      named(ctx, "zp", mlirDenseI64ArrayGet(ctx, (intptr_t)w->nch, w->zp)),
  };
  mlirOperationSetDiscardableAttributeByName(constant, dl_str("dlc.qweight"), mlirDictionaryAttrGet(ctx, 6, el));
}

bool dl_value_qweight(MlirValue v, DlQWeight *w) {
  if (!mlirValueIsAOpResult(v)) return false;
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(mlirOpResultGetOwner(v), dl_str("dlc.qweight"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return false;
  MlirAttribute ax = mlirDictionaryAttrGetElementByName(d, dl_str("axis")),
                b = mlirDictionaryAttrGetElementByName(d, dl_str("bits")),
                lo = mlirDictionaryAttrGetElementByName(d, dl_str("qmin")),
                hi = mlirDictionaryAttrGetElementByName(d, dl_str("qmax")),
                s = mlirDictionaryAttrGetElementByName(d, dl_str("scale")),
                z = mlirDictionaryAttrGetElementByName(d, dl_str("zp"));
  MlirAttribute ints[4] = {ax, b, lo, hi};
  for (int i = 0; i < 4; i++)
    if (mlirAttributeIsNull(ints[i]) || !mlirAttributeIsAInteger(ints[i])) return false;
  if (mlirAttributeIsNull(s) || mlirAttributeIsNull(z) || !mlirAttributeIsADenseF64Array(s) ||
      !mlirAttributeIsADenseI64Array(z) || mlirDenseArrayGetNumElements(s) != mlirDenseArrayGetNumElements(z) ||
      mlirDenseArrayGetNumElements(s) < 1)
    return false;
  w->axis = (int)mlirIntegerAttrGetValueInt(ax), w->bits = (int)mlirIntegerAttrGetValueInt(b);
  w->qmin = mlirIntegerAttrGetValueInt(lo), w->qmax = mlirIntegerAttrGetValueInt(hi);
  w->nch = mlirDenseArrayGetNumElements(s);
  w->scale = malloc(sizeof(double) * (size_t)w->nch), w->zp = malloc(sizeof(int64_t) * (size_t)w->nch);
  for (int64_t c = 0; c < w->nch; c++)
    w->scale[c] = mlirDenseF64ArrayGetElement(s, c), w->zp[c] = mlirDenseI64ArrayGetElement(z, c);
  return true;
}

/* Storage range of an ONNX integer type and the offset that makes it signed. */
bool dl_qdq_storage(DlDType t, int64_t *qmin, int64_t *qmax, int64_t *shift, int *bits) {
  switch (t) {
  case DL_I8: *qmin = -128, *qmax = 127, *shift = 0, *bits = 8; return true;
  case DL_U8: *qmin = -128, *qmax = 127, *shift = -128, *bits = 8; return true;
  case DL_I16: *qmin = -32768, *qmax = 32767, *shift = 0, *bits = 16; return true;
  case DL_U16: *qmin = -32768, *qmax = 32767, *shift = -32768, *bits = 16; return true;
  case DL_I32: *qmin = INT32_MIN, *qmax = INT32_MAX, *shift = 0, *bits = 32; return true;
  default: return false;
  }
}

/* Per-tensor parameters of a quantize/dequantize op whose quantized side has
 * element type qt: scale and zero point must be constant scalars. */
bool dl_qdq_params(MlirOperation op, DlDType qt, DlQParams *p) {
  DlTensor s = {0}, z = {0};
  int64_t shift;
  bool ok = dl_value_tensor(mlirOperationGetOperand(op, 1), &s) && s.shape.dtype == DL_F32 &&
            dl_shape_numel(&s.shape) == 1 && dl_qdq_storage(qt, &p->qmin, &p->qmax, &shift, &p->bits);
  p->zp = 0;
  if (ok && mlirOperationGetNumOperands(op) > 2) {
    ok = dl_value_tensor(mlirOperationGetOperand(op, 2), &z) && dl_shape_numel(&z.shape) == 1;
    if (ok) p->zp = dl_tensor_get_i(&z, 0);
  }
  if (ok) {
    p->scale = ((const float *)s.data)[0];
    p->zp += shift;
    p->is_signed = true;
    ok = p->scale > 0 && isfinite(p->scale) && p->zp >= p->qmin && p->zp <= p->qmax;
  }
  dl_tensor_free(&s), dl_tensor_free(&z);
  return ok;
}
