#pragma once
// Splitting a dataset: random_split (torch.utils.data.random_split), an ordered split (time order),
// a stratified split that keeps class proportions, and k-fold indices.
#include <cstdint>
#include <memory>
#include <vector>

#include "descent/data/dataset.h"

namespace descent::data {

/// Split sizes for n items. `lengths` are fractions when they sum to 1 within 1e-9 (each in [0, 1]): counts are
/// floor(n * f) and the remainder is added one by one to the splits in round-robin order, as
/// PyTorch does. Otherwise they are counts (non-negative integers summing to n).
std::vector<int64_t> split_sizes(int64_t n, const std::vector<double>& lengths);

/// Index lists of a random split of 0..n-1 (one permutation from seed, cut into split_sizes()).
std::vector<std::vector<int64_t>> random_split_indices(int64_t n, const std::vector<double>& lengths, uint64_t seed);
/// Index lists of an ordered split of 0..n-1: consecutive runs of split_sizes() in the items' own
/// order (scikit-learn's train_test_split with shuffle=False). For data in time order the later
/// splits are the later items, so validation and test never look into the training data's past.
std::vector<std::vector<int64_t>> ordered_split_indices(int64_t n, const std::vector<double>& lengths);
/// The dataset split into random, non-overlapping Subsets of split_sizes(size, lengths).
std::vector<std::shared_ptr<Subset>> random_split(DatasetPtr dataset, const std::vector<double>& lengths, uint64_t seed);

/// Index lists (each ascending) of a split that keeps class proportions: the split sizes are exactly
/// those of split_sizes(), and each class c of n_c items gives split k floor(n_c * size_k / n) items
/// plus some of its leftovers (largest remainder first), so each class is within one or two items of
/// its share in every split.
std::vector<std::vector<int64_t>> stratified_split_indices(const std::vector<int64_t>& labels,
                                                           const std::vector<double>& lengths, uint64_t seed);
/// A stratified split of a dataset whose targets are integer class labels (0-d or one-element).
std::vector<std::shared_ptr<Subset>> stratified_split(DatasetPtr dataset, const std::vector<double>& lengths,
                                                      uint64_t seed);
/// The integer class label of every example (reads get(i).target; errors name the index).
std::vector<int64_t> dataset_labels(const Dataset& dataset);

/// One fold of k-fold cross-validation.
struct Fold {
  std::vector<int64_t> train;
  std::vector<int64_t> validation;
};
/// k folds of 0..n-1 (sklearn's KFold): fold i validates on a contiguous block of the (optionally
/// shuffled) order; the first n % k folds have one item more. Requires 2 <= k <= n.
std::vector<Fold> k_fold(int64_t n, int64_t k, bool shuffle = false, uint64_t seed = 0);

}  // namespace descent::data
