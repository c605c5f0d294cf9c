// Convolutions: conv1d, conv2d, conv_transpose2d with PyTorch's shapes, checks and error messages.
// All run on the backend's conv2d kernels (1-D as H = 1); the backward of each is the other two
// kernels. Output memory format: channels-last when the input or the weight is (as PyTorch).
#include <sstream>

#include "../../ops/common.h"
#include "descent/nn/functional/conv.h"

namespace descent::nn::functional {
using autograd::any_requires_grad;
using autograd::record;
using backend::KernelImpl;
using backend::Window2d;
using ops::be;

namespace {
using Grads = std::vector<Tensor>;

// How an op was called, for error messages that name the caller's own shapes.
struct Ctx {
  const char* name;
  int nd;  // spatial dims as the caller sees them (1 or 2)
  Shape in, weight;
};

// "(a x b)" for 2-D, "(b)" for 1-D: the last nd of (h, w).
std::string sp(const Ctx& c, int64_t h, int64_t w) {
  std::ostringstream os;
  if (c.nd == 2) os << "(" << h << " x " << w << ")";
  else os << "(" << w << ")";
  return os.str();
}

MemoryFormat conv_format(const Tensor& x, const Tensor& w) {
  return x.suggest_memory_format() == MemoryFormat::ChannelsLast ||
                 w.suggest_memory_format() == MemoryFormat::ChannelsLast
             ? MemoryFormat::ChannelsLast
             : MemoryFormat::Contiguous;
}

// t (without history) dense in fmt: t itself when it already is, else a copy.
Tensor dense(const Tensor& t, MemoryFormat fmt) {
  NoGradGuard ng;
  Tensor d = t.detach();
  return d.is_contiguous(fmt) ? d : d.contiguous(fmt);
}

Tensor empty_fmt(const Shape& s, DType dt, MemoryFormat fmt) {
  return fmt == MemoryFormat::ChannelsLast ? empty_strided(s, channels_last_strides(s), dt) : empty(s, dt);
}

void check_dtypes(const Ctx& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  DESCENT_CHECK(is_floating(x.dtype()), c.name, ": expected a float32 or float64 input, got ", x.dtype());
  DESCENT_CHECK(w.dtype() == x.dtype(), c.name, ": input type (", x.dtype(), ") and weight type (", w.dtype(),
                ") should be the same");
  DESCENT_CHECK(!b.defined() || b.dtype() == x.dtype(), c.name, ": input type (", x.dtype(), ") and bias type (",
                b.dtype(), ") should be the same");
}

void check_window(const Ctx& c, const Window2d& w, int64_t pb, int64_t pr, int64_t groups) {
  DESCENT_CHECK(w.sh > 0 && w.sw > 0, c.name, ": non-positive stride is not supported");
  DESCENT_CHECK(w.ph >= 0 && w.pw >= 0 && pb >= 0 && pr >= 0, c.name, ": negative padding is not supported");
  DESCENT_CHECK(w.dh > 0 && w.dw > 0, c.name, ": dilation should be greater than zero");
  DESCENT_CHECK(groups > 0, c.name, ": non-positive groups is not supported");
}

// conv2d on a batched 4-D input; pb/pr are the bottom/right padding (top/left are in w).
Tensor conv2d_4d(const Ctx& c, const Tensor& x, const Tensor& weight, const Tensor& bias, Window2d w, int64_t pb,
                 int64_t pr, int64_t groups) {
  check_dtypes(c, x, weight, bias);
  check_window(c, w, pb, pr, groups);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0);
  DESCENT_CHECK(O % groups == 0, c.name, ": Given groups=", groups, ", expected weight to be divisible by ", groups,
                " at dimension 0, but got weight of size ", c.weight, " instead");
  DESCENT_CHECK(C == weight.size(1) * groups, c.name, ": Given groups=", groups, ", weight of size ", c.weight,
                ", expected input", c.in, " to have ", weight.size(1) * groups, " channels, but got ", C,
                " channels instead");
  DESCENT_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == O), c.name, ": Given weight of size ",
                c.weight, ", expected bias to be 1-dimensional with ", O, " elements, but got bias of size ",
                bias.sizes(), " instead");
  DESCENT_CHECK(C > 0 && H > 0 && W > 0, c.name, ": expected input with non-zero channels and spatial size, got ",
                c.in);
  const int64_t kh = weight.size(2), kw = weight.size(3);
  w.kh = kh, w.kw = kw;
  const int64_t ph_tot = H + w.ph + pb, pw_tot = W + w.pw + pr;
  const int64_t ekh = w.dh * (kh - 1) + 1, ekw = w.dw * (kw - 1) + 1;
  DESCENT_CHECK(ph_tot >= ekh && pw_tot >= ekw, c.name, ": Calculated padded input size per channel: ",
                sp(c, ph_tot, pw_tot), ". Kernel size: ", sp(c, ekh, ekw),
                ". Kernel size can't be greater than actual input size");
  const int64_t Ho = (ph_tot - ekh) / w.sh + 1, Wo = (pw_tot - ekw) / w.sw + 1;
  const MemoryFormat fmt = conv_format(x, weight);
  Tensor xd = dense(x, fmt), wd = dense(weight, MemoryFormat::Contiguous);
  Tensor bd = bias.defined() ? dense(bias, MemoryFormat::Contiguous) : Tensor();
  Tensor out = empty_fmt({N, O, Ho, Wo}, x.dtype(), fmt);
  be(x).conv2d(xd, wd, bd, out, w, groups);
  if (any_requires_grad({&x, &weight, &bias})) {
    const bool need_x = x.requires_grad(), need_w = weight.requires_grad(), need_b = bias.defined() && bias.requires_grad();
    SavedTensor sx(need_w ? xd : Tensor()), sw(need_x ? wd : Tensor());
    const Shape xs = x.sizes(), ws = weight.sizes();
    record("ConvolutionBackward", {&x, &weight, &bias}, {&out},
           [sx, sw, xs, ws, w, groups, fmt, need_x, need_w, need_b](Grads& g) {
             Tensor gy = dense(g[0], fmt);
             Tensor gx, gw, gb;
             if (need_x) {
               gx = empty_fmt(xs, gy.dtype(), fmt);
               be(gy).conv2d_backward_input(gy, sw.get("ConvolutionBackward"), gx, w, groups);
             }
             if (need_w) {
               gw = empty(ws, gy.dtype());
               if (need_b) gb = empty({ws[0]}, gy.dtype());
               be(gy).conv2d_backward_weight(gy, sx.get("ConvolutionBackward"), gw, gb, w, groups);
             } else if (need_b) {
               gb = gy.sum({0, 2, 3});
             }
             return Grads{gx, gw, gb};
           });
  }
  return out;
}

