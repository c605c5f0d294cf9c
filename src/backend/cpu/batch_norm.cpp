// Batch normalisation CPU kernels: per-channel statistics, the normalise + affine pass, and the
// two backward passes (per-channel sums of dy and dy * xhat, then dx), for [N, C, *] activations
// dense in row-major (NCHW) memory or, for 4-D, channels-last (NHWC).
//
// Fast kernels see an activation either as planes [outer, C, inner] (NCHW with inner > 1: one
// channel's values are `outer` contiguous runs of `inner`; channels run in parallel) or as rows
// [R, C] (channels-last, and [N, C] inputs: each row is a contiguous vector over C; blocks of rows
// run in parallel, each with its own partial sums, reduced in block order). Block sizes depend on
// the shape only, so results are identical for any thread count. Statistics accumulate in double;
// the variance takes two passes (mean, then squared deviations) and so has no cancellation.
// Reference kernels are one plain loop over the tensors' own strides; tests compare the two.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu_backend.h"
#include "cpu_features.h"
#include "descent/backend/parallel.h"

namespace descent::backend::cpu {
namespace {

bool is_cl(const Tensor& t) { return !t.is_contiguous() && t.is_contiguous(MemoryFormat::ChannelsLast); }

// How one call's activations are laid out: planes [outer, C, inner] or rows [outer, C].
struct BGeom {
  int64_t C = 0, M = 0, outer = 0, inner = 1;
  bool rows = false;
  MemoryFormat fmt = MemoryFormat::Contiguous;
};

// Validates x and the other activations of a call (same shape, dtype and memory format as x).
BGeom make_bgeom(const char* kernel, const Tensor& x, std::initializer_list<const Tensor*> others) {
  DESCENT_CHECK(x.defined() && x.dim() >= 2, kernel, ": expected an [N, C, *] activation, got ",
                x.defined() ? x.sizes() : Shape{});
  DESCENT_CHECK(x.dtype() == DType::Float32 || x.dtype() == DType::Float64, kernel,
                ": expected float32 or float64, got ", x.dtype());
  BGeom g;
  g.C = x.size(1);
  g.M = g.C == 0 ? 0 : x.numel() / g.C;
  g.fmt = is_cl(x) ? MemoryFormat::ChannelsLast : MemoryFormat::Contiguous;
  DESCENT_CHECK(x.is_contiguous(g.fmt), kernel, ": input ", x.sizes(), " (strides ", x.strides(),
                ") must be dense in row-major or channels-last memory");
  for (const Tensor* t : others) {
    if (!t->defined()) continue;
    DESCENT_CHECK(t->sizes() == x.sizes() && t->dtype() == x.dtype() && t->is_contiguous(g.fmt), kernel,
                  ": activation ", t->sizes(), " ", t->dtype(), " (strides ", t->strides(), ") does not share input ",
                  x.sizes(), " ", x.dtype(), "'s layout (strides ", x.strides(), ")");
  }
  if (g.fmt == MemoryFormat::ChannelsLast) {
    g.rows = true;
    g.outer = g.C == 0 ? 0 : g.M;
  } else {
    g.outer = x.size(0);
    g.inner = x.size(0) * g.C == 0 ? 0 : x.numel() / (x.size(0) * g.C);
    g.rows = g.inner == 1;  // [N, C]: a plane per channel would be a strided gather
  }
  return g;
}

// A per-channel vector [C] (any stride, x's dtype) read into doubles; an undefined one gives `fallback`.
template <typename T>
std::vector<double> read_vec(const Tensor& v, int64_t C, double fallback, const char* kernel, const char* what) {
  std::vector<double> out(size_t(C), fallback);
  if (!v.defined()) return out;
  DESCENT_CHECK(v.dim() == 1 && v.size(0) == C && v.dtype() == dtype_of<T>, kernel, ": ", what, " must be [", C,
                "] of dtype ", dtype_of<T>, ", got ", v.sizes(), " ", v.dtype());
  const T* p = v.data_ptr<T>();
  for (int64_t c = 0; c < C; ++c) out[size_t(c)] = double(p[c * v.stride(0)]);
  return out;
}

template <typename T>
void write_vec(const Tensor& v, const std::vector<double>& val, const char* kernel, const char* what) {
  const int64_t C = int64_t(val.size());
  DESCENT_CHECK(v.defined() && v.dim() == 1 && v.size(0) == C && v.dtype() == dtype_of<T>, kernel, ": ", what,
                " must be [", C, "] of dtype ", dtype_of<T>);
  T* p = v.data_ptr<T>();
  for (int64_t c = 0; c < C; ++c) p[c * v.stride(0)] = T(val[size_t(c)]);
}

// Per-channel vectors in the kernel's element type, for the element loops.
template <typename T>
std::vector<T> as_t(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// ---- contiguous-run helpers ----
// Eight independent double accumulators (two 4-lane vectors, GCC vector extensions): the adds are
// throughput-bound, not latency-bound. The lanes are combined in a fixed order, so every
// instruction set gives the same bits.
using v4f = float __attribute__((vector_size(16)));
using v4d = double __attribute__((vector_size(32)));
// Vectors travel by reference only (a by-value 32-byte vector would change the ABI without AVX).
[[gnu::always_inline]] inline void load4(const float* p, v4d& out) {
  v4f v;
  std::memcpy(&v, p, sizeof v);
  out = __builtin_convertvector(v, v4d);
}
[[gnu::always_inline]] inline void load4(const double* p, v4d& out) { std::memcpy(&out, p, sizeof out); }
[[gnu::always_inline]] inline double lanes_total(const v4d& a, const v4d& b) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((b[0] + b[1]) + (b[2] + b[3]));
}

template <typename T>
[[gnu::always_inline]] inline double run_sum_t(const T* p, int64_t n) {
  v4d a0 = {}, a1 = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v4d v0, v1;
    load4(p + i, v0), load4(p + i + 4, v1);
    a0 += v0, a1 += v1;
  }
  for (; i < n; ++i) a0[0] += double(p[i]);
  return lanes_total(a0, a1);
}
template <typename T>
[[gnu::always_inline]] inline double run_sqdev_t(const T* p, int64_t n, double m) {
  v4d a0 = {}, a1 = {};
  const v4d mv = {m, m, m, m};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v4d d0, d1;
    load4(p + i, d0), load4(p + i + 4, d1);
    d0 -= mv, d1 -= mv;
    a0 += d0 * d0, a1 += d1 * d1;
  }
  for (; i < n; ++i) {
    const double d = double(p[i]) - m;
    a0[0] += d * d;
  }
  return lanes_total(a0, a1);
}
// (sum dy, sum dy * (x - m)) over one run, added to sdy and sdot.
template <typename T>
[[gnu::always_inline]] inline void run_dot_t(const T* dy, const T* x, int64_t n, double m, double& sdy, double& sdot) {
  v4d s0 = {}, s1 = {}, d0 = {}, d1 = {};
  const v4d mv = {m, m, m, m};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v4d g0, g1, x0, x1;
    load4(dy + i, g0), load4(dy + i + 4, g1), load4(x + i, x0), load4(x + i + 4, x1);
    s0 += g0, s1 += g1;
    d0 += g0 * (x0 - mv), d1 += g1 * (x1 - mv);
  }
  for (; i < n; ++i) {
    const double g = double(dy[i]);
    s0[0] += g, d0[0] += g * (double(x[i]) - m);
  }
  sdy += lanes_total(s0, s1);
  sdot += lanes_total(d0, d1);
}

