// Row-major GEMM over CBLAS, cut into panels of C across descent's thread pool (see blas.h).
#include "blas.h"
#include "cpu_features.h"

#include <cblas.h>

#include <algorithm>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "descent/backend/parallel.h"

namespace descent::backend::cpu {
namespace {

template <typename T>
void serial(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
            int64_t ldb, T beta, T* C, int64_t ldc) {
  const auto a = ta ? CblasTrans : CblasNoTrans, b = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, a, b, int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
  else
    cblas_dgemm(CblasRowMajor, a, b, int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

// ---- Batch-1 product y[N] = alpha * x[K] . W[N,K]^T + beta * y: one row of C, B transposed ----
//
// This is nn::Linear at batch 1 (x @ weight.t()). BLAS routes it through its GEMM or GEMV driver,
// whose set-up costs about as much as the arithmetic at 784x256. Here W is read row-major exactly
// once, four rows at a time against the same x vector (4 rows x 2 vectors = 8 independent
// accumulators, enough to hide the FMA latency), and each row's sum is reduced at the end. Rows are
// independent, so the result does not depend on how rows are grouped or threaded.

// Finishes one output: alpha * dot + beta * y (beta 0 writes, even over NaN, as BLAS does).
inline void gemv_store(float* y, float dot, float alpha, float beta) {
  *y = beta == 0.f ? alpha * dot : alpha * dot + beta * *y;
}

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void gemv_t_avx512(int64_t N, int64_t K, float alpha, const float* x,
                                                       const float* W, int64_t ldw, float beta, float* y) {
  const int64_t K32 = K / 32 * 32, K16 = K / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (K - K16)) - 1);
  int64_t j = 0;
  for (; j + 4 <= N; j += 4) {
    const float* w0 = W + j * ldw;
    const float *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t k = 0;
    for (; k < K32; k += 32) {
      const __m512 xa = _mm512_loadu_ps(x + k), xb = _mm512_loadu_ps(x + k + 16);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + k), xa, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + k), xa, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + k), xa, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + k), xa, a3);
      b0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + k + 16), xb, b0);
      b1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + k + 16), xb, b1);
      b2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + k + 16), xb, b2);
      b3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + k + 16), xb, b3);
    }
    for (; k < K16; k += 16) {
      const __m512 xa = _mm512_loadu_ps(x + k);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + k), xa, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + k), xa, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + k), xa, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + k), xa, a3);
    }
    if (tail) {
      const __m512 xa = _mm512_maskz_loadu_ps(tail, x + k);
      b0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + k), xa, b0);
      b1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w1 + k), xa, b1);
      b2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w2 + k), xa, b2);
      b3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w3 + k), xa, b3);
    }
    gemv_store(y + j, _mm512_reduce_add_ps(_mm512_add_ps(a0, b0)), alpha, beta);
    gemv_store(y + j + 1, _mm512_reduce_add_ps(_mm512_add_ps(a1, b1)), alpha, beta);
    gemv_store(y + j + 2, _mm512_reduce_add_ps(_mm512_add_ps(a2, b2)), alpha, beta);
    gemv_store(y + j + 3, _mm512_reduce_add_ps(_mm512_add_ps(a3, b3)), alpha, beta);
  }
  for (; j < N; ++j) {  // the last N % 4 rows, one at a time
    const float* w0 = W + j * ldw;
    __m512 a0 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k < K16; k += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + k), _mm512_loadu_ps(x + k), a0);
    if (tail) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + k), _mm512_maskz_loadu_ps(tail, x + k), a0);
    gemv_store(y + j, _mm512_reduce_add_ps(a0), alpha, beta);
  }
}

__attribute__((target("avx2,fma"))) inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void gemv_t_avx2(int64_t N, int64_t K, float alpha, const float* x,
                                                      const float* W, int64_t ldw, float beta, float* y) {
  const int64_t K8 = K / 8 * 8;
  int64_t j = 0;
  for (; j + 4 <= N; j += 4) {
    const float* w0 = W + j * ldw;
    const float *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t k = 0;
    for (; k < K8; k += 8) {
      const __m256 xa = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), xa, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), xa, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k), xa, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k), xa, a3);
    }
    float s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
    for (; k < K; ++k) {
      s0 += w0[k] * x[k];
      s1 += w1[k] * x[k];
      s2 += w2[k] * x[k];
      s3 += w3[k] * x[k];
    }
    gemv_store(y + j, s0, alpha, beta);
    gemv_store(y + j + 1, s1, alpha, beta);
    gemv_store(y + j + 2, s2, alpha, beta);
    gemv_store(y + j + 3, s3, alpha, beta);
  }
  for (; j < N; ++j) {
    const float* w0 = W + j * ldw;
    __m256 a0 = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k < K8; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), _mm256_loadu_ps(x + k), a0);
    float s0 = hsum256(a0);
    for (; k < K; ++k) s0 += w0[k] * x[k];
    gemv_store(y + j, s0, alpha, beta);
  }
}
#pragma GCC diagnostic pop

enum class Isa { kNone, kAvx2, kAvx512 };
Isa gemv_isa() {
  return cpu_avx512() ? Isa::kAvx512 : cpu_avx2() ? Isa::kAvx2 : Isa::kNone;
}

