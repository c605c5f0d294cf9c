#pragma once
// Functional dropout. Masks come from the default Generator unless one is given, so
// manual_seed(s) reproduces them.
#include "descent/core/generator.h"
#include "descent/core/tensor.h"

namespace descent::nn::functional {

/// Zeroes each element with probability p and scales the rest by 1 / (1 - p) while training;
/// returns x itself when not training or p == 0.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);
/// Zeroes whole channels: input [N, C, H, W] or unbatched [C, H, W]; one draw per (n, c).
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);

}  // namespace descent::nn::functional
