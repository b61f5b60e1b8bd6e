/* qrt kernels. Each function sits between "@fn NAME [uses DEPS]" and "@end"
 * markers (see dlrt.c); keep every section plain C99 without libm. */
#include "dlc/qrt.h"

#include <math.h>
#include <string.h>

/* @fn qrt_simd */
/* Which bodies of the hot integer kernels (qrt_out_row, qrt_tile8, qrt_dwrow)
 * this build has. A build with AVX-512 F, BW and VNNI (e.g. -march=native
 * here) has the AVX-512 bodies only (QRT_WZ); an x86-64 build by gcc or clang
 * without them (-O2 alone, and dlc itself) has those, compiled for AVX-512
 * through a target attribute, and the SSE2 ones (QRT_WX), and picks at run time
 * (__builtin_cpu_supports); -DDLC_QRT_NO512 keeps such a build on SSE2,
 * -DDLC_QRT_PORTABLE (or another machine) uses portable C. Every body gives the
 * same bits: the sums are exact in int32 and the output stage is the
 * definition's rounding. */
#if !defined(DLC_QRT_PORTABLE) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define QRT_WZ 1
#define QRT_TZ
#elif !defined(DLC_QRT_PORTABLE) && defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__) && \
    !defined(DLC_QRT_NO512)
#define QRT_WZ 1
#define QRT_WX 1
#define QRT_TZ __attribute__((target("avx512f,avx512bw,avx512vnni")))
#elif !defined(DLC_QRT_PORTABLE) && defined(__SSE2__)
#define QRT_WX 1
#endif
#if defined(QRT_WZ) || defined(QRT_WX)
#include <immintrin.h>
#endif
#if defined(QRT_WZ) && defined(QRT_WX)
#define QRT_USE_Z()                                                                                      \
  (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
#endif
/* a call to the AVX-512 (z), SSE2 (x) or portable (c) body, whichever this build has and this processor runs */
#if defined(QRT_WZ) && defined(QRT_WX)
#define QRT_PICK(z, x, c) (QRT_USE_Z() ? (z) : (x))
#elif defined(QRT_WZ)
#define QRT_PICK(z, x, c) (z)
#elif defined(QRT_WX)
#define QRT_PICK(z, x, c) (x)
#else
#define QRT_PICK(z, x, c) (c)
#endif
/* @end */

/* @fn qrt_ld */
int64_t qrt_ld(const void *p, int es, dlrt_i i) {
  return es == 1 ? ((const int8_t *)p)[i] : es == 2 ? ((const int16_t *)p)[i] : ((const int32_t *)p)[i];
}
/* @end */

/* @fn qrt_st */
void qrt_st(void *p, int es, dlrt_i i, int64_t v) {
  if (es == 1) ((int8_t *)p)[i] = (int8_t)v;
  else if (es == 2) ((int16_t *)p)[i] = (int16_t)v;
  else ((int32_t *)p)[i] = (int32_t)v;
}
/* @end */

/* @fn qrt_requant */
/* rshift_round(acc * m0, shift): floor((v + 2^(shift-1)) / 2^shift), exact for negative v too. */
int64_t qrt_requant(int64_t acc, qrt_mult m) {
  int64_t v = acc * m.m0;
  if (m.shift <= 0) return v;
  v += (int64_t)1 << (m.shift - 1);
  return v >= 0 ? v >> m.shift : ~((~v) >> m.shift);
}
/* Whether 0 <= m0 < 2^31: the multiplier the vector output stages take (an int32 lane times it,
 * signed or unsigned, is then exact in 64 bits). */
static inline int qrt_m0_31(qrt_mult m) { return m.m0 >= 0 && m.m0 < ((int64_t)1 << 31); }
/* @end */

/* @fn qrt_wget */
int32_t qrt_wget(qrt_wts w, dlrt_i i) {
  if (w.bits == 8) return ((const int8_t *)w.data)[i];
  if (w.bits == 16) return ((const int16_t *)w.data)[i];
  if (w.bits == 32) return ((const int32_t *)w.data)[i];
  {
    const unsigned char *p = (const unsigned char *)w.data + ((i * w.bits) >> 3);
    uint32_t v = ((uint32_t)p[0] | (uint32_t)p[1] << 8) >> ((i * w.bits) & 7), sign = (uint32_t)1 << (w.bits - 1);
    v &= (sign << 1) - 1;
    return w.cb ? w.cb[(i / w.cbdiv % w.cbn << w.bits) + (dlrt_i)v] : (int32_t)(v ^ sign) - (int32_t)sign;
  }
}
/* @end */

/* @fn qrt_out_store uses qrt_st qrt_requant */
static void qrt_out_store(void *y, dlrt_i i, int64_t acc, qrt_mult m, qrt_out o) {
  int64_t v = o.zp + qrt_requant(acc, m);
  v = v > o.lo ? v : o.lo; /* two steps: compilers make both branch-free (half of a relu's outputs clamp) */
  qrt_st(y, o.es, i, v < o.hi ? v : o.hi);
}
/* @end */

/* @fn qrt_quantize uses qrt_simd qrt_st */
/* y[i] = clamp(zp + nearbyint(x[i] / scale)), NaN as 0. Into bytes (the common
 * case) without a call per element: |x / scale| is first limited to 2^22, past
 * any byte's range, where adding and subtracting 1.5 * 2^23 rounds half to even
 * exactly as nearbyintf does in the default rounding mode; the loop is plain
 * arithmetic that compilers vectorize. Other widths keep the general loop. */
#include <float.h>
#ifdef QRT_WZ
/* The byte path below, 16 values per step with AVX-512 (the same float operations, then VPMOVDB);
 * returns how many it did. */
static QRT_TZ dlrt_i qrt_quant8_z(dlrt_i n, const float *x, float scale, int32_t zp, int32_t lo, int32_t hi,
                                  int8_t *q) {
  const __m512 vs = _mm512_set1_ps(scale), big = _mm512_set1_ps(4194304.0f), nbig = _mm512_set1_ps(-4194304.0f);
  const __m512 magic = _mm512_set1_ps(12582912.0f);
  const __m512i vz = _mm512_set1_epi32(zp), vlo = _mm512_set1_epi32(lo), vhi = _mm512_set1_epi32(hi);
  dlrt_i i;
  for (i = 0; i + 16 <= n; i += 16) {
    __m512 r = _mm512_div_ps(_mm512_loadu_ps(x + i), vs);
    __m512i v;
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(r, r, _CMP_UNORD_Q), _mm512_setzero_ps()); /* NaN as 0 */
    r = _mm512_max_ps(_mm512_min_ps(r, big), nbig);
    r = _mm512_sub_ps(_mm512_add_ps(r, magic), magic);
    v = _mm512_add_epi32(_mm512_cvttps_epi32(r), vz);
    v = _mm512_min_epi32(_mm512_max_epi32(v, vlo), vhi);
    _mm_storeu_si128((__m128i *)(void *)(q + i), _mm512_cvtepi32_epi8(v));
  }
  return i;
}
#endif
void qrt_quantize(dlrt_i n, const float *x, float scale, qrt_out o, void *y) {
  dlrt_i i;
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0 /* float arithmetic rounds to float (not x87's extended) */
  if (o.es == 1 && o.lo >= -128 && o.hi <= 127 && o.zp >= -1024 && o.zp <= 1024) {
    int8_t *q = (int8_t *)y;
    const float big = 4194304.0f, magic = 12582912.0f;
    int32_t zp = (int32_t)o.zp, lo = (int32_t)o.lo, hi = (int32_t)o.hi;
    dlrt_i done = QRT_PICK(qrt_quant8_z(n, x, scale, zp, lo, hi, q), 0, 0);
    /* the rest from x + done on, counted from 0 (written as `for (; i < n; i++)` after the call,
     * gcc -O3 sees iterations it believes overflow and warns) */
    x += done, q += done, n -= done;
    for (i = 0; i < n; i++) {
      float r = x[i] / scale;
      int32_t v;
      r = r == r ? r : 0.0f;
      r = r > big ? big : r;
      r = r < -big ? -big : r;
      r = (r + magic) - magic;
      v = (int32_t)r + zp;
      v = v > lo ? v : lo;
      q[i] = (int8_t)(v < hi ? v : hi);
    }
    return;
  }
#endif
  for (i = 0; i < n; i++) {
    float r = nearbyintf(x[i] / scale);
    int64_t v;
    if (r != r) r = 0.0f;
    if (r > 1e15f) r = 1e15f;
    if (r < -1e15f) r = -1e15f;
    v = (int64_t)r + o.zp;
    v = v > o.lo ? v : o.lo; /* as in qrt_out_store */
    qrt_st(y, o.es, i, v < o.hi ? v : o.hi);
  }
}
/* @end */
/* @fn qrt_dequantize uses qrt_ld */
void qrt_dequantize(dlrt_i n, const void *x, int es, int64_t zp, float scale, float *y) {
  dlrt_i i;
  if (es == 1 && zp >= -1024 && zp <= 1024) { /* bytes: a loop compilers vectorize; the same float operations */
    const int8_t *b = (const int8_t *)x;
    int32_t z = (int32_t)zp;
    for (i = 0; i < n; i++) y[i] = (float)(b[i] - z) * scale;
    return;
  }
  for (i = 0; i < n; i++) y[i] = (float)(qrt_ld(x, es, i) - zp) * scale;
}
/* @end */

/* @fn qrt_igemm uses qrt_wget */
/* acc[M,N] = A[M,K] * B[K,N] exactly (int64 sums): A is weights from element a0 with row stride lda. */
static void qrt_igemm(dlrt_i M, dlrt_i N, dlrt_i K, qrt_wts A, dlrt_i a0, dlrt_i lda, const int32_t *B, dlrt_i ldb,
                      int64_t *acc) {
  dlrt_i i, j, k;
  for (i = 0; i < M; i++) {
    int64_t *c = acc + i * N;
    for (j = 0; j < N; j++) c[j] = 0;
    for (k = 0; k < K; k++) {
      const int64_t a = qrt_wget(A, a0 + i * lda + k);
      const int32_t *b = B + k * ldb;
      if (a == 0) continue;
      for (j = 0; j < N; j++) c[j] += a * b[j];
    }
  }
}
/* @end */

/* @fn qrt_fast16 */
/* Whether the int16 x int16 -> int32 path is exact: the proven accumulator
 * fits int32, activations are int8 with x - zx in int16, weights <= 16 bits. */
static int qrt_fast16(int acc_bits, int xes, int64_t zx, int wbits) {
  return acc_bits <= 32 && xes == 1 && zx >= -32640 && zx <= 32640 && wbits <= 16;
}
/* @end */

/* @fn qrt_dot2x2 */
/* s += {a0.b0, a0.b1, a1.b0, a1.b1} over n int16 elements, n a multiple of 16;
 * the caller guarantees that the sums fit int32. A trip count that visibly is
 * a multiple of 16, and restrict, let gcc vectorize the loop at -O2 too (its
 * "very cheap" cost model takes no loop that needs an epilogue): pmaddwd on x86. */
static void qrt_dot2x2(const int16_t *restrict a0, const int16_t *restrict a1, const int16_t *restrict b0,
                       const int16_t *restrict b1, dlrt_i n, int32_t *restrict s) {
  int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
  dlrt_i k, n16 = n >> 4 << 4;
  for (k = 0; k < n16; k++) {
    s00 += a0[k] * b0[k];
    s01 += a0[k] * b1[k];
    s10 += a1[k] * b0[k];
    s11 += a1[k] * b1[k];
  }
  s[0] += s00, s[1] += s01, s[2] += s10, s[3] += s11;
}
/* @end */

/* @fn qrt_wunpack uses qrt_wget */
/* dst[t * n + i] = w[start + i * stride + t] for i < n, t < nt (weights of at
 * most 16 bits), then zeros up to element np. */
static void qrt_wunpack(qrt_wts w, dlrt_i start, dlrt_i n, dlrt_i stride, dlrt_i nt, dlrt_i np, int16_t *dst) {
  const int8_t *p = (const int8_t *)w.data + start;
  dlrt_i i, t;
  if (w.bits == 8 && nt == 1) {
    for (i = 0; i < n; i++) dst[i] = p[i * stride];
  } else if (w.bits == 8) {
    for (i = 0; i < n; i++)
      for (t = 0; t < nt; t++) dst[t * n + i] = p[i * stride + t];
  } else if (w.bits < 8) { /* a bit stream: each run of nt weights is decoded in sequence */
    uint32_t mask = (1u << w.bits) - 1, sign = 1u << (w.bits - 1);
    for (i = 0; i < n; i++) {
      dlrt_i bit = (start + i * stride) * w.bits;
      const unsigned char *q = (const unsigned char *)w.data + (bit >> 3);
      uint32_t buf = (uint32_t)*q++ >> (bit & 7);
      int have = 8 - (int)(bit & 7);
      for (t = 0; t < nt; t++) {
        uint32_t v;
        if (have < w.bits) buf |= (uint32_t)*q++ << have, have += 8;
        v = buf & mask, buf >>= w.bits, have -= w.bits;
        dst[t * n + i] = (int16_t)(w.cb ? w.cb[((start + i * stride + t) / w.cbdiv % w.cbn << w.bits) + (dlrt_i)v]
                                        : (int32_t)(v ^ sign) - (int32_t)sign);
      }
    }
  } else {
    for (i = 0; i < n; i++)
      for (t = 0; t < nt; t++) dst[t * n + i] = (int16_t)qrt_wget(w, start + i * stride + t);
  }
  for (i = n * nt; i < np; i++) dst[i] = 0;
}
/* @end */

/* @fn qrt_wcopy */
/* dst[i] = p[i] for i < n (a multiple of 16), then zeros up to element np: a
 * trip count that visibly is a multiple of 16 lets gcc vectorize it at -O2. */
static void qrt_wcopy(const int8_t *restrict p, dlrt_i n, dlrt_i np, int16_t *restrict dst) {
  dlrt_i i, n16 = n >> 4 << 4;
  for (i = 0; i < n16; i++) dst[i] = p[i];
  for (i = n16; i < np; i++) dst[i] = 0;
}
/* @end */


/* @fn qrt_out_row uses qrt_simd qrt_st qrt_requant */
/* The output stage of one channel: y[y0 + i] = clamp(zp + requant(acc[i] + bias)) for i < n,
 * where each acc[i] + bias fits int32 (the callers' acc_bits <= 32 proves it). With
 * AVX-512 8 lanes of int64 per step (VPMULDQ, an arithmetic shift, 64-bit clamps,
 * a narrowing store); with SSE2, 4 lanes into 8- or 16-bit outputs: PMULUDQ plus a
 * sign correction, the floor shift done logically on v + 2^63, and q - 2^(63-n) + zp
 * in 32-bit lanes, exact when it fits int32: always for shifts of 32..62, else when
 * the row's largest |acc + bias| says so (qrt_row_fits); everything else as the
 * plain loop. Same bits either way. */
#ifdef QRT_WZ
/* One channel's output stage in AVX-512 registers (qrt_rq_z_init; needs 0 <= m0 < 2^31): acc + bias in
 * int32 lanes; the even lanes' and the odd lanes' products in int64 (VPMULDQ), rounded, shifted and
 * clamped to [lo - zp, hi - zp], so they fit int32 again; the odd ones shifted back up, the two blended,
 * zp added in int32 (wrapping, exact since the result is in [lo, hi]). qrt_rq_z_put stores 16 lanes
 * whole and a tail (k) masked: masked stores are slow on some processors (AMD Zen 4 and 5). */
typedef struct {
  __m512i b, m, r, z, lo, hi;
  __m128i cnt;
} qrt_rq_z;
static QRT_TZ qrt_rq_z qrt_rq_z_init(int64_t bias, qrt_mult m, qrt_out o) {
  qrt_rq_z c;
  int sh = m.shift > 0 ? m.shift : 0;
  c.b = _mm512_set1_epi32((int32_t)bias), c.m = _mm512_set1_epi64(m.m0);
  c.r = _mm512_set1_epi64(sh ? (int64_t)1 << (sh - 1) : 0), c.z = _mm512_set1_epi32((int32_t)o.zp);
  c.lo = _mm512_set1_epi64(o.lo - o.zp), c.hi = _mm512_set1_epi64(o.hi - o.zp), c.cnt = _mm_cvtsi32_si128(sh);
  return c;
}
static QRT_TZ void qrt_rq_z_put(const qrt_rq_z *c, __m512i a, __mmask16 k, int es, void *y, dlrt_i y0) {
  __m512i e, d;
  a = _mm512_add_epi32(a, c->b);
  e = _mm512_mul_epi32(a, c->m), d = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), c->m);
  e = _mm512_sra_epi64(_mm512_add_epi64(e, c->r), c->cnt), d = _mm512_sra_epi64(_mm512_add_epi64(d, c->r), c->cnt);
  e = _mm512_min_epi64(_mm512_max_epi64(e, c->lo), c->hi), d = _mm512_min_epi64(_mm512_max_epi64(d, c->lo), c->hi);
  a = _mm512_add_epi32(_mm512_mask_blend_epi32(0xAAAA, e, _mm512_slli_epi64(d, 32)), c->z);
  if (es == 1) {
    if (k == 0xFFFF) _mm_storeu_si128((__m128i *)(void *)((int8_t *)y + y0), _mm512_cvtepi32_epi8(a));
    else _mm512_mask_cvtepi32_storeu_epi8((int8_t *)y + y0, k, a);
  } else if (es == 2) {
    if (k == 0xFFFF) _mm256_storeu_si256((__m256i *)(void *)((int16_t *)y + y0), _mm512_cvtepi32_epi16(a));
    else _mm512_mask_cvtepi32_storeu_epi16((int16_t *)y + y0, k, a);
  } else {
    if (k == 0xFFFF) _mm512_storeu_si512((void *)((int32_t *)y + y0), a);
    else _mm512_mask_storeu_epi32((int32_t *)y + y0, k, a);
  }
}
/* One step of a 4 output channels x 64 positions u8 x s8 tile: the 4 vectors of quads at x (16
 * int32 apart) against channel r's int32 weight quad at w + 4 r, into a[4 r .. 4 r + 3]. Written out,
 * not as loops over an array: at -O2 gcc keeps such an array in memory. */
#define QRT_T44_ROW(a, r, w, x0, x1, x2, x3)                                                                \
  do {                                                                                                     \
    int32_t wv_;                                                                                           \
    __m512i b_;                                                                                            \
    memcpy(&wv_, (w) + 4 * (r), 4);                                                                        \
    b_ = _mm512_set1_epi32(wv_);                                                                           \
    a##r##0 = _mm512_dpbusd_epi32(a##r##0, x0, b_), a##r##1 = _mm512_dpbusd_epi32(a##r##1, x1, b_);        \
    a##r##2 = _mm512_dpbusd_epi32(a##r##2, x2, b_), a##r##3 = _mm512_dpbusd_epi32(a##r##3, x3, b_);        \
  } while (0)
/* The tile's 16 accumulators as named variables (a00 .. a33) and as an array a[r][j] for the output
 * stage; QRT_T44_INIT starts row r at the int32 v_r, QRT_T44_ARRAY copies the variables out. */
#define QRT_T44_VARS(a)                                                                                    \
  __m512i a[4][4], a##00, a##01, a##02, a##03, a##10, a##11, a##12, a##13, a##20, a##21, a##22, a##23, a##30, \
      a##31, a##32, a##33