// The vectorised batch-1 path, or false when the CPU has neither AVX2 nor AVX-512 (BLAS then runs it).
bool gemv_t_fast(int64_t N, int64_t K, float alpha, const float* x, const float* W, int64_t ldw, float beta,
                 float* y) {
  switch (gemv_isa()) {
    case Isa::kAvx512: gemv_t_avx512(N, K, alpha, x, W, ldw, beta, y); return true;
    case Isa::kAvx2: gemv_t_avx2(N, K, alpha, x, W, ldw, beta, y); return true;
    default: return false;
  }
}
#else
enum class Isa { kNone };
inline Isa gemv_isa() { return Isa::kNone; }
bool gemv_t_fast(int64_t, int64_t, float, const float*, const float*, int64_t, float, float*) { return false; }
#endif

// A batch-1 product of at least this many multiply-adds (N * K) is split over the pool: the
// spinning hand-off costs about a microsecond, a 784x256 layer about 5 us on one core.
constexpr double kGemvSplitNk = 131072.0;

// ---- Panels of C, chosen from the shape alone ----
//
// A big product is cut into panels of C along its longer side, one serial BLAS call each. The cut
// depends on M, N and K only, never on the thread count or on the caller being inside a parallel
// region: one thread runs the same panels one after another. So every element of C is computed by
// the same BLAS call on the same operands whatever the threads, and the bits cannot change with
// them, even where BLAS's result for a part of C differs in the last bit from its result for the
// whole (OpenBLAS's Haswell and Zen kernels do: a column panel of a product of transposed operands
// came out differently from the same columns of the one-call product).
//
// Each panel repacks the operand it shares with the others (B for row panels, A for column
// panels), which costs about 1/width of the arithmetic: a panel is at least kPanelMin wide, and
// past kPanelsFew panels at least kPanelMinMany (on a 2048^3 product at one thread, 8 panels cost
// within the noise, 16 panels of 128 about 10%; a 128x128 output over K = 3136, as the bench
// CNN's first Linear layer, runs 1.4x faster on 2 threads as two panels of 64). The count is a
// power of two, so that 2, 4, 8 ... threads get equal shares; threads beyond the count idle in
// that product. Panel edges fall on multiples of 16 (the widest register tile of the AVX-512
// kernels).
constexpr int64_t kPanelAlign = 16;
constexpr int64_t kPanelMin = 64;
constexpr int64_t kPanelsFew = 8;
constexpr int64_t kPanelMinMany = 256;
constexpr int64_t kPanelsMax = 64;

struct Panels {
  bool by_rows = true;   // panels of rows of C (M >= N), else of columns
  int64_t len = 0;       // M or N
  int64_t count = 1;
  // First row (or column) of panel p; begin(count) == len.
  int64_t begin(int64_t p) const {
    const int64_t units = (len + kPanelAlign - 1) / kPanelAlign;
    return std::min(len, units * p / count * kPanelAlign);
  }
};

Panels plan_panels(int64_t M, int64_t N, int64_t K) {
  Panels pl;
  pl.by_rows = M >= N;
  pl.len = pl.by_rows ? M : N;
  if (double(M) * double(N) * double(K) < kGemmSerialMnk) return pl;
  for (int64_t next = 2; next <= kPanelsMax && pl.len / next >= (next <= kPanelsFew ? kPanelMin : kPanelMinMany);
       next *= 2)
    pl.count = next;
  return pl;
}

template <typename T>
void gemm_impl(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
               int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
    return;
  }
  // One row of C against a transposed B (a Linear layer at batch 1) and x contiguous: the
  // register-blocked kernel above. A big layer is cut into row blocks of W across the pool (each
  // core then streams its part of W from its own cache: batch 1 is bound by reading W); blocks
  // are multiples of 4 rows, so every row is summed exactly as in one call, whatever the threads.
  const int threads = get_num_threads();
  if constexpr (std::is_same_v<T, float>) {
    if (M == 1 && tb && (!ta || lda == 1) && K >= 16 && gemv_isa() != Isa::kNone) {
      const int64_t quads = (N + 3) / 4;
      const int64_t parts = threads > 1 && !in_parallel_region() && double(N) * double(K) >= kGemvSplitNk
                                ? std::min<int64_t>(threads, quads)
                                : 1;
      if (parts <= 1) {
        gemv_t_fast(N, K, alpha, A, B, ldb, beta, C);
        return;
      }
      parallel_for(0, parts, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t p = lo; p < hi; ++p) {
          const int64_t r0 = std::min(N, quads * p / parts * 4), r1 = std::min(N, quads * (p + 1) / parts * 4);
          if (r1 > r0) gemv_t_fast(r1 - r0, K, alpha, A, B + r0 * ldb, ldb, beta, C + r0);
        }
      });
      return;
    }
  }
  const Panels pl = plan_panels(M, N, K);
  if (pl.count <= 1) {
    serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  auto run_panel = [&](int64_t p) {
    const int64_t b0 = pl.begin(p), b1 = pl.begin(p + 1);
    if (pl.by_rows) {  // rows b0..b1 of op(A) and C
      const T* Ap = ta ? A + b0 : A + b0 * lda;
      serial(ta, tb, b1 - b0, N, K, alpha, Ap, lda, B, ldb, beta, C + b0 * ldc, ldc);
    } else {  // columns b0..b1 of op(B) and C
      const T* Bp = tb ? B + b0 * ldb : B + b0;
      serial(ta, tb, M, b1 - b0, K, alpha, A, lda, Bp, ldb, beta, C + b0, ldc);
    }
  };
  // parallel_for runs the panels one after another on one thread or inside another parallel
  // region: the same panels, so every element of C comes from the same BLAS call either way.
  parallel_for(0, pl.count, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) run_panel(p);
  });
}

}  // namespace

void gemm_rowmajor(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                   const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_impl(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_rowmajor(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
                   const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  gemm_impl(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace descent::backend::cpu
