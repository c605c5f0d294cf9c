// KMeans: scikit-learn's Lloyd loop (_kmeans_single_lloyd) on data centered by its mean, with
// empty clusters relocated to the points farthest from their center.
#include "descent/cluster/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/ops/ops.h"
#include "kernels.h"

namespace descent::cluster {
namespace {

struct RunResult {
  std::vector<int64_t> labels;
  double inertia = 0.0;
  int64_t n_iter = 0;
};

// Moves empty clusters to the points farthest from their (old) center, as scikit-learn's
// _relocate_empty_clusters_dense: sums/counts are the pass's per-cluster sums and sizes.
template <typename T>
void relocate_empty(const T* x, int64_t n, int64_t d, const T* old_c, int64_t k, const int64_t* labels,
                    double* sums, int64_t* counts) {
  std::vector<int64_t> empty;
  for (int64_t j = 0; j < k; ++j)
    if (counts[j] == 0) empty.push_back(j);
  if (empty.empty()) return;
  std::vector<double> dist(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const double v = double(x[i * d + j]) - double(old_c[labels[i] * d + j]);
      s += v * v;
    }
    dist[size_t(i)] = s;
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  const size_t m = std::min(empty.size(), size_t(n));
  std::partial_sort(order.begin(), order.begin() + int64_t(m), order.end(), [&](int64_t a, int64_t b) {
    return dist[size_t(a)] != dist[size_t(b)] ? dist[size_t(a)] > dist[size_t(b)] : a < b;
  });
  for (size_t e = 0; e < m; ++e) {
    const int64_t far = order[e], from = labels[far], to = empty[e];
    for (int64_t j = 0; j < d; ++j) {
      sums[from * d + j] -= double(x[far * d + j]);
      sums[to * d + j] = double(x[far * d + j]);
    }
    counts[to] = 1;
    counts[from] -= 1;
  }
}

// One Lloyd run from `centers` (updated in place). x is centered; tol is already scaled.
template <typename T>
RunResult lloyd(const T* x, const T* xsq, int64_t n, int64_t d, int64_t k, std::vector<T>& centers, int64_t max_iter,
                double tol, bool verbose) {
  RunResult r;
  r.labels.assign(size_t(n), -1);
  std::vector<int64_t> old_labels(size_t(n), -1);
  std::vector<double> sums(static_cast<size_t>(k * d));
  std::vector<int64_t> counts(static_cast<size_t>(k));
  std::vector<T> new_c(static_cast<size_t>(k * d));
  bool strict = false;
  int64_t it = 0;
  for (; it < max_iter; ++it) {
    const auto a = detail::assign(x, xsq, n, d, centers.data(), k, r.labels.data(), static_cast<T*>(nullptr),
                                  sums.data(), counts.data());
    if (verbose) std::fprintf(stderr, "kmeans: iteration %lld, inertia %.6g\n", (long long)it, a.inertia);
    relocate_empty(x, n, d, centers.data(), k, r.labels.data(), sums.data(), counts.data());
    double shift = 0.0;
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t f = 0; f < d; ++f) {
        // A cluster that stays empty (k > distinct points) keeps its center.
        const T v = counts[size_t(j)] > 0 ? T(sums[size_t(j * d + f)] / double(counts[size_t(j)])) : centers[size_t(j * d + f)];
        const double s = double(v) - double(centers[size_t(j * d + f)]);
        shift += s * s;
        new_c[size_t(j * d + f)] = v;
      }
    }
    centers.swap(new_c);
    if (r.labels == old_labels) {
      strict = true;
      break;
    }
    if (shift <= tol) break;
    old_labels = r.labels;
  }
  r.n_iter = std::min(it + 1, max_iter);
  // The labels must match the final centers.
  if (!strict)
    detail::assign(x, xsq, n, d, centers.data(), k, r.labels.data(), static_cast<T*>(nullptr), nullptr, nullptr);
  r.inertia = detail::exact_inertia(x, n, d, centers.data(), r.labels.data());
  return r;
}

