// A C++ program that includes a generated header and links its C object:
// the header's extern "C" makes the names match.
#include <cstdio>
#include <vector>

#include MODEL_H

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define M(s) CAT(MODEL, s)

int main() {
  std::vector<unsigned char> arena(M(_ARENA_BYTES) + 64);
  void *a = arena.data() + (64 - reinterpret_cast<std::size_t>(arena.data()) % 64) % 64;
  std::vector<float> x(M(_IN0_ELEMS), 0.5f), y(M(_OUT0_ELEMS));
  int rc = M(_run)(a, x.data(), y.data());
  std::printf("C++: run returned %d, %d outputs\n", rc, static_cast<int>(y.size()));
  return rc;
}
