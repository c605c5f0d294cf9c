#pragma once
// Functional pooling with PyTorch's semantics (torch.nn.functional.max_pool1d/2d, avg_pool1d/2d,
// adaptive_avg_pool1d/2d). Inputs may be batched [N, C, *] or unbatched [C, *]; 4-D channels-last
// inputs give channels-last outputs. float32 and float64. An unset stride ({} or std::nullopt) means kernel_size.
#include <optional>
#include <utility>

#include "descent/core/tensor.h"
#include "descent/nn/expanding_array.h"

namespace descent::nn::functional {

/// Windowed maximum over L of [N, C, L]; padding acts as -inf and is at most half the kernel.
Tensor max_pool1d(const Tensor& input, ExpandingArray<1> kernel_size,
                  OptionalExpandingArray<1> stride = {}, ExpandingArray<1> padding = 0,
                  ExpandingArray<1> dilation = 1, bool ceil_mode = false);
/// max_pool1d plus the int64 position in L of each maximum.
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, ExpandingArray<1> kernel_size,
                                                  OptionalExpandingArray<1> stride = {},
                                                  ExpandingArray<1> padding = 0, ExpandingArray<1> dilation = 1,
                                                  bool ceil_mode = false);
/// Windowed maximum over H, W of [N, C, H, W].
Tensor max_pool2d(const Tensor& input, ExpandingArray<2> kernel_size,
                  OptionalExpandingArray<2> stride = {}, ExpandingArray<2> padding = 0,
                  ExpandingArray<2> dilation = 1, bool ceil_mode = false);
/// max_pool2d plus the int64 flat position h * W + w of each maximum in its input plane.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, ExpandingArray<2> kernel_size,
                                                  OptionalExpandingArray<2> stride = {},
                                                  ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1,
                                                  bool ceil_mode = false);
/// Windowed mean over L; count_include_pad counts the zero padding in the divisor.
Tensor avg_pool1d(const Tensor& input, ExpandingArray<1> kernel_size,
                  OptionalExpandingArray<1> stride = {}, ExpandingArray<1> padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
/// Windowed mean over H, W; divisor_override (non-zero) replaces the window size as divisor.
Tensor avg_pool2d(const Tensor& input, ExpandingArray<2> kernel_size,
                  OptionalExpandingArray<2> stride = {}, ExpandingArray<2> padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
/// Mean over L into output_size bins: bin i covers floor(i*L/out) .. ceil((i+1)*L/out).
Tensor adaptive_avg_pool1d(const Tensor& input, ExpandingArray<1> output_size);
/// Mean over H, W into output_size bins (per dim as adaptive_avg_pool1d).
Tensor adaptive_avg_pool2d(const Tensor& input, ExpandingArray<2> output_size);

}  // namespace descent::nn::functional
