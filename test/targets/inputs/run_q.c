/* Checks a generated integer model's _run_q against _run on the float32
 * samples of argv[1]: each sample quantized with the header's _IN0_SCALE /
 * _ZERO_POINT / _QMIN / _QMAX as the header says, run through _run_q, its
 * integer outputs dequantized with _OUT0_SCALE / _ZERO_POINT, must equal _run's
 * outputs bit for bit. Prints the number of samples compared; exit 1 on a
 * difference. MODEL / MODEL_H name the model and its header. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define M(s) CAT(MODEL, s)

int main(int argc, char **argv) {
  static float x[M(_IN0_ELEMS)], y[M(_OUT0_ELEMS)], yq[M(_OUT0_ELEMS)];
  static int8_t qx[M(_IN0_ELEMS)], qy[M(_OUT0_ELEMS)];
  static const long long dims[] = M(_IN0_DIMS);
  unsigned char *raw = malloc(M(_ARENA_BYTES) + 64);
  void *arena = raw ? raw + (64 - (size_t)raw % 64) % 64 : NULL;
  FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
  long n = 0;
  if (!f || !arena || sizeof dims / sizeof dims[0] != M(_IN0_RANK)) return 2;
  while (fread(x, sizeof x[0], M(_IN0_ELEMS), f) == M(_IN0_ELEMS)) {
    for (int i = 0; i < M(_IN0_ELEMS); i++) {
      long v = (long)nearbyintf(x[i] / (float)M(_IN0_SCALE)) + M(_IN0_ZERO_POINT);
      qx[i] = (int8_t)(v < M(_IN0_QMIN) ? M(_IN0_QMIN) : v > M(_IN0_QMAX) ? M(_IN0_QMAX) : v);
    }
    if (M(_run)(arena, x, y) || M(_run_q)(arena, qx, qy)) return 2;
    for (int i = 0; i < M(_OUT0_ELEMS); i++) yq[i] = (float)(qy[i] - M(_OUT0_ZERO_POINT)) * (float)M(_OUT0_SCALE);
    if (memcmp(y, yq, sizeof y)) return printf("sample %ld differs\n", n), 1;
    n++;
  }
  printf("%ld samples: _run_q matches _run\n", n);
  return 0;
}
