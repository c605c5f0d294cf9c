#pragma once
// Samplers: the order in which a DataLoader visits dataset indices in one epoch. A sampler is a
// pure function of (seed, epoch), so an epoch can be replayed exactly for a resumed run.
#include <cstdint>
#include <optional>
#include <vector>

namespace descent::data {

/// Produces the dataset indices of one epoch.
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Indices for `epoch`; `seed` is the DataLoader's seed (a sampler built with its own seed uses that).
  virtual std::vector<int64_t> indices(uint64_t seed, uint64_t epoch) const = 0;
  /// Number of indices per epoch.
  virtual int64_t size() const = 0;
};

/// 0, 1, ..., n-1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  std::vector<int64_t> indices(uint64_t seed, uint64_t epoch) const override;
  int64_t size() const override { return n_; }

 private:
  int64_t n_;
};

/// A new random permutation of 0..n-1 every epoch (Fisher-Yates from a Generator seeded by (seed, epoch)).
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t n, std::optional<uint64_t> seed = std::nullopt);
  std::vector<int64_t> indices(uint64_t seed, uint64_t epoch) const override;
  int64_t size() const override { return n_; }

 private:
  int64_t n_;
  std::optional<uint64_t> seed_;
};

/// num_samples indices drawn with probability proportional to weights[i] (non-negative, finite,
/// not all zero), with replacement by default (torch.utils.data.WeightedRandomSampler).
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement = true,
                        std::optional<uint64_t> seed = std::nullopt);
  std::vector<int64_t> indices(uint64_t seed, uint64_t epoch) const override;
  int64_t size() const override { return num_samples_; }

 private:
  std::vector<double> weights_;
  std::vector<double> cumulative_;
  int64_t num_samples_;
  bool replacement_;
  std::optional<uint64_t> seed_;
};

/// A fixed list of indices, in the given order every epoch.
class SubsetSampler : public Sampler {
 public:
  explicit SubsetSampler(std::vector<int64_t> indices);
  std::vector<int64_t> indices(uint64_t seed, uint64_t epoch) const override;
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }

 private:
  std::vector<int64_t> indices_;
};

/// A fixed list of indices in a new random order every epoch (torch's SubsetRandomSampler).
class SubsetRandomSampler : public Sampler {
 public:
  explicit SubsetRandomSampler(std::vector<int64_t> indices, std::optional<uint64_t> seed = std::nullopt);
  std::vector<int64_t> indices(uint64_t seed, uint64_t epoch) const override;
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }

 private:
  std::vector<int64_t> indices_;
  std::optional<uint64_t> seed_;
};

/// A random permutation of 0..n-1 from seed (Fisher-Yates over a counter-based Generator).
std::vector<int64_t> random_permutation(int64_t n, uint64_t seed);

}  // namespace descent::data
