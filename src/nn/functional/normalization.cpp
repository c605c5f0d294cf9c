// Normalisation ops: batch_norm, layer_norm, group_norm. Each computes its statistics in two
// passes (mean, then the mean of squared deviations: no cancellation) and records one node whose
// backward uses the closed form of the normalisation's Jacobian:
//   dx = invstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dy * weight,  xhat = (x - mean) * invstd
// (means over the normalised elements), dweight = sum(dy * xhat), dbias = sum(dy).
#include <cmath>
#include <optional>

#include "../../ops/common.h"
#include "descent/nn/functional/normalization.h"

namespace descent::nn::functional {
using autograd::record;

namespace {
using Grads = std::vector<Tensor>;

bool needs_grad(const Tensor& t) { return t.defined() && t.requires_grad(); }

// An optional per-channel (or per-element) tensor must have the expected shape and x's dtype.
void check_param(const Tensor& p, const char* op, const char* what, const Shape& want, const Tensor& x) {
  if (!p.defined()) return;
  DESCENT_CHECK(p.sizes() == want, op, ": ", what, " of shape ", p.sizes(), " does not fit input of shape ",
                x.sizes(), " (expected ", want, ")");
  DESCENT_CHECK(p.dtype() == x.dtype(), op, ": ", what, " has dtype ", p.dtype(), " but the input has dtype ",
                x.dtype());
}

void check_input(const Tensor& x, const char* op) {
  DESCENT_CHECK(x.defined(), op, ": input is an undefined tensor");
  DESCENT_CHECK(x.is_floating_point(), op, ": input dtype must be floating point, got ", x.dtype());
}

// [1, C, 1, ...] for an input of ndim dims: broadcasts a per-channel vector over [N, C, *].
Shape channel_shape(int64_t ndim, int64_t C) {
  Shape s(size_t(ndim), 1);
  s[1] = C;
  return s;
}

// Dims 0 and 2.. of an [N, C, *] input: everything but the channel.
Dims non_channel_dims(int64_t ndim) {
  Dims d;
  d.push_back(0);
  for (int64_t i = 2; i < ndim; ++i) d.push_back(i);
  return d;
}

// A gradient that may alias an incoming one gets its own storage.
Tensor own(const Tensor& t) { return t.clone(); }
}  // namespace

namespace {
// The memory format in which the fused batch-norm kernels can read x, or none (then the composed
// path runs): float32/float64, non-empty, dense row-major or (4-D) dense channels-last.
std::optional<MemoryFormat> fused_format(const Tensor& x) {
  if ((x.dtype() != DType::Float32 && x.dtype() != DType::Float64) || x.numel() == 0) return std::nullopt;
  if (x.is_contiguous()) return MemoryFormat::Contiguous;
  if (x.dim() == 4 && x.is_contiguous(MemoryFormat::ChannelsLast)) return MemoryFormat::ChannelsLast;
  return std::nullopt;
}

// Fused batch_norm: per-channel backend kernels for statistics, the normalise + affine pass and
// both backward passes (arguments already validated by batch_norm).
Tensor batch_norm_fused(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                        const Tensor& bias, bool training, double momentum, double eps, MemoryFormat fmt) {
  const int64_t C = x.size(1), M = x.numel() / C;
  const Shape cs{C};
  Tensor mean, invstd, y;
  {
    NoGradGuard ng;
    if (training) {
      mean = empty(cs, x.dtype());
      Tensor var = empty(cs, x.dtype());
      ops::be(x).batch_norm_stats(x, mean, var);
      invstd = (var + eps).rsqrt();
      if (running_mean.defined()) {
        Tensor rm = running_mean, rv = running_var;
        rm.mul_(1.0 - momentum).add_(mean, momentum);
        rv.mul_(1.0 - momentum).add_(var * (double(M) / double(M - 1)), momentum);
      }
    } else {
      mean = running_mean.clone();  // a copy: later updates of the buffer must not reach backward
      invstd = (running_var + eps).rsqrt();
    }
    y = empty_like(x);  // keeps x's memory format (channels-last stays channels-last)
    ops::be(x).batch_norm_forward(x, mean, invstd, weight, bias, y);
  }

  if (autograd::any_requires_grad({&x, &weight, &bias})) {
    const bool need_x = needs_grad(x), need_w = needs_grad(weight), need_b = needs_grad(bias);
    const bool need_sums = need_w || need_b || (need_x && training);
    SavedTensor sx(need_sums ? x : Tensor()), sw(need_x ? weight : Tensor());
    record("BatchNormBackward", {&x, &weight, &bias}, {&y},
           [sx, sw, mean, invstd, cs, fmt, training, need_x, need_w, need_b, need_sums](Grads& g) {
             const char* nm = "BatchNormBackward";
             Tensor gy = g[0];
             if (!gy.is_contiguous(fmt)) gy = gy.contiguous(fmt);
             Grads out(3);
             Tensor xs = need_sums ? sx.get(nm) : Tensor(), sdy, sdx;
             if (need_sums) {
               sdy = empty(cs, gy.dtype());
               sdx = empty(cs, gy.dtype());
               ops::be(gy).batch_norm_backward_reduce(gy, xs, mean, invstd, sdy, sdx);
             }
             if (need_x) {
               out[0] = empty_like(gy);
               const Tensor none;
               ops::be(gy).batch_norm_backward_input(gy, training ? xs : none, mean, invstd,
                                                sw.defined() ? sw.get(nm) : none, training ? sdy : none,
                                                training ? sdx : none, out[0]);
             }
             if (need_w) out[1] = sdx;
             if (need_b) out[2] = sdy;
             return out;
           });
  }
  return y;
}

// The composed reference implementation: generic tensor ops (any strides, any float dtype).
Tensor batch_norm_composed(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                           const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps) {
  const int64_t C = x.size(1);
  const Shape cs{C};
  const Dims red = non_channel_dims(x.dim());
  const int64_t M = C == 0 ? 0 : x.numel() / C;  // values per channel
  const Shape bs = channel_shape(x.dim(), C);

  Tensor mean, invstd, y;
  {
    NoGradGuard ng;
    if (training) {
      mean = x.mean(red, true);
      y = x - mean;  // keeps x's memory format (channels-last stays channels-last)
      Tensor var = y.square().mean(red, true);
      invstd = (var + eps).rsqrt();
      if (running_mean.defined()) {
        Tensor rm = running_mean, rv = running_var;
        rm.mul_(1.0 - momentum).add_(mean.view(cs), momentum);
        rv.mul_(1.0 - momentum).add_(var.view(cs) * (double(M) / double(M - 1)), momentum);
      }
    } else {
      mean = running_mean.clone().view(bs);  // a copy: later updates of the buffer must not reach backward
      invstd = (running_var.view(bs) + eps).rsqrt();
      y = x - mean;
    }
    y.mul_(weight.defined() ? invstd * weight.view(bs) : invstd);
    if (bias.defined()) y.add_(bias.view(bs));
  }

  if (autograd::any_requires_grad({&x, &weight, &bias})) {
    const bool need_x = needs_grad(x), need_w = needs_grad(weight), need_b = needs_grad(bias);
    SavedTensor sx(x), sw(need_x ? weight : Tensor());
    record("BatchNormBackward", {&x, &weight, &bias}, {&y},
           [sx, sw, mean, invstd, red, bs, cs, M, training, need_x, need_w, need_b](Grads& g) {
             const char* nm = "BatchNormBackward";
             const Tensor& gy = g[0];
             Grads out(3);
             Tensor xhat, gsum, dot;
             if (need_w || (need_x && training)) {
               xhat = sx.get(nm) - mean;
               xhat.mul_(invstd);
               dot = (gy * xhat).sum(red, true);
             }
             if (need_b || (need_x && training)) gsum = gy.sum(red, true);
             if (need_x) {
               Tensor scale = sw.defined() ? invstd * sw.get(nm).view(bs) : invstd;
               if (training) {
                 Tensor t = xhat * (dot / double(M));
                 t.add_(gsum / double(M));
                 out[0] = gy - t;
                 out[0].mul_(scale);
               } else {
                 out[0] = gy * scale;
               }
             }
             if (need_w) out[1] = dot.view(cs);
             if (need_b) out[2] = gsum.view(cs);
             return out;
           });
  }
  return y;
}
}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_input(x, "batch_norm");
  DESCENT_CHECK(x.dim() >= 2, "batch_norm: expected input of at least 2 dims [N, C, *], got shape ", x.sizes());
  const int64_t C = x.size(1);
  const Shape cs{C};
  check_param(weight, "batch_norm", "weight", cs, x);
  check_param(bias, "batch_norm", "bias", cs, x);
  check_param(running_mean, "batch_norm", "running_mean", cs, x);
  check_param(running_var, "batch_norm", "running_var", cs, x);
  DESCENT_CHECK(running_mean.defined() == running_var.defined(),
                "batch_norm: running_mean and running_var must both be given or both be omitted");
  DESCENT_CHECK(training || running_mean.defined(),
                "batch_norm: running_mean and running_var are required when not training");
  DESCENT_CHECK(eps >= 0, "batch_norm: eps must be non-negative, got ", eps);
  DESCENT_CHECK(!training || x.numel() > C, "batch_norm: expected more than 1 value per channel when training, got input of shape ",
                x.sizes());
  if (const auto fmt = fused_format(x))
    return batch_norm_fused(x, running_mean, running_var, weight, bias, training, momentum, eps, *fmt);
  return batch_norm_composed(x, running_mean, running_var, weight, bias, training, momentum, eps);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_input(x, "layer_norm");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool fits = k >= 1 && x.dim() >= k;
  for (int64_t i = 0; fits && i < k; ++i) fits = x.size(x.dim() - k + i) == normalized_shape[size_t(i)];
  DESCENT_CHECK(fits, "layer_norm: normalized_shape ", normalized_shape, " does not match the trailing dims of input of shape ",
                x.sizes());
  DESCENT_CHECK(shape_numel(normalized_shape) > 0, "layer_norm: normalized_shape ", normalized_shape,
                " must not contain a zero size");
  check_param(weight, "layer_norm", "weight", normalized_shape, x);
  check_param(bias, "layer_norm", "bias", normalized_shape, x);
  DESCENT_CHECK(eps >= 0, "layer_norm: eps must be non-negative, got ", eps);
  Dims red, lead;
  for (int64_t i = 0; i < x.dim(); ++i) (i < x.dim() - k ? lead : red).push_back(i);

