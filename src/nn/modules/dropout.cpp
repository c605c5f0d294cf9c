#include "descent/nn/modules/dropout.h"

#include <sstream>

#include "descent/nn/functional/dropout.h"

namespace descent::nn {

DropoutOptions::DropoutOptions(double p) { this->p(p); }

DropoutOptions& DropoutOptions::p(double v) {
  DESCENT_CHECK(v >= 0.0 && v <= 1.0, "Dropout: probability p has to be between 0 and 1, but got ", v);
  p_ = v;
  return *this;
}

Tensor DropoutImpl::forward(const Tensor& x) { return functional::dropout(x, options.p_, is_training()); }

std::string DropoutImpl::extra_repr() const {
  std::ostringstream os;
  os << "p=" << options.p_;
  return os.str();
}

Tensor Dropout2dImpl::forward(const Tensor& x) { return functional::dropout2d(x, options.p_, is_training()); }

std::string Dropout2dImpl::extra_repr() const {
  std::ostringstream os;
  os << "p=" << options.p_;
  return os.str();
}

}  // namespace descent::nn
