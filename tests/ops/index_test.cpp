// Value tests for the index-based ops of the central op list: index_select, gather, scatter,
// scatter_add, masked_fill, masked_select (and where with scalar branches, used with masks).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/descent.h"
#include "ops/op_coverage.h"

using namespace descent;

DESCENT_VALUE_TESTS_FOR("index_select", "gather", "scatter", "scatter_add", "masked_fill", "masked_select");

namespace {

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }
std::vector<double> dbls(const Tensor& t) { return t.to_vector<double>(); }

// [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
Tensor grid3() { return arange(1, 10).view({3, 3}); }

}  // namespace

TEST(IndexSelect, RowsAndColumns) {
  Tensor x = grid3();
  Tensor r = x.index_select(0, tensor({2, 0}));
  EXPECT_EQ(r.sizes(), (Shape{2, 3}));
  EXPECT_EQ(ints(r), (std::vector<int64_t>{7, 8, 9, 1, 2, 3}));
  Tensor c = index_select(x, 1, tensor({0, 0, 2}));
  EXPECT_EQ(c.sizes(), (Shape{3, 3}));
  EXPECT_EQ(ints(c), (std::vector<int64_t>{1, 1, 3, 4, 4, 6, 7, 7, 9}));
  Tensor i32 = x.index_select(-1, tensor({1}, kInt32));  // int32 indices work too
  EXPECT_EQ(ints(i32), (std::vector<int64_t>{2, 5, 8}));
  Tensor none = x.index_select(0, zeros({0}, kInt64));
  EXPECT_EQ(none.sizes(), (Shape{0, 3}));
  Tensor f = tensor({0.5, 1.5, 2.5}).index_select(0, tensor({2, 2}));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(dbls(f), (std::vector<double>{2.5, 2.5}));
  // Non-contiguous source, and the result is a copy.
  Tensor t = x.t().index_select(0, tensor({1}));
  EXPECT_EQ(ints(t), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_NE(r.storage(), x.storage());
  // A 0-d index keeps the dim (size 1), as in PyTorch.
  EXPECT_EQ(x.index_select(0, tensor(1)).sizes(), (Shape{1, 3}));
}

TEST(Gather, AlongEachDim) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  Tensor g1 = x.gather(1, tensor({{0, 0}, {1, 0}}));
  EXPECT_EQ(ints(g1), (std::vector<int64_t>{1, 1, 4, 3}));  // the torch.gather doc example
  Tensor g0 = gather(x, 0, tensor({{1, 0}}));
  EXPECT_EQ(g0.sizes(), (Shape{1, 2}));
  EXPECT_EQ(ints(g0), (std::vector<int64_t>{3, 2}));
  // The index may be smaller than the input in the other dims.
  Tensor y = grid3();
  Tensor g = y.gather(1, tensor({{2}, {0}}));
  EXPECT_EQ(g.sizes(), (Shape{2, 1}));
  EXPECT_EQ(ints(g), (std::vector<int64_t>{3, 4}));
  Tensor gm = y.gather(-1, tensor({{0, 2, 1, 1}, {1, 1, 0, 2}, {2, 0, 0, 0}}).slice(1, 0, 3));
  EXPECT_EQ(ints(gm), (std::vector<int64_t>{1, 3, 2, 5, 5, 4, 9, 7, 7}));
  Tensor gt = y.t().gather(0, tensor({{2, 1, 0}}));  // non-contiguous input
  EXPECT_EQ(ints(gt), (std::vector<int64_t>{3, 5, 7}));
  Tensor gf = tensor({{0.5, 1.5}}).gather(1, tensor({{1, 1, 0}}));
  EXPECT_EQ(dbls(gf), (std::vector<double>{1.5, 1.5, 0.5}));
}

TEST(Scatter, TensorSourceAndScalarValue) {
  Tensor z = zeros({3, 3}, kInt64);
  Tensor s = z.scatter(0, tensor({{0, 1, 2}}), tensor({{1, 2, 3}}));
  EXPECT_EQ(ints(s), (std::vector<int64_t>{1, 0, 0, 0, 2, 0, 0, 0, 3}));
  EXPECT_EQ(ints(z), std::vector<int64_t>(9, 0));  // out-of-place
  Tensor s1 = scatter(z, 1, tensor({{2}, {0}}), tensor({{7, 8}, {9, 10}}));
  EXPECT_EQ(ints(s1), (std::vector<int64_t>{0, 0, 7, 9, 0, 0, 0, 0, 0}));
  Tensor sv = zeros({2, 4}).scatter(1, tensor({{1, 3}, {0, 0}}), 1.5);
  EXPECT_EQ(dbls(sv), (std::vector<double>{0, 1.5, 0, 1.5, 1.5, 0, 0, 0}));
  // Source dtype is converted to the destination's.
  Tensor sc = zeros({3}).scatter(0, tensor({1}), tensor({4}));
  EXPECT_EQ(sc.dtype(), kFloat32);
  EXPECT_EQ(dbls(sc), (std::vector<double>{0, 4, 0}));
  // Scattering into a non-contiguous tensor gives a contiguous result with the right values.
  Tensor base = grid3().t();
  Tensor st = base.scatter(1, tensor({{0}, {0}, {0}}), tensor({{0}, {0}, {0}}));
  EXPECT_EQ(ints(st), (std::vector<int64_t>{0, 4, 7, 0, 5, 8, 0, 6, 9}));
}

