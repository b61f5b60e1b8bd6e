/* dlrt: dlc's float kernel runtime. Plain C99, no allocation, no globals.
 * The interpreter links it; the C target copies the sections it needs into
 * generated code (see the `@fn` markers in dlrt.c), so both run the very
 * same arithmetic in the same order. Tensors are dense, row-major (NCHW). */
#ifndef DLRT_H
#define DLRT_H

#include <stdint.h>

/* @types */
typedef int64_t dlrt_i;

/* Element types of the dtype-generic kernels: the values of DlDType
 * (dlc/tensor.h; lower.c checks that they agree). */
enum {
  DLRT_T_F32 = 1, DLRT_T_U8, DLRT_T_I8, DLRT_T_U16, DLRT_T_I16, DLRT_T_I32, DLRT_T_I64,
  DLRT_T_BOOL, DLRT_T_F16, DLRT_T_F64, DLRT_T_U32, DLRT_T_U64, DLRT_T_BF16
};

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
  DLRT_RECIPROCAL, DLRT_FLOOR, DLRT_CEIL, DLRT_ROUND, DLRT_SIGN, DLRT_SIN, DLRT_COS,
  /* the dtype-generic kernels only */
  DLRT_MOD, DLRT_FMOD, DLRT_EQUAL, DLRT_LESS, DLRT_LESS_EQUAL, DLRT_GREATER, DLRT_GREATER_EQUAL,
  DLRT_AND, DLRT_OR, DLRT_XOR, DLRT_SHL, DLRT_SHR, DLRT_BITAND, DLRT_BITOR, DLRT_BITXOR,
  DLRT_NOT, DLRT_BITNOT, DLRT_CAST, DLRT_TAN, DLRT_ASIN, DLRT_ACOS, DLRT_ATAN, DLRT_SINH,
  DLRT_COSH, DLRT_ASINH, DLRT_ACOSH, DLRT_ATANH, DLRT_ISNAN, DLRT_ISINF
};

/* Reductions (dlrt_reduce). */
enum {
  DLRT_R_SUM, DLRT_R_MEAN, DLRT_R_MAX, DLRT_R_MIN, DLRT_R_PROD, DLRT_R_L1, DLRT_R_L2,
  DLRT_R_SUM_SQUARE, DLRT_R_LOG_SUM, DLRT_R_LOG_SUM_EXP, DLRT_R_ARGMAX, DLRT_R_ARGMIN
};

/* Pad modes (dlrt_pad). */
enum { DLRT_PAD_CONSTANT, DLRT_PAD_EDGE, DLRT_PAD_REFLECT, DLRT_PAD_WRAP };

/* Largest rank of the strided-copy views (twice the tensor rank: tile). */
#define DLRT_MAX_VIEW 16
/* @end */

/* C[M,N] (+)= A[M,K] B[K,N], all row-major with leading dims lda, ldb, ldc. */
void dlrt_sgemm(dlrt_i M, dlrt_i N, dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb,
                float *C, dlrt_i ldc, int accumulate);
/* Scratch floats conv needs. */
dlrt_i dlrt_conv_scratch(const dlrt_win *g);
/* The output bits and indices of a computing grid, 16 positions at a time (see dlrt.c). */
void dlrt_keep(dlrt_i np, dlrt_i rows, dlrt_i prow, dlrt_i pitch, dlrt_i cols, dlrt_i nb, uint16_t *keep,
               int32_t *pos);
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

/* Softmax's sibling: one-hot of the first maximum along the axis. */
void dlrt_hardmax(dlrt_i outer, dlrt_i len, dlrt_i inner, const float *x, float *y);

/* ---- dtype-generic kernels: element types are DLRT_T_*; integers compute in
 * int64, floating types in double (rounded once when stored). ---- */

