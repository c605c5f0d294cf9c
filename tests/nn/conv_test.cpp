// Convolution and pooling: output shapes, errors that name shapes, module defaults and init
// bounds, printing, FLOPs, channels-last in -> channels-last out, fast vs reference kernels on
// random odd shapes (in tests/backend/conv_pool_kernels_test.cpp), and PyTorch golden values (tests/golden/conv.json, from tools/golden/conv.py).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "descent/backend/backend.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
namespace F = descent::nn::functional;
using backend::KernelImpl;
using backend::Window2d;
using test_util::close;

namespace {

std::string conv_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "<no error>";
}

#define EXPECT_ERROR_HAS(stmt, text) EXPECT_NE(conv_error_of([&] { (void)(stmt); }).find(text), std::string::npos) \
    << "message: " << conv_error_of([&] { (void)(stmt); })

bool is_cl(const Tensor& t) { return t.is_contiguous(MemoryFormat::ChannelsLast) && !t.is_contiguous(); }


}  // namespace

// ================= shapes =================

TEST(ConvShapes, Conv2dFollowsPyTorchFormula) {
  Tensor x = randn({2, 3, 11, 8});
  EXPECT_EQ(F::conv2d(x, randn({5, 3, 3, 3})).sizes(), (Shape{2, 5, 9, 6}));
  EXPECT_EQ(F::conv2d(x, randn({5, 3, 3, 3}), {}, 2, 1).sizes(), (Shape{2, 5, 6, 4}));
  EXPECT_EQ(F::conv2d(x, randn({5, 3, 3, 2}), {}, {3, 2}, {2, 0}, {2, 3}).sizes(), (Shape{2, 5, 4, 3}));
  EXPECT_EQ(F::conv2d(x, randn({6, 1, 3, 3}), {}, 1, 1, 1, 3).sizes(), (Shape{2, 6, 11, 8}));
  EXPECT_EQ(F::conv2d(x, randn({4, 3, 4, 2}), {}, 1, nn::kSame, 3).sizes(), (Shape{2, 4, 11, 8}));
  EXPECT_EQ(F::conv2d(x, randn({4, 3, 4, 2}), {}, 1, nn::kValid).sizes(), (Shape{2, 4, 8, 7}));
  EXPECT_EQ(F::conv2d(randn({3, 5, 5}), randn({2, 3, 3, 3})).sizes(), (Shape{2, 3, 3}));  // unbatched
  EXPECT_EQ(F::conv2d(randn({0, 3, 5, 5}), randn({2, 3, 3, 3})).sizes(), (Shape{0, 2, 3, 3}));
}

TEST(ConvShapes, Conv1dAndTranspose) {
  EXPECT_EQ(F::conv1d(randn({2, 3, 10}), randn({4, 3, 3}), {}, 2, 1).sizes(), (Shape{2, 4, 5}));
  EXPECT_EQ(F::conv1d(randn({3, 10}), randn({4, 3, 4}), {}, 1, nn::kSame).sizes(), (Shape{4, 10}));
  // (H - 1) s - 2p + d (k - 1) + output_padding + 1
  EXPECT_EQ(F::conv_transpose2d(randn({2, 4, 5, 3}), randn({4, 3, 3, 3}), {}, 2, 1, 1).sizes(), (Shape{2, 3, 10, 6}));
  EXPECT_EQ(F::conv_transpose2d(randn({2, 4, 5, 3}), randn({4, 1, 3, 2}), {}, {1, 3}, {0, 1}, {0, 2}, 2, {2, 1})
                .sizes(),
            (Shape{2, 2, 9, 8}));
  EXPECT_EQ(F::conv_transpose2d(randn({4, 5, 3}), randn({4, 3, 3, 3})).sizes(), (Shape{3, 7, 5}));
}

