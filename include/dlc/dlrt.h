/* dlrt: dlc's float kernel runtime. Plain C99, no allocation, no globals.
 * The interpreter links it; the C target copies the sections it needs into
 * generated code (see the `@fn` markers in dlrt.c), so both run the very
 * same arithmetic in the same order. Tensors are dense, row-major (NCHW). */
#ifndef DLRT_H
#define DLRT_H

#include <stdint.h>

/* @types */
typedef int64_t dlrt_i;

/* Activation applied on write by conv/gemm/matmul/add: y = clamp(y, lo, hi). */
typedef struct {
  int on;
  float lo, hi;
} dlrt_act;

/* Window geometry with spatial rank padded to 3 (1-D/2-D use leading 1s). */
typedef struct {
  dlrt_i n, c, id[3], m, k[3], od[3], stride[3], pad[3], pad_end[3], dil[3], group;
} dlrt_win;

/* Elementwise ops; `op` values are DLRT_* below. Broadcasting through
 * per-operand strides over an output of rank r (dims d). */
enum {
  DLRT_ADD, DLRT_SUB, DLRT_MUL, DLRT_DIV, DLRT_POW, DLRT_MAX, DLRT_MIN, DLRT_PRELU,
  DLRT_RELU, DLRT_LEAKY_RELU, DLRT_CLIP, DLRT_SIGMOID, DLRT_HARD_SIGMOID, DLRT_HARD_SWISH,
  DLRT_TANH, DLRT_ERF, DLRT_GELU, DLRT_GELU_TANH, DLRT_ELU, DLRT_SELU, DLRT_CELU, DLRT_SOFTPLUS,
  DLRT_SOFTSIGN, DLRT_THRESHOLDED_RELU, DLRT_SQRT, DLRT_EXP, DLRT_LOG, DLRT_NEG, DLRT_ABS,
  DLRT_RECIPROCAL, DLRT_FLOOR, DLRT_CEIL, DLRT_ROUND, DLRT_SIGN, DLRT_SIN, DLRT_COS
};
/* @end */

/* C[M,N] (+)= A[M,K] B[K,N], all row-major with leading dims lda, ldb, ldc. */
void dlrt_sgemm(dlrt_i M, dlrt_i N, dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb,
                float *C, dlrt_i ldc, int accumulate);
/* Scratch floats conv needs. */
dlrt_i dlrt_conv_scratch(const dlrt_win *g);
void dlrt_conv(const dlrt_win *g, const float *x, const float *w, const float *b, float *y,
               float *scratch, dlrt_act act);
void dlrt_conv_transpose(const dlrt_win *g, const float *x, const float *w, const float *b, float *y,
                         dlrt_act act);
/* kind: 0 max, 1 average excluding pads, 2 average including pads */
void dlrt_pool(const dlrt_win *g, int kind, const float *x, float *y);
void dlrt_global_pool(dlrt_i nc, dlrt_i spatial, int is_max, const float *x, float *y);
/* Y[M,N] = alpha op(A) op(B) + beta C; C broadcast as (cm,cn) with 1 meaning broadcast;
 * scratch holds K*N floats when transB. */
void dlrt_gemm(dlrt_i M, dlrt_i N, dlrt_i K, int transA, int transB, float alpha, float beta,
               const float *A, const float *B, const float *C, dlrt_i cm, dlrt_i cn, float *Y,
               float *scratch, dlrt_act act);
/* Batched matmul; batch offsets for A and B (in elements) per output batch. */
void dlrt_matmul(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N,
                 dlrt_i K, const float *A, const float *B, float *Y, dlrt_act act);

void dlrt_binary(int op, int r, const dlrt_i *d, const float *a, const dlrt_i *as, const float *b,
                 const dlrt_i *bs, float *y, dlrt_act act);
void dlrt_unary(int op, dlrt_i n, const float *x, float *y, float p0, float p1);

/* Normalizations over [outer, axis, inner] views. */
void dlrt_softmax(dlrt_i outer, dlrt_i len, dlrt_i inner, int log, const float *x, float *y);
void dlrt_layer_norm(dlrt_i outer, dlrt_i len, const float *x, const float *scale,
                     const float *bias, float eps, float *y);
void dlrt_batch_norm(dlrt_i n, dlrt_i c, dlrt_i spatial, const float *x, const float *scale,
                     const float *bias, const float *mean, const float *var, float eps, float *y);
void dlrt_instance_norm(dlrt_i n, dlrt_i c, dlrt_i spatial, const float *x, const float *scale,
                        const float *bias, float eps, float *y);

/* Data movement on 4-byte elements. */
void dlrt_transpose(int r, const dlrt_i *out_dims, const dlrt_i *in_strides_permuted,
                    const float *x, float *y);
void dlrt_concat(int n, const float *const *xs, const dlrt_i *chunk, dlrt_i outer, float *y);
void dlrt_copy_strided(int r, const dlrt_i *out_dims, const dlrt_i *in_strides, dlrt_i in_offset,
                       const float *x, float *y);

#endif
