/* dlc-unit-dlrt: the float convolution and matrix product (lib/runtime/dlrt.c,
 * dlrt_conv and dlrt_sgemm) against their definitions on random geometries.
 * The interpreter and the generated C share these kernels, so the end-to-end
 * tests cannot see a kernel that is wrong the same way in both; this compares
 * them with direct loops: a conv output is fmaf(w, x, s) over k = (c, t0, t1,
 * t2) in order from 0, then the bias, then the clamp; a product element is
 * fmaf over k in order, from 0 or from C's value. Bit for bit, since the
 * kernels promise exactly that; values span many magnitudes so that another
 * order, or a multiply and add rounded apart, would change bits. Also checks
 * that nothing is written past the scratch dlrt_conv_scratch reports, past the
 * output, or into the product's columns past N (ldc > N). Pooling (dlrt_pool)
 * against its definition tap by tap, with NaN, -0 and +0 among the values
 * (max keeps the first of equal values and never takes a NaN), windows inside
 * the input (dlrt_maxpool2, 2 x 2 / 2 among them) and with pads. Built four ways
 * (test/unit/CMakeLists.txt): the default (x86-64: AVX-512 or AVX2 tiles
 * picked at run time), -DDLC_DLRT_PORTABLE, -DDLC_DLRT_NO512, -march=native. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/dlrt.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}
static dlrt_i pick(dlrt_i lo, dlrt_i hi) { return lo + (dlrt_i)(next() % (uint64_t)(hi - lo + 1)); }
static float value(void) {
  float m = (float)(next() % 2000001) / 1000000.0f - 1.0f;
  return ldexpf(m, (int)pick(-6, 6));
}

static void reference(const dlrt_win *g, const float *x, const float *w, const float *b, float *y, dlrt_act act) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group;
  for (dlrt_i n = 0; n < g->n; n++)
    for (dlrt_i m = 0; m < g->m; m++)
      for (dlrt_i o0 = 0; o0 < g->od[0]; o0++)
        for (dlrt_i o1 = 0; o1 < g->od[1]; o1++)
          for (dlrt_i o2 = 0; o2 < g->od[2]; o2++) {
            float s = 0.0f;
            const float *wm = w + m * cg * g->k[0] * g->k[1] * g->k[2];
            for (dlrt_i c = 0; c < cg; c++)
              for (dlrt_i t0 = 0; t0 < g->k[0]; t0++)
                for (dlrt_i t1 = 0; t1 < g->k[1]; t1++)
                  for (dlrt_i t2 = 0; t2 < g->k[2]; t2++) {
                    dlrt_i z0 = o0 * g->stride[0] - g->pad[0] + t0 * g->dil[0];
                    dlrt_i z1 = o1 * g->stride[1] - g->pad[1] + t1 * g->dil[1];
                    dlrt_i z2 = o2 * g->stride[2] - g->pad[2] + t2 * g->dil[2];
                    dlrt_i ci = (m / mg) * cg + c;
                    float xv = z0 >= 0 && z0 < g->id[0] && z1 >= 0 && z1 < g->id[1] && z2 >= 0 && z2 < g->id[2]
                                   ? x[(((n * g->c + ci) * g->id[0] + z0) * g->id[1] + z1) * g->id[2] + z2]
                                   : 0.0f;
                    s = fmaf(*wm++, xv, s);
                  }
            if (b) s = s + b[m];
            if (act.on) {
              float v = s < act.lo ? act.lo : s;
              s = v > act.hi ? act.hi : v;
            }
            y[(((n * g->m + m) * g->od[0] + o0) * g->od[1] + o1) * g->od[2] + o2] = s;
          }
}

/* dlrt_sgemm on random shapes (K past its 256 block, N past several tiles,
 * M not a multiple of 4, ldc > N) against fmaf loops; returns how many differ */
