/* Runs the model dlc_add_model made (cnn.h) on the float32 samples of argv[1],
 * stored one after another, and prints each sample's class and output bits. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cnn.h"
#include "top1.h"

static _Alignas(64) unsigned char arena[cnn_ARENA_BYTES];

int main(int argc, char **argv) {
  static float x[cnn_IN0_ELEMS], y[cnn_OUT0_ELEMS];
  FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
  if (!f) return 2;
  for (int n = 0; fread(x, sizeof x[0], cnn_IN0_ELEMS, f) == cnn_IN0_ELEMS; n++) {
    if (cnn_run(arena, x, y)) return 1;
    printf("sample %d: class %d:", n, top1(y, cnn_OUT0_ELEMS));
    for (int i = 0; i < cnn_OUT0_ELEMS; i++) {
      uint32_t bits;
      memcpy(&bits, &y[i], sizeof bits);
      printf(" %08" PRIx32, bits);
    }
    printf("\n");
  }
  return fclose(f) != 0;
}
