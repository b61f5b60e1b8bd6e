/* dlrt kernels. Each function sits between "@fn NAME [uses DEPS]" and "@end"
 * markers; the C target copies exactly the sections a model needs, in file
 * order, into the generated code. Keep every section plain C99. */
#include "dlc/dlrt.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* @fn dlrt_apply_act */
static void dlrt_apply_act(float *y, dlrt_i n, dlrt_act act) {
  dlrt_i i;
  if (!act.on) return;
  for (i = 0; i < n; i++) {
    float v = y[i] < act.lo ? act.lo : y[i];
    y[i] = v > act.hi ? act.hi : v; /* max then min, as ONNX Clip: hi everywhere when lo > hi */
  }
}
/* @end */

/* @fn dlrt_simd */
/* Float dot products (dlrt_sgemm, dlrt_conv) are fused: every term is
 * acc = fmaf(a, b, acc), one rounding per term, in increasing k, as the
 * processor's FMA instruction computes it, so the register-tile bodies below
 * all give the bits of the scalar fmaf loop. Bodies: AVX-512F, 32 columns (_z);
 * AVX2 with FMA, 16 columns (_y); portable C through fmaf (_c). Which ones a
 * build has: with -mavx512f (e.g. -march=native on an AVX-512 machine) _z only;
 * an x86-64 build by gcc or clang without it (-O2 alone, and dlc itself) has
 * all three, the first two compiled through target attributes, and picks at
 * run time (__builtin_cpu_supports); a processor with neither gets _c, which
 * calls libm's fmaf (exact, slow). -DDLC_DLRT_NO512 leaves _z out,
 * -DDLC_DLRT_PORTABLE (and any other machine) has _c only, where compilers
 * turn fmaf into the target's own fused instruction (aarch64: fmla). */
#if !defined(DLC_DLRT_PORTABLE) && defined(__AVX512F__)
#define DLRT_WZ 1
#define DLRT_TZ
#elif !defined(DLC_DLRT_PORTABLE) && defined(__x86_64__) && defined(__GNUC__)
#ifndef DLC_DLRT_NO512
#define DLRT_WZ 1
#define DLRT_TZ __attribute__((target("avx512f")))
#endif
#define DLRT_WY 1
#if defined(__AVX2__) && defined(__FMA__)
#define DLRT_TY
#else
#define DLRT_TY __attribute__((target("avx2,fma")))
#define DLRT_WC 1
#endif
#else
#define DLRT_WC 1
#endif
#define DLRT_CNR_MAX 32
#if defined(DLRT_WZ) || defined(DLRT_WY)
#include <immintrin.h>
#endif
/* the register tiles stay functions of their own: inlined into dlrt_conv, gcc
 * spills accumulators to make room for the caller's values */
#ifdef __GNUC__
#define DLRT_TILE __attribute__((noinline))
#else
#define DLRT_TILE
#endif
/* the portable body's width: 16, or 8 where it is only the fallback of _y */
#ifdef DLRT_WY
#define DLRT_CW 8
#else
#define DLRT_CW 16
#endif
/* a call to the AVX-512 (z), AVX2 (y) or portable (c) body: whichever this
 * build has and nr, the width dlrt_simd_width() gave, says this processor runs */
#if defined(DLRT_WZ) && defined(DLRT_WY) && defined(DLRT_WC)
#define DLRT_PICK(nr, z, y, c) ((nr) == 32 ? (z) : (nr) == 16 ? (y) : (c))
#elif defined(DLRT_WZ) && defined(DLRT_WY)
#define DLRT_PICK(nr, z, y, c) ((nr) == 32 ? (z) : (y))
#elif defined(DLRT_WY) && defined(DLRT_WC)
#define DLRT_PICK(nr, z, y, c) ((nr) == 16 ? (y) : (c))
#elif defined(DLRT_WZ)
#define DLRT_PICK(nr, z, y, c) ((void)(nr), (z))
#elif defined(DLRT_WY)
#define DLRT_PICK(nr, z, y, c) ((void)(nr), (y))
#else
#define DLRT_PICK(nr, z, y, c) ((void)(nr), (c))
#endif
/* the tiles' masks for the first nv of 32 (_z) or 16 (_y) columns, their loads,
 * stores and one k step of two registers: c += a * b, fused */
#ifdef DLRT_WZ
#define DLRT_TZ_MASKS                                                                                 \
  __mmask16 m0 = (__mmask16)(nv >= 16 ? 0xffff : (1u << nv) - 1),                                      \
            m1 = (__mmask16)(nv >= 32 ? 0xffff : nv <= 16 ? 0 : (1u << (nv - 16)) - 1)
#define DLRT_TZ_LOAD(c0, c1, d) c0 = _mm512_maskz_loadu_ps(m0, d), c1 = _mm512_maskz_loadu_ps(m1, (d) + 16)
#define DLRT_TZ_STORE(d, c0, c1) _mm512_mask_storeu_ps(d, m0, c0), _mm512_mask_storeu_ps((d) + 16, m1, c1)
#define DLRT_TZ_FMA(c0, c1, e)                                                                        \
  a = _mm512_set1_ps(e[k]), c0 = _mm512_fmadd_ps(a, b0, c0), c1 = _mm512_fmadd_ps(a, b1, c1)
#endif
#ifdef DLRT_WY
/* the lanes below nv of two 8-float halves, as _mm256_maskload_ps wants them */
#define DLRT_TY_MASKS                                                                                 \
  __m256i io = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), nn = _mm256_set1_epi32(nv);                  \
  __m256i m0 = _mm256_cmpgt_epi32(nn, io), m1 = _mm256_cmpgt_epi32(nn, _mm256_add_epi32(io, _mm256_set1_epi32(8)))
#define DLRT_TY_LOAD(c0, c1, d) c0 = _mm256_maskload_ps(d, m0), c1 = _mm256_maskload_ps((d) + 8, m1)
#define DLRT_TY_STORE(d, c0, c1) _mm256_maskstore_ps(d, m0, c0), _mm256_maskstore_ps((d) + 8, m1, c1)
#define DLRT_TY_FMA(c0, c1, e)                                                                        \
  a = _mm256_set1_ps(e[k]), c0 = _mm256_fmadd_ps(a, b0, c0), c1 = _mm256_fmadd_ps(a, b1, c1)
#endif
/* the width in floats of a tile of this build on this processor */
static int dlrt_simd_width(void) {
#if defined(DLRT_WZ) && (defined(DLRT_WY) || defined(DLRT_WC))
  if (__builtin_cpu_supports("avx512f")) return 32;
#elif defined(DLRT_WZ)
  return 32;
#endif
#if defined(DLRT_WY) && defined(DLRT_WC)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 16 : DLRT_CW;
#elif defined(DLRT_WY)
  return 16;
#elif !defined(DLRT_WZ) || defined(DLRT_WC)
  return DLRT_CW;
#endif
}
/* @end */

/* @fn dlrt_tile4 uses dlrt_simd */
/* C[r][j] = fmaf(A[r][k], B[k][j], C[r][j]) for k < K in order, for R = 4 rows
 * (dlrt_tile4) or one (dlrt_tile1) and the first nv <= nr columns j (nr =
 * dlrt_simd_width()), the tile held in registers for the whole k loop; nothing
 * past column nv is read or written. AVX-512: 32 columns, masked (_z); AVX2:
 * 16, masked (_y); portable C (_c). */
#ifdef DLRT_WZ
static DLRT_TZ DLRT_TILE void dlrt_tile4_z(dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb, float *C,
                                 dlrt_i ldc, int nv) {
  float *d0 = C, *d1 = C + ldc, *d2 = d1 + ldc, *d3 = d2 + ldc;
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda;
  __m512 c00, c01, c10, c11, c20, c21, c30, c31;
  DLRT_TZ_MASKS;
  dlrt_i k;
  DLRT_TZ_LOAD(c00, c01, d0), DLRT_TZ_LOAD(c10, c11, d1), DLRT_TZ_LOAD(c20, c21, d2), DLRT_TZ_LOAD(c30, c31, d3);
  for (k = 0; k < K; k++, B += ldb) {
    __m512 b0 = _mm512_maskz_loadu_ps(m0, B), b1 = _mm512_maskz_loadu_ps(m1, B + 16), a;
    DLRT_TZ_FMA(c00, c01, e0), DLRT_TZ_FMA(c10, c11, e1), DLRT_TZ_FMA(c20, c21, e2), DLRT_TZ_FMA(c30, c31, e3);
  }
  DLRT_TZ_STORE(d0, c00, c01), DLRT_TZ_STORE(d1, c10, c11), DLRT_TZ_STORE(d2, c20, c21), DLRT_TZ_STORE(d3, c30, c31);
}
static DLRT_TZ DLRT_TILE void dlrt_tile1_z(dlrt_i K, const float *A, const float *B, dlrt_i ldb, float *C, int nv) {
  __m512 c00, c01;
  DLRT_TZ_MASKS;
  dlrt_i k;
  DLRT_TZ_LOAD(c00, c01, C);
  for (k = 0; k < K; k++, B += ldb) {
    __m512 b0 = _mm512_maskz_loadu_ps(m0, B), b1 = _mm512_maskz_loadu_ps(m1, B + 16), a;
    DLRT_TZ_FMA(c00, c01, A);
  }
  DLRT_TZ_STORE(C, c00, c01);
}
#endif
#ifdef DLRT_WY
static DLRT_TY DLRT_TILE void dlrt_tile4_y(dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb, float *C,
                                 dlrt_i ldc, int nv) {
  float *d0 = C, *d1 = C + ldc, *d2 = d1 + ldc, *d3 = d2 + ldc;
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda;
  __m256 c00, c01, c10, c11, c20, c21, c30, c31;
  DLRT_TY_MASKS;
  dlrt_i k;
  DLRT_TY_LOAD(c00, c01, d0), DLRT_TY_LOAD(c10, c11, d1), DLRT_TY_LOAD(c20, c21, d2), DLRT_TY_LOAD(c30, c31, d3);
  for (k = 0; k < K; k++, B += ldb) {
    __m256 b0 = _mm256_maskload_ps(B, m0), b1 = _mm256_maskload_ps(B + 8, m1), a;
    DLRT_TY_FMA(c00, c01, e0), DLRT_TY_FMA(c10, c11, e1), DLRT_TY_FMA(c20, c21, e2), DLRT_TY_FMA(c30, c31, e3);
  }
  DLRT_TY_STORE(d0, c00, c01), DLRT_TY_STORE(d1, c10, c11), DLRT_TY_STORE(d2, c20, c21), DLRT_TY_STORE(d3, c30, c31);
}
static DLRT_TY DLRT_TILE void dlrt_tile1_y(dlrt_i K, const float *A, const float *B, dlrt_i ldb, float *C, int nv) {
  __m256 c00, c01;
  DLRT_TY_MASKS;
  dlrt_i k;
  DLRT_TY_LOAD(c00, c01, C);
  for (k = 0; k < K; k++, B += ldb) {
    __m256 b0 = _mm256_maskload_ps(B, m0), b1 = _mm256_maskload_ps(B + 8, m1), a;
    DLRT_TY_FMA(c00, c01, A);
  }
  DLRT_TY_STORE(C, c00, c01);
}
#endif
#ifdef DLRT_WC
/* R rows through memory; a full 16 columns with a fixed trip count, so that
 * compilers for targets with a fused instruction vectorize it */
static void dlrt_tile_c(int R, dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb, float *C,
                        dlrt_i ldc, int nv) {
  dlrt_i k;
  int r, j;
  for (k = 0; k < K; k++, B += ldb)
    for (r = 0; r < R; r++) {
      float a = A[r * lda + k], *c = C + r * ldc;
      const float *b = B;
      if (nv == 16)
        for (j = 0; j < 16; j++) c[j] = fmaf(a, b[j], c[j]);
      else
        for (j = 0; j < nv; j++) c[j] = fmaf(a, b[j], c[j]);
    }
}
#endif
static void dlrt_tile4(int nr, dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb, float *C,
                       dlrt_i ldc, int nv) {
  DLRT_PICK(nr, dlrt_tile4_z(K, A, lda, B, ldb, C, ldc, nv), dlrt_tile4_y(K, A, lda, B, ldb, C, ldc, nv),
            dlrt_tile_c(4, K, A, lda, B, ldb, C, ldc, nv));
}
static void dlrt_tile1(int nr, dlrt_i K, const float *A, const float *B, dlrt_i ldb, float *C, int nv) {
  DLRT_PICK(nr, dlrt_tile1_z(K, A, B, ldb, C, nv), dlrt_tile1_y(K, A, B, ldb, C, nv),
            dlrt_tile_c(1, K, A, 0, B, ldb, C, 0, nv));
}
/* @end */

/* @fn dlrt_sgemm uses dlrt_simd dlrt_tile4 */
/* C[i][j] = fmaf(A[i][k], B[k][j], C[i][j]) for k in increasing order, from 0
 * (or from C's values with accumulate): tiles over i and j and blocks of k never
 * change a result, so the interpreter and generated code agree bit for bit,
 * whichever body of dlrt_tile4 the compiler's flags and the processor select. */
void dlrt_sgemm(dlrt_i M, dlrt_i N, dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb,
                float *C, dlrt_i ldc, int accumulate) {
  const dlrt_i KB = 256;
  int nr = dlrt_simd_width();
  dlrt_i i, j, k0, r, rows = M % 4;
  if (!accumulate)
    for (i = 0; i < M; i++) memset(C + i * ldc, 0, sizeof(float) * (size_t)N);
  for (k0 = 0; k0 < K; k0 += KB) {
    dlrt_i kn = K - k0 < KB ? K - k0 : KB;
    for (i = 0; i + 4 <= M; i += 4)
      for (j = 0; j < N; j += nr)
        dlrt_tile4(nr, kn, A + i * lda + k0, lda, B + k0 * ldb + j, ldb, C + i * ldc + j, ldc,
                   (int)(N - j < nr ? N - j : nr));
    /* the 0..3 rows left, counted from M % 4 and addressed by pointers that step
     * one row at a time: written as `for (; i < M; i++)` with C + i * ldc, gcc -O3
     * sees iterations it believes overflow and warns (-Waggressive-loop-optimizations) */
    {
      float *c0 = C + (M - rows) * ldc;
      const float *a0 = A + (M - rows) * lda;
      for (r = 0; r < rows; r++, c0 += ldc, a0 += lda)
        for (j = 0; j < N; j += nr)
          dlrt_tile1(nr, kn, a0 + k0, B + k0 * ldb + j, ldb, c0 + j, (int)(N - j < nr ? N - j : nr));
    }
  }
}
/* @end */

/* @fn dlrt_ctile uses dlrt_simd */
/* The convolution's register tiles. Over a prepared input (dlrt_conv) whose
 * k-th row starts at off[k], for rows r and the first nv <= nr columns j from X
 * (nr: the tile width dlrt_simd_width() reports):
 *   out[r * nr + j] = fmaf(A[r * lda + k], X_r[off[k] + j], out[r * nr + j]) for k < K in order, from 0
 * so every body below gives the same bits. dlrt_ctile4: 4 rows reading one
 * input (X_r = X); dlrt_ctile4x: 4 rows each reading its own (X_r = X + r * xs:
 * 4 depthwise channels at once); dlrt_ctile1: one row. Bodies: AVX-512, 32
 * columns (_z), AVX2, 16 (_y), the last tile of a row through masked loads;
 * portable C (_c); which ones a build has and uses: dlrt_simd. Nothing is read
 * past column nv, so the prepared input needs no slack. */
