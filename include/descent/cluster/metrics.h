#pragma once
// Clustering metrics (sklearn.metrics): inertia, silhouette, adjusted Rand index, normalized mutual
// information, purity. Labels are 1-D integer tensors of any values (they need not be 0..K-1);
// x is [N, D] (or [N, ...], flattened), any real dtype.
#include <cstdint>

#include "descent/core/tensor.h"

namespace descent::cluster {

/// Sum over rows of ||x_i - centers[labels_i]||^2 (labels in 0..K-1 index the rows of centers [K, D]).
double inertia(const Tensor& x, const Tensor& centers, const Tensor& labels);

/// Options of silhouette_score.
struct SilhouetteOptions {
  /// Rows used: when N exceeds it, that many rows drawn without replacement (seeded) are scored,
  /// as scikit-learn's sample_size; 0 always scores all N rows. Cost: O(S^2 D) time in float64 GEMMs
  /// (10000 rows of 784 features: 3 s of CPU, about scikit-learn's time), O(256 S) memory per thread.
  SilhouetteOptions& sample_size(int64_t v) { sample_size_ = v; return *this; }
  /// Seed of the sample.
  SilhouetteOptions& seed(uint64_t v) { seed_ = v; return *this; }

  int64_t sample_size_ = 10000;
  uint64_t seed_ = 0;
};

/// Silhouette coefficient of each row: (b - a) / max(a, b), a = mean Euclidean distance to the other
/// rows of its cluster, b = the lowest mean distance to another cluster; 0 for a cluster of one. [N] float64.
/// Needs 2 <= number of labels <= N - 1.
Tensor silhouette_samples(const Tensor& x, const Tensor& labels);
/// Mean silhouette coefficient, over all rows or over a seeded sample (see SilhouetteOptions).
double silhouette_score(const Tensor& x, const Tensor& labels, SilhouetteOptions options = {});

/// Adjusted Rand index (chance-corrected pair agreement; 1 for identical partitions, about 0 at random).
double adjusted_rand_index(const Tensor& labels_true, const Tensor& labels_pred);
/// Mutual information I(true; pred) in nats.
double mutual_info(const Tensor& labels_true, const Tensor& labels_pred);
/// Normalized mutual information: I / ((H(true) + H(pred)) / 2) (scikit-learn's default "arithmetic").
double normalized_mutual_info(const Tensor& labels_true, const Tensor& labels_pred);
/// Purity: the fraction of rows whose class is their cluster's most common class.
double purity(const Tensor& labels_true, const Tensor& labels_pred);

}  // namespace descent::cluster