// Rows layout: one row's contribution to per-channel sums.
template <typename T>
[[gnu::always_inline]] inline void row_sum_t(const T* p, double* acc, int64_t C) {
  for (int64_t c = 0; c < C; ++c) acc[c] += double(p[c]);
}
template <typename T>
[[gnu::always_inline]] inline void row_sqdev_t(const T* p, const double* m, double* acc, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const double d = double(p[c]) - m[c];
    acc[c] += d * d;
  }
}
template <typename T>
[[gnu::always_inline]] inline void row_dot_t(const T* gp, const T* xp, const double* m, double* sdy, double* sdot,
                                             int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const double gv = double(gp[c]);
    sdy[c] += gv;
    sdot[c] += gv * (double(xp[c]) - m[c]);
  }
}

// The same helpers compiled for AVX2 (four doubles per instruction instead of SSE2's two: the
// float-to-double conversions make these loops compute-bound), picked at run time; the library
// itself is built for baseline x86-64. Lane order and summation order are unchanged.
#if defined(__x86_64__) && defined(__GNUC__)
#define DESCENT_BN_AVX2 1
#define BN_AVX2_HELPERS(T)                                                                                        \
  [[gnu::target("avx2")]] double run_sum_avx2(const T* p, int64_t n) { return run_sum_t(p, n); }                 \
  [[gnu::target("avx2")]] double run_sqdev_avx2(const T* p, int64_t n, double m) { return run_sqdev_t(p, n, m); } \
  [[gnu::target("avx2")]] void run_dot_avx2(const T* dy, const T* x, int64_t n, double m, double& sdy,           \
                                            double& sdot) {                                                     \
    run_dot_t(dy, x, n, m, sdy, sdot);                                                                          \
  }                                                                                                             \
  [[gnu::target("avx2")]] void row_sum_avx2(const T* p, double* acc, int64_t C) { row_sum_t(p, acc, C); }       \
  [[gnu::target("avx2")]] void row_sqdev_avx2(const T* p, const double* m, double* acc, int64_t C) {            \
    row_sqdev_t(p, m, acc, C);                                                                                  \
  }                                                                                                             \
  [[gnu::target("avx2")]] void row_dot_avx2(const T* gp, const T* xp, const double* m, double* sdy, double* sdot, \
                                            int64_t C) {                                                        \
    row_dot_t(gp, xp, m, sdy, sdot, C);                                                                         \
  }
