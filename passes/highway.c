/* --highway: precision highway (Park, Yoo, Vajda, ECCV 2018; SNU thesis,
 * /work/shared/research/002): the residual path of a network is kept at a
 * wider activation width than the bodies of its blocks, so the error of
 * low-bit convolutions does not accumulate along the skip connections.
 *
 * Every add of two activations of the same shape (a residual join) gets
 * `abits = highway` in its dlc.quant, and so do the producers of both of its
 * operands (the block's last conv, the projection conv or the previous
 * join), through data movement (reshape, transpose, slice, pooling), which
 * has no width of its own. Whatever reads those values (the first conv of
 * the next block) reads the wide value directly: the convolutions' own
 * outputs and weights stay at the narrow widths. A node whose dlc.quant
 * already sets abits (--config, --auto-keep) keeps it. Marked nodes carry
 * `highway = true` so the IR says why. The highway runs from the input
 * (whose width follows the first layer's, widened as the first skip's
 * source) to the outputs: the producers of the function's results are
 * widened too, so logits are not cut to a few levels. Runs before calibration, which reads
 * each node's abits (docs/quantization.md). */
#include <stdlib.h>
#include <string.h>

#include "pass_util.h"

static bool is_movement(DlOpKind k) {
  switch (k) {
  case DL_OP_RESHAPE: case DL_OP_TRANSPOSE: case DL_OP_SLICE: case DL_OP_MAX_POOL: case DL_OP_GLOBAL_MAX_POOL:
  case DL_OP_AVG_POOL: case DL_OP_GLOBAL_AVG_POOL:
    return true;
  default:
    return false;
  }
}

/* op's dlc.quant with abits = bits and highway = true added, unless it
 * already names abits. */
static void widen(MlirOperation op, int bits) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
  bool dict = !mlirAttributeIsNull(d) && mlirAttributeIsADictionary(d);
  if (dict && !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(d, dl_str("abits")))) return;
  intptr_t n = dict ? mlirDictionaryAttrGetNumElements(d) : 0;
  MlirNamedAttribute *kv = malloc(sizeof *kv * (size_t)(n + 2));
  for (intptr_t i = 0; i < n; i++) kv[i] = mlirDictionaryAttrGetElement(d, i);
  kv[n] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("abits")),
                                mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), bits));
  kv[n + 1] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("highway")), mlirBoolAttrGet(ctx, true));
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, n + 2, kv));
  free(kv);
}

/* The qg op computing v, through data movement (each widened on the way);
 * a constant, an argument or a non-float value ends the walk. */
static void widen_producer(MlirValue v, int bits) {
  for (int depth = 0; depth < 64; depth++) {
    DlOpKind k;
    MlirOperation def = dl_value_qg_def(v, &k);
    if (mlirOperationIsNull(def)) return;
    widen(def, bits);
    if (!is_movement(k)) return;
    v = mlirOperationGetOperand(def, 0);
  }
}

static bool activation(MlirValue v, DlShape *s) {
  DlOpKind k;
  return !mlirOperationIsNull(dl_value_qg_def(v, &k)) && dl_type_to_shape(mlirValueGetType(v), s) &&
         dl_dtype_is_float(s->dtype);
}

static bool same_shape(const DlShape *a, const DlShape *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

bool dl_pass_highway(MlirOperation func) {
  MlirAttribute q = mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant"));
  MlirAttribute h = !mlirAttributeIsNull(q) && mlirAttributeIsADictionary(q)
                        ? mlirDictionaryAttrGetElementByName(q, dl_str("highway"))
                        : (MlirAttribute){0};
  int bits = !mlirAttributeIsNull(h) && mlirAttributeIsAInteger(h) ? (int)mlirIntegerAttrGetValueInt(h) : 8;
  int joins = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    DlShape a, b;
    if (dl_op_kind(op) != DL_OP_ADD || !activation(mlirOperationGetOperand(op, 0), &a) ||
        !activation(mlirOperationGetOperand(op, 1), &b) || !same_shape(&a, &b))
      continue;
    widen(op, bits);
    widen_producer(mlirOperationGetOperand(op, 0), bits);
    widen_producer(mlirOperationGetOperand(op, 1), bits);
    joins++;
  }
  if (!joins) {
    dl_warn(mlirOperationGetContext(func), "--highway: the model has no residual adds; nothing was widened");
    return true;
  }
  /* the highway ends at the model's outputs: the last layers' results stay wide */
  MlirOperation ret = mlirBlockGetTerminator(dl_func_body(func));
  for (intptr_t i = 0; !mlirOperationIsNull(ret) && i < mlirOperationGetNumOperands(ret); i++)
    widen_producer(mlirOperationGetOperand(ret, i), bits);
  return true;
}
