// PCA: covariance by GEMM, then Jacobi (small D) or block subspace iteration with Rayleigh-Ritz.
#include "descent/cluster/pca.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/ops/ops.h"
#include "kernels.h"

namespace descent::cluster {
namespace {

// Cyclic Jacobi on a symmetric p x p matrix a (row-major, destroyed): eigenvalues (descending) and
// the matching eigenvectors as the columns of v.
void jacobi_eigen(std::vector<double>& a, int64_t p, std::vector<double>& evals, std::vector<double>& v) {
  std::vector<double> vv(static_cast<size_t>(p * p), 0.0);
  for (int64_t i = 0; i < p; ++i) vv[size_t(i * p + i)] = 1.0;
  auto A = [&](int64_t i, int64_t j) -> double& { return a[size_t(i * p + j)]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t i = 0; i < p; ++i) {
      diag += A(i, i) * A(i, i);
      for (int64_t j = i + 1; j < p; ++j) off += A(i, j) * A(i, j);
    }
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (int64_t i = 0; i < p; ++i)
      for (int64_t j = i + 1; j < p; ++j) {
        const double aij = A(i, j);
        if (aij == 0.0) continue;
        const double theta = (A(j, j) - A(i, i)) / (2.0 * aij);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int64_t r = 0; r < p; ++r) {  // columns i, j
          const double ri = A(r, i), rj = A(r, j);
          A(r, i) = c * ri - s * rj;
          A(r, j) = s * ri + c * rj;
        }
        for (int64_t r = 0; r < p; ++r) {  // rows i, j
          const double ir = A(i, r), jr = A(j, r);
          A(i, r) = c * ir - s * jr;
          A(j, r) = s * ir + c * jr;
        }
        for (int64_t r = 0; r < p; ++r) {
          const double ri = vv[size_t(r * p + i)], rj = vv[size_t(r * p + j)];
          vv[size_t(r * p + i)] = c * ri - s * rj;
          vv[size_t(r * p + j)] = s * ri + c * rj;
        }
      }
  }
  std::vector<int64_t> order(static_cast<size_t>(p));
  std::iota(order.begin(), order.end(), int64_t(0));
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return A(x, x) > A(y, y); });
  evals.resize(size_t(p));
  v.assign(size_t(p * p), 0.0);
  for (int64_t c = 0; c < p; ++c) {
    evals[size_t(c)] = A(order[size_t(c)], order[size_t(c)]);
    for (int64_t r = 0; r < p; ++r) v[size_t(r * p + c)] = vv[size_t(r * p + order[size_t(c)])];
  }
}

// Orthonormalises the columns of q [d, p] (modified Gram-Schmidt, twice for stability).
void orthonormalize(double* q, int64_t d, int64_t p) {
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t j = 0; j < p; ++j) {
      for (int64_t i = 0; i < j; ++i) {
        double dot = 0.0;
        for (int64_t r = 0; r < d; ++r) dot += q[r * p + i] * q[r * p + j];
        for (int64_t r = 0; r < d; ++r) q[r * p + j] -= dot * q[r * p + i];
      }
      double nrm = 0.0;
      for (int64_t r = 0; r < d; ++r) nrm += q[r * p + j] * q[r * p + j];
      nrm = std::sqrt(nrm);
      // A column in the span of the others (rank-deficient C): replace by a unit vector, re-orthogonalised next pass.
      if (nrm < 1e-300) {
        for (int64_t r = 0; r < d; ++r) q[r * p + j] = r == j % d ? 1.0 : 0.0;
        continue;
      }
      for (int64_t r = 0; r < d; ++r) q[r * p + j] /= nrm;
    }
}

// Top-c eigenpairs of the symmetric d x d covariance cov: values [c], vectors as rows of [c, d].
void top_eigen(const Tensor& cov, int64_t c, const PCAOptions& o, std::vector<double>& values, std::vector<double>& rows) {
  const int64_t d = cov.size(0);
  std::vector<double> evals, vecs;
  if (d <= 64) {
    std::vector<double> a = cov.contiguous().to_vector<double>();
    jacobi_eigen(a, d, evals, vecs);
    values.assign(evals.begin(), evals.begin() + c);
    rows.resize(size_t(c * d));
    for (int64_t k = 0; k < c; ++k)
      for (int64_t r = 0; r < d; ++r) rows[size_t(k * d + r)] = vecs[size_t(r * d + k)];
    return;
  }
  const int64_t p = std::min(d, c + 10);
  Generator gen(o.seed_);
  Tensor q = randn({d, p}, kFloat64, &gen).contiguous();
  orthonormalize(q.data_ptr<double>(), d, p);
  std::vector<double> prev(size_t(c), 0.0);
  for (int64_t it = 0; it < o.max_iter_; ++it) {
    Tensor y = cov.mm(q).contiguous();
    orthonormalize(y.data_ptr<double>(), d, p);
    // Rayleigh-Ritz: H = Y^T C Y, eig H = V L, Q = Y V.
    std::vector<double> h = y.t().mm(cov.mm(y)).contiguous().to_vector<double>();
    jacobi_eigen(h, p, evals, vecs);
    q = y.mm(from_vector(vecs, {p, p})).contiguous();
    double change = 0.0;
    for (int64_t k = 0; k < c; ++k)
      change = std::max(change, std::abs(evals[size_t(k)] - prev[size_t(k)]) / std::max(std::abs(evals[size_t(k)]), 1e-300));
    std::copy(evals.begin(), evals.begin() + c, prev.begin());
    if (it > 0 && change <= o.tol_) break;
  }
  values.assign(evals.begin(), evals.begin() + c);
  rows = q.narrow(1, 0, c).t().contiguous().to_vector<double>();
}

}  // namespace

