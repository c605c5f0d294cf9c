// Fused batch-norm kernels: fast vs reference kernel on random shapes (odd sizes, NCHW and
// channels-last, 2-D to 5-D, float32 and float64, training and eval, forward and backward), the
// fused op vs the composed op (which non-contiguous inputs still take), and bitwise
// determinism across thread counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/backend/backend.h"
#include "descent/backend/parallel.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
namespace F = descent::nn::functional;
using backend::KernelImpl;
using test_util::error_of;

namespace {

struct Case {
  Shape shape;
  bool channels_last;
  DType dtype;
};

std::string name(const Case& k) {
  std::string s = std::string(dtype_name(k.dtype)) + " [";
  for (int64_t v : k.shape) s += std::to_string(v) + ",";
  return s + "]" + (k.channels_last ? " channels-last" : "");
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const std::vector<Shape> shapes = {{7, 3},          {2, 5},          {33, 17},        {4, 3, 1},       {5, 4, 9},
                                     {3, 5, 7, 11},   {2, 3, 1, 1},    {9, 2, 3, 5},    {1, 6, 5, 3},    {4, 2, 3, 2, 5},
                                     {64, 19, 3, 3},  {300, 5, 2, 2}};
  for (DType dt : {DType::Float32, DType::Float64})
    for (const Shape& s : shapes) {
      out.push_back({s, false, dt});
      if (s.size() == 4) out.push_back({s, true, dt});
    }
  return out;
}

// Random values with a per-channel offset and spread (so mean and variance differ by channel).
Tensor make_x(const Case& k, Generator& gen) {
  Shape cshape(k.shape.size(), 1);
  cshape[1] = k.shape[1];
  Tensor off = randn(cshape, k.dtype, &gen) * 3.0, spread = rand(cshape, k.dtype, &gen) * 2.0 + 0.5;
  Tensor x = randn(k.shape, k.dtype, &gen) * spread + off;
  return k.channels_last ? x.contiguous(MemoryFormat::ChannelsLast) : x.contiguous();
}

double tol(DType dt) { return dt == DType::Float32 ? 2e-5 : 1e-11; }

// max |a - b| / (1 + |b|) over all elements.
double rel_err(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double e = 0;
  for (size_t i = 0; i < va.size(); ++i) e = std::max(e, std::abs(va[i] - vb[i]) / (1.0 + std::abs(vb[i])));
  return e;
}

TEST(BatchNormKernel, FastMatchesReference) {
  Generator gen(1234);
  backend::Backend& be = backend::get(kCPU);
  for (const Case& k : cases()) {
    SCOPED_TRACE(name(k));
    const int64_t C = k.shape[1];
    const Tensor x = make_x(k, gen), gy = randn_like(x, {}, &gen).contiguous(
                                         k.channels_last ? MemoryFormat::ChannelsLast : MemoryFormat::Contiguous);
    const Tensor w = randn({C}, k.dtype, &gen), b = randn({C}, k.dtype, &gen);
    Tensor m1 = empty({C}, k.dtype), v1 = empty({C}, k.dtype), m2 = empty({C}, k.dtype), v2 = empty({C}, k.dtype);
    be.batch_norm_stats(x, m1, v1, KernelImpl::Fast);
    be.batch_norm_stats(x, m2, v2, KernelImpl::Reference);
    EXPECT_LT(rel_err(m1, m2), tol(k.dtype));
    EXPECT_LT(rel_err(v1, v2), tol(k.dtype));
    // The reference statistics against the definition (torch.var_mean, unbiased=False).
    const Dims red = k.shape.size() == 2 ? Dims{0} : k.shape.size() == 3 ? Dims{0, 2}
                     : k.shape.size() == 4 ? Dims{0, 2, 3} : Dims{0, 2, 3, 4};
    EXPECT_LT(rel_err(m2, x.mean(red)), tol(k.dtype));
    EXPECT_LT(rel_err(v2, (x - x.mean(red, true)).square().mean(red)), 10 * tol(k.dtype));

    const Tensor invstd = (v2 + 1e-5).rsqrt();
    for (bool affine : {true, false}) {
      SCOPED_TRACE(affine ? "affine" : "no affine");
      const Tensor wa = affine ? w : Tensor(), ba = affine ? b : Tensor();
      Tensor y1 = empty_like(x), y2 = empty_like(x);
      be.batch_norm_forward(x, m2, invstd, wa, ba, y1, KernelImpl::Fast);
      be.batch_norm_forward(x, m2, invstd, wa, ba, y2, KernelImpl::Reference);
      EXPECT_EQ(y1.strides(), x.strides());
      EXPECT_LT(rel_err(y1, y2), tol(k.dtype));

      Tensor s1 = empty({C}, k.dtype), d1 = empty({C}, k.dtype), s2 = empty({C}, k.dtype), d2 = empty({C}, k.dtype);
      be.batch_norm_backward_reduce(gy, x, m2, invstd, s1, d1, KernelImpl::Fast);
      be.batch_norm_backward_reduce(gy, x, m2, invstd, s2, d2, KernelImpl::Reference);
      EXPECT_LT(rel_err(s1, s2), tol(k.dtype));
      EXPECT_LT(rel_err(d1, d2), tol(k.dtype));
      for (bool train : {true, false}) {
        SCOPED_TRACE(train ? "train" : "eval");
        Tensor g1 = empty_like(x), g2 = empty_like(x);
        const Tensor xs = train ? x : Tensor(), sd = train ? s2 : Tensor(), dd = train ? d2 : Tensor();
        be.batch_norm_backward_input(gy, xs, m2, invstd, wa, sd, dd, g1, KernelImpl::Fast);
        be.batch_norm_backward_input(gy, xs, m2, invstd, wa, sd, dd, g2, KernelImpl::Reference);
        EXPECT_LT(rel_err(g1, g2), 10 * tol(k.dtype));
      }
    }
  }
}

// The fused op against the composed one, which a non-contiguous copy of the same values still takes.
TEST(BatchNormKernel, FusedOpMatchesComposedOp) {
  Generator gen(99);
  for (const Case& k : cases()) {
    const int64_t C = k.shape[1];
    for (bool train : {true, false}) {
      SCOPED_TRACE(name(k) + (train ? " train" : " eval"));
      const Tensor x = make_x(k, gen);
      // Same values, non-dense layout: a narrowed slice of a wider tensor along the last dim.
      const int64_t last = int64_t(k.shape.size()) - 1;
      Shape wide = k.shape;
      wide[size_t(last)] += 2;
      Tensor xw = zeros(wide, k.dtype);
      xw.narrow(last, 1, k.shape[size_t(last)]).copy_(x);
      const Tensor xn = xw.narrow(last, 1, k.shape[size_t(last)]);
      ASSERT_FALSE(xn.is_contiguous());
      const Tensor gy = randn(k.shape, k.dtype, &gen);
      const Tensor w0 = randn({C}, k.dtype, &gen), b0 = randn({C}, k.dtype, &gen);
      const Tensor rm0 = randn({C}, k.dtype, &gen), rv0 = rand({C}, k.dtype, &gen) + 0.5;

      std::vector<Tensor> res[2];
      for (int path = 0; path < 2; ++path) {
        Tensor xi = (path == 0 ? x : xn).detach().requires_grad_();
        Tensor w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();
        Tensor rm = rm0.clone(), rv = rv0.clone();
        Tensor y = F::batch_norm(xi, rm, rv, w, b, train, 0.2, 1e-4);
        if (path == 0) {
          EXPECT_EQ(y.strides(), x.strides());
        }
        y.backward(gy);
        res[path] = {y, xi.grad(), w.grad(), b.grad(), rm, rv};
      }
      const char* what[] = {"y", "dx", "dweight", "dbias", "running_mean", "running_var"};
      for (size_t i = 0; i < 6; ++i) {
        SCOPED_TRACE(what[i]);
        EXPECT_LT(rel_err(res[0][i], res[1][i]), 20 * tol(k.dtype));
      }
    }
  }
}

// Input gradient only (frozen affine), and parameters only (input without grad).
TEST(BatchNormKernel, PartialGradients) {
  Generator gen(5);
  const Tensor x = randn({6, 4, 5, 3}, DType::Float64, &gen).contiguous(MemoryFormat::ChannelsLast);
  const Tensor gy = randn({6, 4, 5, 3}, DType::Float64, &gen);
  const Tensor w0 = randn({4}, DType::Float64, &gen), b0 = randn({4}, DType::Float64, &gen);
  auto run = [&](const Tensor& xin, bool gx, bool gp) {
    Tensor xi = xin.detach().requires_grad_(gx), w = w0.clone().requires_grad_(gp), b = b0.clone().requires_grad_(gp);
    F::batch_norm(xi, {}, {}, w, b, true).backward(gy);
    return std::vector<Tensor>{xi.grad(), w.grad(), b.grad()};
  };
  const Tensor xn = x.permute({0, 1, 3, 2}).contiguous().permute({0, 1, 3, 2});  // non-dense: composed path
  const auto a = run(x, true, false), b = run(xn, true, false);
  EXPECT_LT(rel_err(a[0], b[0]), 1e-11);
  EXPECT_FALSE(a[1].defined());
  const auto c = run(x, false, true), d = run(xn, false, true);
  EXPECT_FALSE(c[0].defined());
  EXPECT_LT(rel_err(c[1], d[1]), 1e-11);
  EXPECT_LT(rel_err(c[2], d[2]), 1e-11);
}

// Results are bit-identical for any thread count (rows layouts reduce per-block partial sums in order).
TEST(BatchNormKernel, DeterministicAcrossThreadCounts) {
  const int saved = get_num_threads();
  Generator gen(7);
  for (const Case& k : {Case{{64, 24, 17, 13}, true, DType::Float32}, Case{{64, 24, 17, 13}, false, DType::Float32},
                        Case{{4096, 40}, false, DType::Float32}}) {
    SCOPED_TRACE(name(k));
    const Tensor x = make_x(k, gen);
    const Tensor gy = randn_like(x, {}, &gen).contiguous(k.channels_last ? MemoryFormat::ChannelsLast
                                                                          : MemoryFormat::Contiguous);
    const Tensor w0 = randn({k.shape[1]}, k.dtype, &gen);
    std::vector<std::vector<float>> first;
    for (int threads : {1, 2, 3, 4}) {
      set_num_threads(threads);
      Tensor xi = x.detach().requires_grad_(), w = w0.clone().requires_grad_();
      Tensor y = F::batch_norm(xi, {}, {}, w, {}, true);
      y.backward(gy);
      std::vector<std::vector<float>> got = {y.to_vector<float>(), xi.grad().to_vector<float>(),
                                             w.grad().to_vector<float>()};
      if (first.empty()) {
        first = got;
      } else {
        for (size_t i = 0; i < got.size(); ++i) {
          EXPECT_TRUE(got[i] == first[i]) << "output " << i << ", " << threads << " threads";
        }
      }
    }
  }
  set_num_threads(saved);
}

TEST(BatchNormKernel, BadArgumentsThrow) {
  backend::Backend& be = backend::get(kCPU);
  const Tensor x = randn({4, 3, 5}), m = empty({3}), v = empty({3});
  EXPECT_NE(error_of([&] { be.batch_norm_stats(x.transpose(0, 2), m, v); }).find("dense"), std::string::npos);
  EXPECT_NE(error_of([&] { be.batch_norm_stats(x, empty({4}), v); }).find("mean"), std::string::npos);
  EXPECT_NE(error_of([&] { be.batch_norm_stats(x.to(DType::Int64), m, v); }).find("float32 or float64"),
            std::string::npos);
  EXPECT_NE(error_of([&] { be.batch_norm_forward(x, m, v, {}, {}, empty({4, 3, 6})); }).find("layout"),
            std::string::npos);
}

}  // namespace
