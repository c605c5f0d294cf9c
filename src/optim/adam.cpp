#include "descent/optim/adam.h"

#include <cmath>

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

// One Adam/AdamW update written to touch memory as few times as the tensor ops allow (a fused
// kernel comes later). Two rewrites keep PyTorch's result up to rounding:
//  * maximize flips the sign of every use of g rather than negating it in its own pass;
//  * m / (sqrt(v) / c2 + eps) = c2 * m / (sqrt(v) + eps * c2) with c2 = sqrt(1 - beta2^t),
//    which saves the division pass over sqrt(v).
void adam_update(Tensor& p, const Tensor& grad, ParamState& state, const AdamStep& o) {
  Tensor& exp_avg = buffer(state, "exp_avg", p);
  Tensor& exp_avg_sq = buffer(state, "exp_avg_sq", p);
  const double step = static_cast<double>(++state.step);
  const double sign = o.maximize ? -1.0 : 1.0;

  Tensor g = grad;
  if (o.decoupled) {
    if (o.lr * o.weight_decay != 0) p.mul_(1 - o.lr * o.weight_decay);
  } else if (o.weight_decay != 0) {
    g = grad.add(p, sign * o.weight_decay);  // sign * g = (sign * grad) + weight_decay * p
  }

  exp_avg.mul_(o.beta1).add_(g, sign * (1 - o.beta1));
  exp_avg_sq.mul_(o.beta2).add_(g.square(), 1 - o.beta2);

  const double bias_correction1 = 1 - std::pow(o.beta1, step);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(o.beta2, step));
  const double step_size = o.lr / bias_correction1;

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
