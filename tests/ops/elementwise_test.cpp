// Value tests for the element-wise ops of the central op list: arithmetic with broadcasting and
// scalars, dtype rules (true division, promotion), unary math, rounding, clamp, comparisons and
// logic, NaN handling, and the in-place variants. Expected values are computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "descent/descent.h"
#include "test_util.h"
#include "ops/op_coverage.h"

using namespace descent;
using namespace test_util;

DESCENT_VALUE_TESTS_FOR("add", "sub", "mul", "div", "pow", "pow_scalar", "minimum", "maximum", "where", "neg", "abs", "sign", "exp",
                        "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sigmoid", "tanh", "relu", "sin",
                        "cos", "floor", "ceil", "round", "clamp", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
                        "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "add_", "sub_", "mul_",
                        "div_", "copy_", "clamp_", "masked_fill_");

namespace {



void expect_bools(const Tensor& t, const std::vector<bool>& expected) {
  EXPECT_EQ(t.dtype(), kBool) << t;
  EXPECT_EQ(t.to_vector<bool>(), expected) << t;
}

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }

Tensor f64(std::vector<double> v) { return from_vector(v); }

}  // namespace

// Every op of the tensor-core part of the central list must have value tests in tests/ops/: each
// test file registers the ops it tests (DESCENT_VALUE_TESTS_FOR), so a new op fails here until a
// file tests it and says so. The nn op families have their value tests in tests/nn.
TEST(OpList, EveryOpHasValueTests) {
  std::set<std::string> core;
#define DESCENT_CORE_OP_NAME(n, d) core.insert(#n);
  DESCENT_CORE_OPS(DESCENT_CORE_OP_NAME)
#undef DESCENT_CORE_OP_NAME
  const std::set<std::string>& covered = op_coverage::registry();
  for (const std::string& name : core) EXPECT_TRUE(covered.count(name)) << "op '" << name << "' has no value tests";
  for (const std::string& name : covered) EXPECT_TRUE(core.count(name)) << "value tests registered for unlisted op '" << name << "'";
}

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

TEST(Add, BroadcastsColumnAgainstRow) {
  Tensor a = tensor({{0}, {10}, {20}});  // [3, 1]
  Tensor b = tensor({1, 2, 3, 4});       // [4]
  Tensor c = add(a, b);
  EXPECT_EQ(c.sizes(), (Shape{3, 4}));
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_EQ(ints(c), (std::vector<int64_t>{1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24}));
  EXPECT_TRUE(equal(b + a, c));
  EXPECT_EQ(broadcast_shapes({3, 1}, {4}), (Shape{3, 4}));
  EXPECT_EQ(broadcast_shapes({2, 1, 5}, {3, 1}), (Shape{2, 3, 5}));
  EXPECT_EQ(broadcast_shapes({}, {2}), (Shape{2}));
}

