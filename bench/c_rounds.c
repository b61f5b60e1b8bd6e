/* The dlc side of bench/ort-vs-c.sh: built with one generated model
 * (cc -DMODEL=name c_rounds.c name.c), it loads X.npy (float32 images) and
 * Y.npy (int64 labels) and then serves rounds on stdin, so a driver can
 * interleave several such processes and onnxruntime without restarting any:
 *   "N START\n" -> runs images START..START+N-1 (modulo the count) one at a
 *   time through NAME_run, each timed with CLOCK_MONOTONIC, and answers
 *   "MEDIAN_US MEAN_US HITS ERRORS\n" (HITS: top-1 matches with the labels).
 * At start it prints "ready ARENA_BYTES IMAGES\n". EOF ends it.
 * usage: c_rounds X.npy Y.npy */
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
  if (!d || fread(d, 1, (size_t)*bytes, f) != (size_t)*bytes) return NULL;
  fclose(f);
  return d;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  static unsigned char arena[CAT(MODEL, _ARENA_BYTES)] __attribute__((aligned(64)));
  long xb, yb, per = 1, outn = 1, n, start;
  long long dims[8];
  int dt, i, rank, orank, count;
  float *x, out[4096];
  long long *y;
  double *t;
  if (argc < 3) return fprintf(stderr, "usage: c_rounds X.npy Y.npy\n"), 1;
  x = npy(argv[1], &xb), y = npy(argv[2], &yb);
  if (!x || !y) return fprintf(stderr, "c_rounds: cannot read %s or %s\n", argv[1], argv[2]), 1;
  rank = CAT(MODEL, _describe)(0, 0, dims, &dt);
  for (i = 0; i < rank; i++) per *= dims[i];
  orank = CAT(MODEL, _describe)(1, 0, dims, &dt);
  for (i = 0; i < orank; i++) outn *= dims[i];
  if (outn > 4096) return fprintf(stderr, "c_rounds: output of %ld floats\n", outn), 1;
  n = xb / 4 / per;
  if (n < 1 || yb / 8 < n) return fprintf(stderr, "c_rounds: %ld images, %ld labels\n", n, yb / 8), 1;
  printf("ready %ld %ld\n", (long)CAT(MODEL, _ARENA_BYTES), n);
  fflush(stdout);
  while (scanf("%d %ld", &count, &start) == 2 && count > 0) {
    long hits = 0, errors = 0;
    double sum = 0;
    t = malloc(sizeof *t * (size_t)count);
    if (!t) return 1;
    for (i = 0; i < count; i++) {
      long s = (start + i) % n, best = 0, k;
      double a = now();
      int rc = CAT(MODEL, _run)(arena, x + s * per, out);
      t[i] = now() - a;
      sum += t[i];
      errors += rc != 0;
      for (k = 1; k < outn; k++) best = out[k] > out[best] ? k : best;
      hits += best == y[s];
    }
    qsort(t, (size_t)count, sizeof *t, cmp_double);
    printf("%.3f %.3f %ld %ld\n", 1e6 * (count % 2 ? t[count / 2] : 0.5 * (t[count / 2 - 1] + t[count / 2])),
           1e6 * sum / count, hits, errors);
    fflush(stdout);
    free(t);
  }
  free(x), free(y);
  return 0;
}
