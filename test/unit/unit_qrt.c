/* dlc-unit-qrt: checks of the integer runtime's building blocks that the
 * end-to-end tests cannot see, because the interpreter and the generated C
 * share them: weight packing round trips at every width, requantization
 * against its definition floor((acc * m0 + 2^(n-1)) / 2^n) in exact 128-bit
 * arithmetic, conv / matmul on random operands (the int32 path for acc_bits
 * <= 32, the int64 path and a direct loop agree, and no path writes past the
 * scratch its _scratch function reports) and pooling against its definition. Prints one line per group and
 * "N passed, N failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/qrt.h"
#include "dlc/sparse.h"

static int passed, failed;

static void check(int ok, const char *what) {
  if (ok) passed++;
  else failed++, printf("FAIL: %s\n", what);
}

/* For the kernel groups, which print their own summary line: only failures count. */
static void expect(int ok, const char *what) {
  if (!ok) failed++, printf("FAIL: %s\n", what);
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

static int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }

/* n random weights of magnitude < 2^(bits-1) (at least one reaching it), packed. */
static unsigned char *random_weights(int64_t n, int bits, int32_t *v, qrt_wts *w, int64_t *wmax) {
  int64_t hi = bits == 16 ? 3000 : ((int64_t)1 << (bits - 1)) - 1;
  size_t bytes;
  *wmax = 0;
  for (int64_t i = 0; i < n; i++) {
    v[i] = (int32_t)rnd(-hi, hi);
    *wmax = llabs(v[i]) > *wmax ? llabs(v[i]) : *wmax;
  }
  v[0] = (int32_t)hi, *wmax = hi;
  unsigned char *p = dl_qweights_pack(v, n, &w->bits, &bytes);
  w->data = p;
  return p;
}

static qrt_out random_out(void) {
  qrt_out o;
  if (next() % 3) o.es = 1, o.lo = -128, o.hi = 127;
  else o.es = 2, o.lo = -32768, o.hi = 32767;
  o.zp = rnd(o.lo / 2, o.hi / 2);
  if (next() % 2) o.lo = o.zp; /* a fused relu */
  return o;
}

static void random_mults(qrt_mult *m, int64_t n) {
  for (int64_t i = 0; i < n; i++) m[i].m0 = rnd(1, ((int64_t)1 << 31) - 1), m[i].shift = (int)rnd(24, 44);
}

static int64_t store_ref(int64_t acc, qrt_mult m, qrt_out o) {
  int64_t v = o.zp + qrt_requant(acc, m);
  return v < o.lo ? o.lo : v > o.hi ? o.hi : v;
}

/* Whether every output of y (o.es bytes each) is the conv's definition: per output, the sum
 * over its group's channels and taps inside the input of (x - zx) * w, plus the bias, then the
 * output stage (store_ref). */
static int conv_definition(const dlrt_win *gp, const int8_t *x, int64_t zx, const int32_t *wv, const int32_t *bias,
                           const qrt_mult *mult, qrt_out o, const void *y) {
  const dlrt_win g = *gp;
  dlrt_i cg = g.c / g.group, mg = g.m / g.group, K = cg * g.k[0] * g.k[1] * g.k[2], P = g.od[0] * g.od[1] * g.od[2];
  for (dlrt_i n = 0; n < g.n; n++)
    for (dlrt_i m = 0; m < g.m; m++)
      for (dlrt_i p = 0; p < P; p++) {
        dlrt_i o2 = p % g.od[2], o1 = p / g.od[2] % g.od[1], o0 = p / g.od[2] / g.od[1], gr = m / mg;
        int64_t acc = bias ? bias[m] : 0;
        for (dlrt_i c = 0; c < cg; c++)
          for (dlrt_i k0 = 0; k0 < g.k[0]; k0++)
            for (dlrt_i k1 = 0; k1 < g.k[1]; k1++)
              for (dlrt_i k2 = 0; k2 < g.k[2]; k2++) {
                dlrt_i z0 = o0 * g.stride[0] - g.pad[0] + k0 * g.dil[0];
                dlrt_i z1 = o1 * g.stride[1] - g.pad[1] + k1 * g.dil[1];
                dlrt_i z2 = o2 * g.stride[2] - g.pad[2] + k2 * g.dil[2];
                if (z0 < 0 || z0 >= g.id[0] || z1 < 0 || z1 >= g.id[1] || z2 < 0 || z2 >= g.id[2]) continue;
                acc += (x[((n * g.c + gr * cg + c) * g.id[0] + z0) * g.id[1] * g.id[2] + z1 * g.id[2] + z2] - zx) *
                       (int64_t)wv[m * K + ((c * g.k[0] + k0) * g.k[1] + k1) * g.k[2] + k2];
              }
        dlrt_i yi = (n * g.m + m) * P + p;
        int64_t got = o.es == 1 ? ((const int8_t *)y)[yi] : o.es == 2 ? ((const int16_t *)y)[yi] : ((const int32_t *)y)[yi];
        if (got != store_ref(acc, mult[m], o)) return 0;
      }
  return 1;
}

/* Scratch of n bytes followed by 64 guard bytes. */
static unsigned char *guarded(size_t n) {
  unsigned char *p = malloc(n + 64);
  memset(p, 0xA5, n + 64);
  return p;
}
static int guard_intact(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < 64; i++)
    if (p[n + i] != 0xA5) return 0;
  return 1;
}

