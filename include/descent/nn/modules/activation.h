#pragma once
// Activation layers: thin modules over nn::functional (and the relu/sigmoid/tanh tensor ops).
// Only PReLU has parameters.
#include <memory>
#include <string>
#include <vector>

#include "descent/nn/module.h"

namespace descent::nn {

/// max(x, 0).
class ReLUImpl : public Module {
 public:
  ReLUImpl() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(ReLU);

/// min(max(x, 0), 6).
class ReLU6Impl : public Module {
 public:
  ReLU6Impl() : Module("ReLU6") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(ReLU6);

struct LeakyReLUOptions {
  LeakyReLUOptions(double negative_slope = 0.01) : negative_slope_(negative_slope) {}
  LeakyReLUOptions& negative_slope(double s) { negative_slope_ = s; return *this; }
  double negative_slope_;
};

/// x for x > 0, negative_slope * x otherwise.
class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& o = {}) : Module("LeakyReLU"), options(o) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  LeakyReLUOptions options;
};
DESCENT_MODULE(LeakyReLU);

struct PReLUOptions {
  PReLUOptions() = default;
  /// 1 (shared) or the number of input channels (dim 1 of the input).
  PReLUOptions& num_parameters(int64_t n);
  /// Initial value of every slope.
  PReLUOptions& init(double v) { init_ = v; return *this; }
  int64_t num_parameters_ = 1;
  double init_ = 0.25;
};

/// x for x > 0, a * x otherwise, with learnable slopes a (weight [num_parameters], filled with init).
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(const PReLUOptions& o = {});
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  PReLUOptions options;
  Tensor weight;
};
DESCENT_MODULE(PReLU);

struct ELUOptions {
  ELUOptions(double alpha = 1.0) : alpha_(alpha) {}
  ELUOptions& alpha(double a) { alpha_ = a; return *this; }
  double alpha_;
};

/// x for x > 0, alpha (exp(x) - 1) otherwise.
class ELUImpl : public Module {
 public:
  explicit ELUImpl(const ELUOptions& o = {}) : Module("ELU"), options(o) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  ELUOptions options;
};
DESCENT_MODULE(ELU);

/// scale * elu(x, alpha) with the fixed self-normalising constants.
class SELUImpl : public Module {
 public:
  SELUImpl() : Module("SELU") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(SELU);

struct GELUOptions {
  /// "none" (exact, with erf) or "tanh".
  GELUOptions(std::string approximate = "none");
  GELUOptions(const char* approximate) : GELUOptions(std::string(approximate)) {}
  GELUOptions& approximate(std::string a);
  std::string approximate_ = "none";
};

/// x * Phi(x), Phi the standard normal CDF (exact or the tanh approximation).
class GELUImpl : public Module {
 public:
  explicit GELUImpl(const GELUOptions& o = {}) : Module("GELU"), options(o) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  GELUOptions options;
};
DESCENT_MODULE(GELU);

/// x * sigmoid(x).
class SiLUImpl : public Module {
 public:
  SiLUImpl() : Module("SiLU") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(SiLU);

/// x * tanh(softplus(x)).
class MishImpl : public Module {
 public:
  MishImpl() : Module("Mish") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(Mish);

/// 1 / (1 + exp(-x)).
class SigmoidImpl : public Module {
 public:
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(Sigmoid);

/// tanh(x).
class TanhImpl : public Module {
 public:
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(Tanh);

struct HardtanhOptions {
  HardtanhOptions() = default;
  HardtanhOptions& min_val(double v) { min_val_ = v; return *this; }
  HardtanhOptions& max_val(double v) { max_val_ = v; return *this; }
  double min_val_ = -1.0, max_val_ = 1.0;
};

/// clamp(x, min_val, max_val); max_val must exceed min_val.
class HardtanhImpl : public Module {
 public:
  explicit HardtanhImpl(const HardtanhOptions& o = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  HardtanhOptions options;
};
DESCENT_MODULE(Hardtanh);

/// relu6(x + 3) / 6.
class HardsigmoidImpl : public Module {
 public:
  HardsigmoidImpl() : Module("Hardsigmoid") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(Hardsigmoid);

/// x * relu6(x + 3) / 6.
class HardswishImpl : public Module {
 public:
  HardswishImpl() : Module("Hardswish") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(Hardswish);

struct SoftplusOptions {
  SoftplusOptions() = default;
  SoftplusOptions& beta(double b);
  SoftplusOptions& threshold(double t) { threshold_ = t; return *this; }
  double beta_ = 1.0, threshold_ = 20.0;
};

/// log(1 + exp(beta x)) / beta (x itself where beta x > threshold).
class SoftplusImpl : public Module {
 public:
  explicit SoftplusImpl(const SoftplusOptions& o = {}) : Module("Softplus"), options(o) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  SoftplusOptions options;
};
DESCENT_MODULE(Softplus);

/// x / (1 + |x|).
class SoftsignImpl : public Module {
 public:
  SoftsignImpl() : Module("Softsign") {}
  Tensor forward(const Tensor& x) override;
};
DESCENT_MODULE(Softsign);

/// softmax along dim (stable: the max is subtracted first).
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  int64_t dim;
};
DESCENT_MODULE(Softmax);

/// log_softmax along dim.
class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  int64_t dim;
};
DESCENT_MODULE(LogSoftmax);

/// The element-wise activations by snake_case name ("relu", "leaky_relu", "gelu", ...), in one table
/// that every place choosing an activation by name uses (models::MLP, the `descent` tool's layers
/// and builtins). Softmax and LogSoftmax need a dim and are not in it.
const std::vector<std::string>& activation_names();
/// A new activation module by name, with default options; descent::Error listing the names when
/// name is unknown.
std::shared_ptr<Module> make_activation(const std::string& name);

}  // namespace descent::nn
