/* The Gram matrix of a layer's inputs and the constant 1 over calibration
 * data: what least-squares compensation of pruning (prune.c) and GPTQ
 * rounding (gptq.c) fit to. A layer is a 2-D conv (its inputs are im2col
 * rows), or a gemm / matmul with rank-2 weights; fed the values of its input
 * that the interpreter's observer sees. Not a public API. */
#ifndef DLC_GRAM_H
#define DLC_GRAM_H

#include "dlc/ir.h"
#include "dlc/pool.h"
#include "dlc/tensor.h"

typedef struct {
  MlirValue x;     /* the layer's input */
  bool conv;
  bool row_major;  /* weights w[o*K + k] (conv, gemm transB) or w[k*N + o] */
  int64_t N, K, G, d; /* outputs, inputs per output, groups, K + 1 */
  int64_t pads[2], strides[2], dil[2], kh, kw, oh, ow;
  double *H;       /* G blocks of d x d; upper triangle until dl_gram_finish */
  double *R;       /* up to 64 rows of group rg waiting to be added to H */
  int64_t nr, rg;
  bool bad_shape;  /* a conv saw an input that is not rank 4 */
  DlPool *pool;    /* splits flushes over its workers, or NULL (dl_grams_collect) */
} DlGram;

/* Sets g up (zeroed) for layer op; false when op is not a 2-D conv, a gemm
 * without transA or a matmul with rank-2 f32 weights (g then holds nothing). */
bool dl_gram_init(DlGram *g, MlirOperation op);
/* Adds the rows of t, a value of g->x. */
void dl_gram_add(DlGram *g, const DlTensor *t);
/* Adds the rows still waiting and fills in the lower triangles: H symmetric. */
void dl_gram_finish(DlGram *g);
void dl_gram_free(DlGram *g);
/* Runs the first `limit` samples of data (0: all) through m and adds to the
 * n grams (dl_gram_init'ed on m's ops) the values of their inputs, then
 * finishes them; the model runs stop after the last value any of them needs.
 * On `jobs` threads the samples run in chunks on plans of their own and
 * their values add in sample order, and each flush splits H's rows over the
 * threads: the same bits for any jobs. False with e set on failure. */
bool dl_grams_collect(MlirModule m, DlGram *g, int n, const DlTensor *data, int64_t limit, int jobs, DlError *e);

#endif
