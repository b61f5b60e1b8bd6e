/* dlc-unit-dlz: the activation compression format (dlc/dlz.h).
 *   round trip: random tensors (lossless, and K-lossy with K up to 3) of every storage size, bit width 2..16, zero
 *     point at the minimum (ReLU outputs) or inside the range, sparsity from
 *     0 to 100%, every scheme and several block sizes; the encoded size stays
 *     within dlz_bound and any element range decodes to the original values;
 *   corruption: encoded buffers with random bytes changed, truncated or
 *     extended must decode to "corrupt" or to some values, never read or
 *     write outside the buffers (run it in the -DDLC_SANITIZE=ON build).
 * usage: dlc-unit-dlz [--seed S] [--count N]; prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/compress.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static long long ld(const void *x, int es, long long i) {
  return es == 1 ? ((const int8_t *)x)[i] : es == 2 ? ((const int16_t *)x)[i] : ((const int32_t *)x)[i];
}

int main(int argc, char **argv) {
  long count = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seed")) rng = strtoull(argv[i + 1], NULL, 10) * 2654435761ULL + 1;
    else if (!strcmp(argv[i], "--count")) count = atol(argv[i + 1]);
  }
  static const unsigned modes[] = {
#define DL_SCHEME(id, name, m) m,
#include "../../lib/compress/schemes.def"
#undef DL_SCHEME
  };
  long passed = 0, failed = 0, corrupt = 0, decoded = 0;
  for (long t = 0; t < count; t++) {
    int bits = 2 + (int)(next() % 15), es = bits <= 8 ? 1 : 2;
    long long qmin = -(1LL << (bits - 1)), qmax = (1LL << (bits - 1)) - 1;
    long long zp = next() % 2 ? qmin : qmin + (long long)(next() % (uint64_t)(qmax - qmin + 1));
    int blocks[] = {8, 64, 256, 1024}, block = blocks[next() % 4], subs[] = {1, 2, 4, 8};
    int sub = subs[next() % 4];
    long long n = 1 + (long long)(next() % 3000);
    double density = (double)(next() % 101) / 100;
    dlz_params p = {modes[next() % (sizeof modes / sizeof *modes)] | 1u, bits, block, sub, qmin, qmax, zp,
                    next() % 3 ? 0 : (int)(next() % 4)};
    void *x = malloc((size_t)n * es), *y = malloc((size_t)n * es);
    for (long long i = 0; i < n; i++) {
      long long v = (double)(next() % 1000) / 1000 < density ? qmin + (long long)(next() % (uint64_t)(qmax - qmin + 1)) : zp;
      if (next() % 4 == 0 && v != zp) v = zp + (long long)(next() % 5) - 2; /* small values, as after ReLU */
      v = v < qmin ? qmin : v > qmax ? qmax : v;
      if (es == 1) ((int8_t *)x)[i] = (int8_t)v;
      else ((int16_t *)x)[i] = (int16_t)v;
    }
    size_t bound = dlz_bound(&p, n);
    unsigned char *buf = malloc(bound);
    size_t len = dlz_encode(&p, x, es, n, buf);
    long long i0 = (long long)(next() % (uint64_t)n), i1 = i0 + (long long)(next() % (uint64_t)(n - i0 + 1));
    void *want = malloc((size_t)n * es); /* what a K-lossy round trip keeps */
    for (long long i = 0; i < n; i++) {
      long long v = dlz_lossy(&p, ld(x, es, i));
      if (es == 1) ((int8_t *)want)[i] = (int8_t)v;
      else ((int16_t *)want)[i] = (int16_t)v;
    }
    int ok = len <= bound && dlz_decode(&p, buf, len, n, 0, n, y, es) && !memcmp(want, y, (size_t)n * es);
    ok = ok && dlz_decode(&p, buf, len, n, i0, i1, y, es);
    for (long long i = i0; ok && i < i1; i++) ok = ld(y, es, i - i0) == ld(want, es, i);
    free(want);
    if (ok) passed++;
    else if (failed++ < 5)
      printf("FAIL: round trip bits %d zp %lld block %d sub %d n %lld modes %u k %d\n", bits, zp, block, sub, n, p.modes, p.k);
    /* corrupt copies, in buffers of their exact length so ASan sees any overrun */
    for (int c = 0; c < 4; c++) {
      size_t clen = c == 1 ? (size_t)(next() % (len + 1)) : c == 2 ? len + (size_t)(next() % 16) : len;
      unsigned char *cb = malloc(clen ? clen : 1);
      for (size_t i = 0; i < clen; i++) cb[i] = i < len ? buf[i] : (unsigned char)next();
      int flips = c == 3 ? 1 + (int)(next() % 8) : c == 0 ? 1 : 0;
      for (int f = 0; f < flips && clen; f++) cb[next() % clen] ^= (unsigned char)(1 + next() % 255);
      if (dlz_decode(&p, cb, clen, n, i0, i1, y, es)) decoded++;
      else corrupt++;
      free(cb);
    }
    free(x), free(y), free(buf);
  }
  printf("round trips: %ld tensors\n", count);
  printf("corrupted buffers: %ld rejected, %ld decoded to some values, no crash\n", corrupt, decoded);
  printf("%ld passed, %ld failed\n", passed, failed);
  return failed != 0;
}
