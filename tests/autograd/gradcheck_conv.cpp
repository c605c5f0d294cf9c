// Gradcheck table entries for convolution and pooling: stride, padding (incl. "same" with an
// even kernel, which pads asymmetrically), dilation, groups, channels-last and non-contiguous
// inputs, unbatched inputs, transposed convolution with output_padding, and pooling with
// ceil_mode, padding, dilation and divisor_override.
#include "descent/descent.h"
#include "gradcheck_registry.h"

using namespace descent;
namespace F = descent::nn::functional;

DESCENT_GRADCHECK_CASES(conv_op_cases) {
  using namespace gradcheck_table;
  auto entry = [&](std::string op, std::string variant, Fn fn, std::vector<Tensor> inputs) {
    c.push_back({std::move(op), std::move(variant), std::move(fn), std::move(inputs)});
  };
  using V = const std::vector<Tensor>&;

  // ---- conv2d ----
  entry("conv2d", "bias", [](V x) { return F::conv2d(x[0], x[1], x[2]); }, {R({2, 3, 5, 5}), R({4, 3, 3, 3}), R({4})});
  entry("conv2d", "stride padding", [](V x) { return F::conv2d(x[0], x[1], x[2], 2, 1); },
        {R({2, 2, 6, 5}), R({3, 2, 3, 3}), R({3})});
  entry("conv2d", "rect stride padding dilation", [](V x) { return F::conv2d(x[0], x[1], {}, {2, 1}, {1, 2}, {2, 1}); },
        {R({1, 2, 7, 6}), R({2, 2, 3, 2})});
  entry("conv2d", "groups", [](V x) { return F::conv2d(x[0], x[1], x[2], 1, 1, 1, 2); },
        {R({2, 4, 4, 4}), R({6, 2, 3, 3}), R({6})});
  entry("conv2d", "depthwise stride", [](V x) { return F::conv2d(x[0], x[1], {}, 2, 1, 1, 3); },
        {R({1, 3, 5, 5}), R({3, 1, 3, 3})});
  entry("conv2d", "same even kernel", [](V x) { return F::conv2d(x[0], x[1], x[2], 1, nn::kSame, {1, 2}); },
        {R({1, 2, 5, 4}), R({2, 2, 2, 4}), R({2})});
  entry("conv2d", "valid", [](V x) { return F::conv2d(x[0], x[1], {}, 1, nn::kValid); },
        {R({1, 2, 4, 4}), R({2, 2, 2, 2})});
  entry("conv2d", "pointwise", [](V x) { return F::conv2d(x[0], x[1], x[2]); },
        {R({2, 4, 3, 3}), R({3, 4, 1, 1}), R({3})});
  entry("conv2d", "channels-last", [](V x) { return F::conv2d(x[0], x[1], x[2], 1, 1); },
        {CL({2, 3, 4, 5}), R({4, 3, 3, 3}), R({4})});
  entry("conv2d", "channels-last groups stride dilation",
        [](V x) { return F::conv2d(x[0], x[1], x[2], 2, 2, 2, 2); }, {CL({2, 4, 7, 6}), R({4, 2, 3, 3}), R({4})});
  entry("conv2d", "channels-last pointwise groups", [](V x) { return F::conv2d(x[0], x[1], {}, 1, 0, 1, 2); },
        {CL({2, 4, 3, 2}), R({6, 2, 1, 1})});
  entry("conv2d", "channels-last weight", [](V x) { return F::conv2d(x[0], x[1]); }, {R({1, 2, 4, 4}), CL({3, 2, 2, 2})});
  entry("conv2d", "noncontig", [](V x) { return F::conv2d(x[0], x[1], {}, 1, 1); }, {NC({1, 2, 4, 3}), NC({2, 2, 3, 3})});
  entry("conv2d", "unbatched", [](V x) { return F::conv2d(x[0], x[1], x[2], 1, 1); },
        {R({2, 4, 4}), R({3, 2, 3, 3}), R({3})});

  // ---- conv1d ----
  entry("conv1d", "bias", [](V x) { return F::conv1d(x[0], x[1], x[2]); }, {R({2, 3, 7}), R({4, 3, 3}), R({4})});
  entry("conv1d", "stride padding dilation groups", [](V x) { return F::conv1d(x[0], x[1], x[2], 2, 2, 2, 2); },
        {R({2, 4, 9}), R({6, 2, 3}), R({6})});
  entry("conv1d", "same even kernel", [](V x) { return F::conv1d(x[0], x[1], {}, 1, nn::kSame); },
        {R({1, 2, 6}), R({3, 2, 4})});
  entry("conv1d", "unbatched", [](V x) { return F::conv1d(x[0], x[1], x[2], 1, 1); }, {R({2, 5}), R({3, 2, 3}), R({3})});

  // ---- conv_transpose2d ----
  entry("conv_transpose2d", "bias", [](V x) { return F::conv_transpose2d(x[0], x[1], x[2]); },
        {R({2, 3, 3, 4}), R({3, 2, 3, 3}), R({2})});
  entry("conv_transpose2d", "stride padding output_padding",
        [](V x) { return F::conv_transpose2d(x[0], x[1], x[2], 2, 1, 1); }, {R({1, 2, 3, 3}), R({2, 3, 3, 3}), R({3})});
  entry("conv_transpose2d", "rect output_padding groups dilation",
        [](V x) { return F::conv_transpose2d(x[0], x[1], {}, {2, 3}, {0, 1}, {1, 2}, 2, {1, 2}); },
        {R({1, 4, 3, 3}), R({4, 1, 2, 3})});
  entry("conv_transpose2d", "channels-last", [](V x) { return F::conv_transpose2d(x[0], x[1], x[2], 2, 1); },
        {CL({2, 3, 3, 3}), R({3, 2, 3, 3}), R({2})});
  entry("conv_transpose2d", "unbatched", [](V x) { return F::conv_transpose2d(x[0], x[1], {}, 1, 1); },
        {R({2, 3, 3}), R({2, 2, 3, 3})});

  // ---- max pooling ----
  entry("max_pool2d", "2x2", [](V x) { return F::max_pool2d(x[0], 2); }, {R({2, 3, 4, 6})});
  entry("max_pool2d", "stride padding ceil_mode", [](V x) { return F::max_pool2d(x[0], 3, 2, 1, 1, true); },
        {R({1, 2, 6, 7})});
  entry("max_pool2d", "dilation rect", [](V x) { return F::max_pool2d(x[0], {2, 3}, {1, 2}, {1, 0}, {2, 1}); },
        {R({1, 2, 6, 7})});
  entry("max_pool2d", "channels-last ceil_mode", [](V x) { return F::max_pool2d(x[0], 2, 2, 1, 1, true); },
        {CL({2, 3, 5, 5})});
  entry("max_pool2d", "noncontig", [](V x) { return F::max_pool2d(x[0], 2, 1); }, {NC({2, 2, 3, 4})});
  entry("max_pool2d", "unbatched", [](V x) { return F::max_pool2d(x[0], 2); }, {R({3, 4, 4})});
  entry("max_pool2d_with_indices", "values", [](V x) { return F::max_pool2d_with_indices(x[0], 3, 2, 1).first; },
        {R({2, 2, 5, 5})});
  entry("max_pool1d", "stride padding ceil_mode", [](V x) { return F::max_pool1d(x[0], 3, 2, 1, 1, true); },
        {R({2, 3, 8})});
  entry("max_pool1d", "unbatched dilation", [](V x) { return F::max_pool1d(x[0], 2, 1, 0, 2); }, {R({3, 7})});
  entry("max_pool1d_with_indices", "values", [](V x) { return F::max_pool1d_with_indices(x[0], 2).first; },
        {R({2, 2, 6})});

  // ---- average pooling ----
  entry("avg_pool2d", "2x2", [](V x) { return F::avg_pool2d(x[0], 2); }, {R({2, 3, 4, 6})});
  entry("avg_pool2d", "padding ceil_mode include_pad",
        [](V x) { return F::avg_pool2d(x[0], 3, 2, 1, true, true); }, {R({1, 2, 6, 7})});
  entry("avg_pool2d", "padding ceil_mode exclude_pad",
        [](V x) { return F::avg_pool2d(x[0], 3, 2, 1, true, false); }, {R({1, 2, 6, 7})});
  entry("avg_pool2d", "divisor_override rect", [](V x) { return F::avg_pool2d(x[0], {2, 3}, {1, 2}, {1, 1}, false, true, 5); },
        {R({1, 2, 5, 6})});
  entry("avg_pool2d", "channels-last padding", [](V x) { return F::avg_pool2d(x[0], 3, 2, 1, true, false); },
        {CL({2, 3, 5, 6})});
  entry("avg_pool2d", "unbatched", [](V x) { return F::avg_pool2d(x[0], 2, 1); }, {R({2, 3, 4})});
  entry("avg_pool1d", "padding ceil_mode", [](V x) { return F::avg_pool1d(x[0], 3, 2, 1, true, false); },
        {R({2, 3, 8})});
  entry("avg_pool1d", "unbatched", [](V x) { return F::avg_pool1d(x[0], 2); }, {R({3, 6})});

  // ---- adaptive average pooling ----
  entry("adaptive_avg_pool2d", "overlapping bins", [](V x) { return F::adaptive_avg_pool2d(x[0], {3, 2}); },
        {R({2, 2, 5, 7})});
  entry("adaptive_avg_pool2d", "upsampling", [](V x) { return F::adaptive_avg_pool2d(x[0], 4); }, {R({1, 2, 3, 2})});
  entry("adaptive_avg_pool2d", "channels-last", [](V x) { return F::adaptive_avg_pool2d(x[0], {2, 3}); },
        {CL({2, 3, 5, 5})});
  entry("adaptive_avg_pool2d", "global", [](V x) { return F::adaptive_avg_pool2d(x[0], 1); }, {NC({2, 3, 3, 4})});
  entry("adaptive_avg_pool1d", "overlapping bins", [](V x) { return F::adaptive_avg_pool1d(x[0], 3); }, {R({2, 3, 7})});
  entry("adaptive_avg_pool1d", "unbatched", [](V x) { return F::adaptive_avg_pool1d(x[0], 2); }, {R({3, 5})});
}