BN_AVX2_HELPERS(float)
BN_AVX2_HELPERS(double)
#undef BN_AVX2_HELPERS
bool has_avx2() { return cpu_avx2(); }
#define BN_DISPATCH(name, ...)                     \
  if (has_avx2()) return name##_avx2(__VA_ARGS__); \
  return name##_t(__VA_ARGS__);
#else
#define BN_DISPATCH(name, ...) return name##_t(__VA_ARGS__);
#endif

template <typename T>
double run_sum(const T* p, int64_t n) { BN_DISPATCH(run_sum, p, n) }
template <typename T>
double run_sqdev(const T* p, int64_t n, double m) { BN_DISPATCH(run_sqdev, p, n, m) }
template <typename T>
void run_dot(const T* dy, const T* x, int64_t n, double m, double& sdy, double& sdot) {
  BN_DISPATCH(run_dot, dy, x, n, m, sdy, sdot)
}
template <typename T>
void row_sum(const T* p, double* acc, int64_t C) { BN_DISPATCH(row_sum, p, acc, C) }
template <typename T>
void row_sqdev(const T* p, const double* m, double* acc, int64_t C) { BN_DISPATCH(row_sqdev, p, m, acc, C) }
template <typename T>
void row_dot(const T* gp, const T* xp, const double* m, double* sdy, double* sdot, int64_t C) {
  BN_DISPATCH(row_dot, gp, xp, m, sdy, sdot, C)
}
#undef BN_DISPATCH

// Rows per block of a rows-layout reduction: about 16k elements, fixed by the shape alone.
int64_t row_block(int64_t C) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)); }

// Rows layout: per-block partial sums of f(row pointer(s), acc[C]) reduced in block order into out[C].
template <typename F>
std::vector<double> rows_reduce(const BGeom& g, int64_t width, F&& f) {
  const int64_t B = row_block(g.C), nb = (g.outer + B - 1) / B;
  std::vector<double> part(size_t(nb * width), 0.0);
  parallel_for(0, nb, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      double* acc = part.data() + b * width;
      const int64_t r1 = std::min(g.outer, (b + 1) * B);
      for (int64_t r = b * B; r < r1; ++r) f(r, acc);
    }
  });
  std::vector<double> out(size_t(width), 0.0);
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t k = 0; k < width; ++k) out[size_t(k)] += part[size_t(b * width + k)];
  return out;
}

