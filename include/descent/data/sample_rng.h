#pragma once
// Per-sample randomness for data augmentation. Each sample the DataLoader loads gets its own
// counter-based stream keyed by (seed, epoch, position of the sample in the epoch), so the
// augmentations of a run are the same whatever the number of worker threads and whichever
// thread loads the sample.
#include <cstdint>

namespace descent::data {

/// A random stream for one sample: Philox keyed by a hash of (seed, epoch, position).
/// Not thread-safe; each loading thread owns the one of the sample it is loading.
class SampleRng {
 public:
  SampleRng(uint64_t seed, uint64_t epoch, uint64_t position);
  /// Uniform in [0, 1).
  double uniform();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi);
  /// Integer uniform in [lo, hi) (hi > lo).
  int64_t randint(int64_t lo, int64_t hi);
  /// True with probability p.
  bool bernoulli(double p);
  /// Raw 64 random bits.
  uint64_t next_u64();

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
};

/// The SampleRng of the sample this thread is loading (set by the DataLoader through
/// SampleRngScope), or nullptr outside any scope.
SampleRng* current_sample_rng();

/// Makes a SampleRng for (seed, epoch, position) current on this thread for its lifetime.
class SampleRngScope {
 public:
  SampleRngScope(uint64_t seed, uint64_t epoch, uint64_t position);
  ~SampleRngScope();
  SampleRngScope(const SampleRngScope&) = delete;
  SampleRngScope& operator=(const SampleRngScope&) = delete;
  SampleRng& rng() { return rng_; }

 private:
  SampleRng rng_;
  SampleRng* prev_;
};

/// A 64-bit mix of two values (splitmix64 finaliser); used to derive per-epoch seeds.
uint64_t mix_seed(uint64_t a, uint64_t b);

}  // namespace descent::data