/* Zeroes a random share (up to 95%) of the n weights v in two of three cases
 * and repacks them into w; the old packing is freed. */
static unsigned char *sparsify(int32_t *v, int64_t n, qrt_wts *w, unsigned char *p) {
  size_t bytes;
  if (next() % 3 == 0) return p;
  uint64_t keep = 5 + next() % 96; /* percent */
  for (int64_t i = 1; i < n; i++) /* v[0] keeps the widest value */
    if (next() % 100 >= keep) v[i] = 0;
  free(p);
  p = dl_qweights_pack(v, n, &w->bits, &bytes);
  w->data = p;
  return p;
}

/* Runs the sparse kernel of step q (conv or matmul, its DlQStep fields set as
 * the plan sets them) and compares with the dense result want; counts cases,
 * differences and scratch overruns. */
static void sparse_check(const struct DlQStep *q, const int8_t *x, const dlrt_i *aoff, const int32_t *bias,
                         const qrt_mult *mult, qrt_out o, const void *want, int64_t ny, int *cases, int *bad,
                         int *overrun) {
  DlQSparse sp;
  if (!dl_qstep_sparse(q, DL_SPARSE_ALL, &sp)) return;
  qrt_swts sw = {sp.mask, {sp.vals, sp.bits, 0}};
  const dlrt_win *g = &q->c.win;
  size_t ns = (size_t)(q->kind == DL_Q_CONV ? qrt_conv_sparse_scratch(g) : qrt_matmul_sparse_scratch(q->c.M, q->c.K));
  unsigned char *scr = guarded(ns), *y = calloc((size_t)ny, (size_t)o.es);
  if (q->kind == DL_Q_CONV) qrt_conv_sparse(g, x, q->zx, sw, bias, mult, o, y, scr);
  else qrt_matmul_sparse(q->c.batches, aoff, q->c.M, q->c.N, q->c.K, x, q->zx, sw, bias, mult, q->nmult, o, y, scr);
  (*cases)++, *bad += memcmp(y, want, (size_t)ny * (size_t)o.es) != 0, *overrun += !guard_intact(scr, ns);
  free(scr), free(y);
  dl_qsparse_free(&sp);
}

