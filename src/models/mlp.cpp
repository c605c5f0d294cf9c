#include "descent/models/mlp.h"

#include <algorithm>
#include <sstream>

#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/batchnorm.h"
#include "descent/nn/modules/dropout.h"
#include "descent/nn/modules/linear.h"

namespace descent::models {
MLPImpl::MLPImpl(const MLPOptions& o) : nn::Module("MLP"), options(o) {
  DESCENT_CHECK(o.in_features_ > 0, "MLP: in_features must be positive, got ", o.in_features_);
  DESCENT_CHECK(o.out_features_ > 0, "MLP: out_features must be positive, got ", o.out_features_);
  for (size_t i = 0; i < o.hidden_.size(); ++i)
    DESCENT_CHECK(o.hidden_[i] > 0, "MLP: hidden[", i, "] must be positive, got ", o.hidden_[i]);
  DESCENT_CHECK(o.dropout_ >= 0.0 && o.dropout_ < 1.0, "MLP: dropout must be in [0, 1), got ", o.dropout_);
  const auto& names = nn::activation_names();
  if (std::find(names.begin(), names.end(), o.activation_) == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    DESCENT_FAIL("MLP: unknown activation '", o.activation_, "'; one of ", all);
  }
  layers = register_module("layers", nn::Sequential());
  layers->push_back(nn::Flatten());
  int64_t d = o.in_features_;
  for (int64_t h : o.hidden_) {
    layers->push_back(nn::Linear(d, h));
    if (o.batch_norm_) layers->push_back(nn::BatchNorm1d(h));
    layers->push_back(nn::make_activation(o.activation_));
    if (o.dropout_ > 0.0) layers->push_back(nn::Dropout(o.dropout_));
    d = h;
  }
  layers->push_back(nn::Linear(d, o.out_features_));
}

Tensor MLPImpl::forward(const Tensor& x) {
  DESCENT_CHECK(x.dim() >= 2, "MLP: expected input [N, ", options.in_features_, "] (or [N, ...] with ",
                options.in_features_, " features per sample), got ", x.sizes());
  int64_t per_sample = 1;
  for (int64_t d = 1; d < x.dim(); ++d) per_sample *= x.size(d);
  DESCENT_CHECK(per_sample == options.in_features_, "MLP: expected input [N, ", options.in_features_,
                "] (or [N, ...] with ", options.in_features_, " features per sample), got ", x.sizes(), " (",
                per_sample, " per sample)");
  return layers(x);
}

std::string MLPImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << options.in_features_ << ", hidden=[";
  for (size_t i = 0; i < options.hidden_.size(); ++i) os << (i ? ", " : "") << options.hidden_[i];
  os << "], out_features=" << options.out_features_ << ", activation=" << options.activation_
     << ", dropout=" << options.dropout_ << ", batch_norm=" << (options.batch_norm_ ? "true" : "false");
  return os.str();
}

}  // namespace descent::models