#ifdef DLRT_WC
static void dlrt_ctile_c(int R, dlrt_i K, const float *A, dlrt_i lda, const float *X, dlrt_i xs, const dlrt_i *off,
                         int nv, float *out, int stride) {
  dlrt_i k;
  int j, r;
  for (r = 0; r < R; r++)
    for (j = 0; j < nv; j++) out[r * stride + j] = 0.0f;
  for (k = 0; k < K; k++)
    for (r = 0; r < R; r++) {
      const float *x = X + r * xs + off[k];
      float a = A[r * lda + k], *o = out + r * stride;
      for (j = 0; j < nv; j++) o[j] = fmaf(a, x[j], o[j]);
    }
}
#endif
#ifdef DLRT_WZ
#define DLRT_CT_STEP(c0, c1, e, x)                                                                    \
  a = _mm512_set1_ps(e[k]), c0 = _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m0, x), c0),                \
  c1 = _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m1, (x) + 16), c1)
#define DLRT_CT_STORE4                                                                                \
  _mm512_storeu_ps(out, c00), _mm512_storeu_ps(out + 16, c01), _mm512_storeu_ps(out + 32, c10);       \
  _mm512_storeu_ps(out + 48, c11), _mm512_storeu_ps(out + 64, c20), _mm512_storeu_ps(out + 80, c21);  \
  _mm512_storeu_ps(out + 96, c30), _mm512_storeu_ps(out + 112, c31)
static DLRT_TZ DLRT_TILE void dlrt_ctile4_z(dlrt_i K, const float *A, dlrt_i lda, const float *X, const dlrt_i *off, int nv,
                                  float *out) {
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda;
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  DLRT_TZ_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x = X + off[k];
    __m512 b0 = _mm512_maskz_loadu_ps(m0, x), b1 = _mm512_maskz_loadu_ps(m1, x + 16), a;
    DLRT_TZ_FMA(c00, c01, e0), DLRT_TZ_FMA(c10, c11, e1), DLRT_TZ_FMA(c20, c21, e2), DLRT_TZ_FMA(c30, c31, e3);
  }
  DLRT_CT_STORE4;
}
static DLRT_TZ DLRT_TILE void dlrt_ctile8_z(dlrt_i K, const float *A, dlrt_i lda, const float *X, const dlrt_i *off, int nv,
                                  float *out) {
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda, *e4 = e3 + lda, *e5 = e4 + lda;
  const float *e6 = e5 + lda, *e7 = e6 + lda;
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
  DLRT_TZ_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x = X + off[k];
    __m512 b0 = _mm512_maskz_loadu_ps(m0, x), b1 = _mm512_maskz_loadu_ps(m1, x + 16), a;
    DLRT_TZ_FMA(c00, c01, e0), DLRT_TZ_FMA(c10, c11, e1), DLRT_TZ_FMA(c20, c21, e2), DLRT_TZ_FMA(c30, c31, e3);
    DLRT_TZ_FMA(c40, c41, e4), DLRT_TZ_FMA(c50, c51, e5), DLRT_TZ_FMA(c60, c61, e6), DLRT_TZ_FMA(c70, c71, e7);
  }
  DLRT_CT_STORE4;
  out += 128;
  c00 = c40, c01 = c41, c10 = c50, c11 = c51, c20 = c60, c21 = c61, c30 = c70, c31 = c71;
  DLRT_CT_STORE4;
}
static DLRT_TZ DLRT_TILE void dlrt_ctile4x_z(dlrt_i K, const float *A, dlrt_i lda, const float *X, dlrt_i xs,
                                   const dlrt_i *off, int nv, float *out) {
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda;
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, a;
  DLRT_TZ_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x0 = X + off[k], *x1 = x0 + xs, *x2 = x1 + xs, *x3 = x2 + xs;
    DLRT_CT_STEP(c00, c01, e0, x0), DLRT_CT_STEP(c10, c11, e1, x1);
    DLRT_CT_STEP(c20, c21, e2, x2), DLRT_CT_STEP(c30, c31, e3, x3);
  }
  DLRT_CT_STORE4;
}
static DLRT_TZ DLRT_TILE void dlrt_ctile1_z(dlrt_i K, const float *A, const float *X, const dlrt_i *off, int nv, float *out) {
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, a;
  DLRT_TZ_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x = X + off[k];
    DLRT_CT_STEP(c00, c01, A, x);
  }
  _mm512_storeu_ps(out, c00), _mm512_storeu_ps(out + 16, c01);
}
#endif
#ifdef DLRT_WY
#define DLRT_CY_STEP(c0, c1, e, x)                                                                    \
  a = _mm256_set1_ps(e[k]), c0 = _mm256_fmadd_ps(a, _mm256_maskload_ps(x, m0), c0),                   \
  c1 = _mm256_fmadd_ps(a, _mm256_maskload_ps((x) + 8, m1), c1)
#define DLRT_CY_STORE4                                                                                \
  _mm256_storeu_ps(out, c00), _mm256_storeu_ps(out + 8, c01), _mm256_storeu_ps(out + 16, c10);        \
  _mm256_storeu_ps(out + 24, c11), _mm256_storeu_ps(out + 32, c20), _mm256_storeu_ps(out + 40, c21);  \
  _mm256_storeu_ps(out + 48, c30), _mm256_storeu_ps(out + 56, c31)
static DLRT_TY DLRT_TILE void dlrt_ctile4_y(dlrt_i K, const float *A, dlrt_i lda, const float *X, const dlrt_i *off, int nv,
                                  float *out) {
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda;
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  DLRT_TY_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x = X + off[k];
    __m256 b0 = _mm256_maskload_ps(x, m0), b1 = _mm256_maskload_ps(x + 8, m1), a;
    DLRT_TY_FMA(c00, c01, e0), DLRT_TY_FMA(c10, c11, e1), DLRT_TY_FMA(c20, c21, e2), DLRT_TY_FMA(c30, c31, e3);
  }
  DLRT_CY_STORE4;
}
static DLRT_TY DLRT_TILE void dlrt_ctile4x_y(dlrt_i K, const float *A, dlrt_i lda, const float *X, dlrt_i xs,
                                   const dlrt_i *off, int nv, float *out) {
  const float *e0 = A, *e1 = A + lda, *e2 = e1 + lda, *e3 = e2 + lda;
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, a;
  DLRT_TY_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x0 = X + off[k], *x1 = x0 + xs, *x2 = x1 + xs, *x3 = x2 + xs;
    DLRT_CY_STEP(c00, c01, e0, x0), DLRT_CY_STEP(c10, c11, e1, x1);
    DLRT_CY_STEP(c20, c21, e2, x2), DLRT_CY_STEP(c30, c31, e3, x3);
  }
  DLRT_CY_STORE4;
}
static DLRT_TY DLRT_TILE void dlrt_ctile1_y(dlrt_i K, const float *A, const float *X, const dlrt_i *off, int nv, float *out) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, a;
  DLRT_TY_MASKS;
  dlrt_i k;
  for (k = 0; k < K; k++) {
    const float *x = X + off[k];
    DLRT_CY_STEP(c00, c01, A, x);
  }
  _mm256_storeu_ps(out, c00), _mm256_storeu_ps(out + 8, c01);
}
#endif
static void dlrt_ctile4(int nr, dlrt_i K, const float *A, dlrt_i lda, const float *X, const dlrt_i *off, int nv,
                        float *out) {
  DLRT_PICK(nr, dlrt_ctile4_z(K, A, lda, X, off, nv, out), dlrt_ctile4_y(K, A, lda, X, off, nv, out),
            dlrt_ctile_c(4, K, A, lda, X, 0, off, nv, out, nr));
}
/* 8 rows: one AVX-512 tile of 16 registers, elsewhere two of 4 (the same sums) */
static void dlrt_ctile8(int nr, dlrt_i K, const float *A, dlrt_i lda, const float *X, const dlrt_i *off, int nv,
                        float *out) {
#ifdef DLRT_WZ
  if (nr == 32) {
    dlrt_ctile8_z(K, A, lda, X, off, nv, out);
    return;
  }
#endif
  dlrt_ctile4(nr, K, A, lda, X, off, nv, out);
  dlrt_ctile4(nr, K, A + 4 * lda, lda, X, off, nv, out + 4 * nr);
}
static void dlrt_ctile4x(int nr, dlrt_i K, const float *A, dlrt_i lda, const float *X, dlrt_i xs, const dlrt_i *off,
                         int nv, float *out) {
  DLRT_PICK(nr, dlrt_ctile4x_z(K, A, lda, X, xs, off, nv, out), dlrt_ctile4x_y(K, A, lda, X, xs, off, nv, out),
            dlrt_ctile_c(4, K, A, lda, X, xs, off, nv, out, nr));
}
static void dlrt_ctile1(int nr, dlrt_i K, const float *A, const float *X, const dlrt_i *off, int nv, float *out) {
  DLRT_PICK(nr, dlrt_ctile1_z(K, A, X, off, nv, out), dlrt_ctile1_y(K, A, X, off, nv, out),
            dlrt_ctile_c(1, K, A, 0, X, 0, off, nv, out, nr));
}
/* @end */

/* @fn dlrt_conv_prep */
/* How dlrt_conv lays out its input. Along each spatial dimension d an output
 * index o and a kernel tap t read the padded input at o * s + t * dil =
 * (o + t * dil / s) * s + (t * dil % s): phase p = t * dil % s of that
 * dimension at index o + t * dil / s. The input is copied once per call, each
 * channel split into the phases some tap reads (all s of them for a 3x3 stride-2
 * conv, phase 0 only for a 1x1 one), each phase a block of ext[0] x ext[1] x
 * ext[2] values, zero where the padded input is padding. A tap is then one
 * offset into that copy, and the outputs, numbered q = (o0 * ext[1] + o1) *
 * ext[2] + o2 over the block's grid, read consecutive values: a convolution of
 * any stride, dilation and padding is one matrix product whose k-th row of B is
 * the copy from offset off[k] on (the grid's extra columns, ext[2] - od[2] per
 * row, are computed and dropped). */
#define DLRT_PH_TAB 16 /* strides up to this have their phases' slots in a table */
typedef struct {
  dlrt_i used[3], ext[3], plane, cstride, slot[3][DLRT_PH_TAB];
  int direct; /* stride 1 (or one phase) and no padding: the copy would equal x */
} dlrt_conv_geo;
#define DLRT_CONV_KSTACK 256
static int dlrt_phase_used(dlrt_i k, dlrt_i dil, dlrt_i s, dlrt_i p) {
  dlrt_i t;
  for (t = 0; t < k; t++)
    if (t * dil % s == p) return 1;
  return 0;
}
/* rank of phase p among the used phases of one dimension */
static dlrt_i dlrt_phase_slot(dlrt_i k, dlrt_i dil, dlrt_i s, dlrt_i p) {
  dlrt_i q, n = 0;
  for (q = 0; q < p; q++) n += dlrt_phase_used(k, dil, s, q);
  return n;
}
static void dlrt_conv_geometry(const dlrt_win *g, dlrt_conv_geo *o) {
  int d;
  dlrt_i p;
  o->plane = 1;
  for (d = 0; d < 3; d++) {
    o->used[d] = 0;
    for (p = 0; p < g->stride[d]; p++) {
      int u = dlrt_phase_used(g->k[d], g->dil[d], g->stride[d], p);
      if (p < DLRT_PH_TAB) o->slot[d][p] = u ? o->used[d] : -1;
      o->used[d] += u;
    }
    o->ext[d] = g->od[d] + (g->k[d] - 1) * g->dil[d] / g->stride[d];
    o->plane *= o->ext[d];
  }
  o->cstride = o->used[0] * o->used[1] * o->used[2] * o->plane;
  o->direct = 1;
  for (d = 0; d < 3; d++)
    if (g->stride[d] != 1 || g->pad[d] != 0 || o->ext[d] != g->id[d]) o->direct = 0;
}
/* n values s[0], s[st], s[2 st], ... to d[0..n); a stride of 2 four at a time
 * with SSE2 (the even lanes of two loads, never past s[2 (n - 1)]) */
#if defined(__SSE2__) && !defined(DLC_DLRT_PORTABLE)
#include <immintrin.h>
#endif
static void dlrt_conv_cols(float *restrict d, const float *restrict s, dlrt_i n, dlrt_i st) {
  dlrt_i i = 0;
  if (st == 1)
    memcpy(d, s, sizeof(float) * (size_t)n);
  else if (st == 2) {
#if defined(__SSE2__) && !defined(DLC_DLRT_PORTABLE)
    for (; i + 4 < n; i += 4)
      _mm_storeu_ps(d + i, _mm_shuffle_ps(_mm_loadu_ps(s + 2 * i), _mm_loadu_ps(s + 2 * i + 4), _MM_SHUFFLE(2, 0, 2, 0)));
#endif
    for (; i < n; i++) d[i] = s[2 * i];
  } else
    for (i = 0; i < n; i++) d[i] = s[i * st];
}
/* the slot of phase p along dimension d among the used ones, -1 if no tap reads it */
static dlrt_i dlrt_geo_slot(const dlrt_win *g, const dlrt_conv_geo *o, int d, dlrt_i p) {
  if (g->stride[d] <= DLRT_PH_TAB && p < DLRT_PH_TAB) return o->slot[d][p];
  return dlrt_phase_used(g->k[d], g->dil[d], g->stride[d], p) ? dlrt_phase_slot(g->k[d], g->dil[d], g->stride[d], p)
                                                               : -1;
}
/* The run of column phase p2 in a row of the copy: the input columns j0, j0 + s,
 * ... (those with (j + pad) % s == p2) land at at, at + 1, ...; n of them (0 when
 * no tap reads the phase or none lands in the row); its slot in *t2. */
static dlrt_i dlrt_conv_colrun(const dlrt_win *g, const dlrt_conv_geo *o, dlrt_i p2, dlrt_i *t2, dlrt_i *j0,
                               dlrt_i *at) {
  dlrt_i s2 = g->stride[2], n;
  *t2 = dlrt_geo_slot(g, o, 2, p2), *j0 = ((p2 - g->pad[2]) % s2 + s2) % s2;
  if (*t2 < 0 || *j0 >= g->id[2]) return 0;
  *at = (*j0 + g->pad[2]) / s2, n = (g->id[2] - *j0 + s2 - 1) / s2;
  return n < o->ext[2] - *at ? n : o->ext[2] - *at;
}
/* Where input indices z, z + 1, ..., z + n - 1 along dimension d (0 or 1) land
 * in a channel's copy: off[i] is the offset of their row (phase slot and index
 * within the phase), -1 when no tap reads them. One division, then the phase
 * and the row step along with the index. */
#define DLRT_PREP_ROWS 128
static void dlrt_prep_rows(const dlrt_win *g, const dlrt_conv_geo *o, int d, dlrt_i z, dlrt_i n, dlrt_i *off) {
  dlrt_i s = g->stride[d], a = z + g->pad[d], p = a % s, r = a / s, i;
  dlrt_i unit = (d == 0 ? o->used[1] : 1) * o->used[2] * o->plane, step = (d == 0 ? o->ext[1] : 1) * o->ext[2];
  for (i = 0; i < n; i++, p = p + 1 == s ? (r++, 0) : p + 1) {
    dlrt_i t = dlrt_geo_slot(g, o, d, p);
    off[i] = t < 0 || r >= o->ext[d] ? -1 : t * unit + r * step;
  }
}
/* Channels [c0, c0 + nc) of one batch item's input x into dst: all zeros, then
 * each input row once, its values to the phase rows that read them (a run of
 * consecutive values, or every s-th one for a stride s). The rows' places come
 * from tables of up to DLRT_PREP_ROWS input indices per dimension, made once
 * for all channels. */
