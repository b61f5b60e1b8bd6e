/* Runs a generated model (MODEL: its name, MODEL_H: its header) over the
 * float32 samples of argv[1], one input and one output, and writes the
 * outputs to argv[2]: a harness that a test compiles with any compiler and
 * flags, unlike dlc-run's own build of the file. */
#include <stdio.h>
#include <stdlib.h>

#include MODEL_H

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

int main(int argc, char **argv) {
  long long dims[8], n = 1, m = 1;
  int dt, r;
  if (argc != 3) return 2;
  r = CAT(MODEL, _describe)(0, 0, dims, &dt);
  for (int i = 0; i < r; i++) n *= dims[i];
  r = CAT(MODEL, _describe)(1, 0, dims, &dt);
  for (int i = 0; i < r; i++) m *= dims[i];
  float *x = malloc((size_t)n * 4), *y = malloc((size_t)m * 4);
  void *arena = aligned_alloc(64, (CAT(MODEL, _arena_bytes) + 63) / 64 * 64);
  FILE *f = fopen(argv[1], "rb"), *o = fopen(argv[2], "wb");
  if (!x || !y || !arena || !f || !o) return 2;
  while (fread(x, 4, (size_t)n, f) == (size_t)n) {
    const void *in[1] = {x};
    void *out[1] = {y};
    if (CAT(MODEL, _run_v)(arena, in, out)) return 1;
    fwrite(y, 4, (size_t)m, o);
  }
  return fclose(o) != 0;
}