template <typename T>
void fit_impl(const Tensor& xm, const KMeansOptions& o, const Tensor& init_centers, Tensor& centers_out,
              Tensor& labels_out, double& inertia_out, int64_t& n_iter_out) {
  const int64_t n = xm.size(0), d = xm.size(1), k = o.n_clusters_;
  std::vector<T> x(xm.data_ptr<T>(), xm.data_ptr<T>() + n * d);
  // Centering improves the GEMM trick's precision (as scikit-learn); centers are shifted back.
  std::vector<double> mean(size_t(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) mean[size_t(j)] += double(x[size_t(i * d + j)]);
  for (auto& v : mean) v /= double(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) x[size_t(i * d + j)] = T(double(x[size_t(i * d + j)]) - mean[size_t(j)]);
  const double tol = o.tol_ * detail::mean_variance(x.data(), n, d);
  const std::vector<T> xsq = detail::row_sqnorms(x.data(), n, d);

  Generator gen(o.seed_);
  const int64_t n_init = init_centers.defined() ? 1 : o.n_init_;
  RunResult best;
  std::vector<T> best_c;
  bool have = false;
  for (int64_t run = 0; run < n_init; ++run) {
    std::vector<T> c(static_cast<size_t>(k * d));
    if (init_centers.defined()) {
      const T* p = init_centers.data_ptr<T>();
      for (int64_t i = 0; i < k * d; ++i) c[size_t(i)] = T(double(p[i]) - mean[size_t(i % d)]);
    } else if (o.init_ == "random") {
      detail::random_init(x.data(), n, d, k, gen, c.data());
    } else {
      detail::kmeans_plusplus(x.data(), xsq.data(), n, d, k, gen, c.data());
    }
    RunResult r = lloyd(x.data(), xsq.data(), n, d, k, c, o.max_iter_, tol, o.verbose_);
    if (!have || r.inertia < best.inertia) {
      best = std::move(r);
      best_c = std::move(c);
      have = true;
    }
  }
  centers_out = empty({k, d}, xm.dtype());
  T* cp = centers_out.data_ptr<T>();
  for (int64_t i = 0; i < k * d; ++i) cp[i] = T(double(best_c[size_t(i)]) + mean[size_t(i % d)]);
  labels_out = from_vector(best.labels, {n});
  inertia_out = best.inertia;
  n_iter_out = best.n_iter;
}

}  // namespace

KMeans::KMeans(KMeansOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  DESCENT_CHECK(o.n_clusters_ >= 1, "KMeans: n_clusters must be >= 1, got ", o.n_clusters_);
  DESCENT_CHECK(o.init_ == "k-means++" || o.init_ == "random", "KMeans: init must be \"k-means++\" or \"random\", got \"",
                o.init_, "\"");
  DESCENT_CHECK(o.n_init_ >= 1, "KMeans: n_init must be >= 1, got ", o.n_init_);
  DESCENT_CHECK(o.max_iter_ >= 1, "KMeans: max_iter must be >= 1, got ", o.max_iter_);
  DESCENT_CHECK(o.tol_ >= 0.0 && std::isfinite(o.tol_), "KMeans: tol must be finite and >= 0, got ", o.tol_);
  DESCENT_CHECK(o.threads_ >= 0, "KMeans: threads must be >= 0 (0: the current thread count), got ", o.threads_);
}

KMeans& KMeans::set_init_centers(const Tensor& centers) {
  DESCENT_CHECK(centers.defined() && centers.dim() == 2 && centers.size(0) == options_.n_clusters_,
                "KMeans::set_init_centers: expected centers of shape [", options_.n_clusters_, ", D], got ",
                centers.defined() ? centers.sizes() : Shape{});
  init_centers_ = centers;
  return *this;
}

KMeans& KMeans::fit(const Tensor& x) {
  const DType dt = detail::work_dtype(x);
  Tensor xm = detail::as_matrix(x, dt, "KMeans::fit");
  const int64_t n = xm.size(0), k = options_.n_clusters_;
  DESCENT_CHECK(n >= k, "KMeans::fit: n_samples = ", n, " must be >= n_clusters = ", k, " (x of shape ", x.sizes(), ")");
  Tensor init;
  if (init_centers_.defined()) {
    DESCENT_CHECK(init_centers_.size(1) == xm.size(1), "KMeans::fit: init centers have ", init_centers_.size(1),
                  " features but x has ", xm.size(1));
    init = detail::as_matrix(init_centers_, dt, "KMeans::fit", "init centers");
  }
  detail::ThreadsScope threads(options_.threads_);
  detail::BlasSingleThread blas;
  if (dt == kFloat64) fit_impl<double>(xm, options_, init, centers_, labels_, inertia_, n_iter_);
  else fit_impl<float>(xm, options_, init, centers_, labels_, inertia_, n_iter_);
  return *this;
}