#define QRT_T44_INIT(a, v0, v1, v2, v3)                                                                    \
  (a##00 = a##01 = a##02 = a##03 = _mm512_set1_epi32(v0), a##10 = a##11 = a##12 = a##13 = _mm512_set1_epi32(v1), \
   a##20 = a##21 = a##22 = a##23 = _mm512_set1_epi32(v2), a##30 = a##31 = a##32 = a##33 = _mm512_set1_epi32(v3))
#define QRT_T44_ARRAY(a)                                                                                   \
  (a[0][0] = a##00, a[0][1] = a##01, a[0][2] = a##02, a[0][3] = a##03, a[1][0] = a##10, a[1][1] = a##11,       \
   a[1][2] = a##12, a[1][3] = a##13, a[2][0] = a##20, a[2][1] = a##21, a[2][2] = a##22, a[2][3] = a##23,       \
   a[3][0] = a##30, a[3][1] = a##31, a[3][2] = a##32, a[3][3] = a##33)
#define QRT_T44_STEP(a, w, s)                                                                              \
  do {                                                                                                     \
    const __m512i x0_ = _mm512_loadu_si512((const void *)(s)), x1_ = _mm512_loadu_si512((const void *)((s) + 16)); \
    const __m512i x2_ = _mm512_loadu_si512((const void *)((s) + 32)), x3_ = _mm512_loadu_si512((const void *)((s) + 48)); \
    QRT_T44_ROW(a, 0, w, x0_, x1_, x2_, x3_);                                                              \
    QRT_T44_ROW(a, 1, w, x0_, x1_, x2_, x3_);                                                              \
    QRT_T44_ROW(a, 2, w, x0_, x1_, x2_, x3_);                                                              \
    QRT_T44_ROW(a, 3, w, x0_, x1_, x2_, x3_);                                                              \
  } while (0)
static QRT_TZ void qrt_out_row_z(const int32_t *acc, dlrt_i n, int64_t bias, qrt_mult m, qrt_out o, void *y, dlrt_i y0) {
  dlrt_i i = 0;
  if (qrt_m0_31(m)) {
    qrt_rq_z c = qrt_rq_z_init(bias, m, o);
    for (; i < n; i += 16) {
      __mmask16 k = (__mmask16)(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
      qrt_rq_z_put(&c, _mm512_maskz_loadu_epi32(k, acc + i), k, o.es, y, y0 + i);
    }
    return;
  }
  for (; i < n; i++) {
    int64_t v = o.zp + qrt_requant(acc[i] + bias, m);
    v = v > o.lo ? v : o.lo; /* as in qrt_out_store */
    qrt_st(y, o.es, y0 + i, v < o.hi ? v : o.hi);
  }
}
#endif
#ifdef QRT_WX
/* zp + requant(s) for four int32 s (see qrt_out_row); c = 2^(n-1) + 2^63, d = zp - 2^(63-n) mod 2^32. */
static __m128i qrt_req4(__m128i s, __m128i vm, __m128i mhi, __m128i c, __m128i cnt, __m128i d) {
  __m128i sg = _mm_srai_epi32(s, 31);
  __m128i ev = _mm_mul_epu32(s, vm), od = _mm_mul_epu32(_mm_srli_epi64(s, 32), vm);
  ev = _mm_sub_epi64(ev, _mm_and_si128(_mm_shuffle_epi32(sg, 0xA0), mhi)); /* s < 0: s m0 = (s + 2^32) m0 - m0 2^32 */
  od = _mm_sub_epi64(od, _mm_and_si128(_mm_shuffle_epi32(sg, 0xF5), mhi));
  ev = _mm_srl_epi64(_mm_add_epi64(ev, c), cnt), od = _mm_srl_epi64(_mm_add_epi64(od, c), cnt);
  return _mm_add_epi32(_mm_unpacklo_epi32(_mm_shuffle_epi32(ev, 0x08), _mm_shuffle_epi32(od, 0x08)), d);
}
/* Whether |zp + requant(s)| < 2^31 for every s = acc[i] + bias, i < n (then qrt_req4 is exact):
 * |s| <= u + 1 for u the OR of s ^ (s >> 31) over the row. */
static int qrt_row_fits(const int32_t *acc, dlrt_i n, int64_t bias, qrt_mult m, int64_t zp) {
  const __m128i vb = _mm_set1_epi32((int32_t)bias);
  __m128i a = _mm_setzero_si128();
  uint32_t u[4], all;
  dlrt_i i;
  for (i = 0; i + 4 <= n; i += 4) {
    __m128i s = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(acc + i)), vb);
    a = _mm_or_si128(a, _mm_xor_si128(s, _mm_srai_epi32(s, 31)));
  }
  _mm_storeu_si128((__m128i *)(void *)u, a);
  all = u[0] | u[1] | u[2] | u[3];
  for (; i < n; i++) {
    int32_t v = (int32_t)(acc[i] + bias);
    all |= (uint32_t)(v < 0 ? ~v : v);
  }
  return ((((uint64_t)all + 1) * (uint64_t)m.m0) >> m.shift) + 2 + (uint64_t)(zp < 0 ? -zp : zp) < ((uint64_t)1 << 31);
}
static void qrt_out_row_x(const int32_t *acc, dlrt_i n, int64_t bias, qrt_mult m, qrt_out o, void *y, dlrt_i y0) {
  dlrt_i i = 0;
  if (o.es <= 2 && m.shift >= 1 && m.shift <= 62 && qrt_m0_31(m) && n >= 8 &&
      (m.shift >= 32 || qrt_row_fits(acc, n, bias, m, o.zp))) {
    uint64_t c = ((uint64_t)1 << (m.shift - 1)) + ((uint64_t)1 << 63);
    uint32_t d = (uint32_t)((uint64_t)o.zp - ((uint64_t)1 << (63 - m.shift)));
    const __m128i vb = _mm_set1_epi32((int32_t)bias), vm = _mm_set1_epi32((int32_t)m.m0);
    const __m128i mhi = _mm_set_epi32((int32_t)m.m0, 0, (int32_t)m.m0, 0);
    const __m128i vc = _mm_set1_epi64x((int64_t)(c ^ ((uint64_t)1 << 63)) - INT64_MAX - 1); /* c's bits */
    const __m128i cnt = _mm_cvtsi32_si128(m.shift), vd = _mm_set1_epi32(d <= INT32_MAX ? (int32_t)d : -(int32_t)~d - 1); /* d's bits, without overflow */
    const __m128i lo = _mm_set1_epi16((int16_t)o.lo), hi = _mm_set1_epi16((int16_t)o.hi);
    for (; i + 8 <= n; i += 8) {
      __m128i s0 = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(acc + i)), vb);
      __m128i s1 = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(acc + i + 4)), vb);
      __m128i p = _mm_packs_epi32(qrt_req4(s0, vm, mhi, vc, cnt, vd), qrt_req4(s1, vm, mhi, vc, cnt, vd));
      p = _mm_min_epi16(_mm_max_epi16(p, lo), hi); /* saturating to int16 first changes nothing inside [lo, hi] */
      if (o.es == 1) _mm_storel_epi64((__m128i *)(void *)((int8_t *)y + y0 + i), _mm_packs_epi16(p, p));
      else _mm_storeu_si128((__m128i *)(void *)((int16_t *)y + y0 + i), p);
    }
  }
  for (; i < n; i++) {
    int64_t v = o.zp + qrt_requant(acc[i] + bias, m);
    v = v > o.lo ? v : o.lo; /* as in qrt_out_store */
    v = v < o.hi ? v : o.hi;
    if (o.es == 1) ((int8_t *)y)[y0 + i] = (int8_t)v;
    else qrt_st(y, o.es, y0 + i, v);
  }
}
#endif
#if !defined(QRT_WZ) && !defined(QRT_WX)
static void qrt_out_row_c(const int32_t *acc, dlrt_i n, int64_t bias, qrt_mult m, qrt_out o, void *y, dlrt_i y0) {
  dlrt_i i;
  for (i = 0; i < n; i++) {
    int64_t v = o.zp + qrt_requant(acc[i] + bias, m);
    v = v > o.lo ? v : o.lo; /* as in qrt_out_store */
    v = v < o.hi ? v : o.hi;
    if (o.es == 1) ((int8_t *)y)[y0 + i] = (int8_t)v;
    else qrt_st(y, o.es, y0 + i, v);
  }
}
#endif
static void qrt_out_row(const int32_t *acc, dlrt_i n, int64_t bias, qrt_mult m, qrt_out o, void *y, dlrt_i y0) {
  QRT_PICK(qrt_out_row_z(acc, n, bias, m, o, y, y0), qrt_out_row_x(acc, n, bias, m, o, y, y0), qrt_out_row_c(acc, n, bias, m, o, y, y0));
}
/* @end */

/* @fn qrt_conv16_dims */
/* The int32 path's layout for one group (see qrt_conv16): sets the im2col row
 * length *cp (a multiple of 16) and the zero-padded input dims pd; returns the
 * int16 elements of the padded input copy. */
static dlrt_i qrt_conv16_dims(const dlrt_win *g, dlrt_i *cp, dlrt_i *pd) {
  dlrt_i cg = g->c / g->group, i;
  *cp = (cg * g->k[0] * g->k[1] * g->k[2] + 15) / 16 * 16;
  for (i = 0; i < 3; i++) {
    dlrt_i need = (g->od[i] - 1) * g->stride[i] + (g->k[i] - 1) * g->dil[i] + 1;
    dlrt_i have = g->pad[i] + g->id[i] + (g->pad_end[i] > 0 ? g->pad_end[i] : 0);
    pd[i] = need > have ? need : have;
  }
  return pd[0] * pd[1] * pd[2] * cg;
}
/* @end */

/* @fn qrt_pad_copy */
/* xb (nxb int16, zeroed first) = the cg channels of one group xg, minus zx,
 * at their places in the zero-padded input of dims pd: channel c's element
 * (i0, i1, i2) at c * cs + (padded position) * ps (planar: cs = the padded
 * volume, ps = 1; channels-last: cs = 1, ps = cg). */
static void qrt_pad_copy(const dlrt_win *g, const int8_t *xg, int64_t zx, const dlrt_i *pd, dlrt_i cs, dlrt_i ps,
                         int16_t *xb, dlrt_i nxb) {
  dlrt_i cg = g->c / g->group, plane = pd[1] * pd[2], t, c, i0, i1, i2;
  for (t = 0; t < nxb; t++) xb[t] = 0;
  for (c = 0; c < cg; c++)
    for (i0 = 0; i0 < g->id[0]; i0++)
      for (i1 = 0; i1 < g->id[1]; i1++) {
        const int8_t *src = xg + ((c * g->id[0] + i0) * g->id[1] + i1) * g->id[2];
        int16_t *d = xb + c * cs + ((i0 + g->pad[0]) * plane + (i1 + g->pad[1]) * pd[2] + g->pad[2]) * ps;
        for (i2 = 0; i2 < g->id[2]; i2++) d[i2 * ps] = (int16_t)(src[i2] - zx);
      }
}
/* @end */

/* @fn qrt_conv16 uses qrt_conv16_dims qrt_pad_copy qrt_wunpack qrt_wcopy qrt_dot2x2 qrt_out_row */
/* qrt_conv when qrt_fast16 holds: a zero-padded copy of x - zx, im2col rows
 * [p][k] copied from it without bounds checks and padded with zeros to a
 * multiple of 16, then 2x2 tiles (two channels, two positions) of dot products
 * over whole rows. A group of a multiple of 16 channels is copied
 * channels-last, so k runs [kd][kh][kw][c] and a row is a few long runs;
 * other groups stay planar, k runs [c][kd][kh][kw] as in the weights, and
 * with fewer than 4 output channels the sums are computed directly (depthwise
 * convs come here only when qrt_convdw cannot take them: 9..16-bit weights).
 * Weights stored channel-last (w.cl) are copied as they are. */
static void qrt_conv16(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias,
                       const qrt_mult *mult, qrt_out o, void *y, int16_t *col) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i P = g->od[0] * g->od[1] * g->od[2], cp, pd[3];
  dlrt_i nxb = qrt_conv16_dims(g, &cp, pd), plane = pd[1] * pd[2], pvol = pd[0] * plane;
  int cl = cg % 16 == 0;
  dlrt_i run = g->dil[2] == 1 ? g->k[2] : 1; /* taps adjacent along w are one run channels-last */
  dlrt_i cs = cl ? 1 : pvol, ps = cl ? cg : 1; /* strides of a channel and a position in the copy */
  int16_t *w0 = col + P * cp, *w1 = w0 + cp, *xb = w1 + cp, *dst;
  int32_t *r0 = (int32_t *)(xb + (nxb + 1) / 2 * 2), *r1 = r0 + P; /* 4-byte aligned after an odd copy */
  dlrt_i n, gr, c, i0, i1, i2, kd, kh, kw, m, p, t;
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      const int8_t *xg = x + (n * g->c + gr * cg) * g->id[0] * g->id[1] * g->id[2];
      dlrt_i ybase = (n * g->m + gr * mg) * P;
      qrt_pad_copy(g, xg, zx, pd, cs, ps, xb, nxb);
      if (!cl && mg < 4) { /* depthwise and the like: direct sums beat building im2col rows */
        for (m = 0; m < mg; m++) {
          dlrt_i ch = gr * mg + m;
          qrt_wunpack(w, ch * K, K, 1, 1, K, w0);
          for (p = 0; p < P; p++) r0[p] = 0;
          for (t = 0, c = 0; c < cg; c++)
            for (kd = 0; kd < g->k[0]; kd++)
              for (kh = 0; kh < g->k[1]; kh++)
                for (kw = 0; kw < g->k[2]; kw++, t++) {
                  const int16_t *tap = xb + c * pvol + kd * g->dil[0] * plane + kh * g->dil[1] * pd[2] + kw * g->dil[2];
                  int32_t wt = w0[t];
                  for (p = 0, i0 = 0; i0 < g->od[0]; i0++)
                    for (i1 = 0; i1 < g->od[1]; i1++, p += g->od[2]) {
                      const int16_t *q = tap + i0 * g->stride[0] * plane + i1 * g->stride[1] * pd[2];
                      for (i2 = 0; i2 < g->od[2]; i2++) r0[p + i2] += wt * q[i2 * g->stride[2]];
                    }
                }
          qrt_out_row(r0, P, bias ? bias[ch] : 0, mult[ch], o, y, ybase + m * P);
        }
        continue;
      }
      dst = col;
      for (i0 = 0; i0 < g->od[0]; i0++)
        for (i1 = 0; i1 < g->od[1]; i1++)
          for (i2 = 0; i2 < g->od[2]; i2++) {
            const int16_t *org = xb + (i0 * g->stride[0] * plane + i1 * g->stride[1] * pd[2] + i2 * g->stride[2]) * ps;
            int16_t *row = dst;
            if (cl) {
              for (kd = 0; kd < g->k[0]; kd++)
                for (kh = 0; kh < g->k[1]; kh++)
                  for (kw = 0; kw < g->k[2]; kw += run, dst += run * cg)
                    memcpy(dst, org + (kd * g->dil[0] * plane + kh * g->dil[1] * pd[2] + kw * g->dil[2]) * cg,
                           sizeof(int16_t) * (size_t)(run * cg));
            } else {
              for (c = 0; c < cg; c++)
                for (kd = 0; kd < g->k[0]; kd++)
                  for (kh = 0; kh < g->k[1]; kh++) {
                    const int16_t *q = org + c * pvol + kd * g->dil[0] * plane + kh * g->dil[1] * pd[2];
                    for (kw = 0; kw < g->k[2]; kw++) *dst++ = q[kw * g->dil[2]];
                  }
              while (dst < row + cp) *dst++ = 0;
            }
          }
      for (m = 0; m < mg; m += 2) {
        dlrt_i ch0 = gr * mg + m, ch1 = m + 1 < mg ? ch0 + 1 : ch0;
        if (cl && w.cl) {
          qrt_wcopy((const int8_t *)w.data + ch0 * K, K, cp, w0);
          qrt_wcopy((const int8_t *)w.data + ch1 * K, K, cp, w1);
        } else {
          qrt_wunpack(w, ch0 * K, cl ? cg : K, cl ? kvol : 1, cl ? kvol : 1, cp, w0);
          qrt_wunpack(w, ch1 * K, cl ? cg : K, cl ? kvol : 1, cl ? kvol : 1, cp, w1);
        }
        for (p = 0; p < P; p += 2) {
          dlrt_i p1 = p + 1 < P ? p + 1 : p;
          int32_t s[4] = {0, 0, 0, 0};
          qrt_dot2x2(w0, w1, col + p * cp, col + p1 * cp, cp, s);
          r0[p] = s[0], r0[p1] = s[1], r1[p] = s[2], r1[p1] = s[3];
        }
        qrt_out_row(r0, P, bias ? bias[ch0] : 0, mult[ch0], o, y, ybase + m * P);
        if (ch1 != ch0) qrt_out_row(r1, P, bias ? bias[ch1] : 0, mult[ch1], o, y, ybase + (m + 1) * P);
      }
    }
}
/* @end */

/* @fn qrt_conv8_ok uses qrt_fast16 */
/* Whether qrt_conv runs this conv as u8 x s8 -> s32 (qrt_conv8): the int32
 * path's conditions, weights of at most 8 bits, an int8 zero point (so x + 128
 * and zx + 128 are bytes), at least 4 output channels per group (fewer: the
 * depthwise kernel or direct sums) and K small enough that sums of up to K
 * products of a byte and an int8 fit int32 before the correction. */
static int qrt_conv8_ok(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  dlrt_i K = g->c / g->group * g->k[0] * g->k[1] * g->k[2];
  return qrt_fast16(acc_bits, xes, zx, wbits) && wbits <= 8 && zx >= -128 && zx <= 127 && g->m / g->group >= 4 &&
         K <= 65536;
}
/* @end */

/* @fn qrt_pack8 uses qrt_wget */
/* The weights of output channels 16 b .. 16 b + 15 of group gr as the u8 x s8
 * kernel reads them: dst[(q * 16 + l) * 4 + j] = weight k = 4 q + j of channel
 * 16 b + l, for q < ceil(K / 4), zeros past K and past the group's channels.
 * k runs [kd][kh][kw][c] when the group has a multiple of 4 channels, else
 * [c][kd][kh][kw]; w may be stored either way (w.cl = 0 or 1, not 2). */
static void qrt_pack8(const dlrt_win *g, qrt_wts w, dlrt_i gr, dlrt_i b, int8_t *dst) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i Kq = (K + 3) / 4, q, l, j;
  int cl8 = cg % 4 == 0;
  for (q = 0; q < Kq; q++)
    for (l = 0; l < 16; l++)
      for (j = 0; j < 4; j++) {
        dlrt_i k = 4 * q + j, m = 16 * b + l, src = cl8 && !w.cl ? k % cg * kvol + k / cg : k;
        dst[(q * 16 + l) * 4 + j] = (int8_t)(m < mg && k < K ? qrt_wget(w, (gr * mg + m) * K + src) : 0);
      }
}
/* @end */

/* @fn qrt_tile8 uses qrt_simd qrt_dot2x2 */
/* out[p][l] = sum over q < kq, j < 4 of col[p * cp + 4 q + j] * w[(q * 16 + l) * 4 + j]
 * for p < np <= 8, l < 16: bytes times int8 into int32 (exact; the caller bounds K).
 * cp, the rows' pitch, is a multiple of 16 and the rows are zero past 4 kq.
 * With AVX-512 VNNI one VPDPBUSD per position and group of four k (the weights
 * of 16 channels in one register, four bytes of the position broadcast).
 * Otherwise each tile copies its positions' rows into int16 at c16 (8 rows),
 * and with SSE2 (every x86-64 build, -O2 included) qrt_tile8_prep widens the
 * packed block to int16 in place order at w16, and one PMADDWD per position,
 * group of four k and two channels (the position's four values broadcast)
 * accumulates each channel's sum in two lanes, added at the end. Portable C:
 * qrt_tile8_prep unpacks the block into 16 int16 rows of 4 kq rounded up to 16,
 * and the sums are int16 dot products over them (-DDLC_QRT_PORTABLE forces it). */
#ifdef QRT_WZ
static QRT_TZ __m512i qrt_bcast4(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}
/* The 16-channel x 8-position VNNI tile: position p's quad of k q at AT(p, q),
 * 64 bytes of packed weights per q; fewer positions one at a time. */
#define QRT_TILE8_Z(AT)                                                                                   \
  dlrt_i q, p;                                                                                          \
  if (np == 8) {                                                                                        \
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
    for (q = 0; q < kq; q++) {                                                                          \
      const __m512i wv = _mm512_loadu_si512((const void *)(w + 64 * q));                                \
      a0 = _mm512_dpbusd_epi32(a0, qrt_bcast4(AT(0, q)), wv);                                           \
      a1 = _mm512_dpbusd_epi32(a1, qrt_bcast4(AT(1, q)), wv);                                           \
      a2 = _mm512_dpbusd_epi32(a2, qrt_bcast4(AT(2, q)), wv);                                           \
      a3 = _mm512_dpbusd_epi32(a3, qrt_bcast4(AT(3, q)), wv);                                           \
      a4 = _mm512_dpbusd_epi32(a4, qrt_bcast4(AT(4, q)), wv);                                           \
      a5 = _mm512_dpbusd_epi32(a5, qrt_bcast4(AT(5, q)), wv);                                           \
      a6 = _mm512_dpbusd_epi32(a6, qrt_bcast4(AT(6, q)), wv);                                           \
      a7 = _mm512_dpbusd_epi32(a7, qrt_bcast4(AT(7, q)), wv);                                           \
    }                                                                                                   \
    _mm512_storeu_si512((void *)out, a0), _mm512_storeu_si512((void *)(out + 16), a1);                  \
    _mm512_storeu_si512((void *)(out + 32), a2), _mm512_storeu_si512((void *)(out + 48), a3);           \
    _mm512_storeu_si512((void *)(out + 64), a4), _mm512_storeu_si512((void *)(out + 80), a5);           \
    _mm512_storeu_si512((void *)(out + 96), a6), _mm512_storeu_si512((void *)(out + 112), a7);          \
    return;                                                                                             \
  }                                                                                                     \
  for (p = 0; p < np; p++) {                                                                            \
    __m512i a = _mm512_setzero_si512();                                                                 \
    for (q = 0; q < kq; q++)                                                                            \
      a = _mm512_dpbusd_epi32(a, qrt_bcast4(AT(p, q)), _mm512_loadu_si512((const void *)(w + 64 * q))); \
    _mm512_storeu_si512((void *)(out + 16 * p), a);                                                     \
  }
#define QRT_COL_AT(p, q) (col + (p) * cp + 4 * (q))
#define QRT_ROW_AT(p, q) (row[p] + koff[q])
static QRT_TZ void qrt_tile8_z(const uint8_t *col, dlrt_i cp, dlrt_i np, const int8_t *w, dlrt_i kq, const int16_t *w16,
                      int16_t *c16, int32_t *out) {
  (void)w16, (void)c16, (void)qrt_dot2x2;
  QRT_TILE8_Z(QRT_COL_AT)
}
#endif
#ifdef QRT_WX
static void qrt_tile8_prep_x(const int8_t *restrict w, dlrt_i kq, int16_t *restrict w16) {
  dlrt_i i, n = 64 * kq; /* a multiple of 64: gcc vectorizes it at -O2 */
  for (i = 0; i < n; i++) w16[i] = w[i];
}
/* (a0 + a1, a2 + a3, b0 + b1, b2 + b3) */
static __m128i qrt_pairsum(__m128i a, __m128i b) {
  __m128 fa = _mm_castsi128_ps(a), fb = _mm_castsi128_ps(b);
  return _mm_add_epi32(_mm_castps_si128(_mm_shuffle_ps(fa, fb, 0x88)), _mm_castps_si128(_mm_shuffle_ps(fa, fb, 0xDD)));
}
static void qrt_tile8_x(const uint8_t *restrict col, dlrt_i cp, dlrt_i np, const int8_t *w, dlrt_i kq,
                      const int16_t *w16, int16_t *restrict c16, int32_t *out) {
  dlrt_i p, q, k, n16 = np * cp >> 4 << 4; /* cp: a multiple of 16 here */
  (void)w, (void)qrt_dot2x2;
  for (k = 0; k < n16; k++) c16[k] = col[k];
  for (p = 0; p < np; p++) {
    const int16_t *c = c16 + p * cp;
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (q = 0; q < kq; q++) { /* lanes 2 i and 2 i + 1 of a0..a7: halves of channel i's sum */
      const __m128i *wq = (const __m128i *)(const void *)(w16 + 64 * q);
      __m128i cb = _mm_shuffle_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(c + 4 * q)), 0x44);
      a0 = _mm_add_epi32(a0, _mm_madd_epi16(cb, _mm_loadu_si128(wq)));
      a1 = _mm_add_epi32(a1, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 1)));
      a2 = _mm_add_epi32(a2, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 2)));
      a3 = _mm_add_epi32(a3, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 3)));
      a4 = _mm_add_epi32(a4, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 4)));
      a5 = _mm_add_epi32(a5, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 5)));
      a6 = _mm_add_epi32(a6, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 6)));
      a7 = _mm_add_epi32(a7, _mm_madd_epi16(cb, _mm_loadu_si128(wq + 7)));
    }
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * p), qrt_pairsum(a0, a1));
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * p + 4), qrt_pairsum(a2, a3));
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * p + 8), qrt_pairsum(a4, a5));
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * p + 12), qrt_pairsum(a6, a7));
  }
}
#endif
#if !defined(QRT_WZ) && !defined(QRT_WX)
static void qrt_tile8_prep_c(const int8_t *restrict w, dlrt_i kq, int16_t *restrict w16) {
  dlrt_i cp16 = (4 * kq + 15) / 16 * 16, l, k, q, j;
  for (q = 0; q < kq; q++)
    for (l = 0; l < 16; l++)
      for (j = 0; j < 4; j++) w16[l * cp16 + 4 * q + j] = w[q * 64 + 4 * l + j];
  for (l = 0; l < 16; l++)
    for (k = 4 * kq; k < cp16; k++) w16[l * cp16 + k] = 0;
}
static void qrt_tile8_c(const uint8_t *restrict col, dlrt_i cp, dlrt_i np, const int8_t *w, dlrt_i kq,
                      const int16_t *w16, int16_t *restrict c16, int32_t *out) {
  dlrt_i cp16 = cp, p, l, k, n16 = np * cp >> 4 << 4; /* cp: a multiple of 16 here */
  (void)w, (void)kq;
  for (k = 0; k < n16; k++) c16[k] = col[k];
  for (p = 0; p < np; p += 2) {
    dlrt_i p1 = p + 1 < np ? p + 1 : p;
    for (l = 0; l < 16; l += 2) {
      int32_t s[4] = {0, 0, 0, 0};
      qrt_dot2x2(c16 + p * cp16, c16 + p1 * cp16, w16 + l * cp16, w16 + (l + 1) * cp16, cp16, s);
      out[16 * p + l] = s[0], out[16 * p + l + 1] = s[1], out[16 * p1 + l] = s[2], out[16 * p1 + l + 1] = s[3];
    }
  }
}
#endif
/* the tile's weights in the form the body reads (the AVX-512 body reads them packed) */
static void qrt_tile8_prep(const int8_t *w, dlrt_i kq, int16_t *w16) {
  QRT_PICK(((void)w, (void)kq, (void)w16), qrt_tile8_prep_x(w, kq, w16), qrt_tile8_prep_c(w, kq, w16));
}
static void qrt_tile8(const uint8_t *col, dlrt_i cp, dlrt_i np, const int8_t *w, dlrt_i kq, const int16_t *w16,
                      int16_t *c16, int32_t *out) {
  QRT_PICK(qrt_tile8_z(col, cp, np, w, kq, w16, c16, out), qrt_tile8_x(col, cp, np, w, kq, w16, c16, out), qrt_tile8_c(col, cp, np, w, kq, w16, c16, out));
}
/* @end */

