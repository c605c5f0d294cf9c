// Clustering metrics; formulas as scikit-learn 1.2 (sklearn/metrics/cluster/).
#include "descent/cluster/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "descent/backend/parallel.h"
#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/ops/ops.h"
#include "kernels.h"

namespace descent::cluster {
namespace {

// Labels as dense codes 0..C-1 (in sorted order of the values); returns C.
int64_t encode(const Tensor& labels, const char* who, const char* what, std::vector<int64_t>& codes) {
  DESCENT_CHECK(labels.defined(), who, ": ", what, " is an undefined tensor");
  DESCENT_CHECK(labels.dim() == 1, who, ": expected 1-D ", what, ", got shape ", labels.sizes());
  DESCENT_CHECK(!labels.is_floating_point() || labels.numel() == 0 ||
                    equal(labels, labels.round()),
                who, ": ", what, " must hold integers, got dtype ", labels.dtype());
  std::vector<int64_t> v = labels.to(kInt64).to_vector<int64_t>();
  std::vector<int64_t> uniq = v;
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  codes.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) codes[i] = std::lower_bound(uniq.begin(), uniq.end(), v[i]) - uniq.begin();
  return int64_t(uniq.size());
}

// Contingency table of two labelings (counts[a * nb + b]), with the per-label totals.
struct Contingency {
  int64_t n = 0, na = 0, nb = 0;
  std::vector<double> counts, row, col;
};

Contingency contingency(const Tensor& t, const Tensor& p, const char* who) {
  std::vector<int64_t> a, b;
  Contingency c;
  c.na = encode(t, who, "labels_true", a);
  c.nb = encode(p, who, "labels_pred", b);
  DESCENT_CHECK(a.size() == b.size(), who, ": labels_true has ", a.size(), " elements but labels_pred has ", b.size());
  c.n = int64_t(a.size());
  c.counts.assign(size_t(c.na * c.nb), 0.0);
  c.row.assign(size_t(c.na), 0.0);
  c.col.assign(size_t(c.nb), 0.0);
  for (size_t i = 0; i < a.size(); ++i) {
    c.counts[size_t(a[i] * c.nb + b[i])] += 1;
    c.row[size_t(a[i])] += 1;
    c.col[size_t(b[i])] += 1;
  }
  return c;
}

double entropy(const std::vector<double>& totals, double n) {
  double h = 0.0;
  for (double v : totals)
    if (v > 0) h -= (v / n) * std::log(v / n);
  return h;
}

double mutual_info_of(const Contingency& c) {
  const double n = double(c.n);
  double mi = 0.0;
  for (int64_t i = 0; i < c.na; ++i)
    for (int64_t j = 0; j < c.nb; ++j) {
      const double v = c.counts[size_t(i * c.nb + j)];
      if (v > 0) mi += (v / n) * std::log(n * v / (c.row[size_t(i)] * c.col[size_t(j)]));
    }
  return std::max(0.0, mi);
}

}  // namespace

double inertia(const Tensor& x, const Tensor& centers, const Tensor& labels) {
  const char* who = "cluster::inertia";
  Tensor xm = detail::as_matrix(x, kFloat64, who);
  Tensor cm = detail::as_matrix(centers, kFloat64, who, "centers");
  DESCENT_CHECK(cm.size(1) == xm.size(1), who, ": centers have ", cm.size(1), " features but x has ", xm.size(1));
  DESCENT_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == xm.size(0), who,
                ": expected labels of shape [", xm.size(0), "], got ", labels.defined() ? labels.sizes() : Shape{});
  Tensor l = labels.to(kInt64).contiguous();
  const int64_t* lp = l.data_ptr<int64_t>();
  for (int64_t i = 0; i < l.numel(); ++i)
    DESCENT_CHECK(lp[i] >= 0 && lp[i] < cm.size(0), who, ": label ", lp[i], " at row ", i, " is out of range for ",
                  cm.size(0), " centers");
  return detail::exact_inertia(xm.data_ptr<double>(), xm.size(0), xm.size(1), cm.data_ptr<double>(), lp);
}

