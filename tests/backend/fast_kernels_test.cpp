// Fast kernels against their reference: the threaded GEMM (panels of C over descent's pool,
// OpenBLAS serial inside) against a plain double-precision loop, and identical bits for any thread
// count; the batch-1 x @ W.t() kernel against the same loop; the 2x2 /
// stride-2 max-pooling path against the reference kernel (odd sizes, ties, NaN, -inf,
// channels-last); the fused ReLU backward against compare + where.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "descent/backend/backend.h"
#include "descent/descent.h"

using namespace descent;
using backend::KernelImpl;
using backend::Window2d;

namespace {

struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

// op(a) @ op(b) in double over the tensors' own strides.
std::vector<double> gemm_ref(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  std::vector<double> av = a.to(kFloat64).contiguous().to_vector<double>(),
                      bv = b.to(kFloat64).contiguous().to_vector<double>(), c(size_t(M * N), 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j) c[size_t(i * N + j)] += av[size_t(i * K + k)] * bv[size_t(k * N + j)];
  return c;
}

// An [r, c] operand, stored transposed when `trans` (so BLAS sees a transposed view).
Tensor operand(int64_t r, int64_t c, bool trans, DType dt) {
  return trans ? randn({c, r}, dt).t() : randn({r, c}, dt);
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), size_t(a.numel()) * a.element_size()) == 0;
}

}  // namespace

TEST(FastGemm, PanelsMatchReferenceOnOddShapesAndTransposes) {
  ThreadCountGuard guard;
  set_num_threads(2);
  manual_seed(61);
  auto& be = backend::get(kCPU);
  // Small (one serial call), split by rows (M >= N), split by columns, ragged panel edges,
  // ... and one row or one column of C (batch-1 inference).
  const int64_t shapes[][3] = {{3, 5, 7},     {129, 37, 83}, {33, 257, 65}, {128, 256, 784}, {200, 200, 9},
                               {17, 1, 999}, {1, 256, 784}, {1, 10, 3},    {1, 1, 5}};
  for (DType dt : {kFloat32, kFloat64})
    for (const auto& s : shapes)
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          const int64_t M = s[0], N = s[1], K = s[2];
          SCOPED_TRACE(::testing::Message() << M << "x" << N << "x" << K << " ta " << ta << " tb " << tb << " " << dt);
          Tensor a = operand(M, K, ta, dt), b = operand(K, N, tb, dt);
          Tensor c = full({M, N}, 0.5, dt);
          be.gemm(a, b, c, 2.0, 1.0);  // alpha and beta reach every panel
          std::vector<double> ref = gemm_ref(a, b), got = c.to_vector<double>();
          const double tol = dt == kFloat32 ? 1e-3 : 1e-10;
          for (size_t i = 0; i < ref.size(); ++i)
            ASSERT_NEAR(got[i], 2.0 * ref[i] + 0.5, tol * (1 + std::abs(ref[i]))) << "element " << i;
        }
}

TEST(FastGemm, SameBitsForAnyThreadCountAndInsideParallelRegions) {
  // The panels of C depend on the shape alone, so every element comes from the same BLAS call for
  // 1, 2, 3 or 4 threads and when the product runs inside another parallel region (serially).
  // Shapes: one call (small), row and column panels, more than 8 panels, all four transposes.
  ThreadCountGuard guard;
  manual_seed(62);
  const int64_t shapes[][3] = {{300, 170, 200}, {170, 300, 200}, {64, 2100, 90}, {2100, 40, 33}, {257, 1030, 17}};
  for (const auto& s : shapes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const int64_t M = s[0], N = s[1], K = s[2];
        SCOPED_TRACE(::testing::Message() << M << "x" << N << "x" << K << " ta " << ta << " tb " << tb);
        Tensor a = operand(M, K, ta, kFloat32), b = operand(K, N, tb, kFloat32);
        set_num_threads(1);
        const Tensor one = mm(a, b);
        for (int threads : {2, 3, 4}) {
          set_num_threads(threads);
          EXPECT_TRUE(same_bits(one, mm(a, b))) << threads << " threads";
        }
        set_num_threads(2);
        Tensor nested;
        parallel_for(0, 2, 1, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i)
            if (i == 1) nested = mm(a, b);
        });
        EXPECT_TRUE(same_bits(one, nested)) << "inside a parallel region";
      }
}

