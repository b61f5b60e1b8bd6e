/* Annotations that carry quantization parameters fixed by the model itself
 * (QDQ / QOperator ONNX, see passes/fold_qdq.c) into --quantize, which uses
 * them instead of calibrated ranges. */
#ifndef DLC_QDQ_H
#define DLC_QDQ_H

#include "dlc/quant.h"

/* A value's annotation `name`: on its producing op (discardable attribute) or,
 * for a function argument, in the function's arg_attrs. Null if absent. */
MlirAttribute dl_value_attr_get(MlirValue v, const char *name);
/* Sets (a null a: removes) the attribute `name` of v: on its producing op, or the func argument's. */
void dl_value_attr_set(MlirValue v, const char *name, MlirAttribute a);

/* `dlc.qparams = array<f64: scale, zp, qmin, qmax, bits>`: the exact per-tensor
 * parameters v must be quantized with (signed storage). */
void dl_value_set_qparams(MlirValue v, const DlQParams *p);
bool dl_value_qparams(MlirValue v, DlQParams *p);

/* The integers behind a float weight constant: `dlc.qweight` on its
 * arith.constant. One scale and zero point per channel along `axis` (nch == 1,
 * axis == -1: per tensor); values lie in qmin..qmax of `bits`-bit storage. */
typedef struct {
  int64_t nch;
  int axis;
  int64_t qmin, qmax;
  int bits;
  double *scale; /* nch, owned by the caller */
  int64_t *zp;   /* nch */
} DlQWeight;
void dl_constant_set_qweight(MlirOperation constant, const DlQWeight *w);
/* Reads the annotation of the constant behind v; on success the caller frees
 * w->scale and w->zp. */
bool dl_value_qweight(MlirValue v, DlQWeight *w);

/* Storage range of an ONNX integer type as dlc holds it (signed: uint8 and
 * uint16 move down by 128 / 32768, *shift); false for other types. */
bool dl_qdq_storage(DlDType t, int64_t *qmin, int64_t *qmax, int64_t *shift, int *bits);
/* Per-tensor parameters (signed form) of a quantize_linear / dequantize_linear
 * whose quantized side has element type qt: scale and zero point must be
 * constant scalars, the scale positive and finite. */
bool dl_qdq_params(MlirOperation op, DlDType qt, DlQParams *p);

#endif
