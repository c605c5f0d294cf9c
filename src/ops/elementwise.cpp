// Element-wise ops: arithmetic, unary math, comparisons, where/clamp, casts and copies, and the
// in-place variants. Each op's backward sits in its forward function.
#include <cmath>

#include "common.h"

namespace descent {
using autograd::any_requires_grad;
using autograd::record;
using autograd::sum_to;
using backend::BinaryOp;
using backend::UnaryOp;
using ops::be;
using ops::raw_cast;
using ops::raw_expand;

namespace {

using Grads = std::vector<Tensor>;

Tensor binary_values(BinaryOp op, const Tensor& a, const Tensor& b, DType compute, DType out_dt) {
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes());
  Tensor ac = raw_cast(a, compute), bc = raw_cast(b, compute);
  Tensor out = ops::empty_like_layout(shape, out_dt, a.sizes() == shape ? a : b);
  if (out.numel() > 0) be(a).binary(op, raw_expand(ac, shape), raw_expand(bc, shape), out);
  return out;
}

DType float_type(const Tensor& x) { return x.is_floating_point() ? x.dtype() : default_dtype(); }

Tensor unary_values(UnaryOp op, const Tensor& x, DType dt) {
  Tensor xc = raw_cast(x, dt);
  const bool predicate = op >= UnaryOp::logical_not;
  Tensor out = ops::empty_like_layout(x.sizes(), predicate ? DType::Bool : dt, x);
  if (out.numel() > 0) be(x).unary(op, xc, out);
  return out;
}

// Records a one-input op whose gradient is f(grad_output).
template <typename F>
void record_unary(const char* name, const Tensor& x, Tensor& out, F f) {
  if (!any_requires_grad({&x})) return;
  record(name, {&x}, {&out}, [f = std::move(f)](Grads& g) { return Grads{f(g[0])}; });
}

Tensor wrap(Scalar s, DType dt) { return scalar_tensor(s, dt); }

// In-place binary op: a direct kernel write when no gradient is involved, else the out-of-place
// op on a copy of self's old value, copied back (so the old value stays available to backward).
template <typename Direct, typename OutOfPlace>
Tensor& inplace(Tensor& self, const Tensor* other, const char* name, Direct direct, OutOfPlace oop) {
  autograd::check_inplace(self, name);
  if (any_requires_grad({&self, other})) {
    Tensor old = self.clone();
    Tensor r = oop(old);
    DESCENT_CHECK(r.sizes() == self.sizes(), name, ": output with shape ", self.sizes(),
                  " doesn't match the broadcast shape ", r.sizes());
    ops::check_can_cast(r.dtype(), self.dtype(), name);
    return self.copy_(r);
  }
  direct();
  self.storage()->bump_version();
  return self;
}

// An integral tensor cannot take a floating alpha (the scaled operand would be truncated silently).
void check_inplace_alpha(const Tensor& self, Scalar alpha, const char* name) {
  DESCENT_CHECK(self.is_floating_point() || !alpha.is_floating(), name, ": a floating alpha (", alpha.to_double(),
                ") needs a floating tensor, got ", self.dtype());
}

Tensor prepare_other(const Tensor& self, const Tensor& other, const char* name) {
  const Shape shape = broadcast_shapes(self.sizes(), other.sizes());
  DESCENT_CHECK(shape == self.sizes(), name, ": output with shape ", self.sizes(), " doesn't match the broadcast shape ",
                shape);
  ops::check_can_cast(result_type(self, other), self.dtype(), name);
  Tensor o = raw_cast(other, self.dtype());
  if (ops::may_overlap(self, o) && !(o.is_same(self) || (o.strides() == self.strides() &&
                                                         o.storage_offset() == self.storage_offset())))
    o = o.clone().detach();
  return raw_expand(o, self.sizes());
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    DESCENT_CHECK(x == y || x == 1 || y == 1, "shapes ", a, " and ", b, " cannot be broadcast together (", x, " vs ",
                  y, " at dimension ", i, ")");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

// ---- arithmetic ----

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  const DType rt = result_type(a, b);
  DESCENT_CHECK(rt != DType::Bool || alpha.to<bool>(), "add: alpha must be true for bool tensors");
  if (!is_floating(rt)) DESCENT_CHECK(!alpha.is_floating(), "add: a floating alpha needs a floating result, got ", rt);
  // Equal shapes (the common case) skip broadcasting; each shape is compared once (Shape
  // comparisons were a tenth of a 64-element add).
  const bool same = a.sizes() == b.sizes();
  const Shape shape = same ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes());
  const bool a_full = same || a.sizes() == shape, b_full = same || b.sizes() == shape;
  Tensor out = ops::empty_like_layout(shape, rt, a_full ? a : b);
  if (out.numel() > 0) {
    // Operands already of the result's dtype and shape go to the kernel as they are: no view
    // copies (two atomic ref-count updates each) on the small-tensor path.
    Tensor ta, tb;
    const Tensor& ea = a.dtype() == rt && a_full ? a : (ta = raw_expand(raw_cast(a, rt), shape));
    const Tensor& eb = b.dtype() == rt && b_full ? b : (tb = raw_expand(raw_cast(b, rt), shape));
    if (rt == DType::Bool) be(a).binary(BinaryOp::add, ea, eb, out);
    else be(a).add_scaled(ea, eb, alpha, out);
  }
  if (any_requires_grad({&a, &b})) {
    Shape as = a.sizes(), bs = b.sizes();
    const double al = alpha.to_double();
    record("AddBackward", {&a, &b}, {&out}, [as, bs, al](Grads& g) {
      return Grads{sum_to(g[0], as), sum_to(al == 1.0 ? g[0] : g[0] * al, bs)};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  DESCENT_CHECK(a.dtype() != DType::Bool || b.dtype() != DType::Bool,
                "sub: subtraction of two bool tensors is not supported; use logical_xor");
  const DType rt = result_type(a, b);
  if (!is_floating(rt)) DESCENT_CHECK(!alpha.is_floating(), "sub: a floating alpha needs a floating result, got ", rt);
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes());
  Tensor out = ops::empty_like_layout(shape, rt, a.sizes() == shape ? a : b);
  if (out.numel() > 0) {
    Scalar neg = alpha.is_floating() ? Scalar(-alpha.to_double()) : Scalar(-alpha.to_int());
    be(a).add_scaled(raw_expand(raw_cast(a, rt), shape), raw_expand(raw_cast(b, rt), shape), neg, out);
  }
  if (any_requires_grad({&a, &b})) {
    Shape as = a.sizes(), bs = b.sizes();
    const double al = alpha.to_double();
    record("SubBackward", {&a, &b}, {&out}, [as, bs, al](Grads& g) {
      return Grads{sum_to(g[0], as), sum_to(g[0] * (-al), bs)};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  const DType rt = result_type(a, b);
  Tensor out = binary_values(BinaryOp::mul, a, b, rt, rt);
  if (any_requires_grad({&a, &b})) {
    SavedTensor sa(b.requires_grad() ? a : Tensor()), sb(a.requires_grad() ? b : Tensor());
    Shape as = a.sizes(), bs = b.sizes();
    record("MulBackward", {&a, &b}, {&out}, [sa, sb, as, bs](Grads& g) {
      Tensor ga, gb;
      if (sb.defined()) ga = sum_to(g[0] * sb.get("MulBackward"), as);
      if (sa.defined()) gb = sum_to(g[0] * sa.get("MulBackward"), bs);
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType rt = result_type(a, b);
  if (!is_floating(rt)) rt = default_dtype();  // true division
  Tensor out = binary_values(BinaryOp::div, a, b, rt, rt);
  if (any_requires_grad({&a, &b})) {
    SavedTensor sb(b), so(b.requires_grad() ? out : Tensor());
    Shape as = a.sizes(), bs = b.sizes();
    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    record("DivBackward", {&a, &b}, {&out}, [sb, so, as, bs, need_a, need_b](Grads& g) {
      Tensor bv = sb.get("DivBackward");
      Tensor ga, gb;
      if (need_a) ga = sum_to(g[0] / bv, as);
      if (need_b) gb = sum_to(-g[0] * so.get("DivBackward") / bv, bs);
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  const DType rt = result_type(a, b);
  Tensor out = binary_values(BinaryOp::pow, a, b, rt, rt);
  if (any_requires_grad({&a, &b})) {
    SavedTensor sa(a), sb(b), so(b.requires_grad() ? out : Tensor());
    Shape as = a.sizes(), bs = b.sizes();
    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    record("PowBackward", {&a, &b}, {&out}, [sa, sb, so, as, bs, need_a, need_b](Grads& g) {
      Tensor av = sa.get("PowBackward"), bv = sb.get("PowBackward");
      Tensor ga, gb;
      if (need_a) ga = sum_to(where(bv == 0, 0.0, g[0] * bv * pow(av, bv - 1)), as);
      if (need_b) {
        Tensor t = g[0] * so.get("PowBackward") * log(av);
        gb = sum_to(where(logical_and(av == 0, bv >= 0), 0.0, t), bs);
      }
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor pow(const Tensor& a, Scalar e) {
  const DType rt = result_type(a, e);
  if (!e.is_floating() && !is_floating(rt))
    DESCENT_CHECK(e.to_int() >= 0, "pow: integers to negative integer powers are not allowed");
  Tensor out = binary_values(BinaryOp::pow, a, wrap(e, rt), rt, rt);
  if (any_requires_grad({&a})) {
    SavedTensor sa(a);
    const double ev = e.to_double();
    record("PowBackward", {&a}, {&out}, [sa, ev](Grads& g) {
      if (ev == 0.0) return Grads{zeros_like(g[0])};
      Tensor av = sa.get("PowBackward");
      return Grads{g[0] * ev * (ev == 2.0 ? av : pow(av, ev - 1.0))};
    });
  }
  return out;
}

Tensor pow(Scalar base, const Tensor& e) {
  const DType rt = result_type(e, base);
  Tensor out = binary_values(BinaryOp::pow, wrap(base, rt), e, rt, rt);
  if (any_requires_grad({&e})) {
    SavedTensor so(out);
    const double lb = std::log(base.to_double());
    const bool base_zero = base.to_double() == 0.0;
    record("PowBackward", {&e}, {&out}, [so, lb, base_zero](Grads& g) {
      if (base_zero) return Grads{zeros_like(g[0])};
      return Grads{g[0] * so.get("PowBackward") * lb};
    });
  }
  return out;
}

namespace {
Tensor min_max(const Tensor& a, const Tensor& b, bool is_max) {
  const DType rt = result_type(a, b);
  const char* name = is_max ? "MaximumBackward" : "MinimumBackward";
  Tensor out = binary_values(is_max ? BinaryOp::maximum : BinaryOp::minimum, a, b, rt, rt);
  if (any_requires_grad({&a, &b})) {
    SavedTensor sa(a), sb(b);
    Shape as = a.sizes(), bs = b.sizes();
    record(name, {&a, &b}, {&out}, [sa, sb, as, bs, is_max, name](Grads& g) {
      Tensor av = sa.get(name), bv = sb.get(name);
      // Ties split the gradient evenly, as PyTorch does.
      Tensor half = where(av == bv, g[0] * 0.5, g[0]);
      Tensor a_wins = is_max ? av > bv : av < bv, b_wins = is_max ? bv > av : bv < av;
      return Grads{sum_to(where(b_wins, 0.0, half), as), sum_to(where(a_wins, 0.0, half), bs)};
    });
  }
  return out;
}
}  // namespace

Tensor minimum(const Tensor& a, const Tensor& b) { return min_max(a, b, false); }
Tensor maximum(const Tensor& a, const Tensor& b) { return min_max(a, b, true); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  DESCENT_CHECK(cond.dtype() == DType::Bool || cond.dtype() == DType::UInt8, "where: condition must be bool, got ",
                cond.dtype());
  const DType rt = result_type(a, b);
  const Shape shape = broadcast_shapes(cond.sizes(), broadcast_shapes(a.sizes(), b.sizes()));
  Tensor c = raw_cast(cond, DType::Bool);
  Tensor out = ops::empty_like_layout(shape, rt, a.sizes() == shape ? a : b);
  if (out.numel() > 0)
    be(a).where(raw_expand(c, shape), raw_expand(raw_cast(a, rt), shape), raw_expand(raw_cast(b, rt), shape), out);
  if (any_requires_grad({&a, &b})) {
    SavedTensor sc(c);
    Shape as = a.sizes(), bs = b.sizes();
    record("WhereBackward", {&a, &b}, {&out}, [sc, as, bs](Grads& g) {
      Tensor cv = sc.get("WhereBackward");
      Tensor z = zeros({}, g[0].dtype());
      return Grads{sum_to(where(cv, g[0], z), as), sum_to(where(cv, z, g[0]), bs)};
    });
  }
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, Scalar b) { return where(cond, a, wrap(b, result_type(a, b))); }
Tensor where(const Tensor& cond, Scalar a, const Tensor& b) { return where(cond, wrap(a, result_type(b, a)), b); }

// ---- unary ----

Tensor neg(const Tensor& x) {
  DESCENT_CHECK(x.dtype() != DType::Bool, "neg: negation of a bool tensor is not supported; use logical_not");
  Tensor out = unary_values(UnaryOp::neg, x, x.dtype());
  record_unary("NegBackward", x, out, [](const Tensor& g) { return -g; });
  return out;
}

Tensor abs(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::abs, x, x.dtype());
  SavedTensor sx(x);
  record_unary("AbsBackward", x, out, [sx](const Tensor& g) { return g * sign(sx.get("AbsBackward")); });
  return out;
}

Tensor sign(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::sign, x, x.dtype());
  record_unary("SignBackward", x, out, [](const Tensor& g) { return zeros_like(g); });
  return out;
}

Tensor exp(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::exp, x, float_type(x));
  SavedTensor so(out);
  record_unary("ExpBackward", x, out, [so](const Tensor& g) { return g * so.get("ExpBackward"); });
  return out;
}

Tensor log(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::log, x, float_type(x));
  SavedTensor sx(x);
  record_unary("LogBackward", x, out, [sx](const Tensor& g) { return g / sx.get("LogBackward"); });
  return out;
}

Tensor log1p(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::log1p, x, float_type(x));
  SavedTensor sx(x);
  record_unary("Log1pBackward", x, out, [sx](const Tensor& g) { return g / (sx.get("Log1pBackward") + 1); });
  return out;
}

Tensor expm1(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::expm1, x, float_type(x));
  SavedTensor so(out);
  record_unary("Expm1Backward", x, out, [so](const Tensor& g) { return g * (so.get("Expm1Backward") + 1); });
  return out;
}

Tensor sqrt(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::sqrt, x, float_type(x));
  SavedTensor so(out);
  record_unary("SqrtBackward", x, out, [so](const Tensor& g) { return g / (so.get("SqrtBackward") * 2); });
  return out;
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::rsqrt, x, float_type(x));
  SavedTensor so(out);
  record_unary("RsqrtBackward", x, out, [so](const Tensor& g) {
    Tensor o = so.get("RsqrtBackward");
    return g * o * o * o * -0.5;
  });
  return out;
}

Tensor square(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::square, x, x.dtype() == DType::Bool ? DType::Int64 : x.dtype());
  SavedTensor sx(x);
  record_unary("SquareBackward", x, out, [sx](const Tensor& g) { return g * sx.get("SquareBackward") * 2; });
  return out;
}

Tensor reciprocal(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::reciprocal, x, float_type(x));
  SavedTensor so(out);
  record_unary("ReciprocalBackward", x, out, [so](const Tensor& g) {
    Tensor o = so.get("ReciprocalBackward");
    return -g * o * o;
  });
  return out;
}

Tensor sigmoid(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::sigmoid, x, float_type(x));
  SavedTensor so(out);
  record_unary("SigmoidBackward", x, out, [so](const Tensor& g) {
    Tensor o = so.get("SigmoidBackward");
    return g * o * (1 - o);
  });
  return out;
}

Tensor tanh(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::tanh, x, float_type(x));
  SavedTensor so(out);
  record_unary("TanhBackward", x, out, [so](const Tensor& g) {
    Tensor o = so.get("TanhBackward");
    return g * (1 - o * o);
  });
  return out;
}

Tensor relu(const Tensor& x) {
  DESCENT_CHECK(x.dtype() != DType::Bool, "relu: not supported for bool tensors");
  Tensor out = unary_values(UnaryOp::relu, x, x.dtype());
  SavedTensor so(out);
  record_unary("ReluBackward", x, out, [so](const Tensor& g) {
    const Tensor o = so.get("ReluBackward");
    // create_graph: the differentiable form; otherwise one fused pass.
    if (GradMode::is_enabled() && g.requires_grad()) return where(o > 0, g, 0.0);
    return binary_values(BinaryOp::relu_backward, g, o, o.dtype(), o.dtype());
  });
  return out;
}

Tensor sin(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::sin, x, float_type(x));
  SavedTensor sx(x);
  record_unary("SinBackward", x, out, [sx](const Tensor& g) { return g * cos(sx.get("SinBackward")); });
  return out;
}

Tensor cos(const Tensor& x) {
  Tensor out = unary_values(UnaryOp::cos, x, float_type(x));
  SavedTensor sx(x);
  record_unary("CosBackward", x, out, [sx](const Tensor& g) { return -g * sin(sx.get("CosBackward")); });
  return out;
}

namespace {
Tensor rounding(UnaryOp op, const Tensor& x, const char* name) {
  DESCENT_CHECK(x.dtype() != DType::Bool, name, ": not supported for bool tensors");
  Tensor out = unary_values(op, x, x.dtype());
  record_unary(name, x, out, [](const Tensor& g) { return zeros_like(g); });
  return out;
}
}  // namespace
Tensor floor(const Tensor& x) { return rounding(UnaryOp::floor, x, "FloorBackward"); }
Tensor ceil(const Tensor& x) { return rounding(UnaryOp::ceil, x, "CeilBackward"); }
Tensor round(const Tensor& x) { return rounding(UnaryOp::round, x, "RoundBackward"); }

Tensor clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  DESCENT_CHECK(lo || hi, "clamp: at least one of min and max must be given");
  DESCENT_CHECK(x.dtype() != DType::Bool, "clamp: not supported for bool tensors");
  DType rt = x.dtype();
  if (lo) rt = result_type(x, *lo);
  if (hi) rt = promote_types(rt, result_type(x, *hi));
  Tensor xc = raw_cast(x, rt);
  Tensor out = ops::empty_like_layout(x.sizes(), rt, x);
  if (out.numel() > 0) be(x).clamp(xc, lo, hi, out);
  if (any_requires_grad({&x})) {
    SavedTensor sx(x);
    record("ClampBackward", {&x}, {&out}, [sx, lo, hi](Grads& g) {
      Tensor xv = sx.get("ClampBackward");
      Tensor keep = ones_like(xv, DType::Bool);
      if (lo) keep = logical_and(keep, xv >= lo->to_double());
      if (hi) keep = logical_and(keep, xv <= hi->to_double());
      return Grads{where(keep, g[0], 0.0)};
    });
  }
  return out;
}

Tensor clamp(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  // Composed from where(), so gradients flow to x inside [lo, hi] and to the bound outside it.
  Tensor r = x;
  if (lo.defined()) r = where(r < lo, lo, r);
  if (hi.defined()) r = where(r > hi, hi, r);
  return r;
}

// ---- comparisons and logic ----

namespace {
Tensor compare(BinaryOp op, const Tensor& a, const Tensor& b) {
  return binary_values(op, a, b, result_type(a, b), DType::Bool);
}
}  // namespace
Tensor eq(const Tensor& a, const Tensor& b) { return compare(BinaryOp::eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(BinaryOp::ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(BinaryOp::le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(BinaryOp::ge, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return compare(BinaryOp::logical_and, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return compare(BinaryOp::logical_or, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return compare(BinaryOp::logical_xor, a, b); }
Tensor logical_not(const Tensor& x) { return unary_values(UnaryOp::logical_not, x, x.dtype()); }
Tensor isnan(const Tensor& x) { return unary_values(UnaryOp::isnan, x, x.dtype()); }
Tensor isinf(const Tensor& x) { return unary_values(UnaryOp::isinf, x, x.dtype()); }
Tensor isfinite(const Tensor& x) { return unary_values(UnaryOp::isfinite, x, x.dtype()); }

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  if (a.sizes() != b.sizes()) return false;
  NoGradGuard ng;
  Tensor ad = a.to(DType::Float64), bd = b.to(DType::Float64);
  Tensor close = abs(ad - bd) <= (abs(bd) * rtol + atol);
  close = logical_or(close, ad == bd);  // equal infinities
  if (equal_nan) close = logical_or(close, logical_and(isnan(ad), isnan(bd)));
  return close.all().item<bool>();
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  NoGradGuard ng;
  return eq(a, b).all().item<bool>();
}

// ---- operators ----

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, wrap(b, result_type(a, b))); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, wrap(b, result_type(a, b))); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, wrap(b, result_type(a, b))); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, wrap(b, result_type(a, b))); }
Tensor operator+(Scalar a, const Tensor& b) { return add(wrap(a, result_type(b, a)), b); }
Tensor operator-(Scalar a, const Tensor& b) { return sub(wrap(a, result_type(b, a)), b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(wrap(a, result_type(b, a)), b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(wrap(a, result_type(b, a)), b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return eq(a, wrap(b, result_type(a, b))); }
Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, wrap(b, result_type(a, b))); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, wrap(b, result_type(a, b))); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, wrap(b, result_type(a, b))); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, wrap(b, result_type(a, b))); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, wrap(b, result_type(a, b))); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, Scalar b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, Scalar b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, Scalar b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, Scalar b) { return a.div_(b); }