// The batch-1 path (one row of C, B transposed: x @ W.t() as nn::Linear does it) against the
// double-precision loop: every K tail (0..31 past a multiple of 32, below 16), N not a multiple of
// 4, a padded row stride for W, x given as a transposed column, alpha / beta, and beta 0 over NaN.
TEST(FastGemm, BatchOneRowTimesTransposedMatchesReference) {
  manual_seed(63);
  auto& be = backend::get(kCPU);
  std::vector<int64_t> ks = {1, 7, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 784};
  for (int64_t K : ks)
    for (int64_t N : {1, 3, 4, 5, 10, 256}) {
      SCOPED_TRACE(::testing::Message() << "N " << N << " K " << K);
      Tensor w = randn({N, K + 5}).narrow(1, 0, K);  // row stride K + 5
      Tensor b = w.t();                              // [K, N], BLAS sees it transposed
      Tensor x = randn({1, K}), xt = randn({K, 1}).t();
      std::vector<double> ref = gemm_ref(x, b), ref_t = gemm_ref(xt, b);
      Tensor c = full({1, N}, 0.25), d = full({1, N}, std::numeric_limits<double>::quiet_NaN());
      be.gemm(x, b, c, -1.5, 2.0);
      be.gemm(xt, b, d, 1.0, 0.0);
      std::vector<double> got = c.to_vector<double>(), got_t = d.to_vector<double>();
      for (int64_t j = 0; j < N; ++j) {
        const double tol = 1e-4 * (1 + std::sqrt(double(K)));
        ASSERT_NEAR(got[size_t(j)], -1.5 * ref[size_t(j)] + 0.5, tol) << "column " << j;
        ASSERT_NEAR(got_t[size_t(j)], ref_t[size_t(j)], tol) << "column " << j << " (x transposed, beta 0)";
      }
    }
}

TEST(FastGemm, BatchOneSplitOverThreadsIsBitwiseTheSame) {
  // A big batch-1 product (N * K >= 128k) is cut into 4-row blocks across the pool: every output
  // must equal the one-thread result bit for bit, N a multiple of 4 or not.
  manual_seed(64);
  auto& be = backend::get(kCPU);
  const int saved = get_num_threads();
  for (auto [N, K] : {std::pair<int64_t, int64_t>{256, 784}, {1001, 200}, {130, 1030}}) {
    Tensor w = randn({N, K}), x = randn({1, K});
    Tensor c1 = full({1, N}, 0.5), c2 = full({1, N}, 0.5), c3 = full({1, N}, 0.5);
    set_num_threads(1);
    be.gemm(x, w.t(), c1, 1.0, 1.0);
    set_num_threads(2);
    be.gemm(x, w.t(), c2, 1.0, 1.0);
    set_num_threads(3);
    be.gemm(x, w.t(), c3, 1.0, 1.0);
    EXPECT_TRUE(same_bits(c1, c2)) << "N " << N << " K " << K;
    EXPECT_TRUE(same_bits(c1, c3)) << "N " << N << " K " << K;
    const std::vector<double> ref = gemm_ref(x, w.t()), got = c1.to_vector<double>();
    for (int64_t j = 0; j < N; ++j) ASSERT_NEAR(got[size_t(j)], ref[size_t(j)] + 0.5, 1e-3) << j;
  }
  set_num_threads(saved);
}

TEST(FastGemm, ZeroInnerDimensionWritesBetaTimesC) {
  auto& be = backend::get(kCPU);
  Tensor a = empty({64, 0}), b = empty({0, 64}), c = full({64, 64}, std::numeric_limits<double>::quiet_NaN());
  be.gemm(a, b, c, 1.0, 0.0);
  EXPECT_EQ(c.abs().sum().item<double>(), 0.0);
}

namespace {
Tensor pool_input(const Shape& s, DType dt, bool cl, bool specials) {
  Tensor x = randn(s, dt);
  if (specials) {
    // Ties (rounded values), NaN and -inf in the windows: the index rules must match.
    x = (x * 2).round();
    std::vector<double> v = x.to_vector<double>();
    for (size_t i = 0; i < v.size(); i += 7) v[i] = std::numeric_limits<double>::quiet_NaN();
    for (size_t i = 3; i < v.size(); i += 11) v[i] = -std::numeric_limits<double>::infinity();
    x = from_vector(v, s, dt);
  }
  return cl ? x.contiguous(MemoryFormat::ChannelsLast) : x;
}

Tensor empty_fmt(const Shape& s, DType dt, bool cl) {
  Tensor t = empty(s, dt);
  return cl ? t.contiguous(MemoryFormat::ChannelsLast) : t;
}

bool same_values(const Tensor& a, const Tensor& b) {  // NaN == NaN
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
  return true;
}
}  // namespace

