#include "descent/nn/modules/pooling.h"

#include <sstream>

#include "descent/nn/functional/pool.h"

namespace descent::nn {
namespace F = functional;

namespace {
template <size_t D>
int64_t volume(const ExpandingArray<D>& k) {
  int64_t v = 1;
  for (size_t i = 0; i < D; ++i) v *= k[i];
  return v;
}

template <size_t D>
void check_min(const char* layer, const char* what, const ExpandingArray<D>& a, int64_t min) {
  for (size_t i = 0; i < D; ++i)
    DESCENT_CHECK(a[i] >= min, layer, ": ", what, " must be ", min == 0 ? "non-negative" : "positive", ", got ", a);
}

template <size_t D>
void check_max_options(const char* layer, const MaxPoolOptions<D>& o) {
  check_min(layer, "kernel_size", o.kernel_size_, 1);
  check_min(layer, "stride", o.stride_, 1);
  check_min(layer, "padding", o.padding_, 0);
  check_min(layer, "dilation", o.dilation_, 1);
  for (size_t i = 0; i < D; ++i)
    DESCENT_CHECK(o.padding_[i] <= o.kernel_size_[i] / 2, layer, ": pad should be at most half of kernel size, but got ",
                  "padding ", o.padding_, " and kernel_size ", o.kernel_size_);
}

template <size_t D>
void check_avg_options(const char* layer, const AvgPoolOptions<D>& o) {
  check_min(layer, "kernel_size", o.kernel_size_, 1);
  check_min(layer, "stride", o.stride_, 1);
  check_min(layer, "padding", o.padding_, 0);
  for (size_t i = 0; i < D; ++i)
    DESCENT_CHECK(o.padding_[i] <= o.kernel_size_[i] / 2, layer, ": pad should be at most half of kernel size, but got ",
                  "padding ", o.padding_, " and kernel_size ", o.kernel_size_);
  DESCENT_CHECK(!o.divisor_override_ || *o.divisor_override_ != 0, layer, ": divisor_override must be non-zero");
}

template <size_t D>
std::string max_repr(const MaxPoolOptions<D>& o) {
  std::ostringstream os;
  os << "kernel_size=" << o.kernel_size_ << ", stride=" << o.stride_ << ", padding=" << o.padding_
     << ", dilation=" << o.dilation_ << ", ceil_mode=" << (o.ceil_mode_ ? "true" : "false");
  return os.str();
}

template <size_t D>
std::string avg_repr(const AvgPoolOptions<D>& o) {
  std::ostringstream os;
  os << "kernel_size=" << o.kernel_size_ << ", stride=" << o.stride_ << ", padding=" << o.padding_;
  if (o.ceil_mode_) os << ", ceil_mode=true";
  if (!o.count_include_pad_) os << ", count_include_pad=false";
  if (o.divisor_override_) os << ", divisor_override=" << *o.divisor_override_;
  return os.str();
}
}  // namespace

MaxPool1dImpl::MaxPool1dImpl(const MaxPool1dOptions& o) : Module("MaxPool1d"), options(o) {
  check_max_options("MaxPool1d", o);
}
Tensor MaxPool1dImpl::forward(const Tensor& x) {
  const auto& o = options;
  return F::max_pool1d(x, o.kernel_size_, o.stride_, o.padding_, o.dilation_, o.ceil_mode_);
}
std::pair<Tensor, Tensor> MaxPool1dImpl::forward_with_indices(const Tensor& x) {
  const auto& o = options;
  return F::max_pool1d_with_indices(x, o.kernel_size_, o.stride_, o.padding_, o.dilation_, o.ceil_mode_);
}
std::string MaxPool1dImpl::extra_repr() const { return max_repr(options); }
int64_t MaxPool1dImpl::flops(const Shape&, const Shape& out) const {
  return shape_numel(out) * volume(options.kernel_size_);
}

MaxPool2dImpl::MaxPool2dImpl(const MaxPool2dOptions& o) : Module("MaxPool2d"), options(o) {
  check_max_options("MaxPool2d", o);
}
Tensor MaxPool2dImpl::forward(const Tensor& x) {
  const auto& o = options;
  return F::max_pool2d(x, o.kernel_size_, o.stride_, o.padding_, o.dilation_, o.ceil_mode_);
}
std::pair<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& x) {
  const auto& o = options;
  return F::max_pool2d_with_indices(x, o.kernel_size_, o.stride_, o.padding_, o.dilation_, o.ceil_mode_);
}
std::string MaxPool2dImpl::extra_repr() const { return max_repr(options); }
int64_t MaxPool2dImpl::flops(const Shape&, const Shape& out) const {
  return shape_numel(out) * volume(options.kernel_size_);
}

AvgPool1dImpl::AvgPool1dImpl(const AvgPool1dOptions& o) : Module("AvgPool1d"), options(o) {
  check_avg_options("AvgPool1d", o);
  DESCENT_CHECK(!o.divisor_override_, "AvgPool1d: divisor_override is not an option of 1-D average pooling");
}
Tensor AvgPool1dImpl::forward(const Tensor& x) {
  const auto& o = options;
  return F::avg_pool1d(x, o.kernel_size_, o.stride_, o.padding_, o.ceil_mode_, o.count_include_pad_);
}
std::string AvgPool1dImpl::extra_repr() const { return avg_repr(options); }
int64_t AvgPool1dImpl::flops(const Shape&, const Shape& out) const {
  return shape_numel(out) * volume(options.kernel_size_);
}

AvgPool2dImpl::AvgPool2dImpl(const AvgPool2dOptions& o) : Module("AvgPool2d"), options(o) {
  check_avg_options("AvgPool2d", o);
}
Tensor AvgPool2dImpl::forward(const Tensor& x) {
  const auto& o = options;
  return F::avg_pool2d(x, o.kernel_size_, o.stride_, o.padding_, o.ceil_mode_, o.count_include_pad_,
                       o.divisor_override_);
}
std::string AvgPool2dImpl::extra_repr() const { return avg_repr(options); }
int64_t AvgPool2dImpl::flops(const Shape&, const Shape& out) const {
  return shape_numel(out) * volume(options.kernel_size_);
}

AdaptiveAvgPool1dImpl::AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions& o)
    : Module("AdaptiveAvgPool1d"), options(o) {
  check_min("AdaptiveAvgPool1d", "output_size", o.output_size_, 0);
}
Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& x) { return F::adaptive_avg_pool1d(x, options.output_size_); }
std::string AdaptiveAvgPool1dImpl::extra_repr() const {
  std::ostringstream os;
  os << "output_size=" << options.output_size_;
  return os.str();
}
int64_t AdaptiveAvgPool1dImpl::flops(const Shape& in, const Shape&) const { return shape_numel(in); }

AdaptiveAvgPool2dImpl::AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& o)
    : Module("AdaptiveAvgPool2d"), options(o) {
  check_min("AdaptiveAvgPool2d", "output_size", o.output_size_, 0);
}
Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& x) { return F::adaptive_avg_pool2d(x, options.output_size_); }
std::string AdaptiveAvgPool2dImpl::extra_repr() const {
  std::ostringstream os;
  os << "output_size=" << options.output_size_;
  return os.str();
}
int64_t AdaptiveAvgPool2dImpl::flops(const Shape& in, const Shape&) const { return shape_numel(in); }

}  // namespace descent::nn
