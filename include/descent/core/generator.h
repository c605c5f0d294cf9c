#pragma once
// A counter-based random generator (Philox 4x32-10): element i of a draw depends only on the
// seed, the generator's offset and i, so results are the same for any thread count.
#include <array>
#include <cstdint>
#include <mutex>

namespace descent {

/// Seeded random source. Each draw of n numbers consumes n counters.
class Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ULL) : seed_(seed) {}
  void manual_seed(uint64_t seed) {
    std::lock_guard<std::mutex> g(mu_);
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  /// Restores a (seed, offset) pair saved earlier.
  void set_state(uint64_t seed, uint64_t offset) {
    std::lock_guard<std::mutex> g(mu_);
    seed_ = seed;
    offset_ = offset;
  }
  /// Reserves n counters and returns the first; thread-safe.
  uint64_t reserve(uint64_t n) {
    std::lock_guard<std::mutex> g(mu_);
    uint64_t o = offset_;
    offset_ += n;
    return o;
  }
  /// Four 32-bit random words for counter c under key seed.
  static std::array<uint32_t, 4> philox(uint64_t seed, uint64_t counter);
  /// Uniform double in [0, 1) from counter c (53 random bits).
  static double uniform(uint64_t seed, uint64_t counter);
  /// Standard normal from counter c (Box-Muller on one counter's words).
  static double normal(uint64_t seed, uint64_t counter);

  /// Sequential helpers for host-side algorithms (shuffles, sampling): each call consumes one counter.
  double next_uniform() { return uniform(seed_, reserve(1)); }
  uint64_t next_u64() {
    auto w = philox(seed_, reserve(1));
    return (uint64_t(w[0]) << 32) | w[1];
  }

 private:
  std::mutex mu_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

/// The process-wide default generator used when none is passed.
Generator& default_generator();
/// Seeds the default generator (torch.manual_seed).
void manual_seed(uint64_t seed);

}  // namespace descent