/* @fn qrt_tile8d uses qrt_tile8 */
#ifdef QRT_WZ
#define QRT_DIRECT_KQ 1024 /* quads of k qrt_conv8 reads without im2col rows (K <= 4096) */
/* qrt_tile8_z without the im2col rows: position p's k values are read from the
 * padded channels-last copy itself, quad q at row[p] + koff[q] (qrt_conv8, 4 | cg).
 * The same exact sums. */
static QRT_TZ void qrt_tile8d_z(const uint8_t *const *row, const int32_t *koff, dlrt_i np, const int8_t *w, dlrt_i kq,
                                int32_t *out) {
  QRT_TILE8_Z(QRT_ROW_AT)
}
#endif
/* @end */

/* @fn qrt_conv8_dims uses qrt_conv16_dims */
/* qrt_conv8's scratch for one group, in bytes at 64-byte boundaries: *cp the
 * K rounded up to 4 (im2col rows: K rounded up to 16), at[0..4] the offsets of the rows, the padded
 * copy, the packed weights of one block, the int32 sums and qrt_tile8's int16
 * rows; returns the total. */
static dlrt_i qrt_conv8_dims(const dlrt_win *g, dlrt_i *cp, dlrt_i *pd, dlrt_i *at) {
  dlrt_i cp16, nxb = qrt_conv16_dims(g, &cp16, pd), K = g->c / g->group * g->k[0] * g->k[1] * g->k[2];
  dlrt_i P = g->od[0] * g->od[1] * g->od[2];
  *cp = (K + 3) / 4 * 4;
  at[0] = 0;
  at[1] = at[0] + (P * ((*cp + 15) / 16 * 16) + 63) / 64 * 64;
  at[2] = at[1] + (nxb + 63) / 64 * 64;
  at[3] = at[2] + *cp * 16;
  at[4] = at[3] + 16 * 4 * (P < 64 ? P : 64) + 8 * 16 * 4;
  return at[4] + (*cp + 15) / 16 * 16 * 24 * 2;
}
/* @end */

/* @fn qrt_ld_tail */
/* The n (1..7) bytes at p as the low bytes of an integer, zeros above (little-endian
 * SIMD bodies only): one 8-byte load ending at p + n when `before` bytes before p
 * are readable, else byte by byte (a memcpy of variable length is a call). */
static int64_t qrt_ld_tail(const int8_t *p, dlrt_i n, dlrt_i before) {
  uint64_t v = 0;
  dlrt_i j;
  if (before + n >= 8) {
    memcpy(&v, p + n - 8, 8);
    return (int64_t)(v >> (8 * (8 - n)));
  }
  for (j = 0; j < n; j++) v |= (uint64_t)(uint8_t)p[j] << (8 * j);
  return (int64_t)v;
}
/* @end */

/* @fn qrt_cl16 uses qrt_ld_tail */
/* d[i * ps + l] = src[l * iv + i] + 128 (as a byte) for i < n, l < 16: a row of
 * 16 channels into channels-last bytes (the bytes from x0 to src are readable).
 * SSE2: 8 positions at a time, a 16 x 8
 * byte transpose in four rounds of PUNPCK*L/H, the last n % 8 positions from a
 * zero-padded copy. */
#if defined(__SSE2__) && !defined(DLC_QRT_PORTABLE)
#include <emmintrin.h>
static void qrt_cl16(const int8_t *src, dlrt_i iv, dlrt_i n, uint8_t *d, dlrt_i ps, const int8_t *x0) {
  const __m128i flip = _mm_set1_epi8((char)0x80);
  dlrt_i i, l, j;
  for (i = 0; i < n; i += 8) {
    __m128i r[16], a[8], b[8], c[8];
    uint8_t t[16 * 8];
    dlrt_i cnt = n - i < 8 ? n - i : 8;
    for (l = 0; l < 16; l++) {
      int64_t t = cnt == 8 ? 0 : qrt_ld_tail(src + l * iv + i, cnt, src + l * iv + i - x0);
      r[l] = _mm_loadl_epi64((const __m128i *)(const void *)(cnt == 8 ? (const void *)(src + l * iv + i) : &t));
    }
    for (l = 0; l < 8; l++) a[l] = _mm_unpacklo_epi8(r[2 * l], r[2 * l + 1]); /* 8 positions x channels 2l, 2l+1 */
    for (l = 0; l < 4; l++) { /* positions 0-3 / 4-7 x channels 4l..4l+3 */
      b[l] = _mm_unpacklo_epi16(a[2 * l], a[2 * l + 1]), b[l + 4] = _mm_unpackhi_epi16(a[2 * l], a[2 * l + 1]);
    }
    for (l = 0; l < 2; l++) { /* positions pairs x channels 8l..8l+7 */
      c[4 * l] = _mm_unpacklo_epi32(b[4 * l], b[4 * l + 1]), c[4 * l + 1] = _mm_unpackhi_epi32(b[4 * l], b[4 * l + 1]);
      c[4 * l + 2] = _mm_unpacklo_epi32(b[4 * l + 2], b[4 * l + 3]);
      c[4 * l + 3] = _mm_unpackhi_epi32(b[4 * l + 2], b[4 * l + 3]);
    }
    /* c[0], c[1]: positions 0-1, 2-3 of channels 0-7; c[2], c[3] the same of 8-15; c[4..7] positions 4-7 */
    for (j = 0; j < 2; j++) {
      __m128i *o = (__m128i *)(void *)(t + 64 * j);
      _mm_storeu_si128(o, _mm_xor_si128(_mm_unpacklo_epi64(c[4 * j], c[4 * j + 2]), flip));
      _mm_storeu_si128(o + 1, _mm_xor_si128(_mm_unpackhi_epi64(c[4 * j], c[4 * j + 2]), flip));
      _mm_storeu_si128(o + 2, _mm_xor_si128(_mm_unpacklo_epi64(c[4 * j + 1], c[4 * j + 3]), flip));
      _mm_storeu_si128(o + 3, _mm_xor_si128(_mm_unpackhi_epi64(c[4 * j + 1], c[4 * j + 3]), flip));
    }
    for (j = 0; j < cnt; j++) memcpy(d + (i + j) * ps, t + 16 * j, 16);
  }
}
#else /* portable C */
static void qrt_cl16(const int8_t *src, dlrt_i iv, dlrt_i n, uint8_t *d, dlrt_i ps, const int8_t *x0) {
  dlrt_i i, l;
  (void)qrt_ld_tail, (void)x0;
  for (i = 0; i < n; i++)
    for (l = 0; l < 16; l++) d[i * ps + l] = (uint8_t)(src[l * iv + i] + 128);
}
#endif
/* @end */

/* @fn qrt_tr16 */
/* r[l * pitch + t] = tile[16 * t + l] - (sub ? sub[l] : 0) for t < np, l < 16: sums of 16
 * channels per position into a row per channel (SSE2: 4 x 4 transposes). */
#if defined(__SSE2__) && !defined(DLC_QRT_PORTABLE)
#include <emmintrin.h>
static void qrt_tr16(const int32_t *tile, dlrt_i np, dlrt_i pitch, const int32_t *sub, int32_t *r) {
  dlrt_i t = 0, g, l;
  for (; t + 4 <= np; t += 4)
    for (g = 0; g < 16; g += 4) {
      const int32_t *q = tile + 16 * t + g;
      __m128i s = sub ? _mm_loadu_si128((const __m128i *)(const void *)(sub + g)) : _mm_setzero_si128();
      __m128i r0 = _mm_loadu_si128((const __m128i *)(const void *)q);
      __m128i r1 = _mm_loadu_si128((const __m128i *)(const void *)(q + 16));
      __m128i r2 = _mm_loadu_si128((const __m128i *)(const void *)(q + 32));
      __m128i r3 = _mm_loadu_si128((const __m128i *)(const void *)(q + 48));
      __m128i u0 = _mm_unpacklo_epi32(r0, r1), u1 = _mm_unpacklo_epi32(r2, r3);
      __m128i u2 = _mm_unpackhi_epi32(r0, r1), u3 = _mm_unpackhi_epi32(r2, r3);
      __m128i *o0 = (__m128i *)(void *)(r + g * pitch + t), *o1 = (__m128i *)(void *)(r + (g + 1) * pitch + t);
      __m128i *o2 = (__m128i *)(void *)(r + (g + 2) * pitch + t), *o3 = (__m128i *)(void *)(r + (g + 3) * pitch + t);
      _mm_storeu_si128(o0, _mm_sub_epi32(_mm_unpacklo_epi64(u0, u1), _mm_shuffle_epi32(s, 0x00)));
      _mm_storeu_si128(o1, _mm_sub_epi32(_mm_unpackhi_epi64(u0, u1), _mm_shuffle_epi32(s, 0x55)));
      _mm_storeu_si128(o2, _mm_sub_epi32(_mm_unpacklo_epi64(u2, u3), _mm_shuffle_epi32(s, 0xAA)));
      _mm_storeu_si128(o3, _mm_sub_epi32(_mm_unpackhi_epi64(u2, u3), _mm_shuffle_epi32(s, 0xFF)));
    }
  for (; t < np; t++)
    for (l = 0; l < 16; l++) r[l * pitch + t] = tile[16 * t + l] - (sub ? sub[l] : 0);
}
#else /* portable C */
static void qrt_tr16(const int32_t *tile, dlrt_i np, dlrt_i pitch, const int32_t *sub, int32_t *r) {
  dlrt_i t, l;
  for (t = 0; t < np; t++)
    for (l = 0; l < 16; l++) r[l * pitch + t] = tile[16 * t + l] - (sub ? sub[l] : 0);
}
#endif
/* @end */

/* @fn qrt_grid uses dlrt_keep */
/* The grid the plane and grid kernels compute on (2-D windows at strides sh, sw of 1 or 2): the input
 * zero-padded to at least what the outputs read, split into sh x sw phase planes of *hp rows of *wp;
 * output (r, c) is computed at grid position r * wp + c; which of the first nq positions are outputs
 * (columns < od[2] of rows < od[1]) and where they go: dlrt_keep(1, od[1], hp, wp, od[2], nq / 16, ..). */
static void qrt_grid_dims(const dlrt_win *g, dlrt_i *hp, dlrt_i *wp) {
  dlrt_i e[2], i;
  for (i = 1; i < 3; i++) {
    dlrt_i need = (g->od[i] - 1) * g->stride[i] + g->k[i], have = g->pad[i] + g->id[i] + (g->pad_end[i] > 0 ? g->pad_end[i] : 0);
    e[i - 1] = ((need > have ? need : have) + g->stride[i] - 1) / g->stride[i];
  }
  *hp = e[0], *wp = e[1];
}
/* @end */

/* @fn qrt_quad4 uses qrt_simd */
/* Four rows of 64 bytes (r[t]: byte p of row t) as 64 int32 quads in position order: out[v] lane l
 * holds bytes r[0..3][16 v + l]. Byte and word interleaves give, per 128-bit lane L, positions
 * 16 L + 0..3, 4..7, 8..11, 12..15; a 4 x 4 transpose of lanes puts them in order. */
#ifdef QRT_WZ
static QRT_TZ void qrt_quad4_z(const __m512i *r, __m512i *out) {
  __m512i ab0 = _mm512_unpacklo_epi8(r[0], r[1]), ab1 = _mm512_unpackhi_epi8(r[0], r[1]);
  __m512i cd0 = _mm512_unpacklo_epi8(r[2], r[3]), cd1 = _mm512_unpackhi_epi8(r[2], r[3]);
  __m512i u0 = _mm512_unpacklo_epi16(ab0, cd0), u1 = _mm512_unpackhi_epi16(ab0, cd0);
  __m512i u2 = _mm512_unpacklo_epi16(ab1, cd1), u3 = _mm512_unpackhi_epi16(ab1, cd1);
  __m512i v0 = _mm512_shuffle_i32x4(u0, u1, 0x44), v1 = _mm512_shuffle_i32x4(u0, u1, 0xEE);
  __m512i v2 = _mm512_shuffle_i32x4(u2, u3, 0x44), v3 = _mm512_shuffle_i32x4(u2, u3, 0xEE);
  out[0] = _mm512_shuffle_i32x4(v0, v2, 0x88), out[1] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
  out[2] = _mm512_shuffle_i32x4(v1, v3, 0x88), out[3] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
}
#endif
/* @end */

/* @fn qrt_convgr uses qrt_simd qrt_out_row qrt_pack8 qrt_quad4 qrt_grid */
/* qrt_conv8 with AVX-512 on a 2-D window without dilation, strides 1 or 2, a
 * multiple of 4 input channels per group and at most 64 taps: positions in
 * the vector lanes, channels in quads, no im2col and no transposes. Per group
 * the input becomes phase planes (as in qrt_pl_dims: sh x sw of them, pitch
 * wp) of int32 quads (the bytes x + 128 of 4 consecutive channels at one
 * padded position; the padding zx + 128), built row by row from the
 * channel-major input by byte and word interleaves; outputs are computed on
 * the planes' grid (output (r, c) at r * wp + c), tiles of 4 output channels
 * x 64 grid positions, one VPDPBUSD per channel, quad of channels, tap and 16
 * positions, reading the plane of the tap's phase at the tap's offset; the
 * correction -(zx + 128) sum(w) starts each sum; the output stage in
 * registers, the grid's positions that are outputs (keep) closed up by a
 * compress and stored straight into the channel-major output. Weights are
 * read in qrt_pack8's order (k = [kh][kw][c]). gr_dims: the scratch
 * (returns its size; at[0] the planes, at[1] one block's packed weights, at[2]
 * the keep bits and at[3] the output offset of each 16 grid positions). */
typedef struct {
  dlrt_i sh, sw, wp, hp, nq, pb, nt, kq, np, at[5];
  dlrt_i ph[64], off[64];
} qrt_grg;
static int qrt_gr_geom(const dlrt_win *g) {
  return g->c / g->group % 4 == 0 && g->id[0] == 1 && g->od[0] == 1 && g->k[0] == 1 && g->pad[0] == 0 &&
         g->dil[1] == 1 && g->dil[2] == 1 && g->stride[1] >= 1 && g->stride[1] <= 2 && g->stride[2] >= 1 &&
         g->stride[2] <= 2 && g->k[1] * g->k[2] <= 64;
}
static dlrt_i qrt_gr_dims(const dlrt_win *g, qrt_grg *d) {
  dlrt_i kh, kw, omax = 0, K = g->c / g->group * g->k[1] * g->k[2];
  d->sh = g->stride[1], d->sw = g->stride[2], d->np = d->sh * d->sw;
  qrt_grid_dims(g, &d->hp, &d->wp);
  d->nq = (g->od[1] * d->wp + 63) / 64 * 64, d->kq = g->c / g->group / 4, d->nt = 0;
  for (kh = 0; kh < g->k[1]; kh++)
    for (kw = 0; kw < g->k[2]; kw++, d->nt++) {
      d->ph[d->nt] = kh % d->sh * d->sw + kw % d->sw, d->off[d->nt] = kh / d->sh * d->wp + kw / d->sw;
      omax = d->off[d->nt] > omax ? d->off[d->nt] : omax;
    }
  /* int32 per plane: the rows, 64 more for whole-vector row stores, and every grid read */
  d->pb = d->hp * d->wp + 64 > d->nq + omax ? d->hp * d->wp + 64 : d->nq + omax;
  d->pb = (d->pb + 15) / 16 * 16;
  d->at[0] = 0;
  d->at[1] = d->at[0] + d->kq * d->np * d->pb * 4;
  d->at[2] = d->at[1] + ((K + 3) / 4 * 64 + 63) / 64 * 64;
  d->at[3] = d->at[2] + (d->nq / 16 * 2 + 63) / 64 * 64;
  d->at[4] = d->at[3] + (d->nq / 16 * 4 + 63) / 64 * 64;
  return d->at[4];
}
#ifdef QRT_WZ
/* The group's input channels (cg of them at x, planes of ivol) into d's quad planes qp, which hold zu
 * bytes wherever no input lands (set once by the caller; rows only overwrite input positions). */
static QRT_TZ void qrt_grplanes_z(const dlrt_win *g, const qrt_grg *d, const int8_t *x, int32_t zu, int32_t *qp) {
  const __m512i flip = _mm512_set1_epi8((char)0x80), vzu = _mm512_set1_epi8((char)zu);
  const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i od = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const dlrt_i ih = g->id[1], iw = g->id[2], ivol = ih * iw, hs = d->sh - 1, pl = g->pad[2];
  const dlrt_i ce = pl / 2 + pl % 2 * d->pb, co = (pl + 1) / 2 + (pl + 1) % 2 * d->pb;
  dlrt_i q, i1, j, t, v;
  for (q = 0; q < d->kq; q++)
    for (i1 = 0; i1 < ih; i1++) {
      dlrt_i r = i1 + g->pad[1];
      int32_t *row = qp + (q * d->np + (r & hs) * d->sw) * d->pb + (r >> hs) * d->wp;
      for (j = 0; j < iw; j += 64) {
        dlrt_i cnt = iw - j < 64 ? iw - j : 64;
        __mmask64 k = cnt == 64 ? ~(__mmask64)0 : ((__mmask64)1 << cnt) - 1;
        __m512i a[4], p[4];
        for (t = 0; t < 4; t++)
          a[t] = _mm512_mask_blend_epi8(k, vzu, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, x + (4 * q + t) * ivol + i1 * iw + j), flip));
        qrt_quad4_z(a, p); /* positions j + 0..15, 16..31, 32..47, 48..63 */
        if (d->sw == 1) {
          for (v = 0; v < (cnt + 15) / 16; v++) _mm512_storeu_si512((void *)(row + pl + j + 16 * v), p[v]);
        } else {
          _mm512_storeu_si512((void *)(row + ce + j / 2), _mm512_permutex2var_epi32(p[0], ev, p[1]));
          _mm512_storeu_si512((void *)(row + co + j / 2), _mm512_permutex2var_epi32(p[0], od, p[1]));
          if (cnt > 32) {
            _mm512_storeu_si512((void *)(row + ce + j / 2 + 16), _mm512_permutex2var_epi32(p[2], ev, p[3]));
            _mm512_storeu_si512((void *)(row + co + j / 2 + 16), _mm512_permutex2var_epi32(p[2], od, p[3]));
          }
        }
      }
    }
}
static QRT_TZ void qrt_convgr_z(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias,
                                const qrt_mult *mult, qrt_out o, void *y, unsigned char *scratch) {
  qrt_grg d;
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, P = g->od[1] * g->od[2], K = cg * g->k[1] * g->k[2], Kq = K / 4;
  dlrt_i nbg = (mg + 15) / 16, ivol = g->id[1] * g->id[2], n, gr, b, m0, q0, cq, t, r, j, v, i;
  int32_t zu = (int32_t)(zx + 128), *qp, *pos;
  uint16_t *keep;
  int8_t *wb;
  qrt_gr_dims(g, &d);
  qp = (int32_t *)(void *)(scratch + d.at[0]), wb = (int8_t *)(scratch + d.at[1]);
  keep = (uint16_t *)(void *)(scratch + d.at[2]), pos = (int32_t *)(void *)(scratch + d.at[3]);
  dlrt_keep(1, g->od[1], 0, d.wp, g->od[2], d.nq / 16, keep, pos);
  memset(qp, (int)zu, (size_t)(d.kq * d.np * d.pb * 4));
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      qrt_grplanes_z(g, &d, x + (n * g->c + gr * cg) * ivol, zu, qp);
      for (b = 0; b < nbg; b++) {
        const int8_t *wk = w.cl == 2 ? (const int8_t *)w.data + (gr * nbg + b) * Kq * 64 : wb;
        int32_t ws[16];
        if (w.cl != 2) qrt_pack8(g, w, gr, b, wb);
        { /* the weights' sums: VPDPBUSD with bytes of 1 over each lane's quads */
          __m512i a = _mm512_setzero_si512();
          for (i = 0; i < Kq; i++) a = _mm512_dpbusd_epi32(a, _mm512_set1_epi8(1), _mm512_loadu_si512((const void *)(wk + i * 64)));
          _mm512_storeu_si512((void *)ws, _mm512_mullo_epi32(a, _mm512_set1_epi32(-zu)));
        }
        for (m0 = 0; m0 < 16 && 16 * b + m0 < mg; m0 += 4)
          for (q0 = 0; q0 < d.nq; q0 += 64) {
            QRT_T44_VARS(a);
            QRT_T44_INIT(a, ws[m0], ws[m0 + 1], ws[m0 + 2], ws[m0 + 3]);
            for (cq = 0; cq < d.kq; cq++)
              for (t = 0; t < d.nt; t++) /* k = [kh][kw][c]: quad t * kq + cq */
                QRT_T44_STEP(a, wk + (t * d.kq + cq) * 64 + 4 * m0, qp + (cq * d.np + d.ph[t]) * d.pb + q0 + d.off[t]);
            QRT_T44_ARRAY(a);
            for (r = 0; r < 4 && 16 * b + m0 + r < mg; r++) {
              dlrt_i ch = gr * mg + 16 * b + m0 + r, y0 = (n * g->m + ch) * P;
              int ok = qrt_m0_31(mult[ch]);
              qrt_rq_z c = qrt_rq_z_init(bias ? bias[ch] : 0, mult[ch], o);
              for (j = 0; j < 4; j++) {
                __mmask16 kp;
                v = q0 / 16 + j, kp = keep[v];
                if (!kp) continue;
                if (ok) {
                  __m512i s = _mm512_maskz_compress_epi32(kp, a[r][j]);
                  dlrt_i nk = __builtin_popcount(kp);
                  qrt_rq_z_put(&c, s, (__mmask16)(pos[v] + 16 <= P ? 0xFFFF : (1u << nk) - 1), o.es, y, y0 + pos[v]);
                } else {
                  int32_t tmp[16];
                  _mm512_storeu_si512((void *)tmp, _mm512_maskz_compress_epi32(kp, a[r][j]));
                  qrt_out_row(tmp, __builtin_popcount(kp), bias ? bias[ch] : 0, mult[ch], o, y, y0 + pos[v]);
                }
              }
            }
          }
      }
    }
}
#endif
/* @end */

