#include "descent/nn/modules/batchnorm.h"

#include <sstream>

#include "descent/autograd/grad_mode.h"
#include "descent/nn/functional/normalization.h"
#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {

BatchNormImplBase::BatchNormImplBase(const BatchNormOptions& o, const char* name) : Module(name), options(o) {
  DESCENT_CHECK(o.num_features_ > 0, name, ": num_features must be positive, got ", o.num_features_);
  DESCENT_CHECK(o.eps_ >= 0, name, ": eps must be non-negative, got ", o.eps_);
  DESCENT_CHECK(!o.momentum_ || (*o.momentum_ >= 0 && *o.momentum_ <= 1), name, ": momentum must be in [0, 1], got ",
                o.momentum_.value_or(0));
  const int64_t C = o.num_features_;
  if (o.affine_) {
    weight = register_parameter("weight", empty({C}));
    bias = register_parameter("bias", empty({C}));
  }
  if (o.track_running_stats_) {
    running_mean = register_buffer("running_mean", zeros({C}));
    running_var = register_buffer("running_var", ones({C}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::Int64));
  }
  reset_parameters();
}

void BatchNormImplBase::reset_running_stats() {
  if (!options.track_running_stats_) return;
  NoGradGuard ng;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

void BatchNormImplBase::reset_parameters() {
  reset_running_stats();
  if (options.affine_) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor BatchNormImplBase::forward(const Tensor& x) {
  check_input_dim(x);
  DESCENT_CHECK(x.size(1) == options.num_features_, type_name(), ": expected input with ", options.num_features_,
                " channels (dim 1), got input of shape ", x.sizes());
  // PyTorch: the factor is momentum, or 1 / num_batches_tracked for the cumulative average.
  double factor = options.momentum_.value_or(0.0);
  if (is_training() && options.track_running_stats_) {
    {
      NoGradGuard ng;
      num_batches_tracked.add_(1);
    }
    if (!options.momentum_) factor = 1.0 / double(num_batches_tracked.item<int64_t>());
  }
  // Without running stats, batch statistics are used in eval mode too.
  const bool use_batch_stats = is_training() || !options.track_running_stats_;
  return functional::batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, factor, options.eps_);
}

std::string BatchNormImplBase::extra_repr() const {
  std::ostringstream os;
  os << options.num_features_ << ", eps=" << options.eps_ << ", momentum=";
  if (options.momentum_) os << *options.momentum_;
  else os << "None";
  os << ", affine=" << (options.affine_ ? "true" : "false")
     << ", track_running_stats=" << (options.track_running_stats_ ? "true" : "false");
  return os.str();
}

int64_t BatchNormImplBase::flops(const Shape&, const Shape& out) const {
  return 2 * shape_numel(out);  // one multiply and one add per element (scale and shift folded)
}

void BatchNorm1dImpl::check_input_dim(const Tensor& x) const {
  DESCENT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), "BatchNorm1d: expected 2-D [N, C] or 3-D [N, C, L] input, got ",
                x.defined() ? "shape " : "an undefined tensor", x.defined() ? x.sizes() : Shape{});
}

void BatchNorm2dImpl::check_input_dim(const Tensor& x) const {
  DESCENT_CHECK(x.defined() && x.dim() == 4, "BatchNorm2d: expected 4-D [N, C, H, W] input, got ",
                x.defined() ? "shape " : "an undefined tensor", x.defined() ? x.sizes() : Shape{});
}

}  // namespace descent::nn
