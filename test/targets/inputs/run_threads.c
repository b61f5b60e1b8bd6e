/* Driver for test/targets/c-threads.test: built with a model generated with
 * --c-threads (cc -DMODEL=name -pthread run_threads.c name.c), it reads the
 * first input's sets from IN.npy (any dtype the model takes; a one-input,
 * one-output model), runs them one by one through NAME_run as the reference,
 * writes those outputs' bytes to OUT.bin, then runs them through
 * NAME_run_threads at several thread counts and prints, per count, whether
 * every output byte and the return code equal the reference's.
 * usage: run_threads IN.npy OUT.bin */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(x) #x
#define STR(x) STR2(x)
#include STR(MODEL.h)

static long dtype_bytes(int t) { return t == 11 || t == 7 ? 8 : t == 1 || t == 6 || t == 12 ? 4 : t == 10 || t == 16 || t == 5 || t == 4 ? 2 : 1; }

int main(int argc, char **argv) {
  static const int counts[] = {1, 2, 3, 4, 7, 64};
  long long dims[8];
  int dt, rank, k, rc_ref = 0;
  long in_b = 1, out_b = 1, n, i, hdr;
  unsigned char h[12], *x, *ref, *out;
  void *arenas;
  FILE *f;
  if (argc < 3) return fprintf(stderr, "usage: run_threads IN.npy OUT.bin\n"), 1;
  rank = CAT(MODEL, _describe)(0, 0, dims, &dt);
  for (k = 0; k < rank; k++) in_b *= dims[k];
  in_b *= dtype_bytes(dt);
  rank = CAT(MODEL, _describe)(1, 0, dims, &dt);
  for (k = 0; k < rank; k++) out_b *= dims[k];
  out_b *= dtype_bytes(dt);
  f = fopen(argv[1], "rb");
  if (!f || fread(h, 1, 12, f) != 12 || memcmp(h, "\x93NUMPY", 6)) return fprintf(stderr, "cannot read %s\n", argv[1]), 1;
  hdr = h[6] == 1 ? 10 + (h[8] | h[9] << 8) : 12 + (h[8] | h[9] << 8 | h[10] << 16 | (long)h[11] << 24);
  fseek(f, 0, SEEK_END);
  n = (ftell(f) - hdr) / in_b;
  fseek(f, hdr, SEEK_SET);
  x = malloc((size_t)(n * in_b)), ref = malloc((size_t)(n * out_b)), out = malloc((size_t)(n * out_b));
  if (n < 1 || !x || !ref || !out || fread(x, 1, (size_t)(n * in_b), f) != (size_t)(n * in_b)) return fprintf(stderr, "short %s\n", argv[1]), 1;
  fclose(f);
  if (posix_memalign(&arenas, 64, (size_t)64 * CAT(MODEL, _ARENA_BYTES))) return 1;
  memset(ref, 0xA5, (size_t)(n * out_b)); /* a set that fails may leave its outputs unwritten */
  for (i = 0; i < n; i++) {
    int rc = CAT(MODEL, _run)(arenas, (const void *)(x + i * in_b), (void *)(ref + i * out_b));
    if (rc && !rc_ref) rc_ref = rc;
  }
  f = fopen(argv[2], "wb");
  if (!f || fwrite(ref, 1, (size_t)(n * out_b), f) != (size_t)(n * out_b)) return 1;
  fclose(f);
  printf("%ld sets, return code %d\n", n, rc_ref);
  for (k = 0; k < (int)(sizeof counts / sizeof counts[0]); k++) {
    int rc;
    memset(out, 0xA5, (size_t)(n * out_b));
    rc = CAT(MODEL, _run_threads)(arenas, counts[k], n, (const void *)x, (void *)out);
    printf("threads %d: %s\n", counts[k], rc == rc_ref && !memcmp(out, ref, (size_t)(n * out_b)) ? "identical" : "DIFFERENT");
  }
  rc_ref = CAT(MODEL, _run_threads)(arenas, 2, 0, (const void *)x, (void *)out);
  printf("no sets: %d\n", rc_ref);
  free(x), free(ref), free(out), free(arenas);
  return 0;
}
