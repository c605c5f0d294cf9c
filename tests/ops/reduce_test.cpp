// Value tests for the reductions of the central op list: sum, mean, prod, max/min (with and
// without indices), amax/amin, argmax/argmin, var/std, logsumexp, norm, all/any, cumsum. Over
// several dims, negative dims, with and without keepdim; result dtypes as PyTorch.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/descent.h"
#include "test_util.h"
#include "ops/op_coverage.h"

using namespace descent;
using namespace test_util;

DESCENT_VALUE_TESTS_FOR("sum", "mean", "prod", "max", "min", "max_dim", "min_dim", "amax", "amin", "argmax", "argmin", "var",
                        "std", "logsumexp", "norm", "all", "any", "cumsum");

namespace {



std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }
Tensor f64(std::vector<double> v) { return from_vector(v); }

// x[i][j][k] = 12 i + 4 j + k, shape [2, 3, 4], float64.
Tensor cube() { return arange(24, kFloat64).view({2, 3, 4}); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// sum and mean
// ---------------------------------------------------------------------------------------------

TEST(Sum, AllAndSingleDims) {
  Tensor x = cube();
  Tensor all = x.sum();
  EXPECT_EQ(all.dim(), 0);
  EXPECT_EQ(all.dtype(), kFloat64);
  EXPECT_DOUBLE_EQ(all.item<double>(), 276);
  Tensor s0 = x.sum({0});
  EXPECT_EQ(s0.sizes(), (Shape{3, 4}));
  expect_values(s0, {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34});  // 12 + 8 j + 2 k
  Tensor s2 = x.sum({-1});
  EXPECT_EQ(s2.sizes(), (Shape{2, 3}));
  expect_values(s2, {6, 22, 38, 54, 70, 86});  // 48 i + 16 j + 6
  Tensor s2k = x.sum({2}, true);
  EXPECT_EQ(s2k.sizes(), (Shape{2, 3, 1}));
  expect_values(s2k, {6, 22, 38, 54, 70, 86});
}

TEST(Sum, SeveralDimsNegativeDimsKeepdim) {
  Tensor x = cube();
  Tensor s = x.sum({0, 2});
  EXPECT_EQ(s.sizes(), (Shape{3}));
  expect_values(s, {60, 92, 124});  // 60 + 32 j
  Tensor sk = x.sum({0, 2}, true);
  EXPECT_EQ(sk.sizes(), (Shape{1, 3, 1}));
  expect_values(sk, {60, 92, 124});
  Tensor sn = x.sum({-1, -3});
  EXPECT_TRUE(equal(sn, s));
  Tensor s01 = sum(x, {1, 0});
  EXPECT_EQ(s01.sizes(), (Shape{4}));
  expect_values(s01, {60, 66, 72, 78});  // 60 + 6 k
  Tensor all_k = x.sum({0, 1, 2}, true);
  EXPECT_EQ(all_k.sizes(), (Shape{1, 1, 1}));
  EXPECT_DOUBLE_EQ(all_k.item<double>(), 276);
}

TEST(Sum, IntegerAndBoolGiveInt64) {
  Tensor i32 = tensor({1, 2, 3}, kInt32);
  Tensor s = i32.sum();
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<int64_t>(), 6);
  Tensor big = full({3}, 2000000000, kInt32);  // would overflow int32
  EXPECT_EQ(big.sum().item<int64_t>(), 6000000000LL);
  Tensor u8 = full({300}, 1, kUInt8);
  EXPECT_EQ(u8.sum().dtype(), kInt64);
  EXPECT_EQ(u8.sum().item<int64_t>(), 300);
  Tensor b = tensor({true, false, true, true});
  EXPECT_EQ(b.sum().dtype(), kInt64);
  EXPECT_EQ(b.sum().item<int64_t>(), 3);
  Tensor sd = i32.sum(kFloat64);
  EXPECT_EQ(sd.dtype(), kFloat64);
  EXPECT_DOUBLE_EQ(sd.item<double>(), 6);
  Tensor f = tensor({1.5f, 2.5f});
  EXPECT_EQ(f.sum().dtype(), kFloat32);
  Tensor rows = tensor({{1, 2}, {3, 4}}, kInt32).sum({1});
  EXPECT_EQ(rows.dtype(), kInt64);
  EXPECT_EQ(ints(rows), (std::vector<int64_t>{3, 7}));
}

