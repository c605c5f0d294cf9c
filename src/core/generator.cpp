// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
#include "descent/core/generator.h"

#include <cmath>

namespace descent {
namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
}

std::array<uint32_t, 4> Generator::philox(uint64_t seed, uint64_t counter) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = uint64_t(kM0) * c0, p1 = uint64_t(kM1) * c2;
    uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0, n1 = uint32_t(p1);
    uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1, n3 = uint32_t(p0);
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += kW0;
    k1 += kW1;
  }
  return {c0, c1, c2, c3};
}

double Generator::uniform(uint64_t seed, uint64_t counter) {
  auto w = philox(seed, counter);
  uint64_t bits = (uint64_t(w[0]) << 21) ^ uint64_t(w[1] >> 11);  // 53 bits
  bits &= (uint64_t(1) << 53) - 1;
  return double(bits) * (1.0 / 9007199254740992.0);
}

double Generator::normal(uint64_t seed, uint64_t counter) {
  auto w = philox(seed, counter);
  // two uniforms in (0, 1] and [0, 1)
  double u1 = (double(w[0]) + 1.0) * (1.0 / 4294967296.0);
  double u2 = double(w[1]) * (1.0 / 4294967296.0);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

Generator& default_generator() {
  static Generator g;
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace descent