// Adds bias [O] to out [N, O, H, W] in place (no history).
void add_bias_(const Tensor& out, const Tensor& bias) {
  Tensor b = ops::raw_view(bias, {1, bias.size(0), 1, 1}, {0, bias.stride(0), 0, 0}, bias.storage_offset());
  be(out).binary(backend::BinaryOp::add, out, ops::raw_expand(b, out.sizes()), out);
}

Tensor conv_transpose2d_4d(const Ctx& c, const Tensor& x, const Tensor& weight, const Tensor& bias, Window2d w,
                           int64_t oph, int64_t opw, int64_t groups) {
  check_dtypes(c, x, weight, bias);
  check_window(c, w, 0, 0, groups);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  DESCENT_CHECK(weight.size(0) % groups == 0, c.name, ": Given groups=", groups,
                ", expected weight to be divisible by ", groups, " at dimension 0, but got weight of size ", c.weight,
                " instead");
  DESCENT_CHECK(C == weight.size(0), c.name, ": Given transposed=1, weight of size ", c.weight, ", expected input",
                c.in, " to have ", weight.size(0), " channels, but got ", C, " channels instead");
  const int64_t O = weight.size(1) * groups;
  DESCENT_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == O), c.name, ": Given transposed=1, weight of size ",
                c.weight, ", expected bias to be 1-dimensional with ", O, " elements, but got bias of size ",
                bias.sizes(), " instead");
  DESCENT_CHECK(H > 0 && W > 0 && C > 0, c.name, ": expected input with non-zero channels and spatial size, got ",
                c.in);
  DESCENT_CHECK(oph >= 0 && opw >= 0 && (oph < w.sh || oph < w.dh) && (opw < w.sw || opw < w.dw), c.name,
                ": output padding must be smaller than either stride or dilation, but got output_padding ",
                sp(c, oph, opw), ", stride ", sp(c, w.sh, w.sw), ", dilation ", sp(c, w.dh, w.dw));
  const int64_t kh = weight.size(2), kw = weight.size(3);
  w.kh = kh, w.kw = kw;
  const int64_t Ho = (H - 1) * w.sh - 2 * w.ph + w.dh * (kh - 1) + oph + 1;
  const int64_t Wo = (W - 1) * w.sw - 2 * w.pw + w.dw * (kw - 1) + opw + 1;
  DESCENT_CHECK(Ho > 0 && Wo > 0, c.name, ": Given input size per channel: ", sp(c, H, W),
                ". Calculated output size per channel: ", sp(c, Ho, Wo), ". Output size is too small");
  const MemoryFormat fmt = conv_format(x, weight);
  Tensor xd = dense(x, fmt), wd = dense(weight, MemoryFormat::Contiguous);
  Tensor out = empty_fmt({N, O, Ho, Wo}, x.dtype(), fmt);
  // Kernels see the convolution whose input is `out` and whose output is `x`.
  be(x).conv2d_backward_input(xd, wd, out, w, groups);
  if (bias.defined()) add_bias_(out, dense(bias, MemoryFormat::Contiguous));
  if (any_requires_grad({&x, &weight, &bias})) {
    const bool need_x = x.requires_grad(), need_w = weight.requires_grad(), need_b = bias.defined() && bias.requires_grad();
    SavedTensor sx(need_w ? xd : Tensor()), sw(need_x ? wd : Tensor());
    const Shape xs = x.sizes(), ws = weight.sizes();
    record("ConvolutionBackward", {&x, &weight, &bias}, {&out},
           [sx, sw, xs, ws, w, groups, fmt, need_x, need_w, need_b](Grads& g) {
             Tensor gy = dense(g[0], fmt);
             Tensor gx, gw, gb;
             if (need_x) {
               gx = empty_fmt(xs, gy.dtype(), fmt);
               be(gy).conv2d(gy, sw.get("ConvolutionBackward"), Tensor(), gx, w, groups);
             }
             if (need_w) {
               gw = empty(ws, gy.dtype());
               be(gy).conv2d_backward_weight(sx.get("ConvolutionBackward"), gy, gw, Tensor(), w, groups);
             }
             if (need_b) gb = gy.sum({0, 2, 3});
             return Grads{gx, gw, gb};
           });
  }
  return out;
}

