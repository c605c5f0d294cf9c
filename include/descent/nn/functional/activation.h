#pragma once
// Functional activations and the softmax family (torch.nn.functional names and defaults).
// relu, sigmoid and tanh are the tensor ops of the same name (descent::relu, Tensor::relu()).
#include <optional>
#include <string>

#include "descent/core/tensor.h"

namespace descent::nn::functional {

/// min(max(x, 0), 6).
Tensor relu6(const Tensor& x);
/// x for x > 0, negative_slope * x otherwise.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// x for x > 0, weight * x otherwise; weight has 1 element or one per channel (dim 1 of x).
Tensor prelu(const Tensor& x, const Tensor& weight);
/// x for x > 0, alpha * (exp(x) - 1) otherwise.
Tensor elu(const Tensor& x, double alpha = 1.0);
/// scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017).
Tensor selu(const Tensor& x);
/// x * Phi(x). approximate "none": Phi(x) = (1 + erf(x / sqrt 2)) / 2;
/// "tanh": Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
/// x * sigmoid(x) (swish).
Tensor silu(const Tensor& x);
/// x * tanh(softplus(x)).
Tensor mish(const Tensor& x);
/// clamp(x, min_val, max_val); the gradient is zero outside the open interval (min_val, max_val).
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
/// relu6(x + 3) / 6.
Tensor hardsigmoid(const Tensor& x);
/// x * relu6(x + 3) / 6.
Tensor hardswish(const Tensor& x);
/// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
/// x / (1 + |x|).
Tensor softsign(const Tensor& x);
/// exp(x) / sum(exp(x)) along dim, computed as exp(x - max) / sum(exp(x - max)).
/// dtype: the input is cast to it first (as PyTorch's dtype argument).
Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
/// x - max - log(sum(exp(x - max))) along dim.
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace descent::nn::functional
