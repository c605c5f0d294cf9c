#pragma once
// RMSprop and Adagrad, as torch.optim.RMSprop / Adagrad (PyTorch 1.13).
#include "descent/optim/optimizer.h"

namespace descent::optim {

/// RMSprop's options: lr 1e-2, alpha 0.99, eps 1e-8 by default.
class RMSpropOptions : public OptimizerOptions {
 public:
  explicit RMSpropOptions(double lr = 1e-2);
  RMSpropOptions& lr(double v);
  /// Smoothing constant of the squared-gradient average.
  RMSpropOptions& alpha(double v);
  RMSpropOptions& eps(double v);
  RMSpropOptions& weight_decay(double v);
  RMSpropOptions& momentum(double v);
  /// Normalise by the estimated variance (E[g^2] - E[g]^2) instead of E[g^2].
  RMSpropOptions& centered(bool v) { centered_ = v; return *this; }
  RMSpropOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  double alpha() const { return alpha_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double momentum() const { return momentum_; }
  bool centered() const { return centered_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double v) override { lr_ = v; }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum_; }
  void set_momentum(double v) override { momentum_ = v; }
  std::vector<std::pair<std::string, double>> to_scalars() const override;
  void from_scalars(const std::function<double(const std::string&)>& get) override;

 private:
  double lr_, alpha_ = 0.99, eps_ = 1e-8, weight_decay_ = 0, momentum_ = 0;
  bool centered_ = false, maximize_ = false;
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
  AdagradOptions& lr(double v);
  /// The step t learning rate is lr / (1 + (t - 1) lr_decay).
  AdagradOptions& lr_decay(double v);
  AdagradOptions& weight_decay(double v);
  /// Starting value of the sum of squared gradients.
  AdagradOptions& initial_accumulator_value(double v);
  AdagradOptions& eps(double v);
  AdagradOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  double lr_decay() const { return lr_decay_; }
  double weight_decay() const { return weight_decay_; }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  double eps() const { return eps_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double v) override { lr_ = v; }
  std::vector<std::pair<std::string, double>> to_scalars() const override;
  void from_scalars(const std::function<double(const std::string&)>& get) override;

 private:
  double lr_, lr_decay_ = 0, weight_decay_ = 0, initial_accumulator_value_ = 0, eps_ = 1e-10;
  bool maximize_ = false;
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
