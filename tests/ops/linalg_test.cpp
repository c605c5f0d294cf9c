// Value tests for the matrix products of the central op list: matmul for every rank combination
// (PyTorch's rules: 1-D promotion, batched, broadcast batch dims, non-contiguous operands), checked
// against a naive triple loop, and mm, bmm, addmm (beta/alpha), outer, dot with hand values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/descent.h"
#include "ops/op_coverage.h"

using namespace descent;

DESCENT_VALUE_TESTS_FOR("matmul", "mm", "bmm", "addmm", "outer", "dot");

namespace {

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }
std::vector<double> dbls(const Tensor& t) { return t.to_vector<double>(); }

// matmul by the definition: promote 1-D operands, broadcast the batch dims, triple loop in double.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  Tensor A = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor B = b.dim() == 1 ? b.unsqueeze(1) : b;
  const int64_t n = A.size(-2), k = A.size(-1), p = B.size(-1);
  EXPECT_EQ(k, B.size(-2));
  Shape ba(A.sizes().begin(), A.sizes().end() - 2), bb(B.sizes().begin(), B.sizes().end() - 2);
  Shape batch = broadcast_shapes(ba, bb);
  const int64_t nb = shape_numel(batch);
  // Materialise the broadcast operands row-major and read them by flat index.
  Shape ea = batch, eb = batch;
  ea.push_back(n);
  ea.push_back(k);
  eb.push_back(k);
  eb.push_back(p);
  std::vector<double> av = A.expand(ea).to_vector<double>(), bv = B.expand(eb).to_vector<double>();
  std::vector<double> out(size_t(nb * n * p), 0.0);
  for (int64_t z = 0; z < nb; ++z)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < p; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < k; ++l) acc += av[size_t(z * n * k + i * k + l)] * bv[size_t(z * k * p + l * p + j)];
        out[size_t(z * n * p + i * p + j)] = acc;
      }
  Shape os = batch;
  if (a.dim() > 1) os.push_back(n);
  if (b.dim() > 1) os.push_back(p);
  return from_vector(out, os.empty() ? Shape{} : os).reshape(os);
}

void expect_matmul(const Tensor& a, const Tensor& b, const Shape& expected_shape, double tol = 1e-10) {
  Tensor r = matmul(a, b);
  EXPECT_EQ(r.sizes(), expected_shape) << a.sizes() << " @ " << b.sizes();
  EXPECT_EQ(r.dtype(), a.dtype());
  Tensor ref = naive_matmul(a, b);
  EXPECT_EQ(ref.sizes(), expected_shape);
  EXPECT_TRUE(allclose(r.to(kFloat64), ref, tol, tol)) << a.sizes() << " @ " << b.sizes() << "\n" << r << "\n" << ref;
}

Tensor rnd(const Shape& s, Generator& g, DType dt = kFloat64) { return randn(s, dt, &g); }

}  // namespace

TEST(Matmul, EveryRankCombination) {
  Generator g(17);
  expect_matmul(rnd({3}, g), rnd({3}, g), {});                      // 1-D . 1-D: 0-d
  expect_matmul(rnd({2, 3}, g), rnd({3}, g), {2});                  // 2-D @ 1-D
  expect_matmul(rnd({3}, g), rnd({3, 4}, g), {4});                  // 1-D @ 2-D
  expect_matmul(rnd({2, 3}, g), rnd({3, 4}, g), {2, 4});            // 2-D @ 2-D
  expect_matmul(rnd({5, 2, 3}, g), rnd({3, 4}, g), {5, 2, 4});      // batched @ 2-D
  expect_matmul(rnd({5, 2, 3}, g), rnd({3}, g), {5, 2});            // batched @ 1-D
  expect_matmul(rnd({3}, g), rnd({5, 3, 4}, g), {5, 4});            // 1-D @ batched
  expect_matmul(rnd({2, 3}, g), rnd({5, 3, 4}, g), {5, 2, 4});      // 2-D @ batched
  expect_matmul(rnd({5, 2, 3}, g), rnd({5, 3, 4}, g), {5, 2, 4});   // batched @ batched
  expect_matmul(rnd({2, 1, 3, 4}, g), rnd({5, 4, 2}, g), {2, 5, 3, 2});  // broadcast batch dims
  expect_matmul(rnd({1, 3, 4}, g), rnd({2, 6, 4, 1}, g), {2, 6, 3, 1});
  expect_matmul(rnd({2, 2, 3}, g), rnd({1, 3, 2}, g), {2, 2, 2});
  expect_matmul(rnd({4, 2, 3, 5}, g), rnd({5}, g), {4, 2, 3});
}