// Channels per parallel chunk of a planes-layout pass: enough work to pay for a wake-up.
int64_t channel_grain(const BGeom& g) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(g.M, 1)); }

// ---- fast kernels ----
template <typename T>
void stats_fast(const BGeom& g, const T* x, std::vector<double>& mean, std::vector<double>& var) {
  const int64_t C = g.C;
  const double inv_m = 1.0 / double(g.M);
  if (!g.rows) {
    parallel_for(0, C, channel_grain(g), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double s = 0;
        for (int64_t n = 0; n < g.outer; ++n) s += run_sum(x + (n * C + c) * g.inner, g.inner);
        const double m = s * inv_m;
        double q = 0;
        for (int64_t n = 0; n < g.outer; ++n) q += run_sqdev(x + (n * C + c) * g.inner, g.inner, m);
        mean[size_t(c)] = m;
        var[size_t(c)] = q * inv_m;
      }
    });
    return;
  }
  std::vector<double> s = rows_reduce(g, C, [&](int64_t r, double* acc) {
    row_sum(x + r * C, acc, C);
  });
  for (int64_t c = 0; c < C; ++c) mean[size_t(c)] = s[size_t(c)] * inv_m;
  const double* m = mean.data();
  std::vector<double> q = rows_reduce(g, C, [&](int64_t r, double* acc) {
    row_sqdev(x + r * C, m, acc, C);
  });
  for (int64_t c = 0; c < C; ++c) var[size_t(c)] = q[size_t(c)] * inv_m;
}

// y = (x - mean) * scale + shift per channel, in T (the composed op's order of operations).
template <typename T>
void affine_fast(const BGeom& g, const T* x, const std::vector<T>& mean, const std::vector<T>& scale,
                 const std::vector<T>* shift, T* y) {
  const int64_t C = g.C;
  if (!g.rows) {
    const int64_t S = g.inner;
    parallel_for(0, g.outer * C, std::max<int64_t>(1, 32768 / std::max<int64_t>(S, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t c = p % C;
        const T m = mean[size_t(c)], k = scale[size_t(c)], b = shift ? (*shift)[size_t(c)] : T(0);
        const T* xp = x + p * S;
        T* yp = y + p * S;
        if (shift)
          for (int64_t i = 0; i < S; ++i) yp[i] = (xp[i] - m) * k + b;
        else
          for (int64_t i = 0; i < S; ++i) yp[i] = (xp[i] - m) * k;
      }
    });
    return;
  }
  const T *m = mean.data(), *k = scale.data(), *b = shift ? shift->data() : nullptr;
  parallel_for(0, g.outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xp = x + r * C;
      T* yp = y + r * C;
      if (b)
        for (int64_t c = 0; c < C; ++c) yp[c] = (xp[c] - m[c]) * k[c] + b[c];
      else
        for (int64_t c = 0; c < C; ++c) yp[c] = (xp[c] - m[c]) * k[c];
    }
  });
}

// Per channel: sdy = sum dy, sdot = sum dy * (x - mean).
template <typename T>
void dot_fast(const BGeom& g, const T* dy, const T* x, const std::vector<double>& mean, std::vector<double>& sdy,
              std::vector<double>& sdot) {
  const int64_t C = g.C;
  if (!g.rows) {
    parallel_for(0, C, channel_grain(g), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double s = 0, d = 0;
        for (int64_t n = 0; n < g.outer; ++n) {
          const int64_t o = (n * C + c) * g.inner;
          run_dot(dy + o, x + o, g.inner, mean[size_t(c)], s, d);
        }
        sdy[size_t(c)] = s, sdot[size_t(c)] = d;
      }
    });
    return;
  }
  const double* m = mean.data();
  std::vector<double> r = rows_reduce(g, 2 * C, [&](int64_t row, double* acc) {
    row_dot(dy + row * C, x + row * C, m, acc, acc + C, C);
  });
  for (int64_t c = 0; c < C; ++c) sdy[size_t(c)] = r[size_t(c)], sdot[size_t(c)] = r[size_t(C + c)];
}

