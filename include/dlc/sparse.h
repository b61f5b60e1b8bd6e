/* Sparse storage of a conv / matmul step's integer weights, as the C target
 * keeps them (--c-sparse-weights) and the c cost model counts them. */
#ifndef DLC_SPARSE_H
#define DLC_SPARSE_H

#include "dlc/plan.h"

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

#endif
