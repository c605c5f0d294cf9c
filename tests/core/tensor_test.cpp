// Value tests for the tensor core: factories, dtypes and type promotion, conversions, copies and
// memory formats, element access, printing, version counters and the thread-independent
// generator. Expected values are computed by hand (PyTorch semantics).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace test_util;

namespace {



// Restores the intra-op thread count when a test changes it.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Factories
// ---------------------------------------------------------------------------------------------

TEST(Factories, EmptyHasShapeDtypeAndRowMajorStrides) {
  Tensor t = empty({2, 3, 4});
  EXPECT_EQ(t.sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.dim(), 3);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(empty({5}, kInt64).dtype(), kInt64);
  Tensor z = empty({0, 3});
  EXPECT_EQ(z.numel(), 0);
  Tensor s = empty({});
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
}

TEST(Factories, ZerosAndOnes) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.dtype(), kFloat32);
  expect_values(z, {0, 0, 0, 0, 0, 0});
  Tensor o = ones({3}, kInt32);
  EXPECT_EQ(o.dtype(), kInt32);
  EXPECT_EQ(o.to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 1}));
  Tensor ob = ones({2}, kBool);
  EXPECT_EQ(ob.to_vector<bool>(), (std::vector<bool>{true, true}));
  Tensor zd = zeros({2}, kFloat64);
  EXPECT_EQ(zd.dtype(), kFloat64);
}

TEST(Factories, FullInfersDtypeFromValue) {
  Tensor f = full({2, 2}, 1.5);
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_values(f, {1.5, 1.5, 1.5, 1.5});
  Tensor i = full({3}, 7);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{7, 7, 7}));
  Tensor b = full({2}, true);
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, true}));
  Tensor d = full({2}, 7, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  expect_values(d, {7, 7});
  Tensor neg = full({1}, int64_t{-5});
  EXPECT_EQ(neg.item<int64_t>(), -5);
}

TEST(Factories, NewZerosAndNewOnesTakeTheDtypeUnlessTold) {
  Tensor src = ones({2, 3}, kInt32).t();  // the source's layout does not matter
  Tensor z = src.new_zeros({4});
  EXPECT_EQ(z.sizes(), (Shape{4}));
  EXPECT_EQ(z.dtype(), kInt32);
  EXPECT_EQ(z.to_vector<int32_t>(), (std::vector<int32_t>(4, 0)));
  Tensor o = src.new_ones({2, 2}, kFloat64);
  EXPECT_EQ(o.dtype(), kFloat64);
  EXPECT_TRUE(o.is_contiguous());
  expect_values(o, std::vector<double>(4, 1.0));
  EXPECT_FALSE(randn({3}).requires_grad_().new_zeros({3}).requires_grad());
}

TEST(Factories, LikeFactoriesKeepShapeAndDtype) {
  Tensor src = ones({2, 3}, kInt32);
  Tensor z = zeros_like(src);
  EXPECT_EQ(z.sizes(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), kInt32);
  EXPECT_EQ(z.to_vector<int32_t>(), (std::vector<int32_t>(6, 0)));
  Tensor o = ones_like(src, kFloat64);
  EXPECT_EQ(o.dtype(), kFloat64);
  expect_values(o, std::vector<double>(6, 1.0));
  Tensor f = full_like(src, 9);
  EXPECT_EQ(f.dtype(), kInt32);
  EXPECT_EQ(f.to_vector<int32_t>(), (std::vector<int32_t>(6, 9)));
  Tensor e = empty_like(src);
  EXPECT_EQ(e.sizes(), src.sizes());
  EXPECT_EQ(e.dtype(), kInt32);
  EXPECT_NE(e.storage(), src.storage());

  Tensor fsrc = zeros({4, 5}, kFloat64);
  Tensor r = rand_like(fsrc);
  EXPECT_EQ(r.sizes(), (Shape{4, 5}));
  EXPECT_EQ(r.dtype(), kFloat64);
  Tensor rn = randn_like(fsrc);
  EXPECT_EQ(rn.sizes(), (Shape{4, 5}));
  EXPECT_EQ(rn.dtype(), kFloat64);
}

