/* The timed side of bench/c-threads.sh: built with one model generated with
 * --c-threads (cc -DMODEL=name -pthread c_threads.c name.c), it loads X.npy
 * (float32 images; the model's input is B of them per set) and times
 * NAME_run_threads over all its sets, once with one thread and once with
 * THREADS, REPEAT times alternately (so load from other jobs hits both alike),
 * after one untimed pass of each. Prints one line per repetition:
 * "US_PER_IMAGE_1 US_PER_IMAGE_THREADS" (wall clock, CLOCK_MONOTONIC).
 * usage: c_threads X.npy THREADS REPEAT */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(x) #x
#define STR(x) STR2(x)
#include STR(MODEL.h)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  long long dims[8];
  int dt, k, rank, threads, repeat, r;
  long per = 1, outn = 1, n, hdr, bytes, images;
  unsigned char h[12];
  float *x, *out;
  void *arenas;
  FILE *f;
  if (argc < 4) return fprintf(stderr, "usage: c_threads X.npy THREADS REPEAT\n"), 1;
  threads = atoi(argv[2]), repeat = atoi(argv[3]);
  rank = CAT(MODEL, _describe)(0, 0, dims, &dt);
  for (k = 0; k < rank; k++) per *= dims[k];
  images = rank > 0 ? (long)dims[0] : 1; /* images per set: the batch */
  rank = CAT(MODEL, _describe)(1, 0, dims, &dt);
  for (k = 0; k < rank; k++) outn *= dims[k];
  f = fopen(argv[1], "rb");
  if (!f || fread(h, 1, 12, f) != 12 || memcmp(h, "\x93NUMPY", 6)) return fprintf(stderr, "cannot read %s\n", argv[1]), 1;
  hdr = h[6] == 1 ? 10 + (h[8] | h[9] << 8) : 12 + (h[8] | h[9] << 8 | h[10] << 16 | (long)h[11] << 24);
  fseek(f, 0, SEEK_END);
  bytes = ftell(f) - hdr;
  n = bytes / 4 / per;
  fseek(f, hdr, SEEK_SET);
  x = malloc((size_t)(n * per) * sizeof *x), out = malloc((size_t)(n * outn) * sizeof *out);
  if (n < 1 || !x || !out || fread(x, 4, (size_t)(n * per), f) != (size_t)(n * per)) return fprintf(stderr, "short %s\n", argv[1]), 1;
  fclose(f);
  if (posix_memalign(&arenas, 64, (size_t)threads * CAT(MODEL, _ARENA_BYTES))) return 1;
  CAT(MODEL, _run_threads)(arenas, 1, n, x, out);
  CAT(MODEL, _run_threads)(arenas, threads, n, x, out);
  for (r = 0; r < repeat; r++) {
    double a = now(), b, c;
    if (CAT(MODEL, _run_threads)(arenas, 1, n, x, out)) return fprintf(stderr, "a set failed\n"), 1;
    b = now();
    if (CAT(MODEL, _run_threads)(arenas, threads, n, x, out)) return fprintf(stderr, "a set failed\n"), 1;
    c = now();
    printf("%.3f %.3f\n", 1e6 * (b - a) / (double)(n * images), 1e6 * (c - b) / (double)(n * images));
  }
  free(x), free(out), free(arenas);
  return 0;
}