Tensor KMeans::fit_predict(const Tensor& x) { return fit(x).labels(); }

namespace {
template <typename T>
Tensor predict_impl(const Tensor& xm, const Tensor& c, Tensor* dist) {
  const int64_t n = xm.size(0), d = xm.size(1), k = c.size(0);
  const T* x = xm.data_ptr<T>();
  const std::vector<T> xsq = detail::row_sqnorms(x, n, d);
  if (dist) {
    *dist = empty({n, k}, xm.dtype());
    T* o = dist->data_ptr<T>();
    detail::sq_dists(x, xsq.data(), n, d, c.data_ptr<T>(), k, o);
    for (int64_t i = 0; i < n * k; ++i) o[i] = std::sqrt(o[i]);
    return Tensor();
  }
  Tensor labels = empty({n}, kInt64);
  detail::assign(x, xsq.data(), n, d, c.data_ptr<T>(), k, labels.data_ptr<int64_t>(), static_cast<T*>(nullptr), nullptr,
                 nullptr);
  return labels;
}
}  // namespace

Tensor KMeans::predict(const Tensor& x) const {
  DESCENT_CHECK(fitted(), "KMeans::predict: call fit() first");
  Tensor xm = detail::as_matrix(x, centers_.dtype(), "KMeans::predict");
  DESCENT_CHECK(xm.size(1) == centers_.size(1), "KMeans::predict: x has ", xm.size(1), " features (shape ", x.sizes(),
                ") but the model was fitted on ", centers_.size(1));
  detail::ThreadsScope threads(options_.threads_);
  detail::BlasSingleThread blas;
  return centers_.dtype() == kFloat64 ? predict_impl<double>(xm, centers_, nullptr)
                                      : predict_impl<float>(xm, centers_, nullptr);
}

Tensor KMeans::transform(const Tensor& x) const {
  DESCENT_CHECK(fitted(), "KMeans::transform: call fit() first");
  Tensor xm = detail::as_matrix(x, centers_.dtype(), "KMeans::transform");
  DESCENT_CHECK(xm.size(1) == centers_.size(1), "KMeans::transform: x has ", xm.size(1), " features (shape ",
                x.sizes(), ") but the model was fitted on ", centers_.size(1));
  detail::ThreadsScope threads(options_.threads_);
  detail::BlasSingleThread blas;
  Tensor out;
  if (centers_.dtype() == kFloat64) predict_impl<double>(xm, centers_, &out);
  else predict_impl<float>(xm, centers_, &out);
  return out;
}

double KMeans::score(const Tensor& x) const {
  Tensor labels = predict(x);
  Tensor xm = detail::as_matrix(x, centers_.dtype(), "KMeans::score");
  if (centers_.dtype() == kFloat64)
    return detail::exact_inertia(xm.data_ptr<double>(), xm.size(0), xm.size(1), centers_.data_ptr<double>(),
                                 labels.data_ptr<int64_t>());
  return detail::exact_inertia(xm.data_ptr<float>(), xm.size(0), xm.size(1), centers_.data_ptr<float>(),
                               labels.data_ptr<int64_t>());
}

const Tensor& KMeans::centers() const {
  DESCENT_CHECK(fitted(), "KMeans::centers: call fit() first");
  return centers_;
}
const Tensor& KMeans::labels() const {
  DESCENT_CHECK(fitted(), "KMeans::labels: call fit() first");
  return labels_;
}
double KMeans::inertia() const {
  DESCENT_CHECK(fitted(), "KMeans::inertia: call fit() first");
  return inertia_;
}
int64_t KMeans::n_iter() const {
  DESCENT_CHECK(fitted(), "KMeans::n_iter: call fit() first");
  return n_iter_;
}

}  // namespace descent::cluster
