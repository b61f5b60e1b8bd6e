#include "pass_util.h"

#include <math.h>
#include <string.h>

MlirBlock dl_func_body(MlirOperation func) {
  return mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
}

bool dl_value_is_unused(MlirValue v) { return mlirOpOperandIsNull(mlirValueGetFirstUse(v)); }

bool dl_value_has_one_use(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  return !mlirOpOperandIsNull(u) && mlirOpOperandIsNull(mlirOpOperandGetNextUse(u));
}

MlirOperation dl_value_qg_def(MlirValue v, DlOpKind *k) {
  *k = DL_OP_COUNT;
  if (!mlirValueIsAOpResult(v)) return (MlirOperation){NULL};
  MlirOperation def = mlirOpResultGetOwner(v);
  *k = dl_op_kind(def);
  return *k == DL_OP_COUNT ? (MlirOperation){NULL} : def;
}

MlirValue dl_insert_constant(MlirOperation before, DlTensor *t, const char *name) {
  MlirContext ctx = mlirOperationGetContext(before);
  MlirAttribute a = dl_tensor_to_attr(ctx, t, name, 16);
  dl_tensor_free(t);
  MlirOperation c = dl_constant_create(mlirOperationGetLocation(before), a);
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(before), before, c);
  return mlirOperationGetResult(c, 0);
}

void dl_erase_dead_constants(MlirOperation func) {
  MlirBlock b = dl_func_body(func);
  for (MlirOperation op = mlirBlockGetFirstOperation(b), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
    if (n.length == 14 && !strncmp(n.data, "arith.constant", 14) &&
        dl_value_is_unused(mlirOperationGetResult(op, 0)))
      mlirOperationDestroy(op);
  }
}

void dl_replace_op(MlirOperation op, MlirValue v) {
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(op, 0), v);
  mlirOperationDestroy(op);
}

bool dl_cholesky(double *A, int64_t n) {
  for (int64_t j = 0; j < n; j++) {
    double d = A[j * n + j];
    for (int64_t k = 0; k < j; k++) d -= A[j * n + k] * A[j * n + k];
    if (!(d > 0)) return false;
    d = sqrt(d);
    A[j * n + j] = d;
    for (int64_t i = j + 1; i < n; i++) {
      double s = A[i * n + j];
      for (int64_t k = 0; k < j; k++) s -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = s / d;
    }
    for (int64_t i = 0; i < j; i++) A[i * n + j] = 0;
  }
  return true;
}

void dl_rewrite_each(MlirOperation func, DlOpKind k, bool (*rewrite)(MlirOperation op)) {
  MlirBlock b = dl_func_body(func);
  for (MlirOperation op = mlirBlockGetFirstOperation(b), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    if (dl_op_kind(op) == k) rewrite(op);
  }
  dl_erase_dead_constants(func);
}

void dl_copy_discardable_attrs(MlirOperation from, MlirOperation to, const char *prefix) {
  size_t pl = prefix ? strlen(prefix) : 0;
  for (intptr_t i = 0; i < mlirOperationGetNumDiscardableAttributes(from); i++) {
    MlirNamedAttribute na = mlirOperationGetDiscardableAttribute(from, i);
    MlirStringRef nm = mlirIdentifierStr(na.name);
    if (nm.length >= pl && !strncmp(nm.data, prefix ? prefix : "", pl))
      mlirOperationSetDiscardableAttributeByName(to, nm, na.attribute);
  }
}

int64_t dl_dict_int(MlirAttribute d, const char *key, int64_t dflt) {
  MlirAttribute a = !mlirAttributeIsNull(d) && mlirAttributeIsADictionary(d) ? mlirDictionaryAttrGetElementByName(d, dl_str(key))
                                                                            : (MlirAttribute){0};
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : dflt;
}
