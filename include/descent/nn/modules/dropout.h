#pragma once
// Dropout layers: active only in training mode (identity after eval()).
#include <string>

#include "descent/nn/module.h"

namespace descent::nn {

struct DropoutOptions {
  /// p: the probability of zeroing an element (or channel), in [0, 1].
  DropoutOptions(double p = 0.5);
  DropoutOptions& p(double v);
  double p_ = 0.5;
};

/// Zeroes elements with probability p and scales the rest by 1 / (1 - p) while training.
class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(const DropoutOptions& o = {}) : Module("Dropout"), options(o) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  DropoutOptions options;
};
DESCENT_MODULE(Dropout);

/// Zeroes whole channels of [N, C, H, W] (or [C, H, W]) inputs with probability p while training.
class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(const DropoutOptions& o = {}) : Module("Dropout2d"), options(o) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  DropoutOptions options;
};
DESCENT_MODULE(Dropout2d);

}  // namespace descent::nn
