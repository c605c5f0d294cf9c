// Bad input never crashes, aborts or silently does something else: every case below must throw
// descent::Error whose message names the problem (checked by substring), and the shapes or
// dtypes at fault where the message can know them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "descent/core/options.h"
#include "descent/descent.h"

using namespace descent;

namespace {

// Runs f once; it must throw descent::Error (EXPECT_THROW), and each of `parts` must occur in the
// message.
template <typename F>
void expect_error_at(const char* file, int line, std::vector<std::string> parts, F&& f) {
  testing::ScopedTrace trace(file, line, "expected a descent::Error here");
  std::string what, message;
  EXPECT_THROW(
      {
        try {
          f();
        } catch (const descent::Error& e) {
          what = e.what();
          message = e.message();
          throw;
        }
      },
      descent::Error);
  if (what.empty()) return;  // EXPECT_THROW reported it
  for (const auto& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  EXPECT_EQ(what.find(message), 0u);          // what() is the message ...
  EXPECT_GT(what.size(), message.size()) << what;  // ... plus the file:line it was thrown at
}

// EXPECT_ERROR({"substring", ...}, statement): the statement may contain commas and braces.
#define EXPECT_ERROR(parts, ...) expect_error_at(__FILE__, __LINE__, std::vector<std::string> parts, [&] { __VA_ARGS__; })

Tensor leaf(const Shape& s) { return ones(s, kFloat64).requires_grad_(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Wrong shapes
// ---------------------------------------------------------------------------------------------

TEST(ShapeErrors, MatmulAndFriends) {
  Tensor a = ones({2, 3}), b = ones({4, 5});
  EXPECT_ERROR(({"cannot be multiplied", "[2, 3]", "[4, 5]"}), matmul(a, b));
  EXPECT_ERROR(({"cannot be multiplied"}), a.mm(b));
  EXPECT_ERROR(({"cannot be multiplied", "[2, 3]", "[4]"}), matmul(a, ones({4})));
  EXPECT_ERROR(({"cannot be multiplied"}), matmul(ones({4}), a));
  EXPECT_ERROR(({"cannot be multiplied"}), matmul(ones({2, 2, 3}), ones({2, 4, 5})));
  EXPECT_ERROR(({"cannot be multiplied"}), matmul(ones({5, 2, 3}), ones({4, 2})));
  EXPECT_ERROR(({"broadcast"}), matmul(ones({2, 2, 3}), ones({3, 3, 4})));
  EXPECT_ERROR(({"at least 1 dimension"}), matmul(ones({}), a));
  EXPECT_ERROR(({"2-D", "[3]"}), mm(ones({3}), a));
  EXPECT_ERROR(({"3-D"}), bmm(a, b));
  EXPECT_ERROR(({"batch sizes differ"}), bmm(ones({2, 2, 3}), ones({3, 3, 2})));
  EXPECT_ERROR(({"cannot be multiplied"}), bmm(ones({2, 2, 3}), ones({2, 2, 2})));
  EXPECT_ERROR(({"inconsistent tensor size"}), dot(ones({3}), ones({4})));
  EXPECT_ERROR(({"1D tensors expected"}), dot(a, a));
  EXPECT_ERROR(({"1D tensors expected"}), outer(a, ones({3})));
  EXPECT_ERROR(({"broadcast"}), addmm(ones({3}), ones({2, 2}), ones({2, 2})));
}

TEST(ShapeErrors, Broadcasting) {
  Tensor a = ones({2, 3}), b = ones({4});
  EXPECT_ERROR(({"broadcast", "[2, 3]", "[4]"}), add(a, b));
  EXPECT_ERROR(({"broadcast"}), a - b);
  EXPECT_ERROR(({"broadcast"}), a * b);
  EXPECT_ERROR(({"broadcast"}), a / b);
  EXPECT_ERROR(({"broadcast"}), a == b);
  EXPECT_ERROR(({"broadcast"}), maximum(a, b));
  EXPECT_ERROR(({"broadcast"}), pow(a, b));
  EXPECT_ERROR(({"broadcast"}), where(ones({2, 3}, kBool), a, b));
  EXPECT_ERROR(({"broadcast"}), where(ones({5}, kBool), a, a));
  EXPECT_ERROR(({"broadcast"}), logical_and(a, b));
  EXPECT_ERROR(({"broadcast"}), a.masked_fill(ones({4}, kBool), 0.0));
  EXPECT_ERROR(({"broadcast"}), a.masked_select(ones({3, 3}, kBool)));
  EXPECT_ERROR(({"broadcast"}), broadcast_shapes({2, 3}, {3, 2}));
  EXPECT_ERROR(({"expand", "[3]"}), ones({3}).expand({4}));
  EXPECT_ERROR(({"expand"}), ones({2, 3}).expand({3}));
  EXPECT_ERROR(({"expand"}), ones({3}).broadcast_to({3, 2}));
}

TEST(ShapeErrors, InPlaceOutputShape) {
  Tensor t = zeros({3});
  EXPECT_ERROR(({"doesn't match the broadcast shape", "[3]", "[2, 3]"}), t.add_(ones({2, 3})));
  EXPECT_ERROR(({"doesn't match the broadcast shape"}), t.mul_(ones({2, 3})));
  EXPECT_ERROR(({"broadcast"}), t.copy_(ones({4})));
  EXPECT_ERROR(({"broadcast"}), t.copy_(ones({2, 3})));
  EXPECT_ERROR(({"broadcast"}), t += ones({2}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 0, 0}));
}

TEST(ShapeErrors, ViewsAndReshapes) {
  Tensor t = ones({2, 3}).t();
  EXPECT_ERROR(({"view", "reshape", "[3, 2]"}), t.view({6}));
  EXPECT_ERROR(({"is invalid for input of size 6"}), ones({2, 3}).view({4}));
  EXPECT_ERROR(({"is invalid for input of size 6"}), ones({2, 3}).reshape({4, -1}));
  EXPECT_ERROR(({"only one dimension can be inferred"}), ones({2, 3}).view({-1, -1}));
  EXPECT_ERROR(({"invalid shape dimension"}), ones({2, 3}).reshape({-2, 3}));
  EXPECT_ERROR(({"is invalid for input of size"}), ones({2, 12}).unflatten(1, {5, 2}));
  EXPECT_ERROR(({"non-empty"}), ones({2, 12}).unflatten(1, {}));
  EXPECT_ERROR(({"number of dims don't match"}), ones({2, 3}).permute({0}));
  EXPECT_ERROR(({"repeated"}), ones({2, 3}).permute({0, 0}));
  EXPECT_ERROR(({"<= 2 dimensions"}), ones({2, 3, 4}).t());
  EXPECT_ERROR(({"start_dim"}), ones({2, 3, 4}).flatten(2, 1));
  EXPECT_ERROR(({"sum to", "5"}), ones({5}).split(std::vector<int64_t>{2, 2}));
  EXPECT_ERROR(({"split_size must be positive"}), ones({5}).split(0));
  EXPECT_ERROR(({"chunks must be positive"}), ones({5}).chunk(0));
  EXPECT_ERROR(({"step must be positive"}), ones({5}).slice(0, 0, 5, 0));
  EXPECT_ERROR(({"can not be smaller"}), ones({2, 3}).repeat({2}));
  EXPECT_ERROR(({"non-negative"}), ones({2}).repeat({-1}));
  EXPECT_ERROR(({"0-dim"}), tensor(1.0).select(0, 0));
  EXPECT_ERROR(({"0-dim"}), tensor(1.0).narrow(0, 0, 1));
}

TEST(ShapeErrors, CatAndStack) {
  EXPECT_ERROR(({"sizes of tensors must match", "[2, 3]", "[3, 3]"}), cat({ones({2, 3}), ones({3, 3})}, 1));
  EXPECT_ERROR(({"sizes of tensors must match"}), cat({ones({2, 3}), ones({2, 4})}, 0));
  EXPECT_ERROR(({"same number of dimensions"}), cat({ones({2, 3}), ones({2, 3, 1})}));
  EXPECT_ERROR(({"non-empty"}), cat({}));
  EXPECT_ERROR(({"zero-dimensional"}), cat({tensor(1.0), tensor(2.0)}));
  EXPECT_ERROR(({"undefined"}), cat({ones({2}), Tensor()}));
  EXPECT_ERROR(({"equal size", "[2]", "[3]"}), stack({ones({2}), ones({3})}));
  EXPECT_ERROR(({"non-empty"}), stack({}));
}

TEST(ShapeErrors, IndexShapes) {
  Tensor x = ones({3, 3});
  EXPECT_ERROR(({"0-d or 1-d"}), x.index_select(0, zeros({2, 2}, kInt64)));
  EXPECT_ERROR(({"same number of dimensions"}), x.gather(1, zeros({3}, kInt64)));
  EXPECT_ERROR(({"does not fit"}), x.gather(1, zeros({4, 1}, kInt64)));
  EXPECT_ERROR(({"does not fit"}), x.scatter(1, zeros({3, 2}, kInt64), ones({3, 1})));
}

TEST(ShapeErrors, FactoriesAndBackward) {
  EXPECT_ERROR(({"do not fill shape", "[2, 2]"}), from_vector(std::vector<float>{1, 2, 3}, {2, 2}));
  EXPECT_ERROR(({"equal lengths"}), tensor({{1, 2}, {3}}));
  EXPECT_ERROR(({"inconsistent depth"}), tensor({{1, 2}, 3}));
  EXPECT_ERROR(({"sizes but"}), empty_strided({2, 2}, {1}));
  EXPECT_ERROR(({"sizes but"}), from_blob(nullptr, {0}, kFloat32, {1, 1}));
  Tensor x = leaf({3});
  Tensor y = x * 2;
  EXPECT_ERROR(({"implicitly created only for scalar", "[3]"}), y.backward());
  EXPECT_ERROR(({"does not match output shape"}), y.backward(ones({2}, kFloat64)));
  EXPECT_ERROR(({"does not match tensor shape"}), x.set_grad(ones({2}, kFloat64)));
}

// ---------------------------------------------------------------------------------------------
// Wrong dtypes
// ---------------------------------------------------------------------------------------------

TEST(DTypeErrors, FloatingOnlyOps) {
  Tensor i = tensor({1, 2, 3});
  EXPECT_ERROR(({"mean", "floating point", "int64"}), i.mean());
  EXPECT_ERROR(({"mean", "int64"}), mean(i, {0}));
  EXPECT_ERROR(({"var", "floating point"}), i.var());
  EXPECT_ERROR(({"var", "floating point"}), i.std());
  EXPECT_ERROR(({"norm", "floating point"}), i.norm());
  EXPECT_ERROR(({"floating", "int64"}), rand({2}, kInt64));
  EXPECT_ERROR(({"floating", "int32"}), randn({2}, kInt32));
  EXPECT_ERROR(({"float32 or float64"}), set_default_dtype(kInt64));
  EXPECT_EQ(default_dtype(), kFloat32);
  EXPECT_ERROR(({"unknown dtype", "float16"}), dtype_from_name("float16"));
}

TEST(DTypeErrors, MatrixProducts) {
  Tensor f = ones({2, 2}), d = ones({2, 2}, kFloat64);
  EXPECT_ERROR(({"same dtype", "float32", "float64"}), mm(f, d));
  EXPECT_ERROR(({"same dtype"}), matmul(f, d));
  EXPECT_ERROR(({"same dtype"}), bmm(ones({1, 2, 2}), ones({1, 2, 2}, kInt64)));
  EXPECT_ERROR(({"same dtype"}), dot(ones({2}), ones({2}, kFloat64)));
  EXPECT_ERROR(({"bool"}), mm(ones({2, 2}, kBool), ones({2, 2}, kBool)));
}

TEST(DTypeErrors, MasksConditionsAndIndices) {
  Tensor x = ones({3});
  EXPECT_ERROR(({"bool", "float32"}), where(ones({3}), x, x));
  EXPECT_ERROR(({"bool mask", "int64"}), x.masked_fill(ones({3}, kInt64), 0.0));
  EXPECT_ERROR(({"bool", "float32"}), x.masked_fill_(ones({3}), 0.0));
  EXPECT_ERROR(({"bool mask"}), x.masked_select(ones({3})));
  EXPECT_ERROR(({"floating value"}), tensor({1, 2}).masked_fill(ones({2}, kBool), 0.5));
  EXPECT_ERROR(({"int64 index", "float32"}), x.index_select(0, zeros({1})));
  EXPECT_ERROR(({"int64 index"}), x.gather(0, zeros({1})));
  EXPECT_ERROR(({"int64 index"}), x.scatter(0, zeros({1}), ones({1})));
  EXPECT_ERROR(({"int64 index"}), x.scatter_add(0, zeros({1}, kUInt8), ones({1})));
}

TEST(DTypeErrors, BoolAndIntegerArithmetic) {
  Tensor b = tensor({true, false});
  EXPECT_ERROR(({"bool", "logical_xor"}), b - b);
  EXPECT_ERROR(({"bool", "logical_not"}), -b);
  EXPECT_ERROR(({"bool"}), relu(b));
  EXPECT_ERROR(({"bool"}), floor(b));
  EXPECT_ERROR(({"bool"}), clamp(b, 0));
  EXPECT_ERROR(({"alpha"}), add(tensor({1}), tensor({1}), 0.5));
  EXPECT_ERROR(({"alpha"}), sub(tensor({1}), tensor({1}), 0.5));
  EXPECT_ERROR(({"negative integer powers"}), pow(tensor({2}), -1));
  EXPECT_ERROR(({"data_ptr", "float32", "float64"}), ones({2}).data_ptr<double>());
}

TEST(DTypeErrors, InPlaceCannotChangeDtype) {
  Tensor i = tensor({1, 2});
  EXPECT_ERROR(({"can't be cast", "float32", "int64"}), i.div_(2));
  EXPECT_ERROR(({"can't be cast"}), i.mul_(2.5));
  EXPECT_ERROR(({"can't be cast"}), i.add_(ones({2}, kFloat64)));
  EXPECT_ERROR(({"can't be cast"}), i.sqrt_());
  EXPECT_ERROR(({"can't be cast"}), i.clamp_(0.5));
  EXPECT_ERROR(({"alpha", "int64"}), i.add_(i, 1.5));
  EXPECT_ERROR(({"can't be cast", "bool"}), tensor({true}).add_(2));
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
}

TEST(DTypeErrors, AutogradNeedsFloatingLeaves) {
  EXPECT_ERROR(({"floating", "int64"}), tensor({1, 2}).requires_grad_());
  EXPECT_ERROR(({"floating"}), ones({2}, kBool).requires_grad_(true));
  EXPECT_ERROR(({"floating"}), zeros({2}, TensorOptions(kInt32).requires_grad()));
  EXPECT_NO_THROW(tensor({1, 2}).requires_grad_(false));
}

// ---------------------------------------------------------------------------------------------
// Out-of-range dims and indices
// ---------------------------------------------------------------------------------------------

TEST(RangeErrors, Dims) {
  Tensor x = ones({2, 3});
  EXPECT_ERROR(({"dimension out of range", "5", "[-2, 1]"}), x.sum({5}));
  EXPECT_ERROR(({"dimension out of range"}), x.sum({-3}));
  EXPECT_ERROR(({"dimension out of range"}), x.mean({2}));
  EXPECT_ERROR(({"dimension out of range"}), x.amax({2}));
  EXPECT_ERROR(({"dimension out of range"}), x.var({7}));
  EXPECT_ERROR(({"dimension out of range"}), x.logsumexp({2}));
  EXPECT_ERROR(({"dimension out of range"}), x.norm(2, {2}));
  EXPECT_ERROR(({"dimension out of range"}), x.prod(2));
  EXPECT_ERROR(({"dimension out of range"}), x.max(2));
  EXPECT_ERROR(({"dimension out of range"}), x.argmax(-3));
  EXPECT_ERROR(({"dimension out of range"}), x.all(2));
  EXPECT_ERROR(({"dimension out of range"}), x.cumsum(2));
  EXPECT_ERROR(({"appears multiple times"}), x.sum({0, -2}));
  EXPECT_ERROR(({"dimension out of range"}), x.size(2));
  EXPECT_ERROR(({"dimension out of range"}), x.transpose(0, 2));
  EXPECT_ERROR(({"dimension out of range"}), x.select(2, 0));
  EXPECT_ERROR(({"dimension out of range"}), x.squeeze(2));
  EXPECT_ERROR(({"dimension out of range"}), x.unsqueeze(3));
  EXPECT_ERROR(({"dimension out of range"}), x.unsqueeze(-4));
  EXPECT_ERROR(({"dimension out of range"}), x.permute({0, 2}));
  EXPECT_ERROR(({"dimension out of range"}), x.movedim(0, 2));
  EXPECT_ERROR(({"dimension out of range"}), x.narrow(2, 0, 1));
  EXPECT_ERROR(({"dimension out of range"}), x.flatten(0, 2));
  EXPECT_ERROR(({"dimension out of range"}), x.flip({2}));
  EXPECT_ERROR(({"dimension out of range"}), x.split(1, 2));
  EXPECT_ERROR(({"dimension out of range"}), x.index_select(2, zeros({1}, kInt64)));
  EXPECT_ERROR(({"dimension out of range"}), x.gather(2, zeros({2, 3}, kInt64)));
  EXPECT_ERROR(({"dimension out of range"}), cat({x, x}, 2));
  EXPECT_ERROR(({"dimension out of range"}), stack({x, x}, 3));
}

TEST(RangeErrors, Indices) {
  Tensor x = arange(9, kFloat32).view({3, 3});
  EXPECT_ERROR(({"index 3 is out of bounds", "size 3"}), x.select(0, 3));
  EXPECT_ERROR(({"out of bounds"}), x.select(1, -4));
  EXPECT_ERROR(({"out of bounds"}), x[5]);
  EXPECT_ERROR(({"index 10 is out of bounds", "size 3"}), x.index_select(0, tensor({0, 10})));
  EXPECT_ERROR(({"index -1 is out of bounds"}), x.index_select(1, tensor({-1})));
  EXPECT_ERROR(({"index 10 is out of bounds", "size 3"}), x.gather(1, tensor({{0}, {10}, {1}})));
  EXPECT_ERROR(({"index -1 is out of bounds"}), x.gather(0, tensor({{-1, 0, 0}})));
  EXPECT_ERROR(({"index 3 is out of bounds"}), x.scatter(0, tensor({{3, 0, 0}}), ones({1, 3})));
  EXPECT_ERROR(({"index 7 is out of bounds"}), x.scatter_add(1, tensor({{7}}), ones({1, 1})));
  EXPECT_ERROR(({"index 3 is out of bounds"}), x.scatter(0, tensor({{3}}), 1.0));
  EXPECT_ERROR(({"out of bounds", "size 3"}), x.at<float>({0, 3}));
  EXPECT_ERROR(({"indices", "2-d"}), x.at<float>({0}));
  EXPECT_ERROR(({"exceeds dimension size"}), x.narrow(0, 2, 2));
  EXPECT_ERROR(({"out of range"}), x.narrow(0, 4, 0));
  EXPECT_ERROR(({"out of bounds for storage"}), x.as_strided({3, 3}, {3, 1}, 1));
  EXPECT_ERROR(({"out of bounds for storage"}), x.as_strided({10}, {1}));
  EXPECT_ERROR(({"negative"}), x.as_strided({2}, {-1}));
  EXPECT_ERROR(({"negative storage offset"}), x.as_strided({2}, {1}, -1));
}

// ---------------------------------------------------------------------------------------------
// Misuse
// ---------------------------------------------------------------------------------------------

TEST(MisuseErrors, ItemOnManyElements) {
  EXPECT_ERROR(({"a tensor with 6 elements", "[2, 3]", "cannot be converted to a scalar"}), ones({2, 3}).item<float>());
  EXPECT_ERROR(({"cannot be converted to a scalar"}), ones({2}).item());
  EXPECT_ERROR(({"cannot be converted to a scalar"}), zeros({0}).item<double>());
}

TEST(MisuseErrors, NegativeSizes) {
  EXPECT_ERROR(({"negative dimension -1", "[2, -1]"}), zeros({2, -1}));
  EXPECT_ERROR(({"negative dimension"}), empty({-3}));
  EXPECT_ERROR(({"negative dimension"}), ones({-1}, kInt64));
  EXPECT_ERROR(({"negative dimension"}), full({-2}, 1.0));
  EXPECT_ERROR(({"negative dimension"}), rand({-2}));
  EXPECT_ERROR(({"negative dimension"}), randn({3, -2}));
  EXPECT_ERROR(({"negative dimension"}), randint(0, 5, {-1}));
  EXPECT_ERROR(({"negative"}), empty_strided({-1}, {1}));
  EXPECT_ERROR(({"negative stride"}), empty_strided({2}, {-1}));
  EXPECT_ERROR(({"non-negative"}), eye(-1));
  EXPECT_ERROR(({"non-negative"}), eye(2, -3));
  EXPECT_ERROR(({"non-negative"}), linspace(0, 1, -1));
  EXPECT_ERROR(({"non-negative"}), randperm(-1));
  EXPECT_ERROR(({"too many elements"}), empty({int64_t{1} << 40, int64_t{1} << 40}));
}

TEST(MisuseErrors, FactoryArguments) {
  EXPECT_ERROR(({"step must be nonzero"}), arange(0, 5, 0));
  EXPECT_ERROR(({"step sign"}), arange(5, 0, 1));
  EXPECT_ERROR(({"step sign"}), arange(0, 5, -1));
  EXPECT_ERROR(({"unsupported range"}), arange(0.0, INFINITY));
  EXPECT_ERROR(({"low < high"}), randint(5, 5, {2}));
  EXPECT_ERROR(({"from <= to"}), ones({2}).uniform_(1.0, 0.0));
  EXPECT_ERROR(({"std >= 0"}), ones({2}).normal_(0.0, -1.0));
  EXPECT_ERROR(({"null data pointer"}), from_blob(nullptr, {2}, kFloat32));
  EXPECT_ERROR(({"positive thread count"}), set_num_threads(0));
}

TEST(MisuseErrors, EmptyReductionsAndBadArguments) {
  EXPECT_ERROR(({"non-zero size"}), zeros({0}).amax());
  EXPECT_ERROR(({"non-zero size"}), zeros({0, 3}).max());
  EXPECT_ERROR(({"non-zero size"}), zeros({0, 3}).max(0));
  EXPECT_ERROR(({"non-zero size"}), zeros({2, 0}).argmin(1));
  EXPECT_ERROR(({"non-zero size"}), zeros({0}).argmax());
  EXPECT_ERROR(({"p must be positive"}), ones({2}).norm(0));
  EXPECT_ERROR(({"at least one of min and max"}), clamp(ones({2}), std::nullopt, std::nullopt));
  EXPECT_ERROR(({"at least one of min and max"}), ones({2}).clamp_(std::nullopt));
}

TEST(MisuseErrors, UndefinedTensor) {
  Tensor u;
  EXPECT_FALSE(u.defined());
  EXPECT_ERROR(({"undefined tensor"}), u.sizes());
  EXPECT_ERROR(({"undefined tensor"}), u.dtype());
  EXPECT_ERROR(({"undefined tensor"}), u + ones({2}));
  EXPECT_ERROR(({"undefined tensor"}), u.sum());
  EXPECT_ERROR(({"undefined"}), ones({2}).copy_(u));
}

TEST(AutogradErrors, BackwardTwiceWithoutRetainGraph) {
  Tensor x = leaf({3});
  Tensor y = (x * x).sum();
  y.backward();
  EXPECT_ERROR(({"backward through the graph a second time", "retain_graph"}), y.backward());
  // With retain_graph the second backward works and accumulates.
  Tensor x2 = leaf({2});
  Tensor y2 = (x2 * 3).sum();
  y2.backward(Tensor(), /*retain_graph=*/true);
  EXPECT_NO_THROW(y2.backward());
  EXPECT_EQ(x2.grad().to_vector<double>(), (std::vector<double>{6, 6}));
}

TEST(AutogradErrors, InPlaceOnLeafRequiringGrad) {
  Tensor x = leaf({3});
  EXPECT_ERROR(({"leaf tensor that requires grad", "add_"}), x.add_(1));
  EXPECT_ERROR(({"leaf"}), x.mul_(2));
  EXPECT_ERROR(({"leaf"}), x.fill_(0));
  EXPECT_ERROR(({"leaf"}), x.zero_());
  EXPECT_ERROR(({"leaf"}), x.copy_(zeros({3}, kFloat64)));
  EXPECT_ERROR(({"leaf"}), x.clamp_(0));
  EXPECT_ERROR(({"leaf"}), x.masked_fill_(ones({3}, kBool), 0.0));
  EXPECT_ERROR(({"leaf"}), x += 1);
  EXPECT_ERROR(({"view of a leaf"}), x.select(0, 1).fill_(5));
  EXPECT_ERROR(({"view of a leaf"}), x.view({3, 1}).add_(1));
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1, 1, 1}));
  {
    NoGradGuard ng;  // the documented way to edit a leaf
    EXPECT_NO_THROW(x.add_(1));
  }
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{2, 2, 2}));
}

