#include "descent/optim/rmsprop.h"

#include "descent/ops/ops.h"

namespace descent::optim {

using detail::check_option;

namespace {
Tensor& buffer(ParamState& state, const char* name, const Tensor& like, double value = 0.0) {
  auto it = state.buffers.find(name);
  if (it == state.buffers.end()) it = state.buffers.emplace(name, full(like.sizes(), value, like.dtype())).first;
  return it->second;
}
}  // namespace

// ---- RMSprop ----

RMSpropOptions::RMSpropOptions(double lr) { this->lr(lr); }

std::vector<std::pair<std::string, double>> RMSpropOptions::to_scalars() const {
  return {{"lr", lr_},
          {"alpha", alpha_},
          {"eps", eps_},
          {"weight_decay", weight_decay_},
          {"momentum", momentum_},
          {"centered", centered_ ? 1.0 : 0.0},
          {"maximize", maximize_ ? 1.0 : 0.0}};
}

void RMSpropOptions::from_scalars(const std::function<double(const std::string&)>& get) {
  lr(get("lr"));
  alpha(get("alpha"));
  eps(get("eps"));
  weight_decay(get("weight_decay"));
  momentum(get("momentum"));
  centered(get("centered") != 0);
  maximize(get("maximize") != 0);
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& defaults)
    : Optimizer("RMSprop", std::move(groups), defaults) {}

void RMSprop::update(Tensor& p, const Tensor& grad, ParamState& state, const OptimizerOptions& options) {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  // As in Adam: the effective gradient is sign * g, with maximize folded into the coefficients.
  const double sign = o.maximize() ? -1.0 : 1.0;
  Tensor g = o.weight_decay() != 0 ? grad.add(p, sign * o.weight_decay()) : grad;
  ++state.step;
  Tensor& square_avg = buffer(state, "square_avg", p);
  square_avg.mul_(o.alpha()).add_(g.square(), 1 - o.alpha());
  Tensor avg;
  if (o.centered()) {
    Tensor& grad_avg = buffer(state, "grad_avg", p);
    grad_avg.mul_(o.alpha()).add_(g, sign * (1 - o.alpha()));
    avg = square_avg.sub(grad_avg.square());
    avg.sqrt_();
  } else {
    avg = square_avg.sqrt();
  }
  avg.add_(o.eps());
  if (o.momentum() > 0) {
    Tensor& buf = buffer(state, "momentum_buffer", p);
    buf.mul_(o.momentum()).add_(g.div(avg), sign);
    p.add_(buf, -o.lr());
  } else {
    p.add_(g.div(avg), -o.lr() * sign);
  }
}

// ---- Adagrad ----

AdagradOptions::AdagradOptions(double lr) { this->lr(lr); }

std::vector<std::pair<std::string, double>> AdagradOptions::to_scalars() const {
  return {{"lr", lr_},
          {"lr_decay", lr_decay_},
          {"weight_decay", weight_decay_},
          {"initial_accumulator_value", initial_accumulator_value_},
          {"eps", eps_},
          {"maximize", maximize_ ? 1.0 : 0.0}};
}

void AdagradOptions::from_scalars(const std::function<double(const std::string&)>& get) {
  lr(get("lr"));
  lr_decay(get("lr_decay"));
  weight_decay(get("weight_decay"));
  initial_accumulator_value(get("initial_accumulator_value"));
  eps(get("eps"));
  maximize(get("maximize") != 0);
}

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults)
    : Adagrad(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& defaults)
    : Optimizer("Adagrad", std::move(groups), defaults) {}

void Adagrad::update(Tensor& p, const Tensor& grad, ParamState& state, const OptimizerOptions& options) {
  const auto& o = static_cast<const AdagradOptions&>(options);
  const double sign = o.maximize() ? -1.0 : 1.0;
  Tensor g = o.weight_decay() != 0 ? grad.add(p, sign * o.weight_decay()) : grad;
  // PyTorch fills the accumulator when the group is created; filling it on the first update
  // gives the same numbers.
  Tensor& sum = buffer(state, "sum", p, o.initial_accumulator_value());
  const double step = static_cast<double>(++state.step);
  const double clr = o.lr() / (1 + (step - 1) * o.lr_decay());
  sum.add_(g.square());
  Tensor std = sum.sqrt();
  std.add_(o.eps());
  p.add_(g.div(std), -clr * sign);
}

}  // namespace descent::optim