static void dlrt_conv_prep(const dlrt_win *g, const dlrt_conv_geo *o, const float *x, dlrt_i c0, dlrt_i nc,
                           float *dst) {
  dlrt_i c, z0, z1, b0, b1, n0, n1, p2, s2 = g->stride[2], i;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ncol = 0, col[DLRT_PH_TAB][3] = {{0}};
  dlrt_i r0[DLRT_PREP_ROWS], r1[DLRT_PREP_ROWS];
  memset(dst, 0, sizeof(float) * (size_t)(nc * o->cstride));
  /* per column phase read: its first input column, its place in the row (slot
   * and first index), count */
  for (p2 = 0; p2 < s2 && p2 < DLRT_PH_TAB; p2++) {
    dlrt_i t2, j0, at, n = dlrt_conv_colrun(g, o, p2, &t2, &j0, &at);
    if (n > 0) col[ncol][0] = j0, col[ncol][1] = t2 * o->plane + at, col[ncol][2] = n, ncol++;
  }
  for (b0 = 0; b0 < g->id[0]; b0 += DLRT_PREP_ROWS) {
    n0 = g->id[0] - b0 < DLRT_PREP_ROWS ? g->id[0] - b0 : DLRT_PREP_ROWS;
    dlrt_prep_rows(g, o, 0, b0, n0, r0);
    for (b1 = 0; b1 < g->id[1]; b1 += DLRT_PREP_ROWS) {
      n1 = g->id[1] - b1 < DLRT_PREP_ROWS ? g->id[1] - b1 : DLRT_PREP_ROWS;
      dlrt_prep_rows(g, o, 1, b1, n1, r1);
      for (c = 0; c < nc; c++) {
        const float *xc = x + (c0 + c) * ivol + (b0 * g->id[1] + b1) * g->id[2];
        float *dc = dst + c * o->cstride;
        for (z0 = 0; z0 < n0; z0++) {
          if (r0[z0] < 0) continue;
          for (z1 = 0; z1 < n1; z1++) {
            const float *src = xc + (z0 * g->id[1] + z1) * g->id[2];
            float *row = dc + r0[z0] + r1[z1];
            if (r1[z1] < 0) continue;
            for (i = 0; i < ncol; i++) dlrt_conv_cols(row + col[i][1], src + col[i][0], col[i][2], s2);
            for (p2 = DLRT_PH_TAB; p2 < s2; p2++) { /* phases of strides past the table */
              dlrt_i t2, j0, at, n = dlrt_conv_colrun(g, o, p2, &t2, &j0, &at);
              if (n > 0) dlrt_conv_cols(row + t2 * o->plane + at, src + j0, n, s2);
            }
          }
        }
      }
    }
  }
}
/* off[k] for the taps of nc channels, k = ((c * k0 + t0) * k1 + t1) * k2 + t2:
 * channel 0's taps, then the same plus c * cstride */
static void dlrt_conv_offsets(const dlrt_win *g, const dlrt_conv_geo *o, dlrt_i nc, dlrt_i *off) {
  dlrt_i c, t0, t1, t2, t = 0, kvol = g->k[0] * g->k[1] * g->k[2], cs = o->direct ? o->plane : o->cstride;
  for (t0 = 0; t0 < g->k[0]; t0++) {
    dlrt_i a0 = t0 * g->dil[0], s0 = dlrt_geo_slot(g, o, 0, a0 % g->stride[0]);
    for (t1 = 0; t1 < g->k[1]; t1++) {
      dlrt_i a1 = t1 * g->dil[1], s1 = dlrt_geo_slot(g, o, 1, a1 % g->stride[1]);
      for (t2 = 0; t2 < g->k[2]; t2++) {
        dlrt_i a2 = t2 * g->dil[2], s2 = dlrt_geo_slot(g, o, 2, a2 % g->stride[2]);
        dlrt_i slot = (s0 * o->used[1] + s1) * o->used[2] + s2;
        off[t++] = slot * o->plane + ((a0 / g->stride[0]) * o->ext[1] + a1 / g->stride[1]) * o->ext[2] +
                   a2 / g->stride[2];
      }
    }
  }
  for (c = 1; c < nc; c++)
    for (t = 0; t < kvol; t++) off[c * kvol + t] = off[t] + c * cs;
}
/* @end */

/* @fn dlrt_conv_scratch uses dlrt_conv_prep */
/* In floats: the copy of a group's channels (4 channels when depthwise convs go
 * 4 at once) and, past DLRT_CONV_KSTACK taps, the offsets (a dlrt_i per k of a
 * group, two floats each; up to it they are on the stack). */
dlrt_i dlrt_conv_scratch(const dlrt_win *g) {
  dlrt_conv_geo o;
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, nc = cg == 1 && mg == 1 ? 4 : cg;
  dlrt_conv_geometry(g, &o);
  dlrt_i K = cg * g->k[0] * g->k[1] * g->k[2];
  return (K > DLRT_CONV_KSTACK ? 2 * K : 0) + (o.direct ? 0 : nc * o.cstride);
}
/* @end */

/* @fn dlrt_keep */
/* Which positions of a computing grid are outputs, 16 at a time. The grid is
 * np planes of prow rows of pitch positions; the first cols positions of each
 * plane's first rows rows are outputs, and outputs in grid order are
 * consecutive. keep[i] bit t: position 16 i + t is an output (positions from
 * 16 nb on are not looked at); pos[i], unless pos is NULL: the output index of
 * block i's first kept position. Bits are set a row's run at a time. */
void dlrt_keep(dlrt_i np, dlrt_i rows, dlrt_i prow, dlrt_i pitch, dlrt_i cols, dlrt_i nb, uint16_t *keep,
               int32_t *pos) {
  dlrt_i p, r, i, at = 0, lim = 16 * nb;
  memset(keep, 0, (size_t)nb * sizeof *keep);
  for (p = 0; p < np; p++)
    for (r = 0; r < rows; r++) {
      dlrt_i q = (p * prow + r) * pitch, e = q + cols < lim ? q + cols : lim;
      while (q < e) {
        dlrt_i n = e - q < 16 - q % 16 ? e - q : 16 - q % 16;
        keep[q / 16] |= (uint16_t)(((1u << n) - 1u) << (q % 16));
        q += n;
      }
    }
  if (pos)
    for (i = 0; i < nb; i++) {
      unsigned v = keep[i];
      v = v - (v >> 1 & 0x5555u), v = (v & 0x3333u) + (v >> 2 & 0x3333u), v = (v + (v >> 4)) & 0x0f0fu;
      pos[i] = (int32_t)at, at += (dlrt_i)((v + (v >> 8)) & 0x1fu);
    }
}
/* @end */

/* @fn dlrt_conv uses dlrt_ctile dlrt_conv_prep dlrt_keep */
/* Writes nv grid values of R output channels' tile t (row r at t + r *
 * nr, grid from q0 on) to the channels' outputs (y, y + P, ...), dropping
 * the grid's extra rows and columns, with bias (b: R values or none) and
 * activation. */
#ifdef DLRT_WZ
/* 16 values' bias and activation as dlrt_conv_put's scalar loops: the same
 * add, then MAXPS(lo, v) = (lo > v ? lo : v) and MINPS(hi, v) = (hi < v ? hi :
 * v), dlrt_apply_act's selections, NaN kept. */
static inline DLRT_TZ __m512 dlrt_bias_act_z(__m512 v, const float *b, __m512 vb, dlrt_act act, __m512 lo, __m512 hi) {
  if (b) v = _mm512_add_ps(v, vb);
  return act.on ? _mm512_min_ps(hi, _mm512_max_ps(lo, v)) : v;
}
/* One run of dlrt_conv_put for all R channels in AVX-512 registers (gcc -O2
 * leaves the scalar loops scalar). */
static DLRT_TZ void dlrt_put_z(const float *t, int nr, int R, float *dst, dlrt_i P, dlrt_i n, const float *b, dlrt_act act) {
  __m512 lo = _mm512_set1_ps(act.lo), hi = _mm512_set1_ps(act.hi);
  dlrt_i i;
  int ch;
  for (ch = 0; ch < R; ch++, dst += P, t += nr) {
    __m512 vb = _mm512_set1_ps(b ? b[ch] : 0.0f);
    for (i = 0; i < n; i += 16) {
      __mmask16 m = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
      _mm512_mask_storeu_ps(dst + i, m, dlrt_bias_act_z(_mm512_maskz_loadu_ps(m, t + i), b, vb, act, lo, hi));
    }
  }
}
#endif
#ifdef DLRT_WZ
/* Grids of up to 16 DLRT_KEEP_MAX positions also go out through dlrt_keep's
 * tables (made once per call, on the stack). */
#define DLRT_KEEP_MAX 512
/* dlrt_conv_put for the AVX-512 tiles (nr = 32) through those tables: per
 * channel and 16 grid values, dlrt_put_z's add and clamp, the kept
 * lanes closed up (VCOMPRESSPS into a register) and stored at their output
 * index, as many as were kept. */
static DLRT_TZ void dlrt_put_keep_z(const float *t, int R, dlrt_i nv, dlrt_i q0, const uint16_t *keep,
                                    const int32_t *pos, float *y, dlrt_i P, const float *b, dlrt_act act) {
  __m512 lo = _mm512_set1_ps(act.lo), hi = _mm512_set1_ps(act.hi);
  dlrt_i i;
  int ch;
  for (ch = 0; ch < R; ch++, y += P, t += 32) {
    __m512 vb = _mm512_set1_ps(b ? b[ch] : 0.0f);
    for (i = 0; i < nv; i += 16) {
      __mmask16 k = keep[(q0 + i) / 16];
      __m512 v = dlrt_bias_act_z(_mm512_loadu_ps(t + i), b, vb, act, lo, hi);
      _mm512_mask_storeu_ps(y + pos[(q0 + i) / 16], (__mmask16)((1u << __builtin_popcount(k)) - 1),
                            _mm512_maskz_compress_ps(k, v));
    }
  }
}
#endif
static void dlrt_conv_put(const float *t, int nr, int R, dlrt_i nv, dlrt_i q0, const dlrt_win *g, const dlrt_conv_geo *o,
                          float *y, dlrt_i P, const float *b, dlrt_act act) {
  dlrt_i r = q0 / o->ext[2], c = q0 % o->ext[2], j = 0, i, row = o->ext[2];
  int ch, run = o->ext[2] == g->od[2] && o->ext[1] == g->od[1]; /* a grid without extra values: one run */
  if (run) row = nv, c = 0;
  while (j < nv) {
    dlrt_i len = row - c < nv - j ? row - c : nv - j, r1 = r % o->ext[1];
    if (run || (c < g->od[2] && r1 < g->od[1])) {
      dlrt_i n = run ? len : g->od[2] - c < len ? g->od[2] - c : len;
      float *dst = run ? y + q0 : y + ((r / o->ext[1]) * g->od[1] + r1) * g->od[2] + c;
#ifdef DLRT_WZ
      if (nr == 32) {
        dlrt_put_z(t + j, nr, R, dst, P, n, b, act);
        j += len, c = 0, r++;
        continue;
      }
#endif
      for (ch = 0; ch < R; ch++, dst += P) {
        const float *src = t + ch * nr + j;
        float bias = b ? b[ch] : 0.0f;
        if (b && act.on)
          for (i = 0; i < n; i++) {
            float v = src[i] + bias;
            v = v < act.lo ? act.lo : v;
            dst[i] = v > act.hi ? act.hi : v; /* max then min, as dlrt_apply_act */
          }
        else if (b)
          for (i = 0; i < n; i++) dst[i] = src[i] + bias;
        else if (act.on)
          for (i = 0; i < n; i++) {
            float v = src[i] < act.lo ? act.lo : src[i];
            dst[i] = v > act.hi ? act.hi : v;
          }
        else
          for (i = 0; i < n; i++) dst[i] = src[i];
      }
    }
    j += len, c = 0, r++;
  }
}
/* a tile's values out: through the bit tables where dlrt_conv made them, else dlrt_conv_put */
static void dlrt_conv_out(const float *t, int nr, int R, dlrt_i nv, dlrt_i q0, const dlrt_win *g, const dlrt_conv_geo *o,
                          const uint16_t *keep, const int32_t *pos, float *y, dlrt_i P, const float *b, dlrt_act act) {
#ifdef DLRT_WZ
  if (keep) {
    dlrt_put_keep_z(t, R, nv, q0, keep, pos, y, P, b, act);
    return;
  }
#endif
  (void)keep, (void)pos;
  dlrt_conv_put(t, nr, R, nv, q0, g, o, y, P, b, act);
}
/* y[m] = act(sum over k = (c, t0, t1, t2) in order of w[m][k] * x[c at the tap]
 * + b[m]): the taps' products summed from 0 in k order, then the bias, so the
 * result is that of an im2col row times the weight row, whatever the tiling. */
void dlrt_conv(const dlrt_win *g, const float *x, const float *w, const float *b, float *y, float *scratch,
               dlrt_act act) {
  dlrt_conv_geo o;
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], P = g->od[0] * g->od[1] * g->od[2], N, n, gr, m, q, r;
  dlrt_i offs[DLRT_CONV_KSTACK], *off = K > DLRT_CONV_KSTACK ? (dlrt_i *)(void *)scratch : offs;
  float *xq = K > DLRT_CONV_KSTACK ? scratch + 2 * K : scratch, t[8 * DLRT_CNR_MAX];
  int dw = cg == 1 && mg == 1, nr = dlrt_simd_width();
  const uint16_t *kb = NULL;
  const int32_t *kp = NULL;
#ifdef DLRT_WZ
  uint16_t keep[DLRT_KEEP_MAX];
  int32_t pos[DLRT_KEEP_MAX];
#endif
  dlrt_conv_geometry(g, &o);
  N = ((g->od[0] - 1) * o.ext[1] + g->od[1] - 1) * o.ext[2] + g->od[2];
  dlrt_conv_offsets(g, &o, cg, off);
#ifdef DLRT_WZ
  if (nr == 32 && N <= 16 * DLRT_KEEP_MAX)
    dlrt_keep(g->od[0], g->od[1], o.ext[1], o.ext[2], g->od[2], (N + 15) / 16, keep, pos), kb = keep, kp = pos;
#endif
  for (n = 0; n < g->n; n++) {
    const float *xn = x + n * g->c * ivol;
    float *yn = y + n * g->m * P;
    for (gr = 0; gr < g->group;) {
      const float *xg = xq;
      if (dw && gr + 4 <= g->group) { /* 4 depthwise channels, one row each */
        dlrt_i xs = o.cstride;
        if (o.direct) xg = xn + gr * ivol, xs = ivol;
        else dlrt_conv_prep(g, &o, xn, gr, 4, xq);
        for (q = 0; q < N; q += nr) {
          dlrt_i nv = N - q < nr ? N - q : nr;
          dlrt_ctile4x(nr, K, w + gr * K, K, xg + q, xs, off, (int)nv, t);
          dlrt_conv_out(t, nr, 4, nv, q, g, &o, kb, kp, yn + gr * P, P, b ? b + gr : 0, act);
        }
        gr += 4;
        continue;
      }
      if (o.direct) xg = xn + gr * cg * ivol;
      else dlrt_conv_prep(g, &o, xn, gr * cg, cg, xq);
      for (q = 0; q < N; q += nr) {
        dlrt_i nv = N - q < nr ? N - q : nr;
        for (m = 0; m + 8 <= mg; m += 8) {
          dlrt_i mm = gr * mg + m;
          dlrt_ctile8(nr, K, w + mm * K, K, xg + q, off, (int)nv, t);
          dlrt_conv_out(t, nr, 8, nv, q, g, &o, kb, kp, yn + mm * P, P, b ? b + mm : 0, act);
        }
        for (; m + 4 <= mg; m += 4) {
          dlrt_i mm = gr * mg + m;
          dlrt_ctile4(nr, K, w + mm * K, K, xg + q, off, (int)nv, t);
          dlrt_conv_out(t, nr, 4, nv, q, g, &o, kb, kp, yn + mm * P, P, b ? b + mm : 0, act);
        }
        { /* the mg % 4 rows left, counted so that gcc sees the bound (written as
           * `for (; m < mg; m++)` it warns of iterations that overflow) */
          dlrt_i rows = mg % 4, mm = gr * mg + mg - rows;
          for (r = 0; r < rows; r++, mm++) {
            dlrt_ctile1(nr, K, w + mm * K, xg + q, off, (int)nv, t);
            dlrt_conv_out(t, nr, 1, nv, q, g, &o, kb, kp, yn + mm * P, P, b ? b + mm : 0, act);
          }
        }
      }
      gr++;
    }
  }
}
/* @end */