// Runs f on a batched form of input (adding a batch dim to an unbatched one) and removes it again.
template <typename F>
Tensor batched(const Tensor& input, int64_t batched_dim, F&& f) {
  if (input.dim() == batched_dim) return f(input);
  return f(input.unsqueeze(0)).squeeze(0);
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<2> stride,
              ConvPadding<2> padding, ExpandingArray<2> dilation, int64_t groups) {
  Ctx c{"conv2d", 2, input.sizes(), weight.sizes()};
  DESCENT_CHECK(weight.dim() == 4, "conv2d: weight must be 4-D [out_channels, in_channels/groups, kH, kW], got shape ",
                weight.sizes());
  DESCENT_CHECK(input.dim() == 3 || input.dim() == 4, "conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, "
                "but got input of size: ", input.sizes());
  Window2d w;
  w.sh = stride[0], w.sw = stride[1], w.dh = dilation[0], w.dw = dilation[1];
  int64_t pb = 0, pr = 0;
  if (padding.is_same()) {
    DESCENT_CHECK(stride.all_equal(1), "conv2d: padding='same' is not supported for strided convolutions (stride ",
                  stride, ")");
    const int64_t th = w.dh * (weight.size(2) - 1), tw = w.dw * (weight.size(3) - 1);
    w.ph = th / 2, pb = th - th / 2, w.pw = tw / 2, pr = tw - tw / 2;
  } else {
    w.ph = pb = padding.sizes()[0], w.pw = pr = padding.sizes()[1];
  }
  return batched(input, 4, [&](const Tensor& x) { return conv2d_4d(c, x, weight, bias, w, pb, pr, groups); });
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<1> stride,
              ConvPadding<1> padding, ExpandingArray<1> dilation, int64_t groups) {
  Ctx c{"conv1d", 1, input.sizes(), weight.sizes()};
  DESCENT_CHECK(weight.dim() == 3, "conv1d: weight must be 3-D [out_channels, in_channels/groups, kL], got shape ",
                weight.sizes());
  DESCENT_CHECK(input.dim() == 2 || input.dim() == 3, "conv1d: Expected 2D (unbatched) or 3D (batched) input to conv1d, "
                "but got input of size: ", input.sizes());
  Window2d w;
  w.sw = stride[0], w.dw = dilation[0];
  int64_t pr = 0;
  if (padding.is_same()) {
    DESCENT_CHECK(stride[0] == 1, "conv1d: padding='same' is not supported for strided convolutions (stride ",
                  stride, ")");
    const int64_t tw = w.dw * (weight.size(2) - 1);
    w.pw = tw / 2, pr = tw - tw / 2;
  } else {
    w.pw = pr = padding.sizes()[0];
  }
  Tensor w4 = weight.unsqueeze(2);
  return batched(input, 3, [&](const Tensor& x) {
    return conv2d_4d(c, x.unsqueeze(2), w4, bias, w, 0, pr, groups).squeeze(2);
  });
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<2> stride,
                        ExpandingArray<2> padding, ExpandingArray<2> output_padding, int64_t groups,
                        ExpandingArray<2> dilation) {
  Ctx c{"conv_transpose2d", 2, input.sizes(), weight.sizes()};
  DESCENT_CHECK(weight.dim() == 4,
                "conv_transpose2d: weight must be 4-D [in_channels, out_channels/groups, kH, kW], got shape ",
                weight.sizes());
  DESCENT_CHECK(input.dim() == 3 || input.dim() == 4, "conv_transpose2d: Expected 3D (unbatched) or 4D (batched) input "
                "to conv_transpose2d, but got input of size: ", input.sizes());
  Window2d w;
  w.sh = stride[0], w.sw = stride[1], w.ph = padding[0], w.pw = padding[1], w.dh = dilation[0], w.dw = dilation[1];
  return batched(input, 4, [&](const Tensor& x) {
    return conv_transpose2d_4d(c, x, weight, bias, w, output_padding[0], output_padding[1], groups);
  });
}

}  // namespace descent::nn::functional
