/* The network's edges keep wider activations: below edge_abits (default 8)
 * activation bits (the func's dlc.quant abits), the model's inputs, the
 * results of the layers computing its outputs and the inputs of those layers
 * keep edge_abits bits, the common post-training convention of "first and
 * last layers at 8 bits" applied to activations. An input is the image itself
 * (a few levels of it lose detail no later layer can recover); the outputs
 * are the logits, which only the argmax or the caller reads, so their width
 * costs nothing; the last layer's input is the classifier's features (a
 * global pool's average of many narrow values, which has more levels than
 * the narrow width). Kept on the zoo ResNet at W4A4, they took the test
 * loss against float from 2.43 to 0.80 points (docs/quantization-accuracy.md).
 *
 * A model input read by a qg op gets `dlc.abits = B` as an argument
 * attribute (calibration chooses its range at that width, --quantize
 * quantizes it so); the producer of each model output, through data
 * movement that keeps its input's quantization (reshape, transpose, slice,
 * expand, max pooling), and the producer of that layer's operand 0, through
 * the same, get `abits = B` and `edge = true` in their dlc.quant, unless
 * they already name abits (--config, --highway, --auto-keep). A warning names
 * what was kept. Runs before calibration. */
#include <stdlib.h>
#include <string.h>

#include "dlc/qdq.h"
#include "dlc/support.h"
#include "pass_util.h"

/* Ops whose result keeps their operand 0's quantization (passes/quantize.c). */
static bool keeps_quant(DlOpKind k) {
  switch (k) {
  case DL_OP_RESHAPE: case DL_OP_TRANSPOSE: case DL_OP_SLICE: case DL_OP_EXPAND: case DL_OP_MAX_POOL:
  case DL_OP_GLOBAL_MAX_POOL:
    return true;
  default:
    return false;
  }
}

/* op's dlc.quant with abits = bits and edge = true, unless it names abits;
 * false when it did. */
static bool widen(MlirOperation op, int bits) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
  bool dict = !mlirAttributeIsNull(d) && mlirAttributeIsADictionary(d);
  if (dict && !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(d, dl_str("abits")))) return false;
  intptr_t n = dict ? mlirDictionaryAttrGetNumElements(d) : 0;
  MlirNamedAttribute *kv = malloc(sizeof *kv * (size_t)(n + 2));
  int k = 0;
  for (intptr_t i = 0; i < n; i++) kv[k++] = mlirDictionaryAttrGetElement(d, i);
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("abits")), mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), bits));
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("edge")), mlirBoolAttrGet(ctx, true));
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, k, kv));
  free(kv);
  return true;
}

static void add_name(DlBuf *names, int *count, MlirOperation op) {
  char where[256];
  dl_location_str(mlirOperationGetLocation(op), where, sizeof where);
  dl_buf_printf(names, "%s%s", (*count)++ ? ", " : "", where);
}

/* The qg op computing v, through ops that keep the quantization (each
 * widened on the way), widened and returned with its kind; a constant, an
 * argument or a non-float value ends the walk (a null op). */
static MlirOperation widen_producer(MlirValue v, int bits, DlOpKind *k, DlBuf *names, int *count) {
  for (int depth = 0; depth < 64; depth++) {
    MlirOperation def = dl_value_qg_def(v, k);
    DlShape s;
    if (mlirOperationIsNull(def) || !dl_type_to_shape(mlirValueGetType(v), &s) || !dl_dtype_is_float(s.dtype))
      return (MlirOperation){NULL};
    bool own = widen(def, bits);
    if (!keeps_quant(*k)) {
      if (own) add_name(names, count, def);
      return def;
    }
    v = mlirOperationGetOperand(def, 0);
  }
  return (MlirOperation){NULL};
}

static bool read_by_qg(MlirValue v) {
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u))
    if (dl_op_kind(mlirOpOperandGetOwner(u)) != DL_OP_COUNT) return true;
  return false;
}

bool dl_pass_edge_activations(MlirOperation func) {
  MlirAttribute q = mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.quant"));
  int abits = (int)dl_dict_int(q, "abits", 8), bits = (int)dl_dict_int(q, "edge_abits", 8);
  if (abits >= bits) return true;
  MlirContext ctx = mlirOperationGetContext(func);
  MlirBlock body = dl_func_body(func);
  DlBuf ins = {0}, outs = {0}, feeds = {0};
  int nin = 0, nout = 0, nfeed = 0;
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); i++) {
    MlirValue a = mlirBlockGetArgument(body, i);
    DlShape s;
    if (!dl_type_to_shape(mlirValueGetType(a), &s) || !dl_dtype_is_float(s.dtype) || !read_by_qg(a) ||
        !mlirAttributeIsNull(dl_value_attr_get(a, "dlc.abits")))
      continue;
    dl_value_attr_set(a, "dlc.abits", mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), bits));
    MlirAttribute nm = dl_value_attr_get(a, "dlc.name");
    if (!mlirAttributeIsNull(nm) && mlirAttributeIsAString(nm) && mlirStringAttrGetValue(nm).length)
      dl_buf_printf(&ins, "%s%.*s", nin++ ? ", " : "", (int)mlirStringAttrGetValue(nm).length, mlirStringAttrGetValue(nm).data);
    else
      dl_buf_printf(&ins, "%sinput %d", nin++ ? ", " : "", (int)i);
  }
  MlirOperation ret = mlirBlockGetTerminator(body);
  for (intptr_t i = 0; !mlirOperationIsNull(ret) && i < mlirOperationGetNumOperands(ret); i++) {
    DlOpKind k;
    MlirOperation last = widen_producer(mlirOperationGetOperand(ret, i), bits, &k, &outs, &nout);
    if (!mlirOperationIsNull(last) && (k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL))
      widen_producer(mlirOperationGetOperand(last, 0), bits, &k, &feeds, &nfeed);
  }
  if (nin + nout + nfeed)
    dl_warn(ctx,
            "activations below %d bits: the model's edges keep %d-bit activations (--abits-edge=%d quantizes them like "
            "the others): inputs: %s; outputs of: %s; inputs of the last layers from: %s",
            bits, bits, abits, nin ? ins.data : "none", nout ? outs.data : "none", nfeed ? feeds.data : "none");
  dl_buf_free(&ins), dl_buf_free(&outs), dl_buf_free(&feeds);
  return true;
}