static int sgemm_cases(int *cases, int *overrun) {
  int differ = 0;
  for (int it = 0; it < 400; it++) {
    dlrt_i M = pick(1, 11), N = pick(1, 80), K = pick(1, it % 10 == 0 ? 600 : 40), pad = pick(0, 5);
    dlrt_i lda = K + pick(0, 3), ldb = N + pick(0, 3), ldc = N + pad;
    int acc = (int)(next() % 2);
    float *A = malloc(sizeof(float) * (size_t)(M * lda)), *B = malloc(sizeof(float) * (size_t)(K * ldb));
    float *C = malloc(sizeof(float) * (size_t)(M * ldc + 64)), *W = malloc(sizeof(float) * (size_t)(M * ldc));
    for (dlrt_i i = 0; i < M * lda; i++) A[i] = value();
    for (dlrt_i i = 0; i < K * ldb; i++) B[i] = value();
    for (dlrt_i i = 0; i < M * ldc + 64; i++) C[i] = value();
    memcpy(W, C, sizeof(float) * (size_t)(M * ldc));
    for (dlrt_i i = 0; i < M; i++)
      for (dlrt_i j = 0; j < N; j++) {
        float s = acc ? W[i * ldc + j] : 0.0f;
        for (dlrt_i k = 0; k < K; k++) s = fmaf(A[i * lda + k], B[k * ldb + j], s);
        W[i * ldc + j] = s;
      }
    float guard[64];
    memcpy(guard, C + M * ldc, sizeof guard);
    dlrt_sgemm(M, N, K, A, lda, B, ldb, C, ldc, acc);
    (*cases)++;
    if (memcmp(C, W, sizeof(float) * (size_t)(M * ldc))) {
      differ++;
      if (differ <= 5)
        printf("FAIL: sgemm M %lld N %lld K %lld ldc %lld accumulate %d\n", (long long)M, (long long)N, (long long)K,
               (long long)ldc, acc);
    }
    if (memcmp(guard, C + M * ldc, sizeof guard)) (*overrun)++;
    free(A), free(B), free(C), free(W);
  }
  return differ;
}

/* dlrt_pool's definition, output by output, taps in order. */
static float pool_ref(const dlrt_win *g, int kind, const float *xq, dlrt_i o0, dlrt_i o1, dlrt_i o2) {
  float acc = kind == 0 ? -INFINITY : 0.0f;
  dlrt_i cnt = 0, cnt_pad = 0, o[3] = {o0, o1, o2}, t[3];
  for (t[0] = 0; t[0] < g->k[0]; t[0]++)
    for (t[1] = 0; t[1] < g->k[1]; t[1]++)
      for (t[2] = 0; t[2] < g->k[2]; t[2]++) {
        dlrt_i z[3], in = 1, pad = 1;
        for (int d = 0; d < 3; d++) {
          z[d] = o[d] * g->stride[d] - g->pad[d] + t[d] * g->dil[d];
          in &= z[d] >= 0 && z[d] < g->id[d];
          pad &= z[d] >= -g->pad[d] && z[d] < g->id[d] + g->pad_end[d];
        }
        cnt_pad += pad;
        if (!in) continue;
        float v = xq[(z[0] * g->id[1] + z[1]) * g->id[2] + z[2]];
        if (kind == 0) acc = v > acc ? v : acc;
        else acc += v;
        cnt++;
      }
  if (kind == 1) acc = cnt ? acc / (float)cnt : 0.0f;
  if (kind == 2) acc = cnt_pad ? acc / (float)cnt_pad : 0.0f;
  return acc;
}

