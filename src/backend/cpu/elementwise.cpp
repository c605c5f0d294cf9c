// Element-wise CPU kernels: fill, copy/cast, unary, binary, add_scaled, where, clamp, random.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "cpu_backend.h"
#include "descent/core/generator.h"
#include "loop.h"

namespace descent::backend::cpu {
namespace {

template <typename T>
constexpr bool is_fp = std::is_floating_point_v<T>;

template <typename O, typename A, typename F>
void unary_loop(const Tensor& in, const Tensor& out, int64_t grain, F f) {
  for_each<2>(out.sizes(), {&out, &in}, grain, [&](char** p, const int64_t* s, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const A* a = reinterpret_cast<const A*>(p[1]);
    if (s[0] == sizeof(O) && s[1] == sizeof(A)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    } else if (s[0] == sizeof(O) && s[1] == 0) {
      const O v = f(a[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    } else {
      const int64_t so = s[0] / int64_t(sizeof(O)), sa = s[1] / int64_t(sizeof(A));
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa]);
    }
  });
}

template <typename O, typename A, typename F>
void binary_loop(const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  // All three dense row-major (operands arrive with out's shape): one flat loop, no loop plan.
  // Planning (dim sort and merge) was a tenth of a 64-element add.
  if (out.is_contiguous() && a.is_contiguous() && b.is_contiguous()) {
    O* o = static_cast<O*>(out.raw_data());
    const A* x = static_cast<const A*>(a.raw_data());
    const A* y = static_cast<const A*>(b.raw_data());
    parallel_for(0, out.numel(), kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(x[i], y[i]);
    });
    return;
  }
  for_each<3>(out.sizes(), {&out, &a, &b}, kGrain, [&](char** p, const int64_t* s, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    const A* y = reinterpret_cast<const A*>(p[2]);
    constexpr int64_t so_ = sizeof(O), sa_ = sizeof(A);
    if (s[0] == so_ && s[1] == sa_ && s[2] == sa_) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (s[0] == so_ && s[1] == sa_ && s[2] == 0) {
      const A yv = y[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else if (s[0] == so_ && s[1] == 0 && s[2] == sa_) {
      const A xv = x[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
    } else {
      const int64_t so = s[0] / so_, sx = s[1] / sa_, sy = s[2] / sa_;
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sx], y[i * sy]);
    }
  });
}

template <typename T>
T int_pow(T base, T e) {
  if constexpr (std::is_same_v<T, bool>) {
    return e ? base : true;
  } else {
    if (e < 0) {
      if (base == 1) return 1;
      if constexpr (std::is_signed_v<T>) {
        if (base == -1) return (e % 2 == 0) ? 1 : -1;
      }
      return 0;
    }
    T r = 1;
    while (e) {
      if (e & 1) r = static_cast<T>(r * base);
      base = static_cast<T>(base * base);
      e = static_cast<T>(e >> 1);
    }
    return r;
  }
}

template <typename T>
T sigmoid_fn(T x) {
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}

template <typename T>
void unary_typed(UnaryOp op, const Tensor& in, const Tensor& out) {
  // Cheap ops use the large grain; transcendental ones split earlier.
  const int64_t g = kGrain, gt = kGrain / 8;
  switch (op) {
    case UnaryOp::neg:
      if constexpr (std::is_same_v<T, bool>) DESCENT_FAIL("neg: not supported for bool tensors; use logical_not");
      else unary_loop<T, T>(in, out, g, [](T x) { return static_cast<T>(-x); });
      return;
    case UnaryOp::abs:
      unary_loop<T, T>(in, out, g, [](T x) {
        if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return x;
        else return static_cast<T>(x < 0 ? -x : x);
      });
      return;
    case UnaryOp::sign:
      unary_loop<T, T>(in, out, g, [](T x) {
        if constexpr (std::is_same_v<T, bool>) return x;
        else return static_cast<T>((T(0) < x) - (x < T(0)));
      });
      return;
    case UnaryOp::square: unary_loop<T, T>(in, out, g, [](T x) { return static_cast<T>(x * x); }); return;
    case UnaryOp::relu:
      unary_loop<T, T>(in, out, g, [](T x) {
        if constexpr (is_fp<T>) return std::isnan(x) ? x : (x > T(0) ? x : T(0));
        else return x > T(0) ? x : T(0);
      });
      return;
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round:
      if constexpr (is_fp<T>) {
        if (op == UnaryOp::floor) unary_loop<T, T>(in, out, g, [](T x) { return std::floor(x); });
        else if (op == UnaryOp::ceil) unary_loop<T, T>(in, out, g, [](T x) { return std::ceil(x); });
        else unary_loop<T, T>(in, out, g, [](T x) { return std::nearbyint(x); });
      } else {
        unary_loop<T, T>(in, out, g, [](T x) { return x; });
      }
      return;
    case UnaryOp::logical_not: unary_loop<bool, T>(in, out, g, [](T x) { return !static_cast<bool>(x); }); return;
    case UnaryOp::isnan:
      unary_loop<bool, T>(in, out, g, [](T x) {
        if constexpr (is_fp<T>) return std::isnan(x);
        else return (void)x, false;
      });
      return;
    case UnaryOp::isinf:
      unary_loop<bool, T>(in, out, g, [](T x) {
        if constexpr (is_fp<T>) return std::isinf(x);
        else return (void)x, false;
      });
      return;
    case UnaryOp::isfinite:
      unary_loop<bool, T>(in, out, g, [](T x) {
        if constexpr (is_fp<T>) return std::isfinite(x);
        else return (void)x, true;
      });
      return;
    default: break;
  }
  if constexpr (is_fp<T>) {
    switch (op) {
      case UnaryOp::exp: unary_loop<T, T>(in, out, gt, [](T x) { return std::exp(x); }); return;
      case UnaryOp::log: unary_loop<T, T>(in, out, gt, [](T x) { return std::log(x); }); return;
      case UnaryOp::log1p: unary_loop<T, T>(in, out, gt, [](T x) { return std::log1p(x); }); return;
      case UnaryOp::expm1: unary_loop<T, T>(in, out, gt, [](T x) { return std::expm1(x); }); return;
      case UnaryOp::sqrt: unary_loop<T, T>(in, out, g, [](T x) { return std::sqrt(x); }); return;
      case UnaryOp::rsqrt: unary_loop<T, T>(in, out, g, [](T x) { return T(1) / std::sqrt(x); }); return;
      case UnaryOp::reciprocal: unary_loop<T, T>(in, out, g, [](T x) { return T(1) / x; }); return;
      case UnaryOp::sigmoid: unary_loop<T, T>(in, out, gt, [](T x) { return sigmoid_fn(x); }); return;
      case UnaryOp::tanh: unary_loop<T, T>(in, out, gt, [](T x) { return std::tanh(x); }); return;
      case UnaryOp::sin: unary_loop<T, T>(in, out, gt, [](T x) { return std::sin(x); }); return;
      case UnaryOp::cos: unary_loop<T, T>(in, out, gt, [](T x) { return std::cos(x); }); return;
      case UnaryOp::erf: unary_loop<T, T>(in, out, gt, [](T x) { return std::erf(x); }); return;
      default: break;
    }
  }
  DESCENT_FAIL("unary kernel: op ", int(op), " not supported for dtype ", dtype_name(dtype_of<T>));
}

template <typename T>
void binary_typed(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  using B = bool;
  switch (op) {
    case BinaryOp::eq: binary_loop<B, T>(a, b, out, [](T x, T y) { return x == y; }); return;
    case BinaryOp::ne: binary_loop<B, T>(a, b, out, [](T x, T y) { return x != y; }); return;
    case BinaryOp::lt: binary_loop<B, T>(a, b, out, [](T x, T y) { return x < y; }); return;
    case BinaryOp::le: binary_loop<B, T>(a, b, out, [](T x, T y) { return x <= y; }); return;
    case BinaryOp::gt: binary_loop<B, T>(a, b, out, [](T x, T y) { return x > y; }); return;
    case BinaryOp::ge: binary_loop<B, T>(a, b, out, [](T x, T y) { return x >= y; }); return;
    case BinaryOp::logical_and: binary_loop<B, T>(a, b, out, [](T x, T y) { return bool(x) && bool(y); }); return;
    case BinaryOp::logical_or: binary_loop<B, T>(a, b, out, [](T x, T y) { return bool(x) || bool(y); }); return;
    case BinaryOp::logical_xor: binary_loop<B, T>(a, b, out, [](T x, T y) { return bool(x) != bool(y); }); return;
    default: break;
  }
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case BinaryOp::add: binary_loop<T, T>(a, b, out, [](T x, T y) { return x || y; }); return;
      case BinaryOp::mul: binary_loop<T, T>(a, b, out, [](T x, T y) { return x && y; }); return;
      case BinaryOp::minimum: binary_loop<T, T>(a, b, out, [](T x, T y) { return x && y; }); return;
      case BinaryOp::maximum: binary_loop<T, T>(a, b, out, [](T x, T y) { return x || y; }); return;
      default: DESCENT_FAIL("binary kernel: op ", int(op), " not supported for bool tensors");
    }
  } else {
    switch (op) {
      case BinaryOp::add: binary_loop<T, T>(a, b, out, [](T x, T y) { return static_cast<T>(x + y); }); return;
      case BinaryOp::sub: binary_loop<T, T>(a, b, out, [](T x, T y) { return static_cast<T>(x - y); }); return;
      case BinaryOp::mul: binary_loop<T, T>(a, b, out, [](T x, T y) { return static_cast<T>(x * y); }); return;
      case BinaryOp::div:
        if constexpr (is_fp<T>) binary_loop<T, T>(a, b, out, [](T x, T y) { return x / y; });
        else DESCENT_FAIL("binary kernel: integer division reached the kernel (ops promote to float)");
        return;
      case BinaryOp::pow:
        if constexpr (is_fp<T>) binary_loop<T, T>(a, b, out, [](T x, T y) { return std::pow(x, y); });
        else binary_loop<T, T>(a, b, out, [](T x, T y) { return int_pow(x, y); });
        return;
      case BinaryOp::minimum:
        binary_loop<T, T>(a, b, out, [](T x, T y) {
          if constexpr (is_fp<T>) if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
          return y < x ? y : x;
        });
        return;
      case BinaryOp::maximum:
        binary_loop<T, T>(a, b, out, [](T x, T y) {
          if constexpr (is_fp<T>) if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
          return y > x ? y : x;
        });
        return;
      case BinaryOp::relu_backward:
        binary_loop<T, T>(a, b, out, [](T g, T y) { return y > T(0) ? g : T(0); });
        return;
      default: DESCENT_FAIL("binary kernel: unknown op ", int(op));
    }
  }
}

}  // namespace