TEST(FastMaxPool2x2, MatchesReferenceOnOddSizesTiesNanAndChannelsLast) {
  manual_seed(63);
  auto& be = backend::get(kCPU);
  const Window2d w{2, 2, 2, 2, 0, 0, 1, 1};
  const Shape shapes[] = {{2, 3, 28, 28}, {1, 2, 7, 9}, {3, 1, 5, 4}, {2, 5, 2, 2}, {1, 1, 3, 3}};
  for (DType dt : {kFloat32, kFloat64})
    for (bool cl : {false, true})
      for (bool specials : {false, true})
        for (const Shape& s : shapes) {
          SCOPED_TRACE(::testing::Message() << s << " " << dt << (cl ? " channels-last" : " NCHW")
                                            << (specials ? " ties/NaN/-inf" : ""));
          const Shape os{s[0], s[1], s[2] / 2, s[3] / 2};
          Tensor x = pool_input(s, dt, cl, specials);
          Tensor y1 = empty_fmt(os, dt, cl), y2 = empty_fmt(os, dt, cl), y3 = empty_fmt(os, dt, cl);
          Tensor i1 = empty_fmt(os, kInt64, cl), i2 = empty_fmt(os, kInt64, cl);
          be.max_pool2d(x, y1, i1, w, KernelImpl::Fast);
          be.max_pool2d(x, y2, i2, w, KernelImpl::Reference);
          be.max_pool2d(x, y3, Tensor(), w, KernelImpl::Fast);
          EXPECT_TRUE(same_values(y1, y2)) << "values with indices";
          EXPECT_TRUE(i1.eq(i2).all().item<bool>()) << "indices";
          EXPECT_TRUE(same_values(y3, y2)) << "values only";
        }
}

TEST(FastReluBackward, MatchesCompareAndWhere) {
  manual_seed(64);
  for (DType dt : {kFloat32, kFloat64}) {
    for (const Shape& s : {Shape{7}, Shape{3, 5, 9}, Shape{2, 3, 4, 5}}) {
      SCOPED_TRACE(::testing::Message() << s << " " << dt);
      Tensor x = randn(s, dt).requires_grad_();
      x.detach().view({-1}).narrow(0, 0, 1).fill_(0.0);  // relu'(0) = 0
      Tensor g = randn(s, dt);
      Tensor y = relu(x);
      y.backward(g);
      Tensor expected = where(x.detach() > 0, g, 0.0);
      EXPECT_TRUE(same_values(x.grad(), expected));
    }
  }
  // Channels-last and a non-contiguous gradient take the strided loop.
  Tensor x = randn({2, 3, 4, 5}).contiguous(MemoryFormat::ChannelsLast).requires_grad_();
  Tensor g = randn({2, 5, 4, 3}).permute({0, 3, 2, 1});
  relu(x).backward(g);
  EXPECT_TRUE(same_values(x.grad(), where(x.detach() > 0, g, 0.0)));
}

TEST(FastBinaryLoop, DenseFlatPathMatchesStridedPath) {
  // Dense operands take one flat loop; the same values through transposed (strided) views take the
  // planned loop. Sizes below and above the parallel grain, odd lengths.
  manual_seed(65);
  for (int64_t rows : {int64_t(1), int64_t(7), int64_t(301)})
    for (DType dt : {kFloat32, kFloat64, kInt64}) {
      SCOPED_TRACE(::testing::Message() << rows << " rows, " << dt);
      Tensor a = (randn({rows, 257}) * 10).to(dt), b = (randn({rows, 257}) * 10).to(dt);
      Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();  // same values, column-major
      if (rows > 1) ASSERT_FALSE(at.is_contiguous());
      EXPECT_TRUE(same_values(a + b, at + bt));
      EXPECT_TRUE(same_values(a * b, at * bt));
      EXPECT_TRUE(same_values(a - b, at - bt));
      EXPECT_TRUE(same_values(maximum(a, b), maximum(at, bt)));
    }
}
