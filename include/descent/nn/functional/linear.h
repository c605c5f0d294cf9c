#pragma once
// Functional forms of the linear layers.
#include <optional>

#include "descent/core/tensor.h"

namespace descent::nn::functional {

/// x W^T + b over the last dim of x (any leading dims).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
/// y_o = x1^T W_o x2 + b_o over the last dims of x1 [*, in1] and x2 [*, in2].
Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace descent::nn::functional
