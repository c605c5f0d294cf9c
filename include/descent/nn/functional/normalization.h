#pragma once
// Functional forms of the normalisation layers: batch_norm, layer_norm, group_norm.
// Each is one autograd node with a dedicated backward (no long chains of element-wise nodes).
#include "descent/core/tensor.h"

namespace descent::nn::functional {

/// Batch normalisation of x [N, C, *] per channel C (dim 1):
///   y = (x - mean) / sqrt(var + eps) * weight + bias.
/// training: mean and the biased var come from the batch (over N and *), and the running stats
/// (when defined) are updated in place: r = (1 - momentum) * r + momentum * s, with the unbiased
/// batch var for running_var. Not training: running_mean / running_var are used (both required).
/// weight, bias [C] are optional. A channels-last input gives a channels-last output.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

/// Layer normalisation over the trailing dims of x given by normalized_shape:
///   y = (x - mean) / sqrt(var + eps) * weight + bias, with weight, bias of normalized_shape (optional).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

/// Group normalisation of x [N, C, *]: channels split into num_groups groups, each normalised over
/// its channels and *, then the per-channel affine weight, bias [C] (optional).
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace descent::nn::functional
