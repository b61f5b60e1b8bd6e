/* libFuzzer entry: the compressed activation buffers (lib/compress/dlz.c),
 * on tensors of up to about a thousand elements (a few blocks: a fuzzer
 * wants many small inputs). Byte 0 chooses an operation and the next 7 the
 * parameters, always ones the compiler could choose: a storage range of
 * 1..16 bits in 1, 2 or 4-byte integers, any zero point in it, a block of
 * 8..512, a sub-block dividing it, k below the width, any set of modes:
 *   0: the rest is a compressed buffer: dlz_decode of a range and
 *      dlz_rows_get of bands must not read or write outside their buffers
 *      (they may call it corrupt);
 *   1: the rest is values: dlz_encode, which must fit dlz_bound, then
 *      dlz_decode of the whole and of a range must give dlz_lossy of each
 *      value; then one byte of the encoding is damaged and decoded again;
 *   2: the same through dlz_rows_put and dlz_rows_get in sliding bands of
 *      rows of a [C, H, W] tensor (the C target's channel-last streaming). */
#include <stdbool.h>
#include <string.h>

#include "dlc/dlz.h"
#include "lf.h"

typedef struct {
  const uint8_t *p;
  size_t n, at;
} Bytes;

static unsigned next(Bytes *b) { return b->at < b->n ? b->p[b->at++] : 0; }

static long long ld(const void *x, int es, long long i) {
  return es == 1 ? ((const int8_t *)x)[i] : es == 2 ? ((const int16_t *)x)[i] : ((const int32_t *)x)[i];
}

static void st(void *y, int es, long long i, long long v) {
  if (es == 1) ((int8_t *)y)[i] = (int8_t)v;
  else if (es == 2) ((int16_t *)y)[i] = (int16_t)v;
  else ((int32_t *)y)[i] = (int32_t)v;
}

/* Parameters from 7 bytes; es from the width. */
static dlz_params params(Bytes *b, int *es) {
  dlz_params p = {0};
  p.modes = (next(b) & 63u) | 1u << DLZ_RAW;
  p.bits = (int)(next(b) % 16) + 1;
  unsigned z = next(b);
  bool unsig = z & 1; /* unsigned ranges stored in signed integers one byte wider if need be */
  *es = (int[]){1, 2, 4}[next(b) % 3];
  while (p.bits + unsig > 8 * *es) *es *= 2;
  p.block = 8 * (int)(1 + next(b) % 64);
  static const int subs[] = {1, 2, 4, 8, 16, 32, 64};
  unsigned s = next(b);
  p.sub = s % 8 == 7 ? p.block : subs[s % 7];
  if (p.block % p.sub) p.sub = 8;
  if (unsig) p.qmin = 0, p.qmax = (1ll << p.bits) - 1;
  else p.qmin = -(1ll << (p.bits - 1)), p.qmax = (1ll << (p.bits - 1)) - 1;
  p.zp = z & 2 ? p.qmin : p.qmin + (long long)(z >> 2) % (p.qmax - p.qmin + 1);
  unsigned k = next(b) % 8;
  p.k = (int)k < p.bits - 1 ? (int)k : 0;
  return p;
}

static void check_lossy(const dlz_params *p, const void *x, const void *y, int es, long long i0, long long n,
                        const char *what) {
  for (long long i = 0; i < n; i++)
    if (ld(y, es, i) != dlz_lossy(p, ld(x, es, i0 + i)))
      lf_finding("%s: element %lld decodes to %lld, not %lld (bits %d, block %d, sub %d, zp %lld, k %d, es %d)", what,
                 i0 + i, ld(y, es, i), dlz_lossy(p, ld(x, es, i0 + i)), p->bits, p->block, p->sub, p->zp, p->k, es);
}

static void decode_any(const dlz_params *p, int es, Bytes *b) {
  long long n = (long long)(next(b) | next(b) << 8) % 1025, i0 = n ? next(b) % (n + 1) : 0;
  long long i1 = i0 + (n - i0 ? (long long)(next(b) | next(b) << 8) % (n - i0 + 1) : 0);
  size_t len = b->n - b->at;
  unsigned char *in = malloc(len + 1);
  memcpy(in, b->p + b->at, len);
  void *y = malloc((size_t)((i1 - i0) * es) + 1);
  dlz_decode(p, in, len, n, i0, i1, y, es);
  long long C = 1 + (long long)next(b) % 8, W = 1 + (long long)next(b) % 8, H = n / (C * W);
  if (H > 0) {
    void *yr = malloc((size_t)(C * H * W * es)), *tmp = malloc((size_t)(p->block * es));
    dlz_rows rs = {0, 0, -1};
    for (long long r = 0; r < H; r += 2)
      if (!dlz_rows_get(p, in, len, C, H, W, r, r + 3 < H ? r + 3 : H, es, yr, tmp, &rs)) break;
    free(yr), free(tmp);
  }
  free(y);
  free(in);
}