TEST(Add, BroadcastsAgainstZeroDimAndEmpty) {
  Tensor a = tensor({{1.0, 2.0}, {3.0, 4.0}});
  expect_values(a + tensor(10.0), {11, 12, 13, 14});
  Tensor e = zeros({0, 2}) + ones({2});
  EXPECT_EQ(e.sizes(), (Shape{0, 2}));
  Tensor s = tensor(1.5) + tensor(2.0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_DOUBLE_EQ(s.item<double>(), 3.5);
}

TEST(Add, AlphaScalesTheSecondOperand) {
  Tensor a = tensor({1.0, 2.0, 3.0}), b = tensor({1.0, 1.0, 2.0});
  expect_values(add(a, b, 2), {3, 4, 7});
  expect_values(a.add(b, 0.5), {1.5, 2.5, 4});
  expect_values(a.add(1.0, 3), {4, 5, 6});
  EXPECT_EQ(ints(add(tensor({1, 2}), tensor({3, 4}), -2)), (std::vector<int64_t>{-5, -6}));
}

TEST(Add, ScalarsOnBothSides) {
  Tensor t = tensor({1, 2, 3});
  EXPECT_EQ(ints(t + 1), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(ints(1 + t), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(ints(t - 1), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(ints(10 - t), (std::vector<int64_t>{9, 8, 7}));
  EXPECT_EQ(ints(t * 3), (std::vector<int64_t>{3, 6, 9}));
  EXPECT_EQ(ints(3 * t), (std::vector<int64_t>{3, 6, 9}));
  EXPECT_EQ((t * 3).dtype(), kInt64);
  Tensor h = t / 2;  // true division
  EXPECT_EQ(h.dtype(), kFloat32);
  expect_values(h, {0.5, 1.0, 1.5});
  Tensor r = 6 / t;
  EXPECT_EQ(r.dtype(), kFloat32);
  expect_values(r, {6, 3, 2});
  Tensor f = t + 0.5;
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_values(f, {1.5, 2.5, 3.5});
  expect_values(0.5 - t, {-0.5, -1.5, -2.5});
  expect_values(-t, {-1, -2, -3});
}

TEST(Add, IntegerAndFloatDtypes) {
  Tensor i32 = tensor({1, 2}, kInt32), i64 = tensor({3, 4}), f32 = tensor({0.5, 0.25}), f64t = f64({1, 2});
  EXPECT_EQ((i32 + i32).dtype(), kInt32);
  EXPECT_EQ((i32 + i64).dtype(), kInt64);
  EXPECT_EQ((i64 + f32).dtype(), kFloat32);
  EXPECT_EQ((f32 + f64t).dtype(), kFloat64);
  expect_values(i64 + f32, {3.5, 4.25});
  Tensor u = tensor({250, 10}, kUInt8) + tensor({10, 10}, kUInt8);  // wraps like uint8 arithmetic
  EXPECT_EQ(u.dtype(), kUInt8);
  EXPECT_EQ(ints(u), (std::vector<int64_t>{4, 20}));
  Tensor b = tensor({true, false}) + tensor({true, true});
  EXPECT_EQ(b.dtype(), kBool);  // bool + bool is logical or
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, true}));
}

TEST(Sub, ValuesAlphaAndBroadcast) {
  Tensor a = tensor({{5.0, 3.0}, {1.0, 0.0}}), b = tensor({1.0, 2.0});
  expect_values(a - b, {4, 1, 0, -2});
  expect_values(sub(a, b, 2), {3, -1, -1, -4});
  expect_values(a.sub(1.0), {4, 2, 0, -1});
  expect_values(a.sub(1.0, 3), {2, 0, -2, -3});
  EXPECT_EQ(ints(sub(tensor({10}), tensor({3}))), (std::vector<int64_t>{7}));
}

TEST(Mul, ValuesAndBroadcast) {
  Tensor a = tensor({{1.0, 2.0}, {3.0, 4.0}});
  expect_values(a * tensor({{2.0}, {-1.0}}), {2, 4, -3, -4});
  expect_values(mul(a, a), {1, 4, 9, 16});
  expect_values(a.mul(0.5), {0.5, 1, 1.5, 2});
  EXPECT_EQ(ints(tensor({2, 3}) * tensor({4, 5})), (std::vector<int64_t>{8, 15}));
  Tensor b = tensor({true, false}) * tensor({true, true});
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false}));
}

TEST(Div, TrueDivisionOfIntegersGivesFloat) {
  Tensor q = div(tensor({7, -7, 1}), tensor({2, 2, 4}));
  EXPECT_EQ(q.dtype(), kFloat32);
  expect_values(q, {3.5, -3.5, 0.25});
  Tensor qi32 = tensor({1, 2}, kInt32) / tensor({2, 2}, kInt32);
  EXPECT_EQ(qi32.dtype(), kFloat32);
  expect_values(qi32, {0.5, 1});
  Tensor d = f64({1, -1, 0}) / f64({0, 0, 0});
  EXPECT_EQ(d.dtype(), kFloat64);
  expect_values(d, {kInf, -kInf, kNaN});
  expect_values(tensor({1.0, 2.0}).div(4.0), {0.25, 0.5});
  expect_values(f64({3, 6}) / f64({1, 3}).view({2, 1}), {3, 6, 1, 2});
}

