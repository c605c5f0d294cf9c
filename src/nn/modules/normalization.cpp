#include "descent/nn/modules/normalization.h"

#include <sstream>

#include "descent/nn/functional/normalization.h"
#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {

LayerNormImpl::LayerNormImpl(const LayerNormOptions& o) : Module("LayerNorm"), options(o) {
  DESCENT_CHECK(!o.normalized_shape_.empty() && shape_numel(o.normalized_shape_) > 0,
                "LayerNorm: normalized_shape must be non-empty with positive sizes, got ", o.normalized_shape_);
  DESCENT_CHECK(o.eps_ >= 0, "LayerNorm: eps must be non-negative, got ", o.eps_);
  if (o.elementwise_affine_) {
    weight = register_parameter("weight", empty(o.normalized_shape_));
    bias = register_parameter("bias", empty(o.normalized_shape_));
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (!options.elementwise_affine_) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& x) {
  return functional::layer_norm(x, options.normalized_shape_, weight, bias, options.eps_);
}

std::string LayerNormImpl::extra_repr() const {
  std::ostringstream os;
  os << options.normalized_shape_ << ", eps=" << options.eps_
     << ", elementwise_affine=" << (options.elementwise_affine_ ? "true" : "false");
  return os.str();
}

GroupNormImpl::GroupNormImpl(const GroupNormOptions& o) : Module("GroupNorm"), options(o) {
  DESCENT_CHECK(o.num_groups_ > 0 && o.num_channels_ > 0 && o.num_channels_ % o.num_groups_ == 0,
                "GroupNorm: num_channels (", o.num_channels_, ") must be a positive multiple of num_groups (",
                o.num_groups_, ")");
  DESCENT_CHECK(o.eps_ >= 0, "GroupNorm: eps must be non-negative, got ", o.eps_);
  if (o.affine_) {
    weight = register_parameter("weight", empty({o.num_channels_}));
    bias = register_parameter("bias", empty({o.num_channels_}));
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine_) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor GroupNormImpl::forward(const Tensor& x) {
  DESCENT_CHECK(x.defined() && x.dim() >= 2 && x.size(1) == options.num_channels_, "GroupNorm: expected input [N, ",
                options.num_channels_, ", *], got ", x.defined() ? "shape " : "an undefined tensor",
                x.defined() ? x.sizes() : Shape{});
  return functional::group_norm(x, options.num_groups_, weight, bias, options.eps_);
}

std::string GroupNormImpl::extra_repr() const {
  std::ostringstream os;
  os << options.num_groups_ << ", " << options.num_channels_ << ", eps=" << options.eps_
     << ", affine=" << (options.affine_ ? "true" : "false");
  return os.str();
}

}  // namespace descent::nn
