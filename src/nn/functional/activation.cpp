// Activations and the softmax family (nn::functional). Each op computes its value from tensor ops
// without recording history and records one node whose backward is the closed-form derivative,
// so a layer costs one node and keeps only the tensor its derivative needs.
#include "descent/nn/functional/activation.h"

#include <cmath>

#include "../../ops/common.h"

namespace descent::nn::functional {
using autograd::any_requires_grad;
using autograd::record;

namespace {
using Grads = std::vector<Tensor>;

void check_float(const Tensor& x, const char* op) {
  DESCENT_CHECK(x.defined(), op, ": input is an undefined tensor");
  DESCENT_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", x.dtype(),
                " (convert with .to(float32))");
}

// One-input activation: out = fwd(x) without history; backward g -> bwd(g, saved) where saved
// is x (save_output false) or out (save_output true).
template <typename Fwd, typename Bwd>
Tensor unary_activation(const char* op, const char* node, const Tensor& x, bool save_output, Fwd fwd, Bwd bwd) {
  check_float(x, op);
  Tensor out;
  {
    NoGradGuard ng;
    out = fwd(x);
  }
  if (any_requires_grad({&x})) {
    SavedTensor saved(save_output ? out : x);
    record(node, {&x}, {&out}, [saved, node, bwd](Grads& g) { return Grads{bwd(g[0], saved.get(node))}; });
  }
  return out;
}

// erf through the backend (no public tensor op yet); x is floating.
Tensor erf_values(const Tensor& x) {
  Tensor out = ops::empty_like_layout(x.sizes(), x.dtype(), x);
  if (out.numel() > 0) ops::be(x).unary(backend::UnaryOp::erf, x, out);
  return out;
}

// Both sides of the open interval (lo, hi).
Tensor inside(const Tensor& x, double lo, double hi) { return logical_and(x > lo, x < hi); }

// Numerically stable log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
Tensor stable_softplus(const Tensor& x) { return x.clamp_min(0.0) + log1p(exp(-abs(x))); }

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

Tensor elu_impl(const Tensor& x, double alpha, double scale, const char* op, const char* node) {
  // x > 0: scale x; else scale alpha (exp(x) - 1). d/dx: scale, or scale alpha exp(x).
  return unary_activation(
      op, node, x, false,
      [alpha, scale](const Tensor& v) { return where(v > 0.0, v * scale, expm1(v) * (alpha * scale)); },
      [alpha, scale](const Tensor& g, const Tensor& v) {
        return where(v > 0.0, g * scale, g * exp(v) * (alpha * scale));
      });
}

// Shared by softmax and log_softmax: the input (cast to dtype, with history), the wrapped dim,
// and the value computed without history.
struct SoftmaxArgs {
  Tensor x;
  int64_t dim;
};
SoftmaxArgs softmax_args(const Tensor& x, int64_t dim, std::optional<DType> dtype, const char* op) {
  DESCENT_CHECK(x.defined(), op, ": input is an undefined tensor");
  if (dtype) DESCENT_CHECK(is_floating(*dtype), op, ": dtype must be floating point, got ", dtype_name(*dtype));
  Tensor xin = dtype ? x.to(*dtype) : x;
  check_float(xin, op);
  return {xin, wrap_dim(dim, xin.dim(), op)};
}

// x - max(x) along dim (a 0-d input is treated as one element).
Tensor shifted(const Tensor& x, int64_t d) {
  Dims dims;
  dims.push_back(d);
  return x - amax(x, dims, true);
}

}  // namespace