PCA::PCA(PCAOptions options) : options_(options) {
  DESCENT_CHECK(options_.n_components_ >= 1, "PCA: n_components must be >= 1, got ", options_.n_components_);
  DESCENT_CHECK(options_.tol_ >= 0, "PCA: tol must be >= 0, got ", options_.tol_);
  DESCENT_CHECK(options_.max_iter_ >= 1, "PCA: max_iter must be >= 1, got ", options_.max_iter_);
}

PCA& PCA::fit(const Tensor& x) {
  Tensor xm = detail::as_matrix(x, kFloat64, "PCA::fit");
  const int64_t n = xm.size(0), d = xm.size(1), c = options_.n_components_;
  DESCENT_CHECK(n >= 2, "PCA::fit: needs at least 2 samples, got x of shape ", x.sizes());
  DESCENT_CHECK(c <= std::min(n, d), "PCA::fit: n_components = ", c, " must be <= min(n_samples, n_features) = ",
                std::min(n, d), " (x of shape ", x.sizes(), ")");
  Tensor mean = xm.mean({0});
  Tensor xc = xm - mean;
  Tensor cov = xc.t().mm(xc).div(double(n - 1)).contiguous();
  double total = 0.0;  // trace: the total variance
  for (int64_t j = 0; j < d; ++j) total += cov.data_ptr<double>()[j * d + j];
  std::vector<double> values, rows;
  top_eigen(cov, c, options_, values, rows);
  // svd_flip (u-based): the largest |projection| of each component is positive.
  Tensor comp = from_vector(rows, {c, d});
  Tensor scores = xc.mm(comp.t()).contiguous();
  const double* sp = scores.data_ptr<double>();
  for (int64_t k = 0; k < c; ++k) {
    int64_t arg = 0;
    for (int64_t i = 1; i < n; ++i)
      if (std::abs(sp[i * c + k]) > std::abs(sp[arg * c + k])) arg = i;
    if (sp[arg * c + k] < 0)
      for (int64_t j = 0; j < d; ++j) rows[size_t(k * d + j)] = -rows[size_t(k * d + j)];
  }
  for (auto& v : values) v = std::max(v, 0.0);
  components_ = from_vector(rows, {c, d});
  mean_ = mean.contiguous();
  variance_ = from_vector(values, {c});
  ratio_ = total > 0 ? variance_.div(total) : zeros({c}, kFloat64);
  return *this;
}

Tensor PCA::transform(const Tensor& x) const {
  DESCENT_CHECK(fitted(), "PCA::transform: call fit() first");
  Tensor xm = detail::as_matrix(x, kFloat64, "PCA::transform");
  DESCENT_CHECK(xm.size(1) == components_.size(1), "PCA::transform: x has ", xm.size(1), " features (shape ", x.sizes(),
                ") but the PCA was fitted on ", components_.size(1));
  return (xm - mean_).mm(components_.t()).to(detail::work_dtype(x));
}

Tensor PCA::fit_transform(const Tensor& x) { return fit(x).transform(x); }

Tensor PCA::inverse_transform(const Tensor& z) const {
  DESCENT_CHECK(fitted(), "PCA::inverse_transform: call fit() first");
  DESCENT_CHECK(z.defined() && z.dim() == 2 && z.size(1) == components_.size(0),
                "PCA::inverse_transform: expected z of shape [N, ", components_.size(0), "], got ",
                z.defined() ? z.sizes() : Shape{});
  return z.to(kFloat64).mm(components_).add(mean_).to(detail::work_dtype(z));
}

const Tensor& PCA::components() const {
  DESCENT_CHECK(fitted(), "PCA::components: call fit() first");
  return components_;
}
const Tensor& PCA::mean() const {
  DESCENT_CHECK(fitted(), "PCA::mean: call fit() first");
  return mean_;
}
const Tensor& PCA::explained_variance() const {
  DESCENT_CHECK(fitted(), "PCA::explained_variance: call fit() first");
  return variance_;
}
const Tensor& PCA::explained_variance_ratio() const {
  DESCENT_CHECK(fitted(), "PCA::explained_variance_ratio: call fit() first");
  return ratio_;
}

}  // namespace descent::cluster
