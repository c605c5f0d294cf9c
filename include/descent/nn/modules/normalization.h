#pragma once
// LayerNorm, GroupNorm.
#include "descent/nn/module.h"

namespace descent::nn {

struct LayerNormOptions {
  explicit LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  LayerNormOptions(std::initializer_list<int64_t> normalized_shape) : normalized_shape_(normalized_shape) {}
  LayerNormOptions& eps(double e) { eps_ = e; return *this; }
  /// Learnable weight (init 1) and bias (init 0) of normalized_shape.
  LayerNormOptions& elementwise_affine(bool a) { elementwise_affine_ = a; return *this; }
  Shape normalized_shape_;
  double eps_ = 1e-5;
  bool elementwise_affine_ = true;
};

/// Normalises over the trailing dims normalized_shape (functional::layer_norm).
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(Shape normalized_shape) : LayerNormImpl(LayerNormOptions(std::move(normalized_shape))) {}
  explicit LayerNormImpl(const LayerNormOptions& o);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  LayerNormOptions options;
  Tensor weight, bias;
};
class LayerNorm : public ModuleHolder<LayerNormImpl> {
 public:
  using ModuleHolder<LayerNormImpl>::ModuleHolder;
  /// LayerNorm({3, 4}) normalises over the last two dims.
  LayerNorm(std::initializer_list<int64_t> normalized_shape) : ModuleHolder(Shape(normalized_shape)) {}
};

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels) : num_groups_(num_groups), num_channels_(num_channels) {}
  GroupNormOptions& eps(double e) { eps_ = e; return *this; }
  /// Learnable per-channel weight (init 1) and bias (init 0).
  GroupNormOptions& affine(bool a) { affine_ = a; return *this; }
  int64_t num_groups_, num_channels_;
  double eps_ = 1e-5;
  bool affine_ = true;
};

/// Normalises groups of channels of [N, C, *] input (functional::group_norm).
class GroupNormImpl : public Module {
 public:
  GroupNormImpl(int64_t num_groups, int64_t num_channels) : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  explicit GroupNormImpl(const GroupNormOptions& o);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  GroupNormOptions options;
  Tensor weight, bias;
};
DESCENT_MODULE(GroupNorm);

}  // namespace descent::nn
