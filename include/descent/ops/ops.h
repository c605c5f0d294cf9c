#pragma once
// Free-function forms of every tensor op, and the factories. Methods on Tensor forward here.
#include <optional>
#include <vector>

#include "descent/core/generator.h"
#include "descent/core/tensor.h"

namespace descent {

// ---- factories ----
Tensor empty(const Shape& sizes, TensorOptions opts = {});
Tensor empty_strided(const Shape& sizes, const Shape& strides, TensorOptions opts = {});
Tensor zeros(const Shape& sizes, TensorOptions opts = {});
Tensor ones(const Shape& sizes, TensorOptions opts = {});
/// Filled with value; dtype defaults to value's kind (bool, int64, or the default float dtype).
Tensor full(const Shape& sizes, Scalar value, TensorOptions opts = {});
Tensor empty_like(const Tensor& t, TensorOptions opts = {});
Tensor zeros_like(const Tensor& t, TensorOptions opts = {});
Tensor ones_like(const Tensor& t, TensorOptions opts = {});
Tensor full_like(const Tensor& t, Scalar value, TensorOptions opts = {});
Tensor rand_like(const Tensor& t, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, TensorOptions opts = {}, Generator* gen = nullptr);
/// [0, end) with step 1.
Tensor arange(Scalar end, TensorOptions opts = {});
/// [start, end) by step; int64 unless any argument is floating.
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions opts = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions opts = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions opts = {});
/// Uniform in [0, 1).
Tensor rand(const Shape& sizes, TensorOptions opts = {}, Generator* gen = nullptr);
/// Standard normal.
Tensor randn(const Shape& sizes, TensorOptions opts = {}, Generator* gen = nullptr);
/// Integers uniform in [low, high); int64 by default.
Tensor randint(int64_t low, int64_t high, const Shape& sizes, TensorOptions opts = {}, Generator* gen = nullptr);
/// A random permutation of 0..n-1; int64 by default.
Tensor randperm(int64_t n, TensorOptions opts = {}, Generator* gen = nullptr);
/// Copies `data` into a new tensor of the given shape (1-D of data.size() when shape is empty).
template <typename T>
Tensor from_vector(const std::vector<T>& data, const Shape& shape = {}, TensorOptions opts = {});
/// A nested braced list of numbers: `{1, 2}`, `{{1.5, 2}, {3, 4}}`, or a single number.
class NestedList {
 public:
  NestedList(double v) : scalar_(v), is_scalar_(true) {}
  NestedList(float v) : scalar_(double(v)), is_scalar_(true) {}
  NestedList(int v) : scalar_(int64_t(v)), is_scalar_(true) {}
  NestedList(int64_t v) : scalar_(v), is_scalar_(true) {}
  NestedList(bool v) : scalar_(v), is_scalar_(true) {}
  NestedList(std::initializer_list<NestedList> items) : items_(items) {}
  bool is_scalar() const { return is_scalar_; }
  const Scalar& scalar() const { return scalar_; }
  const std::vector<NestedList>& items() const { return items_; }

 private:
  Scalar scalar_;
  bool is_scalar_ = false;
  std::vector<NestedList> items_;
};
/// A tensor from nested lists (rows must have equal lengths). Without a dtype: the default float
/// dtype if any number is floating, else int64 if any is an integer, else bool (as torch.tensor).
Tensor tensor(const NestedList& values, TensorOptions opts = {});
/// A 0-d tensor holding value.
Tensor scalar_tensor(Scalar value, TensorOptions opts = {});
/// Wraps memory owned by the caller without copying; `deleter` (optional) runs when the last view dies.
Tensor from_blob(void* data, const Shape& sizes, DType dtype, const Shape& strides = {},
                 std::function<void(void*)> deleter = {});

/// dtype of the result of a binary op under PyTorch's promotion rules (dim-ful tensors > 0-d > scalars).
DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, Scalar b);

// ---- element-wise ----
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
/// True division: integer inputs give a floating result.
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, Scalar exponent);
Tensor pow(Scalar base, const Tensor& exponent);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
/// cond ? a : b, broadcasting all three.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, Scalar b);
Tensor where(const Tensor& cond, Scalar a, const Tensor& b);
// neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sigmoid, tanh, relu, sin,
// cos, floor, ceil, round (half to even, as PyTorch): core/op_names.h.
#define DESCENT_UNARY_FUNCTION(name, differentiable) Tensor name(const Tensor& x);
DESCENT_UNARY_MATH_OPS(DESCENT_UNARY_FUNCTION)
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
Tensor clamp(const Tensor& x, const Tensor& min, const Tensor& max);
// eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor (broadcasting; bool out) and
// logical_not, isnan, isinf, isfinite.
#define DESCENT_BINARY_FUNCTION(name, differentiable) Tensor name(const Tensor& a, const Tensor& b);
DESCENT_COMPARISON_OPS(DESCENT_BINARY_FUNCTION)
DESCENT_LOGICAL_BINARY_OPS(DESCENT_BINARY_FUNCTION)
DESCENT_UNARY_PREDICATE_OPS(DESCENT_UNARY_FUNCTION)
#undef DESCENT_UNARY_FUNCTION
#undef DESCENT_BINARY_FUNCTION
/// True when shapes match and all elements are within atol + rtol * |b| (NaNs equal if equal_nan).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// True when shapes, dtypes and all values are identical.
bool equal(const Tensor& a, const Tensor& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a);
/// Element-wise comparisons returning bool tensors (as in PyTorch; not a whole-tensor test: see equal()).
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, Scalar b);
Tensor& operator-=(Tensor& a, Scalar b);
Tensor& operator*=(Tensor& a, Scalar b);
Tensor& operator/=(Tensor& a, Scalar b);

// ---- reductions ----
Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false, std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor amax(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor var(const Tensor& x, const Dims& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const Dims& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor norm(const Tensor& x, double p = 2.0, const Dims& dims = {}, bool keepdim = false);
Tensor all(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor any(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor cumsum(const Tensor& x, int64_t dim);

// ---- shape ----
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
/// Shape that a and b broadcast to; throws naming both shapes when they do not.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// ---- indexing ----
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);
Tensor masked_select(const Tensor& x, const Tensor& mask);

// ---- linear algebra ----
/// PyTorch's matmul: 1-D/2-D/batched with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
/// beta * input + alpha * (m1 @ m2).
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, Scalar beta = 1, Scalar alpha = 1);
Tensor outer(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);

}  // namespace descent
