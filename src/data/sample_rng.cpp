#include "descent/data/sample_rng.h"

#include "descent/core/error.h"
#include "descent/core/generator.h"

namespace descent::data {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

thread_local SampleRng* tl_current = nullptr;

}  // namespace

// splitmix64 is a bijection, so for a fixed `a` distinct `b` give distinct results.
uint64_t mix_seed(uint64_t a, uint64_t b) { return splitmix64(splitmix64(a) ^ b); }

SampleRng::SampleRng(uint64_t seed, uint64_t epoch, uint64_t position)
    : key_(mix_seed(mix_seed(seed, epoch), position)) {}

uint64_t SampleRng::next_u64() {
  auto w = Generator::philox(key_, counter_++);
  return (uint64_t(w[0]) << 32) | w[1];
}

double SampleRng::uniform() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

double SampleRng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

int64_t SampleRng::randint(int64_t lo, int64_t hi) {
  DESCENT_CHECK(hi > lo, "SampleRng::randint: empty range [", lo, ", ", hi, ")");
  const uint64_t range = uint64_t(hi) - uint64_t(lo);
  // Lemire's multiply-shift: the bias is at most range / 2^64.
  const unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * range;
  return lo + static_cast<int64_t>(static_cast<uint64_t>(m >> 64));
}

bool SampleRng::bernoulli(double p) { return uniform() < p; }

SampleRng* current_sample_rng() { return tl_current; }

SampleRngScope::SampleRngScope(uint64_t seed, uint64_t epoch, uint64_t position)
    : rng_(seed, epoch, position), prev_(tl_current) {
  tl_current = &rng_;
}

SampleRngScope::~SampleRngScope() { tl_current = prev_; }

}  // namespace descent::data
