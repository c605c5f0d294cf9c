#include "descent/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "descent/core/error.h"
#include "descent/ops/ops.h"

namespace descent::train {

std::vector<double> to_host_doubles(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Predicted classes of [N, K] scores (argmax, first maximum) or [N] / [N, 1] probabilities.
std::vector<int64_t> predicted_classes(const Tensor& output, double threshold, int64_t n) {
  std::vector<double> s = to_host_doubles(output);
  std::vector<int64_t> pred(static_cast<size_t>(n));
  const bool binary = output.dim() == 1 || (output.dim() == 2 && output.size(1) == 1);
  if (binary) {
    for (int64_t i = 0; i < n; ++i) pred[size_t(i)] = s[size_t(i)] >= threshold ? 1 : 0;
    return pred;
  }
  DESCENT_CHECK(output.dim() == 2, "metric: output must be [N, K], [N] or [N, 1], got ", output.sizes());
  const int64_t k = output.size(1);
  for (int64_t i = 0; i < n; ++i) {
    const double* row = s.data() + i * k;
    pred[size_t(i)] = std::max_element(row, row + k) - row;
  }
  return pred;
}

std::vector<int64_t> target_classes(const Tensor& target, int64_t n) {
  DESCENT_CHECK(target.numel() == n, "metric: expected ", n, " targets, got shape ", target.sizes());
  std::vector<double> t = to_host_doubles(target);
  std::vector<int64_t> out(t.size());
  for (size_t i = 0; i < t.size(); ++i) out[i] = int64_t(std::llround(t[i]));
  return out;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

}  // namespace

void Accuracy::update(const Tensor& output, const Tensor& target) {
  if (multilabel_) {
    DESCENT_CHECK(output.numel() == target.numel(), "Accuracy (multi-label): output ", output.sizes(),
                  " and target ", target.sizes(), " differ in size");
    std::vector<double> p = to_host_doubles(output), t = to_host_doubles(target);
    for (size_t i = 0; i < p.size(); ++i) correct_ += ((p[i] >= threshold_) == (t[i] >= 0.5));
    total_ += int64_t(p.size());
    return;
  }
  const int64_t n = output.dim() == 0 ? 1 : output.size(0);
  auto pred = predicted_classes(output, threshold_, n);
  auto tgt = target_classes(target, n);
  for (size_t i = 0; i < pred.size(); ++i) correct_ += pred[i] == tgt[i];
  total_ += n;
}

MetricValues Accuracy::compute() const {
  return {{"accuracy", total_ ? double(correct_) / double(total_) : kNaN}};
}

TopKAccuracy::TopKAccuracy(int64_t k) : k_(k) { DESCENT_CHECK(k >= 1, "TopKAccuracy: k must be >= 1, got ", k); }

void TopKAccuracy::update(const Tensor& output, const Tensor& target) {
  DESCENT_CHECK(output.dim() == 2, "TopKAccuracy: output must be [N, K], got ", output.sizes());
  const int64_t n = output.size(0), k = output.size(1);
  std::vector<double> s = to_host_doubles(output);
  auto tgt = target_classes(target, n);
  for (int64_t i = 0; i < n; ++i) {
    const double* row = s.data() + i * k;
    const int64_t t = tgt[size_t(i)];
    DESCENT_CHECK(t >= 0 && t < k, "TopKAccuracy: target ", t, " out of range [0, ", k, ")");
    // Classes ranked before t: higher score, or equal score and lower index.
    int64_t ahead = 0;
    for (int64_t j = 0; j < k; ++j) ahead += row[j] > row[t] || (row[j] == row[t] && j < t);
    correct_ += ahead < k_;
  }
  total_ += n;
}

MetricValues TopKAccuracy::compute() const {
  return {{"top" + std::to_string(k_) + "_accuracy", total_ ? double(correct_) / double(total_) : kNaN}};
}

ConfusionMatrix::ConfusionMatrix(int64_t num_classes, double threshold) : k_(num_classes), threshold_(threshold) {
  DESCENT_CHECK(num_classes >= 2, "ConfusionMatrix: num_classes must be >= 2, got ", num_classes);
  reset();
}

void ConfusionMatrix::reset() { counts_.assign(size_t(k_ * k_), 0); }

void ConfusionMatrix::update(const Tensor& output, const Tensor& target) {
  const int64_t n = output.dim() == 0 ? 1 : output.size(0);
  auto pred = predicted_classes(output, threshold_, n);
  auto tgt = target_classes(target, n);
  for (size_t i = 0; i < pred.size(); ++i) {
    DESCENT_CHECK(tgt[i] >= 0 && tgt[i] < k_ && pred[i] < k_, "ConfusionMatrix: class ", tgt[i], " / prediction ",
                  pred[i], " out of range [0, ", k_, ")");
    ++counts_[size_t(tgt[i] * k_ + pred[i])];
  }
}

Tensor ConfusionMatrix::matrix() const { return from_vector<int64_t>(counts_, {k_, k_}); }

std::vector<double> PrecisionRecallF1::precision_per_class() const {
  const int64_t k = cm_.num_classes();
  std::vector<double> out(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) {
    int64_t col = 0;
    for (int64_t r = 0; r < k; ++r) col += cm_.at(r, c);
    out[size_t(c)] = ratio(double(cm_.at(c, c)), double(col));
  }
  return out;
}

std::vector<double> PrecisionRecallF1::recall_per_class() const {
  const int64_t k = cm_.num_classes();
  std::vector<double> out(static_cast<size_t>(k));
  for (int64_t r = 0; r < k; ++r) {
    int64_t row = 0;
    for (int64_t c = 0; c < k; ++c) row += cm_.at(r, c);
    out[size_t(r)] = ratio(double(cm_.at(r, r)), double(row));
  }
  return out;
}

std::vector<double> PrecisionRecallF1::f1_per_class() const {
  auto p = precision_per_class(), r = recall_per_class();
  std::vector<double> out(p.size());
  for (size_t i = 0; i < p.size(); ++i) out[i] = ratio(2 * p[i] * r[i], p[i] + r[i]);
  return out;
}

MetricValues PrecisionRecallF1::compute() const {
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); };
  int64_t total = 0;
  for (int64_t c : cm_.counts()) total += c;
  if (total == 0) return {{"precision", kNaN}, {"recall", kNaN}, {"f1", kNaN}};
  return {{"precision", mean(precision_per_class())}, {"recall", mean(recall_per_class())}, {"f1", mean(f1_per_class())}};
}

