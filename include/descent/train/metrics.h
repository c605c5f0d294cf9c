#pragma once
// Streaming metrics: reset(), update(output, target) once per batch, compute() at the end. Each
// metric keeps only counts or sums (ROC-AUC keeps every score), so the result over a whole epoch
// equals the result on all batches concatenated. Inputs are copied to the host as doubles.
//
// Classification inputs: output [N, K] scores (argmax is the prediction; logits or probabilities),
// or [N] / [N, 1] probabilities of the positive class for binary tasks (positive when >= threshold).
// Targets are class indices [N] (any dtype; binary 0/1).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/core/scalar_state.h"

namespace descent::train {

/// Named scalar results of a metric, in a fixed order ("accuracy", "f1", ...).
using MetricValues = std::vector<std::pair<std::string, double>>;

/// The interface of a streaming metric.
class Metric {
 public:
  virtual ~Metric() = default;
  /// Forgets all updates.
  virtual void reset() = 0;
  /// Adds one batch.
  virtual void update(const Tensor& output, const Tensor& target) = 0;
  /// The scalar results so far (NaN where undefined, e.g. no samples yet).
  virtual MetricValues compute() const = 0;
  /// The accumulated counts/sums, for checkpoints taken in the middle of an epoch.
  virtual ScalarState state() const = 0;
  /// Restores what state() returned (after reset()).
  virtual void load_state(const ScalarState& s) = 0;
};
using MetricPtr = std::shared_ptr<Metric>;

/// Fraction of correct predictions. Multi-label ([N, K] probabilities with [N, K] 0/1 targets,
/// when `multilabel`): the fraction of correct labels (Hamming accuracy).
class Accuracy : public Metric {
 public:
  explicit Accuracy(double threshold = 0.5, bool multilabel = false) : threshold_(threshold), multilabel_(multilabel) {}
  void reset() override { correct_ = total_ = 0; }
  void update(const Tensor& output, const Tensor& target) override;
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  double threshold_;
  bool multilabel_;
  int64_t correct_ = 0, total_ = 0;
};

/// Fraction of samples whose target is among the k highest scores (ties: lower class index first).
class TopKAccuracy : public Metric {
 public:
  explicit TopKAccuracy(int64_t k);
  void reset() override { correct_ = total_ = 0; }
  void update(const Tensor& output, const Tensor& target) override;
  /// "top<k>_accuracy".
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  int64_t k_;
  int64_t correct_ = 0, total_ = 0;
};

/// Counts of (true class, predicted class) pairs, K x K, rows true, columns predicted.
class ConfusionMatrix : public Metric {
 public:
  explicit ConfusionMatrix(int64_t num_classes, double threshold = 0.5);
  void reset() override;
  void update(const Tensor& output, const Tensor& target) override;
  /// No scalars (the matrix is in matrix()).
  MetricValues compute() const override { return {}; }
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;
  int64_t num_classes() const { return k_; }
  /// Row-major K*K counts.
  const std::vector<int64_t>& counts() const { return counts_; }
  int64_t at(int64_t true_class, int64_t predicted) const { return counts_[size_t(true_class * k_ + predicted)]; }
  /// The counts as a [K, K] int64 tensor.
  Tensor matrix() const;

 private:
  int64_t k_;
  double threshold_;
  std::vector<int64_t> counts_;
};

/// Precision, recall and F1 per class and their unweighted (macro) means, from a confusion
/// matrix. A 0/0 ratio counts as 0 (sklearn's zero_division="warn" result). F1 per class is
/// 2 P R / (P + R) (0 when P + R = 0), and macro F1 is the mean of those (as sklearn).
class PrecisionRecallF1 : public Metric {
 public:
  explicit PrecisionRecallF1(int64_t num_classes, double threshold = 0.5) : cm_(num_classes, threshold) {}
  void reset() override { cm_.reset(); }
  void update(const Tensor& output, const Tensor& target) override { cm_.update(output, target); }
  /// "precision", "recall", "f1" (macro).
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;
  std::vector<double> precision_per_class() const;
  std::vector<double> recall_per_class() const;
  std::vector<double> f1_per_class() const;
  const ConfusionMatrix& confusion_matrix() const { return cm_; }

 private:
  ConfusionMatrix cm_;
};

/// Exact area under the ROC curve for binary targets: the Mann-Whitney statistic, where a tie
/// between a positive and a negative score counts 1/2 (the same value as sklearn's
/// roc_auc_score, which interpolates the curve through tied thresholds). Output: [N] or [N, 1]
/// scores, or [N, 2] (column 1 is used). NaN when only one class has been seen.
class BinaryROCAUC : public Metric {
 public:
  void reset() override { scores_.clear(); labels_.clear(); }
  void update(const Tensor& output, const Tensor& target) override;
  /// "roc_auc".
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  std::vector<double> scores_;
  std::vector<uint8_t> labels_;
};

/// Mean absolute error over all elements.
class MAE : public Metric {
 public:
  void reset() override { sum_ = 0; n_ = 0; }
  void update(const Tensor& output, const Tensor& target) override;
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  double sum_ = 0;
  int64_t n_ = 0;
};

/// Root of the mean squared error over all elements.
class RMSE : public Metric {
 public:
  void reset() override { sum_ = 0; n_ = 0; }
  void update(const Tensor& output, const Tensor& target) override;
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  double sum_ = 0;
  int64_t n_ = 0;
};

/// Coefficient of determination, as sklearn's r2_score: per output column
/// R^2 = 1 - sum (y - p)^2 / sum (y - mean y)^2, averaged uniformly over columns; a constant
/// target column gives 1 when predicted exactly, else 0. Streaming sums of y, y^2 and (y - p)^2.
class R2 : public Metric {
 public:
  void reset() override;
  void update(const Tensor& output, const Tensor& target) override;
  MetricValues compute() const override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  int64_t n_ = 0;
  std::vector<double> sum_y_, sum_y2_, sum_res_;
};

/// Host copy of a tensor as doubles (row-major).
std::vector<double> to_host_doubles(const Tensor& t);

}  // namespace descent::train