Tensor relu6(const Tensor& x) { return hardtanh(x, 0.0, 6.0); }

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return unary_activation(
      "leaky_relu", "LeakyReluBackward", x, false,
      [negative_slope](const Tensor& v) { return where(v > 0.0, v, v * negative_slope); },
      [negative_slope](const Tensor& g, const Tensor& v) { return where(v > 0.0, g, g * negative_slope); });
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  check_float(x, "prelu");
  DESCENT_CHECK(weight.defined(), "prelu: weight is an undefined tensor");
  DESCENT_CHECK(weight.dtype() == x.dtype(), "prelu: weight dtype ", weight.dtype(), " does not match input dtype ",
                x.dtype());
  DESCENT_CHECK(weight.dim() <= 1, "prelu: weight must be 0-D or 1-D, got shape ", weight.sizes());
  const int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  DESCENT_CHECK(weight.numel() == 1 || weight.numel() == channels, "prelu: weight has ", weight.numel(),
                " elements but the input of shape ", x.sizes(), " has ", channels,
                " channels (dim 1); expected 1 or ", channels);
  // Weight as a tensor broadcasting against x: 0-D for one parameter, [1, C, 1, ...] per channel.
  Shape ws;
  if (weight.numel() != 1) {
    ws = Shape(size_t(x.dim()), 1);
    ws[1] = channels;
  }
  Tensor wc;
  {
    NoGradGuard ng;
    wc = weight.contiguous();
  }
  Tensor w = ops::raw_view(wc, ws, contiguous_strides(ws), wc.storage_offset());
  Tensor out;
  {
    NoGradGuard ng;
    out = where(x > 0.0, x, x * w);
  }
  if (any_requires_grad({&x, &weight})) {
    SavedTensor sx(x), sw(w);
    const Shape wshape = weight.sizes();
    const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
    record("PreluBackward", {&x, &weight}, {&out}, [sx, sw, ws, wshape, need_x, need_w](Grads& g) {
      Tensor xv = sx.get("PreluBackward"), wv = sw.get("PreluBackward");
      Tensor pos = xv > 0.0;
      Tensor gx, gw;
      if (need_x) gx = where(pos, g[0], g[0] * wv);
      if (need_w) gw = autograd::sum_to(where(pos, 0.0, xv * g[0]), ws).reshape(wshape);
      return Grads{gx, gw};
    });
  }
  return out;
}

Tensor elu(const Tensor& x, double alpha) { return elu_impl(x, alpha, 1.0, "elu", "EluBackward"); }

Tensor selu(const Tensor& x) { return elu_impl(x, kSeluAlpha, kSeluScale, "selu", "SeluBackward"); }

Tensor gelu(const Tensor& x, const std::string& approximate) {
  DESCENT_CHECK(approximate == "none" || approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"",
                approximate, "\"");
  if (approximate == "tanh") {
    // kBeta = sqrt(2 / pi), kKappa = 0.044715; inner = kBeta (x + kKappa x^3).
    constexpr double kBeta = 0.7978845608028654, kKappa = 0.044715;
    return unary_activation(
        "gelu", "GeluBackward", x, false,
        [](const Tensor& v) { return v * 0.5 * (tanh((v + v * v * v * kKappa) * kBeta) + 1.0); },
        [](const Tensor& g, const Tensor& v) {
          Tensor t = tanh((v + v * v * v * kKappa) * kBeta);
          // d/dx [x/2 (1 + t)] = (1 + t)/2 + x/2 (1 - t^2) kBeta (1 + 3 kKappa x^2)
          Tensor left = (t + 1.0) * 0.5;
          Tensor right = v * 0.5 * (1.0 - t * t) * ((v * v * (3.0 * kKappa) + 1.0) * kBeta);
          return g * (left + right);
        });
  }
  constexpr double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
  return unary_activation(
      "gelu", "GeluBackward", x, false,
      [](const Tensor& v) { return v * ((erf_values(v * kInvSqrt2) + 1.0) * 0.5); },
      [](const Tensor& g, const Tensor& v) {
        // d/dx [x Phi(x)] = Phi(x) + x phi(x)
        Tensor cdf = (erf_values(v * kInvSqrt2) + 1.0) * 0.5;
        Tensor pdf = exp(v * v * -0.5) * kInvSqrt2Pi;
        return g * (cdf + v * pdf);
      });
}

Tensor silu(const Tensor& x) {
  return unary_activation(
      "silu", "SiluBackward", x, false, [](const Tensor& v) { return v * sigmoid(v); },
      [](const Tensor& g, const Tensor& v) {
        Tensor s = sigmoid(v);
        return g * s * (v * (1.0 - s) + 1.0);  // s (1 + x (1 - s))
      });
}