Tensor silhouette_samples(const Tensor& x, const Tensor& labels) {
  const char* who = "cluster::silhouette";
  Tensor xm = detail::as_matrix(x, kFloat64, who);
  const int64_t n = xm.size(0), d = xm.size(1);
  std::vector<int64_t> code;
  const int64_t k = encode(labels, who, "labels", code);
  DESCENT_CHECK(int64_t(code.size()) == n, who, ": x has ", n, " rows but labels has ", code.size(), " elements");
  DESCENT_CHECK(k >= 2 && k <= n - 1, who, ": number of labels is ", k, "; valid values are 2 to n_samples - 1 = ",
                n - 1, " (inclusive)");
  std::vector<double> count(static_cast<size_t>(k), 0.0);
  for (int64_t c : code) count[size_t(c)] += 1;
  const double* xp = xm.data_ptr<double>();
  const std::vector<double> xsq = detail::row_sqnorms(xp, n, d);
  Tensor out = empty({n}, kFloat64);
  double* op = out.data_ptr<double>();
  const int64_t nblocks = (n + detail::kChunk - 1) / detail::kChunk;
  detail::BlasSingleThread blas;
  parallel_for(0, nblocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<double> dist(static_cast<size_t>(detail::kChunk * n)), sums(static_cast<size_t>(k));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * detail::kChunk, m = std::min(detail::kChunk, n - r0);
      detail::sq_dists(xp + r0 * d, xsq.data() + r0, m, d, xp, n, dist.data());
      for (int64_t i = 0; i < m; ++i) {
        std::fill(sums.begin(), sums.end(), 0.0);
        const double* di = dist.data() + i * n;
        for (int64_t j = 0; j < n; ++j)
          if (j != r0 + i) sums[size_t(code[size_t(j)])] += std::sqrt(di[j]);
        const int64_t own = code[size_t(r0 + i)];
        if (count[size_t(own)] <= 1) {
          op[r0 + i] = 0.0;
          continue;
        }
        const double a = sums[size_t(own)] / (count[size_t(own)] - 1);
        double bmin = INFINITY;
        for (int64_t c = 0; c < k; ++c)
          if (c != own) bmin = std::min(bmin, sums[size_t(c)] / count[size_t(c)]);
        const double den = std::max(a, bmin);
        op[r0 + i] = den > 0 ? (bmin - a) / den : 0.0;
      }
    }
  });
  return out;
}

double silhouette_score(const Tensor& x, const Tensor& labels, SilhouetteOptions options) {
  DESCENT_CHECK(options.sample_size_ >= 0, "cluster::silhouette_score: sample_size must be >= 0 (0: all rows), got ",
                options.sample_size_);
  DESCENT_CHECK(x.defined() && x.dim() >= 1, "cluster::silhouette_score: x is undefined or 0-d");
  const int64_t n = x.size(0);
  Tensor xs = x, ls = labels;
  if (options.sample_size_ > 0 && n > options.sample_size_) {
    // A seeded partial Fisher-Yates shuffle: the first sample_size entries of a random permutation.
    Generator gen(options.seed_);
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), int64_t(0));
    for (int64_t i = 0; i < options.sample_size_; ++i) {
      const int64_t j = i + std::min<int64_t>(n - i - 1, int64_t(gen.next_uniform() * double(n - i)));
      std::swap(perm[size_t(i)], perm[size_t(j)]);
    }
    perm.resize(size_t(options.sample_size_));
    Tensor idx = from_vector(perm, {options.sample_size_});
    xs = x.index_select(0, idx);
    DESCENT_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == n, "cluster::silhouette_score: x has ", n,
                  " rows but labels has shape ", labels.defined() ? labels.sizes() : Shape{});
    ls = labels.index_select(0, idx);
  }
  Tensor s = silhouette_samples(xs, ls);
  return s.mean().item<double>();
}

double adjusted_rand_index(const Tensor& labels_true, const Tensor& labels_pred) {
  const Contingency c = contingency(labels_true, labels_pred, "cluster::adjusted_rand_index");
  // Pair confusion matrix (sklearn.metrics.cluster.pair_confusion_matrix), in doubles.
  const double n = double(c.n);
  double sum_sq = 0.0, row_sq = 0.0, col_sq = 0.0;
  for (double v : c.counts) sum_sq += v * v;
  for (double v : c.row) row_sq += v * v;
  for (double v : c.col) col_sq += v * v;
  const double tp = sum_sq - n, fp = col_sq - sum_sq, fn = row_sq - sum_sq, tn = n * n - fp - fn - sum_sq;
  if (fn == 0 && fp == 0) return 1.0;
  return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

double mutual_info(const Tensor& labels_true, const Tensor& labels_pred) {
  return mutual_info_of(contingency(labels_true, labels_pred, "cluster::mutual_info"));
}

double normalized_mutual_info(const Tensor& labels_true, const Tensor& labels_pred) {
  const Contingency c = contingency(labels_true, labels_pred, "cluster::normalized_mutual_info");
  // Both labelings a single cluster (or empty): a perfect match, as scikit-learn.
  if ((c.na == 1 && c.nb == 1) || (c.na == 0 && c.nb == 0)) return 1.0;
  const double mi = mutual_info_of(c);
  if (mi == 0.0) return 0.0;
  const double h = 0.5 * (entropy(c.row, double(c.n)) + entropy(c.col, double(c.n)));
  return mi / std::max(h, std::numeric_limits<double>::epsilon());
}

double purity(const Tensor& labels_true, const Tensor& labels_pred) {
  const Contingency c = contingency(labels_true, labels_pred, "cluster::purity");
  DESCENT_CHECK(c.n > 0, "cluster::purity: the labels are empty");
  double hit = 0.0;
  for (int64_t j = 0; j < c.nb; ++j) {
    double best = 0.0;
    for (int64_t i = 0; i < c.na; ++i) best = std::max(best, c.counts[size_t(i * c.nb + j)]);
    hit += best;
  }
  return hit / double(c.n);
}

}  // namespace descent::cluster