/* @fn dlrt_conv_transpose uses dlrt_apply_act */
void dlrt_conv_transpose(const dlrt_win *g, const float *x, const float *w, const float *b, float *y,
                         dlrt_act act) {
  /* here c = input channels, m = output channels, id = input dims, od = output dims */
  dlrt_i cg = g->c / g->group, mg = g->m / g->group;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ovol = g->od[0] * g->od[1] * g->od[2];
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2];
  dlrt_i n, gr, c, m, i0, i1, i2, k0, k1, k2, p;
  for (n = 0; n < g->n; n++)
    for (m = 0; m < g->m; m++) {
      float bias = b ? b[m] : 0.0f;
      float *row = y + (n * g->m + m) * ovol;
      for (p = 0; p < ovol; p++) row[p] = bias;
    }
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++)
      for (c = 0; c < cg; c++) {
        const float *xc = x + (n * g->c + gr * cg + c) * ivol;
        for (m = 0; m < mg; m++) {
          const float *wk = w + ((gr * cg + c) * mg + m) * kvol;
          float *yo = y + (n * g->m + gr * mg + m) * ovol;
          for (i0 = 0; i0 < g->id[0]; i0++)
            for (i1 = 0; i1 < g->id[1]; i1++)
              for (i2 = 0; i2 < g->id[2]; i2++) {
                float xv = xc[(i0 * g->id[1] + i1) * g->id[2] + i2];
                for (k0 = 0; k0 < g->k[0]; k0++) {
                  dlrt_i o0 = i0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
                  if (o0 < 0 || o0 >= g->od[0]) continue;
                  for (k1 = 0; k1 < g->k[1]; k1++) {
                    dlrt_i o1 = i1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
                    if (o1 < 0 || o1 >= g->od[1]) continue;
                    for (k2 = 0; k2 < g->k[2]; k2++) {
                      dlrt_i o2 = i2 * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                      if (o2 < 0 || o2 >= g->od[2]) continue;
                      yo[(o0 * g->od[1] + o1) * g->od[2] + o2] +=
                          xv * wk[(k0 * g->k[1] + k1) * g->k[2] + k2];
                    }
                  }
                }
              }
        }
      }
  for (n = 0; n < g->n * g->m; n++) dlrt_apply_act(y + n * ovol, ovol, act);
}
/* @end */

/* @fn dlrt_maxpool2 */
/* Max pooling of one plane whose windows all lie inside it (1-D or 2-D):
 * output row by output row, each tap (in dlrt_pool's order, k1 then k2)
 * folded into the whole row with dlrt_pool's y = v > y ? v : y, so a NaN
 * never replaces a number and the bits are dlrt_pool's. 2 x 2 windows of
 * stride 2 go 16 (AVX-512F builds) or 4 (SSE2) outputs at a time through
 * MAXPS, which is that same selection (its first operand where greater,
 * else its second, NaN included). */
#if defined(__SSE2__) && !defined(DLC_DLRT_PORTABLE)
#include <immintrin.h>
#endif
#if defined(__AVX512F__) && !defined(DLC_DLRT_PORTABLE)
/* 16 outputs of a 2 x 2 / 2 window: rows a and b, 32 inputs each (a0 a1, b0 b1); taps in dlrt_pool's order. */
static inline __m512 dlrt_max2x2_z(__m512 a0, __m512 a1, __m512 b0, __m512 b1) {
  const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
  __m512 acc = _mm512_set1_ps(-INFINITY);
  acc = _mm512_max_ps(_mm512_permutex2var_ps(a0, ev, a1), acc);
  acc = _mm512_max_ps(_mm512_permutex2var_ps(a0, od, a1), acc);
  acc = _mm512_max_ps(_mm512_permutex2var_ps(b0, ev, b1), acc);
  return _mm512_max_ps(_mm512_permutex2var_ps(b0, od, b1), acc);
}
#endif
static void dlrt_maxpool2(const dlrt_win *g, const float *x, float *y) {
  dlrt_i o1, o2, k1, k2, j, W = g->id[2], OW = g->od[2], s1 = g->stride[1], s2 = g->stride[2];
  for (o1 = 0; o1 < g->od[1]; o1++) {
    const float *r = x + o1 * s1 * W;
    float *yr = y + o1 * OW;
    o2 = 0; /* the outputs before o2 are done */
#if defined(__SSE2__) && !defined(DLC_DLRT_PORTABLE)
    if (g->k[1] == 2 && g->k[2] == 2 && s2 == 2 && g->dil[1] == 1 && g->dil[2] == 1) {
#ifdef __AVX512F__
      for (; o2 + 16 <= OW; o2 += 16) {
        const float *a = r + 2 * o2, *b = a + W;
        _mm512_storeu_ps(yr + o2, dlrt_max2x2_z(_mm512_loadu_ps(a), _mm512_loadu_ps(a + 16), _mm512_loadu_ps(b),
                                                 _mm512_loadu_ps(b + 16)));
      }
      if (o2 < OW) { /* the last 1..15 outputs: the loads and the store masked */
        dlrt_i m = OW - o2, in0 = W - 2 * o2; /* outputs left; inputs left in the row (2m or 2m + 1) */
        __mmask16 lo = (__mmask16)(in0 >= 16 ? 0xffff : (1u << in0) - 1), hi = (__mmask16)(in0 >= 32 ? 0xffff : in0 <= 16 ? 0 : (1u << (in0 - 16)) - 1);
        const float *a = r + 2 * o2, *b = a + W;
        __m512 acc = dlrt_max2x2_z(_mm512_maskz_loadu_ps(lo, a), _mm512_maskz_loadu_ps(hi, a + 16),
                                   _mm512_maskz_loadu_ps(lo, b), _mm512_maskz_loadu_ps(hi, b + 16));
        _mm512_mask_storeu_ps(yr + o2, (__mmask16)((1u << m) - 1), acc);
        o2 = OW;
      }
#endif
      for (; o2 + 4 <= OW; o2 += 4) {
        const float *a = r + 2 * o2, *b = a + W;
        __m128 a0 = _mm_loadu_ps(a), a1 = _mm_loadu_ps(a + 4), b0 = _mm_loadu_ps(b), b1 = _mm_loadu_ps(b + 4);
        __m128 acc = _mm_set1_ps(-INFINITY);
        acc = _mm_max_ps(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), acc);
        acc = _mm_max_ps(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)), acc);
        acc = _mm_max_ps(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), acc);
        acc = _mm_max_ps(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)), acc);
        _mm_storeu_ps(yr + o2, acc);
      }
    }
#endif
    for (j = o2; j < OW; j++) yr[j] = -INFINITY;
    for (k1 = 0; k1 < g->k[1]; k1++) {
      const float *rk = r + k1 * g->dil[1] * W;
      for (k2 = 0; k2 < g->k[2]; k2++) {
        const float *rt = rk + k2 * g->dil[2];
        for (j = o2; j < OW; j++) {
          float v = rt[j * s2];
          yr[j] = v > yr[j] ? v : yr[j];
        }
      }
    }
  }
}
/* @end */

/* @fn dlrt_pool uses dlrt_maxpool2 */
/* Average with pads counts window positions inside [-pad, in + pad_end). */
void dlrt_pool(const dlrt_win *g, int kind, const float *x, float *y) {
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ovol = g->od[0] * g->od[1] * g->od[2];
  dlrt_i nc = g->n * g->c, q, o0, o1, o2, k0, k1, k2;
  if (kind == 0 && g->id[0] == 1 && g->od[0] == 1 && g->k[0] == 1 && g->pad[1] == 0 && g->pad[2] == 0 &&
      (g->od[1] - 1) * g->stride[1] + (g->k[1] - 1) * g->dil[1] < g->id[1] &&
      (g->od[2] - 1) * g->stride[2] + (g->k[2] - 1) * g->dil[2] < g->id[2]) { /* every window inside */
    for (q = 0; q < nc; q++) dlrt_maxpool2(g, x + q * ivol, y + q * ovol);
    return;
  }
  for (q = 0; q < nc; q++) {
    const float *xq = x + q * ivol;
    float *yq = y + q * ovol;
    for (o0 = 0; o0 < g->od[0]; o0++)
      for (o1 = 0; o1 < g->od[1]; o1++)
        for (o2 = 0; o2 < g->od[2]; o2++) {
          float acc = kind == 0 ? -INFINITY : 0.0f;
          dlrt_i cnt = 0, cnt_pad = 0;
          for (k0 = 0; k0 < g->k[0]; k0++) {
            dlrt_i z0 = o0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
            int in0 = z0 >= 0 && z0 < g->id[0];
            int pad0 = z0 >= -g->pad[0] && z0 < g->id[0] + g->pad_end[0];
            for (k1 = 0; k1 < g->k[1]; k1++) {
              dlrt_i z1 = o1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
              int in1 = z1 >= 0 && z1 < g->id[1];
              int pad1 = z1 >= -g->pad[1] && z1 < g->id[1] + g->pad_end[1];
              for (k2 = 0; k2 < g->k[2]; k2++) {
                dlrt_i z2 = o2 * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                int in2 = z2 >= 0 && z2 < g->id[2];
                int pad2 = z2 >= -g->pad[2] && z2 < g->id[2] + g->pad_end[2];
                cnt_pad += pad0 && pad1 && pad2;
                if (!(in0 && in1 && in2)) continue;
                float v = xq[(z0 * g->id[1] + z1) * g->id[2] + z2];
                if (kind == 0) acc = v > acc ? v : acc;
                else acc += v;
                cnt++;
              }
            }
          }
          if (kind == 1) acc = cnt ? acc / (float)cnt : 0.0f;
          if (kind == 2) acc = cnt_pad ? acc / (float)cnt_pad : 0.0f;
          yq[(o0 * g->od[1] + o1) * g->od[2] + o2] = acc;
        }
  }
}
/* @end */

/* @fn dlrt_global_pool */
void dlrt_global_pool(dlrt_i nc, dlrt_i spatial, int is_max, const float *x, float *y) {
  dlrt_i q, i;
  for (q = 0; q < nc; q++) {
    const float *xq = x + q * spatial;
    float acc = is_max ? -INFINITY : 0.0f;
    for (i = 0; i < spatial; i++) {
      if (is_max) acc = xq[i] > acc ? xq[i] : acc;
      else acc += xq[i];
    }
    y[q] = is_max ? acc : acc / (float)spatial;
  }
}
/* @end */

/* @fn dlrt_gemm uses dlrt_sgemm dlrt_apply_act */
void dlrt_gemm(dlrt_i M, dlrt_i N, dlrt_i K, int transA, int transB, float alpha, float beta,
               const float *A, const float *B, const float *C, dlrt_i cm, dlrt_i cn, float *Y,
               float *scratch, dlrt_act act) {
  dlrt_i i, j;
  const float *a = A, *b = B;
  if (transA) { /* A is [K,M] */
    float *t = scratch;
    for (i = 0; i < M; i++)
      for (j = 0; j < K; j++) t[i * K + j] = A[j * M + i];
    a = t;
    scratch += M * K;
  }
  if (transB) { /* B is [N,K] */
    float *t = scratch;
    for (i = 0; i < K; i++)
      for (j = 0; j < N; j++) t[i * N + j] = B[j * K + i];
    b = t;
  }
  dlrt_sgemm(M, N, K, a, K, b, N, Y, N, 0);
  for (i = 0; i < M; i++)
    for (j = 0; j < N; j++) {
      float v = alpha * Y[i * N + j];
      if (C) v += beta * C[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
      Y[i * N + j] = v;
    }
  dlrt_apply_act(Y, M * N, act);
}
/* @end */

/* @fn dlrt_matmul uses dlrt_sgemm dlrt_apply_act */
void dlrt_matmul(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N,
                 dlrt_i K, const float *A, const float *B, float *Y, dlrt_act act) {
  dlrt_i t;
  for (t = 0; t < batches; t++) dlrt_sgemm(M, N, K, A + aoff[t], K, B + boff[t], N, Y + t * M * N, N, 0);
  dlrt_apply_act(Y, batches * M * N, act);
}
/* @end */

/* @fn dlrt_binary uses dlrt_apply_act */
#define DLRT_BIN_LOOP(EXPR)                                                                        \
  for (j = 0; j < inner; j++) {                                                                    \
    float p = a[ao + j * sa], q = b[bo + j * sb];                                                  \
    y[o + j] = (EXPR);                                                                             \
  }
void dlrt_binary(int op, int r, const dlrt_i *d, const float *a, const dlrt_i *as, const float *b,
                 const dlrt_i *bs, float *y, dlrt_act act) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? d[r - 1] : 1, sa = r ? as[r - 1] : 0,
         sb = r ? bs[r - 1] : 0, o, j;
  int i;
  for (i = 0; i < r; i++) total *= d[i];
  for (o = 0; o < total; o += inner) {
    dlrt_i ao = 0, bo = 0;
    for (i = 0; i + 1 < r; i++) ao += idx[i] * as[i], bo += idx[i] * bs[i];
    switch (op) {
    case DLRT_ADD: DLRT_BIN_LOOP(p + q) break;
    case DLRT_SUB: DLRT_BIN_LOOP(p - q) break;
    case DLRT_MUL: DLRT_BIN_LOOP(p * q) break;
    case DLRT_DIV: DLRT_BIN_LOOP(p / q) break;
    case DLRT_POW: DLRT_BIN_LOOP(powf(p, q)) break;
    case DLRT_MAX: DLRT_BIN_LOOP(p != p || q != q ? NAN : p > q ? p : q) break;
    case DLRT_MIN: DLRT_BIN_LOOP(p != p || q != q ? NAN : p < q ? p : q) break;
    case DLRT_PRELU: DLRT_BIN_LOOP(p < 0 ? p * q : p) break;
    default: break;
    }
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < d[i]) break;
      idx[i] = 0;
    }
  }
  dlrt_apply_act(y, total, act);
}
#undef DLRT_BIN_LOOP
/* @end */

/* @fn dlrt_unary */
#define DLRT_UN_LOOP(EXPR)                                                                         \
  for (i = 0; i < n; i++) {                                                                        \
    float v = x[i];                                                                                \
    y[i] = (EXPR);                                                                                 \
  }