TEST(Sum, EmptyNonContiguousAndZeroDim) {
  EXPECT_DOUBLE_EQ(zeros({0}).sum().item<double>(), 0.0);
  Tensor e = zeros({2, 0}).sum({1});
  EXPECT_EQ(e.sizes(), (Shape{2}));
  expect_values(e, {0, 0});
  Tensor t = cube().transpose(0, 2);  // [4, 3, 2]
  expect_values(t.sum({2}), {12, 20, 28, 14, 22, 30, 16, 24, 32, 18, 26, 34});
  Tensor z = tensor(5.0);
  EXPECT_DOUBLE_EQ(z.sum().item<double>(), 5.0);
  EXPECT_DOUBLE_EQ(z.sum({0}).item<double>(), 5.0);
  expect_values(f64({1, kNaN}).sum(), {kNaN});
}

TEST(Sum, LargeFloatSumIsAccurate) {
  // 1e6 copies of 0.1f: a naive float accumulator drifts far from 1e5.
  Tensor t = full({1000000}, 0.1f, kFloat32);
  EXPECT_NEAR(t.sum().item<double>(), 100000.0, 1.0);
  Tensor cols = full({1000, 300}, 0.1f, kFloat32).sum({0});
  EXPECT_NEAR(cols.to_vector<double>()[7], 100.0, 1e-3);
}

