// main.c in C++: the generated cnn.h from C++ (its declarations are extern "C"),
// the same lines printed, so both programs' output can be compared.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "cnn.h"

alignas(64) static unsigned char arena[cnn_ARENA_BYTES];

int main(int argc, char **argv) {
  static float x[cnn_IN0_ELEMS], y[cnn_OUT0_ELEMS];
  std::FILE *f = argc == 2 ? std::fopen(argv[1], "rb") : nullptr;
  if (!f) return 2;
  for (int n = 0; std::fread(x, sizeof x[0], cnn_IN0_ELEMS, f) == cnn_IN0_ELEMS; n++) {
    if (cnn_run(arena, x, y)) return 1;
    // max_element keeps the first of equal values, as top1 does
    std::printf("sample %d: class %d:", n, static_cast<int>(std::max_element(y, y + cnn_OUT0_ELEMS) - y));
    for (float v : y) {
      std::uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      std::printf(" %08" PRIx32, bits);
    }
    std::printf("\n");
  }
  return std::fclose(f) != 0;
}
