// Pooling: max_pool1d/2d (with indices), avg_pool1d/2d, adaptive_avg_pool1d/2d with PyTorch's
// output sizes (ceil_mode), checks and error messages. 1-D pooling runs the 2-D kernels with H = 1.
// Output memory format follows the input's (channels-last in, channels-last out).
#include <sstream>

#include "../../ops/common.h"
#include "descent/nn/functional/pool.h"

namespace descent::nn::functional {
using autograd::record;
using backend::Window2d;
using ops::be;

namespace {
using Grads = std::vector<Tensor>;

struct Ctx {
  const char* name;
  int nd;  // spatial dims as the caller sees them
  Shape in;
};

// "(a x b)" for 2-D, "(b)" for 1-D.
std::string sp(const Ctx& c, int64_t h, int64_t w) {
  std::ostringstream os;
  if (c.nd == 2) os << "(" << h << " x " << w << ")";
  else os << "(" << w << ")";
  return os.str();
}

Tensor dense(const Tensor& t, MemoryFormat fmt) {
  NoGradGuard ng;
  Tensor d = t.detach();
  return d.is_contiguous(fmt) ? d : d.contiguous(fmt);
}

Tensor empty_fmt(const Shape& s, DType dt, MemoryFormat fmt) {
  return fmt == MemoryFormat::ChannelsLast ? empty_strided(s, channels_last_strides(s), dt) : empty(s, dt);
}

// PyTorch's pooling_output_shape: floor or ceil division, and in ceil mode the last window must
// start inside the input or the left padding.
int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t s, int64_t d, bool ceil_mode) {
  const int64_t num = in + 2 * pad - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad) --out;
  return out;
}

void check_input(const Ctx& c, const Tensor& x) {
  const int64_t want = c.nd + 2;
  DESCENT_CHECK(x.dim() == want || x.dim() == want - 1, c.name, ": Expected ", want - 1, "D or ", want,
                "D (batch mode) tensor with optional 0 dim batch size for input, but got: ", x.sizes());
  for (int64_t d = x.dim() - c.nd - 1; d < x.dim(); ++d)
    DESCENT_CHECK(x.size(d) > 0, c.name, ": Expected input to have non-zero size for non-batch dimensions, but got ",
                  x.sizes(), " with dimension ", d, " being empty");
  DESCENT_CHECK(is_floating(x.dtype()), c.name, ": expected a float32 or float64 input, got ", x.dtype());
}

// Validates a window on a batched 4-D input and returns the output size (Ho, Wo).
std::pair<int64_t, int64_t> window_out(const Ctx& c, const Tensor& x, const Window2d& w, bool ceil_mode) {
  DESCENT_CHECK(w.kh > 0 && w.kw > 0, c.name, ": kernel size should be greater than zero, but got ",
                sp(c, w.kh, w.kw));
  DESCENT_CHECK(w.sh > 0 && w.sw > 0, c.name, ": stride should be greater than zero, but got ", sp(c, w.sh, w.sw));
  DESCENT_CHECK(w.dh > 0 && w.dw > 0, c.name, ": dilation should be greater than zero, but got ", sp(c, w.dh, w.dw));
  DESCENT_CHECK(w.ph >= 0 && w.pw >= 0 && w.kh / 2 >= w.ph && w.kw / 2 >= w.pw, c.name,
                ": pad should be at most half of effective kernel size, but got pad ", sp(c, w.ph, w.pw),
                " and kernel size ", sp(c, w.kh, w.kw));
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t Ho = pool_out(H, w.kh, w.ph, w.sh, w.dh, ceil_mode), Wo = pool_out(W, w.kw, w.pw, w.sw, w.dw, ceil_mode);
  DESCENT_CHECK(Ho >= 1 && Wo >= 1, c.name, ": Given input size: ", sp(c, H, W), ". Calculated output size: ",
                sp(c, Ho, Wo), ". Output size is too small (input ", c.in, ")");
  return {Ho, Wo};
}

// Runs f on the batched 4-D form of a 2-D pooling input; unbatched [C, H, W] gets a batch dim.
template <typename F>
auto batched(const Tensor& x, F&& f) {
  return x.dim() == 4 ? f(x) : f(x.unsqueeze(0));
}