void dlrt_unary(int op, dlrt_i n, const float *x, float *y, float p0, float p1) {
  dlrt_i i;
  switch (op) {
  case DLRT_RELU: DLRT_UN_LOOP(v < 0 ? 0.0f : v) break;
  case DLRT_LEAKY_RELU: DLRT_UN_LOOP(v < 0 ? p0 * v : v) break;
  case DLRT_CLIP: DLRT_UN_LOOP((v = v < p0 ? p0 : v) > p1 ? p1 : v) break; /* p1 when p0 > p1, as ONNX */
  case DLRT_SIGMOID: DLRT_UN_LOOP(1.0f / (1.0f + expf(-v))) break;
  case DLRT_HARD_SIGMOID: DLRT_UN_LOOP(fmaxf(0.0f, fminf(1.0f, p0 * v + p1))) break;
  case DLRT_HARD_SWISH: DLRT_UN_LOOP(v * fmaxf(0.0f, fminf(1.0f, v / 6.0f + 0.5f))) break;
  case DLRT_TANH: DLRT_UN_LOOP(tanhf(v)) break;
  case DLRT_ERF: DLRT_UN_LOOP(erff(v)) break;
  case DLRT_GELU: DLRT_UN_LOOP(0.5f * v * (1.0f + erff(v * 0.70710678118654752f))) break;
  case DLRT_GELU_TANH:
    DLRT_UN_LOOP(0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v))))
    break;
  case DLRT_ELU: DLRT_UN_LOOP(v < 0 ? p0 * (expf(v) - 1.0f) : v) break;
  case DLRT_SELU: DLRT_UN_LOOP(v <= 0 ? p1 * (p0 * expf(v) - p0) : p1 * v) break;
  case DLRT_CELU: DLRT_UN_LOOP(fmaxf(0.0f, v) + fminf(0.0f, p0 * (expf(v / p0) - 1.0f))) break;
  case DLRT_SOFTPLUS: DLRT_UN_LOOP(logf(expf(v) + 1.0f)) break;
  case DLRT_SOFTSIGN: DLRT_UN_LOOP(v / (1.0f + fabsf(v))) break;
  case DLRT_THRESHOLDED_RELU: DLRT_UN_LOOP(v > p0 ? v : 0.0f) break;
  case DLRT_SQRT: DLRT_UN_LOOP(sqrtf(v)) break;
  case DLRT_EXP: DLRT_UN_LOOP(expf(v)) break;
  case DLRT_LOG: DLRT_UN_LOOP(logf(v)) break;
  case DLRT_NEG: DLRT_UN_LOOP(-v) break;
  case DLRT_ABS: DLRT_UN_LOOP(fabsf(v)) break;
  case DLRT_RECIPROCAL: DLRT_UN_LOOP(1.0f / v) break;
  case DLRT_FLOOR: DLRT_UN_LOOP(floorf(v)) break;
  case DLRT_CEIL: DLRT_UN_LOOP(ceilf(v)) break;
  case DLRT_ROUND: DLRT_UN_LOOP(nearbyintf(v)) break;
  case DLRT_SIGN: DLRT_UN_LOOP((float)((v > 0) - (v < 0))) break;
  case DLRT_SIN: DLRT_UN_LOOP(sinf(v)) break;
  case DLRT_COS: DLRT_UN_LOOP(cosf(v)) break;
  default: break;
  }
}
#undef DLRT_UN_LOOP
/* @end */

/* @fn dlrt_softmax */
void dlrt_softmax(dlrt_i outer, dlrt_i len, dlrt_i inner, int log, const float *x, float *y) {
  dlrt_i o, i, k;
  for (o = 0; o < outer; o++)
    for (i = 0; i < inner; i++) {
      const float *xs = x + o * len * inner + i;
      float *ys = y + o * len * inner + i;
      float mx = -INFINITY, sum = 0.0f;
      for (k = 0; k < len; k++) mx = xs[k * inner] > mx ? xs[k * inner] : mx;
      for (k = 0; k < len; k++) {
        float e = expf(xs[k * inner] - mx);
        if (!log) ys[k * inner] = e;
        sum += e;
      }
      if (log) {
        float ls = logf(sum);
        for (k = 0; k < len; k++) ys[k * inner] = xs[k * inner] - mx - ls;
      } else {
        for (k = 0; k < len; k++) ys[k * inner] /= sum;
      }
    }
}
/* @end */

/* @fn dlrt_layer_norm */
void dlrt_layer_norm(dlrt_i outer, dlrt_i len, const float *x, const float *scale,
                     const float *bias, float eps, float *y) {
  dlrt_i o, k;
  for (o = 0; o < outer; o++) {
    const float *xs = x + o * len;
    float *ys = y + o * len;
    double mean = 0, var = 0;
    for (k = 0; k < len; k++) mean += xs[k];
    mean /= (double)len;
    for (k = 0; k < len; k++) var += ((double)xs[k] - mean) * ((double)xs[k] - mean);
    var /= (double)len;
    {
      float inv = (float)(1.0 / sqrt(var + (double)eps)), m = (float)mean;
      for (k = 0; k < len; k++) ys[k] = (xs[k] - m) * inv * scale[k] + (bias ? bias[k] : 0.0f);
    }
  }
}
/* @end */

/* @fn dlrt_batch_norm */
void dlrt_batch_norm(dlrt_i n, dlrt_i c, dlrt_i spatial, const float *x, const float *scale,
                     const float *bias, const float *mean, const float *var, float eps, float *y) {
  dlrt_i i, ch, s;
  for (i = 0; i < n; i++)
    for (ch = 0; ch < c; ch++) {
      float inv = 1.0f / sqrtf(var[ch] + eps), m = mean[ch], sc = scale[ch], bi = bias[ch];
      const float *xs = x + (i * c + ch) * spatial;
      float *ys = y + (i * c + ch) * spatial;
      for (s = 0; s < spatial; s++) ys[s] = (xs[s] - m) * inv * sc + bi;
    }
}
/* @end */

/* @fn dlrt_instance_norm */
void dlrt_instance_norm(dlrt_i n, dlrt_i c, dlrt_i spatial, const float *x, const float *scale,
                        const float *bias, float eps, float *y) {
  dlrt_i i, ch, s;
  for (i = 0; i < n; i++)
    for (ch = 0; ch < c; ch++) {
      const float *xs = x + (i * c + ch) * spatial;
      float *ys = y + (i * c + ch) * spatial;
      double mean = 0, var = 0;
      for (s = 0; s < spatial; s++) mean += xs[s];
      mean /= (double)spatial;
      for (s = 0; s < spatial; s++) var += ((double)xs[s] - mean) * ((double)xs[s] - mean);
      var /= (double)spatial;
      {
        float inv = (float)(1.0 / sqrt(var + (double)eps)), m = (float)mean;
        for (s = 0; s < spatial; s++) ys[s] = (xs[s] - m) * inv * scale[ch] + bias[ch];
      }
    }
}
/* @end */

/* @fn dlrt_hardmax */
void dlrt_hardmax(dlrt_i outer, dlrt_i len, dlrt_i inner, const float *x, float *y) {
  dlrt_i o, i, k;
  for (o = 0; o < outer; o++)
    for (i = 0; i < inner; i++) {
      const float *xs = x + o * len * inner + i;
      float *ys = y + o * len * inner + i;
      dlrt_i best = 0;
      for (k = 1; k < len; k++)
        if (xs[k * inner] > xs[best * inner]) best = k;
      for (k = 0; k < len; k++) ys[k * inner] = k == best ? 1.0f : 0.0f;
    }
}
/* @end */

/* Typed element access for the generic kernels, in small sections so that
 * generated code carries no unused static function. */
/* @fn dlrt_isflt */
static int dlrt_isflt(int t) {
  return t == DLRT_T_F32 || t == DLRT_T_F64 || t == DLRT_T_F16 || t == DLRT_T_BF16;
}
/* @end */

/* @fn dlrt_esize */
static int dlrt_esize(int t) {
  switch (t) {
  case DLRT_T_U8: case DLRT_T_I8: case DLRT_T_BOOL: return 1;
  case DLRT_T_U16: case DLRT_T_I16: case DLRT_T_F16: case DLRT_T_BF16: return 2;
  case DLRT_T_I64: case DLRT_T_F64: case DLRT_T_U64: return 8;
  default: return 4;
  }
}
/* @end */

/* @fn dlrt_half_ld */
static float dlrt_h2f(uint16_t h) {
  uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, u;
  float f;
  if (e == 0) {
    f = ldexpf((float)m, -24);
    return s ? -f : f;
  }
  if (e == 31) u = s | 0x7f800000 | (m << 13);
  else u = s | ((e + 112) << 23) | (m << 13);
  memcpy(&f, &u, 4);
  return f;
}

static float dlrt_b2f(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
/* @end */

/* @fn dlrt_half_st */
static uint16_t dlrt_f2h(float f) {
  uint32_t u, s, m, r, rem, half;
  int32_t e;
  memcpy(&u, &f, 4);
  s = (u >> 16) & 0x8000;
  e = (int32_t)((u >> 23) & 0xff) - 127 + 15;
  m = u & 0x7fffff;
  if (((u >> 23) & 0xff) == 0xff) return (uint16_t)(s | 0x7c00 | (m ? 0x200 : 0));
  if (e >= 31) return (uint16_t)(s | 0x7c00);
  if (e <= 0) {
    uint32_t shift = (uint32_t)(14 - e);
    if (e < -10) return (uint16_t)s;
    m |= 0x800000;
    half = 1u << (shift - 1);
    r = m >> shift, rem = m & ((1u << shift) - 1);
  } else {
    r = ((uint32_t)e << 10) | (m >> 13), rem = m & 0x1fff, half = 0x1000;
  }
  if (rem > half || (rem == half && (r & 1))) r++;
  return (uint16_t)(s | r);
}

static uint16_t dlrt_f2b(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1);
  return (uint16_t)(u >> 16);
}
/* @end */

/* @fn dlrt_ld uses dlrt_half_ld */
static double dlrt_ldf(int t, const void *p, dlrt_i i);

static int64_t dlrt_ldi(int t, const void *p, dlrt_i i) {
  double v;
  switch (t) {
  case DLRT_T_I8: return ((const int8_t *)p)[i];
  case DLRT_T_U8: return ((const uint8_t *)p)[i];
  case DLRT_T_BOOL: return ((const uint8_t *)p)[i] != 0;
  case DLRT_T_I16: return ((const int16_t *)p)[i];
  case DLRT_T_U16: return ((const uint16_t *)p)[i];
  case DLRT_T_I32: return ((const int32_t *)p)[i];
  case DLRT_T_U32: return ((const uint32_t *)p)[i];
  case DLRT_T_I64: return ((const int64_t *)p)[i];
  case DLRT_T_U64: return (int64_t)((const uint64_t *)p)[i];
  default:
    v = dlrt_ldf(t, p, i);
    return v != v ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
  }
}

static double dlrt_ldf(int t, const void *p, dlrt_i i) {
  switch (t) {
  case DLRT_T_F32: return ((const float *)p)[i];
  case DLRT_T_F64: return ((const double *)p)[i];
  case DLRT_T_F16: return dlrt_h2f(((const uint16_t *)p)[i]);
  case DLRT_T_BF16: return dlrt_b2f(((const uint16_t *)p)[i]);
  case DLRT_T_U64: return (double)((const uint64_t *)p)[i];
  default: return (double)dlrt_ldi(t, p, i);
  }
}
/* @end */

/* @fn dlrt_st uses dlrt_half_st */
static void dlrt_stf(int t, void *p, dlrt_i i, double v);

static void dlrt_sti(int t, void *p, dlrt_i i, int64_t v) {
  switch (t) {
  case DLRT_T_I8: ((int8_t *)p)[i] = (int8_t)v; return;
  case DLRT_T_U8: ((uint8_t *)p)[i] = (uint8_t)v; return;
  case DLRT_T_BOOL: ((uint8_t *)p)[i] = v != 0; return;
  case DLRT_T_I16: ((int16_t *)p)[i] = (int16_t)v; return;
  case DLRT_T_U16: ((uint16_t *)p)[i] = (uint16_t)v; return;
  case DLRT_T_I32: ((int32_t *)p)[i] = (int32_t)v; return;
  case DLRT_T_U32: ((uint32_t *)p)[i] = (uint32_t)v; return;
  case DLRT_T_I64: ((int64_t *)p)[i] = v; return;
  case DLRT_T_U64: ((uint64_t *)p)[i] = (uint64_t)v; return;
  default: dlrt_stf(t, p, i, (double)v);
  }
}

/* float -> int truncates toward zero (saturating at the int64 range), as ONNX Cast does */
static void dlrt_stf(int t, void *p, dlrt_i i, double v) {
  switch (t) {
  case DLRT_T_F32: ((float *)p)[i] = (float)v; return;
  case DLRT_T_F64: ((double *)p)[i] = v; return;
  case DLRT_T_F16: ((uint16_t *)p)[i] = dlrt_f2h((float)v); return;
  case DLRT_T_BF16: ((uint16_t *)p)[i] = dlrt_f2b((float)v); return;
  case DLRT_T_BOOL: ((uint8_t *)p)[i] = v != 0; return;
  default:
    dlrt_sti(t, p, i, v != v ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v);
  }
}
/* @end */

/* @fn dlrt_next */
/* Steps a row-major index over dims d; returns 0 after the last element. */
static int dlrt_next(int r, const dlrt_i *d, dlrt_i *idx) {
  int i;
  for (i = r - 1; i >= 0; i--) {
    if (++idx[i] < d[i]) return 1;
    idx[i] = 0;
  }
  return 0;
}
/* @end */

/* @fn dlrt_numel */
static dlrt_i dlrt_numel(int r, const dlrt_i *d) {
  dlrt_i n = 1;
  int i;
  for (i = 0; i < r; i++) n *= d[i];
  return n;
}
/* @end */

/* @fn dlrt_copy_strided */
#define DLRT_COPY_LOOP(T)                                                                          \
  for (j = 0; j < inner; j++) ((T *)y)[o + j] = ((const T *)x)[base + j * s];
void dlrt_copy_strided(int r, const dlrt_i *d, const dlrt_i *strides, dlrt_i offset, int es,
                       const void *x, void *y) {
  dlrt_i idx[DLRT_MAX_VIEW] = {0}, total = 1, inner = r ? d[r - 1] : 1, s = r ? strides[r - 1] : 0,
         o, j;
  int i;
  for (i = 0; i < r; i++) total *= d[i];
  for (o = 0; o < total; o += inner) {
    dlrt_i base = offset;
    for (i = 0; i + 1 < r; i++) base += idx[i] * strides[i];
    switch (es) {
    case 1: DLRT_COPY_LOOP(uint8_t) break;
    case 2: DLRT_COPY_LOOP(uint16_t) break;
    case 4: DLRT_COPY_LOOP(uint32_t) break;
    default: DLRT_COPY_LOOP(uint64_t) break;
    }
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < d[i]) break;
      idx[i] = 0;
    }
  }
}
#undef DLRT_COPY_LOOP
/* @end */

/* @fn dlrt_concat */
void dlrt_concat(int n, const void *const *xs, const dlrt_i *chunk, dlrt_i outer, void *y) {
  unsigned char *dst = (unsigned char *)y;
  dlrt_i o;
  int i;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n; i++) {
      if (chunk[i]) memcpy(dst, (const unsigned char *)xs[i] + o * chunk[i], (size_t)chunk[i]);
      dst += chunk[i];
    }
}
/* @end */

/* @fn dlrt_gather uses dlrt_ld */
int dlrt_gather(dlrt_i outer, dlrt_i d, dlrt_i row, int it, const void *idx, dlrt_i ni,
                const void *x, void *y) {
  const unsigned char *src = (const unsigned char *)x;
  unsigned char *dst = (unsigned char *)y;
  dlrt_i o, j;
  for (o = 0; o < outer; o++)
    for (j = 0; j < ni; j++) {
      int64_t g = dlrt_ldi(it, idx, j);
      if (g < 0) g += d;
      if (g < 0 || g >= d) return 1;
      if (row) memcpy(dst, src + (o * d + g) * row, (size_t)row);
      dst += row;
    }
  return 0;
}
/* @end */

/* @fn dlrt_gather_elements uses dlrt_ld dlrt_next dlrt_numel */
int dlrt_gather_elements(int r, const dlrt_i *d, const dlrt_i *xs, int axis, dlrt_i axlen, int es,
                         int it, const void *idx, const void *x, void *y) {
  dlrt_i id[DLRT_MAX_VIEW] = {0}, n = dlrt_numel(r, d), o;
  int i;
  for (o = 0; o < n; o++) {
    dlrt_i src = 0;
    int64_t g = dlrt_ldi(it, idx, o);
    if (g < 0) g += axlen;
    if (g < 0 || g >= axlen) return 1;
    for (i = 0; i < r; i++) src += (i == axis ? g : id[i]) * xs[i];
    memcpy((unsigned char *)y + o * es, (const unsigned char *)x + src * es, (size_t)es);
    dlrt_next(r, d, id);
  }
  return 0;
}
/* @end */