// dx = dy * a + (x - mean) * b + k per channel (b, k zero and x unused when x is null).
template <typename T>
void dx_fast(const BGeom& g, const T* dy, const T* x, const std::vector<T>& mean, const std::vector<T>& a,
             const std::vector<T>& b, const std::vector<T>& k, T* dx) {
  const int64_t C = g.C;
  if (!g.rows) {
    const int64_t S = g.inner;
    parallel_for(0, g.outer * C, std::max<int64_t>(1, 32768 / std::max<int64_t>(S, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const size_t c = size_t(p % C);
        const T* gp = dy + p * S;
        T* op = dx + p * S;
        const T av = a[c];
        if (x) {
          const T* xp = x + p * S;
          const T m = mean[c], bv = b[c], kv = k[c];
          for (int64_t i = 0; i < S; ++i) op[i] = gp[i] * av + (xp[i] - m) * bv + kv;
        } else {
          for (int64_t i = 0; i < S; ++i) op[i] = gp[i] * av;
        }
      }
    });
    return;
  }
  const T *m = mean.data(), *ap = a.data(), *bp = b.data(), *kp = k.data();
  parallel_for(0, g.outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* gp = dy + r * C;
      T* op = dx + r * C;
      if (x) {
        const T* xp = x + r * C;
        for (int64_t c = 0; c < C; ++c) op[c] = gp[c] * ap[c] + (xp[c] - m[c]) * bp[c] + kp[c];
      } else {
        for (int64_t c = 0; c < C; ++c) op[c] = gp[c] * ap[c];
      }
    }
  });
}

// ---- reference kernels: one loop over every element through each tensor's own strides ----
// Calls f(c, offsets...) for each element of `shape` in row-major order; offsets follow each tensor's strides.
template <typename F>
void each_element(const Shape& shape, std::initializer_list<const Tensor*> ts, F&& f) {
  const int64_t nd = int64_t(shape.size());
  int64_t numel = 1;
  for (int64_t s : shape) numel *= s;
  std::vector<int64_t> idx(size_t(nd), 0);
  std::vector<const Tensor*> tv(ts);
  std::vector<int64_t> off(tv.size());
  for (int64_t i = 0; i < numel; ++i) {
    int64_t rem = i;
    for (int64_t d = nd - 1; d >= 0; --d) idx[size_t(d)] = rem % shape[size_t(d)], rem /= shape[size_t(d)];
    for (size_t t = 0; t < tv.size(); ++t) {
      off[t] = 0;
      if (!tv[t]->defined()) continue;
      for (int64_t d = 0; d < nd; ++d) off[t] += idx[size_t(d)] * tv[t]->stride(d);
    }
    f(idx[1], off);
  }
}

template <typename T>
void bn_stats(const Tensor& x, const Tensor& mean, const Tensor& var, KernelImpl impl) {
  const char* k = "batch_norm_stats";
  const BGeom g = make_bgeom(k, x, {});
  DESCENT_CHECK(g.M > 0, k, ": no values per channel in input of shape ", x.sizes());
  std::vector<double> m(size_t(g.C), 0.0), v(size_t(g.C), 0.0);
  const T* xp = x.data_ptr<T>();
  if (impl == KernelImpl::Fast) {
    stats_fast<T>(g, xp, m, v);
  } else {
    each_element(x.sizes(), {&x}, [&](int64_t c, const std::vector<int64_t>& o) { m[size_t(c)] += double(xp[o[0]]); });
    for (auto& e : m) e /= double(g.M);
    each_element(x.sizes(), {&x}, [&](int64_t c, const std::vector<int64_t>& o) {
      const double d = double(xp[o[0]]) - m[size_t(c)];
      v[size_t(c)] += d * d;
    });
    for (auto& e : v) e /= double(g.M);
  }
  write_vec<T>(mean, m, k, "mean");
  write_vec<T>(var, v, k, "var");
}