TEST(ConvShapes, TransposeIsTheAdjointOfConv) {
  // <conv(x), y> == <x, conv_transpose(y)> for the same weight and geometry.
  Tensor x = randn({2, 4, 9, 8}, kFloat64), w = randn({6, 2, 3, 2}, kFloat64);
  Tensor y = F::conv2d(x, w, {}, {2, 3}, {1, 1}, {1, 2}, 2);
  Tensor g = randn(y.sizes(), kFloat64);
  const int64_t oph = x.size(2) - ((y.size(2) - 1) * 2 - 2 + 1 * 2 + 1);
  const int64_t opw = x.size(3) - ((y.size(3) - 1) * 3 - 2 + 2 * 1 + 1);
  Tensor xt = F::conv_transpose2d(g, w, {}, {2, 3}, {1, 1}, {oph, opw}, 2, {1, 2});
  ASSERT_EQ(xt.sizes(), x.sizes());
  EXPECT_NEAR((y * g).sum().item<double>(), (x * xt).sum().item<double>(), 1e-9);
}

TEST(PoolShapes, CeilModeAndPadding) {
  Tensor x = randn({2, 3, 7, 6});
  EXPECT_EQ(F::max_pool2d(x, 2).sizes(), (Shape{2, 3, 3, 3}));
  EXPECT_EQ(F::max_pool2d(x, 2, {}, 0, 1, true).sizes(), (Shape{2, 3, 4, 3}));
  EXPECT_EQ(F::max_pool2d(x, 3, 2, 1, 1, true).sizes(), (Shape{2, 3, 4, 4}));
  // ceil mode drops a last window that would start in the right padding: 5 wide, k 2, s 2, p 1
  EXPECT_EQ(F::max_pool2d(randn({1, 1, 5, 5}), 2, 2, 1, 1, true).sizes(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(F::max_pool2d(x, 2, 1, 0, 2).sizes(), (Shape{2, 3, 5, 4}));
  EXPECT_EQ(F::avg_pool2d(x, 3, 2, 1, true).sizes(), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(F::avg_pool2d(randn({3, 7, 6}), 2).sizes(), (Shape{3, 3, 3}));
  EXPECT_EQ(F::max_pool1d(randn({2, 3, 9}), 2).sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(F::max_pool1d(randn({3, 9}), 2, {}, 0, 1, true).sizes(), (Shape{3, 5}));
  EXPECT_EQ(F::avg_pool1d(randn({2, 3, 9}), 3, 2, 1).sizes(), (Shape{2, 3, 5}));
  EXPECT_EQ(F::adaptive_avg_pool2d(x, {4, 2}).sizes(), (Shape{2, 3, 4, 2}));
  EXPECT_EQ(F::adaptive_avg_pool2d(randn({3, 7, 6}), 1).sizes(), (Shape{3, 1, 1}));
  EXPECT_EQ(F::adaptive_avg_pool1d(randn({2, 3, 9}), 4).sizes(), (Shape{2, 3, 4}));
  auto [v, i] = F::max_pool2d_with_indices(x, 2);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.sizes(), v.sizes());
}

// ================= values by hand =================

TEST(ConvValues, SmallHandComputedCases) {
  // 1 x 1 x 3 x 3 input, 2 x 2 all-ones kernel: sums of 2 x 2 blocks.
  Tensor x = arange(9.0).reshape({1, 1, 3, 3});
  Tensor y = F::conv2d(x, ones({1, 1, 2, 2}), tensor({0.5}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{8.5, 12.5, 20.5, 24.5}));
  // max pool with padding and its indices (flat h * W + w)
  auto [m, idx] = F::max_pool2d_with_indices(x, 2, 2, 1);
  EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{0, 2, 6, 8}));
  EXPECT_EQ(idx.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 6, 8}));
  // avg pool: include vs exclude padding
  EXPECT_EQ(F::avg_pool2d(x, 2, 2, 1, false, true).to_vector<float>(), (std::vector<float>{0, 0.75, 2.25, 6}));
  EXPECT_EQ(F::avg_pool2d(x, 2, 2, 1, false, false).to_vector<float>(), (std::vector<float>{0, 1.5, 4.5, 6}));
  // adaptive bins [0, 2) and [1, 3) overlap in the middle row/column
  EXPECT_EQ(F::adaptive_avg_pool2d(x, 2).to_vector<float>(), (std::vector<float>{2, 3, 5, 6}));
}

