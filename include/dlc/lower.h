/* Lowering of one qg op to one dlrt kernel call: every shape-derived
 * parameter is computed here once, and both the interpreter and the C target
 * use the result, so they call the runtime identically. */
#ifndef DLC_LOWER_H
#define DLC_LOWER_H

#include "dlc/dlrt.h"
#include "dlc/ops.h"

typedef enum {
  DL_CALL_NONE, /* no dlrt kernel: use the reference kernel (interpreter only) */
  DL_CALL_ALIAS, /* output shares the input's bytes (reshape) */
  DL_CALL_CONV,
  DL_CALL_CONV_TRANSPOSE,
  DL_CALL_POOL,
  DL_CALL_GLOBAL_POOL,
  DL_CALL_GEMM,
  DL_CALL_MATMUL,
  DL_CALL_BINARY,
  DL_CALL_UNARY,
  DL_CALL_SOFTMAX,
  DL_CALL_LAYER_NORM,
  DL_CALL_BATCH_NORM,
  DL_CALL_INSTANCE_NORM,
  DL_CALL_COPY, /* strided copy: transpose, slice, expand */
  DL_CALL_CONCAT,
} DlCallKind;

typedef struct {
  DlCallKind kind;
  int sub;        /* pool kind, DLRT_* op, log-softmax flag, global max flag */
  float p0, p1;   /* unary parameters; eps for norms */
  dlrt_act act;
  dlrt_win win;
  dlrt_i M, N, K;
  int transA, transB;
  float alpha, beta;
  dlrt_i cm, cn;  /* gemm bias broadcast shape */
  int r;          /* binary / copy rank */
  dlrt_i dims[DL_MAX_RANK], as[DL_MAX_RANK], bs[DL_MAX_RANK], offset;
  dlrt_i outer, len, inner;
  dlrt_i batches;
  dlrt_i *aoff, *boff; /* matmul batch offsets, malloc'd */
  dlrt_i scratch;      /* floats of scratch the call needs */
  int axis;            /* concat */
} DlCall;

/* Fills c for op k. Returns true even for DL_CALL_NONE; false only on an
 * invalid op (message in e). Release with dl_call_free. */
bool dl_call_lower(DlOpKind k, const DlAttrs *a, int nin, const DlShape *in, const DlShape *out,
                   DlCall *c, DlError *e);
void dl_call_free(DlCall *c);

#endif
