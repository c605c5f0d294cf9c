#pragma once
// Conv1d, Conv2d, ConvTranspose2d with PyTorch's options, defaults and initialisation.
#include <optional>

#include "descent/nn/expanding_array.h"
#include "descent/nn/module.h"

namespace descent::nn {

/// How a convolution pads its input. Only Zeros is implemented; the others are rejected with an Error.
enum class PaddingMode { Zeros, Reflect, Replicate, Circular };
/// "zeros", "reflect", "replicate", "circular".
const char* padding_mode_name(PaddingMode m);

/// Options of Conv1d / Conv2d: `Conv2dOptions(1, 32, 3).stride(1).padding(1)`, `.padding(kSame)`.
template <size_t D>
struct ConvOptions {
  ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvOptions& stride(ExpandingArray<D> v) { stride_ = v; return *this; }
  ConvOptions& padding(ConvPadding<D> v) { padding_ = v; return *this; }
  ConvOptions& dilation(ExpandingArray<D> v) { dilation_ = v; return *this; }
  ConvOptions& groups(int64_t v) { groups_ = v; return *this; }
  ConvOptions& bias(bool v) { bias_ = v; return *this; }
  ConvOptions& padding_mode(PaddingMode v) { padding_mode_ = v; return *this; }
  int64_t in_channels_, out_channels_;
  ExpandingArray<D> kernel_size_;
  ExpandingArray<D> stride_ = 1;
  ConvPadding<D> padding_ = 0;
  ExpandingArray<D> dilation_ = 1;
  int64_t groups_ = 1;
  bool bias_ = true;
  PaddingMode padding_mode_ = PaddingMode::Zeros;
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;

/// Options of ConvTranspose2d (PyTorch's argument order: stride, padding, output_padding, groups, bias, dilation).
template <size_t D>
struct ConvTransposeOptions {
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTransposeOptions& stride(ExpandingArray<D> v) { stride_ = v; return *this; }
  ConvTransposeOptions& padding(ExpandingArray<D> v) { padding_ = v; return *this; }
  ConvTransposeOptions& output_padding(ExpandingArray<D> v) { output_padding_ = v; return *this; }
  ConvTransposeOptions& dilation(ExpandingArray<D> v) { dilation_ = v; return *this; }
  ConvTransposeOptions& groups(int64_t v) { groups_ = v; return *this; }
  ConvTransposeOptions& bias(bool v) { bias_ = v; return *this; }
  ConvTransposeOptions& padding_mode(PaddingMode v) { padding_mode_ = v; return *this; }
  int64_t in_channels_, out_channels_;
  ExpandingArray<D> kernel_size_;
  ExpandingArray<D> stride_ = 1, padding_ = 0, output_padding_ = 0, dilation_ = 1;
  int64_t groups_ = 1;
  bool bias_ = true;
  PaddingMode padding_mode_ = PaddingMode::Zeros;
};
using ConvTranspose2dOptions = ConvTransposeOptions<2>;

/// 1-D convolution over [N, C, L] (or [C, L]). Weight [out, in/groups, k]; bias [out].
/// Init as PyTorch: weight kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
class Conv1dImpl : public Module {
 public:
  Conv1dImpl(int64_t in, int64_t out, ExpandingArray<1> kernel_size) : Conv1dImpl(Conv1dOptions(in, out, kernel_size)) {}
  explicit Conv1dImpl(const Conv1dOptions& o);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  Conv1dOptions options;
  Tensor weight, bias;
};
DESCENT_MODULE(Conv1d);

/// 2-D convolution over [N, C, H, W] (or [C, H, W]), NCHW or channels-last (kept in the output).
/// Weight [out, in/groups, kh, kw]; bias [out]; PyTorch's default init.
class Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in, int64_t out, ExpandingArray<2> kernel_size) : Conv2dImpl(Conv2dOptions(in, out, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& o);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  Conv2dOptions options;
  Tensor weight, bias;
};
DESCENT_MODULE(Conv2d);

/// 2-D transposed convolution (the gradient of Conv2d w.r.t. its input). Weight [in, out/groups, kh, kw];
/// bias [out]; PyTorch's default init (fan_in from weight.size(1) * kh * kw).
class ConvTranspose2dImpl : public Module {
 public:
  ConvTranspose2dImpl(int64_t in, int64_t out, ExpandingArray<2> kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in, out, kernel_size)) {}
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& o);
  Tensor forward(const Tensor& x) override;
  /// Picks output_padding so the output's spatial size is output_size ([H, W], or [N, C, H, W]).
  Tensor forward(const Tensor& x, const Shape& output_size);
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  ConvTranspose2dOptions options;
  Tensor weight, bias;
};
DESCENT_MODULE(ConvTranspose2d);

}  // namespace descent::nn