TEST(Pow, TensorExponent) {
  Tensor p = pow(tensor({2.0, 3.0, 4.0}), tensor({3.0, 2.0, 0.5}));
  expect_values(p, {8, 9, 2});
  Tensor pi = pow(tensor({2, 3, -2}), tensor({3, 2, 3}));
  EXPECT_EQ(pi.dtype(), kInt64);
  EXPECT_EQ(ints(pi), (std::vector<int64_t>{8, 9, -8}));
  Tensor bc = tensor({{1.0}, {2.0}}).pow(tensor({0.0, 1.0, 2.0}));
  EXPECT_EQ(bc.sizes(), (Shape{2, 3}));
  expect_values(bc, {1, 1, 1, 1, 2, 4});
  expect_values(pow(f64({-8}), f64({1.0 / 3})), {kNaN});  // negative base, fractional exponent
}

TEST(Pow, ScalarExponentAndScalarBase) {
  Tensor t = tensor({1, 2, 3});
  Tensor sq = pow(t, 2);
  EXPECT_EQ(sq.dtype(), kInt64);
  EXPECT_EQ(ints(sq), (std::vector<int64_t>{1, 4, 9}));
  Tensor half = pow(t, 0.5);
  EXPECT_EQ(half.dtype(), kFloat32);
  expect_values(half, {1, std::sqrt(2.0), std::sqrt(3.0)});
  expect_values(tensor({4.0, 0.25}).pow(-1), {0.25, 4});
  expect_values(pow(f64({0, 5}), 0), {1, 1});
  Tensor base2 = pow(2, tensor({0, 1, 3}));
  EXPECT_EQ(base2.dtype(), kInt64);
  EXPECT_EQ(ints(base2), (std::vector<int64_t>{1, 2, 8}));
  Tensor base_f = pow(0.5, tensor({1, 2}));
  EXPECT_EQ(base_f.dtype(), kFloat32);
  expect_values(base_f, {0.5, 0.25});
}

TEST(MinimumMaximum, ValuesBroadcastAndNaN) {
  Tensor a = f64({1, 5, kNaN, -1}), b = f64({3, 2, 1, kNaN});
  expect_values(minimum(a, b), {1, 2, kNaN, kNaN});
  expect_values(maximum(a, b), {3, 5, kNaN, kNaN});
  expect_values(a.minimum(tensor(0.0, kFloat64)), {0, 0, kNaN, -1});
  Tensor mi = maximum(tensor({{1}, {5}}), tensor({2, 4, 6}));
  EXPECT_EQ(mi.dtype(), kInt64);
  EXPECT_EQ(mi.sizes(), (Shape{2, 3}));
  EXPECT_EQ(ints(mi), (std::vector<int64_t>{2, 4, 6, 5, 5, 6}));
  Tensor mixed = minimum(tensor({1, 4}), tensor({2.5, 2.5}));
  EXPECT_EQ(mixed.dtype(), kFloat32);
  expect_values(mixed, {1, 2.5});
}