void CpuBackend::fill(const Tensor& out, Scalar value) {
  DESCENT_DISPATCH_ALL(out.dtype(), "fill", [&] {
    const scalar_t v = value.to<scalar_t>();
    for_each<1>(out.sizes(), {&out}, kGrain, [&](char** p, const int64_t* s, int64_t n) {
      scalar_t* o = reinterpret_cast<scalar_t*>(p[0]);
      const int64_t so = s[0] / int64_t(sizeof(scalar_t));
      if (so == 1) for (int64_t i = 0; i < n; ++i) o[i] = v;
      else for (int64_t i = 0; i < n; ++i) o[i * so] = v;
    });
  });
}

void CpuBackend::copy(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype()) {
    const size_t es = dst.element_size();
    for_each<2>(dst.sizes(), {&dst, &src}, kGrain, [&](char** p, const int64_t* s, int64_t n) {
      if (s[0] == int64_t(es) && s[1] == int64_t(es)) {
        std::memcpy(p[0], p[1], size_t(n) * es);
      } else {
        for (int64_t i = 0; i < n; ++i) std::memcpy(p[0] + i * s[0], p[1] + i * s[1], es);
      }
    });
    return;
  }
  DESCENT_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using D = scalar_t;
    DESCENT_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using S = scalar_t;
      unary_loop<D, S>(src, dst, kGrain, [](S x) {
        if constexpr (std::is_same_v<D, bool>) return x != S(0);
        else return static_cast<D>(x);
      });
    });
  });
}