TEST(PoolValues, MaxPoolPropagatesNaN) {
  Tensor x = tensor({{{{1.0, NAN}, {3.0, 2.0}}}});
  auto [m, idx] = F::max_pool2d_with_indices(x, 2);
  EXPECT_TRUE(std::isnan(m.item<double>()));
  EXPECT_EQ(idx.item<int64_t>(), 1);
  // values-only kernels (no grad, no indices asked for), both layouts
  Tensor big = randn({2, 3, 4, 4});
  big.select(1, 1).select(1, 2).select(1, 3).fill_(NAN);  // (n, 1, 2, 3) in every image
  for (const Tensor& t : {big, big.contiguous(MemoryFormat::ChannelsLast)}) {
    Tensor y = F::max_pool2d(t, 2);
    EXPECT_TRUE(std::isnan(y.at<float>({0, 1, 1, 1})) && std::isnan(y.at<float>({1, 1, 1, 1})));
    EXPECT_EQ(isnan(y).sum().item<int64_t>(), 2);
  }
}

// ================= errors =================

TEST(ConvErrors, NameTheShapes) {
  Tensor x = randn({2, 1, 8, 8});
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 3, 3, 3})),
                   "weight of size [4, 3, 3, 3], expected input[2, 1, 8, 8] to have 3 channels, but got 1 channels");
  EXPECT_ERROR_HAS(F::conv2d(randn({1, 1, 2, 2}), randn({4, 1, 3, 3})),
                   "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be "
                   "greater than actual input size");
  EXPECT_ERROR_HAS(F::conv2d(randn({1, 1, 3, 3}), randn({4, 1, 2, 2}), {}, 1, 0, 3),
                   "Kernel size: (4 x 4)");  // dilated kernel
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}), randn({3})), "expected bias to be 1-dimensional with 4 elements");
  EXPECT_ERROR_HAS(F::conv2d(randn({1, 4, 5, 5}), randn({3, 2, 3, 3}), {}, 1, 0, 1, 2),
                   "expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 2, 3, 3]");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}), {}, 2, nn::kSame),
                   "padding='same' is not supported for strided convolutions");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}), {}, 0), "non-positive stride");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}), {}, 1, -1), "negative padding");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}), {}, 1, 0, 0), "dilation should be greater than zero");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}), {}, 1, 0, 1, 0), "non-positive groups");
  EXPECT_ERROR_HAS(F::conv2d(randn({8, 8}), randn({4, 1, 3, 3})),
                   "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [8, 8]");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3})), "weight must be 4-D");
  EXPECT_ERROR_HAS(F::conv2d(x, randn({4, 1, 3, 3}, kFloat64)), "weight type (float64) should be the same");
  EXPECT_ERROR_HAS(F::conv2d(x.to(kInt64), randn({4, 1, 3, 3}).to(kInt64)), "expected a float32 or float64 input");
  EXPECT_ERROR_HAS(F::conv2d(randn({1, 3, 4}), randn({4, 1, 3, 3}), {}, 1, {1}), "expected 2 values");
  EXPECT_ERROR_HAS(F::conv1d(randn({2, 3, 2}), randn({4, 3, 3})),
                   "Calculated padded input size per channel: (2). Kernel size: (3)");
  EXPECT_ERROR_HAS(F::conv1d(randn({2, 2, 5}), randn({4, 3, 3})),
                   "weight of size [4, 3, 3], expected input[2, 2, 5] to have 3 channels, but got 2 channels");
}

TEST(ConvErrors, Transposed) {
  EXPECT_ERROR_HAS(F::conv_transpose2d(randn({1, 3, 5, 5}), randn({4, 2, 3, 3})),
                   "Given transposed=1, weight of size [4, 2, 3, 3], expected input[1, 3, 5, 5] to have 4 channels, but "
                   "got 3 channels instead");
  EXPECT_ERROR_HAS(F::conv_transpose2d(randn({1, 4, 5, 5}), randn({4, 2, 3, 3}), {}, 2, 0, 2),
                   "output padding must be smaller than either stride or dilation");
  EXPECT_ERROR_HAS(F::conv_transpose2d(randn({1, 4, 1, 1}), randn({4, 2, 3, 3}), {}, 1, 2),
                   "Calculated output size per channel: (-1 x -1). Output size is too small");
  EXPECT_ERROR_HAS(F::conv_transpose2d(randn({1, 4, 5, 5}), randn({4, 2, 3, 3}), randn({3})),
                   "expected bias to be 1-dimensional with 2 elements");
}