TEST(Where, TensorBranchesBroadcastAndScalars) {
  Tensor c = tensor({true, false, true});
  Tensor w = where(c, tensor({1, 2, 3}), tensor({10, 20, 30}));
  EXPECT_EQ(w.dtype(), kInt64);
  EXPECT_EQ(ints(w), (std::vector<int64_t>{1, 20, 3}));
  Tensor ws = where(c, tensor({1, 2, 3}), 0.5);  // int tensor, float scalar: float32
  EXPECT_EQ(ws.dtype(), kFloat32);
  expect_values(ws, {1, 0.5, 3});
  Tensor wl = where(c, 7, tensor({10, 20, 30}));
  EXPECT_EQ(wl.dtype(), kInt64);
  EXPECT_EQ(ints(wl), (std::vector<int64_t>{7, 20, 7}));
  Tensor wb = where(tensor({{true}, {false}}), tensor({1.0, 2.0}), tensor(-1.0));
  EXPECT_EQ(wb.sizes(), (Shape{2, 2}));
  expect_values(wb, {1, 2, -1, -1});
  Tensor wp = where(tensor({true, false}), tensor({1, 2}, kInt32), f64({0.5, 0.5}));
  EXPECT_EQ(wp.dtype(), kFloat64);
  expect_values(wp, {1, 0.5});
  expect_values(where(f64({-1, 2}) > 0, f64({-1, 2}), 0.0), {0, 2});
}

// ---------------------------------------------------------------------------------------------
// Unary
// ---------------------------------------------------------------------------------------------

TEST(Unary, NegAbsSign) {
  expect_values(neg(f64({1, -2, 0})), {-1, 2, 0});
  EXPECT_EQ(ints(neg(tensor({3, -4}))), (std::vector<int64_t>{-3, 4}));
  expect_values(abs(f64({-1.5, 2, -0.0, -kInf})), {1.5, 2, 0, kInf});
  Tensor ai = abs(tensor({-3, 4}, kInt32));
  EXPECT_EQ(ai.dtype(), kInt32);
  EXPECT_EQ(ints(ai), (std::vector<int64_t>{3, 4}));
  expect_values(sign(f64({-3, 0, 2.5, -kInf})), {-1, 0, 1, -1});
  Tensor si = sign(tensor({-7, 0, 9}));
  EXPECT_EQ(si.dtype(), kInt64);
  EXPECT_EQ(ints(si), (std::vector<int64_t>{-1, 0, 1}));
  expect_values(sign(f64({kNaN})), {0});  // both comparisons with NaN are false
}

TEST(Unary, ExpLogFamily) {
  const double e = std::exp(1.0);
  expect_values(exp(f64({0, 1, -kInf})), {1, e, 0}, 1e-12);
  expect_values(log(f64({1, e, 0, -1})), {0, 1, -kInf, kNaN}, 1e-12);
  Tensor li = log(tensor({1, 1}));
  EXPECT_EQ(li.dtype(), kFloat32);  // integer input: default float dtype
  expect_values(li, {0, 0});
  expect_values(log1p(f64({0, 1e-10, e - 1})), {0, 1e-10, 1}, 1e-15);
  EXPECT_EQ(log1p(f64({1e-10})).item<double>(), std::log1p(1e-10));  // precise near zero
  expect_values(expm1(f64({0, 1e-10, 1})), {0, 1e-10, e - 1}, 1e-15);
  EXPECT_EQ(exp(tensor({0.0})).dtype(), kFloat32);
}

TEST(Unary, SqrtRsqrtSquareReciprocal) {
  expect_values(sqrt(f64({4, 9, 0, -1})), {2, 3, 0, kNaN});
  Tensor si = sqrt(tensor({4, 16}));
  EXPECT_EQ(si.dtype(), kFloat32);
  expect_values(si, {2, 4});
  expect_values(rsqrt(f64({4, 0.25, 0})), {0.5, 2, kInf});
  expect_values(square(f64({-3, 2, 0.5})), {9, 4, 0.25});
  Tensor sq = square(tensor({-3, 5}));
  EXPECT_EQ(sq.dtype(), kInt64);
  EXPECT_EQ(ints(sq), (std::vector<int64_t>{9, 25}));
  expect_values(reciprocal(f64({2, 4, -0.5, 0})), {0.5, 0.25, -2, kInf});
  Tensor ri = reciprocal(tensor({2, 4}));
  EXPECT_EQ(ri.dtype(), kFloat32);
  expect_values(ri, {0.5, 0.25});
}

