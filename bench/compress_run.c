/* The compressed-arena benchmark's harness (bench/compress-arena.sh): built
 * together with one generated model (cc -DMODEL=name harness.c name.c), it
 * runs every image of an .npy file through NAME_run in a static arena of
 * NAME_ARENA_BYTES, and prints the arena, the per-image latency, the images
 * whose run returned an error (2: a compressed activation outgrew its
 * reserve), the top-1 accuracy against int64 labels, and writes output 0 of
 * every image (float32, raw) so two builds can be compared with cmp.
 * usage: harness X.npy Y.npy OUT.bin [REPEAT] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define HDR_STR2(x) #x
#define HDR_STR(x) HDR_STR2(x)
#include HDR_STR(MODEL.h)

/* Payload of a little-endian .npy file (version 1 or 2 header). */
static void *npy(const char *path, long *bytes) {
  FILE *f = fopen(path, "rb");
  unsigned char h[12];
  long n;
  char *d;
  if (!f || fread(h, 1, 12, f) != 12 || memcmp(h, "\x93NUMPY", 6)) return NULL;
  n = h[6] == 1 ? 10 + (h[8] | h[9] << 8)
                : 12 + (h[8] | h[9] << 8 | h[10] << 16 | (long)h[11] << 24);
  fseek(f, 0, SEEK_END);
  *bytes = ftell(f) - n;
  fseek(f, n, SEEK_SET);
  d = malloc((size_t)*bytes);
  if (fread(d, 1, (size_t)*bytes, f) != (size_t)*bytes) return NULL;
  fclose(f);
  return d;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  static unsigned char arena[CAT(MODEL, _ARENA_BYTES)] __attribute__((aligned(64)));
  long xb, yb, per = 1;
  long long dims[8];
  int dt, r, i, rank = CAT(MODEL, _describe)(0, 0, dims, &dt), orank;
  float *x, out[1024];
  long long *y, outn = 1;
  if (argc < 4) return fprintf(stderr, "usage: harness X.npy Y.npy OUT.bin [REPEAT]\n"), 1;
  x = npy(argv[1], &xb), y = npy(argv[2], &yb);
  if (!x || !y) return fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]), 1;
  for (i = 0; i < rank; i++) per *= dims[i];
  orank = CAT(MODEL, _describe)(1, 0, dims, &dt);
  for (i = 0; i < orank; i++) outn *= dims[i];
  long n = xb / 4 / per, errors = 0, hits = 0, rep = argc > 4 ? atol(argv[4]) : 1;
  FILE *o = fopen(argv[3], "wb");
  double t0 = now();
  for (r = 0; r < rep; r++)
    for (long s = 0; s < n; s++) {
      if (CAT(MODEL, _run)(arena, x + s * per, out)) {
        errors++;
        memset(out, 0, sizeof out);
      }
      if (r == 0) {
        int best = 0;
        for (i = 1; i < outn; i++) best = out[i] > out[best] ? i : best;
        hits += best == y[s];
        fwrite(out, sizeof(float), (size_t)outn, o);
      }
    }
  double dt_s = now() - t0;
  fclose(o);
  printf("arena %ld bytes, %.4f ms/image, %ld of %ld images returned an error, accuracy %.2f%%\n",
         (long)CAT(MODEL, _ARENA_BYTES), 1e3 * dt_s / (double)(n * rep), errors / rep, n,
         100.0 * (double)hits / (double)n);
  free(x), free(y);
  return 0;
}