template <typename T>
void bn_forward(const Tensor& x, const Tensor& mean, const Tensor& invstd, const Tensor& weight, const Tensor& bias,
                const Tensor& y, KernelImpl impl) {
  const char* k = "batch_norm_forward";
  const BGeom g = make_bgeom(k, x, {&y});
  DESCENT_CHECK(y.defined(), k, ": output is undefined");
  const std::vector<double> m = read_vec<T>(mean, g.C, 0.0, k, "mean"), is = read_vec<T>(invstd, g.C, 1.0, k, "invstd"),
                            w = read_vec<T>(weight, g.C, 1.0, k, "weight"), b = read_vec<T>(bias, g.C, 0.0, k, "bias");
  const T* xp = x.data_ptr<T>();
  T* yp = y.data_ptr<T>();
  if (impl == KernelImpl::Fast) {
    // scale = invstd * weight rounded to T first, as the composed op does.
    std::vector<T> scale(size_t(g.C));
    for (size_t c = 0; c < scale.size(); ++c) scale[c] = weight.defined() ? T(T(is[c]) * T(w[c])) : T(is[c]);
    const std::vector<T> mt = as_t<T>(m), bt = as_t<T>(b);
    affine_fast<T>(g, xp, mt, scale, bias.defined() ? &bt : nullptr, yp);
    return;
  }
  each_element(x.sizes(), {&x, &y}, [&](int64_t c, const std::vector<int64_t>& o) {
    const size_t cc = size_t(c);
    yp[o[1]] = T((double(xp[o[0]]) - m[cc]) * is[cc] * w[cc] + b[cc]);
  });
}

template <typename T>
void bn_backward_reduce(const Tensor& gy, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                        const Tensor& sum_dy, const Tensor& sum_dy_xhat, KernelImpl impl) {
  const char* k = "batch_norm_backward_reduce";
  const BGeom g = make_bgeom(k, x, {&gy});
  DESCENT_CHECK(gy.defined(), k, ": grad_out is undefined");
  const std::vector<double> m = read_vec<T>(mean, g.C, 0.0, k, "mean"), is = read_vec<T>(invstd, g.C, 1.0, k, "invstd");
  std::vector<double> sdy(size_t(g.C), 0.0), sdot(size_t(g.C), 0.0);
  const T *gp = gy.data_ptr<T>(), *xp = x.data_ptr<T>();
  if (impl == KernelImpl::Fast) {
    dot_fast<T>(g, gp, xp, m, sdy, sdot);
  } else {
    each_element(x.sizes(), {&gy, &x}, [&](int64_t c, const std::vector<int64_t>& o) {
      sdy[size_t(c)] += double(gp[o[0]]);
      sdot[size_t(c)] += double(gp[o[0]]) * (double(xp[o[1]]) - m[size_t(c)]);
    });
  }
  for (size_t c = 0; c < sdot.size(); ++c) sdot[c] *= is[c];
  if (sum_dy.defined()) write_vec<T>(sum_dy, sdy, k, "sum_dy");
  if (sum_dy_xhat.defined()) write_vec<T>(sum_dy_xhat, sdot, k, "sum_dy_xhat");
}

template <typename T>
void bn_backward_input(const Tensor& gy, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                       const Tensor& weight, const Tensor& sum_dy, const Tensor& sum_dy_xhat, const Tensor& gx,
                       KernelImpl impl) {
  const char* k = "batch_norm_backward_input";
  const bool batch_stats = sum_dy.defined() || sum_dy_xhat.defined();
  DESCENT_CHECK(sum_dy.defined() == sum_dy_xhat.defined(), k, ": sum_dy and sum_dy_xhat must both be given or both omitted");
  DESCENT_CHECK(gy.defined() && gx.defined() && (x.defined() || !batch_stats), k,
                ": grad_out, grad_in (and x with batch statistics) must be defined");
  const BGeom g = make_bgeom(k, batch_stats ? x : gy, {&gy, &gx});
  const std::vector<double> is = read_vec<T>(invstd, g.C, 1.0, k, "invstd"), w = read_vec<T>(weight, g.C, 1.0, k, "weight");
  std::vector<double> a(size_t(g.C)), b(size_t(g.C), 0.0), kk(size_t(g.C), 0.0), m(size_t(g.C), 0.0);
  for (size_t c = 0; c < a.size(); ++c) a[c] = is[c] * w[c];
  if (batch_stats) {
    m = read_vec<T>(mean, g.C, 0.0, k, "mean");
    const std::vector<double> sdy = read_vec<T>(sum_dy, g.C, 0.0, k, "sum_dy"),
                              sdx = read_vec<T>(sum_dy_xhat, g.C, 0.0, k, "sum_dy_xhat");
    // dx = a * (dy - sdy / M - xhat * sdx / M), xhat = (x - mean) * invstd
    for (size_t c = 0; c < a.size(); ++c) {
      b[c] = -a[c] * is[c] * sdx[c] / double(g.M);
      kk[c] = -a[c] * sdy[c] / double(g.M);
    }
  }
  const T* gp = gy.data_ptr<T>();
  const T* xp = batch_stats ? x.data_ptr<T>() : nullptr;
  T* op = gx.data_ptr<T>();
  if (impl == KernelImpl::Fast) {
    dx_fast<T>(g, gp, xp, as_t<T>(m), as_t<T>(a), as_t<T>(b), as_t<T>(kk), op);
    return;
  }
  each_element(gy.sizes(), {&gy, &gx, batch_stats ? &x : &gx}, [&](int64_t c, const std::vector<int64_t>& o) {
    const size_t cc = size_t(c);
    double v = double(gp[o[0]]) * a[cc];
    if (xp) v += (double(xp[o[2]]) - m[cc]) * b[cc] + kk[cc];
    op[o[1]] = T(v);
  });
}

}  // namespace