  Tensor mean, invstd, y;
  {
    NoGradGuard ng;
    mean = x.mean(red, true);
    y = x - mean;
    invstd = (y.square().mean(red, true) + eps).rsqrt();
    y.mul_(invstd);
    if (weight.defined()) y.mul_(weight);
    if (bias.defined()) y.add_(bias);
  }

  if (autograd::any_requires_grad({&x, &weight, &bias})) {
    const bool need_x = needs_grad(x), need_w = needs_grad(weight), need_b = needs_grad(bias);
    SavedTensor sx(x), sw(need_x ? weight : Tensor());
    record("LayerNormBackward", {&x, &weight, &bias}, {&y},
           [sx, sw, mean, invstd, red, lead, need_x, need_w, need_b](Grads& g) {
             const char* nm = "LayerNormBackward";
             const Tensor& gy = g[0];
             Grads out(3);
             Tensor xhat = sx.get(nm) - mean;
             xhat.mul_(invstd);
             if (need_x) {
               Tensor gx = sw.defined() ? gy * sw.get(nm) : gy;
               Tensor t = xhat * (gx * xhat).mean(red, true);
               t.add_(gx.mean(red, true));
               out[0] = gx - t;
               out[0].mul_(invstd);
             }
             // With no leading dims the per-element products are already the parameter gradients.
             if (need_w) out[1] = lead.empty() ? gy * xhat : (gy * xhat).sum(lead);
             if (need_b) out[2] = lead.empty() ? own(gy) : gy.sum(lead);
             return out;
           });
  }
  return y;
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  check_input(x, "group_norm");
  DESCENT_CHECK(x.dim() >= 2, "group_norm: expected input of at least 2 dims [N, C, *], got shape ", x.sizes());
  const int64_t N = x.size(0), C = x.size(1), G = num_groups;
  DESCENT_CHECK(G > 0 && C % G == 0, "group_norm: the number of channels ", C, " of input of shape ", x.sizes(),
                " must be divisible by num_groups ", G);
  const Shape cs{C};
  check_param(weight, "group_norm", "weight", cs, x);
  check_param(bias, "group_norm", "bias", cs, x);
  DESCENT_CHECK(eps >= 0, "group_norm: eps must be non-negative, got ", eps);
  const int64_t K = N * C == 0 ? 0 : x.numel() / (N * G);  // elements per (sample, group)
  DESCENT_CHECK(x.numel() == 0 || K > 0, "group_norm: empty groups in input of shape ", x.sizes());
  const Shape gs{N, G, K}, xs = x.sizes(), bs = channel_shape(x.dim(), C);
  const Dims red = non_channel_dims(x.dim());
  const bool channels_last = x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(MemoryFormat::ChannelsLast);

