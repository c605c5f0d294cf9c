// Tensor methods that forward to the free functions.
#include "common.h"

namespace descent {
namespace {
Tensor wrap(Scalar s, const Tensor& t) { return scalar_tensor(s, result_type(t, s)); }
}  // namespace

Tensor Tensor::index_select(int64_t d, const Tensor& i) const { return descent::index_select(*this, d, i); }
Tensor Tensor::gather(int64_t d, const Tensor& i) const { return descent::gather(*this, d, i); }
Tensor Tensor::scatter(int64_t d, const Tensor& i, const Tensor& s) const { return descent::scatter(*this, d, i, s); }
Tensor Tensor::scatter(int64_t d, const Tensor& i, Scalar v) const {
  return descent::scatter(*this, d, i, scalar_tensor(v, dtype()).expand(i.sizes()));
}
Tensor Tensor::scatter_add(int64_t d, const Tensor& i, const Tensor& s) const {
  return descent::scatter_add(*this, d, i, s);
}
Tensor Tensor::masked_fill(const Tensor& m, Scalar v) const { return descent::masked_fill(*this, m, v); }
Tensor Tensor::masked_select(const Tensor& m) const { return descent::masked_select(*this, m); }

Tensor Tensor::new_zeros(const Shape& sizes, std::optional<DType> dt) const {
  return descent::zeros(sizes, dt.value_or(dtype()));
}
Tensor Tensor::new_ones(const Shape& sizes, std::optional<DType> dt) const {
  return descent::ones(sizes, dt.value_or(dtype()));
}

Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return descent::add(*this, o, alpha); }
Tensor Tensor::add(Scalar o, Scalar alpha) const { return descent::add(*this, wrap(o, *this), alpha); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return descent::sub(*this, o, alpha); }
Tensor Tensor::sub(Scalar o, Scalar alpha) const { return descent::sub(*this, wrap(o, *this), alpha); }
Tensor Tensor::mul(const Tensor& o) const { return descent::mul(*this, o); }
Tensor Tensor::mul(Scalar o) const { return descent::mul(*this, wrap(o, *this)); }
Tensor Tensor::div(const Tensor& o) const { return descent::div(*this, o); }
Tensor Tensor::div(Scalar o) const { return descent::div(*this, wrap(o, *this)); }
Tensor Tensor::pow(const Tensor& e) const { return descent::pow(*this, e); }
Tensor Tensor::pow(Scalar e) const { return descent::pow(*this, e); }
Tensor Tensor::minimum(const Tensor& o) const { return descent::minimum(*this, o); }
Tensor Tensor::maximum(const Tensor& o) const { return descent::maximum(*this, o); }
#define DESCENT_UNARY_METHOD(name, differentiable) \
  Tensor Tensor::name() const { return descent::name(*this); }
DESCENT_UNARY_MATH_OPS(DESCENT_UNARY_METHOD)
Tensor Tensor::clamp(std::optional<Scalar> lo, std::optional<Scalar> hi) const { return descent::clamp(*this, lo, hi); }
Tensor Tensor::clamp_min(Scalar lo) const { return descent::clamp(*this, lo, std::nullopt); }
Tensor Tensor::clamp_max(Scalar hi) const { return descent::clamp(*this, std::nullopt, hi); }
#define DESCENT_COMPARISON_METHOD(name, differentiable)                                    \
  Tensor Tensor::name(const Tensor& o) const { return descent::name(*this, o); } \
  Tensor Tensor::name(Scalar o) const { return descent::name(*this, wrap(o, *this)); }
#define DESCENT_BINARY_METHOD(name, differentiable) \
  Tensor Tensor::name(const Tensor& o) const { return descent::name(*this, o); }
DESCENT_COMPARISON_OPS(DESCENT_COMPARISON_METHOD)
DESCENT_LOGICAL_BINARY_OPS(DESCENT_BINARY_METHOD)
DESCENT_UNARY_PREDICATE_OPS(DESCENT_UNARY_METHOD)
#undef DESCENT_UNARY_METHOD
#undef DESCENT_COMPARISON_METHOD
#undef DESCENT_BINARY_METHOD

Tensor Tensor::sum(std::optional<DType> dt) const { return descent::sum(*this, {}, false, dt); }
Tensor Tensor::sum(const Dims& dims, bool keepdim, std::optional<DType> dt) const {
  return descent::sum(*this, dims, keepdim, dt);
}
Tensor Tensor::mean() const { return descent::mean(*this); }
Tensor Tensor::mean(const Dims& dims, bool keepdim) const { return descent::mean(*this, dims, keepdim); }
Tensor Tensor::prod() const { return descent::prod(*this); }
Tensor Tensor::prod(int64_t d, bool keepdim) const { return descent::prod(*this, d, keepdim); }
Tensor Tensor::max() const { return descent::amax(*this); }
std::pair<Tensor, Tensor> Tensor::max(int64_t d, bool keepdim) const { return descent::max(*this, d, keepdim); }
Tensor Tensor::min() const { return descent::amin(*this); }
std::pair<Tensor, Tensor> Tensor::min(int64_t d, bool keepdim) const { return descent::min(*this, d, keepdim); }
Tensor Tensor::amax(const Dims& dims, bool keepdim) const { return descent::amax(*this, dims, keepdim); }
Tensor Tensor::amin(const Dims& dims, bool keepdim) const { return descent::amin(*this, dims, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> d, bool keepdim) const { return descent::argmax(*this, d, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> d, bool keepdim) const { return descent::argmin(*this, d, keepdim); }
Tensor Tensor::var(const Dims& dims, int64_t c, bool keepdim) const { return descent::var(*this, dims, c, keepdim); }
Tensor Tensor::std(const Dims& dims, int64_t c, bool keepdim) const { return descent::std(*this, dims, c, keepdim); }
Tensor Tensor::logsumexp(const Dims& dims, bool keepdim) const { return descent::logsumexp(*this, dims, keepdim); }
Tensor Tensor::norm(double p, const Dims& dims, bool keepdim) const { return descent::norm(*this, p, dims, keepdim); }
Tensor Tensor::all() const { return descent::all(*this); }
Tensor Tensor::all(int64_t d, bool keepdim) const { return descent::all(*this, d, keepdim); }
Tensor Tensor::any() const { return descent::any(*this); }
Tensor Tensor::any(int64_t d, bool keepdim) const { return descent::any(*this, d, keepdim); }
Tensor Tensor::cumsum(int64_t d) const { return descent::cumsum(*this, d); }

Tensor Tensor::matmul(const Tensor& o) const { return descent::matmul(*this, o); }
Tensor Tensor::mm(const Tensor& o) const { return descent::mm(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return descent::bmm(*this, o); }
Tensor Tensor::dot(const Tensor& o) const { return descent::dot(*this, o); }
Tensor Tensor::outer(const Tensor& o) const { return descent::outer(*this, o); }

}  // namespace descent