// ---- casts and copies ----

Tensor Tensor::to(DType dt, bool copy) const {
  if (dt == dtype() && !copy) return *this;
  Tensor out = ops::empty_like_layout(sizes(), dt, *this);
  if (out.numel() > 0) be(*this).copy(out, *this);
  if (is_floating(dt) && any_requires_grad({this})) {
    const DType src = dtype();
    record("ToCopyBackward", {this}, {&out}, [src](Grads& g) { return Grads{g[0].to(src)}; });
  }
  return out;
}

Tensor Tensor::clone(MemoryFormat fmt) const {
  Tensor out;
  if (fmt == MemoryFormat::Preserve) out = ops::empty_like_layout(sizes(), dtype(), *this);
  else if (fmt == MemoryFormat::ChannelsLast) out = empty_strided(sizes(), channels_last_strides(sizes()), dtype());
  else out = empty(sizes(), dtype());
  if (out.numel() > 0) be(*this).copy(out, *this);
  if (any_requires_grad({this})) record("CloneBackward", {this}, {&out}, [](Grads& g) { return Grads{g[0]}; });
  return out;
}

Tensor Tensor::contiguous(MemoryFormat fmt) const {
  if (fmt == MemoryFormat::Preserve) return *this;
  if (is_contiguous(fmt)) return *this;
  return clone(fmt);
}

