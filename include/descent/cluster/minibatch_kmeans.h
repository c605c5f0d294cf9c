#pragma once
// Mini-batch k-means (sklearn.cluster.MiniBatchKMeans) for data that does not fit comfortably in
// memory: each step assigns one batch to the nearest centers and moves every center towards the
// mean of its batch rows with a per-center learning rate 1 / (rows it has seen so far). Example:
//   cluster::MiniBatchKMeans mbk(cluster::MiniBatchKMeansOptions(10).max_iter(5).seed(0));
//   mbk.fit(loader);             // streams batch.data from a data::DataLoader, 5 epochs
//   Tensor labels = mbk.predict(x);
// or mbk.fit(x) on a tensor (batches drawn with replacement, as scikit-learn), or partial_fit(batch)
// batch by batch. Deterministic for a given seed (and loader seed) whatever the thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/generator.h"
#include "descent/core/tensor.h"

namespace descent::data {
class DataLoader;
}

namespace descent::cluster {

/// Options of MiniBatchKMeans, validated when the estimator is built. Defaults are scikit-learn 1.2's.
struct MiniBatchKMeansOptions {
  MiniBatchKMeansOptions() = default;
  explicit MiniBatchKMeansOptions(int64_t n_clusters) : n_clusters_(n_clusters) {}
  /// Number of clusters K (>= 1).
  MiniBatchKMeansOptions& n_clusters(int64_t v) { n_clusters_ = v; return *this; }
  /// "k-means++" or "random", run on init_size rows.
  MiniBatchKMeansOptions& init(std::string v) { init_ = std::move(v); return *this; }
  /// Rows per step for fit(tensor) (a DataLoader brings its own batch size).
  MiniBatchKMeansOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  /// Epochs: passes over the data (fit(tensor): max_iter * N / batch_size steps).
  MiniBatchKMeansOptions& max_iter(int64_t v) { max_iter_ = v; return *this; }
  /// Initialisations tried; the one with the lowest inertia on the init rows wins.
  MiniBatchKMeansOptions& n_init(int64_t v) { n_init_ = v; return *this; }
  /// Rows the initialisation sees (0: 3 * batch_size, at least 3 * K, at most N).
  MiniBatchKMeansOptions& init_size(int64_t v) { init_size_ = v; return *this; }
  /// Stop when the squared center change of a step is at most tol * mean feature variance (0: off).
  MiniBatchKMeansOptions& tol(double v) { tol_ = v; return *this; }
  /// Stop after this many steps without improvement of the smoothed batch inertia (0: off).
  MiniBatchKMeansOptions& max_no_improvement(int64_t v) { max_no_improvement_ = v; return *this; }
  /// Centers that saw fewer than this fraction of the busiest center's rows move to random batch rows
  /// (checked every 10 K rows, or when a center has seen none); 0 disables.
  MiniBatchKMeansOptions& reassignment_ratio(double v) { reassignment_ratio_ = v; return *this; }
  /// Seed of initialisation, batch sampling and reassignment.
  MiniBatchKMeansOptions& seed(uint64_t v) { seed_ = v; return *this; }
  /// Threads; 0 uses descent's current thread count.
  MiniBatchKMeansOptions& threads(int v) { threads_ = v; return *this; }

  int64_t n_clusters_ = 8;
  std::string init_ = "k-means++";
  int64_t batch_size_ = 1024;
  int64_t max_iter_ = 100;
  int64_t n_init_ = 3;
  int64_t init_size_ = 0;
  double tol_ = 0.0;
  int64_t max_no_improvement_ = 10;
  double reassignment_ratio_ = 0.01;
  uint64_t seed_ = 0;
  int threads_ = 0;
};

/// Mini-batch k-means. Not thread-safe: one fit at a time per object.
class MiniBatchKMeans {
 public:
  explicit MiniBatchKMeans(MiniBatchKMeansOptions options = {});

  /// Fits on x ([N, D] or [N, ...]); labels() and inertia() then cover all of x.
  MiniBatchKMeans& fit(const Tensor& x);
  /// Streams max_iter epochs of batch.data from the loader (the first rows initialise the centers);
  /// afterwards labels() ([dataset size], by dataset index) and inertia() come from one more pass.
  MiniBatchKMeans& fit(data::DataLoader& loader);
  /// One step on this batch; the first call initialises the centers from it (needs >= K rows).
  MiniBatchKMeans& partial_fit(const Tensor& batch);

  /// Nearest center of each row [N] int64.
  Tensor predict(const Tensor& x) const;
  /// Euclidean distances to the centers [N, K].
  Tensor transform(const Tensor& x) const;
  /// Sum of squared distances of the rows of x to their nearest center.
  double score(const Tensor& x) const;

  /// Centers [K, D] (float32, or float64 for float64 data).
  const Tensor& centers() const;
  /// Labels of the fitted data (after fit; undefined after partial_fit).
  const Tensor& labels() const { return labels_; }
  /// Inertia of the fitted data under the final centers (after fit).
  double inertia() const { return inertia_; }
  /// Steps taken (batches processed, partial_fit included).
  int64_t n_steps() const { return n_steps_; }
  /// Rows each center has absorbed so far [K].
  const std::vector<double>& counts() const { return counts_; }
  bool fitted() const { return centers_.defined(); }
  const MiniBatchKMeansOptions& options() const { return options_; }

 private:
  // Initialises centers_ from the rows of xm ([M, D], the work dtype).
  void init_centers(const Tensor& xm);
  // One step on the rows of xm; returns the batch inertia (before the update) and the squared center change.
  std::pair<double, double> step(const Tensor& xm);
  // scikit-learn's stopping rule (smoothed inertia, tol); true to stop.
  bool converged(int64_t step, int64_t n_samples, int64_t batch_rows, double batch_inertia, double center_change);
  void reset_convergence();

  MiniBatchKMeansOptions options_;
  Generator gen_;
  Tensor centers_, labels_;
  std::vector<double> counts_;
  double inertia_ = 0.0;
  int64_t n_steps_ = 0;
  int64_t since_reassign_ = 0;
  double tol_scaled_ = 0.0;
  double ewa_ = 0.0, ewa_min_ = 0.0;
  bool has_ewa_ = false, has_ewa_min_ = false;
  int64_t no_improvement_ = 0;
};

}  // namespace descent::cluster
