// Value tests for the view ops (they share storage: writing through the view changes the base)
// and the shape-changing copies of the central op list (cat, stack, repeat, flip, clone,
// contiguous, to_dtype).
#include <gtest/gtest.h>

#include <vector>

#include "descent/descent.h"
#include "ops/op_coverage.h"

using namespace descent;

DESCENT_VALUE_TESTS_FOR("view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose", "t",
                        "narrow", "slice", "select", "expand", "broadcast_to", "as_strided", "split", "chunk", "unbind",
                        "movedim", "cat", "stack", "repeat", "flip", "clone", "contiguous", "to_dtype");

namespace {

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }

// 0, 1, ..., n-1 as int64 in the given shape.
Tensor iota(const Shape& shape) { return arange(shape_numel(shape)).view(shape); }

// True when v is a view of base: same storage, and a write through v shows up in base.
void expect_shares(const Tensor& base, Tensor v, int64_t marker = -777) {
  ASSERT_GT(v.numel(), 0);
  EXPECT_EQ(v.storage(), base.storage());
  v.fill_(marker);
  std::vector<int64_t> b = ints(base);
  int64_t hits = 0;
  for (int64_t x : b) hits += x == marker;
  EXPECT_GT(hits, 0) << "write through the view did not reach the base";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

TEST(View, ReshapesAndShares) {
  Tensor x = arange(6);
  Tensor v = x.view({2, 3});
  EXPECT_EQ(v.sizes(), (Shape{2, 3}));
  EXPECT_EQ(v.strides(), (Shape{3, 1}));
  EXPECT_EQ(v.at<int64_t>({1, 0}), 3);
  v.select(0, 1).select(0, 2).fill_(100);
  EXPECT_EQ(x.at<int64_t>({5}), 100);
  EXPECT_EQ(x.view({-1, 2}).sizes(), (Shape{3, 2}));
  EXPECT_EQ(x.view({3, -1}).sizes(), (Shape{3, 2}));
  EXPECT_EQ(x.view_as(zeros({1, 6})).sizes(), (Shape{1, 6}));
  // A transposed tensor can still be viewed when the new shape does not merge across strides.
  Tensor t = iota({2, 3}).t();  // [3, 2], strides [1, 3]
  Tensor tv = t.view({3, 2, 1});
  EXPECT_EQ(tv.strides(), (Shape{1, 3, 3}));
  expect_shares(t, tv);
}

TEST(Reshape, ContiguousSharesNonContiguousCopies) {
  Tensor x = iota({2, 3});
  Tensor r = x.reshape({3, 2});
  EXPECT_EQ(ints(r), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  expect_shares(x, r);

  Tensor y = iota({2, 3});
  Tensor t = y.t();  // [3, 2], not viewable as [6]
  Tensor flat = t.reshape({6});
  EXPECT_EQ(ints(flat), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_NE(flat.storage(), y.storage());  // a copy
  flat.fill_(-1);
  EXPECT_EQ(ints(y), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(y.reshape({-1}).storage(), y.storage());
  EXPECT_EQ(y.reshape_as(zeros({3, 2})).sizes(), (Shape{3, 2}));
  EXPECT_EQ(tensor(5).reshape({1, 1}).sizes(), (Shape{1, 1}));
  EXPECT_EQ(ones({1, 1}).reshape({}).dim(), 0);
}

TEST(Flatten, RangesOfDims) {
  Tensor x = iota({2, 3, 4});
  EXPECT_EQ(x.flatten().sizes(), (Shape{24}));
  EXPECT_EQ(x.flatten(1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(0, 1).sizes(), (Shape{6, 4}));
  EXPECT_EQ(x.flatten(-2, -1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(1, 1).sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(tensor(3).flatten().sizes(), (Shape{1}));
  Tensor f = x.flatten(1);
  EXPECT_EQ(f.at<int64_t>({1, 5}), 17);
  expect_shares(x, f.select(0, 1));
}

TEST(Unflatten, SplitsADim) {
  Tensor x = iota({2, 12});
  Tensor u = x.unflatten(1, {3, 4});
  EXPECT_EQ(u.sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(u.at<int64_t>({1, 2, 3}), 23);
  EXPECT_EQ(x.unflatten(-1, {2, -1}).sizes(), (Shape{2, 2, 6}));
  EXPECT_EQ(x.unflatten(0, {1, 2}).sizes(), (Shape{1, 2, 12}));
  expect_shares(x, u.select(1, 0));
}

TEST(Squeeze, AllAndOneDim) {
  Tensor x = zeros({1, 3, 1, 2}, kInt64);
  EXPECT_EQ(x.squeeze().sizes(), (Shape{3, 2}));
  EXPECT_EQ(x.squeeze(0).sizes(), (Shape{3, 1, 2}));
  EXPECT_EQ(x.squeeze(-2).sizes(), (Shape{1, 3, 2}));
  EXPECT_EQ(x.squeeze(1).sizes(), (Shape{1, 3, 1, 2}));  // size 3: unchanged
  EXPECT_EQ(ones({1, 1}).squeeze().dim(), 0);
  expect_shares(x, x.squeeze());
}

TEST(Unsqueeze, InsertsADim) {
  Tensor x = iota({2, 3});
  EXPECT_EQ(x.unsqueeze(0).sizes(), (Shape{1, 2, 3}));
  EXPECT_EQ(x.unsqueeze(1).sizes(), (Shape{2, 1, 3}));
  EXPECT_EQ(x.unsqueeze(2).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(x.unsqueeze(-1).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(x.unsqueeze(-3).sizes(), (Shape{1, 2, 3}));
  EXPECT_EQ(tensor(1).unsqueeze(0).sizes(), (Shape{1}));
  Tensor u = x.unsqueeze(1);
  EXPECT_EQ(u.at<int64_t>({1, 0, 2}), 5);
  expect_shares(x, u);
}

TEST(Permute, ReordersDims) {
  Tensor x = iota({2, 3, 4});  // x[i][j][k] = 12 i + 4 j + k
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(p.at<int64_t>({3, 1, 2}), 12 + 8 + 3);
  EXPECT_EQ(x.permute({-1, -2, -3}).sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(ints(iota({2, 2}).permute({1, 0})), (std::vector<int64_t>{0, 2, 1, 3}));
  p.select(0, 3).select(0, 1).select(0, 2).fill_(-5);
  EXPECT_EQ(x.at<int64_t>({1, 2, 3}), -5);
}

TEST(Transpose, SwapsTwoDims) {
  Tensor x = iota({2, 3, 4});
  Tensor t = x.transpose(0, 2);
  EXPECT_EQ(t.sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.at<int64_t>({3, 1, 0}), 7);
  EXPECT_EQ(x.transpose(-1, -2).sizes(), (Shape{2, 4, 3}));
  EXPECT_EQ(x.transpose(1, 1).sizes(), (Shape{2, 3, 4}));
  expect_shares(x, t.select(0, 0));
}

TEST(T, TwoDimOneDimZeroDim) {
  Tensor x = iota({2, 3});
  Tensor t = x.t();
  EXPECT_EQ(t.sizes(), (Shape{3, 2}));
  EXPECT_EQ(ints(t), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(arange(3).t().sizes(), (Shape{3}));
  EXPECT_EQ(tensor(1).t().dim(), 0);
  expect_shares(x, t);
}

TEST(Movedim, MovesOneDim) {
  Tensor x = iota({2, 3, 4});
  Tensor m = x.movedim(0, 2);
  EXPECT_EQ(m.sizes(), (Shape{3, 4, 2}));
  EXPECT_EQ(m.at<int64_t>({2, 1, 1}), 12 + 8 + 1);
  EXPECT_EQ(x.movedim(-1, 0).sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(x.movedim(1, 1).sizes(), (Shape{2, 3, 4}));
  expect_shares(x, m);
}

TEST(Narrow, TakesARange) {
  Tensor x = iota({3, 4});
  Tensor n = x.narrow(1, 1, 2);
  EXPECT_EQ(n.sizes(), (Shape{3, 2}));
  EXPECT_EQ(ints(n), (std::vector<int64_t>{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(ints(x.narrow(0, -1, 1)), (std::vector<int64_t>{8, 9, 10, 11}));
  EXPECT_EQ(x.narrow(0, 3, 0).numel(), 0);
  n.fill_(0);
  EXPECT_EQ(ints(x), (std::vector<int64_t>{0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11}));
}

TEST(Slice, StepNegativeBoundsAndClamping) {
  Tensor x = arange(8);
  Tensor s = x.slice(0, 1, 6, 2);
  EXPECT_EQ(ints(s), (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(s.strides(), (Shape{2}));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_EQ(ints(x.slice(0, -3)), (std::vector<int64_t>{5, 6, 7}));
  EXPECT_EQ(ints(x.slice(0, std::nullopt, -5)), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(ints(x.slice(0, 2, 100)), (std::vector<int64_t>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(x.slice(0, 6, 2).numel(), 0);
  EXPECT_EQ(ints(x.slice(0, std::nullopt, std::nullopt, 3)), (std::vector<int64_t>{0, 3, 6}));
  Tensor m = iota({3, 4});
  EXPECT_EQ(ints(m.slice(1, 0, 4, 2)), (std::vector<int64_t>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(ints(m.slice(1, 1, 4, 2).slice(0, 1, 3, 1)), (std::vector<int64_t>{5, 7, 9, 11}));
  s.fill_(-1);
  EXPECT_EQ(ints(x), (std::vector<int64_t>{0, -1, 2, -1, 4, -1, 6, 7}));
}

TEST(Select, DropsADim) {
  Tensor x = iota({2, 3, 4});
  Tensor s = x.select(1, 2);
  EXPECT_EQ(s.sizes(), (Shape{2, 4}));
  EXPECT_EQ(ints(s), (std::vector<int64_t>{8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_EQ(ints(x.select(-1, -1)), (std::vector<int64_t>{3, 7, 11, 15, 19, 23}));
  EXPECT_EQ(ints(x[1][0]), (std::vector<int64_t>{12, 13, 14, 15}));
  EXPECT_EQ(x[1][2][3].dim(), 0);
  EXPECT_EQ(x[1][2][3].item<int64_t>(), 23);
  s.fill_(0);
  EXPECT_EQ(x.at<int64_t>({1, 2, 0}), 0);
  EXPECT_EQ(x.at<int64_t>({1, 1, 0}), 16);
}

TEST(Expand, BroadcastsWithZeroStrides) {
  Tensor x = tensor({{1}, {2}, {3}});  // [3, 1]
  Tensor e = x.expand({3, 4});
  EXPECT_EQ(e.sizes(), (Shape{3, 4}));
  EXPECT_EQ(e.strides(), (Shape{1, 0}));
  EXPECT_EQ(ints(e), (std::vector<int64_t>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  EXPECT_EQ(x.expand({2, -1, 4}).sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(x.expand_as(zeros({3, 5})).sizes(), (Shape{3, 5}));
  EXPECT_EQ(e.storage(), x.storage());
  x.select(0, 1).fill_(9);  // a write to the base shows in every expanded copy
  EXPECT_EQ(ints(e.select(0, 1)), (std::vector<int64_t>{9, 9, 9, 9}));
  Tensor s = tensor(7).expand({2, 2});
  EXPECT_EQ(ints(s), (std::vector<int64_t>{7, 7, 7, 7}));
}

TEST(BroadcastTo, SameAsExpand) {
  Tensor x = tensor({1, 2, 3});
  Tensor b = x.broadcast_to({2, 3});
  EXPECT_EQ(b.sizes(), (Shape{2, 3}));
  EXPECT_EQ(b.strides(), (Shape{0, 1}));
  EXPECT_EQ(ints(b), (std::vector<int64_t>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(b.storage(), x.storage());
  x.fill_(4);
  EXPECT_EQ(ints(b), (std::vector<int64_t>{4, 4, 4, 4, 4, 4}));
}

TEST(AsStrided, ArbitraryGeometry) {
  Tensor x = arange(9);
  Tensor y = x.as_strided({2, 2}, {3, 1}, 1);
  EXPECT_EQ(ints(y), (std::vector<int64_t>{1, 2, 4, 5}));
  Tensor d = x.as_strided({3}, {4});  // the diagonal of a 3x3 view
  EXPECT_EQ(ints(d), (std::vector<int64_t>{0, 4, 8}));
  Tensor w = x.as_strided({3, 3}, {1, 1});  // sliding windows
  EXPECT_EQ(ints(w), (std::vector<int64_t>{0, 1, 2, 1, 2, 3, 2, 3, 4}));
  y.fill_(-1);
  EXPECT_EQ(ints(x), (std::vector<int64_t>{0, -1, -1, 3, -1, -1, 6, 7, 8}));
  // The offset defaults to the tensor's own offset.
  Tensor tail = x.narrow(0, 6, 3);
  EXPECT_EQ(ints(tail.as_strided({2}, {1})), (std::vector<int64_t>{6, 7}));
}

TEST(Split, BySizeAndBySizes) {
  Tensor x = arange(5);
  auto parts = x.split(2);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(ints(parts[0]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(ints(parts[1]), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(ints(parts[2]), (std::vector<int64_t>{4}));
  auto sized = x.split(std::vector<int64_t>{1, 4});
  ASSERT_EQ(sized.size(), 2u);
  EXPECT_EQ(ints(sized[1]), (std::vector<int64_t>{1, 2, 3, 4}));
  Tensor m = iota({2, 5});
  auto cols = m.split(3, 1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].sizes(), (Shape{2, 3}));
  EXPECT_EQ(ints(cols[1]), (std::vector<int64_t>{3, 4, 8, 9}));
  auto neg = m.split(std::vector<int64_t>{2, 0, 3}, -1);
  ASSERT_EQ(neg.size(), 3u);
  EXPECT_EQ(neg[1].numel(), 0);
  parts[1].fill_(-1);
  EXPECT_EQ(ints(x), (std::vector<int64_t>{0, 1, -1, -1, 4}));
}

TEST(Chunk, CeilDividedPieces) {
  Tensor x = arange(5);
  auto c = x.chunk(3);
  ASSERT_EQ(c.size(), 3u);  // ceil(5 / 3) = 2 per chunk
  EXPECT_EQ(ints(c[0]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(ints(c[2]), (std::vector<int64_t>{4}));
  auto c2 = arange(6).chunk(2);
  ASSERT_EQ(c2.size(), 2u);
  EXPECT_EQ(ints(c2[1]), (std::vector<int64_t>{3, 4, 5}));
  auto c4 = arange(6).chunk(4);  // pieces of 2: only three chunks, as PyTorch
  EXPECT_EQ(c4.size(), 3u);
  auto cols = iota({2, 4}).chunk(2, -1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(ints(cols[1]), (std::vector<int64_t>{2, 3, 6, 7}));
  c[1].fill_(-1);
  EXPECT_EQ(ints(x), (std::vector<int64_t>{0, 1, -1, -1, 4}));
}

TEST(Unbind, OneTensorPerIndex) {
  Tensor x = iota({2, 3});
  auto cols = x.unbind(1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].sizes(), (Shape{2}));
  EXPECT_EQ(ints(cols[2]), (std::vector<int64_t>{2, 5}));
  auto rows = x.unbind();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(ints(rows[1]), (std::vector<int64_t>{3, 4, 5}));
  cols[1].fill_(-1);
  EXPECT_EQ(ints(x), (std::vector<int64_t>{0, -1, 2, 3, -1, 5}));
}

// ---------------------------------------------------------------------------------------------
// Copies
// ---------------------------------------------------------------------------------------------

TEST(Cat, AlongDimsWithPromotion) {
  Tensor a = tensor({{1, 2}}), b = tensor({{3, 4}, {5, 6}});
  Tensor c0 = cat({a, b});
  EXPECT_EQ(c0.sizes(), (Shape{3, 2}));
  EXPECT_EQ(ints(c0), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  Tensor c1 = cat({b, b.t()}, 1);
  EXPECT_EQ(c1.sizes(), (Shape{2, 4}));
  EXPECT_EQ(ints(c1), (std::vector<int64_t>{3, 4, 3, 5, 5, 6, 4, 6}));
  EXPECT_EQ(ints(cat({b, b}, -1)), (std::vector<int64_t>{3, 4, 3, 4, 5, 6, 5, 6}));
  Tensor f = cat({tensor({1, 2}), tensor({0.5})});
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.to_vector<double>(), (std::vector<double>{1, 2, 0.5}));
  EXPECT_EQ(cat({tensor({1}, kInt32), tensor({2})}).dtype(), kInt64);
  EXPECT_EQ(cat({tensor({1.0f}), tensor({2.0}, kFloat64)}).dtype(), kFloat64);
  EXPECT_EQ(cat({tensor({true}), tensor({2}, kUInt8)}).dtype(), kUInt8);
  // A 1-D empty tensor is skipped (PyTorch's legacy rule).
  EXPECT_EQ(cat({zeros({0}, kInt64), b}).sizes(), (Shape{2, 2}));
  Tensor single = cat({a});
  EXPECT_NE(single.storage(), a.storage());  // always a copy
}

TEST(Stack, NewDim) {
  Tensor a = tensor({1, 2, 3}), b = tensor({4, 5, 6});
  Tensor s0 = stack({a, b});
  EXPECT_EQ(s0.sizes(), (Shape{2, 3}));
  EXPECT_EQ(ints(s0), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  Tensor s1 = stack({a, b}, 1);
  EXPECT_EQ(s1.sizes(), (Shape{3, 2}));
  EXPECT_EQ(ints(s1), (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(equal(stack({a, b}, -1), s1));
  Tensor s3 = stack({tensor(1), tensor(2), tensor(3)});
  EXPECT_EQ(s3.sizes(), (Shape{3}));
  EXPECT_EQ(ints(s3), (std::vector<int64_t>{1, 2, 3}));
}

TEST(Repeat, TilesAndAddsLeadingDims) {
  Tensor x = tensor({1, 2});
  Tensor r = x.repeat({2, 2});
  EXPECT_EQ(r.sizes(), (Shape{2, 4}));
  EXPECT_EQ(ints(r), (std::vector<int64_t>{1, 2, 1, 2, 1, 2, 1, 2}));
  Tensor m = tensor({{1, 2}, {3, 4}});
  Tensor rm = m.repeat({2, 1});
  EXPECT_EQ(ints(rm), (std::vector<int64_t>{1, 2, 3, 4, 1, 2, 3, 4}));
  Tensor r3 = m.repeat({2, 1, 2});
  EXPECT_EQ(r3.sizes(), (Shape{2, 2, 4}));
  EXPECT_EQ(ints(r3.select(0, 1)), (std::vector<int64_t>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_EQ(x.repeat({0}).numel(), 0);
  EXPECT_NE(x.repeat({1}).storage(), x.storage());
}

TEST(Flip, ReversesDims) {
  Tensor m = tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(ints(m.flip({0})), (std::vector<int64_t>{3, 4, 1, 2}));
  EXPECT_EQ(ints(m.flip({1})), (std::vector<int64_t>{2, 1, 4, 3}));
  EXPECT_EQ(ints(m.flip({0, 1})), (std::vector<int64_t>{4, 3, 2, 1}));
  EXPECT_EQ(ints(m.flip({-1})), (std::vector<int64_t>{2, 1, 4, 3}));
  EXPECT_EQ(ints(m.t().flip({0})), (std::vector<int64_t>{2, 4, 1, 3}));
  Tensor f = m.flip({0});
  EXPECT_NE(f.storage(), m.storage());  // a copy, as in PyTorch
  EXPECT_TRUE(f.is_contiguous());
}

TEST(CloneContiguousTo, ValuesAndStorage) {
  Tensor m = iota({2, 3});
  Tensor c = m.clone();
  EXPECT_TRUE(equal(c, m));
  EXPECT_NE(c.storage(), m.storage());
  Tensor t = m.t();
  Tensor tc = t.contiguous();
  EXPECT_TRUE(tc.is_contiguous());
  EXPECT_EQ(ints(tc), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_TRUE(m.contiguous().is_same(m));
  Tensor d = t.to(kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_TRUE(m.to(kInt64).is_same(m));
}
