#pragma once
// Adam and AdamW, as torch.optim.Adam / AdamW (PyTorch 1.13): bias-corrected moment estimates,
// eps added to the bias-corrected sqrt of the second moment, optional AMSGrad and maximize.
// Adam's weight_decay is an L2 term added to the gradient; AdamW's is decoupled (p *= 1 - lr*wd).
#include "descent/optim/optimizer.h"

namespace descent::optim {

namespace detail {
/// Options shared by Adam and AdamW; Self is the concrete type so that setters chain.
template <typename Self>
class AdamLikeOptions : public OptimizerOptions {
 public:
  Self& lr(double v) { check_option(v >= 0, Self::kName, "lr", v, "must be >= 0"); lr_ = v; return self(); }
  /// Decay rates of the first and second moment estimates, each in [0, 1).
  Self& betas(double beta1, double beta2) {
    check_option(beta1 >= 0 && beta1 < 1, Self::kName, "beta1 (betas[0])", beta1, "must be in [0, 1)");
    check_option(beta2 >= 0 && beta2 < 1, Self::kName, "beta2 (betas[1])", beta2, "must be in [0, 1)");
    beta1_ = beta1;
    beta2_ = beta2;
    return self();
  }
  Self& eps(double v) { check_option(v >= 0, Self::kName, "eps", v, "must be >= 0"); eps_ = v; return self(); }
  Self& weight_decay(double v) {
    check_option(v >= 0, Self::kName, "weight_decay", v, "must be >= 0");
    weight_decay_ = v;
    return self();
  }
  Self& amsgrad(bool v) { amsgrad_ = v; return self(); }
  Self& maximize(bool v) { maximize_ = v; return self(); }
  double lr() const { return lr_; }
  std::pair<double, double> betas() const { return {beta1_, beta2_}; }
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool amsgrad() const { return amsgrad_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<Self>(self()); }
  double get_lr() const override { return lr_; }
  void set_lr(double v) override { lr_ = v; }
  bool has_momentum() const override { return true; }
  /// OneCycleLR cycles beta1.
  double get_momentum() const override { return beta1_; }
  void set_momentum(double v) override { beta1_ = v; }
  std::vector<std::pair<std::string, double>> to_scalars() const override {
    return {{"lr", lr_},
            {"betas.0", beta1_},
            {"betas.1", beta2_},
            {"eps", eps_},
            {"weight_decay", weight_decay_},
            {"amsgrad", amsgrad_ ? 1.0 : 0.0},
            {"maximize", maximize_ ? 1.0 : 0.0}};
  }
  void from_scalars(const std::function<double(const std::string&)>& get) override {
    lr(get("lr"));
    betas(get("betas.0"), get("betas.1"));
    eps(get("eps"));
    weight_decay(get("weight_decay"));
    amsgrad(get("amsgrad") != 0);
    maximize(get("maximize") != 0);
  }

 protected:
  // Checks and sets the fields directly: the setters return self(), a downcast to Self that is
  // undefined behaviour while Self is still being constructed (UBSan's vptr check).
  AdamLikeOptions(double lr, double weight_decay) {
    check_option(lr >= 0, Self::kName, "lr", lr, "must be >= 0");
    check_option(weight_decay >= 0, Self::kName, "weight_decay", weight_decay, "must be >= 0");
    lr_ = lr;
    weight_decay_ = weight_decay;
  }
  Self& self() { return static_cast<Self&>(*this); }
  const Self& self() const { return static_cast<const Self&>(*this); }

  double lr_ = 1e-3, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0;
  bool amsgrad_ = false, maximize_ = false;
};
}  // namespace detail

/// Adam's options: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 by default.
class AdamOptions : public detail::AdamLikeOptions<AdamOptions> {
 public:
  static constexpr const char* kName = "Adam";
  explicit AdamOptions(double lr = 1e-3) : AdamLikeOptions(lr, 0.0) {}
};

/// AdamW's options: as Adam's, but weight_decay 1e-2 by default.
class AdamWOptions : public detail::AdamLikeOptions<AdamWOptions> {
 public:
  static constexpr const char* kName = "AdamW";
  explicit AdamWOptions(double lr = 1e-3) : AdamLikeOptions(lr, 1e-2) {}
};

/// With g = grad (negated if maximize) + weight_decay * p, at step t:
///   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  (amsgrad: vmax = max(vmax, v), used for v)
///   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& defaults = AdamOptions());
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults = AdamOptions());

 protected:
  void update(Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

/// Adam with decoupled weight decay: p *= 1 - lr * weight_decay, then Adam's update without the
/// L2 term (Loshchilov & Hutter).
class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& defaults = AdamWOptions());
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults = AdamWOptions());

 protected:
  void update(Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
