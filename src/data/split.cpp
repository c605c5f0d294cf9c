#include "descent/data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/data/sampler.h"
#include "descent/ops/ops.h"

namespace descent::data {

std::vector<int64_t> split_sizes(int64_t n, const std::vector<double>& lengths) {
  DESCENT_CHECK(n >= 0, "split: dataset size must be non-negative, got ", n);
  DESCENT_CHECK(!lengths.empty(), "split: no lengths given");
  double sum = 0;
  for (size_t k = 0; k < lengths.size(); ++k) {
    DESCENT_CHECK(std::isfinite(lengths[k]) && lengths[k] >= 0, "split: length ", k, " is ", lengths[k],
                  "; lengths must be non-negative fractions or counts");
    sum += lengths[k];
  }
  std::vector<int64_t> sizes(lengths.size());
  // PyTorch's rule is math.isclose(sum, 1) and sum <= 1; rounding can push a sum like
  // 0.1 + 0.2 + 0.7 just above 1, so descent accepts it on either side.
  if (std::fabs(sum - 1.0) <= 1e-9) {
    int64_t total = 0;
    for (size_t k = 0; k < lengths.size(); ++k) {
      DESCENT_CHECK(lengths[k] <= 1.0, "split: fraction ", k, " is ", lengths[k], ", above 1");
      sizes[k] = static_cast<int64_t>(std::floor(double(n) * lengths[k]));
      total += sizes[k];
    }
    DESCENT_CHECK(total <= n, "split: fractions summing to ", sum, " give ", total, " items of ", n);
    // The remainder goes one by one to the splits in round-robin order.
    for (int64_t i = 0; i < n - total; ++i) sizes[size_t(i) % sizes.size()] += 1;
    return sizes;
  }
  int64_t total = 0;
  for (size_t k = 0; k < lengths.size(); ++k) {
    DESCENT_CHECK(lengths[k] == std::floor(lengths[k]) && lengths[k] <= 9.2e18, "split: length ", k, " is ",
                  lengths[k], "; lengths are either fractions summing to 1 or whole counts");
    sizes[k] = static_cast<int64_t>(lengths[k]);
    total += sizes[k];
  }
  DESCENT_CHECK(total == n, "split: the counts sum to ", total, " but the dataset has ", n,
                " examples (fractions must sum to 1)");
  return sizes;
}

std::vector<std::vector<int64_t>> random_split_indices(int64_t n, const std::vector<double>& lengths, uint64_t seed) {
  const std::vector<int64_t> sizes = split_sizes(n, lengths);
  const std::vector<int64_t> perm = random_permutation(n, seed);
  std::vector<std::vector<int64_t>> out;
  size_t at = 0;
  for (int64_t s : sizes) {
    out.emplace_back(perm.begin() + static_cast<std::ptrdiff_t>(at), perm.begin() + static_cast<std::ptrdiff_t>(at + size_t(s)));
    at += size_t(s);
  }
  return out;
}

std::vector<std::vector<int64_t>> ordered_split_indices(int64_t n, const std::vector<double>& lengths) {
  std::vector<std::vector<int64_t>> out;
  int64_t at = 0;
  for (int64_t s : split_sizes(n, lengths)) {
    std::vector<int64_t> part(static_cast<size_t>(s));
    for (int64_t i = 0; i < s; ++i) part[size_t(i)] = at + i;
    out.push_back(std::move(part));
    at += s;
  }
  return out;
}

namespace {
std::vector<std::shared_ptr<Subset>> to_subsets(const DatasetPtr& ds, std::vector<std::vector<int64_t>> parts) {
  std::vector<std::shared_ptr<Subset>> out;
  for (auto& p : parts) out.push_back(std::make_shared<Subset>(ds, std::move(p)));
  return out;
}
}  // namespace

std::vector<std::shared_ptr<Subset>> random_split(DatasetPtr dataset, const std::vector<double>& lengths, uint64_t seed) {
  DESCENT_CHECK(dataset != nullptr, "random_split: dataset is null");
  return to_subsets(dataset, random_split_indices(dataset->size(), lengths, seed));
}

std::vector<std::vector<int64_t>> stratified_split_indices(const std::vector<int64_t>& labels,
                                                           const std::vector<double>& lengths, uint64_t seed) {
  const int64_t n = static_cast<int64_t>(labels.size());
  const std::vector<int64_t> target = split_sizes(n, lengths);
  const size_t K = target.size();
  std::map<int64_t, std::vector<int64_t>> classes;
  for (int64_t i = 0; i < n; ++i) classes[labels[size_t(i)]].push_back(i);

  // Per class c and split k: floor(n_c * target_k / n) items, remainders kept for the leftovers.
  std::vector<std::vector<int64_t>> take, rem;
  std::vector<int64_t> need = target;  // what each split still lacks after the floors
  for (auto& [label, members] : classes) {
    std::vector<int64_t> t(K), r(K);
    for (size_t k = 0; k < K; ++k) {
      const unsigned __int128 q = static_cast<unsigned __int128>(members.size()) * uint64_t(target[k]);
      t[k] = static_cast<int64_t>(q / uint64_t(n));
      r[k] = static_cast<int64_t>(q % uint64_t(n));
      need[k] -= t[k];
    }
    take.push_back(std::move(t));
    rem.push_back(std::move(r));
  }
  // Leftovers of each class go to the splits with the largest remainders that still lack items,
  // preferring splits this class has not yet given a leftover to; the split sizes come out exact.
  size_t c = 0;
  for (auto& [label, members] : classes) {
    int64_t left = static_cast<int64_t>(members.size());
    for (size_t k = 0; k < K; ++k) left -= take[c][k];
    std::vector<bool> given(K, false);
    for (; left > 0; --left) {
      size_t best = K;
      for (int pass = 0; pass < 2 && best == K; ++pass)
        for (size_t k = 0; k < K; ++k)
          if (need[k] > 0 && (pass == 1 || !given[k]) && (best == K || rem[c][k] > rem[c][best])) best = k;
      DESCENT_CHECK(best < K, "stratified_split: internal error distributing leftovers");  // sums match by construction
      take[c][best] += 1;
      need[best] -= 1;
      given[best] = true;
    }
    ++c;
  }
  // Deal each class's shuffled members out in split order.
  Generator g(seed);
  std::vector<std::vector<int64_t>> out(K);
  c = 0;
  for (auto& [label, members] : classes) {
    const std::vector<int64_t> perm = randperm(static_cast<int64_t>(members.size()), {}, &g).to_vector<int64_t>();
    size_t at = 0;
    for (size_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < take[c][k]; ++j) out[k].push_back(members[size_t(perm[at++])]);
    ++c;
  }
  for (auto& v : out) std::sort(v.begin(), v.end());
  return out;
}

std::vector<int64_t> dataset_labels(const Dataset& dataset) {
  const int64_t n = dataset.size();
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const Tensor t = dataset.get(i).target;
    DESCENT_CHECK(t.defined(), "stratified_split: example ", i, " has no target");
    DESCENT_CHECK(t.numel() == 1 && is_integral(t.dtype(), true), "stratified_split: example ", i,
                  " has a target of shape ", t.sizes(), " and dtype ", t.dtype(),
                  "; class labels must be single integers");
    labels[size_t(i)] = t.item<int64_t>();
  }
  return labels;
}