static int pool_cases(int *cases, int *inside, int *overrun) {
  int differ = 0;
  for (int it = 0; it < 1200; it++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    int rank = (int)pick(1, 3), kind = it % 3 ? 0 : (int)pick(1, 2), whole = it % 2; /* whole: windows inside */
    int two = whole && it % 4 == 1;                                                  /* 2 x 2 / 2 */
    g.n = pick(1, 2), g.c = pick(1, 5), g.m = g.c, g.group = 1;
    int ok = 1;
    for (int d = 0; d < 3; d++) {
      if (d < 3 - rank) {
        g.id[d] = g.k[d] = g.od[d] = g.stride[d] = g.dil[d] = 1;
        continue;
      }
      g.k[d] = two ? 2 : pick(1, 3), g.dil[d] = two ? 1 : pick(1, 2), g.stride[d] = two ? 2 : pick(1, 3);
      g.pad[d] = whole ? 0 : pick(0, 1), g.pad_end[d] = whole ? 0 : pick(0, 1);
      g.id[d] = pick(1, rank == 3 ? 7 : rank == 2 ? 19 : 40);
      dlrt_i span = g.id[d] + g.pad[d] + g.pad_end[d] - g.dil[d] * (g.k[d] - 1) - 1;
      if (span < 0) ok = 0;
      else g.od[d] = span / g.stride[d] + 1;
    }
    if (!ok) continue;
    dlrt_i ivol = g.id[0] * g.id[1] * g.id[2], P = g.od[0] * g.od[1] * g.od[2], guard = 64;
    dlrt_i nx = g.n * g.c * ivol, ny = g.n * g.c * P;
    float *x = malloc(sizeof(float) * (size_t)nx), *y = malloc(sizeof(float) * (size_t)(ny + guard));
    for (dlrt_i i = 0; i < nx; i++) {
      int r = (int)(next() % 16);
      x[i] = r == 0 ? NAN : r == 1 ? -0.0f : r == 2 ? 0.0f : r == 3 ? -INFINITY : value();
    }
    for (dlrt_i i = 0; i < ny + guard; i++) y[i] = 12345.0f;
    dlrt_pool(&g, kind, x, y);
    cases[0]++, inside[0] += whole && kind == 0 && rank < 3; /* dlrt_maxpool2 */
    for (dlrt_i q = 0; q < g.n * g.c; q++)
      for (dlrt_i o0 = 0; o0 < g.od[0]; o0++)
        for (dlrt_i o1 = 0; o1 < g.od[1]; o1++)
          for (dlrt_i o2 = 0; o2 < g.od[2]; o2++) {
            float want = pool_ref(&g, kind, x + q * ivol, o0, o1, o2);
            float got = y[q * P + (o0 * g.od[1] + o1) * g.od[2] + o2];
            differ += memcmp(&want, &got, sizeof want) != 0;
          }
    for (dlrt_i i = 0; i < guard; i++)
      if (y[ny + i] != 12345.0f) {
        overrun[0]++;
        break;
      }
    free(x), free(y);
  }
  return differ;
}

