/* Reference kernels: the importer's constant folding and --fold-constants
 * evaluate ops here. There is one implementation of each op: these lower the
 * op exactly as the interpreter does (dl_call_lower) and run the same dlrt
 * kernel, so a folded constant holds the bits the model would compute. */
#include <stdlib.h>
#include <string.h>

#include "dlc/kernels.h"
#include "dlc/lower.h"

static bool out_alloc(DlTensor *out, DlError *e) {
  if (out->data) return true;
  DlShape s = out->shape;
  if (!dl_tensor_alloc(out, &s)) return dl_error_set(e, "out of memory");
  return true;
}

bool dl_kernel_cast(const DlTensor *in, DlTensor *out, DlError *e) {
  if (!out_alloc(out, e)) return false;
  dlrt_unary_g(DLRT_CAST, in->shape.dtype, out->shape.dtype, dl_shape_numel(&out->shape), in->data, out->data, 0, 0);
  return true;
}

bool dl_kernel_concat(int axis, int nin, const DlTensor *in, DlTensor *out, DlError *e) {
  if (!out_alloc(out, e)) return false;
  if (nin > 32) return dl_error_set(e, "concat of more than 32 operands");
  int64_t outer = 1;
  for (int i = 0; i < axis; i++) outer *= out->shape.dims[i];
  const void *xs[32];
  dlrt_i chunk[32];
  for (int j = 0; j < nin; j++) {
    xs[j] = in[j].data;
    chunk[j] = outer ? (dlrt_i)dl_tensor_bytes(&in[j]) / outer : 0;
  }
  dlrt_concat(nin, xs, chunk, outer, out->data);
  return true;
}

bool dl_kernel_has(DlOpKind k) {
  switch (k) {
  case DL_OP_ADD: case DL_OP_SUB: case DL_OP_MUL: case DL_OP_DIV: case DL_OP_POW:
  case DL_OP_MAX: case DL_OP_MIN: case DL_OP_MOD: case DL_OP_EQUAL: case DL_OP_LESS:
  case DL_OP_LESS_EQUAL: case DL_OP_GREATER: case DL_OP_GREATER_EQUAL: case DL_OP_AND:
  case DL_OP_OR: case DL_OP_XOR: case DL_OP_WHERE: case DL_OP_PRELU: case DL_OP_BIT_SHIFT:
  case DL_OP_BITWISE_AND: case DL_OP_BITWISE_OR: case DL_OP_BITWISE_XOR: case DL_OP_BITWISE_NOT:
  case DL_OP_RELU: case DL_OP_LEAKY_RELU: case DL_OP_CLIP: case DL_OP_SIGMOID:
  case DL_OP_HARD_SIGMOID: case DL_OP_HARD_SWISH: case DL_OP_TANH: case DL_OP_ERF:
  case DL_OP_GELU: case DL_OP_ELU: case DL_OP_SELU: case DL_OP_CELU: case DL_OP_SOFTPLUS:
  case DL_OP_SOFTSIGN: case DL_OP_THRESHOLDED_RELU: case DL_OP_SQRT: case DL_OP_EXP:
  case DL_OP_LOG: case DL_OP_NEG: case DL_OP_ABS: case DL_OP_RECIPROCAL: case DL_OP_FLOOR:
  case DL_OP_CEIL: case DL_OP_ROUND: case DL_OP_SIGN: case DL_OP_SIN: case DL_OP_COS:
  case DL_OP_TAN: case DL_OP_ASIN: case DL_OP_ACOS: case DL_OP_ATAN: case DL_OP_SINH:
  case DL_OP_COSH: case DL_OP_ASINH: case DL_OP_ACOSH: case DL_OP_ATANH: case DL_OP_IS_NAN:
  case DL_OP_IS_INF: case DL_OP_NOT: case DL_OP_CAST: case DL_OP_RESHAPE: case DL_OP_TRANSPOSE:
  case DL_OP_SLICE: case DL_OP_GATHER: case DL_OP_GATHER_ELEMENTS: case DL_OP_EXPAND:
  case DL_OP_TILE: case DL_OP_PAD: case DL_OP_TRILU: case DL_OP_CUMSUM:
  case DL_OP_DEPTH_TO_SPACE: case DL_OP_SPACE_TO_DEPTH:
  case DL_OP_GATHER_ND: case DL_OP_SCATTER_ELEMENTS: case DL_OP_SCATTER_ND: case DL_OP_TOP_K:
  case DL_OP_REVERSE_SEQUENCE: case DL_OP_GRID_SAMPLE: case DL_OP_TFIDF_VECTORIZER: case DL_OP_DET:
  case DL_OP_REDUCE_MEAN: case DL_OP_REDUCE_MAX: case DL_OP_REDUCE_MIN: case DL_OP_REDUCE_SUM:
  case DL_OP_REDUCE_PROD: case DL_OP_REDUCE_L1: case DL_OP_REDUCE_L2:
  case DL_OP_REDUCE_SUM_SQUARE: case DL_OP_REDUCE_LOG_SUM: case DL_OP_REDUCE_LOG_SUM_EXP: case DL_OP_ARG_MAX:
  case DL_OP_ARG_MIN:
    return true;
  default: return false;
  }
}

bool dl_kernel_eval(DlOpKind k, const DlAttrs *a, int nin, const DlTensor *in, DlTensor *out,
                    DlError *e) {
  if (!dl_kernel_has(k)) return dl_error_set(e, "no kernel for qg.%s", dl_op_info(k)->mnemonic);
  if (nin > 32) return dl_error_set(e, "qg.%s: too many operands", dl_op_info(k)->mnemonic);
  DlShape shapes[32];
  const void *data[32];
  for (int i = 0; i < nin; i++) shapes[i] = in[i].shape, data[i] = in[i].data;
  DlCall c;
  if (!dl_call_lower(k, a, nin, shapes, &out->shape, &c, e)) return false;
  bool ok = true;
  if (c.kind == DL_CALL_NONE) {
    ok = dl_error_set(e, "qg.%s has no kernel for %s operands", dl_op_info(k)->mnemonic, dl_dtype_name(shapes[0].dtype));
  } else if (!out_alloc(out, e)) {
    ok = false;
  } else if (c.kind == DL_CALL_ALIAS) {
    memcpy(out->data, in[0].data, dl_tensor_bytes(out));
  } else {
    float *scratch = malloc(sizeof(float) * (size_t)(c.scratch > 0 ? c.scratch : 1));
    if (!scratch) ok = dl_error_set(e, "out of memory");
    else if (!dl_call_run(&c, data, nin, out->data, scratch))
      ok = dl_error_set(e, "qg.%s: an index in the data is out of range", dl_op_info(k)->mnemonic);
    free(scratch);
  }
  dl_call_free(&c);
  return ok;
}
