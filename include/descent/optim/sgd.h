#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay (an L2
// term added to the gradient) and maximize, as torch.optim.SGD (PyTorch 1.13).
#include "descent/optim/optimizer.h"

namespace descent::optim {

/// SGD's options; every setter validates its argument (negative lr, momentum or weight_decay throw).
class SGDOptions : public OptimizerOptions {
 public:
  explicit SGDOptions(double lr);
  DESCENT_OPTION(SGDOptions, double, lr, v >= 0, ">= 0");
  DESCENT_OPTION(SGDOptions, double, momentum, v >= 0, ">= 0") = 0;
  DESCENT_OPTION(SGDOptions, double, dampening, v == v, "a number") = 0;
  DESCENT_OPTION(SGDOptions, double, weight_decay, v >= 0, ">= 0") = 0;
  DESCENT_OPTION_ANY(SGDOptions, bool, nesterov) = false;
  DESCENT_OPTION_ANY(SGDOptions, bool, maximize) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double v) override { lr_ = v; }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum_; }
  void set_momentum(double v) override { momentum_ = v; }
  /// Nesterov momentum needs momentum > 0 and dampening 0.
  void validate() const override;
  std::vector<std::pair<std::string, double>> to_scalars() const override;
  void from_scalars(const std::function<double(const std::string&)>& get) override;
};

/// With g = grad (negated if maximize) + weight_decay * p:
///   buf = g on the first step, else momentum * buf + (1 - dampening) * g;
///   p -= lr * (nesterov ? g + momentum * buf : buf)   (p -= lr * g when momentum is 0).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& defaults);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults);

 protected:
  void update(Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
