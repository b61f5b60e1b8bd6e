/* dlc-unit-qrt: checks of the integer runtime's building blocks that the
 * end-to-end tests cannot see, because the interpreter and the generated C
 * share them: weight packing round trips at every width, and requantization
 * against its definition floor((acc * m0 + 2^(n-1)) / 2^n) in exact 128-bit
 * arithmetic. Prints one line per group and "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>

#include "dlc/qrt.h"
#include "quant/qstep.h"

static int passed, failed;

static void check(int ok, const char *what) {
  if (ok) passed++;
  else failed++, printf("FAIL: %s\n", what);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static void pack_roundtrip(void) {
  for (int bits = 2; bits <= 32; bits++) {
    int64_t n = 1 + (int64_t)(next() % 1000);
    int32_t *v = malloc(sizeof(int32_t) * (size_t)n);
    int64_t lo = -((int64_t)1 << (bits - 1)), hi = ((int64_t)1 << (bits - 1)) - 1;
    for (int64_t i = 0; i < n; i++) v[i] = (int32_t)(lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)));
    v[0] = (int32_t)lo, v[n - 1] = (int32_t)hi; /* both extremes present: the width is exactly `bits` */
    int got;
    size_t bytes;
    unsigned char *p = dl_qweights_pack(v, n, &got, &bytes);
    int want = bits < 8 ? bits : bits == 8 ? 8 : bits <= 16 ? 16 : 32;
    int ok = got == want && bytes == (want >= 8 ? (size_t)n * (size_t)(want / 8) : (size_t)((n * want + 7) / 8) + 1);
    qrt_wts w = {p, got};
    for (int64_t i = 0; i < n && ok; i++) ok = qrt_wget(w, i) == v[i];
    char what[64];
    snprintf(what, sizeof what, "pack/unpack at %d bits (%lld values)", bits, (long long)n);
    check(ok, what);
    free(p), free(v);
  }
  printf("packing: 2..32 bits round trip\n");
}

static void requant_definition(void) {
  int bad = 0;
  for (int t = 0; t < 200000; t++) {
    int shift = (int)(next() % 63);
    int64_t m0 = (int64_t)(next() % ((uint64_t)1 << 31));
    int64_t acc = (int64_t)(next() % ((uint64_t)1 << 32)) - ((int64_t)1 << 31);
    qrt_mult m = {m0, shift};
    __int128 v = (__int128)acc * m0, want;
    if (shift) {
      __int128 d = (__int128)1 << shift, s = v + d / 2;
      want = s / d - ((s % d != 0) && s < 0); /* floor division */
    } else {
      want = v;
    }
    bad += qrt_requant(acc, m) != (int64_t)want;
  }
  check(bad == 0, "requantization equals floor((acc*m0 + 2^(n-1)) / 2^n)");
  printf("requantization: 200000 random cases, %d wrong\n", bad);
}

int main(void) {
  pack_roundtrip();
  requant_definition();
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