void BinaryROCAUC::update(const Tensor& output, const Tensor& target) {
  const int64_t n = output.dim() == 0 ? 1 : output.size(0);
  std::vector<double> s = to_host_doubles(output);
  if (output.dim() == 2 && output.size(1) == 2) {
    for (int64_t i = 0; i < n; ++i) s[size_t(i)] = s[size_t(2 * i + 1)];
    s.resize(size_t(n));
  }
  DESCENT_CHECK(int64_t(s.size()) == n, "BinaryROCAUC: output must be [N], [N, 1] or [N, 2], got ", output.sizes());
  auto t = target_classes(target, n);
  for (int64_t i = 0; i < n; ++i) {
    DESCENT_CHECK(t[size_t(i)] == 0 || t[size_t(i)] == 1, "BinaryROCAUC: targets must be 0 or 1, got ", t[size_t(i)]);
    DESCENT_CHECK(!std::isnan(s[size_t(i)]), "BinaryROCAUC: NaN score");
    scores_.push_back(s[size_t(i)]);
    labels_.push_back(uint8_t(t[size_t(i)]));
  }
}

MetricValues BinaryROCAUC::compute() const {
  std::vector<size_t> order(scores_.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores_[a] < scores_[b]; });
  // Sum over positives of (negatives below + half the negatives tied), group by group of equal scores.
  double pairs = 0, neg_below = 0, pos = 0, neg = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    double gp = 0, gn = 0;
    while (j < order.size() && scores_[order[j]] == scores_[order[i]]) {
      (labels_[order[j]] ? gp : gn) += 1;
      ++j;
    }
    pairs += gp * (neg_below + 0.5 * gn);
    neg_below += gn;
    pos += gp;
    neg += gn;
    i = j;
  }
  return {{"roc_auc", pos > 0 && neg > 0 ? pairs / (pos * neg) : kNaN}};
}

namespace {
std::pair<std::vector<double>, std::vector<double>> regression_pair(const Tensor& output, const Tensor& target,
                                                                    const char* who) {
  DESCENT_CHECK(output.numel() == target.numel(), who, ": output ", output.sizes(), " and target ", target.sizes(),
                " differ in size");
  return {to_host_doubles(output), to_host_doubles(target)};
}
}  // namespace

void MAE::update(const Tensor& output, const Tensor& target) {
  auto [p, t] = regression_pair(output, target, "MAE");
  for (size_t i = 0; i < p.size(); ++i) sum_ += std::abs(p[i] - t[i]);
  n_ += int64_t(p.size());
}

MetricValues MAE::compute() const { return {{"mae", n_ ? sum_ / double(n_) : kNaN}}; }

void RMSE::update(const Tensor& output, const Tensor& target) {
  auto [p, t] = regression_pair(output, target, "RMSE");
  for (size_t i = 0; i < p.size(); ++i) sum_ += (p[i] - t[i]) * (p[i] - t[i]);
  n_ += int64_t(p.size());
}

MetricValues RMSE::compute() const { return {{"rmse", n_ ? std::sqrt(sum_ / double(n_)) : kNaN}}; }

void R2::reset() {
  n_ = 0;
  sum_y_.clear();
  sum_y2_.clear();
  sum_res_.clear();
}