TEST(Matmul, NonContiguousAndTransposedOperands) {
  Generator g(23);
  Tensor at = rnd({3, 2}, g).t();  // [2, 3], column-major
  Tensor bt = rnd({4, 3}, g).t();  // [3, 4]
  expect_matmul(at, bt, {2, 4});
  expect_matmul(at, rnd({3, 4}, g), {2, 4});
  expect_matmul(rnd({2, 3}, g), bt, {2, 4});
  Tensor strided = rnd({4, 6}, g).slice(1, 0, 6, 2);  // [4, 3], column stride 2
  expect_matmul(strided, rnd({3, 5}, g), {4, 5});
  expect_matmul(rnd({2, 4}, g), strided, {2, 3});
  Tensor bat = rnd({5, 3, 2}, g).transpose(1, 2);  // [5, 2, 3]
  expect_matmul(bat, rnd({5, 3, 4}, g), {5, 2, 4});
  expect_matmul(bat, rnd({3, 4}, g).t().t(), {5, 2, 4});
  Tensor perm = rnd({3, 5, 2}, g).permute({1, 2, 0});  // [5, 2, 3], batch dim not outermost in memory
  expect_matmul(perm, rnd({5, 3, 2}, g).transpose(1, 2).transpose(1, 2), {5, 2, 2});
  Tensor vec = rnd({6}, g).slice(0, 0, 6, 2);  // 1-D with stride 2
  expect_matmul(rnd({2, 3}, g), vec, {2});
  expect_matmul(vec, vec, {});
  Tensor expanded = rnd({3, 1}, g).expand({3, 4});  // zero stride
  expect_matmul(rnd({2, 3}, g), expanded, {2, 4});
}

TEST(Matmul, Float32AndHandValues) {
  Generator g(5);
  expect_matmul(rnd({3, 4, 5}, g, kFloat32), rnd({5, 2}, g, kFloat32), {3, 4, 2}, 1e-5);
  Tensor a = tensor({{1.0, 2.0}, {3.0, 4.0}}), b = tensor({{5.0, 6.0}, {7.0, 8.0}});
  EXPECT_EQ(dbls(matmul(a, b)), (std::vector<double>{19, 22, 43, 50}));
  EXPECT_EQ(dbls(a.matmul(tensor({1.0, 1.0}))), (std::vector<double>{3, 7}));
  EXPECT_EQ(dbls(tensor({1.0, 1.0}).matmul(a)), (std::vector<double>{4, 6}));
  Tensor ai = tensor({{1, 2}, {3, 4}});
  Tensor ri = matmul(ai, tensor({{5, 6}, {7, 8}}));
  EXPECT_EQ(ri.dtype(), kInt64);  // integer products stay integral
  EXPECT_EQ(ints(ri), (std::vector<int64_t>{19, 22, 43, 50}));
}

TEST(Matmul, EmptyDims) {
  Tensor r = matmul(zeros({2, 0}), zeros({0, 3}));
  EXPECT_EQ(r.sizes(), (Shape{2, 3}));
  EXPECT_EQ(dbls(r), std::vector<double>(6, 0.0));  // a sum over nothing
  EXPECT_EQ(matmul(zeros({0, 4}), zeros({4, 3})).sizes(), (Shape{0, 3}));
  EXPECT_EQ(matmul(zeros({2, 0, 4}), zeros({4, 3})).sizes(), (Shape{2, 0, 3}));
}

TEST(Mm, HandValuesAndLayouts) {
  Tensor a = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});  // [2, 3]
  Tensor b = tensor({{1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}});  // [3, 2]
  Tensor c = mm(a, b);
  EXPECT_EQ(c.sizes(), (Shape{2, 2}));
  EXPECT_EQ(dbls(c), (std::vector<double>{4, 5, 10, 11}));
  EXPECT_EQ(dbls(a.mm(a.t())), (std::vector<double>{14, 32, 32, 77}));
  EXPECT_EQ(dbls(a.t().mm(a)), (std::vector<double>{17, 22, 27, 22, 29, 36, 27, 36, 45}));
  EXPECT_EQ(mm(a, b).dtype(), kFloat32);
  Tensor d = mm(a.to(kFloat64), b.to(kFloat64));
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(dbls(d), (std::vector<double>{4, 5, 10, 11}));
  Tensor i = mm(tensor({{2}}, kInt32), tensor({{3, 4}}, kInt32));
  EXPECT_EQ(i.dtype(), kInt32);
  EXPECT_EQ(ints(i), (std::vector<int64_t>{6, 8}));
}