void CpuBackend::batch_norm_stats(const Tensor& x, const Tensor& mean, const Tensor& var, KernelImpl impl) {
  DESCENT_CHECK(x.defined(), "batch_norm_stats: input is undefined");
  if (x.dtype() == DType::Float64) return bn_stats<double>(x, mean, var, impl);
  DESCENT_CHECK(x.dtype() == DType::Float32, "batch_norm_stats: expected float32 or float64, got ", x.dtype());
  bn_stats<float>(x, mean, var, impl);
}

void CpuBackend::batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& invstd, const Tensor& weight,
                                    const Tensor& bias, const Tensor& y, KernelImpl impl) {
  DESCENT_CHECK(x.defined(), "batch_norm_forward: input is undefined");
  if (x.dtype() == DType::Float64) return bn_forward<double>(x, mean, invstd, weight, bias, y, impl);
  DESCENT_CHECK(x.dtype() == DType::Float32, "batch_norm_forward: expected float32 or float64, got ", x.dtype());
  bn_forward<float>(x, mean, invstd, weight, bias, y, impl);
}

void CpuBackend::batch_norm_backward_reduce(const Tensor& grad_out, const Tensor& x, const Tensor& mean,
                                            const Tensor& invstd, const Tensor& sum_dy, const Tensor& sum_dy_xhat,
                                            KernelImpl impl) {
  DESCENT_CHECK(x.defined(), "batch_norm_backward_reduce: input is undefined");
  if (x.dtype() == DType::Float64) return bn_backward_reduce<double>(grad_out, x, mean, invstd, sum_dy, sum_dy_xhat, impl);
  DESCENT_CHECK(x.dtype() == DType::Float32, "batch_norm_backward_reduce: expected float32 or float64, got ", x.dtype());
  bn_backward_reduce<float>(grad_out, x, mean, invstd, sum_dy, sum_dy_xhat, impl);
}

void CpuBackend::batch_norm_backward_input(const Tensor& grad_out, const Tensor& x, const Tensor& mean,
                                           const Tensor& invstd, const Tensor& weight, const Tensor& sum_dy,
                                           const Tensor& sum_dy_xhat, const Tensor& grad_in, KernelImpl impl) {
  DESCENT_CHECK(grad_out.defined(), "batch_norm_backward_input: grad_out is undefined");
  if (grad_out.dtype() == DType::Float64)
    return bn_backward_input<double>(grad_out, x, mean, invstd, weight, sum_dy, sum_dy_xhat, grad_in, impl);
  DESCENT_CHECK(grad_out.dtype() == DType::Float32, "batch_norm_backward_input: expected float32 or float64, got ",
                grad_out.dtype());
  bn_backward_input<float>(grad_out, x, mean, invstd, weight, sum_dy, sum_dy_xhat, grad_in, impl);
}

}  // namespace descent::backend::cpu