int main(void) {
  int pcases = 0, pinside = 0, poverrun = 0, pdiffer = pool_cases(&pcases, &pinside, &poverrun);
  printf("pool: %d cases (%d max inside), %d differ, %d overrun\n", pcases, pinside, pdiffer, poverrun);
  int gcases = 0, goverrun = 0, gdiffer = sgemm_cases(&gcases, &goverrun);
  printf("sgemm: %d cases, %d differ, %d overrun\n", gcases, gdiffer, goverrun);
  int cases = 0, differ = 0, overrun = 0, kinds[4] = {0, 0, 0, 0};
  for (int it = 0; it < 1500; it++) {
    dlrt_win g;
    memset(&g, 0, sizeof g);
    int rank = (int)pick(1, 3), kind = (int)pick(0, 3); /* 0 plain, 1 depthwise, 2 depthwise x2, 3 grouped */
    g.n = pick(1, 2);
    dlrt_i groups = kind == 0 ? 1 : kind == 3 ? pick(2, 3) : pick(1, 21);
    dlrt_i cg = kind == 1 || kind == 2 ? 1 : pick(1, kind == 0 ? 24 : 6);
    dlrt_i mg = kind == 1 ? 1 : kind == 2 ? 2 : pick(1, kind == 0 ? 19 : 6);
    g.group = groups, g.c = groups * cg, g.m = groups * mg;
    int ok = 1;
    for (int d = 0; d < 3; d++) {
      if (d < 3 - rank) {
        g.id[d] = g.k[d] = g.od[d] = g.stride[d] = g.dil[d] = 1;
        continue;
      }
      g.k[d] = pick(1, rank == 3 ? 3 : 5), g.dil[d] = pick(1, 2);
      g.stride[d] = rank == 1 && it % 25 == 0 ? pick(17, 20) : pick(1, 3); /* past the phase table too */
      g.pad[d] = pick(0, 2), g.pad_end[d] = pick(0, 2);
      /* some large 2-D inputs at stride 1: more rows than dlrt_conv_prep's row tables (DLRT_PREP_ROWS),
       * grids past dlrt_conv's output bit tables (16 DLRT_KEEP_MAX positions) */
      g.id[d] = pick(1, rank == 3 ? 9 : rank == 2 ? (it % 20 == 0 ? (d == 1 ? 500 : 40) : 20) : 70);
      if (rank == 2 && it % 20 == 0) g.stride[d] = 1;
      dlrt_i span = g.id[d] + g.pad[d] + g.pad_end[d] - g.dil[d] * (g.k[d] - 1) - 1;
      if (span < 0) ok = 0;
      else g.od[d] = span / g.stride[d] + 1;
    }
    if (!ok) continue;
    dlrt_i ivol = g.id[0] * g.id[1] * g.id[2], P = g.od[0] * g.od[1] * g.od[2];
    dlrt_i nx = g.n * g.c * ivol, nw = g.m * cg * g.k[0] * g.k[1] * g.k[2], ny = g.n * g.m * P;
    dlrt_i ns = dlrt_conv_scratch(&g), guard = 64;
    float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw);
    float *b = malloc(sizeof(float) * (size_t)g.m), *y = malloc(sizeof(float) * (size_t)(ny + guard));
    float *want = malloc(sizeof(float) * (size_t)ny), *s = malloc(sizeof(float) * (size_t)(ns + guard));
    for (dlrt_i i = 0; i < nx; i++) x[i] = value();
    for (dlrt_i i = 0; i < nw; i++) w[i] = value();
    for (dlrt_i i = 0; i < g.m; i++) b[i] = value();
    for (dlrt_i i = 0; i < ny + guard; i++) y[i] = 12345.0f;
    for (dlrt_i i = 0; i < ns + guard; i++) s[i] = 777.0f;
    dlrt_act act = {(int)(next() % 2), -0.5f, 0.75f};
    int bias = (int)(next() % 3) != 0;
    reference(&g, x, w, bias ? b : NULL, want, act);
    dlrt_conv(&g, x, w, bias ? b : NULL, y, s, act);
    cases++, kinds[kind]++;
    if (memcmp(y, want, sizeof(float) * (size_t)ny)) {
      differ++;
      if (differ <= 5)
        printf("FAIL: conv rank %d kind %d n %lld c %lld m %lld group %lld k %lldx%lldx%lld s %lldx%lldx%lld\n", rank,
               kind, (long long)g.n, (long long)g.c, (long long)g.m, (long long)g.group, (long long)g.k[0],
               (long long)g.k[1], (long long)g.k[2], (long long)g.stride[0], (long long)g.stride[1],
               (long long)g.stride[2]);
    }
    for (dlrt_i i = 0; i < guard; i++)
      if (y[ny + i] != 12345.0f || s[ns + i] != 777.0f) {
        overrun++;
        break;
      }
    free(x), free(w), free(b), free(y), free(want), free(s);
  }
  printf("float conv: %d cases (%d plain, %d depthwise, %d depthwise x2, %d grouped), %d differ, %d overrun\n", cases,
         kinds[0], kinds[1], kinds[2], kinds[3], differ, overrun);
  return differ || overrun || cases < 1000 || gdiffer || goverrun || pdiffer || poverrun || pinside < 200;
}