  Tensor mean, invstd, y;
  {
    NoGradGuard ng;
    Tensor xr = x.reshape(gs);
    mean = xr.mean({2}, true);
    y = xr - mean;
    invstd = (y.square().mean({2}, true) + eps).rsqrt();
    y.mul_(invstd);
    y = y.view(xs);
    if (weight.defined()) y.mul_(weight.view(bs));
    if (bias.defined()) y.add_(bias.view(bs));
    if (channels_last) y = y.contiguous(MemoryFormat::ChannelsLast);
  }

  if (autograd::any_requires_grad({&x, &weight, &bias})) {
    const bool need_x = needs_grad(x), need_w = needs_grad(weight), need_b = needs_grad(bias);
    SavedTensor sx(x), sw(need_x ? weight : Tensor());
    record("GroupNormBackward", {&x, &weight, &bias}, {&y},
           [sx, sw, mean, invstd, red, gs, xs, bs, need_x, need_w, need_b](Grads& g) {
             const char* nm = "GroupNormBackward";
             const Tensor& gy = g[0];
             Grads out(3);
             Tensor xhat = sx.get(nm).reshape(gs) - mean;
             xhat.mul_(invstd);
             if (need_x) {
               Tensor gx = (sw.defined() ? gy * sw.get(nm).view(bs) : gy).reshape(gs);
               Tensor t = xhat * (gx * xhat).mean({2}, true);
               t.add_(gx.mean({2}, true));
               out[0] = (gx - t).mul_(invstd).view(xs);
             }
             if (need_w) out[1] = (gy * xhat.view(xs)).sum(red);
             if (need_b) out[2] = gy.sum(red);
             return out;
           });
  }
  return y;
}

}  // namespace descent::nn::functional
