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
Tensor Tensor::neg() const { return descent::neg(*this); }
Tensor Tensor::abs() const { return descent::abs(*this); }
Tensor Tensor::sign() const { return descent::sign(*this); }
Tensor Tensor::exp() const { return descent::exp(*this); }
Tensor Tensor::log() const { return descent::log(*this); }
Tensor Tensor::log1p() const { return descent::log1p(*this); }
Tensor Tensor::expm1() const { return descent::expm1(*this); }
Tensor Tensor::sqrt() const { return descent::sqrt(*this); }
Tensor Tensor::rsqrt() const { return descent::rsqrt(*this); }
Tensor Tensor::square() const { return descent::square(*this); }
Tensor Tensor::reciprocal() const { return descent::reciprocal(*this); }
Tensor Tensor::sigmoid() const { return descent::sigmoid(*this); }
Tensor Tensor::tanh() const { return descent::tanh(*this); }
Tensor Tensor::relu() const { return descent::relu(*this); }
Tensor Tensor::sin() const { return descent::sin(*this); }
Tensor Tensor::cos() const { return descent::cos(*this); }
Tensor Tensor::floor() const { return descent::floor(*this); }
Tensor Tensor::ceil() const { return descent::ceil(*this); }
Tensor Tensor::round() const { return descent::round(*this); }
Tensor Tensor::clamp(std::optional<Scalar> lo, std::optional<Scalar> hi) const { return descent::clamp(*this, lo, hi); }
Tensor Tensor::clamp_min(Scalar lo) const { return descent::clamp(*this, lo, std::nullopt); }
Tensor Tensor::clamp_max(Scalar hi) const { return descent::clamp(*this, std::nullopt, hi); }
Tensor Tensor::eq(const Tensor& o) const { return descent::eq(*this, o); }
Tensor Tensor::eq(Scalar o) const { return descent::eq(*this, wrap(o, *this)); }
Tensor Tensor::ne(const Tensor& o) const { return descent::ne(*this, o); }
Tensor Tensor::ne(Scalar o) const { return descent::ne(*this, wrap(o, *this)); }
Tensor Tensor::lt(const Tensor& o) const { return descent::lt(*this, o); }
Tensor Tensor::lt(Scalar o) const { return descent::lt(*this, wrap(o, *this)); }
Tensor Tensor::le(const Tensor& o) const { return descent::le(*this, o); }
Tensor Tensor::le(Scalar o) const { return descent::le(*this, wrap(o, *this)); }
Tensor Tensor::gt(const Tensor& o) const { return descent::gt(*this, o); }
Tensor Tensor::gt(Scalar o) const { return descent::gt(*this, wrap(o, *this)); }
Tensor Tensor::ge(const Tensor& o) const { return descent::ge(*this, o); }
Tensor Tensor::ge(Scalar o) const { return descent::ge(*this, wrap(o, *this)); }
Tensor Tensor::logical_and(const Tensor& o) const { return descent::logical_and(*this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return descent::logical_or(*this, o); }
Tensor Tensor::logical_xor(const Tensor& o) const { return descent::logical_xor(*this, o); }
Tensor Tensor::logical_not() const { return descent::logical_not(*this); }
Tensor Tensor::isnan() const { return descent::isnan(*this); }
Tensor Tensor::isinf() const { return descent::isinf(*this); }
Tensor Tensor::isfinite() const { return descent::isfinite(*this); }

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