/* @fn qrt_conv8 uses qrt_conv8_dims qrt_pack8 qrt_tile8 qrt_tile8d qrt_cl16 qrt_tr16 qrt_out_row qrt_convgr */
/* qrt_conv when qrt_conv8_ok holds. With u = x + 128 (a byte) and the pads
 * at zx + 128, sum (x - zx) w = sum u w - (zx + 128) sum w, so a zero-padded
 * byte copy of the input (channels-last when a group has a multiple of 4
 * channels), im2col rows of bytes, and per block of 16 output channels the
 * sums of u8 x s8 products (qrt_tile8: 8 positions x 16 channels at a time),
 * minus the correction, then the output stage per channel over runs of 64
 * positions. Weights are read packed as qrt_pack8 writes them: as they are
 * (w.cl = 2, the C target packs them at compile time) or packed one block at
 * a time into the scratch. */
static void qrt_conv8(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias,
                      const qrt_mult *mult, qrt_out o, void *y, unsigned char *scratch) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, kvol = g->k[0] * g->k[1] * g->k[2];
  dlrt_i P = g->od[0] * g->od[1] * g->od[2], cp, pd[3], at[5], nbg = (mg + 15) / 16;
  dlrt_i nxb, plane, pvol, Kq, n, gr, b, c, i0, i1, i2, kd, kh, kw, p, p0, l, q;
  int cl8 = cg % 4 == 0;
  dlrt_i run = g->dil[2] == 1 ? g->k[2] : 1, cs, ps, cpr;
#ifdef QRT_WZ
  if (qrt_gr_geom(g) && QRT_PICK(1, 0, 0)) { /* positions in lanes, no im2col, no transposes */
    qrt_convgr_z(g, x, zx, w, bias, mult, o, y, scratch);
    return;
  }
#endif
  uint8_t *col, *xb;
  int8_t *wb;
  int32_t *r, *tile, wsum[16], zu = (int32_t)(zx + 128);
  int16_t *w16, *c16;
  qrt_conv8_dims(g, &cp, pd, at);
  nxb = pd[0] * pd[1] * pd[2] * cg, plane = pd[1] * pd[2], pvol = pd[0] * plane, Kq = cp / 4;
  cpr = (cp + 15) / 16 * 16; /* the im2col rows' pitch */
  cs = cl8 ? 1 : pvol, ps = cl8 ? cg : 1;
#ifdef QRT_WZ
  /* with 4 | cg and the AVX-512 body: no im2col rows; the tile reads the padded
   * copy through one offset per quad of k (the order the weights are packed in) */
  int32_t koff[QRT_DIRECT_KQ];
  const uint8_t *rows[8];
  int direct = cl8 && Kq <= QRT_DIRECT_KQ && nxb <= INT32_MAX && QRT_PICK(1, 0, 0); /* offsets in int32 */
  if (direct) {
    dlrt_i k = 0, j;
    for (kd = 0; kd < g->k[0]; kd++)
      for (kh = 0; kh < g->k[1]; kh++)
        for (kw = 0; kw < g->k[2]; kw += run)
          for (j = 0; j < run * cg; j += 4)
            koff[k++] = (int32_t)((kd * g->dil[0] * plane + kh * g->dil[1] * pd[2] + kw * g->dil[2]) * cg + j);
    for (; k < Kq; k++) koff[k] = 0;
  }
#else
  int direct = 0;
#endif
  col = scratch + at[0], xb = scratch + at[1], wb = (int8_t *)(scratch + at[2]), r = (int32_t *)(scratch + at[3]);
  tile = r + 16 * (P < 64 ? P : 64);
  w16 = (int16_t *)(scratch + at[4]), c16 = w16 + (cp + 15) / 16 * 16 * 16;
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      const int8_t *xg = x + (n * g->c + gr * cg) * g->id[0] * g->id[1] * g->id[2];
      dlrt_i ybase = (n * g->m + gr * mg) * P;
      uint8_t *dst = col;
      memset(xb, (int)zu, (size_t)nxb);
      for (c = 0; c < cg; c += cl8 ? (c + 16 <= cg ? 16 : 4) : 1) /* channels-last: 16 or 4 channels at a time */
        for (i0 = 0; i0 < g->id[0]; i0++)
          for (i1 = 0; i1 < g->id[1]; i1++) {
            const int8_t *src = xg + ((c * g->id[0] + i0) * g->id[1] + i1) * g->id[2];
            uint8_t *d = xb + c * cs + ((i0 + g->pad[0]) * plane + (i1 + g->pad[1]) * pd[2] + g->pad[2]) * ps;
            if (cl8 && c + 16 <= cg) {
              qrt_cl16(src, g->id[0] * g->id[1] * g->id[2], g->id[2], d, ps, x);
            } else if (cl8) {
              dlrt_i iv = g->id[0] * g->id[1] * g->id[2];
              for (i2 = 0; i2 < g->id[2]; i2++) {
                uint8_t v[4];
                v[0] = (uint8_t)(src[i2] + 128), v[1] = (uint8_t)(src[iv + i2] + 128);
                v[2] = (uint8_t)(src[2 * iv + i2] + 128), v[3] = (uint8_t)(src[3 * iv + i2] + 128);
                memcpy(d + i2 * ps, v, 4);
              }
            } else {
              for (i2 = 0; i2 < g->id[2]; i2++) d[i2] = (uint8_t)(src[i2] + 128);
            }
          }
      for (i0 = 0; i0 < (direct ? 0 : g->od[0]); i0++)
        for (i1 = 0; i1 < g->od[1]; i1++)
          for (i2 = 0; i2 < g->od[2]; i2++) {
            const uint8_t *org = xb + (i0 * g->stride[0] * plane + i1 * g->stride[1] * pd[2] + i2 * g->stride[2]) * ps;
            uint8_t *row = dst;
            if (cl8) {
              for (kd = 0; kd < g->k[0]; kd++)
                for (kh = 0; kh < g->k[1]; kh++)
                  for (kw = 0; kw < g->k[2]; kw += run, dst += run * cg)
                    memcpy(dst, org + (kd * g->dil[0] * plane + kh * g->dil[1] * pd[2] + kw * g->dil[2]) * cg,
                           (size_t)(run * cg));
            } else if (g->dil[2] == 1 && g->k[2] <= 8 && row + kvol * cg + 8 <= col + P * cpr) {
              /* 8 bytes per kernel row, the extra ones overwritten by the next copy, the zeros or the next row */
              for (c = 0; c < cg; c++)
                for (kd = 0; kd < g->k[0]; kd++)
                  for (kh = 0; kh < g->k[1]; kh++, dst += g->k[2])
                    memcpy(dst, org + c * pvol + kd * g->dil[0] * plane + kh * g->dil[1] * pd[2], 8);
            } else {
              for (c = 0; c < cg; c++)
                for (kd = 0; kd < g->k[0]; kd++)
                  for (kh = 0; kh < g->k[1]; kh++) {
                    const uint8_t *s = org + c * pvol + kd * g->dil[0] * plane + kh * g->dil[1] * pd[2];
                    for (kw = 0; kw < g->k[2]; kw++) *dst++ = s[kw * g->dil[2]];
                  }
            }
            while (dst < row + cpr) *dst++ = 0;
          }
      for (b = 0; b < nbg; b++) {
        const int8_t *wk = wb;
        dlrt_i nch = mg - 16 * b < 16 ? mg - 16 * b : 16;
        if (w.cl == 2) wk = (const int8_t *)w.data + (gr * nbg + b) * Kq * 64;
        else qrt_pack8(g, w, gr, b, wb);
        for (l = 0; l < 16; l++) wsum[l] = 0;
        for (q = 0; q < Kq; q++)
          for (l = 0; l < 16; l++)
            wsum[l] += wk[q * 64 + 4 * l] + wk[q * 64 + 4 * l + 1] + wk[q * 64 + 4 * l + 2] + wk[q * 64 + 4 * l + 3];
        for (l = 0; l < 16; l++) wsum[l] *= zu;
        qrt_tile8_prep(wk, Kq, w16);
        for (p0 = 0; p0 < P; p0 += 64) {
          dlrt_i pc = P - p0 < 64 ? P - p0 : 64;
          for (p = 0; p < pc; p += 8) {
            dlrt_i np = pc - p < 8 ? pc - p : 8;
#ifdef QRT_WZ
            if (direct) {
              for (l = 0; l < np; l++) {
                dlrt_i pos = p0 + p + l, j2 = pos % g->od[2], j1 = pos / g->od[2] % g->od[1], j0 = pos / g->od[2] / g->od[1];
                rows[l] = xb + (j0 * g->stride[0] * plane + j1 * g->stride[1] * pd[2] + j2 * g->stride[2]) * ps;
              }
              qrt_tile8d_z(rows, koff, np, wk, Kq, tile);
            } else
#endif
              qrt_tile8(col + (p0 + p) * cpr, cpr, np, wk, Kq, w16, c16, tile);
            qrt_tr16(tile, np, pc, wsum, r + p);
          }
          for (l = 0; l < nch; l++) {
            dlrt_i ch = gr * mg + 16 * b + l;
            qrt_out_row(r + l * pc, pc, bias ? bias[ch] : 0, mult[ch], o, y, ybase + (16 * b + l) * P + p0);
          }
        }
      }
    }
}
/* @end */

/* @fn qrt_dw_ok uses qrt_fast16 */
/* Whether qrt_conv runs this conv with the depthwise kernel (qrt_convdw): the
 * int32 path's conditions, weights of at most 8 bits, one input channel per
 * group and fewer than 4 output channels per group (more take qrt_conv8). */
static int qrt_dw_ok(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  return qrt_fast16(acc_bits, xes, zx, wbits) && wbits <= 8 && g->c == g->group && g->m / g->group < 4;
}
/* @end */

/* @fn qrt_packdw uses qrt_wget */
/* The weights of output channels 16 b .. 16 b + 15 of a depthwise conv as
 * qrt_convdw reads them: per tap pair t = (kd * kh + ih) * npr + j (npr =
 * ceil(kw / 2)), dst[(t * 16 + l) * 2 + h] = the weight at kw = 2 j + h of
 * channel 16 b + l; zeros past kw and past the channels. */
static void qrt_packdw(const dlrt_win *g, qrt_wts w, dlrt_i b, int8_t *dst) {
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2], npr = (g->k[2] + 1) / 2, nt = g->k[0] * g->k[1] * npr, t, l, h;
  for (t = 0; t < nt; t++)
    for (l = 0; l < 16; l++)
      for (h = 0; h < 2; h++) {
        dlrt_i m = 16 * b + l, kw = t % npr * 2 + h;
        dst[(t * 16 + l) * 2 + h] =
            (int8_t)(m < g->m && kw < g->k[2] ? qrt_wget(w, m * kvol + t / npr * g->k[2] + kw) : 0);
      }
}
/* @end */

/* @fn qrt_dwrow uses qrt_simd */
/* out[o][l] = sum over e < ne, j < npr, h < 2 of xr[e][(o * s + 2 j d) * 32 + 2 l + h]
 * * wr[e][j * 32 + 2 l + h] for o < no, l < 16: one output row of a block of
 * 16 depthwise channels, int16 x int16 pairs into int32 (exact: the caller's
 * acc_bits bound). xr[e] is the channel-interleaved input row of valid tap row
 * e, wr[e] its npr tap pairs. With AVX-512 one VPDPWSSD (VNNI) per tap pair and
 * position; SSE2 four PMADDWD; otherwise plain C (qrt_simd says which). */
#ifdef QRT_WZ
#define QRT_DPW(a, x, w) _mm512_dpwssd_epi32(a, x, w)
static QRT_TZ void qrt_dwrow_z(const int16_t *const *xr, const int16_t *const *wr, dlrt_i ne, dlrt_i npr, dlrt_i no,
                      dlrt_i s, dlrt_i d, int32_t *out) {
  dlrt_i o, e, j;
  if (npr == 2 && ne == 3) { /* 3x3: the six weight pairs stay in registers */
    const __m512i w0 = _mm512_loadu_si512((const void *)wr[0]), w1 = _mm512_loadu_si512((const void *)(wr[0] + 32));
    const __m512i w2 = _mm512_loadu_si512((const void *)wr[1]), w3 = _mm512_loadu_si512((const void *)(wr[1] + 32));
    const __m512i w4 = _mm512_loadu_si512((const void *)wr[2]), w5 = _mm512_loadu_si512((const void *)(wr[2] + 32));
    const int16_t *x0 = xr[0], *x1 = xr[1], *x2 = xr[2];
    for (o = 0; o < no; o++) {
      dlrt_i c = o * s * 32, c2 = c + 64 * d;
      __m512i a = _mm512_setzero_si512(), b = a;
      a = QRT_DPW(a, _mm512_loadu_si512((const void *)(x0 + c)), w0);
      b = QRT_DPW(b, _mm512_loadu_si512((const void *)(x0 + c2)), w1);
      a = QRT_DPW(a, _mm512_loadu_si512((const void *)(x1 + c)), w2);
      b = QRT_DPW(b, _mm512_loadu_si512((const void *)(x1 + c2)), w3);
      a = QRT_DPW(a, _mm512_loadu_si512((const void *)(x2 + c)), w4);
      b = QRT_DPW(b, _mm512_loadu_si512((const void *)(x2 + c2)), w5);
      _mm512_storeu_si512((void *)(out + 16 * o), _mm512_add_epi32(a, b));
    }
    return;
  }
  for (o = 0; o < no; o++) {
    __m512i a = _mm512_setzero_si512();
    for (e = 0; e < ne; e++)
      for (j = 0; j < npr; j++)
        a = QRT_DPW(a, _mm512_loadu_si512((const void *)(xr[e] + (o * s + 2 * j * d) * 32)),
                    _mm512_loadu_si512((const void *)(wr[e] + 32 * j)));
    _mm512_storeu_si512((void *)(out + 16 * o), a);
  }
}
#undef QRT_DPW
#endif
#ifdef QRT_WX
static void qrt_dwrow_x(const int16_t *const *xr, const int16_t *const *wr, dlrt_i ne, dlrt_i npr, dlrt_i no,
                      dlrt_i s, dlrt_i d, int32_t *out) {
  dlrt_i o, e, j;
  for (o = 0; o < no; o++) {
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (e = 0; e < ne; e++)
      for (j = 0; j < npr; j++) {
        const __m128i *xp = (const __m128i *)(const void *)(xr[e] + (o * s + 2 * j * d) * 32);
        const __m128i *wp = (const __m128i *)(const void *)(wr[e] + 32 * j);
        a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_loadu_si128(xp), _mm_loadu_si128(wp)));
        a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_loadu_si128(xp + 1), _mm_loadu_si128(wp + 1)));
        a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_loadu_si128(xp + 2), _mm_loadu_si128(wp + 2)));
        a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_loadu_si128(xp + 3), _mm_loadu_si128(wp + 3)));
      }
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * o), a0);
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * o + 4), a1);
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * o + 8), a2);
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * o + 12), a3);
  }
}
#endif
#if !defined(QRT_WZ) && !defined(QRT_WX)
static void qrt_dwrow_c(const int16_t *const *xr, const int16_t *const *wr, dlrt_i ne, dlrt_i npr, dlrt_i no,
                      dlrt_i s, dlrt_i d, int32_t *out) {
  dlrt_i o, e, j, l;
  for (o = 0; o < no; o++) {
    int32_t a[16] = {0};
    for (e = 0; e < ne; e++)
      for (j = 0; j < npr; j++) {
        const int16_t *xp = xr[e] + (o * s + 2 * j * d) * 32, *wp = wr[e] + 32 * j;
        for (l = 0; l < 16; l++) a[l] += xp[2 * l] * wp[2 * l] + xp[2 * l + 1] * wp[2 * l + 1];
      }
    for (l = 0; l < 16; l++) out[16 * o + l] = a[l];
  }
}
#endif
static void qrt_dwrow(const int16_t *const *xr, const int16_t *const *wr, dlrt_i ne, dlrt_i npr, dlrt_i no,
                      dlrt_i s, dlrt_i d, int32_t *out) {
  QRT_PICK(qrt_dwrow_z(xr, wr, ne, npr, no, s, d, out), qrt_dwrow_x(xr, wr, ne, npr, no, s, d, out), qrt_dwrow_c(xr, wr, ne, npr, no, s, d, out));
}
/* @end */

/* @fn qrt_dwcopy uses qrt_ld_tail */
/* One input row of a block of 16 depthwise channels, interleaved for qrt_dwrow:
 * d[cc * 32 + 2 l + h] = X_l(cc - pad + h dil) for cc < wc, where X_l(i) =
 * src[l][i] - zx for 0 <= i < iw and 0 elsewhere (src[l] NULL: the lane is
 * past the channels, all zeros; the bytes from x0 on are readable). ln (16 lines of nl >= wc + dil int16, nl a
 * multiple of 8) and tr (nl x 16 int16) are scratch. With SSE2 the lines are
 * widened 8 bytes at a time and transposed in 8 x 8 blocks (PUNPCK*), and the
 * pairs are one PUNPCKLWD / PUNPCKHWD of two transposed columns. */
#if defined(__SSE2__) && !defined(DLC_QRT_PORTABLE)
#include <emmintrin.h>
static void qrt_dwcopy(const int8_t *const *src, const int8_t *x0, dlrt_i iw, dlrt_i pad, dlrt_i dil, dlrt_i wc,
                       dlrt_i nl, int64_t zx, int16_t *ln, int16_t *tr, int16_t *d) {
  const __m128i z16 = _mm_set1_epi16((int16_t)zx), zero = _mm_setzero_si128();
  const __m128i keep = _mm_cmpgt_epi16(_mm_set1_epi16((int16_t)(iw % 8)), _mm_set_epi16(7, 6, 5, 4, 3, 2, 1, 0));
  dlrt_i l, i, c, h, iw8 = iw - iw % 8, end = pad + iw8 + (iw % 8 ? 8 : 0);
  for (l = 0; l < 16; l++) {
    int16_t *q = ln + l * nl;
    for (i = 0; i < pad; i++) q[i] = 0;
    for (i = end; i < nl; i++) q[i] = 0;
    if (!src[l]) {
      for (i = pad; i < end; i++) q[i] = 0;
      continue;
    }
    for (i = 0; i < iw8; i += 8) {
      __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)(src[l] + i));
      v = _mm_unpacklo_epi8(v, _mm_cmpgt_epi8(zero, v));
      _mm_storeu_si128((__m128i *)(void *)(q + pad + i), _mm_sub_epi16(v, z16));
    }
    if (iw % 8) { /* the last iw % 8 values, zeros after them */
      int64_t t = qrt_ld_tail(src[l] + iw8, iw % 8, src[l] + iw8 - x0);
      __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)&t);
      v = _mm_unpacklo_epi8(v, _mm_cmpgt_epi8(zero, v));
      _mm_storeu_si128((__m128i *)(void *)(q + pad + iw8), _mm_and_si128(_mm_sub_epi16(v, z16), keep));
    }
  }
  for (c = 0; c < nl; c += 8)
    for (h = 0; h < 16; h += 8) {
      const int16_t *a = ln + h * nl + c;
      __m128i a0 = _mm_loadu_si128((const __m128i *)(const void *)a);
      __m128i a1 = _mm_loadu_si128((const __m128i *)(const void *)(a + nl));
      __m128i a2 = _mm_loadu_si128((const __m128i *)(const void *)(a + 2 * nl));
      __m128i a3 = _mm_loadu_si128((const __m128i *)(const void *)(a + 3 * nl));
      __m128i a4 = _mm_loadu_si128((const __m128i *)(const void *)(a + 4 * nl));
      __m128i a5 = _mm_loadu_si128((const __m128i *)(const void *)(a + 5 * nl));
      __m128i a6 = _mm_loadu_si128((const __m128i *)(const void *)(a + 6 * nl));
      __m128i a7 = _mm_loadu_si128((const __m128i *)(const void *)(a + 7 * nl));
      __m128i b0 = _mm_unpacklo_epi16(a0, a1), b1 = _mm_unpackhi_epi16(a0, a1);
      __m128i b2 = _mm_unpacklo_epi16(a2, a3), b3 = _mm_unpackhi_epi16(a2, a3);
      __m128i b4 = _mm_unpacklo_epi16(a4, a5), b5 = _mm_unpackhi_epi16(a4, a5);
      __m128i b6 = _mm_unpacklo_epi16(a6, a7), b7 = _mm_unpackhi_epi16(a6, a7);
      __m128i c0 = _mm_unpacklo_epi32(b0, b2), c1 = _mm_unpackhi_epi32(b0, b2);
      __m128i c2 = _mm_unpacklo_epi32(b1, b3), c3 = _mm_unpackhi_epi32(b1, b3);
      __m128i c4 = _mm_unpacklo_epi32(b4, b6), c5 = _mm_unpackhi_epi32(b4, b6);
      __m128i c6 = _mm_unpacklo_epi32(b5, b7), c7 = _mm_unpackhi_epi32(b5, b7);
      __m128i *t = (__m128i *)(void *)(tr + c * 16 + h);
      _mm_storeu_si128(t, _mm_unpacklo_epi64(c0, c4)), _mm_storeu_si128(t + 2, _mm_unpackhi_epi64(c0, c4));
      _mm_storeu_si128(t + 4, _mm_unpacklo_epi64(c1, c5)), _mm_storeu_si128(t + 6, _mm_unpackhi_epi64(c1, c5));
      _mm_storeu_si128(t + 8, _mm_unpacklo_epi64(c2, c6)), _mm_storeu_si128(t + 10, _mm_unpackhi_epi64(c2, c6));
      _mm_storeu_si128(t + 12, _mm_unpacklo_epi64(c3, c7)), _mm_storeu_si128(t + 14, _mm_unpackhi_epi64(c3, c7));
    }
  for (c = 0; c < wc; c++) {
    const __m128i *p = (const __m128i *)(const void *)(tr + c * 16);
    const __m128i *q = (const __m128i *)(const void *)(tr + (c + dil) * 16);
    __m128i *o = (__m128i *)(void *)(d + c * 32), x0 = _mm_loadu_si128(p), x1 = _mm_loadu_si128(p + 1);
    __m128i y0 = _mm_loadu_si128(q), y1 = _mm_loadu_si128(q + 1);
    _mm_storeu_si128(o, _mm_unpacklo_epi16(x0, y0)), _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(x0, y0));
    _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(x1, y1)), _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(x1, y1));
  }
}
#else /* portable C */
static void qrt_dwcopy(const int8_t *const *src, const int8_t *x0, dlrt_i iw, dlrt_i pad, dlrt_i dil, dlrt_i wc,
                       dlrt_i nl, int64_t zx, int16_t *ln, int16_t *tr, int16_t *d) {
  dlrt_i l, i, c;
  (void)tr, (void)qrt_ld_tail, (void)x0;
  for (l = 0; l < 16; l++) {
    int16_t *q = ln + l * nl;
    for (i = 0; i < nl; i++) q[i] = 0;
    for (i = 0; src[l] && i < iw; i++) q[pad + i] = (int16_t)(src[l][i] - zx);
    for (c = 0; c < wc; c++) d[c * 32 + 2 * l] = q[c], d[c * 32 + 2 * l + 1] = q[c + dil];
  }
}
#endif
/* @end */