TEST(Factories, ArangeIntegers) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(0, 10, 3).to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(arange(2, 5).to_vector<int64_t>(), (std::vector<int64_t>{2, 3, 4}));
  Tensor neg = arange(5, 0, -1);
  EXPECT_EQ(neg.dtype(), kInt64);
  EXPECT_EQ(neg.to_vector<int64_t>(), (std::vector<int64_t>{5, 4, 3, 2, 1}));
  EXPECT_EQ(arange(-3, -10, -3).to_vector<int64_t>(), (std::vector<int64_t>{-3, -6, -9}));
  EXPECT_EQ(arange(3, 3).numel(), 0);
  EXPECT_EQ(arange(4, kInt32).dtype(), kInt32);
}

TEST(Factories, ArangeFloats) {
  Tensor a = arange(1, 2, 0.25);
  EXPECT_EQ(a.dtype(), kFloat32);
  expect_values(a, {1.0, 1.25, 1.5, 1.75});
  Tensor b = arange(3.0);
  EXPECT_EQ(b.dtype(), kFloat32);
  expect_values(b, {0, 1, 2});
  Tensor c = arange(1.0, 0.0, -0.25);
  expect_values(c, {1.0, 0.75, 0.5, 0.25});
  Tensor d = arange(0, 1, 0.3, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  expect_values(d, {0.0, 0.3, 0.6, 0.9}, 1e-12);
  // Integer bounds with a floating dtype request.
  Tensor e = arange(0, 3, 1, kFloat64);
  EXPECT_EQ(e.dtype(), kFloat64);
  expect_values(e, {0, 1, 2});
}

TEST(Factories, Linspace) {
  Tensor a = linspace(0, 1, 5);
  EXPECT_EQ(a.dtype(), kFloat32);
  expect_values(a, {0.0, 0.25, 0.5, 0.75, 1.0});
  Tensor b = linspace(-1, 1, 3, kFloat64);
  EXPECT_EQ(b.dtype(), kFloat64);
  expect_values(b, {-1, 0, 1}, 0);
  Tensor c = linspace(10, 0, 6, kFloat64);
  expect_values(c, {10, 8, 6, 4, 2, 0}, 1e-12);
  // The last value is exactly `end`.
  Tensor d = linspace(0.1, 0.7, 7, kFloat64);
  EXPECT_EQ(d.to_vector<double>().back(), 0.7);
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  // One step gives `start`, as torch.linspace(3, 10, 1) == tensor([3.]).
  expect_values(linspace(3, 10, 1), {3});
}

TEST(Factories, Eye) {
  Tensor e = eye(3);
  EXPECT_EQ(e.sizes(), (Shape{3, 3}));
  EXPECT_EQ(e.dtype(), kFloat32);
  expect_values(e, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  Tensor r = eye(2, 3, kInt64);
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
  Tensor t = eye(3, 2);
  expect_values(t, {1, 0, 0, 1, 0, 0});
}

TEST(Factories, RandIsInUnitIntervalAndSeeded) {
  manual_seed(123);
  Tensor a = rand({10000});
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_GE(a.min().item<double>(), 0.0);
  EXPECT_LT(a.max().item<double>(), 1.0);
  EXPECT_NEAR(a.mean().item<double>(), 0.5, 0.02);
  manual_seed(123);
  Tensor b = rand({10000});
  EXPECT_TRUE(equal(a, b));
  Tensor c = rand({10000});  // the generator moved on
  EXPECT_FALSE(equal(a, c));
  Tensor d = rand({100}, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_GE(d.min().item<double>(), 0.0);
  EXPECT_LT(d.max().item<double>(), 1.0);
}

TEST(Factories, RandnMomentsAndSeeded) {
  manual_seed(7);
  Tensor a = randn({20000}, kFloat64);
  EXPECT_NEAR(a.mean().item<double>(), 0.0, 0.05);
  EXPECT_NEAR(a.std().item<double>(), 1.0, 0.05);
  manual_seed(7);
  Tensor b = randn({20000}, kFloat64);
  EXPECT_TRUE(equal(a, b));
  EXPECT_TRUE(isfinite(a).all().item<bool>());
}

TEST(Factories, ExplicitGeneratorIsIndependentOfDefault) {
  Generator g1(99), g2(99);
  Tensor a = rand({50}, {}, &g1);
  manual_seed(1);
  (void)rand({10});  // draws on the default generator do not disturb g2
  Tensor b = rand({50}, {}, &g2);
  EXPECT_TRUE(equal(a, b));
  Generator g3(100);
  EXPECT_FALSE(equal(a, rand({50}, {}, &g3)));
}

TEST(Factories, RandintRangeAndDeterminism) {
  manual_seed(5);
  Tensor a = randint(-3, 4, {5000});
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.min().item<int64_t>(), -3);
  EXPECT_EQ(a.max().item<int64_t>(), 3);
  std::set<int64_t> seen;
  for (int64_t v : a.to_vector<int64_t>()) seen.insert(v);
  EXPECT_EQ(seen.size(), 7u);
  manual_seed(5);
  EXPECT_TRUE(equal(a, randint(-3, 4, {5000})));
  Tensor b = randint(0, 2, {3, 4}, kInt32);
  EXPECT_EQ(b.dtype(), kInt32);
  EXPECT_EQ(b.sizes(), (Shape{3, 4}));
  EXPECT_GE(b.min().item<int64_t>(), 0);
  EXPECT_LE(b.max().item<int64_t>(), 1);
}

TEST(Factories, RandpermIsAPermutationAndSeeded) {
  manual_seed(11);
  Tensor p = randperm(20);
  EXPECT_EQ(p.dtype(), kInt64);
  std::vector<int64_t> v = p.to_vector<int64_t>();
  std::vector<int64_t> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(20);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(v, iota);  // 1 in 20! chance of being the identity
  manual_seed(11);
  EXPECT_EQ(randperm(20).to_vector<int64_t>(), v);
  EXPECT_EQ(randperm(0).numel(), 0);
  EXPECT_EQ(randperm(5, kInt32).dtype(), kInt32);
}

TEST(Factories, TensorFromNestedLists) {
  Tensor a = tensor({1, 2, 3});
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.sizes(), (Shape{3}));
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));

  Tensor b = tensor({{1.5, 2}, {3, 4}});
  EXPECT_EQ(b.dtype(), kFloat32);  // one float makes the whole tensor floating
  EXPECT_EQ(b.sizes(), (Shape{2, 2}));
  expect_values(b, {1.5, 2, 3, 4});

  Tensor c = tensor({true, false});
  EXPECT_EQ(c.dtype(), kBool);
  EXPECT_EQ(c.to_vector<bool>(), (std::vector<bool>{true, false}));

  Tensor d = tensor({true, 2});  // bool and int: int64
  EXPECT_EQ(d.dtype(), kInt64);
  EXPECT_EQ(d.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));

  Tensor e = tensor({{{1}, {2}}, {{3}, {4}}, {{5}, {6}}});
  EXPECT_EQ(e.sizes(), (Shape{3, 2, 1}));
  EXPECT_EQ(e.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));

  Tensor s = tensor(2.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_DOUBLE_EQ(s.item<double>(), 2.5);

  Tensor f = tensor({1, 2}, kFloat64);
  EXPECT_EQ(f.dtype(), kFloat64);
  expect_values(f, {1, 2});

  // Large integers are copied exactly (not through double).
  const int64_t big = (int64_t{1} << 53) + 1;
  EXPECT_EQ(tensor({big}).item<int64_t>(), big);
}

