#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Parameters without a
// gradient are ignored.
#include <vector>

#include "descent/core/tensor.h"

namespace descent::optim {

/// Scales all gradients in place by min(1, max_norm / (total_norm + 1e-6)), where total_norm is
/// the norm_type-norm of all gradients concatenated (norm_type > 0, or INFINITY for the largest
/// |g|). Returns total_norm (0 when no parameter has a gradient). A non-finite total_norm throws
/// descent::Error when error_if_nonfinite, else the gradients are scaled by it anyway (PyTorch).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient element to [-clip_value, clip_value] in place (clip_value >= 0).
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);
void clip_grad_value_(const Tensor& param, double clip_value);

}  // namespace descent::optim