/* x[0..n) from the input's bytes, inside qmin..qmax. */
static void *values(const dlz_params *p, int es, Bytes *b, long long n) {
  void *x = malloc((size_t)(n * es) + 1);
  long long span = p->qmax - p->qmin + 1;
  for (long long i = 0; i < n; i++) {
    long long v = (long long)(next(b) | next(b) << 8);
    st(x, es, i, v % 3 == 0 ? p->zp : p->qmin + v % span); /* zero points common, as after a ReLU */
  }
  return x;
}

static void round_trip(const dlz_params *p, int es, Bytes *b) {
  long long n = 1 + (long long)(next(b) | next(b) << 8) % 1024, i0 = next(b) % n, dmg = next(b) | next(b) << 8;
  void *x = values(p, es, b, n), *y = malloc((size_t)(n * es));
  size_t bound = dlz_bound(p, n);
  unsigned char *out = malloc(bound);
  size_t len = dlz_encode(p, x, es, n, out);
  if (!len || len > bound) lf_finding("dlz_encode wrote %zu bytes, dlz_bound is %zu", len, bound);
  if (!dlz_decode(p, out, len, n, 0, n, y, es)) lf_finding("dlz_decode calls dlz_encode's output corrupt");
  check_lossy(p, x, y, es, 0, n, "dlz_decode");
  if (!dlz_decode(p, out, len, n, i0, n, y, es)) lf_finding("dlz_decode of a range calls dlz_encode's output corrupt");
  check_lossy(p, x, y, es, i0, n - i0, "dlz_decode of a range");
  out[(size_t)dmg % len] ^= (unsigned char)(1 + next(b) % 255);
  dlz_decode(p, out, len, n, 0, n, y, es); /* may be called corrupt or decode other values, never read outside */
  free(out), free(x), free(y);
}

static void rows_trip(const dlz_params *p, int es, Bytes *b) {
  long long C = 1 + next(b) % 8, H = 1 + next(b) % 12, W = 1 + next(b) % 12, n = C * H * W;
  long long put = 1 + next(b) % 4, band = 1 + next(b) % 5, step = 1 + next(b) % band;
  void *x = values(p, es, b, n); /* [C][H][W] */
  size_t cap = dlz_bound(p, n);
  unsigned char *out = malloc(cap);
  void *pend = malloc((size_t)(p->block * es)), *rows = malloc((size_t)(C * put * W * es));
  dlz_stream s = {0, 0, 0, {0}};
  for (long long r = 0; r < H; r += put) {
    long long nr = r + put < H ? put : H - r;
    for (long long c = 0; c < C; c++)
      memcpy((char *)rows + (c * nr * W) * es, (char *)x + ((c * H + r) * W) * es, (size_t)(nr * W * es));
    if (!dlz_rows_put(p, out, cap, C, H, W, nr, rows, es, pend, &s)) lf_finding("dlz_rows_put overflowed dlz_bound");
  }
  void *y = malloc((size_t)(n * es)), *tmp = malloc((size_t)(p->block * es));
  dlz_rows rs = {0, 0, -1};
  for (long long r0 = 0; r0 < H; r0 += step) {
    long long r1 = r0 + band < H ? r0 + band : H;
    if (!dlz_rows_get(p, out, cap, C, H, W, r0, r1, es, y, tmp, &rs)) lf_finding("dlz_rows_get calls dlz_rows_put's output corrupt");
    for (long long c = 0; c < C; c++)
      for (long long h = r0; h < r1; h++)
        for (long long w = 0; w < W; w++) {
          long long got = ld(y, es, (c * (r1 - r0) + h - r0) * W + w), want = dlz_lossy(p, ld(x, es, (c * H + h) * W + w));
          if (got != want)
            lf_finding("dlz_rows_get: (%lld, %lld, %lld) of [%lld, %lld, %lld] in band %lld..%lld is %lld, not %lld", c, h, w,
                       C, H, W, r0, r1, got, want);
        }
  }
  free(x), free(y), free(tmp), free(out), free(pend), free(rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Bytes b = {data, size, 0};
  unsigned op = next(&b) % 3;
  int es;
  dlz_params p = params(&b, &es);
  lf_accepted++, lf_deep += op > 0;
  if (op == 0) decode_any(&p, es, &b);
  else if (op == 1) round_trip(&p, es, &b);
  else rows_trip(&p, es, &b);
  return 0;
}
