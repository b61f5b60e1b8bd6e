/* dlc-unit-dlz: the activation compression format (dlc/dlz.h).
 *   round trip: random tensors (lossless, and K-lossy with K up to 3) of every storage size, bit width 2..16, zero
 *     point at the minimum (ReLU outputs) or inside the range, sparsity from
 *     0 to 100%, every scheme and several block sizes; the encoded size stays
 *     within dlz_bound and any element range decodes to the original values;
 *   corruption: encoded buffers with random bytes changed, truncated or
 *     extended must decode to "corrupt" or to some values, never read or
 *     write outside the buffers (run it in the -DDLC_SANITIZE=ON build);
 *   tiles: the same values as a [C, H, W] tensor stored channel-last, encoded
 *     band by band with dlz_rows_put must give dlz_encode's bytes, decode
 *     back by row ranges with dlz_rows_get (also from corrupted copies), and
 *     an output buffer one byte short of the encoding must be refused
 *     (dlz_encode_blocks' capacity check), without writing past it;
 *   format: every encoding is byte for byte the reference codec's (dlz_ref.c,
 *     the element-at-a-time original), dlz_lossy agrees with it on every
 *     value, and every buffer, corrupted or not, decodes to the reference's
 *     verdict and values.
 * usage: dlc-unit-dlz [--seed S] [--count N]; prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlz_ref.c"

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static long long ld(const void *x, int es, long long i) {
  return es == 1 ? ((const int8_t *)x)[i] : es == 2 ? ((const int16_t *)x)[i] : ((const int32_t *)x)[i];
}

static void st(void *x, int es, long long i, long long v) {
  if (es == 1) ((int8_t *)x)[i] = (int8_t)v;
  else if (es == 2) ((int16_t *)x)[i] = (int16_t)v;
  else ((int32_t *)x)[i] = (int32_t)v;
}

/* x's first C*H*W values as x[C][H][W], stored channel-last in bands of random height. */
static int tiles(const dlz_params *p, const void *x, int es, long long n) {
  long long C = 1 + (long long)(next() % 6), W = 1 + (long long)(next() % 9), H = n / (C * W), m = C * H * W;
  if (H == 0) return 1;
  unsigned char *hwc = malloc((size_t)m * es), *band = malloc((size_t)m * es), *pend = malloc((size_t)p->block * es);
  size_t bound = dlz_bound(p, m);
  unsigned char *ref = malloc(bound), *out = malloc(bound);
  int ok = 1;
  for (long long c = 0; c < C; c++)
    for (long long i = 0; i < H * W; i++) st(hwc, es, i * C + c, ld(x, es, c * H * W + i));
  size_t len = dlz_encode(p, hwc, es, m, ref);
  dlz_stream s = {0, 0, 0, {0}};
  for (long long r0 = 0, r1; r0 < H && ok; r0 = r1) {
    r1 = r0 + 1 + (long long)(next() % 4);
    r1 = r1 > H ? H : r1;
    for (long long c = 0; c < C; c++)
      for (long long i = 0; i < (r1 - r0) * W; i++) st(band, es, c * (r1 - r0) * W + i, ld(x, es, c * H * W + r0 * W + i));
    ok = dlz_rows_put(p, out, bound, C, H, W, r1 - r0, band, es, pend, &s);
  }
  ok = ok && s.block == (m + p->block - 1) / p->block && !memcmp(ref, out, len);
  /* windows sliding down (as a conv's bands do), growing and shrinking at the edges, and random jumps: rows kept
   * from the previous window must come out as if decoded again */
  long long r0 = 0, r1 = 0;
  dlz_rows rs = {0, 0, -1};
  for (int step = 0; ok && step < 12; step++) {
    long long k = 1 + (long long)(next() % 4);
    if (next() % 4 == 0) r0 = (long long)(next() % (uint64_t)H);
    else r0 = r0 + (long long)(next() % 2) < H ? r0 + (long long)(next() % 2) : r0;
    r1 = r0 + k < H ? r0 + k : H;
    ok = dlz_rows_get(p, out, len, C, H, W, r0, r1, es, band, pend, &rs);
    for (long long c = 0; ok && c < C; c++)
      for (long long i = 0; ok && i < (r1 - r0) * W; i++)
        ok = ld(band, es, c * (r1 - r0) * W + i) == dlz_lossy(p, ld(x, es, c * H * W + r0 * W + i));
  }
  /* one byte short: refused, and nothing written past the end (ASan) */
  unsigned char *small = malloc(len - 1);
  s = (dlz_stream){0, 0, 0, {0}};
  int fits = 1;
  for (long long r = 0; r < H && fits; r++) {
    for (long long c = 0; c < C; c++)
      for (long long i = 0; i < W; i++) st(band, es, c * W + i, ld(x, es, c * H * W + r * W + i));
    fits = dlz_rows_put(p, small, len - 1, C, H, W, 1, band, es, pend, &s);
  }
  ok = ok && !fits;
  /* a corrupted copy decodes to "corrupt" or to some values, inside its buffers */
  unsigned char *cb = malloc(len);
  memcpy(cb, out, len);
  cb[next() % len] ^= (unsigned char)(1 + next() % 255);
  rs = (dlz_rows){0, 0, -1};
  (void)dlz_rows_get(p, cb, len, C, H, W, r0, r1, es, band, pend, &rs);
  free(cb), free(small), free(hwc), free(band), free(pend), free(ref), free(out);
  return ok;
}