TEST(Factories, FromVector) {
  Tensor a = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_EQ(a.sizes(), (Shape{2, 3}));
  EXPECT_FLOAT_EQ(a.at<float>({1, 0}), 4.f);
  Tensor b = from_vector(std::vector<int32_t>{7, 8});
  EXPECT_EQ(b.dtype(), kInt32);
  EXPECT_EQ(b.sizes(), (Shape{2}));
  Tensor c = from_vector(std::vector<int64_t>{1, 2}, {}, kFloat64);
  EXPECT_EQ(c.dtype(), kFloat64);
  expect_values(c, {1, 2});
  Tensor d = from_vector(std::vector<bool>{true, false, true});
  EXPECT_EQ(d.dtype(), kBool);
  EXPECT_EQ(d.to_vector<bool>(), (std::vector<bool>{true, false, true}));
  Tensor e = from_vector(std::vector<uint8_t>{255, 0});
  EXPECT_EQ(e.dtype(), kUInt8);
  EXPECT_EQ(e.at<int64_t>({0}), 255);
}

TEST(Factories, FromBlobSharesMemoryWithoutCopy) {
  float buf[6] = {1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(buf, {2, 3}, kFloat32);
  EXPECT_EQ(t.data_ptr<float>(), buf);
  EXPECT_FLOAT_EQ(t.at<float>({1, 2}), 6.f);
  buf[4] = 42.f;  // the caller's write is visible through the tensor
  EXPECT_FLOAT_EQ(t.at<float>({1, 1}), 42.f);
  t.select(0, 0).fill_(-1.f);  // and the tensor's write is visible to the caller
  EXPECT_EQ(buf[0], -1.f);
  EXPECT_EQ(buf[2], -1.f);
  EXPECT_EQ(buf[3], 4.f);

  // Explicit strides: a column-major view of the same buffer.
  Tensor cm = from_blob(buf, {3, 2}, kFloat32, {1, 3});
  EXPECT_FLOAT_EQ(cm.at<float>({0, 1}), 4.f);
  EXPECT_FLOAT_EQ(cm.at<float>({2, 1}), 6.f);
  EXPECT_FALSE(cm.is_contiguous());
}

TEST(Factories, FromBlobDeleterRunsWhenLastViewDies) {
  int64_t data[4] = {1, 2, 3, 4};
  int calls = 0;
  void* freed = nullptr;
  {
    Tensor t = from_blob(data, {4}, kInt64, {}, [&](void* p) {
      ++calls;
      freed = p;
    });
    Tensor v = t.view({2, 2});
    {
      Tensor keep = v;
      t = Tensor();
    }
    EXPECT_EQ(calls, 0);  // v still refers to the memory
    EXPECT_EQ(v.at<int64_t>({1, 1}), 4);
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(freed, static_cast<void*>(data));
}

TEST(Factories, ScalarTensor) {
  Tensor a = scalar_tensor(3);
  EXPECT_EQ(a.dim(), 0);
  EXPECT_EQ(a.dtype(), kInt64);
  Tensor b = scalar_tensor(0.5);
  EXPECT_EQ(b.dtype(), kFloat32);
  Tensor c = scalar_tensor(2, kFloat64);
  EXPECT_EQ(c.dtype(), kFloat64);
  EXPECT_DOUBLE_EQ(c.item<double>(), 2.0);
}

// ---------------------------------------------------------------------------------------------
// dtypes and type promotion (PyTorch's torch.result_type)
// ---------------------------------------------------------------------------------------------

TEST(DTypes, NamesSizesAndCategories) {
  EXPECT_STREQ(dtype_name(kFloat32), "float32");
  EXPECT_STREQ(dtype_name(kInt64), "int64");
  EXPECT_STREQ(dtype_name(kBool), "bool");
  EXPECT_EQ(dtype_from_name("float"), kFloat32);
  EXPECT_EQ(dtype_from_name("double"), kFloat64);
  EXPECT_EQ(dtype_from_name("long"), kInt64);
  EXPECT_EQ(dtype_from_name("uint8"), kUInt8);
  EXPECT_EQ(itemsize(kFloat64), 8u);
  EXPECT_EQ(itemsize(kInt32), 4u);
  EXPECT_EQ(itemsize(kBool), 1u);
  EXPECT_TRUE(is_floating(kFloat32));
  EXPECT_FALSE(is_floating(kInt64));
  EXPECT_TRUE(is_integral(kUInt8));
  EXPECT_FALSE(is_integral(kBool));
  EXPECT_TRUE(is_integral(kBool, true));
  EXPECT_EQ(ones({2}, kFloat64).element_size(), 8u);
  EXPECT_EQ(ones({2, 3}, kInt32).nbytes(), 24u);
}

TEST(DTypes, PromoteTypes) {
  EXPECT_EQ(promote_types(kBool, kUInt8), kUInt8);
  EXPECT_EQ(promote_types(kUInt8, kInt32), kInt32);
  EXPECT_EQ(promote_types(kInt32, kInt64), kInt64);
  EXPECT_EQ(promote_types(kInt64, kFloat32), kFloat32);
  EXPECT_EQ(promote_types(kFloat32, kFloat64), kFloat64);
  EXPECT_EQ(promote_types(kFloat64, kBool), kFloat64);
}

TEST(DTypes, ResultTypeTensorTensor) {
  Tensor i32 = ones({2}, kInt32), i64 = ones({2}, kInt64), f32 = ones({2}, kFloat32), f64 = ones({2}, kFloat64);
  Tensor u8 = ones({2}, kUInt8), b = ones({2}, kBool);
  EXPECT_EQ(result_type(i32, i64), kInt64);
  EXPECT_EQ(result_type(i64, f32), kFloat32);
  EXPECT_EQ(result_type(f32, f64), kFloat64);
  EXPECT_EQ(result_type(u8, i32), kInt32);
  EXPECT_EQ(result_type(b, u8), kUInt8);
  EXPECT_EQ(result_type(b, b), kBool);
  // 0-d tensors only win across categories.
  EXPECT_EQ(result_type(i32, scalar_tensor(2.0, kFloat64)), kFloat64);
  EXPECT_EQ(result_type(f32, scalar_tensor(2.0, kFloat64)), kFloat32);
  EXPECT_EQ(result_type(i32, scalar_tensor(2, kInt64)), kInt32);
  EXPECT_EQ(result_type(u8, scalar_tensor(2, kInt64)), kUInt8);
  EXPECT_EQ(result_type(b, scalar_tensor(2, kInt64)), kInt64);
  // Two 0-d tensors promote normally.
  EXPECT_EQ(result_type(scalar_tensor(1, kInt32), scalar_tensor(1.0, kFloat64)), kFloat64);
  EXPECT_EQ(result_type(scalar_tensor(1, kInt32), scalar_tensor(1, kInt64)), kInt64);
}

TEST(DTypes, ResultTypeTensorScalar) {
  EXPECT_EQ(result_type(ones({2}, kInt32), 2.5), kFloat32);
  EXPECT_EQ(result_type(ones({2}, kUInt8), 1000), kUInt8);
  EXPECT_EQ(result_type(ones({2}, kBool), 3), kInt64);
  EXPECT_EQ(result_type(ones({2}, kBool), true), kBool);
  EXPECT_EQ(result_type(ones({2}, kBool), 0.5), kFloat32);
  EXPECT_EQ(result_type(ones({2}, kInt32), 3), kInt32);
  EXPECT_EQ(result_type(ones({2}, kFloat64), 2.5), kFloat64);
  EXPECT_EQ(result_type(ones({2}, kFloat32), 2.5), kFloat32);
  EXPECT_EQ(result_type(ones({2}, kInt64), true), kInt64);
  // A 0-d tensor against a Python-style scalar.
  EXPECT_EQ(result_type(scalar_tensor(1, kInt32), 2.5), kFloat32);
  EXPECT_EQ(result_type(scalar_tensor(1.0, kFloat64), 2.5), kFloat64);
  EXPECT_EQ(result_type(scalar_tensor(1, kInt32), 2), kInt32);
}

TEST(DTypes, PromotionInArithmetic) {
  EXPECT_EQ((ones({2}, kInt32) + 2.5).dtype(), kFloat32);
  expect_values(ones({2}, kInt32) + 2.5, {3.5, 3.5});
  Tensor u = full({2}, 200, kUInt8) + 1;
  EXPECT_EQ(u.dtype(), kUInt8);
  EXPECT_EQ(u.to_vector<int64_t>(), (std::vector<int64_t>{201, 201}));
  Tensor bi = ones({2}, kBool) + 2;
  EXPECT_EQ(bi.dtype(), kInt64);
  EXPECT_EQ(bi.to_vector<int64_t>(), (std::vector<int64_t>{3, 3}));
  Tensor z = ones({2}, kInt32) + scalar_tensor(0.5, kFloat64);
  EXPECT_EQ(z.dtype(), kFloat64);
  expect_values(z, {1.5, 1.5});
  Tensor w = ones({2}, kFloat32) + scalar_tensor(0.5, kFloat64);
  EXPECT_EQ(w.dtype(), kFloat32);
  EXPECT_EQ((ones({2}, kInt32) + ones({2}, kInt64)).dtype(), kInt64);
  EXPECT_EQ((ones({2}, kInt32) * 3).dtype(), kInt32);
  EXPECT_EQ((2.0 * ones({2}, kFloat64)).dtype(), kFloat64);
}

// ---------------------------------------------------------------------------------------------
// Conversions and copies
// ---------------------------------------------------------------------------------------------

TEST(Conversions, ToDtype) {
  Tensor f = tensor({-1.7, -0.5, 0.0, 2.9}, kFloat64);
  Tensor i = f.to(kInt64);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 0, 2}));  // truncation toward zero
  Tensor i32 = f.to(kInt32);
  EXPECT_EQ(i32.to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 0, 2}));
  Tensor back = tensor({1, 2, 3}).to(kFloat32);
  EXPECT_EQ(back.dtype(), kFloat32);
  expect_values(back, {1, 2, 3});
  Tensor u = tensor({3, 255}).to(kUInt8);
  EXPECT_EQ(u.to_vector<int64_t>(), (std::vector<int64_t>{3, 255}));
  Tensor bf = tensor({true, false}).to(kFloat32);
  expect_values(bf, {1, 0});
}

