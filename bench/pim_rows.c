/* dlc-bench-pim-rows: the PIM simulator's raw speed. Runs 8-bit additions
 * and 8x8 multiplications (targets/pim/micro.c) on one subarray of the
 * default device (512 rows x 16,384 bitlines) and prints bitline operations
 * per second (row commands x bitlines), one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"
#include "dlc/support.h"

int main(int argc, char **argv) {
  DlPimDevice d;
  DlError e = {0};
  if (!dl_pim_device_load(argc > 1 ? argv[1] : "hbm2", &d, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  int W = d.cols / 64, a[8], b[8], s[16];
  uint64_t *mem = aligned_alloc(64, sizeof(uint64_t) * (size_t)d.rows * (size_t)W);
  for (size_t i = 0; i < (size_t)d.rows * (size_t)W; i++) mem[i] = i * 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 8; i++) a[i] = i, b[i] = 8 + i;
  for (int i = 0; i < 16; i++) s[i] = 16 + i;
  const char *names[] = {"8-bit add", "8x8 multiply"};
  for (int k = 0; k < 2; k++) {
    DlPimProg p;
    dl_pim_prog_init(&p, d.rows);
    for (int r = 0; r < 200; r++) {
      if (k == 0) dl_pim_add(&p, a, b, s, 8);
      else dl_pim_mul(&p, a, 8, b, 8, s);
    }
    double t0 = dl_now();
    int reps = 0;
    do {
      dl_pim_rows_run(mem, d.rows, W, p.w, p.n);
      reps++;
    } while (dl_now() - t0 < 1.0);
    double secs = dl_now() - t0, cmds = (double)p.n * reps;
    printf("%-13s %8.0f row commands/s  %.3g bitline operations/s (%d bitlines per row)\n", names[k], cmds / secs,
           cmds * d.cols / secs, d.cols);
    dl_pim_prog_free(&p);
  }
  free(mem);
  return 0;
}