/* @fn qrt_dw_dims */
/* qrt_convdw's scratch, in bytes at 64-byte boundaries: *npr tap pairs per
 * kernel row, *wc the interleaved input's columns, *nl qrt_dwcopy's line
 * length, *cap the positions of the sums buffer, at[0..7] the offsets of the
 * interleaved input rows (qrt_dw_rows of them, int16, 32 per position), the packed block, its int16
 * widening, the sums (int32 [16][cap]), one output row's sums ([od2][16]),
 * qrt_dwcopy's lines and transpose, and the tap row pointers; returns the total. */
/* The interleaved input rows qrt_convdw holds: for a 2-D (or 1-D) conv a ring
 * of the rows one output row reads, else every row. */
static dlrt_i qrt_dw_rows(const dlrt_win *g) {
  dlrt_i win = (g->k[1] - 1) * g->dil[1] + 1;
  return g->id[0] == 1 && g->od[0] == 1 && win < g->id[1] ? win : g->id[0] * g->id[1];
}
static dlrt_i qrt_dw_dims(const dlrt_win *g, dlrt_i *npr, dlrt_i *wc, dlrt_i *nl, dlrt_i *cap, dlrt_i *at) {
  dlrt_i nrow = qrt_dw_rows(g), kr = g->k[0] * g->k[1], nt;
  *npr = (g->k[2] + 1) / 2, nt = kr * *npr;
  *wc = (g->od[2] - 1) * g->stride[2] + (2 * *npr - 2) * g->dil[2] + 1;
  *nl = g->pad[2] + (g->id[2] + 7) / 8 * 8; /* whole groups of 8 from the left pad on */
  *nl = (*nl > *wc + g->dil[2] ? *nl : *wc + g->dil[2]) + 7;
  *nl -= *nl % 8, *cap = g->od[2] > 64 ? g->od[2] : 64;
  at[0] = 0;
  at[1] = at[0] + nrow * *wc * 64;
  at[2] = at[1] + (nt * 32 + 63) / 64 * 64;
  at[3] = at[2] + nt * 64;
  at[4] = at[3] + 16 * *cap * 4;
  at[5] = at[4] + g->od[2] * 64;
  at[6] = at[5] + *nl * 32;
  at[7] = at[6] + *nl * 32;
  return at[7] + (2 * kr + 32) * (dlrt_i)sizeof(void *);
}
/* @end */

/* @fn qrt_convdw uses qrt_dw_dims qrt_packdw qrt_dwcopy qrt_dwrow qrt_tr16 qrt_out_row */
/* qrt_conv when qrt_dw_ok holds, per block of 16 output channels: the block's
 * input channels interleaved, minus zx, each column holding the pair of values
 * at w and w + dil (so one int16 pair product covers two taps), zero columns
 * at the left and right pads (qrt_dwcopy); per output row the tap rows inside
 * the input (rows in the pads are skipped, not copied; a 2-D conv interleaves
 * each row once, just before the first output row that reads it, into a ring
 * of as many rows as the window spans), qrt_dwrow's sums, then the output
 * stage per channel over runs of at least 64 positions. Weights are read as
 * qrt_packdw writes them: as they are (w.cl = 2, packed by the C target) or
 * packed one block at a time into the scratch. */
static void qrt_convdw(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias,
                       const qrt_mult *mult, qrt_out o, void *y, unsigned char *scratch) {
  dlrt_i npr, wc, nl, cap, at[8], mg = g->m / g->group, ivol = g->id[0] * g->id[1] * g->id[2];
  dlrt_i nrow = g->id[0] * g->id[1], nbuf = qrt_dw_rows(g), kr = g->k[0] * g->k[1], nt, nb = (g->m + 15) / 16;
  dlrt_i od2 = g->od[2], P = g->od[0] * g->od[1] * od2, n, b, l, t, pc, p0, ne, i0, i1, k0, k1, done;
  int16_t *xi, *wq, *ln, *tr;
  int8_t *wb;
  int32_t *sum, *row;
  const int16_t **xr, **wr;
  const int8_t **src, **srow;
  qrt_dw_dims(g, &npr, &wc, &nl, &cap, at);
  nt = kr * npr;
  xi = (int16_t *)(void *)(scratch + at[0]), wb = (int8_t *)(scratch + at[1]);
  wq = (int16_t *)(void *)(scratch + at[2]);
  sum = (int32_t *)(void *)(scratch + at[3]), row = (int32_t *)(void *)(scratch + at[4]);
  ln = (int16_t *)(void *)(scratch + at[5]), tr = (int16_t *)(void *)(scratch + at[6]);
  xr = (const int16_t **)(void *)(scratch + at[7]), wr = xr + kr, src = (const int8_t **)(void *)(wr + kr);
  srow = src + 16;
  for (n = 0; n < g->n; n++)
    for (b = 0; b < nb; b++) {
      const int8_t *wk = w.cl == 2 ? (const int8_t *)w.data + b * nt * 32 : wb;
      if (w.cl != 2) qrt_packdw(g, w, b, wb);
      for (t = 0; t < nt * 32; t++) wq[t] = wk[t];
      for (l = 0; l < 16; l++) src[l] = 16 * b + l < g->m ? x + (n * g->c + (16 * b + l) / mg) * ivol : NULL;
      pc = 0, p0 = 0, done = 0;
      for (i0 = 0; i0 < g->od[0]; i0++)
        for (i1 = 0; i1 < g->od[1]; i1++) {
          dlrt_i last = nbuf < nrow ? i1 * g->stride[1] - g->pad[1] + (g->k[1] - 1) * g->dil[1] : nrow - 1;
          for (; done <= last && done < nrow; done++) { /* the rows this output row is the first to read */
            for (l = 0; l < 16; l++) srow[l] = src[l] ? src[l] + done * g->id[2] : NULL;
            qrt_dwcopy(srow, x, g->id[2], g->pad[2], g->dil[2], wc, nl, zx, ln, tr, xi + done % nbuf * wc * 32);
          }
          for (ne = 0, k0 = 0; k0 < g->k[0]; k0++) {
            dlrt_i z0 = i0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
            if (z0 < 0 || z0 >= g->id[0]) continue;
            for (k1 = 0; k1 < g->k[1]; k1++) {
              dlrt_i z1 = i1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
              if (z1 < 0 || z1 >= g->id[1]) continue;
              xr[ne] = xi + (z0 * g->id[1] + z1) % nbuf * wc * 32, wr[ne++] = wq + (k0 * g->k[1] + k1) * npr * 32;
            }
          }
          qrt_dwrow(xr, wr, ne, npr, od2, g->stride[2], g->dil[2], row);
          qrt_tr16(row, od2, cap, NULL, sum + pc);
          pc += od2;
          if (pc + od2 <= cap && !(i0 == g->od[0] - 1 && i1 == g->od[1] - 1)) continue;
          for (l = 0; l < 16 && 16 * b + l < g->m; l++) {
            dlrt_i ch = 16 * b + l;
            qrt_out_row(sum + l * cap, pc, bias ? bias[ch] : 0, mult[ch], o, y, (n * g->m + ch) * P + p0);
          }
          p0 += pc, pc = 0;
        }
    }
}
/* @end */

/* @fn qrt_pl_ok uses qrt_fast16 */
/* Whether qrt_conv runs this conv on the plane kernel (qrt_convpl): the int32
 * path's conditions, weights of at most 8 bits, an int8 zero point, one input
 * channel per group (depthwise convs, one-channel stems), a 2-D (or 1-D)
 * window without dilation, strides of 1 or 2 and at most 16 x 16 taps. */
static int qrt_pl_ok(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  return qrt_fast16(acc_bits, xes, zx, wbits) && wbits <= 8 && zx >= -128 && zx <= 127 && g->c == g->group &&
         g->id[0] == 1 && g->od[0] == 1 && g->k[0] == 1 && g->pad[0] == 0 && g->dil[1] == 1 && g->dil[2] == 1 &&
         g->stride[1] >= 1 && g->stride[1] <= 2 && g->stride[2] >= 1 && g->stride[2] <= 2 && g->k[1] <= 16 &&
         g->k[2] <= 16;
}
/* @end */

/* @fn qrt_pl_dims uses qrt_grid */
/* qrt_convpl's geometry. The zero-padded input plane (as bytes x + 128, the
 * padding zx + 128) is split into sh x sw phase planes by row and column
 * parity (one plane for stride 1): plane (i % sh) * sw + j % sw holds padded
 * element (i, j) at (i / sh) * wp + j / sw, planes of pb bytes. Outputs are
 * computed on that grid: output (r, c) at q = r * wp + c, nq positions (od[1]
 * * wp rounded up to 16; the columns c >= od[2] are discarded). The taps are
 * grouped in fours along a kernel row within a phase: group t reads plane
 * pl[t] at q + off[t] + 0..3, taps (kh[t], kw0[t] + sw * 0..3), zero past the
 * kernel. The quad planes (AVX-512 body) hold, for each plane and q < nqp, its
 * four bytes q..q+3 as one int32. at[]: byte offsets of the planes, quad
 * planes (two of each: see qrt_convpl), sums (int32 [nq + 16]), packed
 * weights (int32 [m / group][ng]) and the output positions' bits (uint16 [nq /
 * 16]) in the scratch; at[5] its size. */
#define QRT_PL_MAXG 64
typedef struct {
  dlrt_i sh, sw, wp, hp, nq, nqp, pb, ng, at[6];
  dlrt_i pl[QRT_PL_MAXG], off[QRT_PL_MAXG], kh[QRT_PL_MAXG], kw0[QRT_PL_MAXG];
} qrt_plg;
static void qrt_pl_dims(const dlrt_win *g, qrt_plg *d) {
  dlrt_i i, kh, pw, j, omax = 0;
  d->sh = g->stride[1], d->sw = g->stride[2];
  qrt_grid_dims(g, &d->hp, &d->wp);
  d->nq = (g->od[1] * d->wp + 15) / 16 * 16;
  d->ng = 0;
  for (kh = 0; kh < g->k[1]; kh++)
    for (pw = 0; pw < d->sw && pw < g->k[2]; pw++)
      for (j = 0; pw + d->sw * 4 * j < g->k[2]; j++) {
        i = d->ng++;
        d->pl[i] = kh % d->sh * d->sw + pw, d->off[i] = kh / d->sh * d->wp + 4 * j;
        d->kh[i] = kh, d->kw0[i] = pw + d->sw * 4 * j;
        omax = d->off[i] > omax ? d->off[i] : omax;
      }
  d->nqp = (d->nq + omax + 15) / 16 * 16;
  d->pb = d->hp * d->wp + 64 > d->nqp + 16 ? d->hp * d->wp + 64 : d->nqp + 16; /* qrt_plrows_z writes whole vectors */
  d->pb = (d->pb + 63) / 64 * 64;
  d->at[0] = 0;
  d->at[1] = d->at[0] + 2 * d->sh * d->sw * d->pb; /* two of each: see qrt_convpl */
  d->at[2] = d->at[1] + 2 * d->sh * d->sw * d->nqp * 4;
  d->at[3] = d->at[2] + (d->nq + 16) * 4;
  d->at[4] = d->at[3] + (g->m / g->group * d->ng * 4 + 63) / 64 * 64;
  d->at[5] = d->at[4] + (d->nq / 16 * 2 + 63) / 64 * 64;
}
/* @end */

/* @fn qrt_packpl uses qrt_wget */
/* The weights of output channels m0 .. m0 + nm - 1 as qrt_convpl reads them:
 * per channel, per tap group t of d, the int8 weights of its four taps. */
static void qrt_packpl(const dlrt_win *g, const qrt_plg *d, qrt_wts w, dlrt_i m0, dlrt_i nm, int8_t *dst) {
  dlrt_i m, t, l;
  for (m = 0; m < nm; m++)
    for (t = 0; t < d->ng; t++)
      for (l = 0; l < 4; l++) {
        dlrt_i kw = d->kw0[t] + d->sw * l;
        dst[(m * d->ng + t) * 4 + l] =
            (int8_t)(kw < g->k[2] ? qrt_wget(w, ((m0 + m) * g->k[1] + d->kh[t]) * g->k[2] + kw) : 0);
      }
}
/* @end */

/* @fn qrt_plrows uses qrt_simd */
/* The input rows of one plane into d's phase planes (already filled with the
 * padding's byte), as bytes x + 128: with AVX-512 by masked loads and whole
 * stores, 64 bytes of a row at a time, a stride-2 row split into its even and odd
 * columns by one byte shuffle and one qword permutation; else byte by byte. */
#ifdef QRT_WZ
static QRT_TZ void qrt_plrows_z(const dlrt_win *g, const qrt_plg *d, const int8_t *src, uint8_t *pp, int32_t zu) {
  const __m512i flip = _mm512_set1_epi8((char)0x80), vzu = _mm512_set1_epi8((char)zu);
  const __m512i eo = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15));
  const __m512i lanes = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  const dlrt_i ih = g->id[1], iw = g->id[2], hs = d->sh - 1, pb = d->pb, wp = d->wp, pl = g->pad[2];
  const dlrt_i ce = pl / 2 + pl % 2 * pb, co = (pl + 1) / 2 + (pl + 1) % 2 * pb; /* where even and odd columns start */
  const int sw2 = d->sw == 2;
  dlrt_i i1, j;
  for (i1 = 0; i1 < ih; i1++) {
    dlrt_i r = i1 + g->pad[1];
    uint8_t *row = pp + (r & hs) * d->sw * pb + (r >> hs) * wp; /* strides are 1 or 2: no divisions */
    const int8_t *s = src + i1 * iw;
    for (j = 0; j < iw; j += 64) {
      dlrt_i cnt = iw - j < 64 ? iw - j : 64;
      __mmask64 k = cnt == 64 ? ~(__mmask64)0 : ((__mmask64)1 << cnt) - 1;
      /* the bytes past the row are the padding's, so the vector is stored whole (masked stores are slow on
       * some processors): past the row it writes padding, or bytes a later row overwrites (qrt_pl_dims
       * leaves room after the last) */
      __m512i v = _mm512_mask_blend_epi8(k, vzu, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, s + j), flip));
      if (!sw2) {
        _mm512_storeu_si512((void *)(row + pl + j), v);
      } else {
        v = _mm512_permutexvar_epi64(lanes, _mm512_shuffle_epi8(v, eo)); /* evens in bytes 0..31, odds in 32..63 */
        _mm256_storeu_si256((__m256i *)(void *)(row + ce + j / 2), _mm512_castsi512_si256(v));
        _mm256_storeu_si256((__m256i *)(void *)(row + co + j / 2), _mm512_extracti64x4_epi64(v, 1));
      }
    }
  }
}
#endif
static void qrt_plrows_c(const dlrt_win *g, const qrt_plg *d, const int8_t *src, uint8_t *pp) {
  dlrt_i i1, i2;
  for (i1 = 0; i1 < g->id[1]; i1++) {
    dlrt_i r = i1 + g->pad[1];
    uint8_t *row = pp + r % d->sh * d->sw * d->pb + r / d->sh * d->wp;
    for (i2 = 0; i2 < g->id[2]; i2++) {
      dlrt_i c = i2 + g->pad[2];
      row[c % d->sw * d->pb + c / d->sw] = (uint8_t)(src[i1 * g->id[2] + i2] + 128);
    }
  }
}
/* @end */

/* @fn qrt_plsum uses qrt_simd */
/* One output channel's sums on d's grid: -zu * (the sum of its weights) plus,
 * over tap groups t, the four products of its int8 weights wk[4 t ..] and the
 * plane bytes at q + off[t] (exact in int32: at most 256 taps of a byte and an
 * int8). With AVX-512 the phase planes' quad planes (qd, made by the caller
 * through qrt_plquads_z) give one VPDPBUSD per group and 16 positions, four
 * vectors of positions at a time, and only the output's positions are stored
 * (keep: a bit per grid position), closed up; else plain C over all nq grid
 * positions, which the caller closes up. */
#ifdef QRT_WZ
static QRT_TZ void qrt_plquads_z(const qrt_plg *d, const uint8_t *pp, int32_t *qd) {
  const __m512i idx = _mm512_set_epi32(0, 0, 4, 3, 0, 0, 3, 2, 0, 0, 2, 1, 0, 0, 1, 0);
  const __m512i pat = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6));
  dlrt_i p, q;
  for (p = 0; p < d->sh * d->sw; p++)
    for (q = 0; q < d->nqp; q += 16) {
      __m512i v = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(pp + p * d->pb + q)));
      _mm512_storeu_si512((void *)(qd + p * d->nqp + q), _mm512_shuffle_epi8(_mm512_permutexvar_epi32(idx, v), pat));
    }
}
static QRT_TZ void qrt_plsum_z(const qrt_plg *d, const int32_t *qd, const int8_t *wk, int32_t zu,
                               const uint16_t *keep, int32_t *sum) {
  dlrt_i q = 0, t, at = 0;
  __m512i ws = _mm512_setzero_si512(), w[QRT_PL_MAXG], init;
  for (t = 0; t < d->ng; t++) { /* the weights broadcast, and their sum (VPDPBUSD with bytes of 1) */
    int32_t v;
    memcpy(&v, wk + 4 * t, 4);
    w[t] = _mm512_set1_epi32(v), ws = _mm512_dpbusd_epi32(ws, _mm512_set1_epi8(1), w[t]);
  }
  init = _mm512_mullo_epi32(ws, _mm512_set1_epi32(-zu));
  /* each vector's valid positions (keep) closed up by a compress into a register and a whole store:
   * sum has room for 16 past the channel's positions */
  for (; q + 64 <= d->nq; q += 64) {
    __m512i a0 = init, a1 = init, a2 = init, a3 = init;
    for (t = 0; t < d->ng; t++) {
      const int32_t *s = qd + d->pl[t] * d->nqp + q + d->off[t];
      a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512((const void *)s), w[t]);
      a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512((const void *)(s + 16)), w[t]);
      a2 = _mm512_dpbusd_epi32(a2, _mm512_loadu_si512((const void *)(s + 32)), w[t]);
      a3 = _mm512_dpbusd_epi32(a3, _mm512_loadu_si512((const void *)(s + 48)), w[t]);
    }
    _mm512_storeu_si512((void *)(sum + at), _mm512_maskz_compress_epi32(keep[q / 16], a0)), at += __builtin_popcount(keep[q / 16]);
    _mm512_storeu_si512((void *)(sum + at), _mm512_maskz_compress_epi32(keep[q / 16 + 1], a1)), at += __builtin_popcount(keep[q / 16 + 1]);
    _mm512_storeu_si512((void *)(sum + at), _mm512_maskz_compress_epi32(keep[q / 16 + 2], a2)), at += __builtin_popcount(keep[q / 16 + 2]);
    _mm512_storeu_si512((void *)(sum + at), _mm512_maskz_compress_epi32(keep[q / 16 + 3], a3)), at += __builtin_popcount(keep[q / 16 + 3]);
  }
  for (; q < d->nq; q += 16) {
    __m512i a = init;
    for (t = 0; t < d->ng; t++)
      a = _mm512_dpbusd_epi32(a, _mm512_loadu_si512((const void *)(qd + d->pl[t] * d->nqp + q + d->off[t])), w[t]);
    _mm512_storeu_si512((void *)(sum + at), _mm512_maskz_compress_epi32(keep[q / 16], a)), at += __builtin_popcount(keep[q / 16]);
  }
}
#endif
static void qrt_plsum_c(const qrt_plg *d, const uint8_t *pp, const int8_t *wk, int32_t zu, int32_t *sum) {
  dlrt_i q, t;
  int32_t ws = 0;
  for (t = 0; t < 4 * d->ng; t++) ws += wk[t];
  for (q = 0; q < d->nq; q++) sum[q] = -zu * ws;
  for (t = 0; t < d->ng; t++) {
    const uint8_t *s = pp + d->pl[t] * d->pb + d->off[t];
    int32_t w0 = wk[4 * t], w1 = wk[4 * t + 1], w2 = wk[4 * t + 2], w3 = wk[4 * t + 3];
    for (q = 0; q < d->nq; q++) sum[q] += w0 * s[q] + w1 * s[q + 1] + w2 * s[q + 2] + w3 * s[q + 3];
  }
}
/* @end */

/* @fn qrt_convpl uses qrt_pl_dims qrt_packpl qrt_plrows qrt_plsum qrt_out_row qrt_grid */
/* qrt_conv when qrt_pl_ok holds (one input channel per group), per input
 * channel: its plane into phase planes of bytes (qrt_plrows; the padding,
 * zx + 128, written once per call, since every plane fills the same places),
 * then for each of its output channels the sums on the planes' grid
 * (qrt_plsum, sum(w (x + 128)) - (zx + 128) sum(w) = sum(w (x - zx))), the
 * grid's rows closed up to the output's width and the output stage over the
 * whole channel. No transposes: inputs and outputs stay channel-major. The
 * planes are double-buffered: channel c + 1's are written before channel c's
 * sums read theirs, so the loads do not wait on just-stored bytes. Weights are
 * read as qrt_packpl writes them: as they are (w.cl = 2, packed by the C
 * target) or packed one group at a time into the scratch. */