void R2::update(const Tensor& output, const Tensor& target) {
  auto [p, t] = regression_pair(output, target, "R2");
  const int64_t rows = target.dim() == 0 ? 1 : target.size(0);
  if (rows == 0) return;
  const size_t cols = t.size() / size_t(rows);
  if (sum_y_.empty()) {
    sum_y_.assign(cols, 0);
    sum_y2_.assign(cols, 0);
    sum_res_.assign(cols, 0);
  }
  DESCENT_CHECK(cols == sum_y_.size(), "R2: ", cols, " outputs per sample after ", sum_y_.size(), " before");
  for (size_t i = 0; i < t.size(); ++i) {
    const size_t c = i % cols;
    sum_y_[c] += t[i];
    sum_y2_[c] += t[i] * t[i];
    sum_res_[c] += (t[i] - p[i]) * (t[i] - p[i]);
  }
  n_ += rows;
}

MetricValues R2::compute() const {
  if (n_ < 2) return {{"r2", kNaN}};
  double total = 0;
  for (size_t c = 0; c < sum_y_.size(); ++c) {
    const double mean = sum_y_[c] / double(n_);
    const double ss_tot = std::max(0.0, sum_y2_[c] - double(n_) * mean * mean);
    if (ss_tot == 0)
      total += sum_res_[c] == 0 ? 1.0 : 0.0;
    else
      total += 1 - sum_res_[c] / ss_tot;
  }
  return {{"r2", total / double(sum_y_.size())}};
}

}  // namespace descent::train

// ---- state for checkpoints (counts and sums are exact in doubles up to 2^53) ----
namespace descent::train {

namespace {
ScalarState scalars(std::initializer_list<std::pair<const std::string, double>> kv) {
  ScalarState s;
  s.scalars = kv;
  return s;
}
void put_vector(ScalarState& s, const std::string& name, const std::vector<double>& v) {
  s.scalars[name + ".size"] = double(v.size());
  for (size_t i = 0; i < v.size(); ++i) s.scalars[name + "." + std::to_string(i)] = v[i];
}
std::vector<double> get_vector(const ScalarState& s, const std::string& name) {
  std::vector<double> v(static_cast<size_t>(s.scalar(name + ".size")));
  for (size_t i = 0; i < v.size(); ++i) v[i] = s.scalar(name + "." + std::to_string(i));
  return v;
}
}  // namespace

ScalarState Accuracy::state() const { return scalars({{"correct", double(correct_)}, {"total", double(total_)}}); }
void Accuracy::load_state(const ScalarState& s) {
  correct_ = int64_t(s.scalar("correct"));
  total_ = int64_t(s.scalar("total"));
}

ScalarState TopKAccuracy::state() const {
  return scalars({{"correct", double(correct_)}, {"total", double(total_)}});
}
void TopKAccuracy::load_state(const ScalarState& s) {
  correct_ = int64_t(s.scalar("correct"));
  total_ = int64_t(s.scalar("total"));
}

ScalarState ConfusionMatrix::state() const {
  ScalarState s;
  put_vector(s, "counts", std::vector<double>(counts_.begin(), counts_.end()));
  return s;
}
void ConfusionMatrix::load_state(const ScalarState& s) {
  auto v = get_vector(s, "counts");
  DESCENT_CHECK(v.size() == counts_.size(), "ConfusionMatrix::load_state: ", v.size(), " counts for ", k_, " classes");
  for (size_t i = 0; i < v.size(); ++i) counts_[i] = int64_t(v[i]);
}

ScalarState PrecisionRecallF1::state() const { return cm_.state(); }
void PrecisionRecallF1::load_state(const ScalarState& s) { cm_.load_state(s); }

ScalarState BinaryROCAUC::state() const {
  ScalarState s;
  put_vector(s, "scores", scores_);
  put_vector(s, "labels", std::vector<double>(labels_.begin(), labels_.end()));
  return s;
}
void BinaryROCAUC::load_state(const ScalarState& s) {
  scores_ = get_vector(s, "scores");
  auto l = get_vector(s, "labels");
  labels_.assign(l.begin(), l.end());
  DESCENT_CHECK(scores_.size() == labels_.size(), "BinaryROCAUC::load_state: scores and labels differ in count");
}

ScalarState MAE::state() const { return scalars({{"sum", sum_}, {"n", double(n_)}}); }
void MAE::load_state(const ScalarState& s) {
  sum_ = s.scalar("sum");
  n_ = int64_t(s.scalar("n"));
}

ScalarState RMSE::state() const { return scalars({{"sum", sum_}, {"n", double(n_)}}); }
void RMSE::load_state(const ScalarState& s) {
  sum_ = s.scalar("sum");
  n_ = int64_t(s.scalar("n"));
}

ScalarState R2::state() const {
  ScalarState s;
  s.scalars["n"] = double(n_);
  put_vector(s, "sum_y", sum_y_);
  put_vector(s, "sum_y2", sum_y2_);
  put_vector(s, "sum_res", sum_res_);
  return s;
}
void R2::load_state(const ScalarState& s) {
  n_ = int64_t(s.scalar("n"));
  sum_y_ = get_vector(s, "sum_y");
  sum_y2_ = get_vector(s, "sum_y2");
  sum_res_ = get_vector(s, "sum_res");
}

}  // namespace descent::train
