#include "descent/nn/modules/conv.h"

#include <cmath>
#include <sstream>

#include "descent/nn/functional/conv.h"
#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {

const char* padding_mode_name(PaddingMode m) {
  switch (m) {
    case PaddingMode::Zeros: return "zeros";
    case PaddingMode::Reflect: return "reflect";
    case PaddingMode::Replicate: return "replicate";
    case PaddingMode::Circular: return "circular";
  }
  return "?";
}

namespace {

template <size_t D>
void check_positive(const char* layer, const char* what, const ExpandingArray<D>& a, int64_t min) {
  for (size_t i = 0; i < D; ++i)
    DESCENT_CHECK(a[i] >= min, layer, ": ", what, " must be ", min == 0 ? "non-negative" : "positive", ", got ", a);
}

// The checks PyTorch's _ConvNd.__init__ makes, shared by the conv layers.
template <size_t D>
void check_common(const char* layer, int64_t in, int64_t out, const ExpandingArray<D>& k, const ExpandingArray<D>& s,
                  const ExpandingArray<D>& d, int64_t groups, PaddingMode mode) {
  DESCENT_CHECK(in > 0 && out > 0, layer, ": in_channels and out_channels must be positive, got ", in, " and ", out);
  DESCENT_CHECK(groups > 0, layer, ": groups must be a positive integer, got ", groups);
  DESCENT_CHECK(in % groups == 0, layer, ": in_channels must be divisible by groups (in_channels=", in,
                ", groups=", groups, ")");
  DESCENT_CHECK(out % groups == 0, layer, ": out_channels must be divisible by groups (out_channels=", out,
                ", groups=", groups, ")");
  check_positive(layer, "kernel_size", k, 1);
  check_positive(layer, "stride", s, 1);
  check_positive(layer, "dilation", d, 1);
  DESCENT_CHECK(mode == PaddingMode::Zeros, layer, ": padding_mode '", padding_mode_name(mode),
                "' is not supported; only 'zeros' is implemented");
}

template <size_t D>
void check_conv_options(const char* layer, const ConvOptions<D>& o) {
  check_common(layer, o.in_channels_, o.out_channels_, o.kernel_size_, o.stride_, o.dilation_, o.groups_,
               o.padding_mode_);
  if (o.padding_.is_same())
    DESCENT_CHECK(o.stride_.all_equal(1), layer, ": padding='same' is not supported for strided convolutions (stride ",
                  o.stride_, ")");
  else
    check_positive(layer, "padding", o.padding_.sizes(), 0);
}

Shape weight_shape(int64_t a, int64_t b, const int64_t* k, size_t D) {
  Shape s{a, b};
  for (size_t i = 0; i < D; ++i) s.push_back(k[i]);
  return s;
}

// PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a = sqrt(5)) for the weight (bound
// 1/sqrt(fan_in)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.
void conv_reset(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

// libtorch's pretty-print body: "1, 32, kernel_size=[3, 3], stride=[1, 1], padding=[1, 1]".
template <size_t D, typename Pad>
std::string conv_repr(int64_t in, int64_t out, const ExpandingArray<D>& k, const ExpandingArray<D>& s, const Pad& p,
                      bool pad_is_zero, const ExpandingArray<D>& d, const ExpandingArray<D>* output_padding,
                      int64_t groups, bool bias, PaddingMode mode) {
  std::ostringstream os;
  os << in << ", " << out << ", kernel_size=" << k << ", stride=" << s;
  if (!pad_is_zero) os << ", padding=" << p;
  if (!d.all_equal(1)) os << ", dilation=" << d;
  if (output_padding && !output_padding->all_equal(0)) os << ", output_padding=" << *output_padding;
  if (groups != 1) os << ", groups=" << groups;
  if (!bias) os << ", bias=false";
  if (mode != PaddingMode::Zeros) os << ", padding_mode=" << padding_mode_name(mode);
  return os.str();
}

template <size_t D>
bool pad_zero(const ConvPadding<D>& p) {
  return !p.is_same() && !p.is_valid() && p.sizes().all_equal(0);
}

template <size_t D>
int64_t kernel_volume(const ExpandingArray<D>& k) {
  int64_t v = 1;
  for (size_t i = 0; i < D; ++i) v *= k[i];
  return v;
}

}  // namespace

// ---- Conv1d ----
Conv1dImpl::Conv1dImpl(const Conv1dOptions& o) : Module("Conv1d"), options(o) {
  check_conv_options("Conv1d", o);
  weight = register_parameter(
      "weight", empty(weight_shape(o.out_channels_, o.in_channels_ / o.groups_, o.kernel_size_.values().data(), 1)));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_channels_}));
  reset_parameters();
}
void Conv1dImpl::reset_parameters() { conv_reset(weight, bias); }
Tensor Conv1dImpl::forward(const Tensor& x) {
  return functional::conv1d(x, weight, bias, options.stride_, options.padding_, options.dilation_, options.groups_);
}
std::string Conv1dImpl::extra_repr() const {
  const auto& o = options;
  return conv_repr<1>(o.in_channels_, o.out_channels_, o.kernel_size_, o.stride_, o.padding_, pad_zero(o.padding_),
                      o.dilation_, nullptr, o.groups_, o.bias_, o.padding_mode_);
}
int64_t Conv1dImpl::flops(const Shape&, const Shape& out) const {
  return 2 * shape_numel(out) * (options.in_channels_ / options.groups_) * kernel_volume(options.kernel_size_);
}