static void qrt_convpl(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias,
                       const qrt_mult *mult, qrt_out o, void *y, unsigned char *scratch) {
  qrt_plg d;
  dlrt_i mg = g->m / g->group, ivol = g->id[1] * g->id[2], P = g->od[1] * g->od[2], od2 = g->od[2];
  dlrt_i nc = g->n * g->c, np, i, m, r, j;
  int32_t zu = (int32_t)(zx + 128), *qd, *sum;
  uint16_t *keep;
  uint8_t *pp;
  int8_t *wb;
  int z = QRT_PICK(1, 0, 0);
  qrt_pl_dims(g, &d);
  np = d.sh * d.sw;
  pp = scratch + d.at[0], qd = (int32_t *)(void *)(scratch + d.at[1]), sum = (int32_t *)(void *)(scratch + d.at[2]);
  wb = (int8_t *)(scratch + d.at[3]), keep = (uint16_t *)(void *)(scratch + d.at[4]);
  memset(pp, (int)zu, (size_t)(2 * np * d.pb));
  dlrt_keep(1, g->od[1], 0, d.wp, g->od[2], d.nq / 16, keep, NULL);
  for (i = 0; i <= nc; i++) { /* the planes of input channel i (n * c + c), then the outputs of channel i - 1 */
    dlrt_i c = (i - 1) % g->c, n = (i - 1) / g->c;
    if (i < nc) {
      uint8_t *pi = pp + i % 2 * np * d.pb;
#ifdef QRT_WZ
      if (z) qrt_plrows_z(g, &d, x + i * ivol, pi, zu), qrt_plquads_z(&d, pi, qd + i % 2 * np * d.nqp);
      else
#endif
        qrt_plrows_c(g, &d, x + i * ivol, pi);
    }
    if (i == 0) continue;
    {
      const int8_t *wk = w.cl == 2 ? (const int8_t *)w.data + c * mg * d.ng * 4 : wb;
      const uint8_t *pc = pp + (i - 1) % 2 * np * d.pb;
      const int32_t *qc = qd + (i - 1) % 2 * np * d.nqp;
      (void)qc;
      if (w.cl != 2) qrt_packpl(g, &d, w, c * mg, mg, wb);
      for (m = 0; m < mg; m++) {
        dlrt_i ch = c * mg + m;
#ifdef QRT_WZ
        if (z) qrt_plsum_z(&d, qc, wk + m * d.ng * 4, zu, keep, sum);
        else
#endif
        {
          qrt_plsum_c(&d, pc, wk + m * d.ng * 4, zu, sum);
          for (r = 1; r < g->od[1]; r++) /* forward: row r moves down, from r * wp to r * od2 */
            for (j = 0; j < od2; j++) sum[r * od2 + j] = sum[r * d.wp + j];
        }
        qrt_out_row(sum, P, bias ? bias[ch] : 0, mult[ch], o, y, (n * g->m + ch) * P);
      }
    }
  }
  (void)z, (void)qd;
}
/* @end */

/* @fn qrt_pw_ok uses qrt_fast16 */
/* Whether qrt_conv runs this conv on the pointwise kernel (qrt_convpw): the
 * int32 path's conditions, weights of at most 8 bits, an int8 zero point, a
 * 1 x 1 window at stride 1 without padding (so each group is a matrix product
 * of its weights and its input channels' planes) and K small enough that sums
 * of up to K products of a byte and an int8 fit int32 before the correction. */
static int qrt_pw_ok(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  int i, one = 1;
  for (i = 0; i < 3; i++)
    one &= g->k[i] == 1 && g->stride[i] == 1 && g->pad[i] == 0 && g->pad_end[i] == 0 && g->od[i] == g->id[i];
  return one && qrt_fast16(acc_bits, xes, zx, wbits) && wbits <= 8 && zx >= -128 && zx <= 127 &&
         g->c / g->group <= 65536;
}
/* @end */

/* @fn qrt_pw_dims */
/* qrt_convpw's scratch, at 64-byte boundaries: *kq quads of input channels
 * per group, *pv4 the positions' vectors of 16 rounded up to 4; at[0] the
 * input as quads (bytes [kq][pv4 * 16][4], AVX-512 body) or one channel's
 * sums (int32 [P], portable body), at[1] the group's weights as int8 [m /
 * group][kq * 4] (unless packed by the C target), at[2] their sums (int32
 * [m / group]), at[3] a row of zero weights; returns the total. */
static dlrt_i qrt_pw_dims(const dlrt_win *g, dlrt_i *kq, dlrt_i *pv4, dlrt_i *at) {
  dlrt_i P = g->od[0] * g->od[1] * g->od[2], mg = g->m / g->group, a0;
  *kq = (g->c / g->group + 3) / 4, *pv4 = (P + 63) / 64 * 4;
  a0 = *kq * *pv4 * 64 > P * 4 ? *kq * *pv4 * 64 : P * 4;
  at[0] = 0;
  at[1] = at[0] + (a0 + 63) / 64 * 64;
  at[2] = at[1] + (mg * *kq * 4 + 63) / 64 * 64;
  at[3] = at[2] + (mg * 4 + 63) / 64 * 64;
  return at[3] + (*kq * 4 + 63) / 64 * 64;
}
/* @end */

/* @fn qrt_packpw uses qrt_wget */
/* The weights of output channels m0 .. m0 + nm - 1 (of a pointwise conv's
 * [m][c / group]) as qrt_convpw reads them: per channel its c / group int8
 * weights, zeros up to a multiple of 4. */
static void qrt_packpw(const dlrt_win *g, qrt_wts w, dlrt_i m0, dlrt_i nm, int8_t *dst) {
  dlrt_i cg = g->c / g->group, k4 = (cg + 3) / 4 * 4, m, k;
  for (m = 0; m < nm; m++)
    for (k = 0; k < k4; k++) dst[m * k4 + k] = (int8_t)(k < cg ? qrt_wget(w, (m0 + m) * cg + k) : 0);
}
/* @end */

/* @fn qrt_pwmul uses qrt_simd qrt_out_row qrt_quad4 */
/* One group of a pointwise conv: y[m][p] = out(sum_c w[m][c] (x[c][p] - zx))
 * for m < mg, p < P. AVX-512: the input channels in quads of bytes x + 128
 * (x4[q][p][4], built 64 positions at a time by byte and word interleaves and
 * a 4 x 4 transpose of 128-bit lanes), then tiles of 4 channels x 64
 * positions, one VPDPBUSD per channel, quad and 16 positions (x + 128 against
 * the int8 weights; the correction -(zx + 128) sum(w) starts each sum), the
 * output stage in registers and stored straight into the channel-major
 * output. Portable C: per channel, sums over the channels in int32 (loops
 * compilers vectorize), then the output stage. */
#ifdef QRT_WZ
static QRT_TZ void qrt_pwquads_z(const int8_t *x, dlrt_i cg, dlrt_i P, dlrt_i kq, dlrt_i pv4, uint8_t *x4) {
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  dlrt_i q, p, t;
  for (q = 0; q < kq; q++)
    for (p = 0; p < P; p += 64) {
      __mmask64 k = P - p >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (P - p)) - 1;
      __m512i r[4], v[4];
      uint8_t *dst = x4 + (q * pv4 * 16 + p) * 4;
      for (t = 0; t < 4; t++)
        r[t] = 4 * q + t < cg ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, x + (4 * q + t) * P + p), flip)
                              : _mm512_setzero_si512();
      qrt_quad4_z(r, v);
      for (t = 0; t < 4; t++) _mm512_storeu_si512((void *)(dst + 64 * t), v[t]);
    }
}
static QRT_TZ void qrt_pwmul_z(const int8_t *x, int32_t zu, const int8_t *wk, const int8_t *zero, dlrt_i mg, dlrt_i cg,
                               dlrt_i P, const int32_t *bias, const qrt_mult *mult, qrt_out o, void *y, dlrt_i ybase,
                               unsigned char *scratch, const dlrt_i *at, dlrt_i kq, dlrt_i pv4) {
  uint8_t *x4 = scratch + at[0];
  int32_t *ws = (int32_t *)(void *)(scratch + at[2]);
  dlrt_i m0, p0, q, r, j, k4 = kq * 4;
  qrt_pwquads_z(x, cg, P, kq, pv4, x4);
  for (r = 0; r < mg; r++) { /* the weights' sums: VPDPBUSD with bytes of 1 */
    __m512i a = _mm512_setzero_si512();
    for (j = 0; j < k4; j += 64) {
      __mmask64 k = k4 - j >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (k4 - j)) - 1;
      a = _mm512_dpbusd_epi32(a, _mm512_set1_epi8(1), _mm512_maskz_loadu_epi8(k, wk + r * k4 + j));
    }
    ws[r] = _mm512_reduce_add_epi32(a);
  }
  for (m0 = 0; m0 < mg; m0 += 4) {
    const int8_t *wr[4];
    for (r = 0; r < 4; r++) wr[r] = m0 + r < mg ? wk + (m0 + r) * k4 : zero;
    for (p0 = 0; p0 < P; p0 += 64) {
      QRT_T44_VARS(a);
      QRT_T44_INIT(a, -zu * ws[m0], m0 + 1 < mg ? -zu * ws[m0 + 1] : 0, m0 + 2 < mg ? -zu * ws[m0 + 2] : 0,
                   m0 + 3 < mg ? -zu * ws[m0 + 3] : 0);
      for (q = 0; q < kq; q++) {
        const uint8_t *s = x4 + (q * pv4 * 16 + p0) * 4;
        int8_t wq[16];
        for (r = 0; r < 4; r++) memcpy(wq + 4 * r, wr[r] + 4 * q, 4);
        QRT_T44_STEP(a, wq, (const int32_t *)(const void *)s);
      }
      QRT_T44_ARRAY(a);
      for (r = 0; r < 4 && m0 + r < mg; r++) {
        dlrt_i ch = m0 + r, y0 = ybase + ch * P;
        if (qrt_m0_31(mult[ch])) {
          qrt_rq_z c = qrt_rq_z_init(bias ? bias[ch] : 0, mult[ch], o);
          for (j = 0; j < 4 && p0 + 16 * j < P; j++) {
            dlrt_i left = P - p0 - 16 * j;
            qrt_rq_z_put(&c, a[r][j], (__mmask16)(left >= 16 ? 0xFFFF : (1u << left) - 1), o.es, y, y0 + p0 + 16 * j);
          }
        } else {
          int32_t t[64];
          for (j = 0; j < 4; j++) _mm512_storeu_si512((void *)(t + 16 * j), a[r][j]);
          qrt_out_row(t, P - p0 < 64 ? P - p0 : 64, bias ? bias[ch] : 0, mult[ch], o, y, y0 + p0);
        }
      }
    }
  }
}
#endif
static void qrt_pwmul_c(const int8_t *x, int32_t zx, const int8_t *wk, dlrt_i mg, dlrt_i cg, dlrt_i P,
                        const int32_t *bias, const qrt_mult *mult, qrt_out o, void *y, dlrt_i ybase, int32_t *sum) {
  dlrt_i m, c, p, k4 = (cg + 3) / 4 * 4;
  for (m = 0; m < mg; m++) {
    for (p = 0; p < P; p++) sum[p] = 0;
    for (c = 0; c < cg; c++) {
      const int8_t *xc = x + c * P;
      int32_t wv = wk[m * k4 + c];
      for (p = 0; p < P; p++) sum[p] += wv * (xc[p] - zx);
    }
    qrt_out_row(sum, P, bias ? bias[m] : 0, mult[m], o, y, ybase + m * P);
  }
}
/* @end */

/* @fn qrt_convpw uses qrt_pw_dims qrt_packpw qrt_pwmul */
/* qrt_conv when qrt_pw_ok holds: per group, its weights as qrt_packpw writes
 * them (as they are when the C target packed them, w.cl = 2; 8-bit weights
 * with a multiple of 4 channels per group read in place; else packed into the
 * scratch), then qrt_pwmul. */
static void qrt_convpw(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias,
                       const qrt_mult *mult, qrt_out o, void *y, unsigned char *scratch) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, P = g->od[0] * g->od[1] * g->od[2], kq, pv4, at[4], n, gr;
  int8_t *zero;
  int z = QRT_PICK(1, 0, 0);
  qrt_pw_dims(g, &kq, &pv4, at);
  zero = (int8_t *)(scratch + at[3]);
  memset(zero, 0, (size_t)(kq * 4));
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      const int8_t *xg = x + (n * g->c + gr * cg) * P, *wk = (const int8_t *)(scratch + at[1]);
      dlrt_i ybase = (n * g->m + gr * mg) * P;
      if (w.cl == 2 || (w.bits == 8 && !w.cb && cg % 4 == 0)) wk = (const int8_t *)w.data + gr * mg * kq * 4;
      else qrt_packpw(g, w, gr * mg, mg, (int8_t *)(scratch + at[1]));
#ifdef QRT_WZ
      if (z) {
        qrt_pwmul_z(xg, (int32_t)(zx + 128), wk, zero, mg, cg, P, bias ? bias + gr * mg : NULL, mult + gr * mg, o, y,
                    ybase, scratch, at, kq, pv4);
        continue;
      }
#endif
      qrt_pwmul_c(xg, (int32_t)zx, wk, mg, cg, P, bias ? bias + gr * mg : NULL, mult + gr * mg, o, y, ybase,
                  (int32_t *)(void *)(scratch + at[0]));
    }
  (void)z;
}
/* @end */

/* @fn qrt_conv_kernels uses qrt_pw_ok qrt_pw_dims qrt_packpw qrt_convpw qrt_pl_ok qrt_pl_dims qrt_packpl qrt_convpl qrt_conv8_ok qrt_conv8_dims qrt_pack8 qrt_conv8 qrt_convgr qrt_dw_ok qrt_dw_dims qrt_packdw qrt_convdw */
/* The int8 conv kernels that read packed weights, in the order qrt_conv tries them (the first whose ok
 * holds runs): the kind qrt_conv_packed names, the test, the scratch in bytes, the packing of all of a
 * conv's weights (dst NULL: only the byte count) and the kernel. A new kernel is one more row. */
typedef struct {
  int kind;
  int (*ok)(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits);
  dlrt_i (*scratch)(const dlrt_win *g);
  dlrt_i (*pack)(const dlrt_win *g, qrt_wts w, int8_t *dst);
  void (*run)(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_wts w, const int32_t *bias, const qrt_mult *mult,
              qrt_out o, void *y, unsigned char *scratch);
} qrt_ckern;
static dlrt_i qrt_pw_scratch(const dlrt_win *g) {
  dlrt_i kq, pv4, at[4];
  return qrt_pw_dims(g, &kq, &pv4, at);
}
static dlrt_i qrt_pw_pack(const dlrt_win *g, qrt_wts w, int8_t *dst) {
  if (dst) qrt_packpw(g, w, 0, g->m, dst);
  return g->m * ((g->c / g->group + 3) / 4 * 4);
}
static dlrt_i qrt_pl_scratch(const dlrt_win *g) {
  qrt_plg d;
  qrt_pl_dims(g, &d);
  return d.at[5];
}
static dlrt_i qrt_pl_pack(const dlrt_win *g, qrt_wts w, int8_t *dst) {
  qrt_plg d;
  qrt_pl_dims(g, &d);
  if (dst) qrt_packpl(g, &d, w, 0, g->m, dst);
  return g->m * d.ng * 4;
}
static dlrt_i qrt_conv8_scratch(const dlrt_win *g) { /* qrt_conv8 picks qrt_convgr_z at run time where it can */
  qrt_grg d;
  dlrt_i cp, pd[3], at[5], a = qrt_conv8_dims(g, &cp, pd, at), b = qrt_gr_geom(g) ? qrt_gr_dims(g, &d) : 0;
  return a > b ? a : b;
}
static dlrt_i qrt_conv8_pack(const dlrt_win *g, qrt_wts w, int8_t *dst) {
  dlrt_i K = g->c / g->group * g->k[0] * g->k[1] * g->k[2], nbg = (g->m / g->group + 15) / 16, gr, b;
  dlrt_i blk = (K + 3) / 4 * 64;
  for (gr = 0; dst && gr < g->group; gr++)
    for (b = 0; b < nbg; b++) qrt_pack8(g, w, gr, b, dst + (gr * nbg + b) * blk);
  return g->group * nbg * blk;
}
static dlrt_i qrt_dw_scratch(const dlrt_win *g) {
  dlrt_i npr, wc, nl, cap, at[8];
  return qrt_dw_dims(g, &npr, &wc, &nl, &cap, at);
}
static dlrt_i qrt_dw_pack(const dlrt_win *g, qrt_wts w, int8_t *dst) {
  dlrt_i nt = g->k[0] * g->k[1] * ((g->k[2] + 1) / 2) * 32, b;
  for (b = 0; dst && b < (g->m + 15) / 16; b++) qrt_packdw(g, w, b, dst + b * nt);
  return (g->m + 15) / 16 * nt;
}
static const qrt_ckern qrt_conv_kernels[] = {
    {4, qrt_pw_ok, qrt_pw_scratch, qrt_pw_pack, qrt_convpw},          /* 1 x 1, stride 1 */
    {3, qrt_pl_ok, qrt_pl_scratch, qrt_pl_pack, qrt_convpl},          /* one input channel per group */
    {1, qrt_conv8_ok, qrt_conv8_scratch, qrt_conv8_pack, qrt_conv8}, /* u8 x s8, 4+ output channels per group */
    {2, qrt_dw_ok, qrt_dw_scratch, qrt_dw_pack, qrt_convdw},          /* the rest of the depthwise convs */
};
/* the row that runs this conv, or NULL */
static const qrt_ckern *qrt_conv_kernel(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  size_t i;
  for (i = 0; i < sizeof qrt_conv_kernels / sizeof qrt_conv_kernels[0]; i++)
    if (qrt_conv_kernels[i].ok(g, xes, zx, wbits, acc_bits)) return &qrt_conv_kernels[i];
  return NULL;
}
/* @end */

/* @fn qrt_conv_packed uses qrt_conv_kernels */
int qrt_conv_packed(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  const qrt_ckern *k = qrt_conv_kernel(g, xes, zx, wbits, acc_bits);
  return k ? k->kind : 0;
}
/* @end */

/* @fn qrt_conv_pack uses qrt_conv_kernels */
dlrt_i qrt_conv_pack(const dlrt_win *g, int kind, qrt_wts w, int8_t *dst) {
  size_t i;
  for (i = 0; i < sizeof qrt_conv_kernels / sizeof qrt_conv_kernels[0]; i++)
    if (qrt_conv_kernels[i].kind == kind) return qrt_conv_kernels[i].pack(g, w, dst);
  return 0;
}
/* @end */

/* @fn qrt_conv uses qrt_ld qrt_igemm qrt_out_store qrt_fast16 qrt_conv16 qrt_conv_kernels */
void qrt_conv(const dlrt_win *g, const void *x, int xes, int64_t zx, qrt_wts w, const int32_t *bias,
              const qrt_mult *mult, qrt_out o, int acc_bits, void *y, void *scratch) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group;
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], P = g->od[0] * g->od[1] * g->od[2];
  dlrt_i n, gr, c, kd, kh, kw, od, oh, ow, m, p;
  int32_t *col;
  int64_t *acc;
  const qrt_ckern *kern = qrt_conv_kernel(g, xes, zx, w.bits, acc_bits);
  if (kern) {
    kern->run(g, (const int8_t *)x, zx, w, bias, mult, o, y, (unsigned char *)scratch);
    return;
  }
  if (qrt_fast16(acc_bits, xes, zx, w.bits)) {
    qrt_conv16(g, (const int8_t *)x, zx, w, bias, mult, o, y, (int16_t *)scratch);
    return;
  }
  col = (int32_t *)scratch, acc = (int64_t *)((char *)scratch + (K * P * 4 + 7) / 8 * 8);
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      dlrt_i xbase = (n * g->c + gr * cg) * ivol, ybase = (n * g->m + gr * mg) * P;
      int32_t *dst = col;
      for (c = 0; c < cg; c++)
        for (kd = 0; kd < g->k[0]; kd++)
          for (kh = 0; kh < g->k[1]; kh++)
            for (kw = 0; kw < g->k[2]; kw++)
              for (od = 0; od < g->od[0]; od++) {
                dlrt_i zd = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
                for (oh = 0; oh < g->od[1]; oh++) {
                  dlrt_i zh = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
                  int rowok = zd >= 0 && zd < g->id[0] && zh >= 0 && zh < g->id[1];
                  dlrt_i src = xbase + ((c * g->id[0] + zd) * g->id[1] + zh) * g->id[2];
                  for (ow = 0; ow < g->od[2]; ow++) {
                    dlrt_i zw = ow * g->stride[2] - g->pad[2] + kw * g->dil[2];
                    *dst++ = rowok && zw >= 0 && zw < g->id[2] ? (int32_t)(qrt_ld(x, xes, src + zw) - zx) : 0;
                  }
                }
              }
      qrt_igemm(mg, P, K, w, gr * mg * K, K, col, P, acc);
      for (m = 0; m < mg; m++) {
        dlrt_i ch = gr * mg + m;
        int64_t b = bias ? bias[ch] : 0;
        for (p = 0; p < P; p++) qrt_out_store(y, ybase + m * P + p, acc[m * P + p] + b, mult[ch], o);
      }
    }
}
/* @end */

/* @fn qrt_conv_cl uses qrt_fast16 */
int qrt_conv_cl(const dlrt_win *g, int xes, int64_t zx, int wbits, int acc_bits) {
  return qrt_fast16(acc_bits, xes, zx, wbits) && wbits == 8 && g->c / g->group % 16 == 0;
}
/* @end */

/* @fn qrt_conv_scratch uses qrt_fast16 qrt_conv16_dims qrt_conv_kernels */
dlrt_i qrt_conv_scratch(const dlrt_win *g, int xes, int64_t zx, qrt_wts w, int acc_bits) {
  dlrt_i K = g->c / g->group * g->k[0] * g->k[1] * g->k[2], P = g->od[0] * g->od[1] * g->od[2];
  dlrt_i cp, pd[3];
  const qrt_ckern *kern = qrt_conv_kernel(g, xes, zx, w.bits, acc_bits);
  if (kern) return kern->scratch(g);
  if (qrt_fast16(acc_bits, xes, zx, w.bits)) {
    dlrt_i nxb = qrt_conv16_dims(g, &cp, pd);
    return (P * cp + 2 * cp + (nxb + 1) / 2 * 2) * 2 + 2 * P * 4;
  }
  return (K * P * 4 + 7) / 8 * 8 + g->m / g->group * P * 8;
}
/* @end */

/* @fn qrt_sparse_ok uses qrt_fast16 */
int qrt_sparse_ok(int xes, int64_t zx, int wbits, int acc_bits) { return qrt_fast16(acc_bits, xes, zx, wbits); }
/* @end */

/* @fn qrt_sparse_row uses qrt_wget */
/* The nonzeros of one mask row of K weights, values from w.v starting at *j:
 * off[t] = at[k] (or k when at is NULL) and wv[t] = the weight, for each
 * nonzero k in order; returns their count and advances *j past them.
 * Branch-free: every k is written and only a set bit advances, so random
 * masks cost no mispredictions (v holds one spare value for the last read). */
static dlrt_i qrt_sparse_row(const unsigned char *mask, dlrt_i K, qrt_wts v, dlrt_i *j, const int32_t *at,
                             int32_t *off, int16_t *wv) {
  dlrt_i nz = 0, k, jj = *j;
  for (k = 0; k < K; k++) {
    dlrt_i bit = mask[k >> 3] >> (k & 7) & 1;
    off[nz] = at ? at[k] : (int32_t)k;
    wv[nz] = (int16_t)(v.bits == 8 ? ((const int8_t *)v.data)[jj] : qrt_wget(v, jj));
    nz += bit, jj += bit;
  }
  *j = jj;
  return nz;
}
/* @end */