/* Data movement, any element size `es` in bytes: y (dims d, rank r <= DLRT_MAX_VIEW,
 * row-major) takes x[offset + sum idx[i] * strides[i]]. Transpose, slice, expand,
 * tile, depth/space rearrangements are all this copy. */
void dlrt_copy_strided(int r, const dlrt_i *d, const dlrt_i *strides, dlrt_i offset, int es,
                       const void *x, void *y);
/* y = concat of n inputs: outer rows, input i contributing chunk[i] bytes per row. */
void dlrt_concat(int n, const void *const *xs, const dlrt_i *chunk, dlrt_i outer, void *y);
/* y[o, j, :] = x[o, idx[j], :] (rows of `row` bytes, d rows per o; negative
 * indices count from the end). Returns nonzero on an index out of range. */
int dlrt_gather(dlrt_i outer, dlrt_i d, dlrt_i row, int it, const void *idx, dlrt_i ni,
                const void *x, void *y);
/* y[i] = x[i with coordinate `axis` replaced by idx[i]]; y and idx have dims d (rank r),
 * x strides xs and length axlen along axis. Nonzero on an index out of range. */
int dlrt_gather_elements(int r, const dlrt_i *d, const dlrt_i *xs, int axis, dlrt_i axlen, int es,
                         int it, const void *idx, const void *x, void *y);
void dlrt_quantize(int to, dlrt_i outer, dlrt_i len, dlrt_i inner, const void *xv, const void *sv,
                   dlrt_i ns, const void *zp, dlrt_i nz, void *y);
void dlrt_dequantize(int ta, dlrt_i outer, dlrt_i len, dlrt_i inner, const void *x, const void *sv,
                     dlrt_i ns, const void *zp, dlrt_i nz, void *yv);
void dlrt_matmul_integer(int ta, int tb, dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M,
                         dlrt_i N, dlrt_i K, const void *a, const void *za, const void *b, const void *zb,
                         dlrt_i nzb, void *y);
void dlrt_qlinear_matmul(int ta, int tb, int to, dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff,
                         dlrt_i M, dlrt_i N, dlrt_i K, const void *a, const void *sa, const void *za,
                         const void *b, const void *sb, const void *zb, dlrt_i nzb, const void *sy,
                         const void *zy, void *y);
void dlrt_conv_integer(const dlrt_win *g, int tx, int tw, const void *x, const void *zx, const void *w,
                       const void *zw, dlrt_i nzw, void *y);
void dlrt_qlinear_conv(const dlrt_win *g, int tx, int tw, int to, const void *x, const void *sx, const void *zx,
                       const void *w, const void *sw, const void *zw, dlrt_i nsw, dlrt_i nzw, const void *sy,
                       const void *zy, const void *bias, void *y);
void dlrt_max_pool_g(const dlrt_win *g, int t, const void *x, void *y);
/* y = c ? a : b, each broadcast through its strides over dims d. */
void dlrt_where(int r, const dlrt_i *d, const unsigned char *c, const dlrt_i *cs, const void *a,
                const dlrt_i *as, const void *b, const dlrt_i *bs, int es, void *y);
/* Elementwise ops with operand types ta, tb and result type to. */
void dlrt_binary_g(int op, int ta, int tb, int to, int r, const dlrt_i *d, const void *a,
                   const dlrt_i *as, const void *b, const dlrt_i *bs, void *y);
void dlrt_unary_g(int op, int ti, int to, dlrt_i n, const void *x, void *y, double p0, double p1);
/* Reduction DLRT_R_*: output element o (row-major over the kept dims kd, input strides ks)
 * reduces the nr dims rd (input strides rs). last: arg reductions pick the last extremum. */
void dlrt_reduce(int op, int ti, int to, int nk, const dlrt_i *kd, const dlrt_i *ks, int nr,
                 const dlrt_i *rd, const dlrt_i *rs, int last, const void *x, void *y);