int main(int argc, char **argv) {
  long count = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seed")) rng = strtoull(argv[i + 1], NULL, 10) * 2654435761ULL + 1;
    else if (!strcmp(argv[i], "--count")) count = atol(argv[i + 1]);
  }
  static const unsigned modes[] = {
#define DL_SCHEME(id, name, m) m,
#include "dlc/schemes.def"
#undef DL_SCHEME
  };
  long passed = 0, failed = 0, corrupt = 0, decoded = 0, differ = 0;
  for (long t = 0; t < count; t++) {
    int bits = 2 + (int)(next() % 15), es = bits <= 8 && next() % 4 ? 1 : next() % 3 ? 2 : 4; /* int32 storage too */
    long long qmin = -(1LL << (bits - 1)), qmax = (1LL << (bits - 1)) - 1;
    long long zp = next() % 2 ? qmin : qmin + (long long)(next() % (uint64_t)(qmax - qmin + 1));
    /* sub-blocks of a byte or less, the default 16, and longer than one 64-bit mask word */
    int blocks[] = {8, 64, 256, 1024}, block = blocks[next() % 4], subs[] = {1, 2, 4, 8, 16, 64, 128};
    int sub = subs[next() % 7];
    while (block % sub) sub /= 2;
    long long n = 1 + (long long)(next() % 3000);
    double density = (double)(next() % 101) / 100;
    dlz_params p = {modes[next() % (sizeof modes / sizeof *modes)] | 1u, bits, block, sub, qmin, qmax, zp,
                    next() % 3 ? 0 : (int)(next() % 4)};
    void *x = malloc((size_t)n * es), *y = malloc((size_t)n * es);
    for (long long i = 0; i < n; i++) {
      long long v = (double)(next() % 1000) / 1000 < density ? qmin + (long long)(next() % (uint64_t)(qmax - qmin + 1)) : zp;
      if (next() % 4 == 0 && v != zp) v = zp + (long long)(next() % 5) - 2; /* small values, as after ReLU */
      v = v < qmin ? qmin : v > qmax ? qmax : v;
      st(x, es, i, v);
    }
    size_t bound = dlz_bound(&p, n);
    unsigned char *buf = malloc(bound), *rbuf = malloc(bound);
    size_t len = dlz_encode(&p, x, es, n, buf), rlen = ref_encode(&p, x, es, n, rbuf);
    int same = (len == rlen && !memcmp(buf, rbuf, len));
    for (long long v = qmin; same && v <= qmax; v += 1 + (qmax - qmin) / 512) same = dlz_lossy(&p, v) == ref_lossy(&p, v);
    free(rbuf);
    long long i0 = (long long)(next() % (uint64_t)n), i1 = i0 + (long long)(next() % (uint64_t)(n - i0 + 1));
    void *want = malloc((size_t)n * es); /* what a K-lossy round trip keeps */
    for (long long i = 0; i < n; i++) st(want, es, i, dlz_lossy(&p, ld(x, es, i)));
    int ok = same && len <= bound && dlz_decode(&p, buf, len, n, 0, n, y, es) && !memcmp(want, y, (size_t)n * es);
    ok = ok && dlz_decode(&p, buf, len, n, i0, i1, y, es);
    for (long long i = i0; ok && i < i1; i++) ok = ld(y, es, i - i0) == ld(want, es, i);
    free(want);
    if (ok) passed++;
    else if (failed++ < 5)
      printf("FAIL: round trip%s bits %d es %d zp %lld block %d sub %d n %lld modes %u k %d\n",
             same ? "" : " (not the reference's bytes)", bits, es, zp, block, sub, n, p.modes, p.k);
    /* corrupt copies, in buffers of their exact length so ASan sees any overrun */
    for (int c = 0; c < 4; c++) {
      size_t clen = c == 1 ? (size_t)(next() % (len + 1)) : c == 2 ? len + (size_t)(next() % 16) : len;
      unsigned char *cb = malloc(clen ? clen : 1);
      for (size_t i = 0; i < clen; i++) cb[i] = i < len ? buf[i] : (unsigned char)next();
      int flips = c == 3 ? 1 + (int)(next() % 8) : c == 0 ? 1 : 0;
      for (int f = 0; f < flips && clen; f++) cb[next() % clen] ^= (unsigned char)(1 + next() % 255);
      void *ry = malloc((size_t)n * es);
      memcpy(ry, y, (size_t)n * es);
      int got = dlz_decode(&p, cb, clen, n, i0, i1, y, es), rgot = ref_decode(&p, cb, clen, n, i0, i1, ry, es);
      if (got) decoded++;
      else corrupt++;
      if (got != rgot || (got && memcmp(y, ry, (size_t)(i1 - i0) * es))) differ++;
      free(cb), free(ry);
    }
    if (!tiles(&p, x, es, n)) {
      if (failed++ < 5) printf("FAIL: tiles bits %d zp %lld block %d sub %d n %lld k %d\n", bits, zp, block, sub, n, p.k);
      passed--;
    }
    free(x), free(y), free(buf);
  }
  /* ReLU int8 ZVW blocks, decoded whole on bytes (dlz_zvw8): every width 1..8 and
   * whole-byte sub-block, against the reference decoder; a tenth stored from
   * int16 values past qmax, so sub-blocks wider than 8 bits (only a corrupt
   * buffer has them for int8) take dlz_run */
  long relu = 0, relu_bad = 0;
  for (long t = 0; t < count / 10; t++, relu++) {
    int subs[] = {8, 16, 64}, sub = subs[next() % 3], block = next() % 2 ? 256 : 64, wide = next() % 10 == 0;
    int w = 1 + (int)(t % 8), xes = wide ? 2 : 1;
    long long n = 1 + (long long)(next() % 2000), top = wide ? 2000 : (1LL << w) - 1;
    dlz_params p = {1u | 1u << DLZ_ZVW, 8, block, sub, -128, 127, -128, 0};
    void *x = malloc((size_t)n * xes);
    for (long long i = 0; i < n; i++)
      st(x, xes, i, next() % 2 ? -128 : -128 + (long long)(next() % (uint64_t)(top + 1)));
    size_t bound = dlz_bound(&p, n) + 2 * (size_t)n; /* wide values need more than int8's bound */
    unsigned char *buf = malloc(bound);
    size_t len = ref_encode(&p, x, xes, n, buf);
    int8_t *y = malloc((size_t)n), *ry = malloc((size_t)n);
    long long i0 = (long long)(next() % (uint64_t)n), i1 = i0 + (long long)(next() % (uint64_t)(n - i0 + 1));
    int got = dlz_decode(&p, buf, len, n, 0, n, y, 1), rgot = ref_decode(&p, buf, len, n, 0, n, ry, 1);
    int ok = got == rgot && got && !memcmp(y, ry, (size_t)n);
    for (long long i = 0; ok && !wide && i < n; i++) ok = ld(y, 1, i) == ld(x, 1, i);
    got = dlz_decode(&p, buf, len, n, i0, i1, y, 1), rgot = ref_decode(&p, buf, len, n, i0, i1, ry, 1);
    ok = ok && got == rgot && !memcmp(y, ry, (size_t)(i1 - i0));
    if (!ok && relu_bad++ < 5) printf("FAIL: relu int8 zvw w %d sub %d block %d n %lld wide %d\n", w, sub, block, n, wide);
    free(x), free(buf), free(y), free(ry);
  }
  printf("round trips: %ld tensors\n", count);
  printf("corrupted buffers: %ld rejected, %ld decoded to some values, no crash\n", corrupt, decoded);
  printf("corrupted buffers decoded otherwise than by the reference: %ld\n", differ);
  printf("relu int8 zvw blocks: %ld tensors, %ld differ from the reference\n", relu, relu_bad);
  printf("%ld passed, %ld failed\n", passed, failed);
  return failed != 0 || differ != 0 || relu_bad != 0;
}
