/* qrt: dlc's integer kernel runtime, the executable form of the rules in
 * dlc/quant.h. Plain C99, no allocation, no globals, no libm. Like dlrt, the
 * interpreter links it and the C target copies the `@fn` sections a model
 * uses, so both compute the same integers.
 *
 * Quantized tensors are stored as int8, int16 or int32 (es = 1, 2, 4 bytes
 * per element) according to their bit width. Kernels subtract zero points on
 * load, accumulate exactly, requantize per output channel and clamp. The
 * accumulator is int64 unless the caller passes acc_bits <= 32 (the bound the
 * compiler proved, `dlc.acc_bits`): then int8 activations and weights of at
 * most 16 bits take an int16 x int16 -> int32 path; both give the same bits. */
#ifndef QRT_H
#define QRT_H

#include <stdint.h>

#include "dlc/dlrt.h"

/* @types */
typedef struct {
  int64_t m0;
  int shift;
} qrt_mult;

/* Output stage: y = clamp(zp + rshift_round(acc * m0, shift), lo, hi). */
typedef struct {
  int es;
  int64_t zp, lo, hi;
} qrt_out;

/* Constant weights with their zero point subtracted, `bits` per element:
 * 8, 16, 32 are int8/int16/int32 arrays; 2..7 a bit stream (element i at bit
 * i * bits, least significant bit first, two's complement) with one spare
 * byte at the end. cl = 1: conv weights stored [m][kd][kh][kw][c / group]
 * instead of [m][c / group][kd][kh][kw], allowed only where qrt_conv_cl holds;
 * cl = 2: conv weights as int8 packed by qrt_conv_pack, where qrt_conv_packed holds.
 * cb (--wquant): codebooks of 2^bits int8 values each, cbn of them; then the
 * bit stream (bits 2..7, cl = 0) holds unsigned indices and element i is entry
 * (index i) of codebook (i / cbdiv) % cbn (a conv's [m][K]: cbdiv K; [K][N]:
 * cbdiv 1, cbn N; one per layer: cbn 1). */
typedef struct {
  const void *data;
  int bits;
  int cl;
  const int8_t *cb;
  dlrt_i cbdiv, cbn;
} qrt_wts;

/* Sparse constant weights (qrt_conv_sparse, qrt_matmul_sparse): for each
 * output channel in order (a conv's m, a matmul's column n), a bitmask of its
 * K weights, weight k at bit k % 8 of byte k / 8, each row padded to whole
 * bytes; v holds the nonzero weights in that order (row by row, k ascending)
 * and then one spare zero, packed as qrt_wts (cl = 0). */
typedef struct {
  const unsigned char *mask;
  qrt_wts v;
} qrt_swts;
/* @end */

int64_t qrt_ld(const void *p, int es, dlrt_i i);
void qrt_st(void *p, int es, dlrt_i i, int64_t v);
int64_t qrt_requant(int64_t acc, qrt_mult m);
int32_t qrt_wget(qrt_wts w, dlrt_i i);

void qrt_quantize(dlrt_i n, const float *x, float scale, qrt_out o, void *y);
void qrt_dequantize(dlrt_i n, const void *x, int es, int64_t zp, float scale, float *y);

/* w: [m][c/group * kvol]; bias may be NULL. scratch: qrt_conv_scratch(...) bytes, 16-byte aligned. */
void qrt_conv(const dlrt_win *g, const void *x, int xes, int64_t zx, qrt_wts w, const int32_t *bias,
              const qrt_mult *mult, qrt_out o, int acc_bits, void *y, void *scratch);
dlrt_i qrt_conv_scratch(const dlrt_win *g, int xes, int64_t zx, qrt_wts w, int acc_bits);
/* Whether qrt_conv reads the weights of this conv channel-last (8-bit weights on the
 * int32 path, groups of a multiple of 16 channels): then storing them so (qrt_wts.cl)
 * turns their per-call unpacking into a contiguous copy; the results are the same. */
int qrt_conv_cl(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits);
/* Whether qrt_conv runs this conv on a kernel that reads packed weights (the int32
 * path, 8-bit-or-narrower weights, and either the pointwise kernel: an int8 zero point,
 * a 1 x 1 window at stride 1 without padding; or the plane kernel: an int8 zero point,
 * one input channel per group, a 2-D window without dilation, strides 1 or 2, at most
 * 16 x 16 taps; or u8 x s8 -> s32 dot products: an int8 zero point, at least 4 output
 * channels per group; or the depthwise kernel: one input channel per group, fewer than
 * 4 output channels per group): then it reads weights packed by qrt_conv_pack
 * (qrt_wts.cl = 2) as they are, and packs others one block of output channels at a
 * time; the results are the same. Returns 4 (pointwise), 3 (plane), 1 (u8 x s8), 2 (depthwise)
 * or 0. */
int qrt_conv_packed(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits);
/* Writes w (cl = 0 or 1, at most 8 bits) packed for the kernel qrt_conv_packed named
 * (kind) into dst, zeros past the ends; pointwise: per output channel its c / group
 * weights, zeros up to a multiple of 4; plane: per output channel, per group of four
 * taps along a kernel row (qrt_pl_dims), their 4 int8 weights; u8 x s8: per group, per block of 16 output channels, per group of 4 along K,
 * the 16 channels' 4 int8 weights; depthwise (the geometry says which): per block of 16
 * output channels, per kernel row, per pair of taps along w, the 16 channels' 2 int8
 * weights. Returns the bytes (dst NULL: only counts them). */