static void conv_paths(void) {
  static const int cgs[] = {1, 2, 3, 5, 16, 32, 48}, bitss[] = {2, 3, 4, 5, 7, 8, 16};
  int bad = 0, overrun = 0, cases = 0, clcases = 0, clbad = 0, spcases = 0, spbad = 0, pkcases = 0, pkbad = 0;
  for (int t = 0; t < 400; t++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    int depthwise = next() % 5 == 0, rank = next() % 6 == 0 ? 3 : next() % 6 == 0 ? 1 : 2;
    dlrt_i cg = depthwise ? 1 : cgs[next() % 7];
    g.group = depthwise ? rnd(1, 20) : rnd(1, 3);
    g.n = rnd(1, 2), g.c = cg * g.group, g.m = (depthwise ? rnd(1, 2) : rnd(1, 20)) * g.group;
    int ok = 1;
    for (int i = 0; i < 3; i++) {
      int on = i >= 3 - rank;
      g.id[i] = on ? rnd(1, 9) : 1, g.k[i] = on ? rnd(1, 3) : 1, g.stride[i] = on ? rnd(1, 2) : 1;
      g.pad[i] = on ? rnd(0, 2) : 0, g.pad_end[i] = on ? rnd(0, 2) : 0, g.dil[i] = on ? rnd(1, 2) : 1;
      dlrt_i span = g.id[i] + g.pad[i] + g.pad_end[i] - g.dil[i] * (g.k[i] - 1) - 1;
      ok &= span >= 0;
      g.od[i] = ok ? span / g.stride[i] + 1 : 1;
    }
    if (!ok) continue;
    dlrt_i K = cg * g.k[0] * g.k[1] * g.k[2], P = g.od[0] * g.od[1] * g.od[2], ivol = g.id[0] * g.id[1] * g.id[2];
    int64_t nx = g.n * g.c * ivol, nw = g.m * K, ny = g.n * g.m * P, wmax, zx = rnd(-128, 127), bmax = 0;
    int8_t *x = malloc((size_t)nx);
    int32_t *wv = malloc(sizeof(int32_t) * (size_t)nw);
    int32_t *bias = next() % 4 ? malloc(sizeof(int32_t) * (size_t)g.m) : NULL;
    qrt_wts w = {0};
    unsigned char *wp = random_weights(nw, bitss[next() % 7], wv, &w, &wmax);
    wp = sparsify(wv, nw, &w, wp);
    qrt_mult *mult = malloc(sizeof(qrt_mult) * (size_t)g.m);
    qrt_out o = random_out();
    for (int64_t i = 0; i < nx; i++) x[i] = (int8_t)rnd(-128, 127);
    for (dlrt_i i = 0; bias && i < g.m; i++) bias[i] = (int32_t)rnd(-100000, 100000), bmax = 100000;
    random_mults(mult, g.m);
    if ((double)K * (double)(128 + llabs(zx)) * (double)wmax + (double)bmax >= 2147483648.0) continue;
    cases++;
    size_t n32 = (size_t)qrt_conv_scratch(&g, 1, zx, w, 32), n64 = (size_t)qrt_conv_scratch(&g, 1, zx, w, 64);
    unsigned char *s32 = guarded(n32), *s64 = guarded(n64);
    unsigned char *y32 = calloc((size_t)ny, (size_t)o.es), *y64 = calloc((size_t)ny, (size_t)o.es);
    qrt_conv(&g, x, 1, zx, w, bias, mult, o, 32, y32, s32);
    qrt_conv(&g, x, 1, zx, w, bias, mult, o, 64, y64, s64);
    overrun += !guard_intact(s32, n32) || !guard_intact(s64, n64);
    int diff = memcmp(y32, y64, (size_t)ny * (size_t)o.es) != 0;
    int fits8 = 1;
    for (int64_t i = 0; i < nw; i++) fits8 &= wv[i] >= -128 && wv[i] <= 127;
    if (fits8 && qrt_conv_cl(&g, 1, zx, 8, 32)) { /* the same weights as int8, stored [m][kvol][c] */
      dlrt_i kvol = g.k[0] * g.k[1] * g.k[2];
      int8_t *wt = malloc((size_t)nw);
      unsigned char *ycl = calloc((size_t)ny, (size_t)o.es), *scl = guarded(n32);
      for (int64_t i = 0; i < nw; i++) wt[i / K * K + i % K % kvol * cg + i % K / kvol] = (int8_t)wv[i];
      qrt_conv(&g, x, 1, zx, (qrt_wts){wt, 8, 1}, bias, mult, o, 32, ycl, scl);
      clcases++, clbad += memcmp(y32, ycl, (size_t)ny * (size_t)o.es) != 0, overrun += !guard_intact(scl, n32);
      free(wt), free(ycl), free(scl);
    }
    int kind = qrt_conv_packed(&g, 1, zx, w.bits, 32);
    if (kind) { /* weights packed as the C target prints them (cl = 2) */
      dlrt_i np = qrt_conv_pack(&g, kind, w, NULL);
      int8_t *pk = malloc((size_t)np);
      unsigned char *ypk = calloc((size_t)ny, (size_t)o.es), *spk = guarded(n32);
      qrt_conv_pack(&g, kind, w, pk);
      qrt_conv(&g, x, 1, zx, (qrt_wts){pk, 8, 2}, bias, mult, o, 32, ypk, spk);
      pkcases++, pkbad += memcmp(y32, ypk, (size_t)ny * (size_t)o.es) != 0, overrun += !guard_intact(spk, n32);
      free(pk), free(ypk), free(spk);
    }
    diff = diff || !conv_definition(&g, x, zx, wv, bias, mult, o, y32); /* the definition, directly */
    bad += diff;
    struct DlQStep q = {.kind = DL_Q_CONV, .xes = 1, .zx = zx, .w = w, .wdata = wp, .nw = nw, .acc_bits = 32};
    q.c.win = g;
    sparse_check(&q, x, NULL, bias, mult, o, y32, ny, &spcases, &spbad, &overrun);
    free(x), free(wv), free(bias), free(wp), free(mult), free(s32), free(s64), free(y32), free(y64);
  }
  expect(bad == 0, "conv: int32 path, int64 path and the definition agree");
  expect(overrun == 0, "conv: scratch stays within qrt_conv_scratch");
  expect(clcases >= 40 && clbad == 0, "conv: weights stored channel-last (qrt_conv_cl) give the same results");
  printf("conv with channel-last weights: %s cases, %d differ\n", clcases >= 40 ? "40+" : "too few", clbad);
  expect(pkcases >= 40 && pkbad == 0, "conv: weights packed by qrt_conv_pack give the same results");
  printf("conv with packed weights: %s cases, %d differ\n", pkcases >= 40 ? "40+" : "too few", pkbad);
  expect(spcases >= 150 && spbad == 0, "conv: sparse weights (qrt_conv_sparse) give the same results");
  printf("conv with sparse weights: %s cases, %d differ\n", spcases >= 150 ? "150+" : "too few", spbad);
  printf("conv paths: %s on random geometries, %d differ, %d overrun\n", cases >= 200 ? "200+" : "too few", bad,
         overrun);
}

/* Depthwise convs (qrt_convdw: groups == channels, 1..3 output channels per
 * group) on shapes the random geometries above rarely reach: odd and large
 * channel counts, 3x3 and 5x5 windows at strides 1..3, pads on either side,
 * dilation, 2..8-bit weights, wide input zero points and multipliers with any
 * shift (0..62), against the definition, the int64 path and weights packed by
 * qrt_conv_pack. */
/* Counts of kernel_case. */
typedef struct {
  int cases, bad, pkbad, notkind, overrun;
} kstats;

/* One random conv of geometry g (weights of `bits`, input zero point zx, multipliers past 2^31 now
 * and then): qrt_conv with the int32 and the int64 paths and with weights packed by qrt_conv_pack,
 * scratch and outputs guarded, against the definition; counts a case whose kernel kind
 * (qrt_conv_packed) is not in kinds (ended by 0) in notkind. With wide, one case in 8 has 32-bit
 * outputs and the multipliers' shifts span 0..62 (instead of multipliers past 2^31). Returns 0
 * (nothing counted) when the sums could overflow int32. */
