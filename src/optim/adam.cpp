#include "descent/optim/adam.h"

#include <cmath>

#include "descent/backend/backend.h"
#include "descent/ops/ops.h"

namespace descent::optim {

namespace {

struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled;
};

Tensor& buffer(ParamState& state, const char* name, const Tensor& like) {
  auto it = state.buffers.find(name);
  if (it == state.buffers.end()) it = state.buffers.emplace(name, zeros(like.sizes(), like.dtype())).first;
  return it->second;
}

// The fused kernel (backend adam_step) takes the usual case: everything dense, float32 or float64.
bool fused_ok(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v) {
  const DType dt = p.dtype();
  return (dt == DType::Float32 || dt == DType::Float64) && p.is_contiguous() && grad.is_contiguous() &&
         grad.dtype() == dt && grad.sizes() == p.sizes() && grad.device() == p.device() && m.is_contiguous() &&
         v.is_contiguous();
}

// One Adam/AdamW update. Dense float parameters go through the backend's one-pass kernel; the rest
// (a non-contiguous gradient, say) through tensor ops written to touch memory as few times as they
// allow. Two rewrites keep PyTorch's result up to rounding, in both forms:
//  * maximize flips the sign of every use of g rather than negating it in its own pass;
//  * m / (sqrt(v) / c2 + eps) = c2 * m / (sqrt(v) + eps * c2) with c2 = sqrt(1 - beta2^t),
//    which saves the division pass over sqrt(v).
void adam_update(Tensor& p, const Tensor& grad, ParamState& state, const AdamStep& o) {
  Tensor& exp_avg = buffer(state, "exp_avg", p);
  Tensor& exp_avg_sq = buffer(state, "exp_avg_sq", p);
  const double step = static_cast<double>(++state.step);
  const double sign = o.maximize ? -1.0 : 1.0;

  const double bias_correction1 = 1 - std::pow(o.beta1, step);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(o.beta2, step));
  const double step_size = o.lr / bias_correction1;
  if (fused_ok(p, grad, exp_avg, exp_avg_sq)) {
    Tensor vmax = o.amsgrad ? buffer(state, "max_exp_avg_sq", p) : Tensor();
    const bool decay = o.decoupled && o.lr * o.weight_decay != 0;
    const backend::AdamUpdate u{decay ? 1 - o.lr * o.weight_decay : 1.0,
                                sign,
                                o.decoupled ? 0.0 : o.weight_decay,
                                o.beta1,
                                o.beta2,
                                step_size * bias_correction2_sqrt,
                                o.eps * bias_correction2_sqrt,
                                o.amsgrad};
    backend::get(p.device()).adam_step(p, grad, exp_avg, exp_avg_sq, vmax, u);
    return;
  }

  Tensor g = grad;
  if (o.decoupled) {
    if (o.lr * o.weight_decay != 0) p.mul_(1 - o.lr * o.weight_decay);
  } else if (o.weight_decay != 0) {
    g = grad.add(p, sign * o.weight_decay);  // sign * g = (sign * grad) + weight_decay * p
  }

  exp_avg.mul_(o.beta1).add_(g, sign * (1 - o.beta1));
  exp_avg_sq.mul_(o.beta2).add_(g.square(), 1 - o.beta2);

  Tensor v = exp_avg_sq;
  if (o.amsgrad) {
    Tensor& vmax = buffer(state, "max_exp_avg_sq", p);
    vmax = maximum(vmax, exp_avg_sq);
    v = vmax;
  }
  Tensor denom = v.sqrt();
  denom.add_(o.eps * bias_correction2_sqrt);
  p.add_(exp_avg.div(denom), -step_size * bias_correction2_sqrt);
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& defaults)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults) : Optimizer("Adam", std::move(groups), defaults) {}

void Adam::update(Tensor& p, const Tensor& grad, ParamState& state, const OptimizerOptions& options) {
  const auto& o = static_cast<const AdamOptions&>(options);
  adam_update(p, grad, state,
              {o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), o.amsgrad(), o.maximize(), false});
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& defaults)
    : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults)
    : Optimizer("AdamW", std::move(groups), defaults) {}

void AdamW::update(Tensor& p, const Tensor& grad, ParamState& state, const OptimizerOptions& options) {
  const auto& o = static_cast<const AdamWOptions&>(options);
  adam_update(p, grad, state,
              {o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), o.amsgrad(), o.maximize(), true});
}

}  // namespace descent::optim
