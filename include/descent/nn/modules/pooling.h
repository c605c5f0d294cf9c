#pragma once
// MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d with PyTorch's options and defaults
// (stride defaults to kernel_size).
#include <optional>
#include <utility>

#include "descent/nn/expanding_array.h"
#include "descent/nn/module.h"

namespace descent::nn {

/// `MaxPool2dOptions(2).stride(2).padding(0).dilation(1).ceil_mode(false)`.
template <size_t D>
struct MaxPoolOptions {
  MaxPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}
  MaxPoolOptions& stride(ExpandingArray<D> v) { stride_ = v; return *this; }
  MaxPoolOptions& padding(ExpandingArray<D> v) { padding_ = v; return *this; }
  MaxPoolOptions& dilation(ExpandingArray<D> v) { dilation_ = v; return *this; }
  MaxPoolOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  ExpandingArray<D> kernel_size_, stride_;
  ExpandingArray<D> padding_ = 0, dilation_ = 1;
  bool ceil_mode_ = false;
};
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;

/// `AvgPool2dOptions(2).padding(1).ceil_mode(true).count_include_pad(false).divisor_override(3)`.
template <size_t D>
struct AvgPoolOptions {
  AvgPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}
  AvgPoolOptions& stride(ExpandingArray<D> v) { stride_ = v; return *this; }
  AvgPoolOptions& padding(ExpandingArray<D> v) { padding_ = v; return *this; }
  AvgPoolOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  AvgPoolOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  /// 2-D only (as PyTorch's AvgPool2d).
  AvgPoolOptions& divisor_override(std::optional<int64_t> v) { divisor_override_ = v; return *this; }
  ExpandingArray<D> kernel_size_, stride_;
  ExpandingArray<D> padding_ = 0;
  bool ceil_mode_ = false, count_include_pad_ = true;
  std::optional<int64_t> divisor_override_;
};
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;

template <size_t D>
struct AdaptiveAvgPoolOptions {
  AdaptiveAvgPoolOptions(ExpandingArray<D> output_size) : output_size_(output_size) {}
  ExpandingArray<D> output_size_;
};
using AdaptiveAvgPool1dOptions = AdaptiveAvgPoolOptions<1>;
using AdaptiveAvgPool2dOptions = AdaptiveAvgPoolOptions<2>;

/// Max pooling over L of [N, C, L] (or [C, L]).
class MaxPool1dImpl : public Module {
 public:
  explicit MaxPool1dImpl(ExpandingArray<1> kernel_size) : MaxPool1dImpl(MaxPool1dOptions(kernel_size)) {}
  explicit MaxPool1dImpl(const MaxPool1dOptions& o);
  Tensor forward(const Tensor& x) override;
  /// Values and the int64 positions in L of the maxima.
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  MaxPool1dOptions options;
};
DESCENT_MODULE(MaxPool1d);

/// Max pooling over H, W of [N, C, H, W] (or [C, H, W]); channels-last in, channels-last out.
class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(ExpandingArray<2> kernel_size) : MaxPool2dImpl(MaxPool2dOptions(kernel_size)) {}
  explicit MaxPool2dImpl(const MaxPool2dOptions& o);
  Tensor forward(const Tensor& x) override;
  /// Values and the int64 flat positions h * W + w of the maxima in their input planes.
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  MaxPool2dOptions options;
};
DESCENT_MODULE(MaxPool2d);

/// Average pooling over L.
class AvgPool1dImpl : public Module {
 public:
  explicit AvgPool1dImpl(ExpandingArray<1> kernel_size) : AvgPool1dImpl(AvgPool1dOptions(kernel_size)) {}
  explicit AvgPool1dImpl(const AvgPool1dOptions& o);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  AvgPool1dOptions options;
};
DESCENT_MODULE(AvgPool1d);

/// Average pooling over H, W.
class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(ExpandingArray<2> kernel_size) : AvgPool2dImpl(AvgPool2dOptions(kernel_size)) {}
  explicit AvgPool2dImpl(const AvgPool2dOptions& o);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  AvgPool2dOptions options;
};
DESCENT_MODULE(AvgPool2d);

/// Mean over L into a fixed number of bins.
class AdaptiveAvgPool1dImpl : public Module {
 public:
  explicit AdaptiveAvgPool1dImpl(ExpandingArray<1> output_size)
      : AdaptiveAvgPool1dImpl(AdaptiveAvgPool1dOptions(output_size)) {}
  explicit AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions& o);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  AdaptiveAvgPool1dOptions options;
};
DESCENT_MODULE(AdaptiveAvgPool1d);

/// Mean over H, W into a fixed grid of bins.
class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(ExpandingArray<2> output_size)
      : AdaptiveAvgPool2dImpl(AdaptiveAvgPool2dOptions(output_size)) {}
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& o);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  AdaptiveAvgPool2dOptions options;
};
DESCENT_MODULE(AdaptiveAvgPool2d);

}  // namespace descent::nn