static int kernel_case(const dlrt_win *gp, int bits, int64_t zx, const int *kinds, int wide, kstats *st) {
  dlrt_win g = *gp;
  dlrt_i cg = g.c / g.group, kvol = g.k[0] * g.k[1] * g.k[2], K = cg * kvol;
  dlrt_i P = g.od[0] * g.od[1] * g.od[2], ivol = g.id[0] * g.id[1] * g.id[2];
  int64_t nx = g.n * g.c * ivol, nw = g.m * K, ny = g.n * g.m * P, wmax, bmax = 0;
  int8_t *x = malloc((size_t)nx);
  int32_t *wv = malloc(sizeof(int32_t) * (size_t)nw);
  int32_t *bias = next() % 4 ? malloc(sizeof(int32_t) * (size_t)g.m) : NULL;
  qrt_wts w = {0};
  unsigned char *wp = random_weights(nw, bits, wv, &w, &wmax);
  qrt_mult *mult = malloc(sizeof(qrt_mult) * (size_t)g.m);
  qrt_out o = random_out();
  if (wide && next() % 8 == 0) o.es = 4, o.lo = -2147483647 - 1, o.hi = 2147483647, o.zp = rnd(-1000, 1000);
  for (int64_t i = 0; i < nx; i++) x[i] = (int8_t)rnd(-128, 127);
  for (dlrt_i i = 0; bias && i < g.m; i++) bias[i] = (int32_t)rnd(-100000, 100000), bmax = 100000;
  if (wide)
    for (dlrt_i i = 0; i < g.m; i++)
      mult[i].m0 = rnd(0, ((int64_t)1 << 31) - 1), mult[i].shift = (int)(next() % 2 ? rnd(0, 62) : rnd(28, 40));
  else {
    random_mults(mult, g.m);
    for (dlrt_i i = 0; i < g.m; i++)
      if (next() % 10 == 0) mult[i].m0 = rnd((int64_t)1 << 31, (int64_t)1 << 33), mult[i].shift += 3;
  }
  if ((double)K * (double)(128 + llabs(zx)) * (double)wmax + (double)bmax >= 2147483648.0) {
    free(x), free(wv), free(bias), free(wp), free(mult);
    return 0;
  }
  int kind = qrt_conv_packed(&g, 1, zx, w.bits, 32), listed = 0;
  for (const int *k = kinds; *k; k++) listed |= *k == kind;
  st->cases++, st->notkind += !listed;
  size_t n32 = (size_t)qrt_conv_scratch(&g, 1, zx, w, 32), n64 = (size_t)qrt_conv_scratch(&g, 1, zx, w, 64);
  size_t nyb = (size_t)(ny * o.es);
  dlrt_i np = kind ? qrt_conv_pack(&g, kind, w, NULL) : 1;
  int8_t *pk = malloc((size_t)np);
  unsigned char *s32 = guarded(n32), *s64 = guarded(n64), *spk = guarded(n32);
  unsigned char *y32 = guarded(nyb), *y64 = guarded(nyb), *ypk = guarded(nyb);
  if (kind) qrt_conv_pack(&g, kind, w, pk);
  qrt_conv(&g, x, 1, zx, w, bias, mult, o, 32, y32, s32);
  qrt_conv(&g, x, 1, zx, w, bias, mult, o, 64, y64, s64);
  if (kind) qrt_conv(&g, x, 1, zx, (qrt_wts){pk, 8, 2}, bias, mult, o, 32, ypk, spk);
  else memcpy(ypk, y32, nyb);
  st->overrun += !guard_intact(s32, n32) || !guard_intact(s64, n64) || !guard_intact(spk, n32);
  st->overrun += !guard_intact(y32, nyb) || !guard_intact(y64, nyb) || !guard_intact(ypk, nyb);
  int diff = memcmp(y32, y64, nyb) != 0;
  st->pkbad += memcmp(y32, ypk, nyb) != 0;
  diff = diff || !conv_definition(&g, x, zx, wv, bias, mult, o, y32);
  st->bad += diff;
  free(x), free(wv), free(bias), free(wp), free(mult), free(pk), free(s32), free(s64), free(spk);
  free(y32), free(y64), free(ypk);
  return 1;
}

static void kernel_report(const char *what, const kstats *st, int min_cases) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: the definition, the int64 path and packed weights agree", what);
  expect(st->cases >= min_cases && st->bad == 0 && st->pkbad == 0 && st->notkind == 0 && st->overrun == 0, msg);
  printf("%s: %s%d cases, %d differ, %d differ packed, %d not on the kernel, %d overrun\n", what,
         st->cases >= min_cases ? "" : "too few: ", st->cases, st->bad, st->pkbad, st->notkind, st->overrun);
}

/* Depthwise convs (one input channel per group, 1..3 output channels each): 1-D, 2-D and 3-D
 * windows with dilation and strides 1..3, so the plane kernel (kind 3), the depthwise kernel (kind
 * 2) and, for 1 x 1 windows, the pointwise one (kind 4) all run; input zero points past int8 now
 * and then, 32-bit outputs and shifts 0..62 (kernel_case's wide). */