/* Pad by pb elements before each dim (input dims id, output od). */
void dlrt_pad(int t, int mode, int r, const dlrt_i *id, const dlrt_i *od, const dlrt_i *pb,
              double value, const void *x, void *y);
/* Cumulative sum over [outer, len, inner] views. */
void dlrt_cumsum(int t, dlrt_i outer, dlrt_i len, dlrt_i inner, int exclusive, int reverse,
                 const void *x, void *y);
/* Keeps the upper (j - i >= k) or lower (j - i <= k) triangle of each rows x cols matrix. */
void dlrt_trilu(dlrt_i batch, dlrt_i rows, dlrt_i cols, dlrt_i k, int upper, int es,
                const void *x, void *y);
/* Separable resampling: output element (o_0..o_r-1) of dims od is the sum over taps t_i < nt[i]
 * of prod w[..] * x[sum off[..]]; axis i's entries for coordinate o start at
 * base_i + o * nt[i], base_i = sum_{j<i} od[j] * nt[j]; off are element offsets. */
void dlrt_resize(int r, const dlrt_i *od, const dlrt_i *nt, const dlrt_i *off, const float *w,
                 const float *x, float *y);
/* Negative log-likelihood: x [n, c, d], target [n, d] of type tt, optional weight [c];
 * reduction 0 none (y [n, d]), 1 sum, 2 mean (weighted). Nonzero on a target out of range. */
int dlrt_nll_loss(dlrt_i n, dlrt_i c, dlrt_i d, const float *x, int tt, const void *target,
                  const float *weight, int has_ignore, dlrt_i ignore, int reduction, float *y);

/* ScatterElements: y = x (nx elements of type t, size es), then each update
 * (indices dims d, rank r) written or reduced (red: 0 none, 1 add, 2 mul,
 * 3 max, 4 min) at its index along axis (data strides xs, axis length axlen).
 * Nonzero on an index out of range. */
int dlrt_scatter_elements(int r, const dlrt_i *d, const dlrt_i *xs, int axis, dlrt_i axlen, int t,
                          int es, int red, dlrt_i nx, int it, const void *idx, const void *upd,
                          const void *x, void *y);
/* ScatterND: y = x, then n slices of `slice` elements at the k-tuples of idx
 * into the data's leading dims d[0..k). Nonzero on an index out of range. */
int dlrt_scatter_nd(int t, int es, int red, dlrt_i n, int k, const dlrt_i *d, dlrt_i slice,
                    dlrt_i nx, int it, const void *idx, const void *upd, const void *x, void *y);
/* GatherND: per batch (data stride bstride), n slices of `slice` elements at
 * the k-tuples of idx into dims d[0..k). Nonzero on an index out of range. */
int dlrt_gather_nd(dlrt_i batches, dlrt_i n, int k, const dlrt_i *d, dlrt_i slice, dlrt_i bstride,
                   int es, int it, const void *idx, const void *x, void *y);
/* TopK over [outer, len, inner] views of x (type t): y [outer, k, inner] the
 * positions of the k largest (smallest), best first, ties to the lower index. */
void dlrt_top_k(int t, dlrt_i outer, dlrt_i len, dlrt_i inner, dlrt_i k, int largest, const void *x,
                void *yv);
int dlrt_reverse_sequence(int r, const dlrt_i *d, int ba, int ta, int es, int lt, const void *lens,
                          const void *x, void *y);
void dlrt_grid_sample(const dlrt_i *g, int mode, int pad, int align, const float *x,
                      const float *grid, float *y);
int dlrt_tfidf(int it, dlrt_i rows, dlrt_i len, dlrt_i width, int lo, int hi, dlrt_i max_skip,
               int mode, const void *pool, dlrt_i npool, const void *counts, dlrt_i ncounts,
               const void *indexes, const void *w, dlrt_i nw, const void *x, void *y);
void dlrt_det(dlrt_i batches, dlrt_i n, const float *x, float *y, float *scratch);

#endif
