/* An integer step of the plan (lib/quant/qexec.c), shared with the C target's
 * emitter, which prints the same kernel calls with the same parameters. Not a
 * public API. */
#ifndef DLC_QSTEP_H
#define DLC_QSTEP_H

#include "dlc/dlz.h"
#include "dlc/qrt.h"
#include "interp/plan_internal.h"

/* Each kind of integer step and the qrt kernel that runs it. */
#define DL_QKINDS(X)                                                                                 \
  X(ALIAS, NULL)                                                                                     \
  X(QCAST, "qrt_quantize")                                                                           \
  X(DCAST, "qrt_dequantize")                                                                         \
  X(CONV, "qrt_conv")                                                                                \
  X(MATMUL, "qrt_matmul")                                                                            \
  X(BINARY, "qrt_binary")                                                                            \
  X(LUT, "qrt_lut")                                                                                  \
  X(POOL, "qrt_pool")                                                                                \
  X(GLOBAL_POOL, "qrt_global_pool")                                                                  \
  X(COPY, "qrt_copy_strided")                                                                        \
  X(CONCAT, "qrt_concat")

typedef enum {
#define X(id, fn) Q_##id,
  DL_QKINDS(X)
#undef X
} QKind;

struct DlQStep {
  QKind kind;
  DlCall c;       /* shape-derived parameters, from dl_call_lower on the float shapes */
  int xes, wes;   /* element sizes of operand 0 and 1 */
  int64_t zx, zw; /* operand zero points */
  float scale;    /* qcast / dcast */
  qrt_out o;
  qrt_mult *mult, mb;
  int nmult;
  qrt_wts w;              /* constant weights (conv, gemm, matmul), packed; w.data == wdata */
  unsigned char *wdata;   /* owned; NULL when operand 1 is an activation */
  size_t wbytes;
  int64_t nw;             /* weight elements */
  int32_t *bias, *lut;
  int64_t lut_lo, lut_n;
  int acc_bits;           /* dlc.acc_bits (conv, gemm, matmul); 64 when absent */
  size_t nscratch;        /* conv / matmul scratch bytes (qrt_conv_scratch, qrt_matmul_scratch) */
  dlrt_i *chunk; /* concat */
  dlz_params lossy; /* dlc.compress with k > 0: the result is what a K-lossy decoder returns */
};

/* Packs n weights at the fewest bits that hold them (2..7 as a bit stream,
 * else 8, 16 or 32; see qrt_wts). Returns a malloc'd buffer of *bytes. */
unsigned char *dl_qweights_pack(const int32_t *v, int64_t n, int *bits, size_t *bytes);

/* A conv / matmul step's weights as qrt_swts (owned buffers). */
typedef struct {
  unsigned char *mask, *vals;
  size_t mask_bytes, val_bytes; /* vals: the nonzeros and a spare zero packed at `bits` (dl_qweights_pack) */
  int bits;
  int64_t rows, K, nnz;         /* rows x K weights, nnz of them nonzero */
} DlQSparse;

/* How the C target stores a layer's weights (--c-sparse-weights): sparse
 * where that is smaller and not slower (auto, the default), where it is
 * smaller (size), never (off), or wherever the sparse kernels run (all). */
typedef enum { DL_SPARSE_AUTO, DL_SPARSE_OFF, DL_SPARSE_SIZE, DL_SPARSE_ALL } DlSparseMode;

/* The share of nonzero weights at or below which the sparse kernels are not
 * slower than the dense ones, and the fewest rows of A a sparse matmul needs
 * to amortize decoding its mask on every call (dlc-bench-sparse, x86-64). */
#define DL_SPARSE_MAX_DENSITY 0.25
#define DL_SPARSE_MIN_ROWS 16

/* Fills s with q's weights in sparse form and returns true when mode allows
 * it for this step: a conv or a matmul with constant weights shared by its
 * batches, whose operands meet qrt_sparse_ok; under DL_SPARSE_SIZE also only
 * when it takes fewer bytes than the dense packing; under DL_SPARSE_AUTO
 * also only when at most DL_SPARSE_MAX_DENSITY of the weights are nonzero,
 * a conv has unit strides along h and w (the strided loop is not
 * vectorized) and a matmul at least DL_SPARSE_MIN_ROWS rows. */
bool dl_qstep_sparse(const struct DlQStep *q, DlSparseMode mode, DlQSparse *s);
void dl_qsparse_free(DlQSparse *s);

/* Scratch bytes step q needs beyond its output (conv and matmul). */
size_t dl_qstep_scratch_bytes(const struct DlQStep *q);

#endif