Tensor mish(const Tensor& x) {
  return unary_activation(
      "mish", "MishBackward", x, false, [](const Tensor& v) { return v * tanh(stable_softplus(v)); },
      [](const Tensor& g, const Tensor& v) {
        Tensor t = tanh(stable_softplus(v));
        return g * (t + v * sigmoid(v) * (1.0 - t * t));  // tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2)
      });
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  DESCENT_CHECK(min_val <= max_val, "hardtanh: min_val (", min_val, ") must not be greater than max_val (", max_val,
                ")");
  return unary_activation(
      "hardtanh", "HardtanhBackward", x, false, [min_val, max_val](const Tensor& v) { return clamp(v, min_val, max_val); },
      [min_val, max_val](const Tensor& g, const Tensor& v) { return where(inside(v, min_val, max_val), g, 0.0); });
}

Tensor hardsigmoid(const Tensor& x) {
  return unary_activation(
      "hardsigmoid", "HardsigmoidBackward", x, false, [](const Tensor& v) { return clamp(v + 3.0, 0.0, 6.0) / 6.0; },
      [](const Tensor& g, const Tensor& v) { return where(inside(v, -3.0, 3.0), g / 6.0, 0.0); });
}

Tensor hardswish(const Tensor& x) {
  return unary_activation(
      "hardswish", "HardswishBackward", x, false,
      [](const Tensor& v) { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; },
      [](const Tensor& g, const Tensor& v) {
        // 0 below -3, x/3 + 1/2 on [-3, 3], 1 above (PyTorch's one-sided choices at the knots).
        return where(v < -3.0, 0.0, where(v <= 3.0, g * (v / 3.0 + 0.5), g));
      });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  DESCENT_CHECK(beta != 0.0, "softplus: beta must be non-zero");
  return unary_activation(
      "softplus", "SoftplusBackward", x, false,
      [beta, threshold](const Tensor& v) {
        Tensor bx = v * beta;
        return where(bx > threshold, v, log1p(exp(bx)) / beta);
      },
      [beta, threshold](const Tensor& g, const Tensor& v) {
        Tensor bx = v * beta;
        return where(bx > threshold, g, g * sigmoid(bx));
      });
}

Tensor softsign(const Tensor& x) {
  return unary_activation(
      "softsign", "SoftsignBackward", x, false, [](const Tensor& v) { return v / (abs(v) + 1.0); },
      [](const Tensor& g, const Tensor& v) { return g / square(abs(v) + 1.0); });
}

Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  auto [xin, d] = softmax_args(x, dim, dtype, "softmax");
  if (xin.dim() == 0) return softmax(xin.reshape({1}), 0).reshape({});
  Tensor out;
  {
    NoGradGuard ng;
    if (xin.numel() == 0) {
      out = xin.clone();
    } else {
      Dims dims;
      dims.push_back(d);
      Tensor e = exp(shifted(xin, d));
      out = e / e.sum(dims, true);
    }
  }
  if (any_requires_grad({&xin})) {
    SavedTensor so(out);
    record("SoftmaxBackward", {&xin}, {&out}, [so, d = d](Grads& g) {
      // dx = y (g - sum(g y))
      Tensor y = so.get("SoftmaxBackward");
      Dims dims;
      dims.push_back(d);
      return Grads{y * (g[0] - (g[0] * y).sum(dims, true))};
    });
  }
  return out;
}

Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  auto [xin, d] = softmax_args(x, dim, dtype, "log_softmax");
  if (xin.dim() == 0) return log_softmax(xin.reshape({1}), 0).reshape({});
  Tensor out;
  {
    NoGradGuard ng;
    if (xin.numel() == 0) {
      out = xin.clone();
    } else {
      Dims dims;
      dims.push_back(d);
      Tensor z = shifted(xin, d);
      out = z - log(exp(z).sum(dims, true));
    }
  }
  if (any_requires_grad({&xin})) {
    SavedTensor so(out);
    record("LogSoftmaxBackward", {&xin}, {&out}, [so, d = d](Grads& g) {
      // dx = g - exp(y) sum(g)
      Tensor y = so.get("LogSoftmaxBackward");
      Dims dims;
      dims.push_back(d);
      return Grads{g[0] - exp(y) * g[0].sum(dims, true)};
    });
  }
  return out;
}

}  // namespace descent::nn::functional