TEST(Unary, SigmoidTanhReluSinCos) {
  expect_values(sigmoid(f64({0, 1, -1})), {0.5, 1 / (1 + std::exp(-1.0)), 1 / (1 + std::exp(1.0))}, 1e-12);
  // Stable at the extremes: no NaN from exp overflow.
  expect_values(sigmoid(f64({-1000, 1000})), {0, 1});
  expect_values(sigmoid(tensor({-100.0f, 100.0f})), {0, 1});
  expect_values(tanh(f64({0, 1, -20})), {0, std::tanh(1.0), -1}, 1e-12);
  expect_values(relu(f64({-1, 0, 2, kNaN})), {0, 0, 2, kNaN});
  Tensor ri = relu(tensor({-3, 4}));
  EXPECT_EQ(ri.dtype(), kInt64);
  EXPECT_EQ(ints(ri), (std::vector<int64_t>{0, 4}));
  const double pi = std::acos(-1.0);
  expect_values(sin(f64({0, pi / 2, pi / 6})), {0, 1, 0.5}, 1e-12);
  expect_values(cos(f64({0, pi, pi / 3})), {1, -1, 0.5}, 1e-12);
  EXPECT_EQ(sin(tensor({0})).dtype(), kFloat32);
}

TEST(Unary, FloorCeil) {
  expect_values(floor(f64({-1.5, 1.5, 2.0, -0.2})), {-2, 1, 2, -1});
  expect_values(ceil(f64({-1.5, 1.5, 2.0, -0.2})), {-1, 2, 2, 0});
  Tensor fi = floor(tensor({3, -3}));
  EXPECT_EQ(fi.dtype(), kInt64);  // identity on integers
  EXPECT_EQ(ints(fi), (std::vector<int64_t>{3, -3}));
  expect_values(floor(f64({kInf, kNaN})), {kInf, kNaN});
}

TEST(Unary, RoundHalfToEven) {
  Tensor r = round(f64({0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, 3.5}));
  expect_values(r, {0, 2, 2, 0, -2, -2, 2, 3, 4}, 0);
  expect_values(round(tensor({0.5f, 1.5f, 2.5f})), {0, 2, 2}, 0);
  Tensor ri = round(tensor({7}));
  EXPECT_EQ(ri.dtype(), kInt64);
  EXPECT_EQ(ri.item<int64_t>(), 7);
}

TEST(Unary, NonContiguousInputs) {
  Tensor a = f64({1, 2, 3, 4, 5, 6}).view({2, 3}).t();  // [[1,4],[2,5],[3,6]]
  expect_values(neg(a), {-1, -4, -2, -5, -3, -6});
  expect_values(square(a.slice(0, 0, 3, 2)), {1, 16, 9, 36});
  expect_values(a + a.slice(1, 0, 1), {2, 5, 4, 7, 6, 9});
}

TEST(Clamp, BothBoundsOnlyMinOnlyMax) {
  Tensor x = f64({-2, 0.5, 3, kNaN});
  expect_values(clamp(x, 0, 1), {0, 0.5, 1, kNaN});
  expect_values(clamp(x, 0), {0, 0.5, 3, kNaN});
  expect_values(clamp(x, std::nullopt, 1), {-2, 0.5, 1, kNaN});
  expect_values(x.clamp_min(-1), {-1, 0.5, 3, kNaN});
  expect_values(x.clamp_max(0), {-2, 0, 0, kNaN});
  Tensor ci = clamp(tensor({-5, 2, 9}), -1, 4);
  EXPECT_EQ(ci.dtype(), kInt64);
  EXPECT_EQ(ints(ci), (std::vector<int64_t>{-1, 2, 4}));
  // Tensor bounds broadcast.
  Tensor ct = clamp(f64({-2, 0.5, 3}), f64({-1, 1, 1}), f64({0, 2, 2}));
  expect_values(ct, {-1, 1, 2});
}

