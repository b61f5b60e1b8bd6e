/* The PIM target's row microprograms (targets/pim/micro.c): command counts
 * against their closed forms and results against integer arithmetic, run
 * on the simulator's bit matrix for 4,096 random lanes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"

enum { ROWS = 512, WORDS = 64, LANES = WORDS * 64 };

static int passed, failed;
static uint64_t mem[ROWS * WORDS], rng = 88172645463325252ull;

static uint64_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static void check(int ok, const char *what) {
  if (ok) passed++;
  else failed++, printf("FAIL: %s\n", what);
}

static void put(const int *r, int n, const uint64_t *v) {
  for (int b = 0; b < n; b++)
    for (int w = 0; w < WORDS; w++) {
      uint64_t word = 0;
      for (int k = 0; k < 64; k++) word |= (v[w * 64 + k] >> b & 1) << k;
      mem[r[b] * WORDS + w] = word;
    }
}

static uint64_t get(const int *r, int n, int lane) {
  uint64_t v = 0;
  for (int b = 0; b < n; b++) v |= (mem[r[b] * WORDS + lane / 64] >> (lane % 64) & 1) << b;
  return v;
}

static void seq(int *r, int n, int first) {
  for (int i = 0; i < n; i++) r[i] = first + i;
}

static uint64_t mask(int n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

int main(void) {
  static uint64_t a[LANES], b[LANES];
  int ra[64], rb[64], rs[128];
  char what[160];
  /* n-bit addition: 8n + 1 commands, as SIMDRAM's closed form */
  int add_bad = 0, add_count = 0;
  for (int n = 1; n <= 32; n++) {
    DlPimProg p;
    dl_pim_prog_init(&p, ROWS);
    seq(ra, n, 0), seq(rb, n, 64), seq(rs, n, 128);
    dl_pim_add(&p, ra, rb, rs, n);
    add_count += p.n == 8 * n + 1;
    for (int i = 0; i < LANES; i++) a[i] = rnd() & mask(n), b[i] = rnd() & mask(n);
    put(ra, n, a), put(rb, n, b);
    dl_pim_rows_run(mem, ROWS, WORDS, p.w, p.n);
    for (int i = 0; i < LANES; i++) add_bad += get(rs, n, i) != ((a[i] + b[i]) & mask(n));
    dl_pim_prog_free(&p);
  }
  printf("add: n = 1..32, %d of 32 widths take 8n+1 commands, %d wrong sums\n", add_count, add_bad);
  check(add_count == 32 && add_bad == 0, "add");
  /* n x m multiplication: 11nm - 6n + 2m - 2 commands */
  int mul_bad = 0, mul_count = 0, mul_cases = 0;
  for (int n = 1; n <= 12; n++)
    for (int m = 1; m <= 12; m++) {
      DlPimProg p;
      dl_pim_prog_init(&p, ROWS);
      seq(ra, n, 0), seq(rb, m, 64), seq(rs, n + m, 128);
      dl_pim_mul(&p, ra, n, rb, m, rs);
      int64_t want = m == 1 ? 5 * n + 1 : 11 * n * m - 6 * n + 2 * m - 2;
      mul_count += p.n == want, mul_cases++;
      for (int i = 0; i < LANES; i++) a[i] = rnd() & mask(n), b[i] = rnd() & mask(m);
      put(ra, n, a), put(rb, m, b);
      dl_pim_rows_run(mem, ROWS, WORDS, p.w, p.n);
      for (int i = 0; i < LANES; i++) mul_bad += get(rs, n + m, i) != a[i] * b[i];
      if (n == m && (n == 4 || n == 8))
        printf("mul %dx%d: %" PRId64 " commands (SIMDRAM's 11n^2-5n-1: %d)\n", n, n, p.n, 11 * n * n - 5 * n - 1);
      dl_pim_prog_free(&p);
    }
  printf("mul: %d of %d shapes match the closed form, %d wrong products\n", mul_count, mul_cases, mul_bad);
  check(mul_count == mul_cases && mul_bad == 0, "mul");
  /* acc += x << j and acc += k, growing the accumulator */
  int sh_bad = 0, k_bad = 0;
  for (int t = 0; t < 200; t++) {
    int n = 1 + (int)(rnd() % 12), j = (int)(rnd() % 10), ow = (int)(rnd() % 20);
    int w = (ow > n + j ? ow : n + j) + 1;
    DlPimProg p;
    dl_pim_prog_init(&p, ROWS);
    seq(ra, w, 0), seq(rb, n, 64);
    dl_pim_add_shifted(&p, ra, ow, w, rb, n, j);
    for (int i = 0; i < LANES; i++) a[i] = rnd() & mask(ow), b[i] = rnd() & mask(n);
    put(ra, ow, a), put(rb, n, b);
    dl_pim_rows_run(mem, ROWS, WORDS, p.w, p.n);
    for (int i = 0; i < LANES; i++) sh_bad += get(ra, w, i) != a[i] + (b[i] << j);
    dl_pim_prog_free(&p);
    uint64_t k = rnd() & mask((int)(rnd() % 30));
    int wk = 1;
    while ((mask(ow) + k) >> wk) wk++;
    dl_pim_prog_init(&p, ROWS);
    dl_pim_add_const(&p, ra, ow, wk, k);
    for (int i = 0; i < LANES; i++) a[i] = rnd() & mask(ow);
    put(ra, ow, a);
    dl_pim_rows_run(mem, ROWS, WORDS, p.w, p.n);
    for (int i = 0; i < LANES; i++) k_bad += get(ra, wk, i) != a[i] + k;
    dl_pim_prog_free(&p);
  }
  printf("shift-add: 200 random shapes, %d wrong; constant add: %d wrong\n", sh_bad, k_bad);
  check(sh_bad == 0 && k_bad == 0, "shift-add");
  /* canonical signed digits: exact, no two adjacent nonzero digits */
  int csd_bad = 0;
  for (int t = 0; t < 100000; t++) {
    int64_t v = (int64_t)(rnd() % 2000001) - 1000000;
    if (t % 2) v = (int64_t)(rnd() >> 34) * (t % 4 == 1 ? 1 : -1);
    int d[64], pos[64], n = dl_pim_csd(v, d, pos);
    int64_t s = 0;
    for (int i = 0; i < n; i++) {
      s += d[i] * ((int64_t)1 << pos[i]);
      if (i && pos[i] == pos[i - 1] + 1) csd_bad++;
    }
    csd_bad += s != v;
  }
  snprintf(what, sizeof what, "csd: %d bad", csd_bad);
  printf("canonical signed digits: 100000 values, %d bad\n", csd_bad);
  check(csd_bad == 0, what);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
