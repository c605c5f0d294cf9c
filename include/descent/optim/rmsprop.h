#pragma once
// RMSprop and Adagrad, as torch.optim.RMSprop / Adagrad (PyTorch 1.13).
#include "descent/optim/optimizer.h"

namespace descent::optim {

/// RMSprop's options: lr 1e-2, alpha 0.99, eps 1e-8 by default.
class RMSpropOptions : public OptimizerOptions {
 public:
  explicit RMSpropOptions(double lr = 1e-2);
  DESCENT_OPTION(RMSpropOptions, double, lr, v >= 0, ">= 0");
  /// Smoothing constant of the squared-gradient average.
  DESCENT_OPTION(RMSpropOptions, double, alpha, v >= 0, ">= 0") = 0.99;
  DESCENT_OPTION(RMSpropOptions, double, eps, v >= 0, ">= 0") = 1e-8;
  DESCENT_OPTION(RMSpropOptions, double, weight_decay, v >= 0, ">= 0") = 0;
  DESCENT_OPTION(RMSpropOptions, double, momentum, v >= 0, ">= 0") = 0;
  /// Normalise by the estimated variance (E[g^2] - E[g]^2) instead of E[g^2].
  DESCENT_OPTION_ANY(RMSpropOptions, bool, centered) = false;
  DESCENT_OPTION_ANY(RMSpropOptions, bool, maximize) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double v) override { lr_ = v; }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum_; }
  void set_momentum(double v) override { momentum_ = v; }
  std::vector<std::pair<std::string, double>> to_scalars() const override;
  void from_scalars(const std::function<double(const std::string&)>& get) override;
};

/// With g = grad (negated if maximize) + weight_decay * p:
///   s = alpha s + (1 - alpha) g^2;  centered: a = alpha a + (1 - alpha) g, d = sqrt(s - a^2) + eps,
///   else d = sqrt(s) + eps;  momentum > 0: buf = momentum buf + g / d, p -= lr buf;  else p -= lr g / d.
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults = RMSpropOptions());
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& defaults = RMSpropOptions());

 protected:
  void update(Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

/// Adagrad's options: lr 1e-2, eps 1e-10 by default.
class AdagradOptions : public OptimizerOptions {
 public:
  explicit AdagradOptions(double lr = 1e-2);
  DESCENT_OPTION(AdagradOptions, double, lr, v >= 0, ">= 0");
  /// The step t learning rate is lr / (1 + (t - 1) lr_decay).
  DESCENT_OPTION(AdagradOptions, double, lr_decay, v >= 0, ">= 0") = 0;
  DESCENT_OPTION(AdagradOptions, double, weight_decay, v >= 0, ">= 0") = 0;
  /// Starting value of the sum of squared gradients.
  DESCENT_OPTION(AdagradOptions, double, initial_accumulator_value, v >= 0, ">= 0") = 0;
  DESCENT_OPTION(AdagradOptions, double, eps, v >= 0, ">= 0") = 1e-10;
  DESCENT_OPTION_ANY(AdagradOptions, bool, maximize) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double v) override { lr_ = v; }
  std::vector<std::pair<std::string, double>> to_scalars() const override;
  void from_scalars(const std::function<double(const std::string&)>& get) override;
};

/// With g = grad (negated if maximize) + weight_decay * p, at step t:
///   sum += g^2;  p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps).
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults = AdagradOptions());
  Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& defaults = AdagradOptions());

 protected:
  void update(Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