TEST(PoolErrors, NameTheShapes) {
  Tensor x = randn({1, 2, 4, 4});
  EXPECT_ERROR_HAS(F::max_pool2d(x, 3, 1, 2), "pad should be at most half of effective kernel size");
  EXPECT_ERROR_HAS(F::max_pool2d(randn({1, 2, 2, 2}), 3),
                   "Given input size: (2 x 2). Calculated output size: (0 x 0). Output size is too small");
  EXPECT_ERROR_HAS(F::max_pool1d(randn({1, 2, 2}), 3), "Given input size: (2). Calculated output size: (0)");
  EXPECT_ERROR_HAS(F::max_pool2d(x, 0), "kernel size should be greater than zero");
  EXPECT_ERROR_HAS(F::max_pool2d(x, 2, 0), "stride should be greater than zero");
  EXPECT_ERROR_HAS(F::max_pool2d(x, 2, 2, 0, 0), "dilation should be greater than zero");
  EXPECT_ERROR_HAS(F::max_pool2d(randn({4, 4}), 2),
                   "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got: [4, 4]");
  EXPECT_ERROR_HAS(F::max_pool2d(randn({1, 0, 4, 4}), 2), "non-zero size for non-batch dimensions");
  EXPECT_ERROR_HAS(F::avg_pool2d(x, 2, 2, 0, false, true, 0), "divisor must be not zero");
  EXPECT_ERROR_HAS(F::avg_pool2d(x.to(kInt64), 2), "expected a float32 or float64 input, got int64");
  EXPECT_ERROR_HAS(F::adaptive_avg_pool2d(x, -1), "output_size must be non-negative");
  EXPECT_ERROR_HAS(F::adaptive_avg_pool1d(randn({2, 3, 4, 5}), 2), "Expected 2D or 3D (batch mode) tensor");
}

// ================= modules =================

TEST(ConvModules, DefaultsShapesAndInitBounds) {
  manual_seed(7);
  nn::Conv2d conv(nn::Conv2dOptions(16, 32, 3).padding(1));
  EXPECT_EQ(conv->weight.sizes(), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(conv->bias.sizes(), (Shape{32}));
  EXPECT_TRUE(conv->weight.requires_grad());
  // kaiming_uniform_(a = sqrt(5)) and the bias both give U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 16 * 9.
  const double bound = 1.0 / std::sqrt(16.0 * 9.0);
  EXPECT_LE(conv->weight.abs().max().item<double>(), bound);
  EXPECT_GT(conv->weight.abs().max().item<double>(), 0.95 * bound);
  EXPECT_NEAR(conv->weight.std().item<double>(), bound / std::sqrt(3.0), 0.05 * bound);
  EXPECT_LE(conv->bias.abs().max().item<double>(), bound);
  EXPECT_EQ(conv->named_parameters().keys(), (std::vector<std::string>{"weight", "bias"}));

  nn::ConvTranspose2d ct(nn::ConvTranspose2dOptions(8, 6, {3, 2}).groups(2).bias(false));
  EXPECT_EQ(ct->weight.sizes(), (Shape{8, 3, 3, 2}));
  EXPECT_FALSE(ct->bias.defined());
  EXPECT_LE(ct->weight.abs().max().item<double>(), 1.0 / std::sqrt(3.0 * 6.0));  // fan_in = size(1) * kh * kw

  nn::Conv1d c1(nn::Conv1dOptions(4, 6, 5).groups(2));
  EXPECT_EQ(c1->weight.sizes(), (Shape{6, 2, 5}));
  EXPECT_LE(c1->bias.abs().max().item<double>(), 1.0 / std::sqrt(10.0));
  EXPECT_EQ(c1(randn({3, 4, 9})).sizes(), (Shape{3, 6, 5}));
}

TEST(ConvModules, OptionErrors) {
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).padding_mode(nn::PaddingMode::Reflect)),
                   "padding_mode 'reflect' is not supported; only 'zeros' is implemented");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)), "in_channels must be divisible by groups");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(4, 3, 3).groups(2)), "out_channels must be divisible by groups");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(4, 4, 3).stride(2).padding(nn::kSame)),
                   "padding='same' is not supported for strided convolutions");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(4, 4, {3, 0})), "kernel_size must be positive, got [3, 0]");
  EXPECT_ERROR_HAS(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 4, 3).stride(2).output_padding(2)),
                   "output padding must be smaller than either stride or dilation");
  EXPECT_ERROR_HAS(nn::MaxPool2d(nn::MaxPool2dOptions(2).padding(2)), "pad should be at most half of kernel size");
  EXPECT_ERROR_HAS(nn::AvgPool2d(nn::AvgPool2dOptions(2).divisor_override(0)), "divisor_override must be non-zero");
  EXPECT_ERROR_HAS(nn::Conv2d(3, 4, 3)(randn({1, 2, 5, 5})), "to have 3 channels, but got 2 channels");
}

