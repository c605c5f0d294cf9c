#pragma once
// BatchNorm1d, BatchNorm2d.
#include <optional>

#include "descent/nn/module.h"

namespace descent::nn {

struct BatchNormOptions {
  explicit BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  BatchNormOptions& eps(double e) { eps_ = e; return *this; }
  /// Weight of the batch statistics in the running update; nullopt: cumulative average
  /// (factor 1 / num_batches_tracked), as PyTorch's momentum=None.
  BatchNormOptions& momentum(std::optional<double> m) { momentum_ = m; return *this; }
  /// Learnable per-channel weight (init 1) and bias (init 0).
  BatchNormOptions& affine(bool a) { affine_ = a; return *this; }
  /// Keep running_mean / running_var / num_batches_tracked and use them in eval mode; without
  /// them batch statistics are used in both modes.
  BatchNormOptions& track_running_stats(bool t) { track_running_stats_ = t; return *this; }
  int64_t num_features_;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true, track_running_stats_ = true;
};

/// Shared implementation of BatchNorm1d/2d: functional::batch_norm over dim 1 with the buffers
/// running_mean (init 0), running_var (init 1) and num_batches_tracked (int64, init 0).
class BatchNormImplBase : public Module {
 public:
  BatchNormImplBase(const BatchNormOptions& o, const char* name);
  Tensor forward(const Tensor& x) override;
  /// Running stats back to mean 0, var 1, and no batches tracked.
  void reset_running_stats();
  /// reset_running_stats() plus weight 1, bias 0.
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  /// Throws when x's rank does not suit the layer.
  virtual void check_input_dim(const Tensor& x) const = 0;
};

/// Batch norm over [N, C] or [N, C, L] input.
class BatchNorm1dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm1dImpl(int64_t num_features) : BatchNorm1dImpl(BatchNormOptions(num_features)) {}
  explicit BatchNorm1dImpl(const BatchNormOptions& o) : BatchNormImplBase(o, "BatchNorm1d") {}

 protected:
  void check_input_dim(const Tensor& x) const override;
};
DESCENT_MODULE(BatchNorm1d);

/// Batch norm over [N, C, H, W] input (NCHW or channels-last; the output keeps the input's layout).
class BatchNorm2dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm2dImpl(int64_t num_features) : BatchNorm2dImpl(BatchNormOptions(num_features)) {}
  explicit BatchNorm2dImpl(const BatchNormOptions& o) : BatchNormImplBase(o, "BatchNorm2d") {}

 protected:
  void check_input_dim(const Tensor& x) const override;
};
DESCENT_MODULE(BatchNorm2d);

}  // namespace descent::nn