// ---- Conv2d ----
Conv2dImpl::Conv2dImpl(const Conv2dOptions& o) : Module("Conv2d"), options(o) {
  check_conv_options("Conv2d", o);
  weight = register_parameter(
      "weight", empty(weight_shape(o.out_channels_, o.in_channels_ / o.groups_, o.kernel_size_.values().data(), 2)));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_channels_}));
  reset_parameters();
}
void Conv2dImpl::reset_parameters() { conv_reset(weight, bias); }
Tensor Conv2dImpl::forward(const Tensor& x) {
  return functional::conv2d(x, weight, bias, options.stride_, options.padding_, options.dilation_, options.groups_);
}
std::string Conv2dImpl::extra_repr() const {
  const auto& o = options;
  return conv_repr<2>(o.in_channels_, o.out_channels_, o.kernel_size_, o.stride_, o.padding_, pad_zero(o.padding_),
                      o.dilation_, nullptr, o.groups_, o.bias_, o.padding_mode_);
}
int64_t Conv2dImpl::flops(const Shape&, const Shape& out) const {
  return 2 * shape_numel(out) * (options.in_channels_ / options.groups_) * kernel_volume(options.kernel_size_);
}

// ---- ConvTranspose2d ----
ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& o) : Module("ConvTranspose2d"), options(o) {
  check_common("ConvTranspose2d", o.in_channels_, o.out_channels_, o.kernel_size_, o.stride_, o.dilation_, o.groups_,
               o.padding_mode_);
  check_positive("ConvTranspose2d", "padding", o.padding_, 0);
  check_positive("ConvTranspose2d", "output_padding", o.output_padding_, 0);
  for (size_t i = 0; i < 2; ++i)
    DESCENT_CHECK(o.output_padding_[i] < o.stride_[i] || o.output_padding_[i] < o.dilation_[i],
                  "ConvTranspose2d: output padding must be smaller than either stride or dilation, but got "
                  "output_padding ", o.output_padding_, ", stride ", o.stride_, ", dilation ", o.dilation_);
  weight = register_parameter(
      "weight", empty(weight_shape(o.in_channels_, o.out_channels_ / o.groups_, o.kernel_size_.values().data(), 2)));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_channels_}));
  reset_parameters();
}
void ConvTranspose2dImpl::reset_parameters() { conv_reset(weight, bias); }
Tensor ConvTranspose2dImpl::forward(const Tensor& x) {
  const auto& o = options;
  return functional::conv_transpose2d(x, weight, bias, o.stride_, o.padding_, o.output_padding_, o.groups_,
                                      o.dilation_);
}
Tensor ConvTranspose2dImpl::forward(const Tensor& x, const Shape& output_size) {
  const auto& o = options;
  DESCENT_CHECK(x.dim() == 3 || x.dim() == 4, "ConvTranspose2d: expected a 3-D or 4-D input, got ", x.sizes());
  DESCENT_CHECK(output_size.size() == 2 || output_size.size() == 4,
                "ConvTranspose2d: output_size must have 2 or 4 elements, got ", output_size);
  ExpandingArray<2> op = 0;
  for (size_t i = 0; i < 2; ++i) {
    const int64_t in = x.size(x.dim() - 2 + int64_t(i));
    const int64_t min_size = (in - 1) * o.stride_[i] - 2 * o.padding_[i] + o.dilation_[i] * (o.kernel_size_[i] - 1) + 1;
    const int64_t want = output_size[output_size.size() - 2 + i];
    const int64_t max_size = min_size + std::max(o.stride_[i], o.dilation_[i]) - 1;
    DESCENT_CHECK(want >= min_size && want <= max_size, "ConvTranspose2d: requested an output size of ", output_size,
                  ", but valid sizes range from [", min_size, "] to [", max_size, "] in dim ", i,
                  " (for an input of ", x.sizes(), ")");
    op[i] = want - min_size;
  }
  return functional::conv_transpose2d(x, weight, bias, o.stride_, o.padding_, op, o.groups_, o.dilation_);
}
std::string ConvTranspose2dImpl::extra_repr() const {
  const auto& o = options;
  return conv_repr<2>(o.in_channels_, o.out_channels_, o.kernel_size_, o.stride_, o.padding_, o.padding_.all_equal(0),
                      o.dilation_, &o.output_padding_, o.groups_, o.bias_, o.padding_mode_);
}
int64_t ConvTranspose2dImpl::flops(const Shape& in, const Shape&) const {
  return 2 * shape_numel(in) * (options.out_channels_ / options.groups_) * kernel_volume(options.kernel_size_);
}

}  // namespace descent::nn