static void depthwise_paths(void) {
  static const int chans[] = {1, 3, 8, 16, 17, 31, 32, 33, 48, 70}, bitss[] = {2, 3, 4, 5, 7, 8}, kinds[] = {2, 3, 4, 0};
  kstats st = {0};
  for (int t = 0; t < 600; t++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    int rank = next() % 8 == 0 ? 3 : next() % 8 == 0 ? 1 : 2, sq = next() % 2;
    dlrt_i mg = next() % 4 == 0 ? rnd(2, 3) : 1, ks = next() % 3 ? 3 : rnd(1, 5);
    g.group = chans[next() % 10], g.n = rnd(1, 2), g.c = g.group, g.m = mg * g.group;
    int ok = 1;
    for (int i = 0; i < 3; i++) {
      int on = i >= 3 - rank;
      g.id[i] = on ? rnd(1, 16) : 1, g.k[i] = on ? (sq ? ks : rnd(1, 5)) : 1, g.stride[i] = on ? rnd(1, 3) : 1;
      g.pad[i] = on ? rnd(0, 2) : 0, g.pad_end[i] = on ? rnd(0, 2) : 0, g.dil[i] = on && next() % 3 == 0 ? 2 : 1;
      dlrt_i span = g.id[i] + g.pad[i] + g.pad_end[i] - g.dil[i] * (g.k[i] - 1) - 1;
      ok &= span >= 0;
      g.od[i] = ok ? span / g.stride[i] + 1 : 1;
    }
    if (ok) kernel_case(&g, bitss[next() % 6], next() % 4 ? rnd(-128, 127) : rnd(-3000, 3000), kinds, 1, &st);
  }
  kernel_report("depthwise conv", &st, 300);
}

/* A 2-D (or 1-D) window along dims 1 and 2 (no dilation): extents from ks, strides 1..2, pads 0..3;
 * rows of 60..140 when wide. Returns 0 when the window does not fit. */
static int random_window(dlrt_win *g, const int *ks, int nks, int rank, int wide, int maxid) {
  int sq = next() % 2, k = ks[next() % (uint64_t)nks], ok = 1;
  g->id[0] = g->od[0] = g->k[0] = g->stride[0] = g->dil[0] = g->dil[1] = g->dil[2] = 1;
  for (int i = 1; i < 3; i++) {
    int on = i >= 3 - rank;
    g->id[i] = on ? (wide && i == 2 ? rnd(60, 140) : rnd(1, maxid)) : 1, g->k[i] = on ? (sq ? k : ks[next() % (uint64_t)nks]) : 1;
    g->stride[i] = on ? rnd(1, 2) : 1, g->pad[i] = on ? rnd(0, 3) : 0, g->pad_end[i] = on ? rnd(0, 3) : 0;
    dlrt_i span = g->id[i] + g->pad[i] + g->pad_end[i] - g->k[i];
    ok &= span >= 0;
    g->od[i] = ok ? span / g->stride[i] + 1 : 1;
  }
  return ok;
}

/* The plane kernel (qrt_convpl: one input channel per group, 2-D or 1-D, no
 * dilation, strides 1..2, up to 16 x 16 taps): depthwise convs and
 * one-channel stems with up to 24 output channels each, rows wider than one
 * 64-byte chunk, asymmetric windows, 2..8-bit weights. */
static void plane_paths(void) {
  static const int bitss[] = {2, 3, 4, 5, 7, 8}, ks[] = {1, 2, 3, 3, 3, 5, 7, 16}, kinds[] = {3, 0};
  kstats st = {0};
  for (int t = 0; t < 500; t++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    dlrt_i mg = next() % 3 == 0 ? rnd(2, 24) : 1;
    g.group = next() % 4 == 0 ? 1 : rnd(1, 40), g.n = rnd(1, 2), g.c = g.group, g.m = mg * g.group;
    if (random_window(&g, ks, 8, next() % 8 == 0 ? 1 : 2, next() % 6 == 0, 20))
      kernel_case(&g, bitss[next() % 6], rnd(-128, 127), kinds, 0, &st);
  }
  kernel_report("plane conv", &st, 300);
}

/* The pointwise kernel (qrt_convpw: 1 x 1 windows at stride 1, no padding):
 * 1..70 channels per group (multiples of 4 read in place, others padded),
 * 1..3 groups, 1..40 output channels per group (tiles of 4 with a tail),
 * 1 to a few hundred positions (tiles of 64 with a tail), 2..8-bit weights. */
static void pointwise_paths(void) {
  static const int cgs[] = {1, 3, 4, 5, 16, 32, 64, 70}, bitss[] = {2, 3, 4, 7, 8, 8}, kinds[] = {4, 0};
  kstats st = {0};
  for (int t = 0; t < 300; t++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    dlrt_i cg = cgs[next() % 8], mg = rnd(1, 40);
    g.group = next() % 4 == 0 ? rnd(2, 3) : 1, g.n = rnd(1, 2), g.c = cg * g.group, g.m = mg * g.group;
    for (int i = 0; i < 3; i++) g.k[i] = g.stride[i] = g.dil[i] = 1, g.id[i] = g.od[i] = 1;
    g.id[2] = g.od[2] = rnd(1, 20), g.id[1] = g.od[1] = next() % 4 ? rnd(1, 20) : 1;
    kernel_case(&g, bitss[next() % 6], rnd(-128, 127), kinds, 0, &st);
  }
  kernel_report("pointwise conv", &st, 200);
}

/* The grid kernel (qrt_convgr_z, which qrt_conv8 runs with AVX-512 on 2-D
 * windows without dilation, strides 1..2, a multiple of 4 channels per group,
 * up to 64 taps): 4..64 channels per group, 1..2 groups, 4..40 output
 * channels per group (blocks of 16, tiles of 4), windows 1..7 wide, rows
 * wider than one 64-position chunk, 2..8-bit weights. (Without AVX-512 the
 * same cases run qrt_conv8's other bodies.) */
