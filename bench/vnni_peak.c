/* The int8 peak bench/ort-vs-c.sh divides by, measured: one core running
 * independent AVX-512 VNNI VPDPBUSD chains (64 u8 x s8 multiply-accumulates
 * each, 512-bit), enough of them to cover latency on two ports. Prints
 * "vnni GMAC_PER_S INSNS_PER_NS". cc -O2 -mavx512f -mavx512vnni vnni_peak.c */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define CHAINS 12
int main(void) {
  __m512i acc[CHAINS], a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
  for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_set1_epi32(c);
  long iters = 20000000;
  double best = 1e30;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = now();
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 16
      for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
      __asm__ volatile("" : "+v"(a));
    }
    double dt = now() - t0;
    best = dt < best ? dt : best;
  }
  int sink = 0;
  for (int c = 0; c < CHAINS; c++) sink += _mm512_reduce_add_epi32(acc[c]);
  double insns = (double)iters * CHAINS;
  printf("vnni %.1f %.3f %d\n", insns * 64 / best / 1e9, insns / best / 1e9, sink & 1);
  return 0;
}