// ---------------------------------------------------------------------------------------------
// Comparisons and logic
// ---------------------------------------------------------------------------------------------

TEST(Compare, TensorTensor) {
  Tensor a = tensor({1, 2, 3}), b = tensor({3, 2, 1});
  expect_bools(eq(a, b), {false, true, false});
  expect_bools(ne(a, b), {true, false, true});
  expect_bools(lt(a, b), {true, false, false});
  expect_bools(le(a, b), {true, true, false});
  expect_bools(gt(a, b), {false, false, true});
  expect_bools(ge(a, b), {false, true, true});
  expect_bools(a == b, {false, true, false});
  expect_bools(a != b, {true, false, true});
  expect_bools(a < b, {true, false, false});
  expect_bools(a <= b, {true, true, false});
  expect_bools(a > b, {false, false, true});
  expect_bools(a >= b, {false, true, true});
}

TEST(Compare, ScalarsMixedDtypesAndBroadcast) {
  Tensor a = tensor({1, 2, 3});
  expect_bools(a > 1.5, {false, true, true});
  expect_bools(a.ge(2), {false, true, true});
  expect_bools(a.lt(2.5), {true, true, false});
  expect_bools(a.le(1), {true, false, false});
  expect_bools(a.eq(2.0), {false, true, false});
  expect_bools(a.ne(2), {true, false, true});
  expect_bools(a.gt(tensor({0.5, 2.5, 2.5})), {true, false, true});
  Tensor c = tensor({{1}, {2}}) == tensor({1, 2, 3});
  EXPECT_EQ(c.sizes(), (Shape{2, 3}));
  expect_bools(c, {true, false, false, false, true, false});
  expect_bools(f64({kNaN, 1}) == f64({kNaN, 1}), {false, true});
  expect_bools(f64({kNaN}) != f64({kNaN}), {true});
}

TEST(Logic, AndOrXorNot) {
  Tensor a = f64({0, 1.5, 0, -2}), b = tensor({0, 0, 3, 1});
  expect_bools(logical_and(a, b), {false, false, false, true});
  expect_bools(logical_or(a, b), {false, true, true, true});
  expect_bools(logical_xor(a, b), {false, true, true, false});
  expect_bools(logical_not(a), {true, false, true, false});
  expect_bools(a.logical_and(b), {false, false, false, true});
  Tensor t = tensor({true, false});
  expect_bools(logical_not(t), {false, true});
  expect_bools(t.logical_or(tensor({{false}, {true}})), {true, false, true, true});
  expect_bools(t.logical_xor(tensor({true, true})), {false, true});
}

TEST(Predicates, IsNanIsInfIsFinite) {
  Tensor x = f64({1, kNaN, kInf, -kInf, 0});
  expect_bools(isnan(x), {false, true, false, false, false});
  expect_bools(isinf(x), {false, false, true, true, false});
  expect_bools(isfinite(x), {true, false, false, false, true});
  expect_bools(x.isnan(), {false, true, false, false, false});
  Tensor i = tensor({1, 2});
  expect_bools(isnan(i), {false, false});
  expect_bools(isinf(i), {false, false});
  expect_bools(isfinite(i), {true, true});
  Tensor f = from_vector(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), 1.f});
  expect_bools(isnan(f), {true, false});
}

TEST(Predicates, AllcloseAndEqual) {
  EXPECT_TRUE(allclose(f64({1, 2}), f64({1 + 1e-9, 2})));
  EXPECT_FALSE(allclose(f64({1, 2}), f64({1.1, 2})));
  EXPECT_FALSE(allclose(f64({kNaN}), f64({kNaN})));
  EXPECT_TRUE(allclose(f64({kNaN}), f64({kNaN}), 1e-5, 1e-8, true));
  EXPECT_TRUE(allclose(f64({kInf}), f64({kInf})));
  EXPECT_FALSE(allclose(f64({1, 2}), f64({1, 2, 3})));
  EXPECT_TRUE(equal(tensor({1, 2}), tensor({1, 2})));
  EXPECT_FALSE(equal(tensor({1, 2}), tensor({1, 3})));
  EXPECT_FALSE(equal(tensor({1, 2}), tensor({1, 2}, kInt32)));  // dtype differs
}