/* @fn qrt_axpy4 */
/* s[e] += sum over t < 4 of w[t] * a[t][e] for e < n, a multiple of 16 (so
 * that gcc vectorizes it at -O2 too, as qrt_dot2x2); the caller guarantees
 * that the sums fit int32. Four taps per pass over s: a quarter of the loads
 * and stores of s that one tap at a time would take. */
static void qrt_axpy4(int32_t *restrict s, const int16_t *restrict a0, const int16_t *restrict a1,
                      const int16_t *restrict a2, const int16_t *restrict a3, const int16_t *w, dlrt_i n) {
  const int16_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  dlrt_i e, n16 = n >> 4 << 4;
  for (e = 0; e < n16; e++) s[e] += w0 * a0[e] + w1 * a1[e] + w2 * a2[e] + w3 * a3[e];
}
/* @end */

/* @fn qrt_conv_sparse_dims uses qrt_conv16_dims */
/* The sparse conv's layout (see qrt_conv_sparse): padded input dims pd;
 * *ext whether a tap's sums over all output rows of a plane are one
 * contiguous run (unit strides along h and w), *run the length of the runs
 * the sums are updated in (ext: the plane's rows over the padded width,
 * rounded up to a multiple of 16; else one output row); *nsum the int32 sums
 * per channel; returns the int16 elements of the padded input copy, with
 * slack for the runs' overhang. */
static dlrt_i qrt_conv_sparse_dims(const dlrt_win *g, dlrt_i *pd, int *ext, dlrt_i *run, dlrt_i *nsum) {
  dlrt_i cp, nxb = qrt_conv16_dims(g, &cp, pd);
  *ext = g->stride[1] == 1 && g->stride[2] == 1;
  *run = *ext ? (g->od[1] * pd[2] + 15) / 16 * 16 : g->od[2];
  *nsum = *ext ? g->od[0] * *run : g->od[0] * g->od[1] * g->od[2];
  return (nxb + pd[2] + 16 + 7) / 8 * 8;
}
/* @end */

/* @fn qrt_conv_sparse uses qrt_conv_sparse_dims qrt_pad_copy qrt_sparse_row qrt_axpy4 qrt_out_row */
/* For each group: a zero-padded planar copy of x - zx (as qrt_conv16); for
 * each output channel, the offsets of its nonzero taps into that copy, then
 * for four taps at a time and every output row, sums[p] += w0 * x0[p] + ...
 * + w3 * x3[p] (qrt_axpy4; a last group short of four is padded with zero
 * weights). With unit strides along h and w the output rows of a tap are one
 * run over the padded width (the few extra columns are computed and
 * dropped), long enough to vectorize well. Partial sums are bounded by the
 * proven accumulator width, as in qrt_conv16. */
void qrt_conv_sparse(const dlrt_win *g, const int8_t *x, int64_t zx, qrt_swts w, const int32_t *bias,
                     const qrt_mult *mult, qrt_out o, void *y, void *scratch) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i P = g->od[0] * g->od[1] * g->od[2], pd[3], run, nsum;
  int ext;
  dlrt_i nxb = qrt_conv_sparse_dims(g, pd, &ext, &run, &nsum), plane = pd[1] * pd[2], pvol = pd[0] * plane;
  dlrt_i mrow = (K + 7) / 8, j = 0;
  int16_t *xb = (int16_t *)scratch, *wv;
  int32_t *sum = (int32_t *)(xb + nxb), *at = sum + nsum, *off = at + K;
  dlrt_i n, gr, c, i0, i1, kd, kh, kw, m, t, e, nz;
  wv = (int16_t *)(off + K + 3); /* off and wv: up to K taps, rounded up to a multiple of 4 */
  for (t = 0, c = 0; c < cg; c++)
    for (kd = 0; kd < g->k[0]; kd++)
      for (kh = 0; kh < g->k[1]; kh++)
        for (kw = 0; kw < g->k[2]; kw++)
          at[t++] = (int32_t)(c * pvol + kd * g->dil[0] * plane + kh * g->dil[1] * pd[2] + kw * g->dil[2]);
  for (n = 0; n < g->n; n++) {
    j = 0; /* every image reads the same weights */
    for (gr = 0; gr < g->group; gr++) {
      const int8_t *xg = x + (n * g->c + gr * cg) * g->id[0] * g->id[1] * g->id[2];
      dlrt_i ybase = (n * g->m + gr * mg) * P;
      qrt_pad_copy(g, xg, zx, pd, pvol, 1, xb, nxb);
      for (m = 0; m < mg; m++) {
        dlrt_i ch = gr * mg + m;
        nz = qrt_sparse_row(w.mask + ch * mrow, K, w.v, &j, at, off, wv);
        for (t = 0; t < nsum; t++) sum[t] = 0;
        for (; nz % 4; nz++) off[nz] = off[0], wv[nz] = 0; /* whole groups of four taps */
        for (t = 0; t < nz; t += 4) {
          const int16_t *q0 = xb + off[t], *q1 = xb + off[t + 1], *q2 = xb + off[t + 2], *q3 = xb + off[t + 3];
          for (i0 = 0; i0 < g->od[0]; i0++) {
            dlrt_i d0 = i0 * g->stride[0] * plane, s2 = g->stride[2], d;
            if (ext) {
              qrt_axpy4(sum + i0 * run, q0 + d0, q1 + d0, q2 + d0, q3 + d0, wv + t, run);
              continue;
            }
            for (i1 = 0; i1 < g->od[1]; i1++) {
              int32_t *s = sum + (i0 * g->od[1] + i1) * run;
              for (d = d0 + i1 * g->stride[1] * pd[2], e = 0; e < run; e++, d += s2)
                s[e] += wv[t] * q0[d] + wv[t + 1] * q1[d] + wv[t + 2] * q2[d] + wv[t + 3] * q3[d];
            }
          }
        }
        for (i0 = 0; i0 < g->od[0]; i0++)
          for (i1 = 0; i1 < g->od[1]; i1++)
            qrt_out_row(sum + (ext ? i0 * run + i1 * pd[2] : (i0 * g->od[1] + i1) * run), g->od[2], bias ? bias[ch] : 0,
                        mult[ch], o, y, ybase + m * P + (i0 * g->od[1] + i1) * g->od[2]);
      }
    }
  }
}
/* @end */

/* @fn qrt_conv_sparse_scratch uses qrt_conv_sparse_dims */
dlrt_i qrt_conv_sparse_scratch(const dlrt_win *g) {
  dlrt_i pd[3], run, nsum, K = g->c / g->group * g->k[0] * g->k[1] * g->k[2];
  int ext;
  dlrt_i nxb = qrt_conv_sparse_dims(g, pd, &ext, &run, &nsum);
  return nxb * 2 + nsum * 4 + K * 4 + (K + 3) * 6;
}
/* @end */

/* @fn qrt_matmul16 uses qrt_wunpack qrt_dot2x2 qrt_out_store */
/* qrt_matmul when qrt_fast16 holds for both operands: for chunks of at most
 * 256 along K, the rows of A - za as int16 rows padded to a multiple of 16
 * (converted once per chunk), then for two columns of B at a time those
 * columns (- zb) the same way and 2x2 tiles of dot products added into int32
 * sums (partial sums are bounded by the proven accumulator width too), then
 * the output stage. The scratch stays small: M + 2 chunks and the sums. */
static void qrt_matmul16(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                         const int8_t *a, int64_t za, const qrt_wts *bw, const int8_t *bq, int64_t zb,
                         const int32_t *bias, const qrt_mult *mult, int nmult, qrt_out o, void *y, int16_t *sa) {
  dlrt_i kc = K < 256 ? (K + 15) / 16 * 16 : 256, t, i, j, k, k0;
  int16_t *sb = sa + M * kc;
  int32_t *acc = (int32_t *)(sb + 2 * kc);
  for (t = 0; t < batches; t++) {
    for (i = 0; i < M * N; i++) acc[i] = 0;
    for (k0 = 0; k0 < K; k0 += kc) {
      dlrt_i kn = K - k0 < kc ? K - k0 : kc, kp = (kn + 15) / 16 * 16;
      for (i = 0; i < M; i++) {
        const int8_t *src = a + aoff[t] + i * K + k0;
        int16_t *dst = sa + i * kc;
        for (k = 0; k < kn; k++) dst[k] = (int16_t)(src[k] - za);
        for (; k < kp; k++) dst[k] = 0;
      }
      for (j = 0; j < N; j += 2) {
        dlrt_i j1 = j + 1 < N ? j + 1 : j, c;
        for (c = 0; c < 2; c++) {
          int16_t *dst = sb + c * kc;
          dlrt_i col = c ? j1 : j;
          if (bw) {
            qrt_wunpack(*bw, boff[t] + k0 * N + col, kn, N, 1, kp, dst);
          } else {
            for (k = 0; k < kn; k++) dst[k] = (int16_t)(bq[boff[t] + (k0 + k) * N + col] - zb);
            for (; k < kp; k++) dst[k] = 0;
          }
        }
        for (i = 0; i < M; i += 2) {
          dlrt_i i1 = i + 1 < M ? i + 1 : i;
          int32_t s[4] = {0, 0, 0, 0};
          qrt_dot2x2(sa + i * kc, sa + i1 * kc, sb, sb + kc, kp, s);
          acc[i * N + j] += s[0];
          if (j1 != j) acc[i * N + j1] += s[1];
          if (i1 != i) acc[i1 * N + j] += s[2];
          if (i1 != i && j1 != j) acc[i1 * N + j1] += s[3];
        }
      }
    }
    for (i = 0; i < M; i++)
      for (j = 0; j < N; j++)
        qrt_out_store(y, (t * M + i) * N + j, (int64_t)acc[i * N + j] + (bias ? bias[j] : 0), mult[nmult > 1 ? j : 0],
                      o);
  }
}
/* @end */

/* @fn qrt_matmul8_ok uses qrt_fast16 */
/* Whether qrt_matmul runs as u8 x s8 -> s32 (qrt_matmul8): the int32 path's
 * conditions, constant weights of at most 8 bits, an int8 zero point for A (so
 * a + 128 and za + 128 are bytes) and K <= 512 (A's byte rows stay no larger
 * than qrt_matmul16's int16 chunks, and a tile's sums fit int32 before the
 * correction). */
static int qrt_matmul8_ok(dlrt_i K, int aes, int64_t za, const qrt_wts *bw, int acc_bits) {
  return bw && bw->bits <= 8 && qrt_fast16(acc_bits, aes, za, bw->bits) && za >= -128 && za <= 127 && K <= 512;
}
/* @end */

/* @fn qrt_matmul8_dims */
/* qrt_matmul8's scratch in bytes, at 64-byte boundaries: A as byte rows (M x
 * cp, cp = K rounded up to 16), one block of 16 columns of B packed (64 bytes
 * per 4 k), the tile's int16 copies (w16, c16; qrt_tile8) and its 8 x 16 sums. */
static dlrt_i qrt_matmul8_dims(dlrt_i M, dlrt_i K, dlrt_i *at) {
  dlrt_i cp = (K + 15) / 16 * 16, kq = (K + 3) / 4, sz[5], i, o = 0;
  sz[0] = M * cp, sz[1] = 64 * kq, sz[2] = 32 * cp, sz[3] = 16 * cp, sz[4] = 8 * 16 * 4;
  for (i = 0; i < 5; i++) at[i] = o, o += (sz[i] + 63) / 64 * 64;
  return o;
}
/* @end */

/* @fn qrt_out16 uses qrt_simd qrt_st */
/* The output stage of up to 16 outputs that each have their own multiplier
 * (a row of a matmul's block of 16 columns): y[y0 + l] = clamp(zp + floor((v[l]
 * * m0[l] + rnd[l]) / 2^sh[l])) for l < n, where rnd = 2^(shift - 1) and sh =
 * shift for shift > 0, else both 0: qrt_requant's definition, given per lane.
 * The caller has checked 0 <= m0 < 2^31 and |v| < 2^31 (acc_bits <= 32). With
 * AVX-512: 8 int64 lanes per step (VPMULDQ, VPSRAVQ, 64-bit clamps, a masked
 * narrowing store); otherwise the plain loop. */
#ifdef QRT_WZ
static QRT_TZ void qrt_out16_z(const int64_t *v, dlrt_i n, const int64_t *m0, const int64_t *rnd, const int64_t *sh,
                               qrt_out o, void *y, dlrt_i y0) {
  const __m512i vz = _mm512_set1_epi64(o.zp), vlo = _mm512_set1_epi64(o.lo), vhi = _mm512_set1_epi64(o.hi);
  int h;
  for (h = 0; h < 2; h++) {
    dlrt_i left = n - 8 * h;
    __mmask8 k = (__mmask8)(left >= 8 ? 0xFF : left <= 0 ? 0 : (1u << left) - 1);
    __m512i t;
    if (!k) break;
    t = _mm512_mul_epi32(_mm512_maskz_loadu_epi64(k, v + 8 * h), _mm512_maskz_loadu_epi64(k, m0 + 8 * h));
    t = _mm512_srav_epi64(_mm512_add_epi64(t, _mm512_maskz_loadu_epi64(k, rnd + 8 * h)),
                          _mm512_maskz_loadu_epi64(k, sh + 8 * h));
    t = _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(t, vz), vlo), vhi);
    if (o.es == 1) _mm512_mask_cvtepi64_storeu_epi8((int8_t *)y + y0 + 8 * h, k, t);
    else if (o.es == 2) _mm512_mask_cvtepi64_storeu_epi16((int16_t *)y + y0 + 8 * h, k, t);
    else _mm512_mask_cvtepi64_storeu_epi32((int32_t *)y + y0 + 8 * h, k, t);
  }
}
#endif
#if !defined(QRT_WZ) || defined(QRT_WX)
static void qrt_out16_c(const int64_t *v, dlrt_i n, const int64_t *m0, const int64_t *rnd, const int64_t *sh,
                        qrt_out o, void *y, dlrt_i y0) {
  dlrt_i l;
  for (l = 0; l < n; l++) {
    int64_t t = v[l] * m0[l] + rnd[l];
    t = (t >= 0 ? t >> sh[l] : ~((~t) >> sh[l])) + o.zp;
    t = t > o.lo ? t : o.lo;
    qrt_st(y, o.es, y0 + l, t < o.hi ? t : o.hi);
  }
}
#endif
static void qrt_out16(const int64_t *v, dlrt_i n, const int64_t *m0, const int64_t *rnd, const int64_t *sh,
                      qrt_out o, void *y, dlrt_i y0) {
  QRT_PICK(qrt_out16_z(v, n, m0, rnd, sh, o, y, y0), qrt_out16_c(v, n, m0, rnd, sh, o, y, y0),
           qrt_out16_c(v, n, m0, rnd, sh, o, y, y0));
}
/* @end */

/* @fn qrt_matmul8 uses qrt_matmul8_dims qrt_wget qrt_tile8 qrt_out_store qrt_out16 */
/* Y = A B with constant weights through the u8 x s8 tile of the convolutions
 * (qrt_tile8: VPDPBUSD with AVX-512 VNNI): A's rows as bytes u = a + 128, so
 * sum (a - za) w = sum u w - (za + 128) sum w; per block of 16 columns of B,
 * packed here as the tile reads it (per 4 k, 16 columns x 4 bytes), 8 rows of
 * A at a time, then the output stage. Exact int32 sums: the same bits as
 * qrt_matmul16. */
static void qrt_matmul8(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                        const int8_t *a, int64_t za, qrt_wts bw, const int32_t *bias, const qrt_mult *mult, int nmult,
                        qrt_out o, void *y, unsigned char *scratch) {
  dlrt_i cp = (K + 15) / 16 * 16, kq = (K + 3) / 4, at[5], t, i, k, b, l, p0, p;
  uint8_t *au;
  int8_t *wp;
  int16_t *w16, *c16;
  int32_t *tile, ws[16];
  int64_t m0[16], rnd[16], sh[16];
  int lanes;
  qrt_matmul8_dims(M, K, at);
  au = scratch + at[0], wp = (int8_t *)(scratch + at[1]);
  w16 = (int16_t *)(void *)(scratch + at[2]), c16 = (int16_t *)(void *)(scratch + at[3]);
  tile = (int32_t *)(void *)(scratch + at[4]);
  for (t = 0; t < batches; t++) {
    for (i = 0; i < M; i++) {
      const int8_t *src = a + aoff[t] + i * K;
      uint8_t *dst = au + i * cp;
      for (k = 0; k < K; k++) dst[k] = (uint8_t)(src[k] + 128);
      for (; k < cp; k++) dst[k] = 0;
    }
    for (b = 0; 16 * b < N; b++) {
      dlrt_i n0 = 16 * b, nch = N - n0 < 16 ? N - n0 : 16;
      for (l = 0; l < 16; l++) ws[l] = 0;
      if (nch < 16 || K % 4) memset(wp, 0, (size_t)(64 * kq));
      for (k = 0; k < K; k++) { /* row k of the block: 16 bytes to 16 places 4 apart */
        int8_t *d = wp + (k >> 2) * 64 + (k & 3);
        if (bw.bits == 8) {
          const int8_t *r = (const int8_t *)bw.data + boff[t] + k * N + n0;
          for (l = 0; l < nch; l++) d[4 * l] = r[l], ws[l] += r[l];
        } else {
          for (l = 0; l < nch; l++) {
            int32_t v = (int32_t)qrt_wget(bw, boff[t] + k * N + n0 + l);
            d[4 * l] = (int8_t)v, ws[l] += v;
          }
        }
      }
      qrt_tile8_prep(wp, kq, w16);
      for (l = 0, lanes = 1; l < nch; l++) { /* the block's multipliers as lanes (qrt_out16) */
        qrt_mult m = mult[nmult > 1 ? n0 + l : 0];
        m0[l] = m.m0, rnd[l] = m.shift > 0 ? (int64_t)1 << (m.shift - 1) : 0, sh[l] = m.shift > 0 ? m.shift : 0;
        if (!qrt_m0_31(m) || m.shift > 62) lanes = 0;
      }
      for (p0 = 0; p0 < M; p0 += 8) {
        dlrt_i np = M - p0 < 8 ? M - p0 : 8;
        qrt_tile8(au + p0 * cp, cp, np, wp, kq, w16, c16, tile);
        for (p = 0; p < np; p++) {
          int64_t v[16];
          for (l = 0; l < nch; l++) v[l] = (int64_t)tile[16 * p + l] - (za + 128) * ws[l] + (bias ? bias[n0 + l] : 0);
          if (lanes) qrt_out16(v, nch, m0, rnd, sh, o, y, (t * M + p0 + p) * N + n0);
          else
            for (l = 0; l < nch; l++) qrt_out_store(y, (t * M + p0 + p) * N + n0 + l, v[l], mult[nmult > 1 ? n0 + l : 0], o);
        }
      }
    }
  }
}
/* @end */

/* @fn qrt_matmul uses qrt_ld qrt_wget qrt_out_store qrt_fast16 qrt_matmul16 qrt_matmul8_ok qrt_matmul8 */
void qrt_matmul(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                const void *a, int aes, int64_t za, const qrt_wts *bw, const void *bq, int bes, int64_t zb,
                const int32_t *bias, const qrt_mult *mult, int nmult, qrt_out o, int acc_bits, void *y,
                void *scratch) {
  dlrt_i t, i, j, k;
  int64_t *acc = (int64_t *)scratch;
  if (qrt_matmul8_ok(K, aes, za, bw, acc_bits)) {
    qrt_matmul8(batches, aoff, boff, M, N, K, (const int8_t *)a, za, *bw, bias, mult, nmult, o, y,
                (unsigned char *)scratch);
    return;
  }
  if (qrt_fast16(acc_bits, aes, za, bw ? bw->bits : 16) && (bw || qrt_fast16(acc_bits, bes, zb, 16))) {
    qrt_matmul16(batches, aoff, boff, M, N, K, (const int8_t *)a, za, bw, (const int8_t *)bq, zb, bias, mult, nmult,
                 o, y, (int16_t *)scratch);
    return;
  }
  for (t = 0; t < batches; t++)
    for (i = 0; i < M; i++) {
      for (j = 0; j < N; j++) acc[j] = 0;
      for (k = 0; k < K; k++) {
        int64_t av = qrt_ld(a, aes, aoff[t] + i * K + k) - za;
        dlrt_i brow = boff[t] + k * N;
        if (av == 0) continue;
        if (bw && bw->bits == 8) {
          const int8_t *b8 = (const int8_t *)bw->data + brow;
          for (j = 0; j < N; j++) acc[j] += av * b8[j];
        } else if (bw) {
          for (j = 0; j < N; j++) acc[j] += av * qrt_wget(*bw, brow + j);
        } else
          for (j = 0; j < N; j++) acc[j] += av * (qrt_ld(bq, bes, brow + j) - zb);
      }
      for (j = 0; j < N; j++)
        qrt_out_store(y, (t * M + i) * N + j, acc[j] + (bias ? bias[j] : 0), mult[nmult > 1 ? j : 0], o);
    }
}
/* @end */

/* @fn qrt_amul */
/* sign(a) sign(b) t[|b| * 256 + |a|]: an unsigned 8x8 multiplier's product table
 * on a sign-magnitude datapath; a zero operand gives 0 (|a|, |b| <= 255) */
static int64_t qrt_amul(const int32_t *t, int64_t a, int64_t b) {
  int64_t p;
  if (!a || !b) return 0;
  p = t[(b < 0 ? -b : b) * 256 + (a < 0 ? -a : a)];
  return (a < 0) != (b < 0) ? -p : p;
}
/* @end */

/* @fn qrt_conv_approx_scratch */
dlrt_i qrt_conv_approx_scratch(const dlrt_win *g) {
  dlrt_i K = g->c / g->group * g->k[0] * g->k[1] * g->k[2], P = g->od[0] * g->od[1] * g->od[2];
  return (2 * K * P + 15) / 16 * 16 + 8 * P;
}
/* @end */

/* @fn qrt_conv_approx uses qrt_ld qrt_wget qrt_out_store qrt_conv_approx_scratch */
/* Per group: the im2col rows of |x - zx| (bytes) and their signs (0 or -1), then
 * per output channel and tap one table row M(., |w|) read at every position. */
