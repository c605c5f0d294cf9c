// Row-major GEMM over CBLAS, cut into panels of C across descent's thread pool (see blas.h).
#include "blas.h"

#include <cblas.h>

#include <algorithm>
#include <type_traits>

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

template <typename T>
void gemm_impl(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
               int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
    return;
  }
  const int threads = get_num_threads();
  if (threads <= 1 || in_parallel_region() || double(M) * double(N) * double(K) < kGemmSerialMnk) {
    serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Panels of C along its longer side, in multiples of 16 (the widest register tile of the
  // AVX-512 kernels) so no panel leaves a ragged tile that a single call would not have.
  constexpr int64_t kAlign = 16;
  const bool by_rows = M >= N;
  const int64_t len = by_rows ? M : N;
  const int64_t units = (len + kAlign - 1) / kAlign;
  const int64_t parts = std::min<int64_t>(threads, units);
  if (parts <= 1) {
    serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  parallel_for(0, parts, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const int64_t b0 = std::min(len, (units * p / parts) * kAlign), b1 = std::min(len, (units * (p + 1) / parts) * kAlign);
      if (b1 <= b0) continue;
      if (by_rows) {  // rows b0..b1 of op(A) and C
        const T* Ap = ta ? A + b0 : A + b0 * lda;
        serial(ta, tb, b1 - b0, N, K, alpha, Ap, lda, B, ldb, beta, C + b0 * ldc, ldc);
      } else {  // columns b0..b1 of op(B) and C
        const T* Bp = tb ? B + b0 * ldb : B + b0;
        serial(ta, tb, M, b1 - b0, K, alpha, A, lda, Bp, ldb, beta, C + b0, ldc);
      }
    }
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