// ---------------------------------------------------------------------------------------------
// In-place variants
// ---------------------------------------------------------------------------------------------

TEST(InPlace, AddWithAlphaAndBroadcast) {
  Tensor t = f64({1, 2, 3});
  Tensor& r = t.add_(f64({1, 1, 1}), 2);
  EXPECT_TRUE(r.is_same(t));
  expect_values(t, {3, 4, 5});
  t.add_(1);
  expect_values(t, {4, 5, 6});
  t.add_(0.5, -2);
  expect_values(t, {3, 4, 5});
  Tensor m = zeros({2, 3}, kFloat64);
  m.add_(f64({1, 2, 3}));  // [3] broadcast to [2, 3]
  expect_values(m, {1, 2, 3, 1, 2, 3});
  m += f64({10, 20}).view({2, 1});
  expect_values(m, {11, 12, 13, 21, 22, 23});
  Tensor i = tensor({1, 2});
  i.add_(tensor({3, 4}, kInt32));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(ints(i), (std::vector<int64_t>{4, 6}));
  Tensor fi = zeros({2});
  fi.add_(tensor({1, 2}));  // an int operand into a float tensor is fine
  expect_values(fi, {1, 2});
}

TEST(InPlace, SubMulDiv) {
  Tensor t = f64({10, 20});
  t.sub_(f64({1, 2}));
  expect_values(t, {9, 18});
  t.sub_(f64({1, 1}), 3);
  expect_values(t, {6, 15});
  t.sub_(1);
  expect_values(t, {5, 14});
  t.mul_(f64({2, 0.5}));
  expect_values(t, {10, 7});
  t.mul_(3);
  expect_values(t, {30, 21});
  t.div_(f64({3, 7}));
  expect_values(t, {10, 3});
  t.div_(4);
  expect_values(t, {2.5, 0.75});
  t -= 0.5;
  t *= 2;
  t /= 2;
  expect_values(t, {2, 0.25});
  Tensor i = tensor({6, 8});
  i.mul_(2);
  i.sub_(1);
  EXPECT_EQ(ints(i), (std::vector<int64_t>{11, 15}));
}

TEST(InPlace, ZeroFill) {
  Tensor t = f64({1, 2, 3});
  t.zero_();
  expect_values(t, {0, 0, 0});
  t.fill_(2.5);
  expect_values(t, {2.5, 2.5, 2.5});
  Tensor i = tensor({1, 2});
  i.fill_(7);
  EXPECT_EQ(ints(i), (std::vector<int64_t>{7, 7}));
  Tensor view = arange(6).view({2, 3});
  view.select(1, 1).fill_(-1);  // a strided view
  EXPECT_EQ(ints(view), (std::vector<int64_t>{0, -1, 2, 3, -1, 5}));
}

TEST(InPlace, CopyBroadcastsAndConverts) {
  Tensor dst = zeros({2, 3});
  dst.copy_(tensor({1, 2, 3}));  // int64 [3] into float32 [2, 3]
  EXPECT_EQ(dst.dtype(), kFloat32);
  expect_values(dst, {1, 2, 3, 1, 2, 3});
  Tensor di = zeros({3}, kInt32);
  di.copy_(f64({1.7, -1.7, 2.5}));  // truncation toward zero
  EXPECT_EQ(ints(di), (std::vector<int64_t>{1, -1, 2}));
  Tensor db = zeros({3}, kBool);
  db.copy_(f64({0, 0.1, -3}));
  EXPECT_EQ(db.to_vector<bool>(), (std::vector<bool>{false, true, true}));
  // Into a transposed view, and from an overlapping view of itself.
  Tensor m = zeros({2, 2}, kFloat64);
  m.t().copy_(f64({1, 2, 3, 4}).view({2, 2}));
  expect_values(m, {1, 3, 2, 4});
  Tensor s = f64({1, 2, 3, 4});
  s.slice(0, 1, 4).copy_(s.slice(0, 0, 3));
  expect_values(s, {1, 1, 2, 3});
  dst.copy_(tensor(9.0));
  expect_values(dst, {9, 9, 9, 9, 9, 9});
}