TEST(Conversions, ToBool) {
  Tensor f = from_vector(std::vector<double>{0.0, 0.5, -1.0, kNaN, -0.0, kInf});
  EXPECT_EQ(f.to(kBool).to_vector<bool>(), (std::vector<bool>{false, true, true, true, false, true}));
  Tensor i = tensor({0, 3, -2}).to(kBool);
  EXPECT_EQ(i.dtype(), kBool);
  EXPECT_EQ(i.to_vector<bool>(), (std::vector<bool>{false, true, true}));
  // 256 does not fit uint8, but bool conversion tests the value, not the truncated byte.
  Tensor big = tensor({256}).to(kBool);
  EXPECT_TRUE(big.item<bool>());
}

TEST(Conversions, ToSameDtypeAliasesUnlessCopyRequested) {
  Tensor a = ones({3});
  Tensor b = a.to(kFloat32);
  EXPECT_EQ(b.storage(), a.storage());
  Tensor c = a.to(kFloat32, /*copy=*/true);
  EXPECT_NE(c.storage(), a.storage());
  EXPECT_TRUE(equal(a, c));
}

TEST(Conversions, ToPreservesNonContiguousValues) {
  Tensor a = arange(6).view({2, 3}).t();  // [3, 2], transposed
  Tensor f = a.to(kFloat64);
  EXPECT_EQ(f.sizes(), (Shape{3, 2}));
  expect_values(f, {0, 3, 1, 4, 2, 5});
}

