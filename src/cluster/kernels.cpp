// Shared k-means kernels; see kernels.h. The GEMM of each block goes through the backend
// interface; the rest is plain loops that GCC vectorises at -O3.
#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/backend/backend.h"
#include "descent/backend/parallel.h"
#include "descent/core/error.h"
#include "descent/ops/ops.h"

// OpenBLAS's thread control, when the BLAS is OpenBLAS (weak: absent with another BLAS).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads(void) __attribute__((weak));

namespace descent::cluster::detail {
namespace {

template <typename T>
constexpr DType dtype_of() {
  return std::is_same_v<T, float> ? kFloat32 : kFloat64;
}

// Slot layout: nslots contiguous ranges of chunks. Depends only on (n, k, d), never on threads.
struct Slots {
  int64_t nchunks, nslots;
  int64_t chunk_begin(int64_t s) const { return s * nchunks / nslots; }
};

Slots make_slots(int64_t n, int64_t k, int64_t d, bool with_sums) {
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  int64_t nslots = std::min<int64_t>(16, std::max<int64_t>(1, nchunks));
  if (with_sums) {
    // Each slot holds its own [k, d] double sums: keep them under 64 MiB together.
    const int64_t per = std::max<int64_t>(1, k * d * int64_t(sizeof(double)));
    nslots = std::max<int64_t>(1, std::min<int64_t>(nslots, (int64_t(64) << 20) / per));
  }
  return {nchunks, nslots};
}

// dot [m, k] = x [m, d] @ c [k, d]^T through the backend GEMM.
template <typename T>
void block_dot(const T* x, int64_t m, int64_t d, const T* c, int64_t k, T* dot) {
  const DType dt = dtype_of<T>();
  Tensor a = from_blob(const_cast<T*>(x), {m, d}, dt);
  Tensor b = from_blob(const_cast<T*>(c), {k, d}, dt).t();
  Tensor o = from_blob(dot, {m, k}, dt);
  backend::get(kCPU).gemm(a, b, o, 1.0, 0.0);
}

}  // namespace

DType work_dtype(const Tensor& x) { return x.dtype() == kFloat64 ? kFloat64 : kFloat32; }

Tensor as_matrix(const Tensor& x, DType dt, const char* who, const char* what) {
  DESCENT_CHECK(x.defined(), who, ": ", what, " is an undefined tensor");
  DESCENT_CHECK(x.dim() >= 2, who, ": expected ", what, " of shape [N, D] (or [N, ...]), got a ", x.dim(),
                "-d tensor of shape ", x.sizes());
  Tensor m = x.detach().reshape({x.size(0), -1}).to(dt).contiguous();
  const int64_t n = m.size(0), d = m.size(1);
  DESCENT_CHECK(d >= 1, who, ": ", what, " has no features (shape ", x.sizes(), ")");
  auto check = [&](auto* p) {
    for (int64_t i = 0; i < n * d; ++i)
      DESCENT_CHECK(std::isfinite(p[i]), who, ": ", what, " holds a non-finite value (", p[i], ") at row ", i / d,
                    ", column ", i % d);
  };
  if (dt == kFloat64) check(m.data_ptr<double>());
  else check(m.data_ptr<float>());
  return m;
}

template <typename T>
std::vector<T> row_sqnorms(const T* x, int64_t n, int64_t d) {
  std::vector<T> out(static_cast<size_t>(n));
  parallel_for(0, n, 1024, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const T* r = x + i * d;
      double s = 0;
      for (int64_t j = 0; j < d; ++j) s += double(r[j]) * double(r[j]);
      out[size_t(i)] = T(s);
    }
  });
  return out;
}