TEST(InPlace, ClampAndMaskedFill) {
  Tensor t = f64({-2, 0.5, 3});
  t.clamp_(0, 1);
  expect_values(t, {0, 0.5, 1});
  Tensor u = f64({-2, 0.5, 3});
  u.clamp_(std::nullopt, 0);
  expect_values(u, {-2, 0, 0});
  Tensor v = tensor({-5, 5});
  v.clamp_(-1);
  EXPECT_EQ(ints(v), (std::vector<int64_t>{-1, 5}));
  Tensor m = f64({1, 2, 3, 4});
  m.masked_fill_(tensor({true, false, true, false}), -1.0);
  expect_values(m, {-1, 2, -1, 4});
  Tensor mb = zeros({2, 2}, kFloat64);
  mb.masked_fill_(tensor({{true}, {false}}), 5.0);  // mask broadcasts
  expect_values(mb, {5, 5, 0, 0});
  Tensor mi = tensor({1, 2});
  mi.masked_fill_(tensor({false, true}), 9);
  EXPECT_EQ(ints(mi), (std::vector<int64_t>{1, 9}));
}

TEST(InPlace, OtherUnaryInPlace) {
  Tensor t = f64({-1, 0, 4});
  t.relu_();
  expect_values(t, {0, 0, 4});
  t.sqrt_();
  expect_values(t, {0, 0, 2});
  t.neg_();
  expect_values(t, {0, 0, -2});
  t.exp_();
  expect_values(t, {1, 1, std::exp(-2.0)}, 1e-12);
  Tensor s = f64({0});
  s.sigmoid_();
  expect_values(s, {0.5});
  s.tanh_();
  expect_values(s, {std::tanh(0.5)}, 1e-12);
  s.pow_(2);
  expect_values(s, {std::tanh(0.5) * std::tanh(0.5)}, 1e-12);
}

TEST(InPlace, IntTensorWithFloatResultThrows) {
  Tensor i = tensor({1, 2, 3});
  EXPECT_THROW(i.div_(2), Error);
  EXPECT_THROW(i.div_(tensor({1, 1, 1})), Error);
  EXPECT_THROW(i.mul_(2.5), Error);
  EXPECT_THROW(i.add_(0.5), Error);
  EXPECT_THROW(i.add_(f64({1, 1, 1})), Error);
  EXPECT_THROW(i.sub_(tensor({0.5, 0.5, 0.5})), Error);
  EXPECT_THROW(i.add_(tensor({1, 1, 1}), 0.5), Error);  // floating alpha for an integral tensor
  EXPECT_THROW(i.sub_(1, 1.5), Error);
  EXPECT_THROW(i.clamp_(0.5, 2), Error);
  EXPECT_THROW(i.clamp_(std::nullopt, 2.5), Error);
  EXPECT_THROW(i.sqrt_(), Error);
  EXPECT_THROW(i.exp_(), Error);
  EXPECT_THROW(i.sigmoid_(), Error);
  EXPECT_THROW(i.pow_(0.5), Error);
  EXPECT_THROW(i /= 2, Error);
  // None of the failed calls wrote anything.
  EXPECT_EQ(ints(i), (std::vector<int64_t>{1, 2, 3}));
  Tensor b = tensor({true, false});
  EXPECT_THROW(b.add_(1), Error);  // int64 result into bool
}
