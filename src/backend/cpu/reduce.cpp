// Reduction CPU kernels: sum/prod/max/min/all/any over any set of dims, arg max/min along one
// dim, and cumsum. Floating sums accumulate in double; a full reduction is split into fixed-size
// blocks combined in order, so the result does not depend on the thread count.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu_backend.h"
#include "loop.h"

namespace descent::backend::cpu {
namespace {

template <typename T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, std::conditional_t<std::is_same_v<T, bool>, bool, T>>;

template <typename T>
struct SumR {
  using A = acc_t<T>;
  static A init() { return A(0); }
  static A step(A a, T x) { return static_cast<A>(a + static_cast<A>(x)); }
  static A combine(A a, A b) { return static_cast<A>(a + b); }
};
template <typename T>
struct ProdR {
  using A = acc_t<T>;
  static A init() { return A(1); }
  static A step(A a, T x) { return static_cast<A>(a * static_cast<A>(x)); }
  static A combine(A a, A b) { return static_cast<A>(a * b); }
};
template <typename T>
struct MaxR {
  using A = T;
  static A init() {
    if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  static A step(A a, T x) {
    if constexpr (std::is_floating_point_v<T>) if (std::isnan(x) || std::isnan(a)) return std::numeric_limits<T>::quiet_NaN();
    return x > a ? x : a;
  }
  static A combine(A a, A b) { return step(a, b); }
};
template <typename T>
struct MinR {
  using A = T;
  static A init() {
    if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  static A step(A a, T x) {
    if constexpr (std::is_floating_point_v<T>) if (std::isnan(x) || std::isnan(a)) return std::numeric_limits<T>::quiet_NaN();
    return x < a ? x : a;
  }
  static A combine(A a, A b) { return step(a, b); }
};
struct AllR {
  using A = bool;
  static A init() { return true; }
  static A step(A a, bool x) { return a && x; }
  static A combine(A a, A b) { return a && b; }
};
struct AnyR {
  using A = bool;
  static A init() { return false; }
  static A step(A a, bool x) { return a || x; }
  static A combine(A a, A b) { return a || b; }
};

struct Geometry {
  // kept dims (outer) and reduced dims (inner), coalesced
  std::vector<int64_t> ksize, kin, kout;  // sizes, input strides, output strides (elements)
  std::vector<int64_t> rsize, rin;
  int64_t M = 1, R = 1;
};

Geometry plan(const Tensor& in, const Dims& dims, const Tensor& out) {
  Geometry g;
  const int64_t nd = in.dim();
  std::vector<bool> red(size_t(nd), false);
  for (auto d : dims) red[size_t(d)] = true;
  for (int64_t d = 0; d < nd; ++d) {
    int64_t s = in.size(d);
    if (s == 1) continue;
    if (red[size_t(d)]) {
      if (!g.rsize.empty() && g.rin.back() == in.stride(d) * s) {
        g.rsize.back() *= s;
        g.rin.back() = in.stride(d);
      } else {
        g.rsize.push_back(s);
        g.rin.push_back(in.stride(d));
      }
      g.R *= s;
    } else {
      g.ksize.push_back(s);
      g.kin.push_back(in.stride(d));
      g.kout.push_back(out.stride(d));
      g.M *= s;
    }
  }
  return g;
}

// Sum of p[0 .. n) in 8 interleaved partial sums (fixed order: the result depends only on n).
template <typename A, typename T>
inline A sum_run(const T* p, int64_t n) {
  A q[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) q[j] += static_cast<A>(p[i + j]);
  for (; i < n; ++i) q[0] += static_cast<A>(p[i]);
  return ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
}

template <typename T, typename Red>
void reduce_typed(const Tensor& in, const Dims& dims, const Tensor& out) {
  using A = typename Red::A;
  const T* src = static_cast<const T*>(in.raw_data());
  T* dst = static_cast<T*>(out.raw_data());
  if (in.numel() == 0) {  // empty reduction: identity
    const int64_t n = out.numel();
    Tensor o = out;
    for_each<1>(o.sizes(), {&o}, kGrain, [&](char** p, const int64_t* s, int64_t cnt) {
      for (int64_t i = 0; i < cnt; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = static_cast<T>(Red::init());
    });
    (void)n;
    return;
  }
  Geometry g = plan(in, dims, out);
  const size_t kr = g.rsize.size(), kk = g.ksize.size();

  // Full reduction of a contiguous input: fixed blocks, combined in order.
  if (kk == 0 && kr == 1 && g.rin[0] == 1) {
    constexpr int64_t kBlock = 16384;
    const int64_t nb = (g.R + kBlock - 1) / kBlock;
    // uint8_t for bool: threads write neighbouring slots, which vector<bool> would pack into one word.
    std::vector<std::conditional_t<std::is_same_v<A, bool>, uint8_t, A>> part(static_cast<size_t>(nb));
    parallel_for(0, nb, 4, [&](int64_t b, int64_t e) {
      for (int64_t bi = b; bi < e; ++bi) {
        const int64_t lo = bi * kBlock, hi = std::min(g.R, lo + kBlock);
        A a = Red::init();
        if constexpr (std::is_same_v<Red, SumR<T>> && std::is_floating_point_v<T>) {
          // 8 independent partial sums vectorise and keep rounding error low.
          A p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          int64_t i = lo;
          for (; i + 8 <= hi; i += 8)
            for (int j = 0; j < 8; ++j) p[j] += static_cast<A>(src[i + j]);
          for (; i < hi; ++i) p[0] += static_cast<A>(src[i]);
          a = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        } else {
          for (int64_t i = lo; i < hi; ++i) a = Red::step(a, src[i]);
        }
        part[size_t(bi)] = a;
      }
    });
    A a = Red::init();
    for (auto v : part) a = Red::combine(a, static_cast<A>(v));
    *dst = static_cast<T>(a);
    return;
  }

  // Column reduction: reduced dims are outer and the kept block is contiguous in memory, e.g. the
  // bias gradient sum over the batch of [N, D]. Accumulate whole rows.
  if (kk == 1 && kr == 1 && g.kin[0] == 1 && g.rin[0] == g.ksize[0]) {
    const int64_t M = g.M, R = g.R, ko = g.kout[0];
    parallel_for(0, M, std::max<int64_t>(1, kGrain / std::max<int64_t>(R, 1)), [&](int64_t b, int64_t e) {
      std::vector<A> acc(size_t(e - b), Red::init());
      for (int64_t r = 0; r < R; ++r) {
        const T* row = src + r * M;
        for (int64_t m = b; m < e; ++m) acc[size_t(m - b)] = Red::step(acc[size_t(m - b)], row[m]);
      }
      for (int64_t m = b; m < e; ++m) dst[m * ko] = static_cast<T>(acc[size_t(m - b)]);
    });
    return;
  }

  // General: one output element at a time, walking the reduced sub-space.
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(g.R, 1));
  parallel_for(0, g.M, grain, [&](int64_t b, int64_t e) {
    std::vector<int64_t> ridx(kr, 0);
    for (int64_t m = b; m < e; ++m) {
      int64_t rem = m, ioff = 0, ooff = 0;
      for (size_t j = kk; j-- > 0;) {
        int64_t c = rem % g.ksize[j];
        rem /= g.ksize[j];
        ioff += c * g.kin[j];
        ooff += c * g.kout[j];
      }
      A a = Red::init();
      if (kr == 0) {
        a = Red::step(a, src[ioff]);
      } else {
        std::fill(ridx.begin(), ridx.end(), 0);
        const int64_t inner = g.rsize[kr - 1], is = g.rin[kr - 1];
        const int64_t outer = g.R / inner;
        int64_t roff = 0;
        for (int64_t o = 0; o < outer; ++o) {
          const T* p = src + ioff + roff;
          if (is == 1) {
            // A contiguous run (e.g. the H*W plane of a conv bias gradient's sum over {0, 2, 3}):
            // 8 partial sums vectorise, where one running sum waits on each add's latency.
            if constexpr (std::is_same_v<Red, SumR<T>> && std::is_floating_point_v<T>) a += sum_run<A>(p, inner);
            else for (int64_t i = 0; i < inner; ++i) a = Red::step(a, p[i]);
          } else {
            for (int64_t i = 0; i < inner; ++i) a = Red::step(a, p[i * is]);
          }
          for (size_t j = kr - 1; j-- > 0;) {  // advance the outer reduced index
            roff += g.rin[j];
            if (++ridx[j] < g.rsize[j]) break;
            roff -= g.rin[j] * g.rsize[j];
            ridx[j] = 0;
          }
        }
      }
      dst[ooff] = static_cast<T>(a);
    }
  });
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& in, const Dims& dims, const Tensor& out) {
  switch (op) {
    case ReduceOp::All:
      DESCENT_CHECK(in.dtype() == DType::Bool, "all kernel: expects bool input");
      reduce_typed<bool, AllR>(in, dims, out);
      return;
    case ReduceOp::Any:
      DESCENT_CHECK(in.dtype() == DType::Bool, "any kernel: expects bool input");
      reduce_typed<bool, AnyR>(in, dims, out);
      return;
    case ReduceOp::Sum:
      DESCENT_DISPATCH_NUMERIC(in.dtype(), "sum", [&] { reduce_typed<scalar_t, SumR<scalar_t>>(in, dims, out); });
      return;
    case ReduceOp::Prod:
      DESCENT_DISPATCH_NUMERIC(in.dtype(), "prod", [&] { reduce_typed<scalar_t, ProdR<scalar_t>>(in, dims, out); });
      return;
    case ReduceOp::Max:
      DESCENT_DISPATCH_ALL(in.dtype(), "amax", [&] { reduce_typed<scalar_t, MaxR<scalar_t>>(in, dims, out); });
      return;
    case ReduceOp::Min:
      DESCENT_DISPATCH_ALL(in.dtype(), "amin", [&] { reduce_typed<scalar_t, MinR<scalar_t>>(in, dims, out); });
      return;
  }
}

void CpuBackend::arg_reduce(bool is_max, const Tensor& in, int64_t dim, const Tensor& values, const Tensor& indices) {
  // values/indices have keepdim shape (size 1 at dim).
  const int64_t nd = in.dim();
  const int64_t L = in.size(dim), ls = in.stride(dim);
  std::vector<int64_t> osz, istr, vstr, xstr;
  for (int64_t d = 0; d < nd; ++d) {
    if (d == dim) continue;
    osz.push_back(in.size(d));
    istr.push_back(in.stride(d));
    vstr.push_back(values.stride(d));
    xstr.push_back(indices.stride(d));
  }
  int64_t M = 1;
  for (auto s : osz) M *= s;
  int64_t* ip = indices.data_ptr<int64_t>();
  DESCENT_DISPATCH_ALL(in.dtype(), "max/min", [&] {
    using T = scalar_t;
    const T* src = static_cast<const T*>(in.raw_data());
    T* vp = static_cast<T*>(values.raw_data());
    parallel_for(0, M, std::max<int64_t>(1, kGrain / std::max<int64_t>(L, 1)), [&](int64_t b, int64_t e) {
      for (int64_t m = b; m < e; ++m) {
        int64_t rem = m, io = 0, vo = 0, xo = 0;
        for (size_t j = osz.size(); j-- > 0;) {
          int64_t c = rem % osz[j];
          rem /= osz[j];
          io += c * istr[j];
          vo += c * vstr[j];
          xo += c * xstr[j];
        }
        T best = src[io];
        int64_t bi = 0;
        for (int64_t i = 1; i < L; ++i) {
          T v = src[io + i * ls];
          if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(best)) break;
            if (std::isnan(v)) { best = v; bi = i; break; }
          }
          if (is_max ? (v > best) : (v < best)) { best = v; bi = i; }
        }
        vp[vo] = best;
        ip[xo] = bi;
      }
    });
  });
}

void CpuBackend::cumsum(const Tensor& in, int64_t dim, const Tensor& out) {
  const int64_t nd = in.dim();
  const int64_t L = in.size(dim), ls = in.stride(dim), los = out.stride(dim);
  std::vector<int64_t> osz, istr, ostr;
  for (int64_t d = 0; d < nd; ++d) {
    if (d == dim) continue;
    osz.push_back(in.size(d));
    istr.push_back(in.stride(d));
    ostr.push_back(out.stride(d));
  }
  int64_t M = 1;
  for (auto s : osz) M *= s;
  DESCENT_DISPATCH_NUMERIC(in.dtype(), "cumsum", [&] {
    using T = scalar_t;
    using A = acc_t<T>;
    const T* src = static_cast<const T*>(in.raw_data());
    T* dst = static_cast<T*>(out.raw_data());
    parallel_for(0, M, std::max<int64_t>(1, kGrain / std::max<int64_t>(L, 1)), [&](int64_t b, int64_t e) {
      for (int64_t m = b; m < e; ++m) {
        int64_t rem = m, io = 0, oo = 0;
        for (size_t j = osz.size(); j-- > 0;) {
          int64_t c = rem % osz[j];
          rem /= osz[j];
          io += c * istr[j];
          oo += c * ostr[j];
        }
        A a = 0;
        for (int64_t i = 0; i < L; ++i) {
          a = static_cast<A>(a + static_cast<A>(src[io + i * ls]));
          dst[oo + i * los] = static_cast<T>(a);
        }
      }
    });
  });
}

}  // namespace descent::backend::cpu