/* @fn dlrt_qrange */
/* The value range of an integer element type (the quantized types). */
static void dlrt_qrange(int t, int64_t *lo, int64_t *hi) {
  switch (t) {
  case DLRT_T_I8: *lo = -128, *hi = 127; return;
  case DLRT_T_U8: *lo = 0, *hi = 255; return;
  case DLRT_T_I16: *lo = -32768, *hi = 32767; return;
  case DLRT_T_U16: *lo = 0, *hi = 65535; return;
  default: *lo = INT32_MIN, *hi = INT32_MAX; return;
  }
}
/* @end */

/* @fn dlrt_quantize uses dlrt_ld dlrt_st dlrt_qrange */
/* ONNX QuantizeLinear over an [outer, len, inner] view: scale and zero point
 * have ns and nz entries, each 1 or len; zp may be NULL (zero). Rounds half to
 * even in float, then saturates to the type of y. */
void dlrt_quantize(int to, dlrt_i outer, dlrt_i len, dlrt_i inner, const void *xv, const void *sv,
                   dlrt_i ns, const void *zp, dlrt_i nz, void *y) {
  const float *x = (const float *)xv, *scale = (const float *)sv;
  int64_t lo, hi;
  dlrt_i o, c, i, n = 0;
  dlrt_qrange(to, &lo, &hi);
  for (o = 0; o < outer; o++)
    for (c = 0; c < len; c++) {
      int64_t z = zp ? dlrt_ldi(to, zp, nz == 1 ? 0 : c) : 0;
      float sc = scale[ns == 1 ? 0 : c];
      for (i = 0; i < inner; i++, n++) {
        float v = x[n] / sc, f = floorf(v), d = v - f;
        int64_t q;
        if (v != v) q = 0;
        else if (v >= 9.2e18f) q = INT64_MAX / 2;
        else if (v <= -9.2e18f) q = INT64_MIN / 2;
        else {
          q = (int64_t)f;
          if (d > 0.5f || (d == 0.5f && (q & 1))) q++;
        }
        q += z;
        dlrt_sti(to, y, n, q < lo ? lo : q > hi ? hi : q);
      }
    }
}
/* @end */

/* @fn dlrt_dequantize uses dlrt_ld */
/* ONNX DequantizeLinear over an [outer, len, inner] view: (x - zp) * scale. */
void dlrt_dequantize(int ta, dlrt_i outer, dlrt_i len, dlrt_i inner, const void *x, const void *sv,
                     dlrt_i ns, const void *zp, dlrt_i nz, void *yv) {
  const float *scale = (const float *)sv;
  float *y = (float *)yv;
  dlrt_i o, c, i, n = 0;
  for (o = 0; o < outer; o++)
    for (c = 0; c < len; c++) {
      int64_t z = zp ? dlrt_ldi(ta, zp, nz == 1 ? 0 : c) : 0;
      float sc = scale[ns == 1 ? 0 : c];
      for (i = 0; i < inner; i++, n++) y[n] = (float)(dlrt_ldi(ta, x, n) - z) * sc;
    }
}
/* @end */

/* @fn dlrt_idot uses dlrt_ld */
/* sum_k (a[ao + k] - za) * (b[bo + k * bs] - zb), exact in int64. */
static int64_t dlrt_idot(int ta, int tb, dlrt_i K, const void *a, dlrt_i ao, int64_t za, const void *b, dlrt_i bo,
                         dlrt_i bs, int64_t zb) {
  int64_t s = 0;
  dlrt_i k;
  for (k = 0; k < K; k++) s += (dlrt_ldi(ta, a, ao + k) - za) * (dlrt_ldi(tb, b, bo + k * bs) - zb);
  return s;
}
/* @end */

/* @fn dlrt_matmul_integer uses dlrt_idot */
/* MatMulInteger: int32 y = (a - za)(b - zb), zb per column when nzb == N. */
void dlrt_matmul_integer(int ta, int tb, dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M,
                         dlrt_i N, dlrt_i K, const void *a, const void *za, const void *b, const void *zb,
                         dlrt_i nzb, void *y) {
  int32_t *o = (int32_t *)y;
  dlrt_i t, i;
  for (t = 0; t < batches; t++)
    for (i = 0; i < M * N; i++)
      *o++ = (int32_t)dlrt_idot(ta, tb, K, a, aoff[t] + (i / N) * K, dlrt_ldi(ta, za, 0), b, boff[t] + i % N, N,
                                dlrt_ldi(tb, zb, nzb == 1 ? 0 : i % N));
}
/* @end */

/* @fn dlrt_qlinear_matmul uses dlrt_idot dlrt_st dlrt_qrange */
/* QLinearMatMul: the integer product requantized with sa * sb / sy (double),
 * rounded half to even and saturated. */
void dlrt_qlinear_matmul(int ta, int tb, int to, dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff,
                         dlrt_i M, dlrt_i N, dlrt_i K, const void *a, const void *sa, const void *za,
                         const void *b, const void *sb, const void *zb, dlrt_i nzb, const void *sy,
                         const void *zy, void *y) {
  double m = (double)*(const float *)sa * *(const float *)sb / *(const float *)sy;
  int64_t lo, hi, z = dlrt_ldi(to, zy, 0);
  dlrt_i t, i;
  dlrt_qrange(to, &lo, &hi);
  for (t = 0; t < batches; t++)
    for (i = 0; i < M * N; i++) {
      int64_t acc = dlrt_idot(ta, tb, K, a, aoff[t] + (i / N) * K, dlrt_ldi(ta, za, 0), b, boff[t] + i % N, N,
                              dlrt_ldi(tb, zb, nzb == 1 ? 0 : i % N));
      double v = (double)acc * m, f = floor(v);
      int64_t q = (int64_t)f;
      if (v - f > 0.5 || (v - f == 0.5 && (q & 1))) q++;
      q += z;
      dlrt_sti(to, y, t * M * N + i, q < lo ? lo : q > hi ? hi : q);
    }
}
/* @end */

/* @fn dlrt_iconv_at uses dlrt_ld */
/* One output of an integer convolution (batch b, channel m, position o):
 * sum (x - zx)(w - zw) over the window; padding contributes nothing. */
static int64_t dlrt_iconv_at(const dlrt_win *g, int tx, int tw, const void *x, int64_t zx, const void *w,
                             int64_t zw, dlrt_i b, dlrt_i m, const dlrt_i *o) {
  dlrt_i cg = g->c / g->group, c0 = m / (g->m / g->group) * cg, c, k0, k1, k2;
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2], ivol = g->id[0] * g->id[1] * g->id[2];
  int64_t s = 0;
  for (c = 0; c < cg; c++)
    for (k0 = 0; k0 < g->k[0]; k0++) {
      dlrt_i z0 = o[0] * g->stride[0] - g->pad[0] + k0 * g->dil[0];
      if (z0 < 0 || z0 >= g->id[0]) continue;
      for (k1 = 0; k1 < g->k[1]; k1++) {
        dlrt_i z1 = o[1] * g->stride[1] - g->pad[1] + k1 * g->dil[1];
        if (z1 < 0 || z1 >= g->id[1]) continue;
        for (k2 = 0; k2 < g->k[2]; k2++) {
          dlrt_i z2 = o[2] * g->stride[2] - g->pad[2] + k2 * g->dil[2];
          if (z2 < 0 || z2 >= g->id[2]) continue;
          s += (dlrt_ldi(tx, x, (b * g->c + c0 + c) * ivol + (z0 * g->id[1] + z1) * g->id[2] + z2) - zx) *
               (dlrt_ldi(tw, w, (m * cg + c) * kvol + (k0 * g->k[1] + k1) * g->k[2] + k2) - zw);
        }
      }
    }
  return s;
}
/* @end */

/* @fn dlrt_conv_integer uses dlrt_iconv_at */
/* ConvInteger: int32 y; zw per tensor or per output channel (nzw == m). */
void dlrt_conv_integer(const dlrt_win *g, int tx, int tw, const void *x, const void *zx, const void *w,
                       const void *zw, dlrt_i nzw, void *y) {
  int32_t *out = (int32_t *)y;
  dlrt_i b, m, o[3];
  for (b = 0; b < g->n; b++)
    for (m = 0; m < g->m; m++)
      for (o[0] = 0; o[0] < g->od[0]; o[0]++)
        for (o[1] = 0; o[1] < g->od[1]; o[1]++)
          for (o[2] = 0; o[2] < g->od[2]; o[2]++)
            *out++ = (int32_t)dlrt_iconv_at(g, tx, tw, x, zx ? dlrt_ldi(tx, zx, 0) : 0, w,
                                            zw ? dlrt_ldi(tw, zw, nzw == 1 ? 0 : m) : 0, b, m, o);
}
/* @end */

/* @fn dlrt_qlinear_conv uses dlrt_iconv_at dlrt_st dlrt_qrange */
/* QLinearConv: (acc + bias) * sx * sw[m] / sy (double), rounded half to
 * even, plus zy, saturated; sw and zw per tensor or per output channel. */
void dlrt_qlinear_conv(const dlrt_win *g, int tx, int tw, int to, const void *x, const void *sx, const void *zx,
                       const void *w, const void *sw, const void *zw, dlrt_i nsw, dlrt_i nzw, const void *sy,
                       const void *zy, const void *bias, void *y) {
  int64_t lo, hi, z = dlrt_ldi(to, zy, 0);
  dlrt_i b, m, o[3], n = 0;
  dlrt_qrange(to, &lo, &hi);
  for (b = 0; b < g->n; b++)
    for (m = 0; m < g->m; m++) {
      double mul = (double)*(const float *)sx * ((const float *)sw)[nsw == 1 ? 0 : m] / *(const float *)sy;
      int64_t zwm = dlrt_ldi(tw, zw, nzw == 1 ? 0 : m), bm = bias ? ((const int32_t *)bias)[m] : 0;
      for (o[0] = 0; o[0] < g->od[0]; o[0]++)
        for (o[1] = 0; o[1] < g->od[1]; o[1]++)
          for (o[2] = 0; o[2] < g->od[2]; o[2]++) {
            double v = (double)(dlrt_iconv_at(g, tx, tw, x, dlrt_ldi(tx, zx, 0), w, zwm, b, m, o) + bm) * mul;
            double f = floor(v);
            int64_t q = (int64_t)f;
            if (v - f > 0.5 || (v - f == 0.5 && (q & 1))) q++;
            q += z;
            dlrt_sti(to, y, n++, q < lo ? lo : q > hi ? hi : q);
          }
    }
}
/* @end */

/* @fn dlrt_max_pool_g uses dlrt_ld dlrt_st */
/* MaxPool on any element type (values compared as double). ONNX pads are
 * smaller than the window, so no window is empty. */
void dlrt_max_pool_g(const dlrt_win *g, int t, const void *x, void *y) {
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], q, o0, o1, o2, k0, k1, k2, n = 0;
  for (q = 0; q < g->n * g->c; q++)
    for (o0 = 0; o0 < g->od[0]; o0++)
      for (o1 = 0; o1 < g->od[1]; o1++)
        for (o2 = 0; o2 < g->od[2]; o2++) {
          double acc = -HUGE_VAL;
          for (k0 = 0; k0 < g->k[0]; k0++) {
            dlrt_i z0 = o0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
            if (z0 < 0 || z0 >= g->id[0]) continue;
            for (k1 = 0; k1 < g->k[1]; k1++) {
              dlrt_i z1 = o1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
              if (z1 < 0 || z1 >= g->id[1]) continue;
              for (k2 = 0; k2 < g->k[2]; k2++) {
                dlrt_i z2 = o2 * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                double v;
                if (z2 < 0 || z2 >= g->id[2]) continue;
                v = dlrt_ldf(t, x, q * ivol + (z0 * g->id[1] + z1) * g->id[2] + z2);
                if (v > acc) acc = v;
              }
            }
          }
          dlrt_stf(t, y, n++, acc);
        }
}
/* @end */

/* @fn dlrt_where uses dlrt_next dlrt_numel */
void dlrt_where(int r, const dlrt_i *d, const unsigned char *c, const dlrt_i *cs, const void *a,
                const dlrt_i *as, const void *b, const dlrt_i *bs, int es, void *y) {
  dlrt_i idx[DLRT_MAX_VIEW] = {0}, n = dlrt_numel(r, d), o;
  int i;
  for (o = 0; o < n; o++) {
    dlrt_i co = 0, ao = 0, bo = 0;
    for (i = 0; i < r; i++) co += idx[i] * cs[i], ao += idx[i] * as[i], bo += idx[i] * bs[i];
    if (c[co]) memcpy((unsigned char *)y + o * es, (const unsigned char *)a + ao * es, (size_t)es);
    else memcpy((unsigned char *)y + o * es, (const unsigned char *)b + bo * es, (size_t)es);
    dlrt_next(r, d, idx);
  }
}
/* @end */