TEST(AutogradErrors, SavedTensorModifiedInPlace) {
  Tensor x = leaf({2});
  Tensor y = x.exp();  // saves its output
  y.add_(1);
  EXPECT_ERROR(({"modified by an in-place operation", "ExpBackward"}), y.sum().backward());
}

TEST(AutogradErrors, BackwardWithoutGraph) {
  EXPECT_ERROR(({"does not require grad"}), ones({2}).sum().backward());
  Tensor x = leaf({2});
  Tensor y;
  {
    NoGradGuard ng;
    y = (x * 2).sum();
  }
  EXPECT_ERROR(({"does not require grad"}), y.backward());
  EXPECT_ERROR(({"does not require grad"}), ones({2}).retain_grad());
  EXPECT_ERROR(({"leaf"}), (x * 2).requires_grad_(false));
}

namespace {
struct DemoOptions {
  DESCENT_ARG_CHECKED(DemoOptions, int64_t, size, v >= 1, ">= 1") = 4;
  DESCENT_ARG_CHECKED(DemoOptions, double, rate, v > 0 && v <= 1, "in (0, 1]") = 0.5;
  DESCENT_ARG(DemoOptions, std::string, name) = "demo";
};
}  // namespace

TEST(OptionsMacros, SettersChainCheckAndNameTheRule) {
  DemoOptions o;
  EXPECT_EQ(o.size_, 4);
  EXPECT_EQ(o.name_, "demo");
  o.size(7).rate(1.0).name("x");
  EXPECT_EQ(o.size_, 7);
  EXPECT_EQ(o.rate_, 1.0);
  EXPECT_EQ(o.name_, "x");
  try {
    o.rate(1.5);
    FAIL() << "no error";
  } catch (const descent::Error& e) {
    EXPECT_NE(std::string(e.what()).find("DemoOptions: rate must be in (0, 1], got 1.5"), std::string::npos) << e.what();
  }
  EXPECT_EQ(o.rate_, 1.0);  // unchanged by the rejected value
  EXPECT_THROW(o.size(0), descent::Error);
}
