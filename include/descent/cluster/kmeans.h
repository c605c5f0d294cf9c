#pragma once
// K-means clustering (sklearn.cluster.KMeans): k-means++ or random initialisation, n_init restarts
// keeping the lowest inertia, Lloyd iterations. Example:
//   cluster::KMeans km(cluster::KMeansOptions(10).n_init(4).seed(0));
//   km.fit(x);                        // x: [N, D] (or [N, ...], flattened) float tensor
//   Tensor labels = km.labels();      // [N] int64
//   double inertia = km.inertia();
//
// Shapes: N samples, D features, K clusters. Distances are squared Euclidean, computed as
// ||x||^2 - 2 x.c + ||c||^2 with one GEMM per block of 256 rows, so memory stays O(256 K + K D)
// whatever N. Work is split over the thread pool in a way that depends only on (N, K, D): a fit
// gives the same result, bit for bit, for any thread count.
#include <cstdint>
#include <string>

#include "descent/core/tensor.h"

namespace descent::cluster {

/// Options of KMeans, validated when the estimator is built. Defaults are scikit-learn's.
struct KMeansOptions {
  KMeansOptions() = default;
  explicit KMeansOptions(int64_t n_clusters) : n_clusters_(n_clusters) {}
  /// Number of clusters K (>= 1, at most the number of samples).
  KMeansOptions& n_clusters(int64_t v) { n_clusters_ = v; return *this; }
  /// "k-means++" (greedy, 2 + ln K local trials per center, as scikit-learn) or "random" (K distinct samples).
  KMeansOptions& init(std::string v) { init_ = std::move(v); return *this; }
  /// Number of initialisations; the run with the lowest inertia wins (>= 1).
  KMeansOptions& n_init(int64_t v) { n_init_ = v; return *this; }
  /// Most Lloyd iterations per run (>= 1).
  KMeansOptions& max_iter(int64_t v) { max_iter_ = v; return *this; }
  /// Convergence: stop when the squared center shift summed over centers is at most
  /// tol * mean per-feature variance of the data (scikit-learn's meaning); also stops when no label changes.
  KMeansOptions& tol(double v) { tol_ = v; return *this; }
  /// Seed of the initialisations (the n_init runs draw from one stream).
  KMeansOptions& seed(uint64_t v) { seed_ = v; return *this; }
  /// Threads for the fit; 0 uses descent's current thread count (get_num_threads()).
  KMeansOptions& threads(int v) { threads_ = v; return *this; }
  /// Prints the inertia of each iteration to stderr.
  KMeansOptions& verbose(bool v) { verbose_ = v; return *this; }

  int64_t n_clusters_ = 8;
  std::string init_ = "k-means++";
  int64_t n_init_ = 1;
  int64_t max_iter_ = 300;
  double tol_ = 1e-4;
  uint64_t seed_ = 0;
  int threads_ = 0;
  bool verbose_ = false;
};

/// K-means with Lloyd's algorithm. Not thread-safe: one fit at a time per object.
class KMeans {
 public:
  explicit KMeans(KMeansOptions options = {});

  /// Clusters x ([N, D] or [N, ...], flattened; any float dtype, integers are converted).
  /// Computes in float64 for float64 input, in float32 otherwise. Errors: rank < 2, N < K, NaN/Inf.
  KMeans& fit(const Tensor& x);
  /// fit(x), then labels().
  Tensor fit_predict(const Tensor& x);
  /// Nearest center of each row of x: [N] int64 (ties go to the lowest index).
  Tensor predict(const Tensor& x) const;
  /// Euclidean (not squared) distance of each row of x to each center: [N, K], the centers' dtype.
  Tensor transform(const Tensor& x) const;
  /// Sum of squared distances of the rows of x to their nearest center.
  double score(const Tensor& x) const;

  /// Fitted centers [K, D] (float32, or float64 for float64 input).
  const Tensor& centers() const;
  /// Labels of the training rows [N] int64.
  const Tensor& labels() const;
  /// Sum of squared distances of the training rows to their center (of the best run).
  double inertia() const;
  /// Lloyd iterations of the best run.
  int64_t n_iter() const;
  bool fitted() const { return centers_.defined(); }
  const KMeansOptions& options() const { return options_; }
  /// Starts from given centers [K, D] instead of options().init (scikit-learn's init=array; n_init is then 1).
  KMeans& set_init_centers(const Tensor& centers);

 private:
  KMeansOptions options_;
  Tensor init_centers_;
  Tensor centers_, labels_;
  double inertia_ = 0.0;
  int64_t n_iter_ = 0;
};

}  // namespace descent::cluster