TEST(ConvModules, PrintLikeLibtorch) {
  EXPECT_EQ(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1))->extra_repr(),
            "1, 32, kernel_size=[3, 3], stride=[1, 1], padding=[1, 1]");
  EXPECT_EQ(nn::Conv2d(nn::Conv2dOptions(4, 8, {3, 5}).stride(2).dilation({1, 2}).groups(2).bias(false))->extra_repr(),
            "4, 8, kernel_size=[3, 5], stride=[2, 2], dilation=[1, 2], groups=2, bias=false");
  EXPECT_EQ(nn::Conv2d(nn::Conv2dOptions(2, 2, 3).padding(nn::kSame))->extra_repr(),
            "2, 2, kernel_size=[3, 3], stride=[1, 1], padding='same'");
  EXPECT_EQ(nn::Conv1d(3, 5, 4)->extra_repr(), "3, 5, kernel_size=[4], stride=[1]");
  EXPECT_EQ(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 2, 3).stride(2).padding(1).output_padding(1))
                ->extra_repr(),
            "4, 2, kernel_size=[3, 3], stride=[2, 2], padding=[1, 1], output_padding=[1, 1]");
  EXPECT_EQ(nn::MaxPool2d(2)->extra_repr(),
            "kernel_size=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], ceil_mode=false");
  EXPECT_EQ(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1))->extra_repr(),
            "kernel_size=[3, 3], stride=[2, 2], padding=[1, 1]");
  EXPECT_EQ(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({7, 7}))->extra_repr(), "output_size=[7, 7]");
  std::ostringstream os;
  os << *nn::Conv2d(1, 32, 3);
  EXPECT_EQ(os.str(), "Conv2d(1, 32, kernel_size=[3, 3], stride=[1, 1])");
}

TEST(ConvModules, SummaryFlopsForTheSpecCnn) {
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::MaxPool2d(2),
                     nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::AdaptiveAvgPool2d(1));
  nn::Summary s = nn::summary(net, {2, 1, 28, 28});
  ASSERT_EQ(s.rows.size(), 4u);
  auto row = [&](const std::string& name) {
    for (auto& r : s.rows)
      if (r.name == name) return r;
    ADD_FAILURE() << "no row " << name;
    return nn::SummaryRow{};
  };
  EXPECT_EQ(row("0").output_shape, (Shape{2, 32, 28, 28}));
  EXPECT_EQ(row("0").flops, 2 * 2 * 32 * 28 * 28 * 9);
  EXPECT_EQ(row("0").params, 32 * 9 + 32);
  EXPECT_EQ(row("1").output_shape, (Shape{2, 32, 14, 14}));
  EXPECT_EQ(row("1").flops, 2 * 32 * 14 * 14 * 4);
  EXPECT_EQ(row("2").flops, int64_t(2) * 2 * 64 * 14 * 14 * 32 * 9);
  EXPECT_EQ(row("3").output_shape, (Shape{2, 64, 1, 1}));
  EXPECT_EQ(nn::ConvTranspose2d(4, 2, 3)->flops({1, 4, 5, 5}, {1, 2, 7, 7}), 2 * 4 * 25 * 2 * 9);
}

