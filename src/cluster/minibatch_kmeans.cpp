// MiniBatchKMeans: scikit-learn 1.2's _mini_batch_step (per-center learning rate, random
// reassignment of starved centers) and _mini_batch_convergence (smoothed inertia, tol).
#include "descent/cluster/minibatch_kmeans.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "descent/core/error.h"
#include "descent/data/dataloader.h"
#include "descent/ops/ops.h"
#include "kernels.h"

namespace descent::cluster {
namespace {

int64_t draw(Generator& g, int64_t n) { return std::min<int64_t>(n - 1, int64_t(g.next_uniform() * double(n))); }

Tensor draw_rows(Generator& g, const Tensor& xm, int64_t count) {
  std::vector<int64_t> idx(static_cast<size_t>(count));
  for (auto& i : idx) i = draw(g, xm.size(0));
  return xm.index_select(0, from_vector(idx, {count})).contiguous();
}

template <typename T>
std::pair<double, double> step_impl(const Tensor& xm, Tensor& centers, std::vector<double>& counts, Generator& gen,
                                    bool reassign, double ratio, bool want_change) {
  const int64_t n = xm.size(0), d = xm.size(1), k = centers.size(0);
  const T* x = xm.data_ptr<T>();
  T* c = centers.data_ptr<T>();
  const std::vector<T> xsq = detail::row_sqnorms(x, n, d);
  std::vector<int64_t> labels(static_cast<size_t>(n)), bcount(static_cast<size_t>(k));
  std::vector<double> sums(static_cast<size_t>(k * d));
  const auto a = detail::assign(x, xsq.data(), n, d, c, k, labels.data(), static_cast<T*>(nullptr), sums.data(),
                                bcount.data());
  std::vector<T> old;
  if (want_change) old.assign(c, c + k * d);
  for (int64_t j = 0; j < k; ++j) {
    if (bcount[size_t(j)] == 0) continue;
    const double w = counts[size_t(j)], total = w + double(bcount[size_t(j)]);
    for (int64_t f = 0; f < d; ++f) c[j * d + f] = T((double(c[j * d + f]) * w + sums[size_t(j * d + f)]) / total);
    counts[size_t(j)] = total;
  }
  if (reassign && ratio > 0) {
    const double maxw = *std::max_element(counts.begin(), counts.end());
    std::vector<int64_t> to;
    for (int64_t j = 0; j < k; ++j)
      if (counts[size_t(j)] < ratio * maxw) to.push_back(j);
    const size_t cap = size_t(0.5 * double(n));
    if (to.size() > cap) {
      // Keep only the least-fed centers (scikit-learn: argsort of the counts, the rest are spared).
      std::stable_sort(to.begin(), to.end(), [&](int64_t p, int64_t q) { return counts[size_t(p)] < counts[size_t(q)]; });
      to.resize(cap);
      std::sort(to.begin(), to.end());
    }
    if (!to.empty()) {
      // Distinct batch rows, chosen uniformly (partial Fisher-Yates).
      std::vector<int64_t> perm(static_cast<size_t>(n));
      std::iota(perm.begin(), perm.end(), int64_t(0));
      for (size_t i = 0; i < to.size(); ++i) std::swap(perm[i], perm[i + size_t(draw(gen, n - int64_t(i)))]);
      double min_kept = INFINITY;
      std::vector<bool> moved(size_t(k), false);
      for (int64_t j : to) moved[size_t(j)] = true;
      for (int64_t j = 0; j < k; ++j)
        if (!moved[size_t(j)]) min_kept = std::min(min_kept, counts[size_t(j)]);
      for (size_t i = 0; i < to.size(); ++i) {
        std::copy(x + perm[i] * d, x + (perm[i] + 1) * d, c + to[i] * d);
        // Not too small, or the center would be reassigned again at once.
        counts[size_t(to[i])] = std::isfinite(min_kept) ? min_kept : 0.0;
      }
    }
  }
  double change = 0.0;
  if (want_change)
    for (int64_t i = 0; i < k * d; ++i) {
      const double v = double(c[i]) - double(old[size_t(i)]);
      change += v * v;
    }
  return {a.inertia, change};
}

template <typename T>
void init_impl(const Tensor& xm, const MiniBatchKMeansOptions& o, Generator& gen, Tensor& best) {
  const int64_t n = xm.size(0), d = xm.size(1), k = o.n_clusters_;
  const T* x = xm.data_ptr<T>();
  const std::vector<T> xsq = detail::row_sqnorms(x, n, d);
  std::vector<int64_t> labels(static_cast<size_t>(n));
  double best_inertia = INFINITY;
  for (int64_t r = 0; r < o.n_init_; ++r) {
    Tensor c = empty({k, d}, xm.dtype());
    if (o.init_ == "random") detail::random_init(x, n, d, k, gen, c.data_ptr<T>());
    else detail::kmeans_plusplus(x, xsq.data(), n, d, k, gen, c.data_ptr<T>());
    const auto a = detail::assign(x, xsq.data(), n, d, c.data_ptr<T>(), k, labels.data(), static_cast<T*>(nullptr),
                                  nullptr, nullptr);
    if (!best.defined() || a.inertia < best_inertia) {
      best = c;
      best_inertia = a.inertia;
    }
  }
}

}  // namespace

MiniBatchKMeans::MiniBatchKMeans(MiniBatchKMeansOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  DESCENT_CHECK(o.n_clusters_ >= 1, "MiniBatchKMeans: n_clusters must be >= 1, got ", o.n_clusters_);
  DESCENT_CHECK(o.init_ == "k-means++" || o.init_ == "random",
                "MiniBatchKMeans: init must be \"k-means++\" or \"random\", got \"", o.init_, "\"");
  DESCENT_CHECK(o.batch_size_ >= 1, "MiniBatchKMeans: batch_size must be >= 1, got ", o.batch_size_);
  DESCENT_CHECK(o.max_iter_ >= 1, "MiniBatchKMeans: max_iter must be >= 1, got ", o.max_iter_);
  DESCENT_CHECK(o.n_init_ >= 1, "MiniBatchKMeans: n_init must be >= 1, got ", o.n_init_);
  DESCENT_CHECK(o.init_size_ >= 0, "MiniBatchKMeans: init_size must be >= 0 (0: automatic), got ", o.init_size_);
  DESCENT_CHECK(o.tol_ >= 0 && std::isfinite(o.tol_), "MiniBatchKMeans: tol must be finite and >= 0, got ", o.tol_);
  DESCENT_CHECK(o.max_no_improvement_ >= 0, "MiniBatchKMeans: max_no_improvement must be >= 0, got ",
                o.max_no_improvement_);
  DESCENT_CHECK(o.reassignment_ratio_ >= 0, "MiniBatchKMeans: reassignment_ratio must be >= 0, got ",
                o.reassignment_ratio_);
  DESCENT_CHECK(o.threads_ >= 0, "MiniBatchKMeans: threads must be >= 0, got ", o.threads_);
}

void MiniBatchKMeans::reset_convergence() {
  has_ewa_ = has_ewa_min_ = false;
  ewa_ = ewa_min_ = 0.0;
  no_improvement_ = 0;
}

void MiniBatchKMeans::init_centers(const Tensor& xm) {
  DESCENT_CHECK(xm.size(0) >= options_.n_clusters_, "MiniBatchKMeans: initialisation needs at least n_clusters = ",
                options_.n_clusters_, " rows, got ", xm.size(0));
  Tensor best;
  if (xm.dtype() == kFloat64) init_impl<double>(xm, options_, gen_, best);
  else init_impl<float>(xm, options_, gen_, best);
  centers_ = best;
  counts_.assign(size_t(options_.n_clusters_), 0.0);
  since_reassign_ = 0;
  labels_ = Tensor();
}

std::pair<double, double> MiniBatchKMeans::step(const Tensor& xm) {
  DESCENT_CHECK(xm.size(1) == centers_.size(1), "MiniBatchKMeans: batch has ", xm.size(1),
                " features but the centers have ", centers_.size(1));
  // scikit-learn's _random_reassign: every 10 K rows, or at once while a center has seen nothing.
  since_reassign_ += xm.size(0);
  bool reassign = false;
  if (std::any_of(counts_.begin(), counts_.end(), [](double v) { return v == 0.0; }) ||
      since_reassign_ >= 10 * options_.n_clusters_) {
    since_reassign_ = 0;
    reassign = true;
  }
  ++n_steps_;
  const bool want_change = tol_scaled_ > 0;
  if (xm.dtype() == kFloat64)
    return step_impl<double>(xm, centers_, counts_, gen_, reassign, options_.reassignment_ratio_, want_change);
  return step_impl<float>(xm, centers_, counts_, gen_, reassign, options_.reassignment_ratio_, want_change);
}

bool MiniBatchKMeans::converged(int64_t step, int64_t n_samples, int64_t batch_rows, double batch_inertia,
                                double center_change) {
  batch_inertia /= double(batch_rows);
  if (step == 0) return false;  // the first step's inertia comes from the initial centers
  if (!has_ewa_) {
    ewa_ = batch_inertia;
    has_ewa_ = true;
  } else {
    const double alpha = std::min(1.0, double(batch_rows) * 2.0 / double(n_samples + 1));
    ewa_ = ewa_ * (1 - alpha) + batch_inertia * alpha;
  }
  if (tol_scaled_ > 0 && center_change <= tol_scaled_) return true;
  if (!has_ewa_min_ || ewa_ < ewa_min_) {
    no_improvement_ = 0;
    ewa_min_ = ewa_;
    has_ewa_min_ = true;
  } else {
    ++no_improvement_;
  }
  return options_.max_no_improvement_ > 0 && no_improvement_ >= options_.max_no_improvement_;
}

MiniBatchKMeans& MiniBatchKMeans::fit(const Tensor& x) {
  const auto& o = options_;
  Tensor xm = detail::as_matrix(x, detail::work_dtype(x), "MiniBatchKMeans::fit");
  const int64_t n = xm.size(0), k = o.n_clusters_;
  DESCENT_CHECK(n >= k, "MiniBatchKMeans::fit: n_samples = ", n, " must be >= n_clusters = ", k, " (x of shape ",
                x.sizes(), ")");
  detail::ThreadsScope threads(o.threads_);
  detail::BlasSingleThread blas;
  gen_.manual_seed(o.seed_);
  n_steps_ = 0;
  reset_convergence();
  const int64_t batch = std::min(o.batch_size_, n);
  int64_t init_size = o.init_size_ > 0 ? o.init_size_ : 3 * batch;
  if (init_size < k) init_size = 3 * k;
  init_size = std::min(init_size, n);
  tol_scaled_ = o.tol_ > 0 ? o.tol_ * (xm.dtype() == kFloat64 ? detail::mean_variance(xm.data_ptr<double>(), n, xm.size(1))
                                                               : detail::mean_variance(xm.data_ptr<float>(), n, xm.size(1)))
                           : 0.0;
  init_centers(init_size == n ? xm : draw_rows(gen_, xm, init_size));
  const int64_t total = std::max<int64_t>(1, o.max_iter_ * n / batch);
  for (int64_t i = 0; i < total; ++i) {
    auto [bi, change] = step(draw_rows(gen_, xm, batch));
    if (converged(i, n, batch, bi, change)) break;
  }
  labels_ = predict(xm);
  inertia_ = score(xm);
  return *this;
}

MiniBatchKMeans& MiniBatchKMeans::fit(data::DataLoader& loader) {
  const auto& o = options_;
  const int64_t n = loader.dataset()->size(), k = o.n_clusters_;
  DESCENT_CHECK(n >= k, "MiniBatchKMeans::fit: the loader's dataset has ", n, " examples, fewer than n_clusters = ", k);
  detail::ThreadsScope threads(o.threads_);
  detail::BlasSingleThread blas;
  gen_.manual_seed(o.seed_);
  n_steps_ = 0;
  reset_convergence();
  centers_ = Tensor();
  DType dt = kFloat32;
  auto rows_of = [&](const data::Batch& b) {
    DESCENT_CHECK(b.data.defined(), "MiniBatchKMeans::fit: a batch from the loader has no data");
    return detail::as_matrix(b.data, dt, "MiniBatchKMeans::fit", "batch.data");
  };
  const int64_t loader_batch = loader.options().batch_size_;
  int64_t init_size = o.init_size_ > 0 ? o.init_size_ : 3 * loader_batch;
  if (init_size < k) init_size = 3 * k;
  init_size = std::min(init_size, n);
  const int64_t total = std::max<int64_t>(1, o.max_iter_ * loader.size());
  int64_t done = 0;
  bool stop = false;
  std::vector<Tensor> init_rows;
  int64_t have = 0;
  while (!stop && done < total) {
    int64_t seen_this_pass = 0;
    for (auto& b : loader) {
      ++seen_this_pass;
      if (!centers_.defined()) {
        // The first batches (init_size rows) choose the initial centers and scale tol.
        if (init_rows.empty()) dt = detail::work_dtype(b.data);
        init_rows.push_back(rows_of(b));
        have += init_rows.back().size(0);
        if (have < init_size) continue;
        Tensor xi = cat(init_rows, 0).narrow(0, 0, init_size).contiguous();
        init_rows.clear();
        tol_scaled_ = o.tol_ > 0 ? o.tol_ * (dt == kFloat64 ? detail::mean_variance(xi.data_ptr<double>(), init_size, xi.size(1))
                                                             : detail::mean_variance(xi.data_ptr<float>(), init_size, xi.size(1)))
                                 : 0.0;
        init_centers(xi);
        continue;
      }
      Tensor xm = rows_of(b);
      auto [bi, change] = step(xm);
      if (converged(done, n, xm.size(0), bi, change) || ++done >= total) {
        stop = true;
        break;
      }
    }
    DESCENT_CHECK(seen_this_pass > 0, "MiniBatchKMeans::fit: the loader yields no batches");
    if (!centers_.defined()) {
      DESCENT_CHECK(have >= k, "MiniBatchKMeans::fit: the loader's batches hold ", have, " rows, fewer than n_clusters = ", k);
      Tensor xi = cat(init_rows, 0).contiguous();
      init_rows.clear();
      init_centers(xi);
    }
  }
  // One full pass for labels (by dataset index) and inertia under the final centers.
  if (loader.state().position != 0) loader.set_epoch(loader.epoch() + 1);
  labels_ = full({n}, -1, kInt64);
  int64_t* lp = labels_.data_ptr<int64_t>();
  inertia_ = 0.0;
  for (auto& b : loader) {
    Tensor xm = rows_of(b);
    Tensor l = predict(xm);
    const int64_t* bl = l.data_ptr<int64_t>();
    for (size_t i = 0; i < b.indices.size(); ++i) lp[b.indices[i]] = bl[i];
    inertia_ += dt == kFloat64 ? detail::exact_inertia(xm.data_ptr<double>(), xm.size(0), xm.size(1),
                                                       centers_.data_ptr<double>(), bl)
                               : detail::exact_inertia(xm.data_ptr<float>(), xm.size(0), xm.size(1),
                                                       centers_.data_ptr<float>(), bl);
  }
  return *this;
}

MiniBatchKMeans& MiniBatchKMeans::partial_fit(const Tensor& batch) {
  const DType dt = fitted() ? centers_.dtype() : detail::work_dtype(batch);
  Tensor xm = detail::as_matrix(batch, dt, "MiniBatchKMeans::partial_fit", "batch");
  detail::ThreadsScope threads(options_.threads_);
  detail::BlasSingleThread blas;
  if (!fitted()) {
    gen_.manual_seed(options_.seed_);
    n_steps_ = 0;
    reset_convergence();
    tol_scaled_ = 0.0;
    init_centers(xm);
  }
  step(xm);
  labels_ = Tensor();
  return *this;
}

Tensor MiniBatchKMeans::predict(const Tensor& x) const {
  DESCENT_CHECK(fitted(), "MiniBatchKMeans::predict: call fit() or partial_fit() first");
  Tensor xm = detail::as_matrix(x, centers_.dtype(), "MiniBatchKMeans::predict");
  DESCENT_CHECK(xm.size(1) == centers_.size(1), "MiniBatchKMeans::predict: x has ", xm.size(1), " features (shape ",
                x.sizes(), ") but the centers have ", centers_.size(1));
  const int64_t n = xm.size(0), d = xm.size(1), k = centers_.size(0);
  Tensor labels = empty({n}, kInt64);
  if (centers_.dtype() == kFloat64) {
    auto xsq = detail::row_sqnorms(xm.data_ptr<double>(), n, d);
    detail::assign(xm.data_ptr<double>(), xsq.data(), n, d, centers_.data_ptr<double>(), k, labels.data_ptr<int64_t>(),
                   static_cast<double*>(nullptr), nullptr, nullptr);
  } else {
    auto xsq = detail::row_sqnorms(xm.data_ptr<float>(), n, d);
    detail::assign(xm.data_ptr<float>(), xsq.data(), n, d, centers_.data_ptr<float>(), k, labels.data_ptr<int64_t>(),
                   static_cast<float*>(nullptr), nullptr, nullptr);
  }
  return labels;
}

Tensor MiniBatchKMeans::transform(const Tensor& x) const {
  DESCENT_CHECK(fitted(), "MiniBatchKMeans::transform: call fit() or partial_fit() first");
  Tensor xm = detail::as_matrix(x, centers_.dtype(), "MiniBatchKMeans::transform");
  DESCENT_CHECK(xm.size(1) == centers_.size(1), "MiniBatchKMeans::transform: x has ", xm.size(1),
                " features but the centers have ", centers_.size(1));
  const int64_t n = xm.size(0), d = xm.size(1), k = centers_.size(0);
  Tensor out = empty({n, k}, centers_.dtype());
  if (centers_.dtype() == kFloat64) {
    auto xsq = detail::row_sqnorms(xm.data_ptr<double>(), n, d);
    detail::sq_dists(xm.data_ptr<double>(), xsq.data(), n, d, centers_.data_ptr<double>(), k, out.data_ptr<double>());
  } else {
    auto xsq = detail::row_sqnorms(xm.data_ptr<float>(), n, d);
    detail::sq_dists(xm.data_ptr<float>(), xsq.data(), n, d, centers_.data_ptr<float>(), k, out.data_ptr<float>());
  }
  return out.sqrt();
}

double MiniBatchKMeans::score(const Tensor& x) const {
  Tensor labels = predict(x);
  Tensor xm = detail::as_matrix(x, centers_.dtype(), "MiniBatchKMeans::score");
  if (centers_.dtype() == kFloat64)
    return detail::exact_inertia(xm.data_ptr<double>(), xm.size(0), xm.size(1), centers_.data_ptr<double>(),
                                 labels.data_ptr<int64_t>());
  return detail::exact_inertia(xm.data_ptr<float>(), xm.size(0), xm.size(1), centers_.data_ptr<float>(),
                               labels.data_ptr<int64_t>());
}

const Tensor& MiniBatchKMeans::centers() const {
  DESCENT_CHECK(fitted(), "MiniBatchKMeans::centers: call fit() or partial_fit() first");
  return centers_;
}

}  // namespace descent::cluster
