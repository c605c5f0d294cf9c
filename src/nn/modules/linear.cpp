#include "descent/nn/modules/linear.h"

#include <cmath>
#include <sstream>

#include "descent/autograd/grad_mode.h"
#include "descent/nn/functional/linear.h"
#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {

LinearImpl::LinearImpl(const LinearOptions& o) : Module("Linear"), options(o) {
  DESCENT_CHECK(o.in_features_ > 0 && o.out_features_ > 0, "Linear: in_features and out_features must be positive, got ",
                o.in_features_, " and ", o.out_features_);
  weight = register_parameter("weight", empty({o.out_features_, o.in_features_}));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_features_}));
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // PyTorch: kaiming_uniform_(a = sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)); same bound for bias.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(options.in_features_));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

std::string LinearImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << options.in_features_ << ", out_features=" << options.out_features_
     << ", bias=" << (options.bias_ ? "true" : "false");
  return os.str();
}

int64_t LinearImpl::flops(const Shape&, const Shape& out) const {
  return 2 * shape_numel(out) * options.in_features_;
}

BilinearImpl::BilinearImpl(const BilinearOptions& o) : Module("Bilinear"), options(o) {
  DESCENT_CHECK(o.in1_features_ > 0 && o.in2_features_ > 0 && o.out_features_ > 0,
                "Bilinear: feature sizes must be positive");
  weight = register_parameter("weight", empty({o.out_features_, o.in1_features_, o.in2_features_}));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_features_}));
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(options.in1_features_));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor BilinearImpl::forward(const Tensor& x1, const Tensor& x2) { return functional::bilinear(x1, x2, weight, bias); }

std::string BilinearImpl::extra_repr() const {
  std::ostringstream os;
  os << "in1_features=" << options.in1_features_ << ", in2_features=" << options.in2_features_
     << ", out_features=" << options.out_features_ << ", bias=" << (options.bias_ ? "true" : "false");
  return os.str();
}

std::string FlattenImpl::extra_repr() const {
  std::ostringstream os;
  os << "start_dim=" << start_dim << ", end_dim=" << end_dim;
  return os.str();
}

std::string UnflattenImpl::extra_repr() const {
  std::ostringstream os;
  os << "dim=" << dim << ", unflattened_size=" << sizes;
  return os.str();
}

}  // namespace descent::nn