void qrt_conv_approx(const dlrt_win *g, const void *x, int xes, int64_t zx, qrt_wts w, const int32_t *bias,
                     const qrt_mult *mult, qrt_out o, const int32_t *tab, void *y, void *scratch) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group, K = cg * g->k[0] * g->k[1] * g->k[2];
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], P = g->od[0] * g->od[1] * g->od[2];
  unsigned char *ua = (unsigned char *)scratch;
  signed char *sa = (signed char *)scratch + K * P;
  int64_t *acc = (int64_t *)((char *)scratch + (2 * K * P + 15) / 16 * 16);
  dlrt_i n, gr, c, kd, kh, kw, od, oh, ow, m, k, p;
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      dlrt_i xbase = (n * g->c + gr * cg) * ivol, i = 0;
      for (c = 0; c < cg; c++)
        for (kd = 0; kd < g->k[0]; kd++)
          for (kh = 0; kh < g->k[1]; kh++)
            for (kw = 0; kw < g->k[2]; kw++)
              for (od = 0; od < g->od[0]; od++) {
                dlrt_i zd = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
                for (oh = 0; oh < g->od[1]; oh++) {
                  dlrt_i zh = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
                  int rowok = zd >= 0 && zd < g->id[0] && zh >= 0 && zh < g->id[1];
                  dlrt_i src = xbase + ((c * g->id[0] + zd) * g->id[1] + zh) * g->id[2];
                  for (ow = 0; ow < g->od[2]; ow++, i++) {
                    dlrt_i zw = ow * g->stride[2] - g->pad[2] + kw * g->dil[2];
                    /* padding is the real value 0: no product */
                    int64_t a = rowok && zw >= 0 && zw < g->id[2] ? qrt_ld(x, xes, src + zw) - zx : 0;
                    ua[i] = (unsigned char)(a < 0 ? -a : a);
                    sa[i] = (signed char)(a < 0 ? -1 : 0);
                  }
                }
              }
      for (m = 0; m < mg; m++) {
        dlrt_i ch = gr * mg + m;
        for (p = 0; p < P; p++) acc[p] = 0;
        for (k = 0; k < K; k++) {
          int32_t wv = qrt_wget(w, ch * K + k);
          const int32_t *row = tab + (wv < 0 ? -wv : wv) * 256;
          const unsigned char *u = ua + k * P;
          const signed char *sg = sa + k * P;
          int32_t sw = wv < 0 ? -1 : 0;
          if (!wv) continue;
          for (p = 0; p < P; p++) { /* row[0] is 0: a zero operand gives 0 */
            int32_t s = sg[p] ^ sw;
            acc[p] += (row[u[p]] ^ s) - s;
          }
        }
        for (p = 0; p < P; p++)
          qrt_out_store(y, (n * g->m + ch) * P + p, acc[p] + (bias ? bias[ch] : 0), mult[ch], o);
      }
    }
}
/* @end */

/* @fn qrt_matmul_approx uses qrt_ld qrt_wget qrt_out_store qrt_amul */
void qrt_matmul_approx(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                       const void *a, int aes, int64_t za, qrt_wts bw, const int32_t *bias, const qrt_mult *mult,
                       int nmult, qrt_out o, const int32_t *tab, void *y) {
  dlrt_i t, i, j, k;
  for (t = 0; t < batches; t++)
    for (i = 0; i < M; i++)
      for (j = 0; j < N; j++) {
        int64_t acc = 0;
        for (k = 0; k < K; k++)
          acc += qrt_amul(tab, qrt_ld(a, aes, aoff[t] + i * K + k) - za, qrt_wget(bw, boff[t] + k * N + j));
        qrt_out_store(y, (t * M + i) * N + j, acc + (bias ? bias[j] : 0), mult[nmult > 1 ? j : 0], o);
      }
}
/* @end */

/* @fn qrt_matmul_scratch uses qrt_fast16 qrt_matmul8_ok qrt_matmul8_dims */
dlrt_i qrt_matmul_scratch(dlrt_i M, dlrt_i N, dlrt_i K, int aes, int64_t za, const qrt_wts *bw, int bes, int64_t zb,
                          int acc_bits) {
  dlrt_i at[5];
  if (qrt_matmul8_ok(K, aes, za, bw, acc_bits)) return qrt_matmul8_dims(M, K, at);
  if (qrt_fast16(acc_bits, aes, za, bw ? bw->bits : 16) && (bw || qrt_fast16(acc_bits, bes, zb, 16)))
    return (M + 2) * (K < 256 ? (K + 15) / 16 * 16 : 256) * 2 + M * N * 4;
  return N * 8;
}
/* @end */

/* @fn qrt_matmul_sparse uses qrt_sparse_row qrt_out_store */
/* A - za transposed into int16 [K][M]; for each column n of B, its nonzero
 * rows k, two at a time: sums[i] += w0 * a[k0][i] + w1 * a[k1][i]. */
void qrt_matmul_sparse(dlrt_i batches, const dlrt_i *aoff, dlrt_i M, dlrt_i N, dlrt_i K, const int8_t *a, int64_t za,
                       qrt_swts w, const int32_t *bias, const qrt_mult *mult, int nmult, qrt_out o, void *y,
                       void *scratch) {
  int16_t *at = (int16_t *)scratch, *wv;
  int32_t *sum = (int32_t *)(at + (K * M + 7) / 8 * 8), *off = sum + M;
  dlrt_i mrow = (K + 7) / 8, t, i, k, n, j, nz, r;
  wv = (int16_t *)(off + K);
  for (t = 0; t < batches; t++) {
    for (i = 0; i < M; i++)
      for (k = 0; k < K; k++) at[k * M + i] = (int16_t)(a[aoff[t] + i * K + k] - za);
    for (j = 0, n = 0; n < N; n++) {
      nz = qrt_sparse_row(w.mask + n * mrow, K, w.v, &j, NULL, off, wv);
      for (i = 0; i < M; i++) sum[i] = 0;
      for (r = 0; r < nz; r += 2) {
        const int16_t w0 = wv[r], w1 = r + 1 < nz ? wv[r + 1] : 0;
        const int16_t *restrict a0 = at + off[r] * M, *restrict a1 = at + (r + 1 < nz ? off[r + 1] : off[r]) * M;
        for (i = 0; i < M; i++) sum[i] += w0 * a0[i] + w1 * a1[i];
      }
      for (i = 0; i < M; i++)
        qrt_out_store(y, (t * M + i) * N + n, (int64_t)sum[i] + (bias ? bias[n] : 0), mult[nmult > 1 ? n : 0], o);
    }
  }
}
/* @end */

/* @fn qrt_matmul_sparse_scratch */
dlrt_i qrt_matmul_sparse_scratch(dlrt_i M, dlrt_i K) { return (K * M + 7) / 8 * 8 * 2 + M * 4 + K * 4 + K * 2; }
/* @end */

/* @fn qrt_binary uses qrt_simd qrt_ld qrt_st qrt_requant */
static int64_t qrt_binary1(int op, int64_t p, int64_t s, qrt_mult ma, qrt_mult mb, qrt_out o) {
  int64_t v;
  if (op == 2) {
    v = qrt_requant(p * s, ma);
  } else {
    qrt_mult m = {1, ma.shift};
    v = qrt_requant(p * ma.m0 + (op ? -s : s) * mb.m0, m);
  }
  v += o.zp;
  v = v > o.lo ? v : o.lo; /* as in qrt_out_store */
  return v < o.hi ? v : o.hi;
}

#ifdef QRT_WZ
/* qrt_binary1 over n int8 pairs (add 0, sub 1, mul 2), 8 int64 lanes per step
 * (VPMULDQ, an arithmetic shift: qrt_requant's floor), the last n % 8 as the
 * plain loop. The caller checked 1 <= ma.shift <= 62 and 0 <= m0 < 2^31, so
 * every product fits int64 (|a - za|, |b - zb| <= 255). Returns how many it did. */
static QRT_TZ dlrt_i qrt_bin8_z(int op, const int8_t *a, int64_t za, const int8_t *b, int64_t zb, dlrt_i n,
                                qrt_mult ma, qrt_mult mb, qrt_out o, int8_t *y) {
  const __m512i vza = _mm512_set1_epi64(za), vzb = _mm512_set1_epi64(zb), vma = _mm512_set1_epi64(ma.m0);
  const __m512i vmb = _mm512_set1_epi64(op == 1 ? -mb.m0 : mb.m0), vr = _mm512_set1_epi64((int64_t)1 << (ma.shift - 1));
  const __m512i vz = _mm512_set1_epi64(o.zp), vlo = _mm512_set1_epi64(o.lo), vhi = _mm512_set1_epi64(o.hi);
  const __m128i cnt = _mm_cvtsi32_si128(ma.shift);
  dlrt_i j;
  for (j = 0; j + 8 <= n; j += 8) {
    __m512i p = _mm512_sub_epi64(_mm512_cvtepi8_epi64(_mm_loadl_epi64((const __m128i *)(const void *)(a + j))), vza);
    __m512i s = _mm512_sub_epi64(_mm512_cvtepi8_epi64(_mm_loadl_epi64((const __m128i *)(const void *)(b + j))), vzb);
    __m512i t = op == 2 ? _mm512_mul_epi32(_mm512_mul_epi32(p, s), vma)
                        : _mm512_add_epi64(_mm512_mul_epi32(p, vma), _mm512_mul_epi32(s, vmb));
    t = _mm512_add_epi64(_mm512_sra_epi64(_mm512_add_epi64(t, vr), cnt), vz);
    t = _mm512_min_epi64(_mm512_max_epi64(t, vlo), vhi);
    _mm_storel_epi64((__m128i *)(void *)(y + j), _mm512_cvtepi64_epi8(t));
  }
  return j;
}
#endif

void qrt_binary(int op, int r, const dlrt_i *d, const void *a, int aes, const dlrt_i *as, int64_t za,
                const void *b, int bes, const dlrt_i *bs, int64_t zb, qrt_mult ma, qrt_mult mb, qrt_out o,
                void *y) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? d[r - 1] : 1, sa = r ? as[r - 1] : 0, sb = r ? bs[r - 1] : 0, q,
         j;
  int i;
  for (i = 0; i < r; i++) total *= d[i];
  for (q = 0; q < total; q += inner) {
    dlrt_i ao = 0, bo = 0;
    for (i = 0; i + 1 < r; i++) ao += idx[i] * as[i], bo += idx[i] * bs[i];
    if (aes == 1 && bes == 1 && o.es == 1) {
      const int8_t *pa = (const int8_t *)a + ao, *pb = (const int8_t *)b + bo;
      int8_t *py = (int8_t *)y + q;
      j = 0;
      if (sa == 1 && sb == 1 && op >= 0 && op <= 2 && ma.shift >= 1 && ma.shift <= 62 && qrt_m0_31(ma) &&
          (op == 2 || qrt_m0_31(mb)) &&
          za >= -128 && za <= 127 && zb >= -128 && zb <= 127)
        j = QRT_PICK(qrt_bin8_z(op, pa, za, pb, zb, inner, ma, mb, o, py), 0, 0);
      for (; j < inner; j++) py[j] = (int8_t)qrt_binary1(op, pa[j * sa] - za, pb[j * sb] - zb, ma, mb, o);
    } else {
      for (j = 0; j < inner; j++)
        qrt_st(y, o.es, q + j,
               qrt_binary1(op, qrt_ld(a, aes, ao + j * sa) - za, qrt_ld(b, bes, bo + j * sb) - zb, ma, mb, o));
    }
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < d[i]) break;
      idx[i] = 0;
    }
  }
}
/* @end */

/* @fn qrt_lut uses qrt_ld qrt_st */
void qrt_lut(dlrt_i n, const void *x, int xes, int64_t lo_in, const int32_t *lut, int yes, void *y) {
  dlrt_i i;
  for (i = 0; i < n; i++) qrt_st(y, yes, i, lut[qrt_ld(x, xes, i) - lo_in]);
}
/* @end */

/* @fn qrt_clamp uses qrt_ld qrt_st */
void qrt_clamp(dlrt_i n, const void *x, int64_t lo, int64_t hi, int es, void *y) {
  dlrt_i i;
  for (i = 0; i < n; i++) {
    int64_t v = qrt_ld(x, es, i);
    qrt_st(y, es, i, v < lo ? lo : v > hi ? hi : v);
  }
}
/* @end */

/* @fn qrt_div_round */
/* round_half_up(s / c) for c > 0: floor((2s + c) / 2c). */
static int64_t qrt_div_round(int64_t s, int64_t c) {
  int64_t num = 2 * s + c, den = 2 * c, q = num / den;
  if ((num % den != 0) && (num < 0)) q--;
  return q;
}
/* @end */

/* @fn qrt_maxpool8 uses qrt_simd */
/* Max pooling of int8 planes whose windows all lie inside the input (no
 * padding reached, no dilation, 2-D): channel by channel, output row by output
 * row, contiguous reads. The common 2 x 2 window at stride 2 with AVX-512: the
 * two input rows' bytewise maximum, its even and odd columns split by a byte
 * shuffle and a qword permutation, their maximum, 32 outputs at a time,
 * stored whole (only the tensor's last bytes masked); else plain C. Returns 0 when the geometry is not one of these. */
#ifdef QRT_WZ
static QRT_TZ void qrt_maxpool22_z(const dlrt_win *g, dlrt_i nc, const int8_t *x, int8_t *y) {
  const __m512i eo = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15));
  const __m512i lanes = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  const dlrt_i ih = g->id[1], iw = g->id[2], oh = g->od[1], ow = g->od[2];
  dlrt_i q, r, j;
  for (q = 0; q < nc; q++)
    for (r = 0; r < oh; r++) {
      const int8_t *a = x + (q * ih + 2 * r) * iw;
      int8_t *o = y + (q * oh + r) * ow;
      for (j = 0; j < ow; j += 32) {
        dlrt_i cnt = 2 * (ow - j < 32 ? ow - j : 32);
        __mmask64 k = cnt == 64 ? ~(__mmask64)0 : ((__mmask64)1 << cnt) - 1;
        __m512i v = _mm512_max_epi8(_mm512_maskz_loadu_epi8(k, a + 2 * j), _mm512_maskz_loadu_epi8(k, a + iw + 2 * j));
        v = _mm512_permutexvar_epi64(lanes, _mm512_shuffle_epi8(v, eo));
        v = _mm512_max_epi8(v, _mm512_shuffle_i64x2(v, v, 0x4E)); /* bytes 0..31: the maxima of column pairs */
        if ((o - y) + j + 32 > nc * oh * ow) _mm512_mask_storeu_epi8(o + j, k >> (cnt / 2), v);
        else _mm256_storeu_si256((__m256i *)(void *)(o + j), _mm512_castsi512_si256(v)); /* past the row: bytes written later */
      }
    }
}
#endif
static int qrt_maxpool8(const dlrt_win *g, const int8_t *x, int8_t *y) {
  dlrt_i nc = g->n * g->c, q, r, c, kh, kw, i;
  for (i = 0; i < 3; i++)
    if (g->pad[i] || g->dil[i] != 1 || (g->od[i] - 1) * g->stride[i] + g->k[i] > g->id[i]) return 0;
  if (g->id[0] != 1 || g->k[0] != 1) return 0;
#ifdef QRT_WZ
  if (g->k[1] == 2 && g->k[2] == 2 && g->stride[1] == 2 && g->stride[2] == 2 && QRT_PICK(1, 0, 0)) {
    qrt_maxpool22_z(g, nc, x, y);
    return 1;
  }
#endif
  for (q = 0; q < nc; q++)
    for (r = 0; r < g->od[1]; r++)
      for (c = 0; c < g->od[2]; c++) {
        const int8_t *a = x + (q * g->id[1] + r * g->stride[1]) * g->id[2] + c * g->stride[2];
        int8_t m = -128;
        for (kh = 0; kh < g->k[1]; kh++)
          for (kw = 0; kw < g->k[2]; kw++) m = a[kh * g->id[2] + kw] > m ? a[kh * g->id[2] + kw] : m;
        y[(q * g->od[1] + r) * g->od[2] + c] = m;
      }
  return 1;
}
/* @end */

/* @fn qrt_pool uses qrt_ld qrt_st qrt_div_round qrt_maxpool8 */
/* Taps [*k0, *k1) of window o along dim d whose input index lies in [lo, hi). */
static void qrt_krange(const dlrt_win *g, int d, dlrt_i o, dlrt_i lo, dlrt_i hi, dlrt_i *k0, dlrt_i *k1) {
  dlrt_i z = o * g->stride[d] - g->pad[d], a = 0, b = g->k[d];
  while (a < b && z + a * g->dil[d] < lo) a++;
  while (b > a && z + (b - 1) * g->dil[d] >= hi) b--;
  *k0 = a, *k1 = b;
}

void qrt_pool(const dlrt_win *g, int kind, const void *x, int64_t zp, int es, void *y) {
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ovol = g->od[0] * g->od[1] * g->od[2];
  dlrt_i nc = g->n * g->c, q, o[3], a[3], b[3], k0, k1, k2, off[32], t, nt;
  const int8_t *x8 = (const int8_t *)x;
  int d;
  if (kind == 0 && es == 1 && qrt_maxpool8(g, x8, (int8_t *)y)) return;
  /* which taps of a window fall inside the input depends on the position only: their offsets
   * (up to 32 of them) are found once for all channels */
  for (o[0] = 0; o[0] < g->od[0]; o[0]++)
    for (o[1] = 0; o[1] < g->od[1]; o[1]++)
      for (o[2] = 0; o[2] < g->od[2]; o[2]++) {
        dlrt_i yo = (o[0] * g->od[1] + o[1]) * g->od[2] + o[2], cnt = 1, cnt_pad = 1;
        for (d = 0; d < 3; d++) {
          dlrt_i pa, pb;
          qrt_krange(g, d, o[d], -g->pad[d], g->id[d] + g->pad_end[d], &pa, &pb);
          qrt_krange(g, d, o[d], 0, g->id[d], &a[d], &b[d]);
          cnt *= b[d] - a[d], cnt_pad *= pb - pa;
        }
        for (nt = 0, k0 = a[0]; k0 < b[0]; k0++)
          for (k1 = a[1]; k1 < b[1]; k1++)
            for (k2 = a[2]; k2 < b[2]; k2++, nt++) {
              dlrt_i z0 = o[0] * g->stride[0] - g->pad[0] + k0 * g->dil[0];
              dlrt_i z1 = o[1] * g->stride[1] - g->pad[1] + k1 * g->dil[1];
              dlrt_i z2 = o[2] * g->stride[2] - g->pad[2] + k2 * g->dil[2];
              if (nt < 32) off[nt] = (z0 * g->id[1] + z1) * g->id[2] + z2;
            }
        for (q = 0; q < nc; q++) {
          int64_t acc = kind == 0 ? INT64_MIN : 0, v;
          if (nt <= 32) {
            for (t = 0; t < nt; t++) {
              v = es == 1 ? x8[q * ivol + off[t]] : qrt_ld(x, es, q * ivol + off[t]);
              acc = kind == 0 ? (v > acc ? v : acc) : acc + v - zp;
            }
          } else {
            for (k0 = a[0]; k0 < b[0]; k0++)
              for (k1 = a[1]; k1 < b[1]; k1++)
                for (k2 = a[2]; k2 < b[2]; k2++) {
                  dlrt_i z0 = o[0] * g->stride[0] - g->pad[0] + k0 * g->dil[0];
                  dlrt_i z1 = o[1] * g->stride[1] - g->pad[1] + k1 * g->dil[1];
                  dlrt_i z2 = o[2] * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                  v = qrt_ld(x, es, q * ivol + (z0 * g->id[1] + z1) * g->id[2] + z2);
                  acc = kind == 0 ? (v > acc ? v : acc) : acc + v - zp;
                }
          }
          if (kind == 1) acc = cnt ? zp + qrt_div_round(acc, cnt) : zp;
          if (kind == 2) acc = cnt_pad ? zp + qrt_div_round(acc, cnt_pad) : zp;
          if (kind == 0 && !cnt) acc = zp;
          qrt_st(y, es, q * ovol + yo, acc);
        }
      }
}
/* @end */

/* @fn qrt_global_pool uses qrt_ld qrt_st qrt_div_round */
void qrt_global_pool(dlrt_i nc, dlrt_i spatial, int is_max, const void *x, int64_t zp, int es, void *y) {
  dlrt_i q, i;
  for (q = 0; q < nc; q++) {
    int64_t acc = is_max ? INT64_MIN : 0;
    for (i = 0; i < spatial; i++) {
      int64_t v = qrt_ld(x, es, q * spatial + i);
      if (is_max) acc = v > acc ? v : acc;
      else acc += v - zp;
    }
    qrt_st(y, es, q, is_max ? acc : zp + qrt_div_round(acc, spatial));
  }
}
/* @end */

/* @fn qrt_global_avg uses qrt_ld qrt_st qrt_requant */
void qrt_global_avg(dlrt_i nc, dlrt_i spatial, const void *x, int64_t zx, int xes, qrt_mult m, qrt_out o, void *y) {
  dlrt_i q, i;
  for (q = 0; q < nc; q++) {
    int64_t acc = 0, v;
    for (i = 0; i < spatial; i++) acc += qrt_ld(x, xes, q * spatial + i) - zx;
    v = o.zp + qrt_requant(acc, m);
    v = v > o.lo ? v : o.lo;
    qrt_st(y, o.es, q, v < o.hi ? v : o.hi);
  }
}
/* @end */

/* @fn qrt_gather_nearest */
void qrt_gather_nearest(int r, const dlrt_i *od, const dlrt_i *off, const void *x, int es, void *y) {
  dlrt_i oi[8] = {0}, base[8], n = 1, o, acc = 0;
  int i;
  for (i = 0; i < r; i++) base[i] = acc, acc += od[i], n *= od[i];
  for (o = 0; o < n; o++) {
    dlrt_i src = 0;
    for (i = 0; i < r; i++) src += off[base[i] + oi[i]];
    for (i = 0; i < es; i++) ((unsigned char *)y)[o * es + i] = ((const unsigned char *)x)[src * es + i];
    for (i = r - 1; i >= 0; i--) {
      if (++oi[i] < od[i]) break;
      oi[i] = 0;
    }
  }
}
/* @end */

/* @fn qrt_copy_strided */
void qrt_copy_strided(int r, const dlrt_i *out_dims, const dlrt_i *in_strides, dlrt_i in_offset, const void *x,
                      int es, void *y) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? out_dims[r - 1] : 1, s = r ? in_strides[r - 1] : 0, o, j;
  const unsigned char *xb = (const unsigned char *)x;
  unsigned char *yb = (unsigned char *)y;
  int i;
  for (i = 0; i < r; i++) total *= out_dims[i];
  for (o = 0; o < total; o += inner) {
    dlrt_i base = in_offset;
    for (i = 0; i + 1 < r; i++) base += idx[i] * in_strides[i];
    for (j = 0; j < inner; j++) memcpy(yb + (o + j) * es, xb + (base + j * s) * es, (size_t)es);
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < out_dims[i]) break;
      idx[i] = 0;
    }
  }
}
/* @end */

/* @fn qrt_concat */
void qrt_concat(int n, const void *const *xs, const dlrt_i *chunk, dlrt_i outer, int es, void *y) {
  unsigned char *yb = (unsigned char *)y;
  dlrt_i o;
  int i;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n; i++) {
      memcpy(yb, (const unsigned char *)xs[i] + o * chunk[i] * es, (size_t)(chunk[i] * es));
      yb += chunk[i] * es;
    }
}
/* @end */