Tensor& Tensor::copy_(const Tensor& src) {
  autograd::check_inplace(*this, "copy_");
  DESCENT_CHECK(src.defined(), "copy_: source is an undefined tensor");
  const Shape target = sizes();
  DESCENT_CHECK(broadcast_shapes(target, src.sizes()) == target, "copy_: source of shape ", src.sizes(),
                " cannot be broadcast to the destination shape ", target);
  Tensor s = src;
  if (ops::may_overlap(*this, s) && !(s.strides() == strides() && s.storage_offset() == storage_offset())) {
    Tensor tmp = empty(s.sizes(), s.dtype());
    be(s).copy(tmp, s);
    s = tmp;
  }
  if (numel() > 0) be(*this).copy(*this, raw_expand(s, target));
  storage()->bump_version();
  if (any_requires_grad({this, &src})) {
    Shape ss = src.sizes();
    const bool src_fp = src.is_floating_point();
    auto node = std::make_shared<FunctionNode>("CopyBackwards", [ss, src_fp](Grads& g) {
      return Grads{Tensor(), src_fp ? sum_to(g[0], ss) : Tensor()};
    });
    autograd::set_history(node, {this, &src}, {});
    autograd::rebase_history(*this, node);
  }
  return *this;
}

// ---- in-place ----

