#pragma once
// Loss modules over nn::functional's losses. Call them with (input, target), or (input1, input2,
// target) for the pair losses. Class weights and pos_weight are buffers ("weight", "pos_weight"),
// as in PyTorch, so they follow to(dtype) and appear in state_dict.
#include <string>

#include "descent/core/options.h"
#include "descent/nn/functional/loss.h"
#include "descent/nn/module.h"

namespace descent::nn {

/// Options of the losses whose only setting is the reduction.
struct ReductionOptions {
  ReductionOptions(Reduction r = Reduction::Mean);
  DESCENT_ARG_CHECKED(ReductionOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
};
using MSELossOptions = ReductionOptions;
using L1LossOptions = ReductionOptions;

/// mean/sum/none of (input - target)^2.
class MSELossImpl : public Module {
 public:
  explicit MSELossImpl(const MSELossOptions& o = {}) : Module("MSELoss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  MSELossOptions options;
};
DESCENT_MODULE(MSELoss);

/// mean/sum/none of |input - target|.
class L1LossImpl : public Module {
 public:
  explicit L1LossImpl(const L1LossOptions& o = {}) : Module("L1Loss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  L1LossOptions options;
};
DESCENT_MODULE(L1Loss);

struct SmoothL1LossOptions {
  SmoothL1LossOptions() = default;
  DESCENT_ARG_CHECKED(SmoothL1LossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  /// Where the loss turns from quadratic to linear; >= 0.
  DESCENT_ARG_CHECKED(SmoothL1LossOptions, double, beta, v >= 0.0, "non-negative") = 1.0;
};

/// 0.5 d^2 / beta for |d| < beta, |d| - 0.5 beta beyond.
class SmoothL1LossImpl : public Module {
 public:
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& o = {}) : Module("SmoothL1Loss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  SmoothL1LossOptions options;
};
DESCENT_MODULE(SmoothL1Loss);

struct HuberLossOptions {
  HuberLossOptions() = default;
  DESCENT_ARG_CHECKED(HuberLossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  /// Where the loss turns from quadratic to linear; > 0.
  DESCENT_ARG_CHECKED(HuberLossOptions, double, delta, v > 0.0, "positive") = 1.0;
};

/// 0.5 d^2 for |d| < delta, delta (|d| - 0.5 delta) beyond.
class HuberLossImpl : public Module {
 public:
  explicit HuberLossImpl(const HuberLossOptions& o = {}) : Module("HuberLoss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  HuberLossOptions options;
};
DESCENT_MODULE(HuberLoss);

struct BCELossOptions {
  BCELossOptions() = default;
  /// Rescales each element's loss; broadcasts to the input.
  BCELossOptions& weight(Tensor w) { weight_ = std::move(w); return *this; }
  DESCENT_ARG_CHECKED(BCELossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  Tensor weight_;
};

/// Binary cross-entropy of probabilities (logs clamped at -100).
class BCELossImpl : public Module {
 public:
  explicit BCELossImpl(const BCELossOptions& o = {});
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  BCELossOptions options;
  Tensor weight;
};
DESCENT_MODULE(BCELoss);

struct BCEWithLogitsLossOptions {
  BCEWithLogitsLossOptions() = default;
  BCEWithLogitsLossOptions& weight(Tensor w) { weight_ = std::move(w); return *this; }
  DESCENT_ARG_CHECKED(BCEWithLogitsLossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  /// Weight of the positive term, e.g. one per class (negatives / positives).
  BCEWithLogitsLossOptions& pos_weight(Tensor w) { pos_weight_ = std::move(w); return *this; }
  Tensor weight_;
  Tensor pos_weight_;
};

/// Sigmoid + binary cross-entropy in one stable expression.
class BCEWithLogitsLossImpl : public Module {
 public:
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& o = {});
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  BCEWithLogitsLossOptions options;
  Tensor weight, pos_weight;
};
DESCENT_MODULE(BCEWithLogitsLoss);

struct CrossEntropyLossOptions {
  CrossEntropyLossOptions() = default;
  /// One weight per class (1-D, C entries).
  CrossEntropyLossOptions& weight(Tensor w) { weight_ = std::move(w); return *this; }
  /// Targets equal to this class index contribute nothing (index targets only).
  CrossEntropyLossOptions& ignore_index(int64_t i) { ignore_index_ = i; return *this; }
  DESCENT_ARG_CHECKED(CrossEntropyLossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  /// In [0, 1]: the share of the uniform distribution mixed into the target.
  DESCENT_ARG_CHECKED(CrossEntropyLossOptions, double, label_smoothing, v >= 0.0 && v <= 1.0, "between 0.0 and 1.0") = 0.0;
  Tensor weight_;
  int64_t ignore_index_ = -100;
};

/// log_softmax + nll over the class dim (1), class-index or class-probability targets.
class CrossEntropyLossImpl : public Module {
 public:
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions& o = {});
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  CrossEntropyLossOptions options;
  Tensor weight;
};
DESCENT_MODULE(CrossEntropyLoss);

struct NLLLossOptions {
  NLLLossOptions() = default;
  NLLLossOptions& weight(Tensor w) { weight_ = std::move(w); return *this; }
  NLLLossOptions& ignore_index(int64_t i) { ignore_index_ = i; return *this; }
  DESCENT_ARG_CHECKED(NLLLossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  Tensor weight_;
  int64_t ignore_index_ = -100;
};

/// Negative log-likelihood of log-probabilities (e.g. after LogSoftmax(1)).
class NLLLossImpl : public Module {
 public:
  explicit NLLLossImpl(const NLLLossOptions& o = {});
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  NLLLossOptions options;
  Tensor weight;
};
DESCENT_MODULE(NLLLoss);

struct KLDivLossOptions {
  KLDivLossOptions(Reduction r = Reduction::Mean) : reduction_(r) {}
  /// none, mean (over all elements), sum, or batchmean (sum / batch size: the true KL divergence).
  KLDivLossOptions& reduction(Reduction r) { reduction_ = r; return *this; }
  /// The target holds log-probabilities.
  KLDivLossOptions& log_target(bool b) { log_target_ = b; return *this; }
  Reduction reduction_ = Reduction::Mean;
  bool log_target_ = false;
};

/// KL(target || exp(input)) for log-probability inputs.
class KLDivLossImpl : public Module {
 public:
  explicit KLDivLossImpl(const KLDivLossOptions& o = {}) : Module("KLDivLoss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& target);
  std::string extra_repr() const override;
  KLDivLossOptions options;
};
DESCENT_MODULE(KLDivLoss);

struct CosineEmbeddingLossOptions {
  CosineEmbeddingLossOptions() = default;
  /// In [-1, 1]; dissimilar pairs are penalised when their cosine exceeds it.
  CosineEmbeddingLossOptions& margin(double m) { margin_ = m; return *this; }
  DESCENT_ARG_CHECKED(CosineEmbeddingLossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  double margin_ = 0.0;
};

/// 1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1.
class CosineEmbeddingLossImpl : public Module {
 public:
  explicit CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions& o = {})
      : Module("CosineEmbeddingLoss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  std::string extra_repr() const override;
  CosineEmbeddingLossOptions options;
};
DESCENT_MODULE(CosineEmbeddingLoss);

struct MarginRankingLossOptions {
  MarginRankingLossOptions() = default;
  MarginRankingLossOptions& margin(double m) { margin_ = m; return *this; }
  DESCENT_ARG_CHECKED(MarginRankingLossOptions, Reduction, reduction, v != Reduction::BatchMean, "mean, sum or none (\"batchmean\" is KLDivLoss's)") = Reduction::Mean;
  double margin_ = 0.0;
};

/// max(0, -y (x1 - x2) + margin): y = 1 wants x1 ranked above x2.
class MarginRankingLossImpl : public Module {
 public:
  explicit MarginRankingLossImpl(const MarginRankingLossOptions& o = {}) : Module("MarginRankingLoss"), options(o) {}
  using Module::forward;
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  std::string extra_repr() const override;
  MarginRankingLossOptions options;
};
DESCENT_MODULE(MarginRankingLoss);

}  // namespace descent::nn