static void grid_paths(void) {
  static const int cgs[] = {4, 8, 16, 32, 64}, bitss[] = {2, 3, 4, 7, 8, 8}, ks[] = {1, 2, 3, 3, 3, 5, 7}, kinds[] = {1, 4, 0};
  kstats st = {0};
  for (int t = 0; t < 250; t++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    dlrt_i cg = cgs[next() % 5], mg = rnd(4, 40);
    int wide = next() % 8 == 0;
    g.group = next() % 5 == 0 ? 2 : 1, g.n = rnd(1, 2), g.c = cg * g.group, g.m = mg * g.group;
    if (random_window(&g, ks, 7, 2, wide, 24) && g.k[1] * g.k[2] <= 64 && !(wide && g.id[1] > 6))
      kernel_case(&g, bitss[next() % 6], rnd(-128, 127), kinds, 0, &st);
  }
  kernel_report("grid conv", &st, 150);
}

static void matmul_paths(void) {
  static const int bitss[] = {2, 4, 7, 8, 16};
  int bad = 0, overrun = 0, cases = 0, spcases = 0, spbad = 0;
  for (int t = 0; t < 300; t++) {
    dlrt_i batches = rnd(1, 3), M = rnd(1, 20), N = rnd(1, 40), K = t % 10 == 0 ? rnd(500, 600) : rnd(1, 200);
    int weights = next() % 2, pern = next() % 2;
    int64_t za = rnd(-128, 127), zb = rnd(-128, 127), wmax = 255, bmax = 0;
    dlrt_i *aoff = malloc(sizeof(dlrt_i) * (size_t)batches), *boff = malloc(sizeof(dlrt_i) * (size_t)batches);
    int8_t *a = malloc((size_t)(batches * M * K)), *bq = malloc((size_t)(batches * K * N));
    int32_t *wv = malloc(sizeof(int32_t) * (size_t)(K * N));
    int32_t *bias = next() % 2 ? malloc(sizeof(int32_t) * (size_t)N) : NULL;
    qrt_wts w = {0};
    unsigned char *wp = weights ? random_weights(K * N, bitss[next() % 5], wv, &w, &wmax) : NULL;
    if (wp) wp = sparsify(wv, K * N, &w, wp);
    qrt_mult *mult = malloc(sizeof(qrt_mult) * (size_t)N);
    qrt_out o = random_out();
    for (dlrt_i i = 0; i < batches; i++) aoff[i] = i * M * K, boff[i] = weights ? 0 : i * K * N;
    for (dlrt_i i = 0; i < batches * M * K; i++) a[i] = (int8_t)rnd(-128, 127);
    for (dlrt_i i = 0; i < batches * K * N; i++) bq[i] = (int8_t)rnd(-128, 127);
    if (!weights) wmax = 128 + llabs(zb);
    for (dlrt_i i = 0; bias && i < N; i++) bias[i] = (int32_t)rnd(-100000, 100000), bmax = 100000;
    random_mults(mult, N);
    if ((double)K * (double)(128 + llabs(za)) * (double)wmax + (double)bmax < 2147483648.0) {
      int nmult = pern ? (int)N : 1;
      dlrt_i ny = batches * M * N;
      size_t n32 = (size_t)qrt_matmul_scratch(M, N, K, 1, za, weights ? &w : NULL, 1, zb, 32);
      size_t n64 = (size_t)qrt_matmul_scratch(M, N, K, 1, za, weights ? &w : NULL, 1, zb, 64);
      unsigned char *s32 = guarded(n32), *s64 = guarded(n64);
      unsigned char *y32 = calloc((size_t)ny, (size_t)o.es), *y64 = calloc((size_t)ny, (size_t)o.es);
      cases++;
      const qrt_wts *bw = weights ? &w : NULL;
      qrt_matmul(batches, aoff, boff, M, N, K, a, 1, za, bw, bq, 1, zb, bias, mult, nmult, o, 32, y32, s32);
      qrt_matmul(batches, aoff, boff, M, N, K, a, 1, za, bw, bq, 1, zb, bias, mult, nmult, o, 64, y64, s64);
      overrun += !guard_intact(s32, n32) || !guard_intact(s64, n64);
      int diff = memcmp(y32, y64, (size_t)ny * (size_t)o.es) != 0;
      for (dlrt_i b = 0; b < batches && !diff; b++)
        for (dlrt_i i = 0; i < M && !diff; i++)
          for (dlrt_i j = 0; j < N && !diff; j++) {
            int64_t acc = bias ? bias[j] : 0;
            for (dlrt_i k = 0; k < K; k++)
              acc += (a[aoff[b] + i * K + k] - za) * (weights ? (int64_t)wv[k * N + j] : bq[boff[b] + k * N + j] - zb);
            dlrt_i yi = (b * M + i) * N + j;
            int64_t got = o.es == 1 ? ((int8_t *)y32)[yi] : o.es == 2 ? ((int16_t *)y32)[yi] : ((int32_t *)y32)[yi];
            diff = got != store_ref(acc, mult[pern ? j : 0], o);
          }
      bad += diff;
      if (weights) {
        struct DlQStep q = {.kind = DL_Q_MATMUL, .xes = 1, .zx = za, .w = w, .wdata = wp, .nw = K * N, .acc_bits = 32,
                            .nmult = nmult};
        q.c.batches = batches, q.c.boff = boff, q.c.M = M, q.c.N = N, q.c.K = K;
        sparse_check(&q, a, aoff, bias, mult, o, y32, ny, &spcases, &spbad, &overrun);
      }
      free(s32), free(s64), free(y32), free(y64);
    }
    free(aoff), free(boff), free(a), free(bq), free(wv), free(bias), free(wp), free(mult);
  }
  expect(bad == 0, "matmul: int32 path, int64 path and the definition agree");
  expect(overrun == 0, "matmul: scratch stays within qrt_matmul_scratch");
  printf("matmul paths: %s random cases, %d differ, %d overrun\n", cases >= 200 ? "200+" : "too few", bad, overrun);
  expect(spcases >= 80 && spbad == 0, "matmul: sparse weights (qrt_matmul_sparse) give the same results");
  printf("matmul with sparse weights: %s cases, %d differ\n", spcases >= 80 ? "80+" : "too few", spbad);
}