Tensor& Tensor::add_(const Tensor& o, Scalar alpha) {
  check_inplace_alpha(*this, alpha, "add_");
  return inplace(*this, &o, "add_",
                 [&] { be(*this).add_scaled(*this, prepare_other(*this, o, "add_"), alpha, *this); },
                 [&](const Tensor& s) { return descent::add(s, o, alpha); });
}
Tensor& Tensor::add_(Scalar o, Scalar alpha) { return add_(wrap(o, result_type(*this, o)), alpha); }
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) {
  check_inplace_alpha(*this, alpha, "sub_");
  Scalar neg = alpha.is_floating() ? Scalar(-alpha.to_double()) : Scalar(-alpha.to_int());
  return inplace(*this, &o, "sub_",
                 [&] { be(*this).add_scaled(*this, prepare_other(*this, o, "sub_"), neg, *this); },
                 [&](const Tensor& s) { return descent::sub(s, o, alpha); });
}
Tensor& Tensor::sub_(Scalar o, Scalar alpha) { return sub_(wrap(o, result_type(*this, o)), alpha); }
Tensor& Tensor::mul_(const Tensor& o) {
  return inplace(*this, &o, "mul_",
                 [&] { be(*this).binary(BinaryOp::mul, *this, prepare_other(*this, o, "mul_"), *this); },
                 [&](const Tensor& s) { return descent::mul(s, o); });
}
Tensor& Tensor::mul_(Scalar o) { return mul_(wrap(o, result_type(*this, o))); }
Tensor& Tensor::div_(const Tensor& o) {
  ops::check_can_cast(is_floating(result_type(*this, o)) ? result_type(*this, o) : default_dtype(), dtype(), "div_");
  return inplace(*this, &o, "div_",
                 [&] { be(*this).binary(BinaryOp::div, *this, prepare_other(*this, o, "div_"), *this); },
                 [&](const Tensor& s) { return descent::div(s, o); });
}
Tensor& Tensor::div_(Scalar o) { return div_(wrap(o, result_type(*this, o))); }
Tensor& Tensor::pow_(Scalar e) {
  Tensor et = wrap(e, result_type(*this, e));
  return inplace(*this, nullptr, "pow_",
                 [&] { be(*this).binary(BinaryOp::pow, *this, prepare_other(*this, et, "pow_"), *this); },
                 [&](const Tensor& s) { return descent::pow(s, e); });
}

