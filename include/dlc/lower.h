/* Lowering of one qg op to one dlrt kernel call: every shape-derived
 * parameter is computed here once, and both the interpreter and the C target
 * use the result, so they call the runtime identically. */
#ifndef DLC_LOWER_H
#define DLC_LOWER_H

#include "dlc/dlrt.h"
#include "dlc/ops.h"

typedef enum {
  DL_CALL_NONE,   /* no dlrt kernel: use the reference kernel (interpreter only) */
  DL_CALL_ALIAS,  /* output shares the input's bytes (reshape) */
  DL_CALL_CONCAT, /* dlrt_concat over the step's operands */
  /* one kind per row of calls.def; COPY is the strided copy of transpose,
   * slice, expand, tile and depth/space */
#define DL_CALL(kind, fn, status, args) DL_CALL_##kind,
#include "dlc/calls.def"
#undef DL_CALL
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
  dlrt_i dims[DLRT_MAX_VIEW], as[DLRT_MAX_VIEW], bs[DLRT_MAX_VIEW], cs[DLRT_MAX_VIEW], offset;
  int r2;         /* reduce: reduced dims and their strides; pad: output dims */
  dlrt_i dims2[DLRT_MAX_VIEW], s2[DLRT_MAX_VIEW];
  int ta, tb, to; /* element types (DLRT_T_*) of operands 0, 1 and the result */
  int es;         /* element size in bytes, for data movement */
  double v0, v1;  /* generic unary parameters, pad value */
  dlrt_i *tab;    /* resize tap offsets (malloc'd, ntab entries) */
  float *wtab;    /* resize tap weights (ntab entries) */
  dlrt_i ntab;
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

/* Whether the call's kernel returns a status (nonzero: bad index in the data). */
bool dl_call_has_status(const DlCall *c);
/* The dlrt function the call invokes (NULL for NONE and ALIAS). */
const char *dl_call_fn(const DlCall *c);
/* Runs c on operand data in[0..nin) into out; scratch holds c->scratch floats.
 * False when the kernel rejects its data (an index out of range). */
bool dl_call_run(const DlCall *c, const void *const *in, int nin, void *out, float *scratch);

#endif
