// Reductions: sum, mean, prod, amax/amin, max/min (with indices), argmax/argmin, var/std,
// logsumexp, norm, all/any, cumsum.
#include <cmath>

#include "common.h"

namespace descent {
using autograd::any_requires_grad;
using autograd::record;
using backend::ReduceOp;
using ops::be;
using ops::raw_cast;

namespace {
using Grads = std::vector<Tensor>;

// Runs the backend reduction and returns the result in keepdim or squeezed shape.
Tensor reduce_values(ReduceOp op, const Tensor& x, const Dims& dims, bool keepdim, DType out_dt) {
  Tensor xin = raw_cast(x, out_dt);
  Shape ks = ops::keepdim_shape(x.sizes(), dims);
  Tensor out = empty(ks, out_dt);
  be(x).reduce(op, xin, dims, out);
  if (!keepdim) out = ops::raw_view(out, ops::reduced_shape(x.sizes(), dims, false),
                                    contiguous_strides(ops::reduced_shape(x.sizes(), dims, false)), 0);
  return out;
}

DType sum_dtype(const Tensor& x, std::optional<DType> dt) {
  if (dt) return *dt;
  return is_floating(x.dtype()) ? x.dtype() : DType::Int64;
}

void check_nonempty(const Tensor& x, const Dims& dims, const char* op) {
  for (auto d : dims)
    DESCENT_CHECK(x.dim() == 0 || x.size(d) > 0, op, ": expected reduction dim ", d,
                  " to have non-zero size (input shape ", x.sizes(), ")");
  DESCENT_CHECK(!dims.empty() || x.numel() > 0 || x.dim() > 0, op, ": cannot reduce an empty tensor");
}
}  // namespace

Tensor sum(const Tensor& x, const Dims& dims_in, bool keepdim, std::optional<DType> dtype) {
  const Dims dims = ops::normalize_dims(dims_in, x.dim(), "sum");
  Tensor out = reduce_values(ReduceOp::Sum, x, dims, keepdim, sum_dtype(x, dtype));
  if (any_requires_grad({&x}) && is_floating(out.dtype())) {
    Shape s = x.sizes();
    record("SumBackward", {&x}, {&out}, [s, dims, keepdim](Grads& g) {
      return Grads{ops::expand_reduced_grad(g[0], s, dims, keepdim)};
    });
  }
  return out;
}

Tensor mean(const Tensor& x, const Dims& dims_in, bool keepdim) {
  DESCENT_CHECK(x.is_floating_point(), "mean: input dtype must be floating point, got ", x.dtype(),
                " (convert with .to(float32))");
  const Dims dims = ops::normalize_dims(dims_in, x.dim(), "mean");
  int64_t n = 1;
  for (auto d : dims) n *= x.size(d);
  Tensor out = reduce_values(ReduceOp::Sum, x, dims, keepdim, x.dtype());
  {
    NoGradGuard ng;
    out.div_(static_cast<double>(n));
  }
  if (any_requires_grad({&x})) {
    Shape s = x.sizes();
    record("MeanBackward", {&x}, {&out}, [s, dims, keepdim, n](Grads& g) {
      return Grads{ops::expand_reduced_grad(g[0] / static_cast<double>(n), s, dims, keepdim)};
    });
  }
  return out;
}

Tensor prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  if (!dim) {
    Tensor flat = x.reshape({-1});
    return prod(flat, 0, false);
  }
  const int64_t d = wrap_dim(*dim, x.dim(), "prod");
  Dims dims;
  if (x.dim() > 0) dims.push_back(d);
  Tensor out = reduce_values(ReduceOp::Prod, x, dims, keepdim, sum_dtype(x, std::nullopt));
  if (any_requires_grad({&x})) {
    SavedTensor sx(x), so(out);
    record("ProdBackward", {&x}, {&out}, [sx, so, dims, keepdim, d](Grads& g) {
      Tensor xv = sx.get("ProdBackward");
      Tensor gx = ops::expand_reduced_grad(g[0], xv.sizes(), dims, keepdim);
      if (xv.dim() == 0) return Grads{gx};
      if ((xv != 0).all().item<bool>()) {
        Tensor ov = ops::expand_reduced_grad(so.get("ProdBackward"), xv.sizes(), dims, keepdim);
        return Grads{gx * ov / xv};
      }
      // With zeros present: product of the others = prefix product * suffix product.
      const int64_t L = xv.size(d);
      std::vector<Tensor> others(static_cast<size_t>(L));
      Tensor pre = ones_like(xv.narrow(d, 0, 1));
      for (int64_t i = 0; i < L; ++i) {
        others[size_t(i)] = pre;
        pre = pre * xv.narrow(d, i, 1);
      }
      Tensor suf = ones_like(xv.narrow(d, 0, 1));
      for (int64_t i = L - 1; i >= 0; --i) {
        others[size_t(i)] = others[size_t(i)] * suf;
        suf = suf * xv.narrow(d, i, 1);
      }
      return Grads{gx * cat(others, d)};
    });
  }
  return out;
}

