#pragma once
// Principal component analysis (sklearn.decomposition.PCA, full covariance): fit on [N, D] data,
// project onto the top n_components directions. The cluster report uses it for its 2-D scatter plot.
//   cluster::PCA pca(cluster::PCAOptions(2));
//   Tensor xy = pca.fit_transform(x);   // [N, 2]
//
// Method: the covariance C = Xc^T Xc / (N - 1) of the centered data (one GEMM, float64), then its
// top eigenvectors: Jacobi rotations when D <= 64, otherwise block subspace iteration (a block of
// n_components + 10 vectors, Rayleigh-Ritz each step) until the top eigenvalues change by less than
// tol (relative). Signs follow scikit-learn 1.2 (svd_flip on U): each component's largest-magnitude
// projection of the training data is positive.
#include <cstdint>

#include "descent/core/tensor.h"

namespace descent::cluster {

/// Options of PCA, validated when fit() sees the data.
struct PCAOptions {
  PCAOptions() = default;
  explicit PCAOptions(int64_t n_components) : n_components_(n_components) {}
  /// Number of components C kept (1 <= C <= min(N, D)).
  PCAOptions& n_components(int64_t v) { n_components_ = v; return *this; }
  /// Relative change of the eigenvalues at which the subspace iteration stops.
  PCAOptions& tol(double v) { tol_ = v; return *this; }
  /// Most subspace iterations (large D only).
  PCAOptions& max_iter(int64_t v) { max_iter_ = v; return *this; }
  /// Seed of the subspace iteration's starting block.
  PCAOptions& seed(uint64_t v) { seed_ = v; return *this; }

  int64_t n_components_ = 2;
  double tol_ = 1e-12;
  int64_t max_iter_ = 1000;
  uint64_t seed_ = 0;
};

/// PCA by eigen-decomposition of the covariance matrix.
class PCA {
 public:
  explicit PCA(PCAOptions options = {});

  /// Fits on x ([N, D] or [N, ...], flattened; any real dtype; N >= 2).
  PCA& fit(const Tensor& x);
  /// (x - mean) @ components^T: [N, C], float64 for float64 input, float32 otherwise.
  Tensor transform(const Tensor& x) const;
  /// fit(x), then transform(x).
  Tensor fit_transform(const Tensor& x);
  /// z @ components + mean: [N, D] back in the input space.
  Tensor inverse_transform(const Tensor& z) const;

  /// Principal axes [C, D] (float64), unit rows, by decreasing variance.
  const Tensor& components() const;
  /// Per-feature mean of the training data [D] (float64).
  const Tensor& mean() const;
  /// Variance along each component (eigenvalues of the covariance, N - 1 divisor) [C] (float64).
  const Tensor& explained_variance() const;
  /// explained_variance / total variance [C] (float64).
  const Tensor& explained_variance_ratio() const;
  bool fitted() const { return components_.defined(); }

 private:
  PCAOptions options_;
  Tensor components_, mean_, variance_, ratio_;
};

}  // namespace descent::cluster