TEST(Copies, CloneIsADeepCopy) {
  Tensor a = tensor({{1.0, 2.0}, {3.0, 4.0}});
  Tensor c = a.clone();
  EXPECT_NE(c.storage(), a.storage());
  EXPECT_TRUE(equal(a, c));
  c.fill_(0);
  expect_values(a, {1, 2, 3, 4});
  // clone preserves a dense non-contiguous layout, or makes it row-major on request.
  Tensor t = a.t();
  Tensor ct = t.clone();
  EXPECT_EQ(ct.strides(), t.strides());
  expect_values(ct, {1, 3, 2, 4});
  Tensor cc = t.clone(MemoryFormat::Contiguous);
  EXPECT_TRUE(cc.is_contiguous());
  expect_values(cc, {1, 3, 2, 4});
}

TEST(Copies, Contiguous) {
  Tensor a = arange(6).view({2, 3});
  Tensor same = a.contiguous();
  EXPECT_TRUE(same.is_same(a));  // already contiguous: no copy
  Tensor t = a.t();
  EXPECT_FALSE(t.is_contiguous());
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.strides(), (Shape{2, 1}));
  EXPECT_NE(c.storage(), a.storage());
  EXPECT_EQ(c.to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  // A strided slice is not contiguous either.
  Tensor s = arange(10).slice(0, 0, 10, 2);
  EXPECT_FALSE(s.is_contiguous());
  EXPECT_EQ(s.contiguous().to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 4, 6, 8}));
}

