#include "descent/nn/modules/activation.h"

#include <sstream>

#include "descent/nn/functional/activation.h"
#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {
namespace F = functional;

namespace {
template <typename... Args>
std::string cat_repr(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace

Tensor ReLUImpl::forward(const Tensor& x) { return relu(x); }
Tensor ReLU6Impl::forward(const Tensor& x) { return F::relu6(x); }

Tensor LeakyReLUImpl::forward(const Tensor& x) { return F::leaky_relu(x, options.negative_slope_); }
std::string LeakyReLUImpl::extra_repr() const { return cat_repr("negative_slope=", options.negative_slope_); }

PReLUOptions& PReLUOptions::num_parameters(int64_t n) {
  DESCENT_CHECK(n >= 1, "PReLU: num_parameters must be at least 1, got ", n);
  num_parameters_ = n;
  return *this;
}

PReLUImpl::PReLUImpl(const PReLUOptions& o) : Module("PReLU"), options(o) {
  DESCENT_CHECK(o.num_parameters_ >= 1, "PReLU: num_parameters must be at least 1, got ", o.num_parameters_);
  weight = register_parameter("weight", empty({o.num_parameters_}));
  reset_parameters();
}
void PReLUImpl::reset_parameters() { init::constant_(weight, options.init_); }
Tensor PReLUImpl::forward(const Tensor& x) { return F::prelu(x, weight); }
std::string PReLUImpl::extra_repr() const { return cat_repr("num_parameters=", options.num_parameters_); }

Tensor ELUImpl::forward(const Tensor& x) { return F::elu(x, options.alpha_); }
std::string ELUImpl::extra_repr() const { return cat_repr("alpha=", options.alpha_); }

Tensor SELUImpl::forward(const Tensor& x) { return F::selu(x); }

GELUOptions::GELUOptions(std::string approximate) { this->approximate(std::move(approximate)); }
GELUOptions& GELUOptions::approximate(std::string a) {
  DESCENT_CHECK(a == "none" || a == "tanh", "GELU: approximate must be \"none\" or \"tanh\", got \"", a, "\"");
  approximate_ = std::move(a);
  return *this;
}
Tensor GELUImpl::forward(const Tensor& x) { return F::gelu(x, options.approximate_); }
std::string GELUImpl::extra_repr() const { return cat_repr("approximate='", options.approximate_, "'"); }

Tensor SiLUImpl::forward(const Tensor& x) { return F::silu(x); }
Tensor MishImpl::forward(const Tensor& x) { return F::mish(x); }
Tensor SigmoidImpl::forward(const Tensor& x) { return sigmoid(x); }
Tensor TanhImpl::forward(const Tensor& x) { return tanh(x); }

HardtanhImpl::HardtanhImpl(const HardtanhOptions& o) : Module("Hardtanh"), options(o) {
  DESCENT_CHECK(o.max_val_ > o.min_val_, "Hardtanh: max_val (", o.max_val_, ") must be greater than min_val (",
                o.min_val_, ")");
}
Tensor HardtanhImpl::forward(const Tensor& x) { return F::hardtanh(x, options.min_val_, options.max_val_); }
std::string HardtanhImpl::extra_repr() const {
  return cat_repr("min_val=", options.min_val_, ", max_val=", options.max_val_);
}

Tensor HardsigmoidImpl::forward(const Tensor& x) { return F::hardsigmoid(x); }
Tensor HardswishImpl::forward(const Tensor& x) { return F::hardswish(x); }

SoftplusOptions& SoftplusOptions::beta(double b) {
  DESCENT_CHECK(b != 0.0, "Softplus: beta must be non-zero");
  beta_ = b;
  return *this;
}
Tensor SoftplusImpl::forward(const Tensor& x) { return F::softplus(x, options.beta_, options.threshold_); }
std::string SoftplusImpl::extra_repr() const {
  return cat_repr("beta=", options.beta_, ", threshold=", options.threshold_);
}

Tensor SoftsignImpl::forward(const Tensor& x) { return F::softsign(x); }

Tensor SoftmaxImpl::forward(const Tensor& x) { return F::softmax(x, dim); }
std::string SoftmaxImpl::extra_repr() const { return cat_repr("dim=", dim); }
// max, subtract, exp, sum, divide: about five operations per element.
int64_t SoftmaxImpl::flops(const Shape&, const Shape& out) const { return 5 * shape_numel(out); }

Tensor LogSoftmaxImpl::forward(const Tensor& x) { return F::log_softmax(x, dim); }
std::string LogSoftmaxImpl::extra_repr() const { return cat_repr("dim=", dim); }
int64_t LogSoftmaxImpl::flops(const Shape&, const Shape& out) const { return 5 * shape_numel(out); }

// ---- activations by name ------------------------------------------------------------------------

namespace {
using ActivationFactory = std::shared_ptr<Module> (*)();
template <typename Holder>
std::shared_ptr<Module> make_default() {
  return Holder().ptr();
}
const std::vector<std::pair<std::string, ActivationFactory>>& activation_table() {
  static const std::vector<std::pair<std::string, ActivationFactory>> table = {
      {"relu", &make_default<ReLU>},
      {"relu6", &make_default<ReLU6>},
      {"leaky_relu", &make_default<LeakyReLU>},
      {"prelu", &make_default<PReLU>},
      {"elu", &make_default<ELU>},
      {"selu", &make_default<SELU>},
      {"gelu", &make_default<GELU>},
      {"silu", &make_default<SiLU>},
      {"mish", &make_default<Mish>},
      {"sigmoid", &make_default<Sigmoid>},
      {"tanh", &make_default<Tanh>},
      {"hardtanh", &make_default<Hardtanh>},
      {"hardsigmoid", &make_default<Hardsigmoid>},
      {"hardswish", &make_default<Hardswish>},
      {"softplus", &make_default<Softplus>},
      {"softsign", &make_default<Softsign>},
  };
  return table;
}
}  // namespace

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, make] : activation_table()) n.push_back(name);
    return n;
  }();
  return names;
}

std::shared_ptr<Module> make_activation(const std::string& name) {
  for (const auto& [n, make] : activation_table())
    if (n == name) return make();
  std::string all;
  for (const auto& n : activation_names()) all += (all.empty() ? "" : ", ") + n;
  DESCENT_FAIL("unknown activation '", name, "'; one of ", all);
}

}  // namespace descent::nn
