// Optimizer update kernels: the whole Adam / AdamW step of one parameter in one pass over its
// five arrays (param, grad, exp_avg, exp_avg_sq and, with amsgrad, max_exp_avg_sq), where the
// tensor-op form (optim/adam.cpp, kept for the cases this kernel does not take) makes about ten.
// Elements are independent, so chunks run on the pool and the result does not depend on the
// thread count. The loop is compiled for AVX-512, AVX2 and plain x86-64, picked at load time.
#include <cmath>
#include <type_traits>

#include "cpu_backend.h"
#include "descent/backend/parallel.h"

namespace descent::backend::cpu {
namespace {

// Elements per task: the step is memory-bound, so small parameters stay on the calling thread.
constexpr int64_t kAdamGrain = 1 << 15;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define DESCENT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DESCENT_CLONES
#endif

template <typename T>
inline void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
                       int64_t n, const AdamUpdate& u) {
  const T decay = T(u.decay), sign = T(u.sign), l2 = T(u.l2), b1 = T(u.beta1), c1 = T(1 - u.beta1),
          b2 = T(u.beta2), c2 = T(1 - u.beta2), step = T(u.step), eps = T(u.eps_hat);
  if (vmax) {
    for (int64_t i = 0; i < n; ++i) {
      const T pi = p[i] * decay, d = sign * g[i] + l2 * pi;
      const T mi = b1 * m[i] + c1 * d, vi = b2 * v[i] + c2 * d * d;
      const T vm = vmax[i] > vi ? vmax[i] : vi;
      m[i] = mi, v[i] = vi, vmax[i] = vm;
      p[i] = pi - step * mi / (std::sqrt(vm) + eps);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T pi = p[i] * decay, d = sign * g[i] + l2 * pi;
    const T mi = b1 * m[i] + c1 * d, vi = b2 * v[i] + c2 * d * d;
    m[i] = mi, v[i] = vi;
    p[i] = pi - step * mi / (std::sqrt(vi) + eps);
  }
}

DESCENT_CLONES void adam_f32(float* p, const float* g, float* m, float* v, float* vmax, int64_t n,
                             const AdamUpdate& u) {
  adam_range(p, g, m, v, vmax, n, u);
}
DESCENT_CLONES void adam_f64(double* p, const double* g, double* m, double* v, double* vmax, int64_t n,
                             const AdamUpdate& u) {
  adam_range(p, g, m, v, vmax, n, u);
}

template <typename T>
void adam_typed(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const AdamUpdate& u) {
  T* p = static_cast<T*>(param.raw_data());
  const T* g = static_cast<const T*>(grad.raw_data());
  T* m = static_cast<T*>(exp_avg.raw_data());
  T* v = static_cast<T*>(exp_avg_sq.raw_data());
  T* vmax = u.amsgrad ? static_cast<T*>(max_exp_avg_sq.raw_data()) : nullptr;
  parallel_for(0, param.numel(), kAdamGrain, [&](int64_t lo, int64_t hi) {
    T* vm = vmax ? vmax + lo : nullptr;
    if constexpr (std::is_same_v<T, float>) adam_f32(p + lo, g + lo, m + lo, v + lo, vm, hi - lo, u);
    else adam_f64(p + lo, g + lo, m + lo, v + lo, vm, hi - lo, u);
  });
}

}  // namespace

void CpuBackend::adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                           const Tensor& max_exp_avg_sq, const AdamUpdate& u) {
  const Tensor* all[] = {&param, &grad, &exp_avg, &exp_avg_sq, u.amsgrad ? &max_exp_avg_sq : &param};
  for (const Tensor* t : all)
    DESCENT_CHECK(t->defined() && t->is_contiguous() && t->sizes() == param.sizes() && t->dtype() == param.dtype() &&
                      (t->dtype() == DType::Float32 || t->dtype() == DType::Float64),
                  "adam_step kernel: param, grad and state must be contiguous ", param.sizes(), " ", param.dtype(),
                  "; got ", t->defined() ? t->sizes() : Shape{}, " ", t->defined() ? t->dtype() : param.dtype());
  if (param.dtype() == DType::Float32) adam_typed<float>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, u);
  else adam_typed<double>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, u);
}

}  // namespace descent::backend::cpu