dlrt_i qrt_conv_pack(const dlrt_win *g, int kind, qrt_wts w, int8_t *dst);
/* Whether the sparse kernels run this layer: int8 activations with x - zx in
 * int16, weights of at most 16 bits, a proven accumulator of at most 32 bits
 * (the conditions of the dense int32 path). */
int qrt_sparse_ok(int xes, int64_t zx, int wbits, int acc_bits);
/* qrt_conv with sparse weights: the same results, with work proportional to
 * the nonzero weights (direct sums over the taps each output channel keeps).
 * Needs qrt_sparse_ok. scratch: qrt_conv_sparse_scratch(g) bytes, 16-byte aligned. */
void qrt_conv_sparse(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_swts w, const int32_t *bias,
                     const qrt_mult *mult, qrt_out o, void *y, void *scratch);
dlrt_i qrt_conv_sparse_scratch(const dlrt_win *g);
/* Y[M,N] = sum_k (A[M,K] - za) * B[K,N] with B sparse (one mask row per column
 * n), for each of `batches` A's at aoff[t] (B is shared); as qrt_matmul
 * otherwise. Needs qrt_sparse_ok. scratch: qrt_matmul_sparse_scratch(M, K) bytes. */
void qrt_matmul_sparse(dlrt_i batches, const dlrt_i *aoff, dlrt_i M, dlrt_i N, dlrt_i K, const int8_t *a, int64_t za,
                       qrt_swts w, const int32_t *bias, const qrt_mult *mult, int nmult, qrt_out o, void *y,
                       void *scratch);
dlrt_i qrt_matmul_sparse_scratch(dlrt_i M, dlrt_i K);
/* Y[b][M,N] = sum_k (A[b][M,K] - za) * B[b][K,N], B given as weights (bw) or, when bw is
 * NULL, as activations (bq, bes, zb); requantized per column n (nmult == N) or per tensor.
 * scratch: qrt_matmul_scratch(...) bytes, 16-byte aligned. */
void qrt_matmul(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                const void *a, int aes, int64_t za, const qrt_wts *bw, const void *bq, int bes, int64_t zb,
                const int32_t *bias, const qrt_mult *mult, int nmult, qrt_out o, int acc_bits, void *y,
                void *scratch);
dlrt_i qrt_matmul_scratch(dlrt_i M, dlrt_i N, dlrt_i K, int aes, int64_t za, const qrt_wts *bw, int bes, int64_t zb,
                          int acc_bits);
/* qrt_conv and qrt_matmul (constant weights) on an approximate multiplier: each
 * product (x - zx) * w is sign * tab[|w| * 256 + |x - zx|], 0 when either is 0
 * (|x - zx|, |w| <= 255; row and column 0 of tab hold 0: DlApprox.wtab); int64 sums, exact bias and output stage. */
void qrt_conv_approx(const dlrt_win *g, const void *x, int xes, int64_t zx, qrt_wts w, const int32_t *bias,
                     const qrt_mult *mult, qrt_out o, const int32_t *tab, void *y, void *scratch);
/* scratch bytes of qrt_conv_approx (16-byte aligned) */
dlrt_i qrt_conv_approx_scratch(const dlrt_win *g);
void qrt_matmul_approx(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                       const void *a, int aes, int64_t za, qrt_wts bw, const int32_t *bias, const qrt_mult *mult,
                       int nmult, qrt_out o, const int32_t *tab, void *y);
/* y = zp + rshift_round((a - za) * ma.m0 + (b - zb) * mb.m0, ma.shift), broadcast via strides;
 * op 0 add, 1 sub; op 2 multiplies: rshift_round((a - za) * (b - zb) * ma.m0, ma.shift). */
void qrt_binary(int op, int r, const dlrt_i *d, const void *a, int aes, const dlrt_i *as, int64_t za,
                const void *b, int bes, const dlrt_i *bs, int64_t zb, qrt_mult ma, qrt_mult mb, qrt_out o,
                void *y);
/* y[i] = lut[x[i] - lo_in] */
void qrt_lut(dlrt_i n, const void *x, int xes, int64_t lo_in, const int32_t *lut, int yes, void *y);
void qrt_clamp(dlrt_i n, const void *x, int64_t lo, int64_t hi, int es, void *y);
/* kind 0: max (pads never win), 1: average excluding pads, 2: including pads; zp in == zp out. */
void qrt_pool(const dlrt_win *g, int kind, const void *x, int64_t zp, int es, void *y);
void qrt_global_pool(dlrt_i nc, dlrt_i spatial, int is_max, const void *x, int64_t zp, int es, void *y);
/* Global average pool into the result's own parameters:
 * y = clamp(o.zp + rshift_round(sum(x - zx) * m.m0, m.shift), o.lo, o.hi), m ~ s_x / (s_y * spatial). */
void qrt_global_avg(dlrt_i nc, dlrt_i spatial, const void *x, int64_t zx, int xes, qrt_mult m, qrt_out o, void *y);
/* Strided copy of es-byte elements (transpose, slice, expand). */
void qrt_copy_strided(int r, const dlrt_i *out_dims, const dlrt_i *in_strides, dlrt_i in_offset, const void *x,
                      int es, void *y);
/* Nearest-neighbour resize: y[o] = x[sum over axes of off[base_i + o_i]] (one tap per axis). */
void qrt_gather_nearest(int r, const dlrt_i *od, const dlrt_i *off, const void *x, int es, void *y);
void qrt_concat(int n, const void *const *xs, const dlrt_i *chunk, dlrt_i outer, int es, void *y);

#endif