/* The pooling definition, tap by tap (docs/integer-semantics.md). */
static int64_t pool_ref(const dlrt_win *g, int kind, const int16_t *x, int64_t zp, dlrt_i q, const dlrt_i *o) {
  int64_t acc = kind == 0 ? INT64_MIN : 0, cnt = 0, cnt_pad = 0;
  for (dlrt_i k0 = 0; k0 < g->k[0]; k0++)
    for (dlrt_i k1 = 0; k1 < g->k[1]; k1++)
      for (dlrt_i k2 = 0; k2 < g->k[2]; k2++) {
        dlrt_i z[3], kk[3] = {k0, k1, k2};
        int in = 1, pad = 1;
        for (int d = 0; d < 3; d++) {
          z[d] = o[d] * g->stride[d] - g->pad[d] + kk[d] * g->dil[d];
          in &= z[d] >= 0 && z[d] < g->id[d];
          pad &= z[d] >= -g->pad[d] && z[d] < g->id[d] + g->pad_end[d];
        }
        cnt_pad += pad;
        if (!in) continue;
        int64_t v = x[q * g->id[0] * g->id[1] * g->id[2] + (z[0] * g->id[1] + z[1]) * g->id[2] + z[2]];
        acc = kind == 0 ? (v > acc ? v : acc) : acc + v - zp;
        cnt++;
      }
  int64_t c = kind == 2 ? cnt_pad : cnt;
  if (kind == 0) return cnt ? acc : zp;
  if (!c) return zp;
  int64_t num = 2 * acc + c, den = 2 * c, r = num / den; /* floor((2s + c) / 2c) */
  return zp + r - ((num % den != 0) && num < 0);
}

static void pool_paths(void) {
  int bad = 0, overrun = 0;
  for (int t = 0; t < 300; t++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    int kind = (int)(next() % 3), es = next() % 2 ? 1 : 2, ok = 1, big = t % 8 == 0; /* more than 32 taps */
    int whole = t % 8 == 1 || t % 8 == 2; /* int8 max pooling inside the input (qrt_maxpool8), 2 x 2 / 2 or other */
    g.n = rnd(1, 2), g.c = g.m = rnd(1, 5), g.group = 1;
    if (whole) {
      int k2 = t % 8 == 1;
      kind = 0, es = 1, g.id[0] = g.od[0] = g.k[0] = g.stride[0] = g.dil[0] = 1;
      for (int i = 1; i < 3; i++) {
        g.id[i] = next() % 3 ? rnd(2, 30) : rnd(60, 140), g.k[i] = k2 ? 2 : rnd(1, 3), g.stride[i] = k2 ? 2 : rnd(1, 3);
        g.dil[i] = 1, g.od[i] = g.id[i] < g.k[i] ? 1 : (g.id[i] - g.k[i]) / g.stride[i] + 1;
        ok &= g.id[i] >= g.k[i];
      }
    }
    for (int i = 0; i < 3 && !whole; i++) {
      int on = i > 0 || next() % 4 == 0;
      g.id[i] = on ? rnd(big ? 7 : 1, 12) : 1, g.k[i] = on ? (big ? rnd(6, 7) : rnd(1, 3)) : 1;
      g.stride[i] = on ? rnd(1, 3) : 1;
      g.pad[i] = on ? rnd(0, 2) : 0, g.pad_end[i] = on ? rnd(0, 2) : 0, g.dil[i] = on && !big ? rnd(1, 2) : 1;
      dlrt_i span = g.id[i] + g.pad[i] + g.pad_end[i] - g.dil[i] * (g.k[i] - 1) - 1;
      ok &= span >= 0;
      g.od[i] = ok ? span / g.stride[i] + 1 : 1;
    }
    if (!ok) continue;
    dlrt_i ivol = g.id[0] * g.id[1] * g.id[2], ovol = g.od[0] * g.od[1] * g.od[2], nc = g.n * g.c;
    int64_t lo = es == 1 ? -128 : -32768, hi = es == 1 ? 127 : 32767, zp = rnd(lo, hi);
    int16_t *x = malloc(sizeof(int16_t) * (size_t)(nc * ivol));
    unsigned char *xs = malloc((size_t)(nc * ivol * es)), *y = guarded((size_t)(nc * ovol * es));
    for (dlrt_i i = 0; i < nc * ivol; i++) {
      x[i] = (int16_t)rnd(lo, hi);
      if (es == 1) ((int8_t *)xs)[i] = (int8_t)x[i];
      else ((int16_t *)xs)[i] = x[i];
    }
    qrt_pool(&g, kind, xs, zp, es, y);
    overrun += !guard_intact(y, (size_t)(nc * ovol * es));
    for (dlrt_i q = 0; q < nc; q++)
      for (dlrt_i p = 0; p < ovol; p++) {
        dlrt_i o[3] = {p / g.od[2] / g.od[1], p / g.od[2] % g.od[1], p % g.od[2]};
        int64_t got = es == 1 ? ((int8_t *)y)[q * ovol + p] : ((int16_t *)y)[q * ovol + p];
        bad += got != pool_ref(&g, kind, x, zp, q, o);
      }
    free(x), free(xs), free(y);
  }
  expect(bad == 0 && overrun == 0, "pool: qrt_pool equals the definition and writes only its output");
  printf("pooling: max and average (with and without pads) on random windows, %d wrong, %d overrun\n", bad, overrun);
}

