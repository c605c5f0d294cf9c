#include "descent/nn/modules/loss.h"

#include <sstream>

namespace descent::nn {
namespace F = functional;

namespace {
Reduction checked_reduction(Reduction r, const char* loss) {
  DESCENT_CHECK(r != Reduction::BatchMean, loss, ": reduction \"batchmean\" is only supported by KLDivLoss");
  return r;
}

std::string reduction_repr(Reduction r) { return "reduction=" + to_string(r); }

// Registers an optional tensor as a buffer (PyTorch registers None and leaves it out of state_dict).
Tensor optional_buffer(Module& m, const std::string& name, const Tensor& t) {
  return t.defined() ? m.register_buffer(name, t) : Tensor();
}
}  // namespace

ReductionOptions::ReductionOptions(Reduction r) : reduction_(checked_reduction(r, "loss")) {}

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::mse_loss(input, target, options.reduction_);
}
std::string MSELossImpl::extra_repr() const { return reduction_repr(options.reduction_); }

Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::l1_loss(input, target, options.reduction_);
}
std::string L1LossImpl::extra_repr() const { return reduction_repr(options.reduction_); }

Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, options.reduction_, options.beta_);
}
std::string SmoothL1LossImpl::extra_repr() const {
  std::ostringstream os;
  os << reduction_repr(options.reduction_) << ", beta=" << options.beta_;
  return os.str();
}

Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, options.reduction_, options.delta_);
}
std::string HuberLossImpl::extra_repr() const {
  std::ostringstream os;
  os << reduction_repr(options.reduction_) << ", delta=" << options.delta_;
  return os.str();
}

BCELossImpl::BCELossImpl(const BCELossOptions& o) : Module("BCELoss"), options(o) {
  weight = optional_buffer(*this, "weight", o.weight_);
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, weight, options.reduction_);
}
std::string BCELossImpl::extra_repr() const { return reduction_repr(options.reduction_); }

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& o)
    : Module("BCEWithLogitsLoss"), options(o) {
  weight = optional_buffer(*this, "weight", o.weight_);
  pos_weight = optional_buffer(*this, "pos_weight", o.pos_weight_);
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, weight, options.reduction_, pos_weight);
}
std::string BCEWithLogitsLossImpl::extra_repr() const { return reduction_repr(options.reduction_); }

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& o) : Module("CrossEntropyLoss"), options(o) {
  if (o.weight_.defined())
    DESCENT_CHECK(o.weight_.dim() == 1, "CrossEntropyLoss: weight must be 1-D (one entry per class), got shape ",
                  o.weight_.sizes());
  weight = optional_buffer(*this, "weight", o.weight_);
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, weight, options.ignore_index_, options.reduction_, options.label_smoothing_);
}
std::string CrossEntropyLossImpl::extra_repr() const {
  std::ostringstream os;
  os << reduction_repr(options.reduction_) << ", ignore_index=" << options.ignore_index_
     << ", label_smoothing=" << options.label_smoothing_;
  return os.str();
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions& o) : Module("NLLLoss"), options(o) {
  if (o.weight_.defined())
    DESCENT_CHECK(o.weight_.dim() == 1, "NLLLoss: weight must be 1-D (one entry per class), got shape ",
                  o.weight_.sizes());
  weight = optional_buffer(*this, "weight", o.weight_);
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, weight, options.ignore_index_, options.reduction_);
}
std::string NLLLossImpl::extra_repr() const {
  std::ostringstream os;
  os << reduction_repr(options.reduction_) << ", ignore_index=" << options.ignore_index_;
  return os.str();
}

Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::kl_div(input, target, options.reduction_, options.log_target_);
}
std::string KLDivLossImpl::extra_repr() const {
  return reduction_repr(options.reduction_) + ", log_target=" + (options.log_target_ ? "true" : "false");
}

Tensor CosineEmbeddingLossImpl::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
  return F::cosine_embedding_loss(input1, input2, target, options.margin_, options.reduction_);
}
std::string CosineEmbeddingLossImpl::extra_repr() const {
  std::ostringstream os;
  os << "margin=" << options.margin_ << ", " << reduction_repr(options.reduction_);
  return os.str();
}

Tensor MarginRankingLossImpl::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
  return F::margin_ranking_loss(input1, input2, target, options.margin_, options.reduction_);
}
std::string MarginRankingLossImpl::extra_repr() const {
  std::ostringstream os;
  os << "margin=" << options.margin_ << ", " << reduction_repr(options.reduction_);
  return os.str();
}

}  // namespace descent::nn