namespace {
Tensor& unary_inplace(Tensor& self, UnaryOp op, bool needs_float, const char* name, Tensor (*f)(const Tensor&)) {
  if (needs_float) ops::check_can_cast(default_dtype(), self.dtype(), name);
  return inplace(self, nullptr, name, [&] { be(self).unary(op, self, self); }, [&](const Tensor& s) { return f(s); });
}
}  // namespace
Tensor& Tensor::neg_() { return unary_inplace(*this, UnaryOp::neg, false, "neg_", &descent::neg); }
Tensor& Tensor::exp_() { return unary_inplace(*this, UnaryOp::exp, true, "exp_", &descent::exp); }
Tensor& Tensor::sqrt_() { return unary_inplace(*this, UnaryOp::sqrt, true, "sqrt_", &descent::sqrt); }
Tensor& Tensor::relu_() { return unary_inplace(*this, UnaryOp::relu, false, "relu_", &descent::relu); }
Tensor& Tensor::sigmoid_() { return unary_inplace(*this, UnaryOp::sigmoid, true, "sigmoid_", &descent::sigmoid); }
Tensor& Tensor::tanh_() { return unary_inplace(*this, UnaryOp::tanh, true, "tanh_", &descent::tanh); }

Tensor& Tensor::clamp_(std::optional<Scalar> lo, std::optional<Scalar> hi) {
  DESCENT_CHECK(lo || hi, "clamp_: at least one of min and max must be given");
  // As PyTorch: an integral tensor clamped to a floating bound would need a floating result.
  DType rt = dtype();
  if (lo) rt = promote_types(rt, result_type(*this, *lo));
  if (hi) rt = promote_types(rt, result_type(*this, *hi));
  ops::check_can_cast(rt, dtype(), "clamp_");
  return inplace(*this, nullptr, "clamp_", [&] { be(*this).clamp(*this, lo, hi, *this); },
                 [&](const Tensor& s) { return descent::clamp(s, lo, hi); });
}

Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  return inplace(*this, nullptr, "masked_fill_",
                 [&] {
                   DESCENT_CHECK(mask.dtype() == DType::Bool, "masked_fill_: mask must be bool, got ", mask.dtype());
                   Tensor m = raw_expand(mask, sizes());
                   Tensor v = raw_expand(wrap(value, dtype()), sizes());
                   be(*this).where(m, v, *this, *this);
                 },
                 [&](const Tensor& s) { return descent::masked_fill(s, mask, value); });
}

Tensor& Tensor::fill_(Scalar value) {
  autograd::check_inplace(*this, "fill_");
  if (any_requires_grad({this})) return copy_(full({}, value, dtype()));
  if (numel() > 0) be(*this).fill(*this, value);
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::uniform_(double from, double to, Generator* gen) {
  DESCENT_CHECK(from <= to, "uniform_: expects from <= to, got from=", from, " to=", to);
  Tensor r = rand(sizes(), dtype(), gen);
  autograd::check_inplace(*this, "uniform_");
  NoGradGuard ng;
  if (from != 0.0 || to != 1.0) r = r * (to - from) + from;
  if (numel() > 0) be(*this).copy(*this, r);
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  DESCENT_CHECK(std >= 0.0, "normal_: expects std >= 0, got ", std);
  Tensor r = randn(sizes(), dtype(), gen);
  autograd::check_inplace(*this, "normal_");
  NoGradGuard ng;
  if (mean != 0.0 || std != 1.0) r = r * std + mean;
  if (numel() > 0) be(*this).copy(*this, r);
  storage()->bump_version();
  return *this;
}

}  // namespace descent