/* qrt_quantize's byte path against its definition clamp(zp + nearbyintf(x / scale)),
 * NaN as 0: ties, values near every rounding boundary, huge values, infinities. */
static void quantize_definition(void) {
  enum { N = 4096 };
  static float x[N];
  static int8_t got[N];
  int wrong = 0, cases = 0;
  for (int rep = 0; rep < 50; rep++) {
    float scale = rep % 5 == 0 ? 1.0f : (float)(next() % 100000 + 1) / 37000.0f;
    int64_t zp = (int64_t)(next() % 256) - 128;
    qrt_out o = {1, zp, rep % 3 == 0 ? 0 : -128, 127};
    for (int i = 0; i < N; i++) {
      uint64_t r = next();
      switch (r % 6) {
      case 0: x[i] = ((float)(int64_t)(r >> 40 & 511) - 256.0f + 0.5f) * scale; break; /* ties */
      case 1: x[i] = ((float)(int64_t)(r >> 40 & 1023) - 512.0f) / 3.0f; break;
      case 2: x[i] = (float)(int64_t)(r >> 20) * 1e-3f * (r & 1 ? 1.0f : -1.0f); break; /* huge */
      case 3: x[i] = r & 8 ? (r & 16 ? 1.0f / 0.0f : -1.0f / 0.0f) : 0.0f / 0.0f; break;
      default: x[i] = ((float)(next() % 2000001) / 1000.0f - 1000.0f) * scale; break;
      }
    }
    qrt_quantize(N, x, scale, o, got);
    for (int i = 0; i < N; i++, cases++) {
      float r = nearbyintf(x[i] / scale);
      int64_t v;
      if (r != r) r = 0.0f;
      if (r > 1e15f) r = 1e15f;
      if (r < -1e15f) r = -1e15f;
      v = (int64_t)r + zp;
      v = v < o.lo ? o.lo : v > o.hi ? o.hi : v;
      if (got[i] != v) wrong++;
    }
  }
  printf("quantize to bytes: %d values, %d wrong\n", cases, wrong);
  check(wrong == 0, "quantize to bytes");
}

/* qrt_binary on int8 operands (add, sub, mul; contiguous and broadcast
 * operands) against the definition: requant(p ma + s mb, {1, shift}) for add
 * and sub (s negated for sub), requant(p s, ma) for mul, then zp and clamp. */
static void binary_definition(void) {
  int wrong = 0, cases = 0;
  for (int rep = 0; rep < 400; rep++) {
    int op = (int)(next() % 3), bc = rep % 4 == 0; /* b broadcast along the inner axis */
    dlrt_i n = rnd(1, 100), d[1] = {n}, as[1] = {1}, bs[1] = {bc ? 0 : 1};
    int8_t a[100], b[100], y[100];
    int64_t za = rnd(-128, 127), zb = rnd(-128, 127);
    qrt_mult ma = {rnd(0, ((int64_t)1 << 31) - 1), (int)rnd(1, 40)}, mb = {rnd(0, ((int64_t)1 << 31) - 1), 0};
    if (rep % 50 == 1) ma.shift = 0; /* the general path */
    qrt_out o = {1, rnd(-60, 60), -128, 127};
    if (next() % 2) o.lo = o.zp;
    for (dlrt_i i = 0; i < n; i++) a[i] = (int8_t)rnd(-128, 127), b[i] = (int8_t)rnd(-128, 127);
    qrt_binary(op, 1, d, a, 1, as, za, b, 1, bs, zb, ma, mb, o, y);
    for (dlrt_i i = 0; i < n; i++, cases++) {
      int64_t p = a[i] - za, q = b[bc ? 0 : i] - zb, v;
      if (op == 2) v = qrt_requant(p * q, ma);
      else {
        qrt_mult m = {1, ma.shift};
        v = qrt_requant(p * ma.m0 + (op ? -q : q) * mb.m0, m);
      }
      v += o.zp;
      v = v < o.lo ? o.lo : v > o.hi ? o.hi : v;
      if (y[i] != v) wrong++;
    }
  }
  printf("int8 add/sub/mul: %d values, %d wrong\n", cases, wrong);
  check(wrong == 0, "int8 add/sub/mul");
}

int main(void) {
  quantize_definition();
  binary_definition();
  pack_roundtrip();
  requant_definition();
  conv_paths();
  depthwise_paths();
  plane_paths();
  pointwise_paths();
  grid_paths();
  matmul_paths();
  pool_paths();
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
