#include "descent/data/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/data/sample_rng.h"
#include "descent/ops/ops.h"

namespace descent::data {
namespace {
// Distinct streams for the samplers, so a loader seed does not give correlated orders.
constexpr uint64_t kRandomTag = 0x52414E44;    // "RAND"
constexpr uint64_t kWeightedTag = 0x57474854;  // "WGHT"
constexpr uint64_t kSubsetTag = 0x53554253;    // "SUBS"
}  // namespace

std::vector<int64_t> random_permutation(int64_t n, uint64_t seed) {
  Generator g(seed);
  return randperm(n, {}, &g).to_vector<int64_t>();
}

SequentialSampler::SequentialSampler(int64_t n) : n_(n) {
  DESCENT_CHECK(n >= 0, "SequentialSampler: size must be non-negative, got ", n);
}

std::vector<int64_t> SequentialSampler::indices(uint64_t, uint64_t) const {
  std::vector<int64_t> v(static_cast<size_t>(n_));
  std::iota(v.begin(), v.end(), int64_t(0));
  return v;
}

RandomSampler::RandomSampler(int64_t n, std::optional<uint64_t> seed) : n_(n), seed_(seed) {
  DESCENT_CHECK(n >= 0, "RandomSampler: size must be non-negative, got ", n);
}

std::vector<int64_t> RandomSampler::indices(uint64_t seed, uint64_t epoch) const {
  return random_permutation(n_, mix_seed(mix_seed(seed_.value_or(seed), kRandomTag), epoch));
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement,
                                             std::optional<uint64_t> seed)
    : weights_(std::move(weights)), num_samples_(num_samples), replacement_(replacement), seed_(seed) {
  DESCENT_CHECK(!weights_.empty(), "WeightedRandomSampler: weights are empty");
  DESCENT_CHECK(num_samples_ >= 0, "WeightedRandomSampler: num_samples must be non-negative, got ", num_samples_);
  double total = 0;
  int64_t positive = 0;
  for (size_t i = 0; i < weights_.size(); ++i) {
    DESCENT_CHECK(std::isfinite(weights_[i]) && weights_[i] >= 0, "WeightedRandomSampler: weight ", i, " is ",
                  weights_[i], "; weights must be finite and non-negative");
    total += weights_[i];
    positive += weights_[i] > 0;
    cumulative_.push_back(total);
  }
  DESCENT_CHECK(total > 0, "WeightedRandomSampler: all ", weights_.size(), " weights are zero");
  DESCENT_CHECK(replacement_ || num_samples_ <= positive, "WeightedRandomSampler: cannot draw ", num_samples_,
                " samples without replacement from ", positive, " non-zero weights");
}

std::vector<int64_t> WeightedRandomSampler::indices(uint64_t seed, uint64_t epoch) const {
  SampleRng rng(mix_seed(seed_.value_or(seed), kWeightedTag), epoch, 0);
  std::vector<int64_t> out;
  out.reserve(size_t(num_samples_));
  if (replacement_) {
    // Inverse CDF: the first i with cumulative[i] > u * total (zero weights are never hit).
    const double total = cumulative_.back();
    for (int64_t k = 0; k < num_samples_; ++k) {
      const double u = rng.uniform() * total;
      auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      size_t i = std::min(size_t(it - cumulative_.begin()), cumulative_.size() - 1);
      while (weights_[i] == 0 && i > 0) --i;  // u rounding onto a flat step: the last positive before
      out.push_back(int64_t(i));
    }
  } else {
    // Efraimidis-Spirakis: the num_samples largest keys log(u) / w, in decreasing key order.
    std::vector<std::pair<double, int64_t>> keys;
    for (size_t i = 0; i < weights_.size(); ++i) {
      const double u = rng.uniform();
      if (weights_[i] > 0) keys.emplace_back(std::log1p(-u) / weights_[i], int64_t(i));
    }
    std::partial_sort(keys.begin(), keys.begin() + num_samples_, keys.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    for (int64_t k = 0; k < num_samples_; ++k) out.push_back(keys[size_t(k)].second);
  }
  return out;
}

SubsetSampler::SubsetSampler(std::vector<int64_t> indices) : indices_(std::move(indices)) {
  for (size_t k = 0; k < indices_.size(); ++k)
    DESCENT_CHECK(indices_[k] >= 0, "SubsetSampler: index ", indices_[k], " (entry ", k, ") is negative");
}

std::vector<int64_t> SubsetSampler::indices(uint64_t, uint64_t) const { return indices_; }

SubsetRandomSampler::SubsetRandomSampler(std::vector<int64_t> indices, std::optional<uint64_t> seed)
    : indices_(std::move(indices)), seed_(seed) {
  for (size_t k = 0; k < indices_.size(); ++k)
    DESCENT_CHECK(indices_[k] >= 0, "SubsetRandomSampler: index ", indices_[k], " (entry ", k, ") is negative");
}

std::vector<int64_t> SubsetRandomSampler::indices(uint64_t seed, uint64_t epoch) const {
  auto perm = random_permutation(size(), mix_seed(mix_seed(seed_.value_or(seed), kSubsetTag), epoch));
  std::vector<int64_t> out(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) out[k] = indices_[size_t(perm[k])];
  return out;
}

}  // namespace descent::data