TEST(ConvModules, TransposeOutputSize) {
  nn::ConvTranspose2d ct(nn::ConvTranspose2dOptions(3, 2, 3).stride(2).padding(1));
  Tensor x = randn({1, 3, 4, 5});
  EXPECT_EQ(ct(x).sizes(), (Shape{1, 2, 7, 9}));
  EXPECT_EQ(ct->forward(x, Shape{8, 10}).sizes(), (Shape{1, 2, 8, 10}));
  EXPECT_EQ(ct->forward(x, Shape{1, 2, 8, 9}).sizes(), (Shape{1, 2, 8, 9}));
  EXPECT_ERROR_HAS(ct->forward(x, Shape{9, 9}), "valid sizes range from [7] to [8]");
}

TEST(PoolModules, ForwardMatchesFunctional) {
  Tensor x = randn({2, 3, 9, 8});
  EXPECT_TRUE(equal(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true))(x),
                    F::max_pool2d(x, 3, 2, 1, 1, true)));
  auto [v, i] = nn::MaxPool2d(2)->forward_with_indices(x);
  EXPECT_TRUE(equal(i, F::max_pool2d_with_indices(x, 2).second));
  EXPECT_TRUE(equal(nn::AvgPool2d(nn::AvgPool2dOptions(3).padding(1).count_include_pad(false))(x),
                    F::avg_pool2d(x, 3, {}, 1, false, false)));
  EXPECT_TRUE(equal(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({3, 2}))(x), F::adaptive_avg_pool2d(x, {3, 2})));
  Tensor s = randn({2, 3, 11});
  EXPECT_TRUE(equal(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2))(s), F::max_pool1d(s, 3, 2)));
  EXPECT_TRUE(equal(nn::AvgPool1d(2)(s), F::avg_pool1d(s, 2)));
  EXPECT_TRUE(equal(nn::AdaptiveAvgPool1d(4)(s), F::adaptive_avg_pool1d(s, 4)));
  EXPECT_EQ(nn::MaxPool1d(2)->forward_with_indices(s).second.sizes(), (Shape{2, 3, 5}));
}

// ================= channels-last =================

TEST(ChannelsLast, OutputsAndGradientsKeepTheFormat) {
  Tensor x = randn({2, 3, 8, 7}).contiguous(MemoryFormat::ChannelsLast).requires_grad_();
  Tensor xc = x.detach().contiguous().requires_grad_();
  Tensor w = randn({4, 3, 3, 3}, TensorOptions().requires_grad()), b = randn({4}, TensorOptions().requires_grad());
  Tensor y = F::conv2d(x, w, b, 1, 1);
  EXPECT_TRUE(is_cl(y));
  Tensor yc = F::conv2d(xc, w, b, 1, 1);
  EXPECT_FALSE(is_cl(yc));
  EXPECT_TRUE(close(y, yc, 1e-5, 1e-5));
  auto grads = descent::grad({y.sum()}, {x, w});
  auto grads_c = descent::grad({yc.sum()}, {xc, w});
  EXPECT_TRUE(is_cl(grads[0]));
  EXPECT_TRUE(close(grads[0], grads_c[0], 1e-5, 1e-5));
  EXPECT_TRUE(close(grads[1], grads_c[1], 1e-5, 1e-4));

  EXPECT_TRUE(is_cl(F::max_pool2d(x, 2)));
  EXPECT_TRUE(is_cl(F::max_pool2d_with_indices(x, 2).second));
  EXPECT_TRUE(is_cl(F::avg_pool2d(x, 2)));
  EXPECT_TRUE(is_cl(F::adaptive_avg_pool2d(x, {3, 2})));
  EXPECT_TRUE(is_cl(F::conv_transpose2d(x, randn({3, 2, 3, 3}), {}, 2)));
  // A channels-last weight also makes the output channels-last (as PyTorch).
  EXPECT_TRUE(is_cl(F::conv2d(xc, w.detach().contiguous(MemoryFormat::ChannelsLast))));
  Tensor g = descent::grad({F::max_pool2d(x, 3, 2, 1).sum()}, {x})[0];
  EXPECT_TRUE(is_cl(g));
  EXPECT_TRUE(equal(F::max_pool2d_with_indices(x, 3, 2, 1).second.contiguous(),
                    F::max_pool2d_with_indices(xc, 3, 2, 1).second));
}