namespace {
Tensor extreme(const Tensor& x, const Dims& dims_in, bool keepdim, bool is_max, const char* name) {
  const Dims dims = ops::normalize_dims(dims_in, x.dim(), name);
  check_nonempty(x, dims, name);
  Tensor out = reduce_values(is_max ? ReduceOp::Max : ReduceOp::Min, x, dims, keepdim, x.dtype());
  if (any_requires_grad({&x})) {
    SavedTensor sx(x), so(out);
    std::string nm = std::string(name) == "amax" ? "AmaxBackward" : "AminBackward";
    record(nm.c_str(), {&x}, {&out}, [sx, so, dims, keepdim, nm](Grads& g) {
      // Ties share the gradient evenly.
      Tensor xv = sx.get(nm.c_str());
      Tensor ov = ops::expand_reduced_grad(so.get(nm.c_str()), xv.sizes(), dims, keepdim);
      Tensor mask = (xv == ov).to(g[0].dtype());
      Tensor count = mask.sum(dims, true);
      return Grads{ops::expand_reduced_grad(g[0], xv.sizes(), dims, keepdim) * mask / count};
    });
  }
  return out;
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "max" : "min";
  const int64_t d = wrap_dim(dim, x.dim(), name);
  Tensor xx = x.dim() == 0 ? ops::raw_view(x, {1}, {1}, x.storage_offset()) : x;
  DESCENT_CHECK(xx.size(d) > 0, name, ": expected reduction dim ", d, " to have non-zero size (input shape ",
                x.sizes(), ")");
  Shape ks = xx.sizes();
  ks[size_t(d)] = 1;
  Tensor values = empty(ks, x.dtype()), indices = empty(ks, DType::Int64);
  be(x).arg_reduce(is_max, xx, d, values, indices);
  Dims dims;
  dims.push_back(d);
  if (!keepdim || x.dim() == 0) {
    Shape rs = x.dim() == 0 ? Shape{} : ops::reduced_shape(xx.sizes(), dims, false);
    values = ops::raw_view(values, rs, contiguous_strides(rs), 0);
    indices = ops::raw_view(indices, rs, contiguous_strides(rs), 0);
  }
  if (any_requires_grad({&x})) {
    SavedTensor si(indices);
    Shape s = x.sizes();
    const bool kd = keepdim || x.dim() == 0;
    const char* nm = is_max ? "MaxBackward" : "MinBackward";
    record(nm, {&x}, {&values}, [si, s, d, kd, nm](Grads& g) {
      Shape ws = s.empty() ? Shape{1} : s;
      Shape ks2 = ws;
      ks2[size_t(d)] = 1;
      Tensor gi = si.get(nm).reshape(ks2), gg = g[0].reshape(ks2);
      return Grads{zeros(ws, g[0].dtype()).scatter(d, gi, gg).reshape(s)};
    });
  }
  return {values, indices};
}
}  // namespace

Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) { return extreme(x, dims, keepdim, true, "amax"); }
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) { return extreme(x, dims, keepdim, false, "amin"); }
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) { return extreme_dim(x, dim, keepdim, true); }
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) { return extreme_dim(x, dim, keepdim, false); }

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  NoGradGuard ng;
  if (!dim) return max(x.reshape({-1}), 0, false).second;
  return max(x, *dim, keepdim).second;
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  NoGradGuard ng;
  if (!dim) return min(x.reshape({-1}), 0, false).second;
  return min(x, *dim, keepdim).second;
}

