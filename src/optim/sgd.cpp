#include "descent/optim/sgd.h"

#include "descent/ops/ops.h"

namespace descent::optim {

using detail::check_option;

SGDOptions::SGDOptions(double lr) { this->lr(lr); }


void SGDOptions::validate() const {
  DESCENT_CHECK(!nesterov_ || (momentum_ > 0 && dampening_ == 0),
                "SGD: nesterov momentum requires momentum > 0 and dampening = 0 (got momentum ", momentum_,
                ", dampening ", dampening_, ")");
}

std::vector<std::pair<std::string, double>> SGDOptions::to_scalars() const {
  return {{"lr", lr_},
          {"momentum", momentum_},
          {"dampening", dampening_},
          {"weight_decay", weight_decay_},
          {"nesterov", nesterov_ ? 1.0 : 0.0},
          {"maximize", maximize_ ? 1.0 : 0.0}};
}

void SGDOptions::from_scalars(const std::function<double(const std::string&)>& get) {
  lr(get("lr"));
  momentum(get("momentum"));
  dampening(get("dampening"));
  weight_decay(get("weight_decay"));
  nesterov(get("nesterov") != 0);
  maximize(get("maximize") != 0);
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& defaults) : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults) : Optimizer("SGD", std::move(groups), defaults) {}

void SGD::update(Tensor& p, const Tensor& grad, ParamState& state, const OptimizerOptions& options) {
  const auto& o = static_cast<const SGDOptions&>(options);
  // The effective gradient is sign * d: maximize flips the sign of every use of d instead of
  // negating it in a separate pass (IEEE rounding is symmetric, so results are identical).
  const double sign = o.maximize() ? -1.0 : 1.0;
  Tensor d = o.weight_decay() != 0 ? grad.add(p, sign * o.weight_decay()) : grad;
  ++state.step;
  if (o.momentum() == 0) {
    p.add_(d, -o.lr() * sign);
    return;
  }
  auto it = state.buffers.find("momentum_buffer");
  if (it == state.buffers.end()) {
    Tensor buf = o.maximize() ? d.neg() : d.clone();
    it = state.buffers.emplace("momentum_buffer", buf.contiguous()).first;
  } else {
    it->second.mul_(o.momentum()).add_(d, sign * (1 - o.dampening()));
  }
  const Tensor& buf = it->second;
  if (o.nesterov()) p.add_(d.add(buf, sign * o.momentum()), -o.lr() * sign);
  else p.add_(buf, -o.lr());
}

}  // namespace descent::optim