TEST(ChannelsLast, ModuleChain) {
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1)), nn::MaxPool2d(2),
                     nn::Conv2d(nn::Conv2dOptions(8, 4, 3).groups(2)), nn::AvgPool2d(2));
  Tensor x = randn({2, 3, 12, 12});
  Tensor a = net(x), b = net(x.contiguous(MemoryFormat::ChannelsLast));
  EXPECT_TRUE(is_cl(b));
  EXPECT_TRUE(close(a, b, 1e-5, 1e-5));
}

// ================= fast vs reference kernels =================


namespace {
using nlohmann::json;

Tensor from_json(const json& j, DType dt) {
  Shape s;
  for (auto& v : j["shape"]) s.push_back(v.get<int64_t>());
  if (dt == kInt64) return from_vector(j["data"].get<std::vector<int64_t>>(), s);
  return from_vector(j["data"].get<std::vector<double>>(), s, kFloat64).to(dt);
}

template <size_t D>
nn::ExpandingArray<D> arr(const json& o, const char* key, int64_t dflt) {
  if (!o.contains(key)) return nn::ExpandingArray<D>(dflt);
  std::array<int64_t, D> a{};
  for (size_t i = 0; i < D; ++i) a[i] = o[key][i].get<int64_t>();
  return nn::ExpandingArray<D>(a);
}

template <size_t D>
nn::ConvPadding<D> conv_pad(const json& o) {
  if (o.contains("padding") && o["padding"].is_string()) return nn::kSame;
  return nn::ConvPadding<D>(arr<D>(o, "padding", 0));
}

std::shared_ptr<nn::Module> build(const json& c) {
  const std::string layer = c["layer"];
  const json& o = c["options"];
  const int64_t groups = o.value("groups", 1);
  const bool bias = o.value("bias", true);
  if (layer == "Conv2d")
    return nn::Conv2d(nn::Conv2dOptions(o["in"], o["out"], arr<2>(o, "kernel", 1))
                          .stride(arr<2>(o, "stride", 1))
                          .padding(conv_pad<2>(o))
                          .dilation(arr<2>(o, "dilation", 1))
                          .groups(groups)
                          .bias(bias))
        .ptr();
  if (layer == "Conv1d")
    return nn::Conv1d(nn::Conv1dOptions(o["in"], o["out"], arr<1>(o, "kernel", 1))
                          .stride(arr<1>(o, "stride", 1))
                          .padding(conv_pad<1>(o))
                          .dilation(arr<1>(o, "dilation", 1))
                          .groups(groups)
                          .bias(bias))
        .ptr();
  if (layer == "ConvTranspose2d")
    return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(o["in"], o["out"], arr<2>(o, "kernel", 1))
                                   .stride(arr<2>(o, "stride", 1))
                                   .padding(arr<2>(o, "padding", 0))
                                   .output_padding(arr<2>(o, "output_padding", 0))
                                   .dilation(arr<2>(o, "dilation", 1))
                                   .groups(groups)
                                   .bias(bias))
        .ptr();
  if (layer == "MaxPool2d") {
    auto k = arr<2>(o, "kernel", 1);
    return nn::MaxPool2d(nn::MaxPool2dOptions(k)
                             .stride(o.contains("stride") ? arr<2>(o, "stride", 1) : k)
                             .padding(arr<2>(o, "padding", 0))
                             .dilation(arr<2>(o, "dilation", 1))
                             .ceil_mode(o.value("ceil_mode", false)))
        .ptr();
  }
  if (layer == "MaxPool1d") {
    auto k = arr<1>(o, "kernel", 1);
    return nn::MaxPool1d(nn::MaxPool1dOptions(k)
                             .stride(o.contains("stride") ? arr<1>(o, "stride", 1) : k)
                             .padding(arr<1>(o, "padding", 0))
                             .ceil_mode(o.value("ceil_mode", false)))
        .ptr();
  }
  if (layer == "AvgPool2d") {
    auto k = arr<2>(o, "kernel", 1);
    auto opts = nn::AvgPool2dOptions(k)
                    .stride(o.contains("stride") ? arr<2>(o, "stride", 1) : k)
                    .padding(arr<2>(o, "padding", 0))
                    .ceil_mode(o.value("ceil_mode", false))
                    .count_include_pad(o.value("count_include_pad", true));
    if (o.contains("divisor_override")) opts.divisor_override(o["divisor_override"].get<int64_t>());
    return nn::AvgPool2d(opts).ptr();
  }
  if (layer == "AvgPool1d") {
    auto k = arr<1>(o, "kernel", 1);
    return nn::AvgPool1d(nn::AvgPool1dOptions(k)
                             .stride(o.contains("stride") ? arr<1>(o, "stride", 1) : k)
                             .padding(arr<1>(o, "padding", 0))
                             .ceil_mode(o.value("ceil_mode", false))
                             .count_include_pad(o.value("count_include_pad", true)))
        .ptr();
  }
  if (layer == "AdaptiveAvgPool2d") return nn::AdaptiveAvgPool2d(arr<2>(o, "output_size", 1)).ptr();
  if (layer == "AdaptiveAvgPool1d") return nn::AdaptiveAvgPool1d(arr<1>(o, "output_size", 1)).ptr();
  ADD_FAILURE() << "unknown layer " << layer;
  return nullptr;
}