// Values and (when asked for, or needed by backward) indices.
std::pair<Tensor, Tensor> max_pool_4d(const Ctx& c, const Tensor& x, const Window2d& w, bool ceil_mode,
                                      bool want_indices) {
  auto [Ho, Wo] = window_out(c, x, w, ceil_mode);
  const MemoryFormat fmt = x.suggest_memory_format();
  Tensor xd = dense(x, fmt);
  const Shape os{x.size(0), x.size(1), Ho, Wo};
  const bool grad = autograd::any_requires_grad({&x});
  Tensor out = empty_fmt(os, x.dtype(), fmt);
  Tensor idx = want_indices || grad ? empty_fmt(os, DType::Int64, fmt) : Tensor();
  be(x).max_pool2d(xd, out, idx, w);
  if (grad) {
    SavedTensor si(idx);
    const Shape xs = x.sizes();
    record("MaxPool2DWithIndicesBackward", {&x}, {&out}, [si, xs, fmt](Grads& g) {
      Tensor gy = dense(g[0], fmt);
      Tensor gx = empty_fmt(xs, gy.dtype(), fmt);
      be(gy).max_pool2d_backward(gy, si.get("MaxPool2DWithIndicesBackward"), gx);
      return Grads{gx};
    });
  }
  return {out, idx};
}

Tensor avg_pool_4d(const Ctx& c, const Tensor& x, const Window2d& w, bool ceil_mode, bool include_pad,
                   int64_t divisor) {
  auto [Ho, Wo] = window_out(c, x, w, ceil_mode);
  const MemoryFormat fmt = x.suggest_memory_format();
  Tensor xd = dense(x, fmt);
  Tensor out = empty_fmt({x.size(0), x.size(1), Ho, Wo}, x.dtype(), fmt);
  be(x).avg_pool2d(xd, out, w, include_pad, divisor);
  if (autograd::any_requires_grad({&x})) {
    const Shape xs = x.sizes();
    record("AvgPool2DBackward", {&x}, {&out}, [xs, fmt, w, include_pad, divisor](Grads& g) {
      Tensor gy = dense(g[0], fmt);
      Tensor gx = empty_fmt(xs, gy.dtype(), fmt);
      be(gy).avg_pool2d_backward(gy, gx, w, include_pad, divisor);
      return Grads{gx};
    });
  }
  return out;
}

Tensor adaptive_4d(const Ctx& c, const Tensor& x, int64_t Ho, int64_t Wo) {
  DESCENT_CHECK(Ho >= 0 && Wo >= 0, c.name, ": output_size must be non-negative, got ", sp(c, Ho, Wo));
  const MemoryFormat fmt = x.suggest_memory_format();
  Tensor xd = dense(x, fmt);
  Tensor out = empty_fmt({x.size(0), x.size(1), Ho, Wo}, x.dtype(), fmt);
  be(x).adaptive_avg_pool2d(xd, out);
  if (autograd::any_requires_grad({&x})) {
    const Shape xs = x.sizes();
    record("AdaptiveAvgPool2DBackward", {&x}, {&out}, [xs, fmt](Grads& g) {
      Tensor gy = dense(g[0], fmt);
      Tensor gx = empty_fmt(xs, gy.dtype(), fmt);
      be(gy).adaptive_avg_pool2d_backward(gy, gx);
      return Grads{gx};
    });
  }
  return out;
}

template <size_t D>
ExpandingArray<D> stride_or_kernel(const OptionalExpandingArray<D>& stride, const ExpandingArray<D>& k) {
  return stride.value_or(k);
}

Window2d window2(ExpandingArray<2> k, ExpandingArray<2> s, ExpandingArray<2> p, ExpandingArray<2> d) {
  return Window2d{k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
}
Window2d window1(ExpandingArray<1> k, ExpandingArray<1> s, ExpandingArray<1> p, ExpandingArray<1> d) {
  return Window2d{1, k[0], 1, s[0], 0, p[0], 1, d[0]};
}

// Removes the batch dim added for an unbatched input (and the H = 1 dim of 1-D pooling).
Tensor unbatch(const Tensor& y, const Tensor& input, int nd) {
  Tensor r = nd == 1 ? y.squeeze(2) : y;
  return input.dim() == nd + 1 ? r.squeeze(0) : r;
}

}  // namespace