/* @fn dlrt_binary_g uses dlrt_isflt dlrt_ld dlrt_st dlrt_next dlrt_numel */
static double dlrt_fmod_py(double a, double b) {
  double r = fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

static double dlrt_bin_f(int op, double p, double q) {
  switch (op) {
  case DLRT_ADD: return p + q;
  case DLRT_SUB: return p - q;
  case DLRT_MUL: return p * q;
  case DLRT_DIV: return p / q;
  case DLRT_POW: return pow(p, q);
  case DLRT_MAX: return p != p || q != q ? NAN : p > q ? p : q;
  case DLRT_MIN: return p != p || q != q ? NAN : p < q ? p : q;
  case DLRT_PRELU: return p < 0 ? p * q : p;
  case DLRT_MOD: return dlrt_fmod_py(p, q);
  case DLRT_FMOD: return fmod(p, q);
  case DLRT_EQUAL: return p == q;
  case DLRT_LESS: return p < q;
  case DLRT_LESS_EQUAL: return p <= q;
  case DLRT_GREATER: return p > q;
  case DLRT_GREATER_EQUAL: return p >= q;
  case DLRT_AND: return p != 0 && q != 0;
  case DLRT_OR: return p != 0 || q != 0;
  case DLRT_XOR: return (p != 0) != (q != 0);
  default: return 0;
  }
}

/* Integer arithmetic wraps (through uint64); division by zero gives 0. */
static int64_t dlrt_bin_i(int op, int64_t p, int64_t q) {
  int64_t r;
  switch (op) {
  case DLRT_ADD: return (int64_t)((uint64_t)p + (uint64_t)q);
  case DLRT_SUB: return (int64_t)((uint64_t)p - (uint64_t)q);
  case DLRT_MUL: return (int64_t)((uint64_t)p * (uint64_t)q);
  case DLRT_DIV: return q == 0 || (q == -1 && p == INT64_MIN) ? 0 : p / q;
  case DLRT_POW: return (int64_t)pow((double)p, (double)q);
  case DLRT_MAX: return p > q ? p : q;
  case DLRT_MIN: return p < q ? p : q;
  case DLRT_PRELU: return p < 0 ? p * q : p;
  case DLRT_MOD: case DLRT_FMOD:
    if (q == 0 || q == -1) return 0;
    r = p % q;
    if (op == DLRT_MOD && r != 0 && ((r < 0) != (q < 0))) r += q;
    return r;
  case DLRT_SHL: return q < 0 || q > 63 ? 0 : (int64_t)((uint64_t)p << q);
  case DLRT_SHR: return q < 0 || q > 63 ? 0 : (int64_t)((uint64_t)p >> q);
  case DLRT_BITAND: return p & q;
  case DLRT_BITOR: return p | q;
  case DLRT_BITXOR: return p ^ q;
  case DLRT_EQUAL: return p == q;
  case DLRT_LESS: return p < q;
  case DLRT_LESS_EQUAL: return p <= q;
  case DLRT_GREATER: return p > q;
  case DLRT_GREATER_EQUAL: return p >= q;
  case DLRT_AND: return p && q;
  case DLRT_OR: return p || q;
  case DLRT_XOR: return !p != !q;
  default: return 0;
  }
}

void dlrt_binary_g(int op, int ta, int tb, int to, int r, const dlrt_i *d, const void *a,
                   const dlrt_i *as, const void *b, const dlrt_i *bs, void *y) {
  dlrt_i idx[DLRT_MAX_VIEW] = {0}, n = dlrt_numel(r, d), o;
  int i, fl = dlrt_isflt(ta) || dlrt_isflt(tb);
  for (o = 0; o < n; o++) {
    dlrt_i ao = 0, bo = 0;
    for (i = 0; i < r; i++) ao += idx[i] * as[i], bo += idx[i] * bs[i];
    if (fl) dlrt_stf(to, y, o, dlrt_bin_f(op, dlrt_ldf(ta, a, ao), dlrt_ldf(tb, b, bo)));
    else dlrt_sti(to, y, o, dlrt_bin_i(op, dlrt_ldi(ta, a, ao), dlrt_ldi(tb, b, bo)));
    dlrt_next(r, d, idx);
  }
}
/* @end */

/* @fn dlrt_unary_g uses dlrt_isflt dlrt_ld dlrt_st */
static double dlrt_un_f(int op, double v, double p0, double p1) {
  switch (op) {
  case DLRT_RELU: return v < 0 ? 0 : v;
  case DLRT_LEAKY_RELU: return v < 0 ? p0 * v : v;
  case DLRT_CLIP: return (v = v < p0 ? p0 : v) > p1 ? p1 : v;
  case DLRT_SIGMOID: return 1 / (1 + exp(-v));
  case DLRT_HARD_SIGMOID: return fmax(0, fmin(1, p0 * v + p1));
  case DLRT_HARD_SWISH: return v * fmax(0, fmin(1, v / 6 + 0.5));
  case DLRT_TANH: return tanh(v);
  case DLRT_ERF: return erf(v);
  case DLRT_GELU: return 0.5 * v * (1 + erf(v * 0.70710678118654752));
  case DLRT_GELU_TANH: return 0.5 * v * (1 + tanh(0.79788456080286536 * (v + 0.044715 * v * v * v)));
  case DLRT_ELU: return v < 0 ? p0 * (exp(v) - 1) : v;
  case DLRT_SELU: return v <= 0 ? p1 * (p0 * exp(v) - p0) : p1 * v;
  case DLRT_CELU: return fmax(0, v) + fmin(0, p0 * (exp(v / p0) - 1));
  case DLRT_SOFTPLUS: return log(exp(v) + 1);
  case DLRT_SOFTSIGN: return v / (1 + fabs(v));
  case DLRT_THRESHOLDED_RELU: return v > p0 ? v : 0;
  case DLRT_SQRT: return sqrt(v);
  case DLRT_EXP: return exp(v);
  case DLRT_LOG: return log(v);
  case DLRT_NEG: return -v;
  case DLRT_ABS: return fabs(v);
  case DLRT_RECIPROCAL: return 1 / v;
  case DLRT_FLOOR: return floor(v);
  case DLRT_CEIL: return ceil(v);
  case DLRT_ROUND: return nearbyint(v);
  case DLRT_SIGN: return (v > 0) - (v < 0);
  case DLRT_SIN: return sin(v);
  case DLRT_COS: return cos(v);
  case DLRT_TAN: return tan(v);
  case DLRT_ASIN: return asin(v);
  case DLRT_ACOS: return acos(v);
  case DLRT_ATAN: return atan(v);
  case DLRT_SINH: return sinh(v);
  case DLRT_COSH: return cosh(v);
  case DLRT_ASINH: return asinh(v);
  case DLRT_ACOSH: return acosh(v);
  case DLRT_ATANH: return atanh(v);
  case DLRT_NOT: return v == 0;
  case DLRT_ISNAN: return v != v;
  case DLRT_ISINF: return (p0 != 0 && v == INFINITY) || (p1 != 0 && v == -INFINITY);
  default: return v; /* DLRT_CAST */
  }
}

static int64_t dlrt_un_i(int op, int64_t v, double p0, double p1) {
  switch (op) {
  case DLRT_NEG: return (int64_t)(0 - (uint64_t)v);
  case DLRT_ABS: return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
  case DLRT_SIGN: return (v > 0) - (v < 0);
  case DLRT_NOT: return !v;
  case DLRT_BITNOT: return ~v;
  case DLRT_RELU: return v < 0 ? 0 : v;
  case DLRT_CLIP: return (v = (double)v < p0 ? (int64_t)p0 : v, (double)v > p1 ? (int64_t)p1 : v);
  case DLRT_ISNAN: case DLRT_ISINF: return 0;
  default: return v; /* DLRT_CAST */
  }
}

void dlrt_unary_g(int op, int ti, int to, dlrt_i n, const void *x, void *y, double p0, double p1) {
  dlrt_i i;
  if (dlrt_isflt(ti) || (op == DLRT_CAST && dlrt_isflt(to)))
    for (i = 0; i < n; i++) dlrt_stf(to, y, i, dlrt_un_f(op, dlrt_ldf(ti, x, i), p0, p1));
  else
    for (i = 0; i < n; i++) dlrt_sti(to, y, i, dlrt_un_i(op, dlrt_ldi(ti, x, i), p0, p1));
}
/* @end */

/* @fn dlrt_reduce uses dlrt_isflt dlrt_ld dlrt_st dlrt_next dlrt_numel */
void dlrt_reduce(int op, int ti, int to, int nk, const dlrt_i *kd, const dlrt_i *ks, int nr,
                 const dlrt_i *rd, const dlrt_i *rs, int last, const void *x, void *y) {
  dlrt_i ki[DLRT_MAX_VIEW] = {0}, ri[DLRT_MAX_VIEW], nout = dlrt_numel(nk, kd),
         nred = dlrt_numel(nr, rd), o, j;
  int i, fl = dlrt_isflt(ti) || op == DLRT_R_MEAN || op == DLRT_R_L2 || op == DLRT_R_LOG_SUM ||
              op == DLRT_R_LOG_SUM_EXP;
  int arg = op == DLRT_R_ARGMAX || op == DLRT_R_ARGMIN;
  for (o = 0; o < nout; o++) {
    dlrt_i base = 0, best = 0;
    double f = op == DLRT_R_MAX || op == DLRT_R_ARGMAX ? -INFINITY
               : op == DLRT_R_MIN || op == DLRT_R_ARGMIN ? INFINITY
               : op == DLRT_R_PROD ? 1 : 0;
    int64_t v = op == DLRT_R_MAX || op == DLRT_R_ARGMAX ? INT64_MIN
                : op == DLRT_R_MIN || op == DLRT_R_ARGMIN ? INT64_MAX
                : op == DLRT_R_PROD ? 1 : 0;
    for (i = 0; i < nk; i++) base += ki[i] * ks[i];
    for (i = 0; i < nr; i++) ri[i] = 0;
    for (j = 0; j < nred; j++) {
      dlrt_i off = base;
      for (i = 0; i < nr; i++) off += ri[i] * rs[i];
      if (fl) {
        double e = dlrt_ldf(ti, x, off);
        switch (op) {
        case DLRT_R_MAX: f = e > f || e != e ? e : f; break;
        case DLRT_R_MIN: f = e < f || e != e ? e : f; break;
        case DLRT_R_ARGMAX:
          if (j == 0 || e > f || (last && e == f)) f = e, best = j;
          break;
        case DLRT_R_ARGMIN:
          if (j == 0 || e < f || (last && e == f)) f = e, best = j;
          break;
        case DLRT_R_PROD: f *= e; break;
        case DLRT_R_L1: f += fabs(e); break;
        case DLRT_R_L2: case DLRT_R_SUM_SQUARE: f += e * e; break;
        case DLRT_R_LOG_SUM_EXP: f += exp(e); break;
        default: f += e; break;
        }
      } else {
        int64_t e = dlrt_ldi(ti, x, off);
        switch (op) {
        case DLRT_R_MAX: v = e > v ? e : v; break;
        case DLRT_R_MIN: v = e < v ? e : v; break;
        case DLRT_R_ARGMAX:
          if (j == 0 || e > v || (last && e == v)) v = e, best = j;
          break;
        case DLRT_R_ARGMIN:
          if (j == 0 || e < v || (last && e == v)) v = e, best = j;
          break;
        case DLRT_R_PROD: v = (int64_t)((uint64_t)v * (uint64_t)e); break;
        case DLRT_R_L1: v += e < 0 ? -e : e; break;
        case DLRT_R_SUM_SQUARE: v += e * e; break;
        default: v += e; break;
        }
      }
      dlrt_next(nr, rd, ri);
    }
    if (arg) dlrt_sti(to, y, o, best);
    else if (!fl) dlrt_sti(to, y, o, v);
    else {
      if (op == DLRT_R_MEAN) f /= (double)nred;
      if (op == DLRT_R_L2) f = sqrt(f);
      if (op == DLRT_R_LOG_SUM || op == DLRT_R_LOG_SUM_EXP) f = log(f);
      dlrt_stf(to, y, o, f);
    }
    dlrt_next(nk, kd, ki);
  }
}
/* @end */

/* @fn dlrt_pad uses dlrt_esize dlrt_st dlrt_next dlrt_numel */
void dlrt_pad(int t, int mode, int r, const dlrt_i *id, const dlrt_i *od, const dlrt_i *pb,
              double value, const void *x, void *y) {
  dlrt_i idx[DLRT_MAX_VIEW] = {0}, st[DLRT_MAX_VIEW], n = dlrt_numel(r, od), o, acc = 1;
  int i, es = dlrt_esize(t);
  for (i = r - 1; i >= 0; i--) st[i] = acc, acc *= id[i];
  for (o = 0; o < n; o++) {
    dlrt_i src = 0;
    int outside = 0;
    for (i = 0; i < r && !outside; i++) {
      dlrt_i c = idx[i] - pb[i], dim = id[i];
      if (c < 0 || c >= dim) {
        if (mode == DLRT_PAD_CONSTANT || dim == 0) outside = 1;
        else if (mode == DLRT_PAD_EDGE) c = c < 0 ? 0 : dim - 1;
        else if (mode == DLRT_PAD_WRAP) c = ((c % dim) + dim) % dim;
        else if (dim == 1) c = 0;
        else {
          dlrt_i period = 2 * (dim - 1);
          c = ((c % period) + period) % period;
          if (c >= dim) c = period - c;
        }
      }
      src += c * st[i];
    }
    if (outside) dlrt_stf(t, y, o, value);
    else memcpy((unsigned char *)y + o * es, (const unsigned char *)x + src * es, (size_t)es);
    dlrt_next(r, od, idx);
  }
}
/* @end */

/* @fn dlrt_cumsum uses dlrt_isflt dlrt_ld dlrt_st */
void dlrt_cumsum(int t, dlrt_i outer, dlrt_i len, dlrt_i inner, int exclusive, int reverse,
                 const void *x, void *y) {
  dlrt_i o, i, k;
  int fl = dlrt_isflt(t);
  for (o = 0; o < outer; o++)
    for (i = 0; i < inner; i++) {
      double f = 0;
      int64_t v = 0;
      for (k = 0; k < len; k++) {
        dlrt_i at = o * len * inner + (reverse ? len - 1 - k : k) * inner + i;
        if (exclusive) {
          if (fl) dlrt_stf(t, y, at, f);
          else dlrt_sti(t, y, at, v);
        }
        if (fl) f += dlrt_ldf(t, x, at);
        else v = (int64_t)((uint64_t)v + (uint64_t)dlrt_ldi(t, x, at));
        if (!exclusive) {
          if (fl) dlrt_stf(t, y, at, f);
          else dlrt_sti(t, y, at, v);
        }
      }
    }
}
/* @end */

/* @fn dlrt_trilu */
void dlrt_trilu(dlrt_i batch, dlrt_i rows, dlrt_i cols, dlrt_i k, int upper, int es,
                const void *x, void *y) {
  dlrt_i b, i, j;
  for (b = 0; b < batch; b++)
    for (i = 0; i < rows; i++)
      for (j = 0; j < cols; j++) {
        dlrt_i at = ((b * rows) + i) * cols + j;
        int keep = upper ? j - i >= k : j - i <= k;
        if (keep) memcpy((unsigned char *)y + at * es, (const unsigned char *)x + at * es, (size_t)es);
        else memset((unsigned char *)y + at * es, 0, (size_t)es);
      }
}
/* @end */

/* @fn dlrt_resize uses dlrt_next dlrt_numel */
void dlrt_resize(int r, const dlrt_i *od, const dlrt_i *nt, const dlrt_i *off, const float *w,
                 const float *x, float *y) {
  dlrt_i oi[DLRT_MAX_VIEW] = {0}, ti[DLRT_MAX_VIEW], base[DLRT_MAX_VIEW], n = dlrt_numel(r, od),
         o, acc = 0;
  int i;
  for (i = 0; i < r; i++) base[i] = acc, acc += od[i] * nt[i];
  for (o = 0; o < n; o++) {
    double sum = 0;
    for (i = 0; i < r; i++) ti[i] = 0;
    do {
      double wt = 1;
      dlrt_i src = 0;
      for (i = 0; i < r; i++) {
        dlrt_i e = base[i] + oi[i] * nt[i] + ti[i];
        wt *= w[e];
        src += off[e];
      }
      if (wt != 0) sum += wt * x[src];
    } while (dlrt_next(r, nt, ti));
    y[o] = (float)sum;
    dlrt_next(r, od, oi);
  }
}
/* @end */

/* @fn dlrt_nll_loss uses dlrt_ld */
int dlrt_nll_loss(dlrt_i n, dlrt_i c, dlrt_i d, const float *x, int tt, const void *target,
                  const float *weight, int has_ignore, dlrt_i ignore, int reduction, float *y) {
  double sum = 0, wsum = 0;
  dlrt_i i, j;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++) {
      int64_t t = dlrt_ldi(tt, target, i * d + j);
      double w, l;
      if (has_ignore && t == ignore) w = 0, l = 0;
      else {
        if (t < 0 || t >= c) return 1;
        w = weight ? weight[t] : 1;
        l = -(double)x[(i * c + t) * d + j] * w;
      }
      if (reduction == 0) y[i * d + j] = (float)l;
      sum += l, wsum += w;
    }
  if (reduction == 1) y[0] = (float)sum;
  if (reduction == 2) y[0] = (float)(sum / wsum);
  return 0;
}
/* @end */

/* @fn dlrt_combine uses dlrt_ld dlrt_st */
/* y[dst] = y[dst] (reduction) u[src] for ScatterElements / ScatterND:
 * 0 none (replace), 1 add, 2 mul, 3 max, 4 min; float types through double,
 * integer types through int64 (wrapping like the element type). */