std::vector<std::shared_ptr<Subset>> stratified_split(DatasetPtr dataset, const std::vector<double>& lengths,
                                                      uint64_t seed) {
  DESCENT_CHECK(dataset != nullptr, "stratified_split: dataset is null");
  return to_subsets(dataset, stratified_split_indices(dataset_labels(*dataset), lengths, seed));
}

std::vector<Fold> k_fold(int64_t n, int64_t k, bool shuffle, uint64_t seed) {
  DESCENT_CHECK(k >= 2, "k_fold: k must be at least 2, got ", k);
  DESCENT_CHECK(k <= n, "k_fold: k = ", k, " folds need at least k items, got ", n);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  if (shuffle) order = random_permutation(n, seed);
  std::vector<Fold> folds;
  int64_t start = 0;
  for (int64_t f = 0; f < k; ++f) {
    const int64_t len = n / k + (f < n % k ? 1 : 0);
    std::vector<bool> in_val(size_t(n), false);
    Fold fold;
    for (int64_t j = start; j < start + len; ++j) in_val[size_t(order[size_t(j)])] = true;
    for (int64_t i = 0; i < n; ++i) (in_val[size_t(i)] ? fold.validation : fold.train).push_back(i);
    folds.push_back(std::move(fold));
    start += len;
  }
  return folds;
}

}  // namespace descent::data