namespace {
std::pair<Tensor, Tensor> max_pool2d_impl(const Tensor& input, ExpandingArray<2> kernel_size,
                                          OptionalExpandingArray<2> stride, ExpandingArray<2> padding,
                                          ExpandingArray<2> dilation, bool ceil_mode, bool want_indices) {
  Ctx c{"max_pool2d", 2, input.sizes()};
  check_input(c, input);
  const Window2d w = window2(kernel_size, stride_or_kernel(stride, kernel_size), padding, dilation);
  auto [y, i] = batched(input, [&](const Tensor& x) { return max_pool_4d(c, x, w, ceil_mode, want_indices); });
  return {unbatch(y, input, 2), want_indices ? unbatch(i, input, 2) : Tensor()};
}

std::pair<Tensor, Tensor> max_pool1d_impl(const Tensor& input, ExpandingArray<1> kernel_size,
                                          OptionalExpandingArray<1> stride, ExpandingArray<1> padding,
                                          ExpandingArray<1> dilation, bool ceil_mode, bool want_indices) {
  Ctx c{"max_pool1d", 1, input.sizes()};
  check_input(c, input);
  const Window2d w = window1(kernel_size, stride_or_kernel(stride, kernel_size), padding, dilation);
  Tensor x = input.dim() == 3 ? input.unsqueeze(2) : input.unsqueeze(0).unsqueeze(2);
  auto [y, i] = max_pool_4d(c, x, w, ceil_mode, want_indices);
  return {unbatch(y, input, 1), want_indices ? unbatch(i, input, 1) : Tensor()};
}
}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, ExpandingArray<2> kernel_size,
                                                  OptionalExpandingArray<2> stride, ExpandingArray<2> padding,
                                                  ExpandingArray<2> dilation, bool ceil_mode) {
  return max_pool2d_impl(input, kernel_size, stride, padding, dilation, ceil_mode, true);
}

Tensor max_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, OptionalExpandingArray<2> stride,
                  ExpandingArray<2> padding, ExpandingArray<2> dilation, bool ceil_mode) {
  return max_pool2d_impl(input, kernel_size, stride, padding, dilation, ceil_mode, false).first;
}

std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, ExpandingArray<1> kernel_size,
                                                  OptionalExpandingArray<1> stride, ExpandingArray<1> padding,
                                                  ExpandingArray<1> dilation, bool ceil_mode) {
  return max_pool1d_impl(input, kernel_size, stride, padding, dilation, ceil_mode, true);
}

Tensor max_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, OptionalExpandingArray<1> stride,
                  ExpandingArray<1> padding, ExpandingArray<1> dilation, bool ceil_mode) {
  return max_pool1d_impl(input, kernel_size, stride, padding, dilation, ceil_mode, false).first;
}

Tensor avg_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, OptionalExpandingArray<2> stride,
                  ExpandingArray<2> padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  Ctx c{"avg_pool2d", 2, input.sizes()};
  check_input(c, input);
  DESCENT_CHECK(!divisor_override || *divisor_override != 0, "avg_pool2d: divisor must be not zero");
  const Window2d w = window2(kernel_size, stride_or_kernel(stride, kernel_size), padding, 1);
  const int64_t div = divisor_override.value_or(0);
  Tensor y = batched(input, [&](const Tensor& x) { return avg_pool_4d(c, x, w, ceil_mode, count_include_pad, div); });
  return unbatch(y, input, 2);
}

Tensor avg_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, OptionalExpandingArray<1> stride,
                  ExpandingArray<1> padding, bool ceil_mode, bool count_include_pad) {
  Ctx c{"avg_pool1d", 1, input.sizes()};
  check_input(c, input);
  const Window2d w = window1(kernel_size, stride_or_kernel(stride, kernel_size), padding, 1);
  Tensor x = input.dim() == 3 ? input.unsqueeze(2) : input.unsqueeze(0).unsqueeze(2);
  return unbatch(avg_pool_4d(c, x, w, ceil_mode, count_include_pad, 0), input, 1);
}

Tensor adaptive_avg_pool2d(const Tensor& input, ExpandingArray<2> output_size) {
  Ctx c{"adaptive_avg_pool2d", 2, input.sizes()};
  check_input(c, input);
  Tensor y = batched(input, [&](const Tensor& x) { return adaptive_4d(c, x, output_size[0], output_size[1]); });
  return unbatch(y, input, 2);
}

Tensor adaptive_avg_pool1d(const Tensor& input, ExpandingArray<1> output_size) {
  Ctx c{"adaptive_avg_pool1d", 1, input.sizes()};
  check_input(c, input);
  Tensor x = input.dim() == 3 ? input.unsqueeze(2) : input.unsqueeze(0).unsqueeze(2);
  return unbatch(adaptive_4d(c, x, 1, output_size[0]), input, 1);
}

}  // namespace descent::nn::functional