template <typename T>
AssignOut assign(const T* x, const T* xsq, int64_t n, int64_t d, const T* c, int64_t k, int64_t* labels, T* mind,
                 double* sums, int64_t* counts) {
  const bool with_sums = sums != nullptr;
  const Slots sl = make_slots(n, k, d, with_sums);
  std::vector<T> csq = row_sqnorms(c, k, d);
  std::vector<double> slot_inertia(size_t(sl.nslots), 0.0);
  std::vector<double> slot_sums(with_sums ? size_t(sl.nslots * k * d) : 0);
  std::vector<int64_t> slot_counts(with_sums ? size_t(sl.nslots * k) : 0);
  parallel_for(0, sl.nslots, 1, [&](int64_t s0, int64_t s1) {
    std::vector<T> dot(static_cast<size_t>(kChunk * k));
    for (int64_t s = s0; s < s1; ++s) {
      double* ssum = with_sums ? slot_sums.data() + s * k * d : nullptr;
      int64_t* scnt = with_sums ? slot_counts.data() + s * k : nullptr;
      if (with_sums) {
        std::fill(ssum, ssum + k * d, 0.0);
        std::fill(scnt, scnt + k, int64_t(0));
      }
      double inertia = 0.0;
      for (int64_t ch = sl.chunk_begin(s); ch < sl.chunk_begin(s + 1); ++ch) {
        const int64_t r0 = ch * kChunk, m = std::min(kChunk, n - r0);
        block_dot(x + r0 * d, m, d, c, k, dot.data());
        for (int64_t i = 0; i < m; ++i) {
          const T* di = dot.data() + i * k;
          int64_t best = 0;
          T bv = csq[0] - 2 * di[0];
          for (int64_t j = 1; j < k; ++j) {
            const T v = csq[size_t(j)] - 2 * di[j];
            if (v < bv) { bv = v; best = j; }
          }
          const T dist = std::max(T(0), xsq[r0 + i] + bv);
          labels[r0 + i] = best;
          if (mind) mind[r0 + i] = dist;
          inertia += double(dist);
          if (with_sums) {
            double* dst = ssum + best * d;
            const T* row = x + (r0 + i) * d;
            for (int64_t j = 0; j < d; ++j) dst[j] += double(row[j]);
            ++scnt[best];
          }
        }
      }
      slot_inertia[size_t(s)] = inertia;
    }
  });
  AssignOut out;
  for (double v : slot_inertia) out.inertia += v;
  if (with_sums) {
    parallel_for(0, k * d, 4096, [&](int64_t lo, int64_t hi) {
      for (int64_t e = lo; e < hi; ++e) {
        double acc = 0.0;
        for (int64_t s = 0; s < sl.nslots; ++s) acc += slot_sums[size_t(s * k * d + e)];
        sums[e] = acc;
      }
    });
    for (int64_t j = 0; j < k; ++j) {
      int64_t acc = 0;
      for (int64_t s = 0; s < sl.nslots; ++s) acc += slot_counts[size_t(s * k + j)];
      counts[j] = acc;
    }
  }
  return out;
}

template <typename T>
void sq_dists(const T* x, const T* xsq, int64_t n, int64_t d, const T* p, int64_t m, T* out) {
  std::vector<T> psq = row_sqnorms(p, m, d);
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  parallel_for(0, nchunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      const int64_t r0 = ch * kChunk, rows = std::min(kChunk, n - r0);
      T* o = out + r0 * m;
      block_dot(x + r0 * d, rows, d, p, m, o);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < m; ++j) o[i * m + j] = std::max(T(0), xsq[r0 + i] - 2 * o[i * m + j] + psq[size_t(j)]);
    }
  });
}

template <typename T>
double exact_inertia(const T* x, int64_t n, int64_t d, const T* c, const int64_t* labels) {
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  std::vector<double> part(size_t(nchunks), 0.0);
  parallel_for(0, nchunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      double acc = 0.0;
      for (int64_t i = ch * kChunk; i < std::min(n, (ch + 1) * kChunk); ++i) {
        const T* r = x + i * d;
        const T* ci = c + labels[i] * d;
        double s = 0.0;
        for (int64_t j = 0; j < d; ++j) {
          const double v = double(r[j]) - double(ci[j]);
          s += v * v;
        }
        acc += s;
      }
      part[size_t(ch)] = acc;
    }
  });
  double total = 0.0;
  for (double v : part) total += v;
  return total;
}