void CpuBackend::unary(UnaryOp op, const Tensor& in, const Tensor& out) {
  DESCENT_DISPATCH_ALL(in.dtype(), "unary", [&] { unary_typed<scalar_t>(op, in, out); });
}

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  DESCENT_CHECK(a.dtype() == b.dtype(), "binary kernel: operand dtypes differ (", a.dtype(), ", ", b.dtype(), ")");
  DESCENT_DISPATCH_ALL(a.dtype(), "binary", [&] { binary_typed<scalar_t>(op, a, b, out); });
}

void CpuBackend::add_scaled(const Tensor& a, const Tensor& b, Scalar alpha, const Tensor& out) {
  DESCENT_DISPATCH_NUMERIC(a.dtype(), "add", [&] {
    const scalar_t al = alpha.to<scalar_t>();
    if (al == scalar_t(1)) binary_loop<scalar_t, scalar_t>(a, b, out, [](scalar_t x, scalar_t y) { return static_cast<scalar_t>(x + y); });
    else binary_loop<scalar_t, scalar_t>(a, b, out, [al](scalar_t x, scalar_t y) { return static_cast<scalar_t>(x + al * y); });
  });
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  DESCENT_DISPATCH_ALL(out.dtype(), "where", [&] {
    using T = scalar_t;
    for_each<4>(out.sizes(), {&out, &cond, &a, &b}, kGrain, [&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        bool c = *reinterpret_cast<const bool*>(p[1] + i * s[1]);
        *reinterpret_cast<T*>(p[0] + i * s[0]) =
            c ? *reinterpret_cast<const T*>(p[2] + i * s[2]) : *reinterpret_cast<const T*>(p[3] + i * s[3]);
      }
    });
  });
}

