#pragma once
// Functional convolutions with PyTorch's semantics (torch.nn.functional.conv1d/conv2d/
// conv_transpose2d). Inputs may be batched [N, C, *] or unbatched [C, *]; 4-D channels-last
// inputs (or weights) give channels-last outputs. float32 and float64.
#include "descent/core/tensor.h"
#include "descent/nn/expanding_array.h"

namespace descent::nn::functional {

/// y[N, O, L'] = conv over L of x[N, C, L] with weight [O, C/groups, k] (+ bias [O]).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), ExpandingArray<1> stride = 1,
              ConvPadding<1> padding = 0, ExpandingArray<1> dilation = 1, int64_t groups = 1);
/// y[N, O, H', W'] with H' = (H + 2p - d(k-1) - 1) / s + 1, weight [O, C/groups, kh, kw] (+ bias [O]).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), ExpandingArray<2> stride = 1,
              ConvPadding<2> padding = 0, ExpandingArray<2> dilation = 1, int64_t groups = 1);
/// The adjoint of conv2d in its input: x[N, C, H, W] with weight [C, O/groups, kh, kw] gives
/// y[N, O, (H-1)s - 2p + d(k-1) + output_padding + 1, ...] (+ bias [O]).
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        ExpandingArray<2> stride = 1, ExpandingArray<2> padding = 0,
                        ExpandingArray<2> output_padding = 0, int64_t groups = 1, ExpandingArray<2> dilation = 1);

}  // namespace descent::nn::functional