static void dlrt_combine(int t, int es, int red, void *y, dlrt_i dst, const void *u, dlrt_i src) {
  if (red == 0) {
    memcpy((unsigned char *)y + dst * es, (const unsigned char *)u + src * es, (size_t)es);
  } else if (t == DLRT_T_F32 || t == DLRT_T_F64 || t == DLRT_T_F16 || t == DLRT_T_BF16) {
    double a = dlrt_ldf(t, y, dst), b = dlrt_ldf(t, u, src);
    dlrt_stf(t, y, dst,
             red == 1   ? a + b
             : red == 2 ? a * b
             : red == 3 ? (a > b ? a : b)
                        : (a < b ? a : b));
  } else {
    int64_t a = dlrt_ldi(t, y, dst), b = dlrt_ldi(t, u, src);
    int64_t s = (int64_t)((uint64_t)a + (uint64_t)b), p = (int64_t)((uint64_t)a * (uint64_t)b);
    dlrt_sti(t, y, dst, red == 1 ? s : red == 2 ? p : red == 3 ? (a > b ? a : b) : (a < b ? a : b));
  }
}
/* @end */

/* @fn dlrt_scatter_elements uses dlrt_ld dlrt_next dlrt_numel dlrt_combine */
int dlrt_scatter_elements(int r, const dlrt_i *d, const dlrt_i *xs, int axis, dlrt_i axlen, int t,
                          int es, int red, dlrt_i nx, int it, const void *idx, const void *upd,
                          const void *x, void *y) {
  dlrt_i id[DLRT_MAX_VIEW] = {0}, n = dlrt_numel(r, d), o;
  int i;
  memcpy(y, x, (size_t)(nx * es));
  for (o = 0; o < n; o++) {
    dlrt_i dst = 0;
    int64_t g = dlrt_ldi(it, idx, o);
    if (g < 0) g += axlen;
    if (g < 0 || g >= axlen) return 1;
    for (i = 0; i < r; i++) dst += (i == axis ? g : id[i]) * xs[i];
    dlrt_combine(t, es, red, y, dst, upd, o);
    dlrt_next(r, d, id);
  }
  return 0;
}
/* @end */

/* @fn dlrt_scatter_nd uses dlrt_ld dlrt_combine */
int dlrt_scatter_nd(int t, int es, int red, dlrt_i n, int k, const dlrt_i *d, dlrt_i slice,
                    dlrt_i nx, int it, const void *idx, const void *upd, const void *x, void *y) {
  dlrt_i m, j, s;
  int i;
  memcpy(y, x, (size_t)(nx * es));
  for (m = 0; m < n; m++) {
    dlrt_i dst = 0;
    for (i = 0; i < k; i++) {
      int64_t g = dlrt_ldi(it, idx, m * k + i);
      if (g < 0) g += d[i];
      if (g < 0 || g >= d[i]) return 1;
      dst = dst * d[i] + g;
    }
    for (j = 0, s = dst * slice; j < slice; j++)
      dlrt_combine(t, es, red, y, s + j, upd, m * slice + j);
  }
  return 0;
}
/* @end */

/* @fn dlrt_gather_nd uses dlrt_ld */
int dlrt_gather_nd(dlrt_i batches, dlrt_i n, int k, const dlrt_i *d, dlrt_i slice, dlrt_i bstride,
                   int es, int it, const void *idx, const void *x, void *y) {
  unsigned char *dst = (unsigned char *)y;
  dlrt_i b, m;
  int i;
  for (b = 0; b < batches; b++)
    for (m = 0; m < n; m++) {
      dlrt_i src = 0;
      for (i = 0; i < k; i++) {
        int64_t g = dlrt_ldi(it, idx, (b * n + m) * k + i);
        if (g < 0) g += d[i];
        if (g < 0 || g >= d[i]) return 1;
        src = src * d[i] + g;
      }
      memcpy(dst, (const unsigned char *)x + (b * bstride + src * slice) * es,
             (size_t)(slice * es));
      dst += slice * es;
    }
  return 0;
}
/* @end */

/* @fn dlrt_top_k uses dlrt_ld */
/* Whether element i of x ranks before element j (ties: the lower index). */
static int dlrt_ranks_before(int t, const void *x, dlrt_i i, dlrt_i j, int largest) {
  int fl = t == DLRT_T_F32 || t == DLRT_T_F64 || t == DLRT_T_F16 || t == DLRT_T_BF16;
  double a = fl ? dlrt_ldf(t, x, i) : 0, b = fl ? dlrt_ldf(t, x, j) : 0;
  int64_t p = fl ? 0 : dlrt_ldi(t, x, i), q = fl ? 0 : dlrt_ldi(t, x, j);
  int gt = fl ? a > b : p > q, lt = fl ? a < b : p < q;
  if (largest ? gt : lt) return 1;
  return !(largest ? lt : gt) && i < j && !(fl && (a != a || b != b));
}

void dlrt_top_k(int t, dlrt_i outer, dlrt_i len, dlrt_i inner, dlrt_i k, int largest, const void *x,
                void *yv) {
  int64_t *y = (int64_t *)yv;
  dlrt_i o, in, j, n, p;
  for (o = 0; o < outer; o++)
    for (in = 0; in < inner; in++) {
      int64_t *row = y + o * k * inner + in;
      dlrt_i base = o * len * inner + in;
      for (j = 0, n = 0; j < len && k > 0; j++) { /* insertion into the kept k, best first */
        if (n == k && !dlrt_ranks_before(t, x, base + j * inner,
                                         base + row[(k - 1) * inner] * inner, largest))
          continue;
        p = n < k ? n++ : k - 1;
        for (; p > 0 && dlrt_ranks_before(t, x, base + j * inner,
                                          base + row[(p - 1) * inner] * inner, largest);
             p--)
          row[p * inner] = row[(p - 1) * inner];
        row[p * inner] = j;
      }
    }
}
/* @end */

/* @fn dlrt_reverse_sequence uses dlrt_ld dlrt_next dlrt_numel */
/* Reverses the first lens[b] steps along time axis ta of every batch entry b
 * (axis ba); the rest is copied. Nonzero on a length out of [0, T]. */
int dlrt_reverse_sequence(int r, const dlrt_i *d, int ba, int ta, int es, int lt, const void *lens,
                          const void *x, void *y) {
  dlrt_i id[DLRT_MAX_VIEW] = {0}, st[DLRT_MAX_VIEW], n = dlrt_numel(r, d), o, acc = 1;
  int i;
  for (i = r - 1; i >= 0; i--) st[i] = acc, acc *= d[i];
  for (o = 0; o < d[ba]; o++) {
    int64_t l = dlrt_ldi(lt, lens, o);
    if (l < 0 || l > d[ta]) return 1;
  }
  for (o = 0; o < n; o++) {
    int64_t l = dlrt_ldi(lt, lens, id[ba]);
    dlrt_i tt = id[ta] < l ? l - 1 - id[ta] : id[ta];
    dlrt_i src = o + (tt - id[ta]) * st[ta];
    memcpy((unsigned char *)y + o * es, (const unsigned char *)x + src * es, (size_t)es);
    dlrt_next(r, d, id);
  }
  return 0;
}
/* @end */

/* @fn dlrt_grid_sample */
static double dlrt_gs_reflect(double x, double lo, double hi) {
  double rng = hi - lo, dx, r;
  int64_t n;
  if (x >= lo && x <= hi) return x;
  if (rng <= 0) return lo;
  dx = x < lo ? lo - x : x - hi;
  n = (int64_t)(dx / rng);
  r = dx - (double)n * rng;
  if (x < lo) return n % 2 == 0 ? lo + r : hi - r;
  return n % 2 == 0 ? hi - r : lo + r;
}

/* Pixel (r, c) of an h x w image under padding mode pad (0 zeros, 1 border,
 * 2 reflection about the bounds b = {x_lo, y_lo, x_hi, y_hi}). */
static double dlrt_gs_pixel(const float *img, dlrt_i h, dlrt_i w, dlrt_i r, dlrt_i c, int pad,
                            const double *b) {
  if (pad == 0) return r >= 0 && r < h && c >= 0 && c < w ? img[r * w + c] : 0;
  if (pad == 1) {
    c = c < 0 ? 0 : c >= w ? w - 1 : c;
    r = r < 0 ? 0 : r >= h ? h - 1 : r;
  } else {
    c = (dlrt_i)dlrt_gs_reflect((double)c, b[0], b[2]);
    r = (dlrt_i)dlrt_gs_reflect((double)r, b[1], b[3]);
  }
  return img[r * w + c];
}

static void dlrt_gs_cubic(double x, double *cf) {
  const double a = -0.75;
  cf[0] = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
  cf[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
  cf[2] = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
  cf[3] = ((a * (2 - x) - 5 * a) * (2 - x) + 8 * a) * (2 - x) - 4 * a;
}

/* GridSample of x [N, C, H, W] at grid [N, Ho, Wo, 2] (x, y in [-1, 1]):
 * g = {N, C, H, W, Ho, Wo}; mode 0 linear, 1 nearest (half to even), 2 cubic
 * (a = -0.75); pad 0 zeros, 1 border, 2 reflection; as ONNX's reference. */
void dlrt_grid_sample(const dlrt_i *g, int mode, int pad, int align, const float *x,
                      const float *grid, float *y) {
  dlrt_i N = g[0], C = g[1], H = g[2], W = g[3], P = g[4] * g[5], n, c, p;
  double b[4];
  b[0] = align ? 0 : -0.5, b[1] = align ? 0 : -0.5;
  b[2] = align ? (double)W - 1 : (double)W - 0.5, b[3] = align ? (double)H - 1 : (double)H - 0.5;
  for (n = 0; n < N; n++)
    for (p = 0; p < P; p++) {
      double gx = grid[(n * P + p) * 2], gy = grid[(n * P + p) * 2 + 1];
      double fx = align ? (gx + 1) / 2 * (double)(W - 1) : ((gx + 1) * (double)W - 1) / 2;
      double fy = align ? (gy + 1) / 2 * (double)(H - 1) : ((gy + 1) * (double)H - 1) / 2;
      if (mode == 1) fx = nearbyint(fx), fy = nearbyint(fy);
      if (pad == 1) {
        fx = fx < 0 ? 0 : fx > (double)(W - 1) ? (double)(W - 1) : fx;
        fy = fy < 0 ? 0 : fy > (double)(H - 1) ? (double)(H - 1) : fy;
      } else if (pad == 2) {
        fx = dlrt_gs_reflect(fx, b[0], b[2]), fy = dlrt_gs_reflect(fy, b[1], b[3]);
      }
      for (c = 0; c < C; c++) {
        const float *img = x + (n * C + c) * H * W;
        double v = 0;
        if (mode == 1) {
          v = dlrt_gs_pixel(img, H, W, (dlrt_i)fy, (dlrt_i)fx, pad, b);
        } else if (mode == 0) {
          dlrt_i x1 = (dlrt_i)floor(fx), y1 = (dlrt_i)floor(fy);
          double dx1 = fx - (double)x1, dy1 = fy - (double)y1, dx2 = 1 - dx1, dy2 = 1 - dy1;
          v = dy2 * (dx2 * dlrt_gs_pixel(img, H, W, y1, x1, pad, b) +
                     dx1 * dlrt_gs_pixel(img, H, W, y1, x1 + 1, pad, b)) +
              dy1 * (dx2 * dlrt_gs_pixel(img, H, W, y1 + 1, x1, pad, b) +
                     dx1 * dlrt_gs_pixel(img, H, W, y1 + 1, x1 + 1, pad, b));
        } else {
          dlrt_i x0 = (dlrt_i)floor(fx) - 1, y0 = (dlrt_i)floor(fy) - 1;
          double cx[4], cy[4];
          int i, j;
          dlrt_gs_cubic(fx - (double)x0 - 1, cx);
          dlrt_gs_cubic(fy - (double)y0 - 1, cy);
          for (i = 0; i < 4; i++) {
            double row = 0;
            for (j = 0; j < 4; j++) row += cx[j] * dlrt_gs_pixel(img, H, W, y0 + i, x0 + j, pad, b);
            v += cy[i] * row;
          }
        }
        y[(n * C + c) * P + p] = (float)v;
      }
    }
}
/* @end */

/* @fn dlrt_tfidf uses dlrt_ld */
/* Pool position of the n-gram x[at], x[at + step], ... (n items) among the
 * pool's n-grams (group n - 1 of counts), counted over all groups; -1 if absent. */
static dlrt_i dlrt_tfidf_find(int it, const void *x, dlrt_i at, dlrt_i step, int n,
                              const int64_t *pool, dlrt_i npool, const int64_t *counts,
                              dlrt_i ncounts) {
  dlrt_i before = 0, lo, hi, p, q;
  int g;
  if (n > ncounts) return -1;
  for (g = 0; g < n - 1; g++)
    before += ((g + 1 < ncounts ? counts[g + 1] : npool) - counts[g]) / (g + 1);
  lo = counts[n - 1], hi = n < ncounts ? counts[n] : npool;
  for (p = lo; p + n <= hi; p += n) {
    for (q = 0; q < n && pool[p + q] == dlrt_ldi(it, x, at + q * step); q++) {
    }
    if (q == n) return before + (p - lo) / n;
  }
  return -1;
}

/* TfIdfVectorizer over rows x [rows, len] of type it into y [rows, width]:
 * n-grams of lo..hi items, items skip + 1 apart for skip in 0..max_skip
 * (1-grams counted once), looked up in the pool (groups at counts), counted at
 * column indexes[position]; mode 0 TF (counts), 1 IDF (w if counted),
 * 2 TFIDF (count * w), w indexed by column. Nonzero on a column out of range. */
int dlrt_tfidf(int it, dlrt_i rows, dlrt_i len, dlrt_i width, int lo, int hi, dlrt_i max_skip,
               int mode, const void *pool, dlrt_i npool, const void *counts, dlrt_i ncounts,
               const void *indexes, const void *w, dlrt_i nw, const void *x, void *yv) {
  const int64_t *pl = (const int64_t *)pool, *cn = (const int64_t *)counts,
                *ix = (const int64_t *)indexes;
  const float *wt = (const float *)w;
  float *y = (float *)yv;
  dlrt_i r, s, i, col;
  int n;
  for (r = 0; r < rows * width; r++) y[r] = 0;
  for (r = 0; r < rows; r++)
    for (s = 0; s <= max_skip; s++)
      for (i = 0; i < len; i++)
        for (n = s > 0 && lo == 1 ? 2 : lo; n <= hi && i + (n - 1) * (s + 1) < len; n++) {
          dlrt_i k = dlrt_tfidf_find(it, x, r * len + i, s + 1, n, pl, npool, cn, ncounts);
          if (k < 0) continue;
          col = ix[k];
          if (col < 0 || col >= width) return 1;
          y[r * width + col] += 1;
        }
  for (r = 0; r < rows * width; r++) {
    col = r % width;
    float f = col < nw ? wt[col] : 1;
    if (mode == 1) y[r] = y[r] > 0 ? f : 0;
    if (mode == 2) y[r] *= f;
  }
  return 0;
}
/* @end */

/* @fn dlrt_det */
/* Determinants of `batches` n x n matrices: Gaussian elimination with partial
 * pivoting in the scratch (n * n floats). */
void dlrt_det(dlrt_i batches, dlrt_i n, const float *x, float *y, float *a) {
  dlrt_i b, i, j, k;
  for (b = 0; b < batches; b++) {
    float det = 1;
    memcpy(a, x + b * n * n, sizeof(float) * (size_t)(n * n));
    for (k = 0; k < n && det != 0; k++) {
      dlrt_i piv = k;
      for (i = k + 1; i < n; i++)
        if (fabsf(a[i * n + k]) > fabsf(a[piv * n + k])) piv = i;
      if (a[piv * n + k] == 0) {
        det = 0;
        break;
      }
      if (piv != k) {
        for (j = 0; j < n; j++) {
          float t = a[k * n + j];
          a[k * n + j] = a[piv * n + j], a[piv * n + j] = t;
        }
        det = -det;
      }
      det *= a[k * n + k];
      for (i = k + 1; i < n; i++) {
        float f = a[i * n + k] / a[k * n + k];
        for (j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
      }
    }
    y[b] = det;
  }
}
/* @end */