template <typename T>
void kmeans_plusplus(const T* x, const T* xsq, int64_t n, int64_t d, int64_t k, Generator& gen, T* centers) {
  const int64_t trials = 2 + int64_t(std::log(double(k)));
  const int64_t first = std::min<int64_t>(n - 1, int64_t(gen.next_uniform() * double(n)));
  std::copy(x + first * d, x + (first + 1) * d, centers);
  std::vector<T> closest(static_cast<size_t>(n));
  sq_dists(x, xsq, n, d, centers, 1, closest.data());
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  auto ordered_sum = [&](auto&& term, int64_t width, std::vector<double>& out) {
    // out[t] = sum_i term(i, t) in a fixed order (per-chunk partials, then chunks in order).
    std::vector<double> part(size_t(nchunks * width), 0.0);
    parallel_for(0, nchunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ++ch)
        for (int64_t i = ch * kChunk; i < std::min(n, (ch + 1) * kChunk); ++i)
          for (int64_t t = 0; t < width; ++t) part[size_t(ch * width + t)] += term(i, t);
    });
    out.assign(size_t(width), 0.0);
    for (int64_t ch = 0; ch < nchunks; ++ch)
      for (int64_t t = 0; t < width; ++t) out[size_t(t)] += part[size_t(ch * width + t)];
  };
  std::vector<double> pot1;
  ordered_sum([&](int64_t i, int64_t) { return double(closest[size_t(i)]); }, 1, pot1);
  double current_pot = pot1[0];
  std::vector<double> cum(static_cast<size_t>(n));
  std::vector<T> cand(static_cast<size_t>(trials * d)), dist(size_t(n * trials));
  std::vector<int64_t> ids(static_cast<size_t>(trials));
  std::vector<double> pots;
  for (int64_t c = 1; c < k; ++c) {
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i) cum[size_t(i)] = acc += double(closest[size_t(i)]);
    for (int64_t t = 0; t < trials; ++t) {
      const double r = gen.next_uniform() * current_pot;
      int64_t id = std::lower_bound(cum.begin(), cum.end(), r) - cum.begin();
      ids[size_t(t)] = std::min(id, n - 1);
      std::copy(x + ids[size_t(t)] * d, x + (ids[size_t(t)] + 1) * d, cand.data() + t * d);
    }
    sq_dists(x, xsq, n, d, cand.data(), trials, dist.data());
    ordered_sum([&](int64_t i, int64_t t) { return double(std::min(closest[size_t(i)], dist[size_t(i * trials + t)])); },
                trials, pots);
    int64_t best = 0;
    for (int64_t t = 1; t < trials; ++t)
      if (pots[size_t(t)] < pots[size_t(best)]) best = t;
    current_pot = pots[size_t(best)];
    for (int64_t i = 0; i < n; ++i) closest[size_t(i)] = std::min(closest[size_t(i)], dist[size_t(i * trials + best)]);
    std::copy(x + ids[size_t(best)] * d, x + (ids[size_t(best)] + 1) * d, centers + c * d);
  }
}

template <typename T>
void random_init(const T* x, int64_t n, int64_t d, int64_t k, Generator& gen, T* centers) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[size_t(i)] = i;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = i + std::min<int64_t>(n - i - 1, int64_t(gen.next_uniform() * double(n - i)));
    std::swap(perm[size_t(i)], perm[size_t(j)]);
    std::copy(x + perm[size_t(i)] * d, x + (perm[size_t(i)] + 1) * d, centers + i * d);
  }
}

template <typename T>
double mean_variance(const T* x, int64_t n, int64_t d) {
  std::vector<double> mean(size_t(d), 0.0), m2(size_t(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) mean[size_t(j)] += double(x[i * d + j]);
  for (auto& v : mean) v /= double(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const double v = double(x[i * d + j]) - mean[size_t(j)];
      m2[size_t(j)] += v * v;
    }
  double s = 0.0;
  for (double v : m2) s += v / double(n);
  return s / double(d);
}

BlasSingleThread::BlasSingleThread() {
  if (openblas_get_num_threads && openblas_set_num_threads) {
    saved_ = openblas_get_num_threads();
    if (saved_ != 1) openblas_set_num_threads(1);
  }
}
BlasSingleThread::~BlasSingleThread() {
  if (saved_ > 1 && openblas_set_num_threads) openblas_set_num_threads(saved_);
}

ThreadsScope::ThreadsScope(int n) {
  if (n > 0) {
    saved_ = get_num_threads();
    set_num_threads(n);
  }
}
ThreadsScope::~ThreadsScope() {
  if (saved_ > 0) set_num_threads(saved_);
}

#define DESCENT_CLUSTER_INSTANTIATE(T)                                                                        \
  template std::vector<T> row_sqnorms<T>(const T*, int64_t, int64_t);                                         \
  template AssignOut assign<T>(const T*, const T*, int64_t, int64_t, const T*, int64_t, int64_t*, T*, double*, \
                               int64_t*);                                                                     \
  template void sq_dists<T>(const T*, const T*, int64_t, int64_t, const T*, int64_t, T*);                     \
  template double exact_inertia<T>(const T*, int64_t, int64_t, const T*, const int64_t*);                     \
  template void kmeans_plusplus<T>(const T*, const T*, int64_t, int64_t, int64_t, Generator&, T*);            \
  template void random_init<T>(const T*, int64_t, int64_t, int64_t, Generator&, T*);                          \
  template double mean_variance<T>(const T*, int64_t, int64_t);
DESCENT_CLUSTER_INSTANTIATE(float)
DESCENT_CLUSTER_INSTANTIATE(double)

}  // namespace descent::cluster::detail