void CpuBackend::clamp(const Tensor& in, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& out) {
  DESCENT_DISPATCH_NUMERIC(in.dtype(), "clamp", [&] {
    using T = scalar_t;
    const bool has_lo = lo.has_value(), has_hi = hi.has_value();
    const T l = has_lo ? lo->to<T>() : T(0), h = has_hi ? hi->to<T>() : T(0);
    unary_loop<T, T>(in, out, kGrain, [=](T x) {
      if constexpr (is_fp<T>) if (std::isnan(x)) return x;
      if (has_lo && x < l) x = l;
      if (has_hi && x > h) x = h;
      return x;
    });
  });
}

void CpuBackend::uniform(const Tensor& out, double lo, double hi, uint64_t seed, uint64_t offset) {
  DESCENT_CHECK(out.is_contiguous(), "uniform kernel: output must be contiguous");
  DESCENT_DISPATCH_FLOATING(out.dtype(), "uniform", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    parallel_for(0, out.numel(), 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        scalar_t v = static_cast<scalar_t>(lo + (hi - lo) * Generator::uniform(seed, offset + uint64_t(i)));
        if (v >= static_cast<scalar_t>(hi) && hi > lo) v = std::nextafter(static_cast<scalar_t>(hi), static_cast<scalar_t>(lo));
        o[i] = v;
      }
    });
  });
}

void CpuBackend::normal(const Tensor& out, double mean, double std, uint64_t seed, uint64_t offset) {
  DESCENT_CHECK(out.is_contiguous(), "normal kernel: output must be contiguous");
  DESCENT_DISPATCH_FLOATING(out.dtype(), "normal", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    parallel_for(0, out.numel(), 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        o[i] = static_cast<scalar_t>(mean + std * Generator::normal(seed, offset + uint64_t(i)));
    });
  });
}

void CpuBackend::randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset) {
  DESCENT_CHECK(out.is_contiguous(), "randint kernel: output must be contiguous");
  const uint64_t range = static_cast<uint64_t>(hi - lo);
  DESCENT_DISPATCH_NUMERIC(out.dtype(), "randint", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    parallel_for(0, out.numel(), 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        auto w = Generator::philox(seed, offset + uint64_t(i));
        uint64_t r = (uint64_t(w[0]) << 32 | w[1]) % range;
        o[i] = static_cast<scalar_t>(lo + static_cast<int64_t>(r));
      }
    });
  });
}

}  // namespace descent::backend::cpu
