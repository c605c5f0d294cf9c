#pragma once
// Winograd F(2x2, 3x3) convolution for float32 activations, NCHW or channels-last (cl: [N, H, W, C]
// in memory) (private to src/backend/cpu; used by conv.cpp).
//
// A 3x3, stride-1, undilated, ungrouped convolution computes each 2x2 output tile from a 4x4 input
// tile with 16 multiplies per (input, output) channel pair instead of 36: the input tile d goes to
// V = B^T d B, the filter g to U = G g G^T, their element-wise products summed over input channels
// (16 GEMMs [O, C] x [C, tiles]) give M, and the tile is Y = A^T M A. That is 2.25x fewer
// multiply-adds than im2col + GEMM, for additions in the transforms. Results differ from the direct
// sum by rounding only (the transforms hold 1/2, 0 and +-1).
#include <cstdint>
#include <vector>

namespace descent::backend::cpu {

/// Filters [O, C, 3, 3] transformed for winograd_conv3x3: U [16][C][O]. With flip_transpose, the
/// filters of the transposed convolution instead (dx = conv(dy, W'), W'[c][o] = W[o][c] rotated 180
/// degrees): U [16][O][C], as the input gradient needs.
std::vector<float> winograd_filters(const float* w, int64_t O, int64_t C, bool flip_transpose);

/// y[N, O, Ho, Wo] = conv3x3(x[N, C, H, W]) + bias (bias [O] or null), where output (oy, ox) reads
/// input rows oy - pad_h .. oy - pad_h + 2 and columns likewise (outside [0, H) x [0, W): zero).
/// U from winograd_filters ([16][C][O]). Images go in blocks across descent's pool; results do
/// not depend on the thread count.
void winograd_conv3x3(const float* x, const float* U, const float* bias, float* y, int64_t N, int64_t C, int64_t H,
                      int64_t W, int64_t O, int64_t Ho, int64_t Wo, int64_t pad_h, int64_t pad_w, bool cl);

/// dw[O, C, 3, 3] = the weight gradient of winograd_conv3x3's convolution for x[N, C, H, W] and
/// dy[N, O, Ho, Wo]: dU[e] = sum over tiles of (A dy A^T)[e] (B^T d B)[e] (16 GEMMs with the tiles
/// as the inner dimension), then dw = G^T dU G. Fixed blocks of images sum into fixed partials, so
/// the result does not depend on the thread count.
void winograd_conv3x3_weight_grad(const float* x, const float* dy, float* dw, int64_t N, int64_t C, int64_t H,
                                  int64_t W, int64_t O, int64_t Ho, int64_t Wo, int64_t pad_h, int64_t pad_w, bool cl);

}  // namespace descent::backend::cpu
