// Fast convolution and pooling kernels against their reference twins on random odd shapes, both
// dtypes and both layouts (NCHW and channels-last): im2col GEMM, the flat AVX-512 im2col form,
// Winograd, blocking across images, max / average pooling with ceil mode and padding.
#include <gtest/gtest.h>

#include "descent/backend/backend.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
namespace F = descent::nn::functional;
using backend::KernelImpl;
using backend::Window2d;
using test_util::close;

namespace {
struct ConvCase {
  int64_t N, C, H, W, O, kh, kw, sh, sw, ph, pw, pb, pr, dh, dw, G;
};

Tensor rnd(const Shape& s, DType dt, bool cl) {
  Tensor t = randn(s, dt);
  return cl ? t.contiguous(MemoryFormat::ChannelsLast) : t;
}
Tensor empty_as(const Shape& s, DType dt, bool cl) {
  return cl ? empty_strided(s, channels_last_strides(s), dt) : empty(s, dt);
}

void check_conv_kernels(const ConvCase& k, DType dt, bool cl) {
  SCOPED_TRACE(::testing::Message() << "N" << k.N << " C" << k.C << " " << k.H << "x" << k.W << " O" << k.O << " k"
                                    << k.kh << "x" << k.kw << " s" << k.sh << "," << k.sw << " p" << k.ph << ","
                                    << k.pw << "/" << k.pb << "," << k.pr << " d" << k.dh << "," << k.dw << " g" << k.G
                                    << " " << dt << (cl ? " channels-last" : " NCHW"));
  auto& be = backend::get(kCPU);
  const Window2d w{k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw};
  const int64_t Ho = (k.H + k.ph + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  const int64_t Wo = (k.W + k.pw + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  Tensor x = rnd({k.N, k.C, k.H, k.W}, dt, cl), wt = randn({k.O, k.C / k.G, k.kh, k.kw}, dt), b = randn({k.O}, dt);
  Tensor gy = rnd({k.N, k.O, Ho, Wo}, dt, cl);
  const double tol = dt == kFloat32 ? 1e-4 : 1e-10;
  Tensor y1 = empty_as(gy.sizes(), dt, cl), y2 = empty_as(gy.sizes(), dt, cl);
  be.conv2d(x, wt, b, y1, w, k.G, KernelImpl::Fast);
  be.conv2d(x, wt, b, y2, w, k.G, KernelImpl::Reference);
  EXPECT_TRUE(close(y1, y2, tol, tol)) << "forward";
  Tensor gx1 = empty_as(x.sizes(), dt, cl), gx2 = empty_as(x.sizes(), dt, cl);
  be.conv2d_backward_input(gy, wt, gx1, w, k.G, KernelImpl::Fast);
  be.conv2d_backward_input(gy, wt, gx2, w, k.G, KernelImpl::Reference);
  EXPECT_TRUE(close(gx1, gx2, tol, tol)) << "backward input";
  Tensor gw1 = empty(wt.sizes(), dt), gw2 = empty(wt.sizes(), dt), gw3 = empty(wt.sizes(), dt);
  Tensor gb1 = empty({k.O}, dt), gb2 = empty({k.O}, dt);
  be.conv2d_backward_weight(gy, x, gw1, gb1, w, k.G, KernelImpl::Fast);
  be.conv2d_backward_weight(gy, x, gw2, gb2, w, k.G, KernelImpl::Reference);
  be.conv2d_backward_weight(gy, x, gw3, Tensor(), w, k.G, KernelImpl::Fast);
  EXPECT_TRUE(close(gw1, gw2, tol, tol * 10)) << "backward weight";
  EXPECT_TRUE(close(gw3, gw1, 0, 0)) << "backward weight without the bias";
  EXPECT_TRUE(close(gb1, gb2, tol, tol * 10)) << "backward bias";
  EXPECT_TRUE(close(gb2, gy.sum({0, 2, 3}), tol, tol * 10)) << "backward bias (reference)";
}
}  // namespace

TEST(ConvKernels, FastMatchesReferenceOnOddShapes) {
  manual_seed(11);
  const ConvCase cases[] = {
      {3, 5, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // plain "same"
      {2, 6, 11, 5, 9, 3, 2, 2, 1, 1, 0, 2, 1, 1, 2, 3},  // asymmetric padding, stride, dilation, groups
      {9, 3, 6, 6, 5, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1},   // more images than one weight-gradient block
      {2, 4, 5, 7, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2},   // pointwise, grouped (no im2col)
      {2, 6, 5, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 6},   // depthwise
      {1, 2, 4, 3, 3, 4, 3, 3, 1, 2, 1, 2, 1, 1, 1, 1},   // kernel taller than the input, covered by padding
      {2, 3, 9, 8, 2, 3, 3, 3, 2, 0, 2, 0, 2, 2, 3, 1},   // stride skips input rows
      {1, 4, 3, 3, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 2},   // pointwise with padding and stride
  };
  for (const ConvCase& k : cases)
    for (DType dt : {kFloat32, kFloat64})
      for (bool cl : {false, true}) check_conv_kernels(k, dt, cl);
}

TEST(ConvKernels, FlatIm2colShapes) {
  // Unit stride with Wo == W takes the flat AVX-512 im2col / col2im (float, NCHW) where the CPU has
  // it: taps shift whole planes, with the padding masked per 16-position chunk.
  manual_seed(14);
  const ConvCase cases[] = {
      {2, 1, 28, 28, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // the CNN's first layer (784 = 49 full chunks)
      {3, 5, 14, 14, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // its second (196: a 4-lane tail)
      {2, 3, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},     // one chunk exactly
      {2, 4, 9, 11, 6, 5, 5, 1, 1, 4, 4, 4, 4, 2, 2, 2},    // dilated "same", groups
      {2, 3, 7, 6, 3, 3, 3, 1, 1, 2, 1, 0, 1, 1, 1, 1},     // Ho != H (asymmetric rows), Wo == W
      {1, 2, 6, 1, 3, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1},     // W = 1
      {2, 3, 3, 5, 2, 7, 5, 1, 1, 3, 2, 3, 2, 1, 1, 1},     // kernel larger than the plane
  };
  for (const ConvCase& k : cases)
    for (DType dt : {kFloat32, kFloat64})
      for (bool cl : {false, true}) check_conv_kernels(k, dt, cl);
}

TEST(ConvKernels, WinogradShapes) {
  // float 3x3, unit stride and dilation, no groups, >= 8 channels each way, >= 8 images: the forward
  // and both gradients run Winograd F(2x2, 3x3) (winograd.h), NCHW and channels-last, where the
  // reference sums directly. Odd output sizes clip the last tile row and column; channel counts off multiples of
  // 16 take the masked lanes; padding larger than 1 and asymmetric padding move the tiles.
  manual_seed(15);
  const ConvCase cases[] = {
      {9, 8, 14, 14, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},     // "same", even output
      {8, 16, 7, 9, 12, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},     // "valid": 5x7 output
      {10, 9, 5, 6, 17, 3, 3, 1, 1, 2, 1, 1, 2, 1, 1, 1},     // asymmetric and wide padding
      {8, 20, 1, 1, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // a 1x1 image
      {8, 33, 12, 10, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // two and a bit channel vectors each way
      {41, 8, 6, 6, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // weight gradient over several partial sums
      {8, 8, 5, 4, 8, 3, 3, 1, 1, 3, 4, 2, 3, 1, 1, 1},       // padding past the kernel: the input gradient crops
  };
  for (const ConvCase& k : cases)
    for (bool cl : {false, true}) check_conv_kernels(k, kFloat32, cl);
  // The same bits for any thread count (fixed image blocks and partial sums).
  auto& be = backend::get(kCPU);
  const Window2d w{3, 3, 1, 1, 1, 1, 1, 1};
  Tensor x = randn({41, 8, 10, 10}), wt = randn({9, 8, 3, 3}), b = randn({9}), gy = randn({41, 9, 10, 10});
  std::vector<std::vector<float>> runs;
  const int saved = get_num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Tensor y = empty({41, 9, 10, 10}), gx = empty(x.sizes()), gw = empty(wt.sizes()), gb = empty({9});
    be.conv2d(x, wt, b, y, w, 1);
    be.conv2d_backward_input(gy, wt, gx, w, 1);
    be.conv2d_backward_weight(gy, x, gw, gb, w, 1);
    std::vector<float> all = y.to_vector<float>();
    for (const Tensor& t : {gx, gw, gb})
      for (float v : t.to_vector<float>()) all.push_back(v);
    runs.push_back(all);
  }
  set_num_threads(saved);
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
}

TEST(ConvKernels, BlocksAcrossImages) {
  // Fewer than 8 images with a GEMM big enough to thread: NCHW goes through blocks of images, one
  // GEMM each. 50x50x32 with a 3x3 kernel is 720k im2col elements per image, so blocks of 2, the
  // last one partial. NHWC always blocks images (9 per block at 40x40x16).
  manual_seed(12);
  for (bool cl : {false, true}) check_conv_kernels({5, 32, 50, 50, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, kFloat32, cl);
  check_conv_kernels({20, 16, 40, 40, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, kFloat32, true);
  // 8 images or more: NCHW blocks of up to 8 images spread over the threads (here 8, 8 and 5,
  // two groups), a first layer with under 32 column rows one image at a time.
  for (DType dt : {kFloat32, kFloat64}) {
    check_conv_kernels({21, 8, 10, 10, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2}, dt, false);
    check_conv_kernels({11, 1, 12, 12, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, dt, false);
    check_conv_kernels({9, 6, 7, 7, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, dt, false);
  }
  check_conv_kernels({3, 8, 30, 20, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2}, kFloat64, false);
}

TEST(ConvKernels, NchwAndNhwcAgree) {
  manual_seed(13);
  Tensor x = randn({3, 4, 9, 7}), w = randn({6, 2, 3, 3}), b = randn({6});
  Tensor a = F::conv2d(x, w, b, 2, 1, 1, 2), c = F::conv2d(x.contiguous(MemoryFormat::ChannelsLast), w, b, 2, 1, 1, 2);
  EXPECT_TRUE(close(c, a, 1e-5, 1e-5));
}

namespace {
void check_pool_kernels(const Shape& s, const Window2d& w, bool ceil_mode, DType dt, bool cl) {
  SCOPED_TRACE(::testing::Message() << s << " k" << w.kh << "x" << w.kw << " s" << w.sh << "," << w.sw << " p" << w.ph
                                    << "," << w.pw << " d" << w.dh << "," << w.dw << (ceil_mode ? " ceil " : " ")
                                    << dt << (cl ? " channels-last" : " NCHW"));
  auto& be = backend::get(kCPU);
  auto out_size = [&](int64_t in, int64_t k, int64_t p, int64_t st, int64_t d) {
    int64_t o = (in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? st - 1 : 0)) / st + 1;
    if (ceil_mode && (o - 1) * st >= in + p) --o;
    return o;
  };
  const Shape os{s[0], s[1], out_size(s[2], w.kh, w.ph, w.sh, w.dh), out_size(s[3], w.kw, w.pw, w.sw, w.dw)};
  Tensor x = rnd(s, dt, cl), gy = rnd(os, dt, cl);
  const double tol = dt == kFloat32 ? 1e-5 : 1e-12;
  {
    Tensor y1 = empty_as(os, dt, cl), y2 = empty_as(os, dt, cl);
    Tensor i1 = empty_as(os, kInt64, cl), i2 = empty_as(os, kInt64, cl);
    be.max_pool2d(x, y1, i1, w, KernelImpl::Fast);
    be.max_pool2d(x, y2, i2, w, KernelImpl::Reference);
    EXPECT_TRUE(equal(y1, y2)) << "max forward";
    EXPECT_TRUE(equal(i1, i2)) << "max indices";
    Tensor y3 = empty_as(os, dt, cl);
    be.max_pool2d(x, y3, Tensor(), w, KernelImpl::Fast);  // values only
    EXPECT_TRUE(equal(y3, y1)) << "max forward without indices";
    Tensor g1 = empty_as(s, dt, cl), g2 = empty_as(s, dt, cl);
    be.max_pool2d_backward(gy, i1, g1, KernelImpl::Fast);
    be.max_pool2d_backward(gy, i1, g2, KernelImpl::Reference);
    EXPECT_TRUE(close(g1, g2, tol, tol)) << "max backward";
  }
  if (w.dh == 1 && w.dw == 1) {
    for (bool include_pad : {false, true})
      for (int64_t divisor : {int64_t(0), int64_t(3)}) {
        Tensor y1 = empty_as(os, dt, cl), y2 = empty_as(os, dt, cl);
        be.avg_pool2d(x, y1, w, include_pad, divisor, KernelImpl::Fast);
        be.avg_pool2d(x, y2, w, include_pad, divisor, KernelImpl::Reference);
        EXPECT_TRUE(close(y1, y2, tol, tol)) << "avg forward";
        Tensor g1 = empty_as(s, dt, cl), g2 = empty_as(s, dt, cl);
        be.avg_pool2d_backward(gy, g1, w, include_pad, divisor, KernelImpl::Fast);
        be.avg_pool2d_backward(gy, g2, w, include_pad, divisor, KernelImpl::Reference);
        EXPECT_TRUE(close(g1, g2, tol, tol)) << "avg backward";
      }
  }
  for (Shape as : {Shape{s[0], s[1], 3, 2}, Shape{s[0], s[1], s[2] + 1, 1}}) {
    Tensor y1 = empty_as(as, dt, cl), y2 = empty_as(as, dt, cl), g = rnd(as, dt, cl);
    be.adaptive_avg_pool2d(x, y1, KernelImpl::Fast);
    be.adaptive_avg_pool2d(x, y2, KernelImpl::Reference);
    EXPECT_TRUE(close(y1, y2, tol, tol)) << "adaptive forward";
    Tensor g1 = empty_as(s, dt, cl), g2 = empty_as(s, dt, cl);
    be.adaptive_avg_pool2d_backward(g, g1, KernelImpl::Fast);
    be.adaptive_avg_pool2d_backward(g, g2, KernelImpl::Reference);
    EXPECT_TRUE(close(g1, g2, tol, tol)) << "adaptive backward";
  }
}
}  // namespace

TEST(PoolKernels, FastMatchesReferenceOnOddShapes) {
  manual_seed(14);
  for (DType dt : {kFloat32, kFloat64})
    for (bool cl : {false, true}) {
      check_pool_kernels({2, 3, 7, 9}, Window2d{3, 3, 2, 2, 1, 1, 1, 1}, true, dt, cl);
      check_pool_kernels({3, 5, 6, 5}, Window2d{2, 3, 1, 2, 1, 0, 1, 1}, false, dt, cl);
      check_pool_kernels({1, 4, 9, 8}, Window2d{2, 2, 2, 3, 1, 1, 3, 2}, true, dt, cl);
      check_pool_kernels({2, 2, 5, 5}, Window2d{5, 5, 1, 1, 2, 2, 1, 1}, false, dt, cl);
      // 2x2 / stride 2: the backward writes whole blocks (rows and columns past 2*Ho, 2*Wo get 0;
      // 14 and 18 outputs per row: a masked chunk and a full one plus a tail).
      check_pool_kernels({2, 3, 7, 9}, Window2d{2, 2, 2, 2, 0, 0, 1, 1}, false, dt, cl);
      check_pool_kernels({2, 2, 28, 28}, Window2d{2, 2, 2, 2, 0, 0, 1, 1}, false, dt, cl);
      check_pool_kernels({1, 2, 41, 36}, Window2d{2, 2, 2, 2, 0, 0, 1, 1}, false, dt, cl);
      check_pool_kernels({2, 20, 6, 7}, Window2d{2, 2, 2, 2, 0, 0, 1, 1}, false, dt, cl);  // 16 + 4 channels
      // Overlapping windows with Ho = H / 2: some indices leave their 2x2 block, so planes fall
      // back to zero-fill and scatter part-way through.
      check_pool_kernels({2, 3, 8, 8}, Window2d{3, 3, 2, 2, 1, 1, 1, 1}, false, dt, cl);
    }
}

// ================= golden values (PyTorch 1.13) =================