const json& golden() {
  static const json doc = [] {
    std::ifstream f(DESCENT_GOLDEN_DIR "/conv.json");
    EXPECT_TRUE(f.good()) << "missing " << DESCENT_GOLDEN_DIR "/conv.json (run tools/golden/conv.py)";
    return json::parse(f);
  }();
  return doc;
}

void run_golden(const json& c, DType dt, bool channels_last) {
  const std::string name = c["name"];
  SCOPED_TRACE(name + " " + dtype_name(dt) + (channels_last ? " channels-last" : ""));
  auto m = build(c);
  ASSERT_TRUE(m);
  m->to(dt);
  nn::StateDict sd;
  for (auto& [k, v] : c["state"].items()) sd.insert(k, from_json(v, dt));
  m->load_state_dict(sd);
  Tensor x = from_json(c["input"], dt);
  if (channels_last) x = x.contiguous(MemoryFormat::ChannelsLast);
  x.requires_grad_();
  Tensor y, idx;
  const std::string layer = c["layer"];
  if (layer == "MaxPool2d")
    std::tie(y, idx) = static_cast<nn::MaxPool2dImpl&>(*m).forward_with_indices(x);
  else if (layer == "MaxPool1d")
    std::tie(y, idx) = static_cast<nn::MaxPool1dImpl&>(*m).forward_with_indices(x);
  else
    y = m->forward(x);
  if (channels_last) {
    EXPECT_TRUE(is_cl(y)) << "output lost the channels-last format";
  }
  const double rtol = dt == kFloat32 ? 1e-5 : 1e-10;
  // Float32 sums of tens of products carry absolute error ~1e-6 of the largest term, so the
  // absolute slack scales with the largest expected value.
  auto check = [&](const Tensor& got, const json& want, const char* what) {
    Tensor w = from_json(want, kFloat64);
    const double scale = w.numel() ? w.abs().max().item<double>() : 1.0;
    EXPECT_TRUE(close(got, w, rtol, rtol * scale)) << what;
  };
  check(y, c["output"], "output");
  if (c.contains("indices")) {
    EXPECT_TRUE(equal(idx.contiguous(), from_json(c["indices"], kInt64))) << "indices";
  }
  (y * from_json(c["upstream"], dt)).sum().backward();
  check(x.grad(), c["grad_input"], "grad_input");
  auto params = m->named_parameters();
  for (auto& [k, v] : c["grads"].items()) {
    ASSERT_TRUE(params.contains(k)) << k;
    check(params[k].grad(), v, k.c_str());
  }
}
}  // namespace

TEST(ConvGolden, MatchesPyTorch) {
  const json& doc = golden();
  ASSERT_GE(doc["cases"].size(), 17u);
  for (const json& c : doc["cases"])
    for (DType dt : {kFloat32, kFloat64}) run_golden(c, dt, false);
}

TEST(ConvGolden, MatchesPyTorchWithChannelsLastInputs) {
  for (const json& c : golden()["cases"])
    if (c["input"]["shape"].size() == 4) run_golden(c, kFloat32, true);
}