TEST(Bmm, BatchOfProducts) {
  Tensor a = arange(12, kFloat64).view({2, 2, 3});
  Tensor b = arange(12, kFloat64).view({2, 3, 2});
  Tensor c = bmm(a, b);
  EXPECT_EQ(c.sizes(), (Shape{2, 2, 2}));
  // batch 0: [[0,1,2],[3,4,5]] @ [[0,1],[2,3],[4,5]]; batch 1: [[6,7,8],[9,10,11]] @ [[6,7],[8,9],[10,11]]
  EXPECT_EQ(dbls(c), (std::vector<double>{10, 13, 28, 40, 172, 193, 244, 274}));
  Generator g(3);
  Tensor x = rnd({4, 3, 2}, g).transpose(1, 2), y = rnd({4, 3, 5}, g);
  Tensor r = x.bmm(y);
  EXPECT_TRUE(allclose(r, naive_matmul(x, y), 1e-10, 1e-10));
}

TEST(Addmm, BetaAndAlpha) {
  Tensor input = ones({2, 2}, kFloat64);
  Tensor m1 = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64), m2 = tensor({{5.0, 6.0}, {7.0, 8.0}}, kFloat64);
  EXPECT_EQ(dbls(addmm(input, m1, m2)), (std::vector<double>{20, 23, 44, 51}));
  EXPECT_EQ(dbls(addmm(input, m1, m2, 2, 3)), (std::vector<double>{59, 68, 131, 152}));
  EXPECT_EQ(dbls(addmm(input, m1, m2, 0.5, 1)), (std::vector<double>{19.5, 22.5, 43.5, 50.5}));
  Tensor bias = tensor({10.0, 20.0}, kFloat64);  // broadcast over rows, as nn.Linear uses it
  EXPECT_EQ(dbls(addmm(bias, m1, m2)), (std::vector<double>{29, 42, 53, 70}));
  // beta = 0 ignores the input, even NaN.
  Tensor nan = full({2, 2}, NAN, kFloat64);
  EXPECT_EQ(dbls(addmm(nan, m1, m2, 0, 1)), (std::vector<double>{19, 22, 43, 50}));
  EXPECT_EQ(addmm(input, m1, m2).sizes(), (Shape{2, 2}));
}

// Without autograd addmm folds the input into the GEMM (beta); with it, mm + add. Both agree for
// every broadcast form of the input, batch 1 included (nn::Linear's shape), and alpha / beta.
TEST(Addmm, FusedNoGradPathMatchesGradPath) {
  manual_seed(7);
  for (int64_t M : {1, 5})
    for (const Shape& in_shape : {Shape{7}, Shape{1, 7}, Shape{M, 1}, Shape{M, 7}, Shape{}}) {
      SCOPED_TRACE(::testing::Message() << "M " << M << " input " << in_shape);
      Tensor input = randn(in_shape), m1 = randn({M, 40}), w = randn({7, 40});
      Tensor fused = addmm(input, m1, w.t(), 0.5, -2.0);
      Tensor m1g = m1.detach().requires_grad_(true);
      Tensor ref = addmm(input, m1g, w.t(), 0.5, -2.0).detach();
      ASSERT_EQ(fused.sizes(), ref.sizes());
      EXPECT_TRUE(allclose(fused, ref, 1e-5, 1e-5));
    }
}

TEST(Outer, AllPairs) {
  Tensor o = outer(tensor({1.0, 2.0, 3.0}), tensor({4.0, 5.0}));
  EXPECT_EQ(o.sizes(), (Shape{3, 2}));
  EXPECT_EQ(dbls(o), (std::vector<double>{4, 5, 8, 10, 12, 15}));
  Tensor oi = tensor({1, 2}).outer(tensor({3, 4}));
  EXPECT_EQ(oi.dtype(), kInt64);
  EXPECT_EQ(ints(oi), (std::vector<int64_t>{3, 4, 6, 8}));
}

TEST(Dot, InnerProduct) {
  Tensor d = dot(tensor({1.0, 2.0, 3.0}), tensor({4.0, 5.0, 6.0}));
  EXPECT_EQ(d.dim(), 0);
  EXPECT_DOUBLE_EQ(d.item<double>(), 32);
  EXPECT_EQ(d.dtype(), kFloat32);
  Tensor s = arange(6, kFloat64).slice(0, 0, 6, 2);  // [0, 2, 4], strided
  EXPECT_DOUBLE_EQ(s.dot(s).item<double>(), 20);
  EXPECT_EQ(dot(tensor({1, 2}), tensor({3, 4})).item<int64_t>(), 11);
  EXPECT_DOUBLE_EQ(dot(zeros({0}), zeros({0})).item<double>(), 0);
}