TEST(Mean, AllDimsAndKeepdim) {
  Tensor x = cube();
  EXPECT_DOUBLE_EQ(x.mean().item<double>(), 11.5);
  Tensor m1 = x.mean({1});
  EXPECT_EQ(m1.sizes(), (Shape{2, 4}));
  expect_values(m1, {4, 5, 6, 7, 16, 17, 18, 19});  // 12 i + 4 + k
  Tensor m02 = x.mean({0, -1}, true);
  EXPECT_EQ(m02.sizes(), (Shape{1, 3, 1}));
  expect_values(m02, {7.5, 11.5, 15.5});  // 6 + 1.5 + 4 j
  Tensor mf = tensor({1.0f, 2.0f});
  EXPECT_EQ(mf.mean().dtype(), kFloat32);
  EXPECT_FLOAT_EQ(mf.mean().item<float>(), 1.5f);
  Tensor mfree = mean(x, {2});
  expect_values(mfree, {1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
}

// ---------------------------------------------------------------------------------------------
// var and std
// ---------------------------------------------------------------------------------------------

TEST(VarStd, CorrectionZeroAndOne) {
  Tensor v = f64({1, 2, 3, 4});  // mean 2.5, squared deviations sum to 5
  EXPECT_DOUBLE_EQ(v.var().item<double>(), 5.0 / 3);
  EXPECT_DOUBLE_EQ(v.var({}, 0).item<double>(), 1.25);
  EXPECT_DOUBLE_EQ(v.std().item<double>(), std::sqrt(5.0 / 3));
  EXPECT_DOUBLE_EQ(v.std({}, 0).item<double>(), std::sqrt(1.25));
  Tensor m = f64({1, 2, 3, 5}).view({2, 2});
  expect_values(m.var({1}), {0.5, 2});
  expect_values(m.var({1}, 0), {0.25, 1});
  expect_values(m.var({-2}, 1), {2, 4.5});
  Tensor vk = m.var({1}, 1, true);
  EXPECT_EQ(vk.sizes(), (Shape{2, 1}));
  expect_values(m.std({1}, 0), {0.5, 1});
  expect_values(descent::std(m, {0}, 0, true), {1, 1.5});
  EXPECT_EQ(descent::std(m, {0}, 0, true).sizes(), (Shape{1, 2}));
  EXPECT_DOUBLE_EQ(var(cube(), {0, 1, 2}, 0).item<double>(), (24.0 * 24 - 1) / 12);  // uniform 0..23
  EXPECT_EQ(tensor({1.0f, 3.0f}).var().dtype(), kFloat32);
}

TEST(VarStd, SingleElementWithCorrectionIsNotFinite) {
  // n - correction == 0: PyTorch divides by zero (inf or nan), it does not throw.
  Tensor one = f64({3});
  EXPECT_FALSE(std::isfinite(one.var().item<double>()));
  EXPECT_DOUBLE_EQ(one.var({}, 0).item<double>(), 0.0);
}

// ---------------------------------------------------------------------------------------------
// prod
// ---------------------------------------------------------------------------------------------

TEST(Prod, AllAndAlongDim) {
  EXPECT_DOUBLE_EQ(f64({1, 2, 3, 4}).prod().item<double>(), 24);
  Tensor m = f64({1, 2, 3, 4}).view({2, 2});
  expect_values(m.prod(0), {3, 8});
  Tensor pk = m.prod(1, true);
  EXPECT_EQ(pk.sizes(), (Shape{2, 1}));
  expect_values(pk, {2, 12});
  expect_values(prod(m, -1), {2, 12});
  EXPECT_DOUBLE_EQ(prod(m).item<double>(), 24);
  Tensor pi = tensor({2, 3, 4}, kInt32).prod();
  EXPECT_EQ(pi.dtype(), kInt64);
  EXPECT_EQ(pi.item<int64_t>(), 24);
  EXPECT_DOUBLE_EQ(zeros({0}).prod().item<double>(), 1.0);
  expect_values(m.t().prod(1), {3, 8});  // non-contiguous
}

// ---------------------------------------------------------------------------------------------
// max / min, amax / amin, argmax / argmin
// ---------------------------------------------------------------------------------------------

TEST(MaxMin, WholeTensor) {
  Tensor a = f64({3, -1, 7, 7, 2}).view({5});
  EXPECT_DOUBLE_EQ(a.max().item<double>(), 7);
  EXPECT_DOUBLE_EQ(a.min().item<double>(), -1);
  EXPECT_EQ(a.max().dim(), 0);
  Tensor i = tensor({{4, 9}, {-2, 0}});
  EXPECT_EQ(i.max().dtype(), kInt64);
  EXPECT_EQ(i.max().item<int64_t>(), 9);
  EXPECT_EQ(i.min().item<int64_t>(), -2);
  EXPECT_TRUE(tensor({false, true}).max().item<bool>());
}

TEST(MaxMin, AlongDimWithIndicesFirstOccurrence) {
  Tensor x = f64({1, 3, 3, 5, 0, 5}).view({2, 3});
  auto [v1, i1] = x.max(1);
  EXPECT_EQ(v1.sizes(), (Shape{2}));
  expect_values(v1, {3, 5});
  EXPECT_EQ(i1.dtype(), kInt64);
  EXPECT_EQ(ints(i1), (std::vector<int64_t>{1, 0}));  // first of the tied maxima
  auto [n1, j1] = x.min(1);
  expect_values(n1, {1, 0});
  EXPECT_EQ(ints(j1), (std::vector<int64_t>{0, 1}));
  auto [v0, i0] = max(x, 0);
  expect_values(v0, {5, 3, 5});
  EXPECT_EQ(ints(i0), (std::vector<int64_t>{1, 0, 1}));
  auto [vk, ik] = x.max(-1, true);
  EXPECT_EQ(vk.sizes(), (Shape{2, 1}));
  EXPECT_EQ(ik.sizes(), (Shape{2, 1}));
  EXPECT_EQ(ints(ik), (std::vector<int64_t>{1, 0}));
  auto [mn, mi] = min(tensor({{2, 2}, {2, 1}}), 0);
  EXPECT_EQ(ints(mn), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(ints(mi), (std::vector<int64_t>{0, 1}));
  auto [tv, ti] = x.t().max(1);  // non-contiguous input: columns of x
  expect_values(tv, {5, 3, 5});
  EXPECT_EQ(ints(ti), (std::vector<int64_t>{1, 0, 1}));
}

TEST(MaxMin, NaNPropagates) {
  Tensor x = f64({1, kNaN, 3});
  expect_values(x.max(), {kNaN});
  expect_values(x.min(), {kNaN});
  expect_values(x.amax(), {kNaN});
  expect_values(x.amin(), {kNaN});
  auto [v, i] = x.max(0);
  expect_values(v, {kNaN});
  EXPECT_EQ(i.item<int64_t>(), 1);
  auto [mv, mi] = x.min(0);
  expect_values(mv, {kNaN});
  EXPECT_EQ(mi.item<int64_t>(), 1);
  EXPECT_EQ(x.argmax().item<int64_t>(), 1);
  EXPECT_EQ(x.argmin().item<int64_t>(), 1);
  Tensor rows = f64({1, 2, kNaN, 4}).view({2, 2});
  expect_values(rows.amax({1}), {2, kNaN});
  expect_values(rows.amin({0}), {kNaN, 2});
  expect_values(f64({-kInf, -kInf}).max(), {-kInf});
}

TEST(AmaxAmin, SeveralDimsAndKeepdim) {
  Tensor x = cube();
  Tensor a = x.amax({0, 2});
  EXPECT_EQ(a.sizes(), (Shape{3}));
  expect_values(a, {15, 19, 23});  // 12 + 4 j + 3
  Tensor b = x.amin({0, 2}, true);
  EXPECT_EQ(b.sizes(), (Shape{1, 3, 1}));
  expect_values(b, {0, 4, 8});
  expect_values(amax(x, {-1}), {3, 7, 11, 15, 19, 23});
  expect_values(amin(x, {-3, -2}), {0, 1, 2, 3});
  EXPECT_DOUBLE_EQ(x.amax().item<double>(), 23);
  EXPECT_EQ(tensor({3, 9, 1}, kInt32).amax().dtype(), kInt32);
}

TEST(ArgMaxMin, WithAndWithoutDim) {
  Tensor x = f64({1, 3, 3, 5, 0, 5}).view({2, 3});
  Tensor a = x.argmax();
  EXPECT_EQ(a.dim(), 0);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.item<int64_t>(), 3);  // flattened, first of the two 5s
  EXPECT_EQ(x.argmin().item<int64_t>(), 4);
  EXPECT_EQ(ints(x.argmax(1)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(ints(x.argmin(0)), (std::vector<int64_t>{0, 1, 0}));
  Tensor k = argmax(x, -1, true);
  EXPECT_EQ(k.sizes(), (Shape{2, 1}));
  EXPECT_EQ(ints(k), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(argmin(tensor({4, -2, -2, 7})).item<int64_t>(), 1);
  EXPECT_EQ(x.t().argmax().item<int64_t>(), 1);  // flattened in logical order: [1,5,3,0,3,5]
}

// ---------------------------------------------------------------------------------------------
// logsumexp and norm
// ---------------------------------------------------------------------------------------------

TEST(LogSumExp, StableForLargeAndSmallValues) {
  const double l2 = std::log(2.0), l3 = std::log(3.0);
  expect_values(f64({1000, 1000}).logsumexp({0}), {1000 + l2});
  expect_values(f64({-1000, -1000}).logsumexp({0}), {-1000 + l2});
  expect_values(f64({0, 0}).logsumexp({0}), {l2});
  Tensor m = f64({1000, 1000, 1000, 0, 0, 0}).view({2, 3});
  Tensor r = m.logsumexp({1});
  EXPECT_EQ(r.sizes(), (Shape{2}));
  expect_values(r, {1000 + l3, l3});
  Tensor rk = logsumexp(m, {-1}, true);
  EXPECT_EQ(rk.sizes(), (Shape{2, 1}));
  expect_values(rk, {1000 + l3, l3});
  expect_values(m.logsumexp({0, 1}), {1000 + l3});
  Tensor f = from_vector(std::vector<float>{1000.f, 1000.f});
  EXPECT_EQ(f.logsumexp({0}).dtype(), kFloat32);
  EXPECT_NEAR(f.logsumexp({0}).item<double>(), 1000 + l2, 1e-3);
  expect_values(f64({-kInf, -kInf}).logsumexp({0}), {-kInf});
  expect_values(f64({-kInf, 0}).logsumexp({0}), {0});
  Tensor i = tensor({0, 0}).logsumexp({0});  // integers: default float dtype
  EXPECT_EQ(i.dtype(), kFloat32);
  EXPECT_NEAR(i.item<double>(), l2, 1e-6);
}

TEST(Norm, POneTwoInf) {
  Tensor v = f64({3, -4});
  EXPECT_DOUBLE_EQ(v.norm().item<double>(), 5);
  EXPECT_DOUBLE_EQ(v.norm(2).item<double>(), 5);
  EXPECT_DOUBLE_EQ(v.norm(1).item<double>(), 7);
  EXPECT_DOUBLE_EQ(v.norm(INFINITY).item<double>(), 4);
  EXPECT_NEAR(v.norm(3).item<double>(), std::cbrt(27.0 + 64.0), 1e-12);
  Tensor m = f64({3, -4, 1, 0}).view({2, 2});
  expect_values(m.norm(2, {1}), {5, 1});
  expect_values(m.norm(1, {1}), {7, 1});
  expect_values(m.norm(INFINITY, {1}), {4, 1});
  expect_values(norm(m, 2, {0}), {std::sqrt(10.0), 4});
  Tensor k = norm(m, 1, {-1}, true);
  EXPECT_EQ(k.sizes(), (Shape{2, 1}));
  expect_values(k, {7, 1});
  EXPECT_DOUBLE_EQ(m.norm().item<double>(), std::sqrt(26.0));  // Frobenius over all dims
  EXPECT_EQ(tensor({3.0f, 4.0f}).norm().dtype(), kFloat32);
}

// ---------------------------------------------------------------------------------------------
// all, any, cumsum
// ---------------------------------------------------------------------------------------------

TEST(AllAny, WholeAndAlongDim) {
  Tensor b = tensor({{true, false}, {true, true}});
  Tensor a = b.all();
  EXPECT_EQ(a.dtype(), kBool);
  EXPECT_EQ(a.dim(), 0);
  EXPECT_FALSE(a.item<bool>());
  EXPECT_TRUE(b.any().item<bool>());
  EXPECT_EQ(b.all(1).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ(b.all(0).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(b.any(0).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ(b.any(-1, true).sizes(), (Shape{2, 1}));
  EXPECT_EQ(all(b, 1, true).sizes(), (Shape{2, 1}));
  EXPECT_FALSE(zeros({3}).any().item<bool>());
  EXPECT_TRUE(f64({1, -2, 0.5}).all().item<bool>());
  EXPECT_FALSE(tensor({1, 0, 3}).all().item<bool>());
  EXPECT_TRUE(f64({kNaN}).all().item<bool>());  // NaN is non-zero
  EXPECT_TRUE(zeros({0}).all().item<bool>());   // empty: identity
  EXPECT_FALSE(zeros({0}).any().item<bool>());
  EXPECT_EQ(any(tensor({{0, 0}, {0, 1}}), 1).to_vector<bool>(), (std::vector<bool>{false, true}));
}

TEST(Cumsum, AlongDimsAndDtypes) {
  expect_values(f64({1, 2, 3, 4}).cumsum(0), {1, 3, 6, 10});
  Tensor m = f64({1, 2, 3, 4}).view({2, 2});
  expect_values(m.cumsum(0), {1, 2, 4, 6});
  expect_values(m.cumsum(1), {1, 3, 3, 7});
  expect_values(cumsum(m, -1), {1, 3, 3, 7});
  expect_values(m.t().cumsum(1), {1, 4, 2, 6});  // non-contiguous input
  Tensor ci = tensor({1, 2, 3}, kInt32).cumsum(0);
  EXPECT_EQ(ci.dtype(), kInt64);
  EXPECT_EQ(ints(ci), (std::vector<int64_t>{1, 3, 6}));
  Tensor cb = tensor({true, true, false, true}).cumsum(0);
  EXPECT_EQ(cb.dtype(), kInt64);
  EXPECT_EQ(ints(cb), (std::vector<int64_t>{1, 2, 2, 3}));
  Tensor c3 = cube().cumsum(1);
  EXPECT_EQ(c3.sizes(), (Shape{2, 3, 4}));
  EXPECT_DOUBLE_EQ(c3.at<double>({1, 2, 3}), 15 + 19 + 23);
  EXPECT_EQ(tensor({1.0f}).cumsum(0).dtype(), kFloat32);
  Tensor z = tensor(2.0).cumsum(0);
  EXPECT_EQ(z.dim(), 0);
  EXPECT_DOUBLE_EQ(z.item<double>(), 2.0);
}