TEST(MemoryFormat, ChannelsLastStrides) {
  const int64_t N = 2, C = 3, H = 4, W = 5;
  Tensor x = arange(N * C * H * W, kFloat32).view({N, C, H, W});
  EXPECT_TRUE(x.is_contiguous());
  EXPECT_FALSE(x.is_contiguous(MemoryFormat::ChannelsLast));
  Tensor y = x.contiguous(MemoryFormat::ChannelsLast);
  EXPECT_EQ(y.sizes(), (Shape{N, C, H, W}));
  EXPECT_EQ(y.strides(), (Shape{H * W * C, 1, W * C, C}));
  EXPECT_TRUE(y.is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_FALSE(y.is_contiguous());
  EXPECT_EQ(y.suggest_memory_format(), MemoryFormat::ChannelsLast);
  EXPECT_EQ(x.suggest_memory_format(), MemoryFormat::Contiguous);
  EXPECT_TRUE(equal(x, y));  // same logical values
  // NHWC in memory: consecutive elements are the channels of one pixel.
  const float* p = y.data_ptr<float>();
  EXPECT_EQ(p[0], x.at<float>({0, 0, 0, 0}));
  EXPECT_EQ(p[1], x.at<float>({0, 1, 0, 0}));
  EXPECT_EQ(p[2], x.at<float>({0, 2, 0, 0}));
  EXPECT_EQ(p[3], x.at<float>({0, 0, 0, 1}));
  EXPECT_TRUE(y.contiguous(MemoryFormat::ChannelsLast).is_same(y));
  Tensor back = y.contiguous();
  EXPECT_TRUE(back.is_contiguous());
  EXPECT_TRUE(equal(back, x));
  EXPECT_EQ(channels_last_strides({N, C, H, W}), (Shape{60, 1, 15, 3}));
}

TEST(MemoryFormat, ElementwiseOpsKeepChannelsLast) {
  Tensor x = arange(2 * 3 * 4 * 5, kFloat32).view({2, 3, 4, 5});
  Tensor y = x.contiguous(MemoryFormat::ChannelsLast);
  const Shape cl = y.strides();
  auto check = [&](const Tensor& r, const Tensor& expected, const char* what) {
    EXPECT_EQ(r.strides(), cl) << what;
    EXPECT_TRUE(r.is_contiguous(MemoryFormat::ChannelsLast)) << what;
    EXPECT_TRUE(allclose(r, expected)) << what;
  };
  check(y + 1, x + 1, "add scalar");
  check(y * y, x * x, "mul");
  check(y + x, x + x, "add mixed layouts (first operand's layout)");
  check(relu(y - 50), relu(x - 50), "relu");
  check(exp(y / 100), exp(x / 100), "exp");
  check(neg(y), neg(x), "neg");
  check(y.clone(), x, "clone preserves");
  check(y.to(kFloat64), x.to(kFloat64), "to(dtype)");
  check(empty_like(y).fill_(0), zeros_like(x), "empty_like");
  Tensor c = y.clone(MemoryFormat::Contiguous);
  EXPECT_TRUE(c.is_contiguous());
  Tensor z = x.clone(MemoryFormat::ChannelsLast);
  EXPECT_EQ(z.strides(), cl);
}

// ---------------------------------------------------------------------------------------------
// Element access
// ---------------------------------------------------------------------------------------------

TEST(Access, ItemConverts) {
  Tensor f = tensor(2.75, kFloat64);
  EXPECT_DOUBLE_EQ(f.item<double>(), 2.75);
  EXPECT_FLOAT_EQ(f.item<float>(), 2.75f);
  EXPECT_EQ(f.item<int64_t>(), 2);
  EXPECT_TRUE(f.item<bool>());
  Tensor one = tensor({{5}});  // one element, any shape
  EXPECT_EQ(one.item<int32_t>(), 5);
  Scalar s = tensor(3).item();
  EXPECT_TRUE(s.is_integral());
  EXPECT_EQ(s.to_int(), 3);
  Scalar sf = tensor(1.5).item();
  EXPECT_TRUE(sf.is_floating());
  EXPECT_DOUBLE_EQ(sf.to_double(), 1.5);
  Scalar sb = tensor(true).item();
  EXPECT_TRUE(sb.is_bool());
}

TEST(Access, AtIndexesWithStridesAndNegativeIndices) {
  Tensor a = arange(12).view({3, 4});
  EXPECT_EQ(a.at<int64_t>({0, 0}), 0);
  EXPECT_EQ(a.at<int64_t>({2, 1}), 9);
  EXPECT_EQ(a.at<int64_t>({-1, -1}), 11);
  EXPECT_DOUBLE_EQ(a.at<double>({1, 3}), 7.0);
  Tensor t = a.t();
  EXPECT_EQ(t.at<int64_t>({1, 2}), 9);
  Tensor s = a.select(1, 2);
  EXPECT_EQ(s.at<int64_t>({2}), 10);
}

TEST(Access, DataPtrChecksType) {
  Tensor f = zeros({3});
  float* p = f.data_ptr<float>();
  p[1] = 4.f;
  EXPECT_EQ(f.at<float>({1}), 4.f);
  EXPECT_THROW(f.data_ptr<double>(), Error);
  EXPECT_THROW(f.data_ptr<int32_t>(), Error);
  EXPECT_THROW(zeros({2}, kInt64).data_ptr<int32_t>(), Error);
  EXPECT_NO_THROW(zeros({2}, kBool).data_ptr<bool>());
  // data_ptr of a view points at the view's first element.
  Tensor a = arange(6);
  EXPECT_EQ(a.narrow(0, 2, 3).data_ptr<int64_t>(), a.data_ptr<int64_t>() + 2);
}

TEST(Access, ToVectorFollowsLogicalOrder) {
  Tensor a = arange(6).view({2, 3});
  EXPECT_EQ(a.t().to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

TEST(Printing, ContainsValuesShapeAndDtype) {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  std::ostringstream os;
  os << a;
  const std::string s = os.str();
  EXPECT_NE(s.find("size=[2, 3]"), std::string::npos) << s;
  EXPECT_NE(s.find("dtype=int64"), std::string::npos) << s;
  for (const char* v : {"1", "2", "3", "4", "5", "6"}) EXPECT_NE(s.find(v), std::string::npos) << s;
  EXPECT_EQ(s, "tensor([[1, 2, 3],\n        [4, 5, 6]], size=[2, 3], dtype=int64)");
  EXPECT_EQ(to_string(a), s);
}

TEST(Printing, FloatsBoolsAndAutograd) {
  EXPECT_EQ(to_string(tensor({1.5, -2.25})), "tensor([ 1.5000, -2.2500], size=[2], dtype=float32)");
  EXPECT_EQ(to_string(tensor({1.0, 2.0}, kFloat64)), "tensor([1., 2.], size=[2], dtype=float64)");
  EXPECT_EQ(to_string(tensor({true, false})), "tensor([ True, False], size=[2], dtype=bool)");
  const std::string nan = to_string(from_vector(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), 1.5f}));
  EXPECT_NE(nan.find("nan"), std::string::npos) << nan;
  Tensor r = ones({2}).requires_grad_();
  EXPECT_NE(to_string(r).find("requires_grad=True"), std::string::npos);
  Tensor g = r * 2;
  EXPECT_NE(to_string(g).find("grad_fn=<MulBackward>"), std::string::npos) << g;
  EXPECT_EQ(to_string(Tensor()), "tensor(undefined)");
  const std::string big = to_string(arange(5000));
  EXPECT_NE(big.find("..."), std::string::npos);
  EXPECT_NE(big.find("size=[5000]"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Version counter
// ---------------------------------------------------------------------------------------------

TEST(Version, InPlaceOpsBumpTheSharedCounter) {
  Tensor a = zeros({2, 3});
  Tensor v = a.select(0, 1);
  const uint64_t v0 = a._version();
  a.add_(1);
  EXPECT_EQ(a._version(), v0 + 1);
  EXPECT_EQ(v._version(), v0 + 1);  // views share it
  v.mul_(2);
  EXPECT_EQ(a._version(), v0 + 2);
  a.sub_(ones({3}));
  a.div_(2);
  a.fill_(3);
  a.zero_();
  a.copy_(ones({2, 3}));
  a.clamp_(0, 0.5);
  a.masked_fill_(ones({2, 3}, kBool), 1.0);
  a.add_(1.0, 2);
  EXPECT_EQ(a._version(), v0 + 10);
  // Out-of-place ops leave it alone.
  Tensor b = a + 1;
  (void)b;
  EXPECT_EQ(a._version(), v0 + 10);
  EXPECT_EQ(b._version(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Generator and threads
// ---------------------------------------------------------------------------------------------

TEST(GeneratorThreads, SameNumbersWithOneAndTwoThreads) {
  ThreadCountGuard guard;
  const Shape shape{3, 70001};  // several parallel chunks
  set_num_threads(1);
  manual_seed(2024);
  Tensor u1 = rand(shape), n1 = randn(shape, kFloat64), i1 = randint(0, 1000, shape);
  set_num_threads(2);
  EXPECT_EQ(get_num_threads(), 2);
  manual_seed(2024);
  Tensor u2 = rand(shape), n2 = randn(shape, kFloat64), i2 = randint(0, 1000, shape);
  EXPECT_TRUE(equal(u1, u2));
  EXPECT_TRUE(equal(n1, n2));
  EXPECT_TRUE(equal(i1, i2));
}

TEST(GeneratorThreads, GeneratorStateRoundTrips) {
  Generator g(31);
  (void)rand({17}, {}, &g);
  const uint64_t seed = g.seed(), offset = g.offset();
  EXPECT_EQ(offset, 17u);
  Tensor a = rand({8}, {}, &g);
  g.set_state(seed, offset);
  Tensor b = rand({8}, {}, &g);
  EXPECT_TRUE(equal(a, b));
}