Tensor var(const Tensor& x, const Dims& dims_in, int64_t correction, bool keepdim) {
  DESCENT_CHECK(x.is_floating_point(), "var: input dtype must be floating point, got ", x.dtype());
  const Dims dims = ops::normalize_dims(dims_in, x.dim(), "var");
  int64_t n = 1;
  for (auto d : dims) n *= x.size(d);
  Tensor centered = x - x.mean(dims, true);
  return (centered * centered).sum(dims, keepdim) / static_cast<double>(std::max<int64_t>(n - correction, 0));
}

Tensor std(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  return sqrt(var(x, dims, correction, keepdim));
}

Tensor logsumexp(const Tensor& x, const Dims& dims_in, bool keepdim) {
  const Dims dims = ops::normalize_dims(dims_in, x.dim(), "logsumexp");
  Tensor xf = x.is_floating_point() ? x : x.to(default_dtype());
  if (xf.numel() == 0) return log(sum(exp(xf), dims, keepdim));
  Tensor m;
  {
    NoGradGuard ng;
    m = amax(xf, dims, true);
    m = where(isinf(m), 0.0, m);  // all -inf (or +inf) slices: avoid inf - inf
  }
  Tensor r = log(sum(exp(xf - m), dims, true)) + m;
  return keepdim ? r : r.reshape(ops::reduced_shape(xf.sizes(), dims, false));
}

Tensor norm(const Tensor& x, double p, const Dims& dims_in, bool keepdim) {
  DESCENT_CHECK(x.is_floating_point(), "norm: input dtype must be floating point, got ", x.dtype());
  DESCENT_CHECK(p > 0, "norm: p must be positive (1, 2, inf or any p > 0), got ", p);
  const Dims dims = ops::normalize_dims(dims_in, x.dim(), "norm");
  Tensor out;
  {
    NoGradGuard ng;
    Tensor ax = abs(x);
    if (std::isinf(p)) out = x.numel() == 0 ? sum(ax, dims, keepdim) : amax(ax, dims, keepdim);
    else if (p == 1) out = sum(ax, dims, keepdim);
    else if (p == 2) out = sqrt(sum(ax * ax, dims, keepdim));
    else out = pow(sum(pow(ax, p), dims, keepdim), 1.0 / p);
  }
  if (any_requires_grad({&x})) {
    SavedTensor sx(x), so(out);
    record("NormBackward", {&x}, {&out}, [sx, so, p, dims, keepdim](Grads& g) {
      Tensor xv = sx.get("NormBackward");
      Tensor ov = ops::expand_reduced_grad(so.get("NormBackward"), xv.sizes(), dims, keepdim);
      Tensor ge = ops::expand_reduced_grad(g[0], xv.sizes(), dims, keepdim);
      if (p == 1) return Grads{ge * sign(xv)};
      if (std::isinf(p)) {
        Tensor mask = (abs(xv) == ov).to(g[0].dtype());
        return Grads{ge * sign(xv) * mask / mask.sum(dims, true)};
      }
      Tensor r = p == 2 ? xv / ov : xv * pow(abs(xv), p - 2) / pow(ov, p - 1);
      return Grads{ge * where(ov == 0, 0.0, r)};
    });
  }
  return out;
}

Tensor all(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  Dims dims;
  if (dim) dims.push_back(wrap_dim(*dim, x.dim(), "all"));
  dims = ops::normalize_dims(dims, x.dim(), "all");
  return reduce_values(ReduceOp::All, x, dims, keepdim && dim.has_value(), DType::Bool);
}

Tensor any(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  Dims dims;
  if (dim) dims.push_back(wrap_dim(*dim, x.dim(), "any"));
  dims = ops::normalize_dims(dims, x.dim(), "any");
  return reduce_values(ReduceOp::Any, x, dims, keepdim && dim.has_value(), DType::Bool);
}

Tensor cumsum(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "cumsum");
  const DType dt = sum_dtype(x, std::nullopt);
  Tensor xin = raw_cast(x, dt);
  Tensor out = empty(x.sizes(), dt);
  if (x.dim() == 0) out.copy_(xin.detach());
  else if (out.numel() > 0) be(x).cumsum(xin, d, out);
  if (any_requires_grad({&x})) {
    record("CumsumBackward", {&x}, {&out}, [d](Grads& g) {
      if (g[0].dim() == 0) return Grads{g[0]};
      Dims f;
      f.push_back(d);
      return Grads{g[0].flip(f).cumsum(d).flip(f)};
    });
  }
  return out;
}

}  // namespace descent
