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
 * widened too, so logits are not cut to a few levels, and the layers at
 * its ends (reading a model input, computing a model output) keep weights of
 * min(B, 8) bits when the default is narrower. Runs before calibration, which reads
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

/* op's dlc.quant with `key` = bits and highway = true added, unless it
 * already names `key`. */
static void widen_key(MlirOperation op, const char *key, int bits) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
  bool dict = !mlirAttributeIsNull(d) && mlirAttributeIsADictionary(d);
  if (dict && !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(d, dl_str(key)))) return;
  intptr_t n = dict ? mlirDictionaryAttrGetNumElements(d) : 0;
  MlirNamedAttribute *kv = malloc(sizeof *kv * (size_t)(n + 2));
  int k = 0;
  for (intptr_t i = 0; i < n; i++) {
    MlirNamedAttribute a = mlirDictionaryAttrGetElement(d, i);
    MlirStringRef nm = mlirIdentifierStr(a.name);
    if (nm.length != 7 || strncmp(nm.data, "highway", 7)) kv[k++] = a;
  }
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(key)), mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), bits));
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("highway")), mlirBoolAttrGet(ctx, true));
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, k, kv));
  free(kv);
}

static void widen(MlirOperation op, int bits) { widen_key(op, "abits", bits); }

/* The highway's ends: a layer that reads a model input or computes a model
 * output keeps weights of min(bits, 8) bits, unless the model's default is
 * wider; its weights are few, and their error would enter or leave the whole
 * highway. */
static void widen_end(MlirOperation op, DlOpKind k, int bits, int wbits) {
  int w = bits < 8 ? bits : 8;
  if ((k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL || k == DL_OP_CONV_TRANSPOSE) && wbits < w)
    widen_key(op, "wbits", w);
}

/* The qg op computing v, through data movement (each widened on the way),
 * widened and returned with its kind; a constant, an argument or a non-float
 * value ends the walk (a null op). */
static MlirOperation widen_producer(MlirValue v, int bits, DlOpKind *k) {
  for (int depth = 0; depth < 64; depth++) {
    MlirOperation def = dl_value_qg_def(v, k);
    if (mlirOperationIsNull(def)) return def;
    widen(def, bits);
    if (!is_movement(*k)) return def;
    v = mlirOperationGetOperand(def, 0);
  }
  return (MlirOperation){NULL};
}

/* The layers reading v, through data movement. */
static void widen_readers(MlirValue v, int bits, int wbits, int depth) {
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u) && depth < 64; u = mlirOpOperandGetNextUse(u)) {
    MlirOperation op = mlirOpOperandGetOwner(u);
    DlOpKind k = dl_op_kind(op);
    if (is_movement(k)) widen_readers(mlirOperationGetResult(op, 0), bits, wbits, depth + 1);
    else if (mlirOpOperandGetOperandNumber(u) == 0) widen_end(op, k, bits, wbits);
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
  int bits = (int)dl_dict_int(q, "highway", 8), wbits = (int)dl_dict_int(q, "wbits", 8), joins = 0;
  DlOpKind k;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    DlShape a, b;
    if (dl_op_kind(op) != DL_OP_ADD || !activation(mlirOperationGetOperand(op, 0), &a) ||
        !activation(mlirOperationGetOperand(op, 1), &b) || !same_shape(&a, &b))
      continue;
    widen(op, bits);
    widen_producer(mlirOperationGetOperand(op, 0), bits, &k);
    widen_producer(mlirOperationGetOperand(op, 1), bits, &k);
    joins++;
  }
  if (!joins) {
    dl_warn(mlirOperationGetContext(func), "--highway: the model has no residual adds; nothing was widened");
    return true;
  }
  /* the highway runs from the inputs to the outputs: the last layers' results
   * stay wide, and the first and last layers keep wider weights */
  MlirOperation ret = mlirBlockGetTerminator(dl_func_body(func));
  for (intptr_t i = 0; !mlirOperationIsNull(ret) && i < mlirOperationGetNumOperands(ret); i++) {
    MlirOperation last = widen_producer(mlirOperationGetOperand(ret, i), bits, &k);
    if (!mlirOperationIsNull(last)) widen_end(last, k, bits, wbits);
  }
  MlirBlock body = dl_func_body(func);
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); i++) widen_readers(mlirBlockGetArgument(body, i), bits, wbits, 0);
  return true;
}