TEST(ScatterAdd, AccumulatesDuplicates) {
  Tensor r = zeros({3}).scatter_add(0, tensor({0, 1, 0, 2, 0}), ones({5}));
  EXPECT_EQ(dbls(r), (std::vector<double>{3, 1, 1}));
  Tensor base = tensor({{1, 1}, {1, 1}});
  Tensor r2 = scatter_add(base, 1, tensor({{1, 1}, {0, 1}}), tensor({{5, 6}, {7, 8}}));
  EXPECT_EQ(ints(r2), (std::vector<int64_t>{1, 12, 8, 9}));
  EXPECT_EQ(ints(base), (std::vector<int64_t>{1, 1, 1, 1}));
  Tensor r0 = zeros({2, 2}, kInt64).scatter_add(0, tensor({{1, 1}, {1, 0}}), tensor({{1, 2}, {3, 4}}));
  EXPECT_EQ(ints(r0), (std::vector<int64_t>{0, 4, 4, 2}));
}

TEST(MaskedFill, ValuesAndBroadcastMask) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0});
  Tensor m = x.masked_fill(tensor({true, false, true, false}), -1.0);
  EXPECT_EQ(dbls(m), (std::vector<double>{-1, 2, -1, 4}));
  EXPECT_EQ(dbls(x), (std::vector<double>{1, 2, 3, 4}));  // out-of-place
  Tensor g = tensor({{1, 2}, {3, 4}});
  Tensor gb = masked_fill(g, tensor({{false}, {true}}), 0);
  EXPECT_EQ(ints(gb), (std::vector<int64_t>{1, 2, 0, 0}));
  Tensor gr = g.masked_fill(tensor({true, false}), 9);
  EXPECT_EQ(gr.dtype(), kInt64);
  EXPECT_EQ(ints(gr), (std::vector<int64_t>{9, 2, 9, 4}));
  Tensor b = tensor({true, true}).masked_fill(tensor({false, true}), false);
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false}));
  Tensor inf = zeros({2}).masked_fill(tensor({true, false}), -INFINITY);
  EXPECT_EQ(dbls(inf), (std::vector<double>{-INFINITY, 0}));
}

TEST(MaskedSelect, RowMajorOrderAndBroadcast) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  Tensor s = x.masked_select(tensor({{true, false}, {false, true}}));
  EXPECT_EQ(s.sizes(), (Shape{2}));
  EXPECT_EQ(ints(s), (std::vector<int64_t>{1, 4}));
  Tensor col = masked_select(x, tensor({true, false}));  // mask [2] broadcast over rows
  EXPECT_EQ(ints(col), (std::vector<int64_t>{1, 3}));
  Tensor t = masked_select(x.t(), tensor({{true, true}, {false, false}}));
  EXPECT_EQ(ints(t), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(x.masked_select(zeros({2, 2}, kBool)).numel(), 0);
  Tensor all = x.masked_select(x > 0);
  EXPECT_EQ(ints(all), (std::vector<int64_t>{1, 2, 3, 4}));
  // The mask may have more dims than the input.
  Tensor e = tensor({5, 6}).masked_select(tensor({{true, false}, {true, true}}));
  EXPECT_EQ(ints(e), (std::vector<int64_t>{5, 5, 6}));
}

TEST(WhereWithMask, ScalarBranches) {
  Tensor x = tensor({-2.0, 0.5, 3.0});
  Tensor r = where(x > 0, x, 0.0);
  EXPECT_EQ(dbls(r), (std::vector<double>{0, 0.5, 3}));
  Tensor l = where(x > 1, 1.0, x);
  EXPECT_EQ(dbls(l), (std::vector<double>{-2, 0.5, 1}));
  Tensor i = where(tensor({true, false}), 1, tensor({5, 6}));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(ints(i), (std::vector<int64_t>{1, 6}));
}
