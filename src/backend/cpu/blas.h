#pragma once
// Row-major GEMM through CBLAS, threaded by descent's own pool (private to src/backend/cpu).
//
// OpenBLAS runs single-threaded under descent (thread_pool.cpp sets it so): its worker threads
// yield-spin after each threaded call and then fight descent's pool for the same cores, which cost
// a tenth of the CNN's training time in the scheduler on 2 cores. Instead, a big product is cut
// into row or column panels of C, one serial BLAS call per panel on descent's threads. The panels
// depend on the shape alone (one thread runs the same panels in turn), so every element of C comes
// from the same BLAS call whatever the thread count: results do not depend on it, on any CPU.
#include <cstdint>

namespace descent::backend::cpu {

/// Below this m*n*k a product runs as one serial BLAS call on the calling thread (OpenBLAS's own
/// GEMM_MULTITHREAD_THRESHOLD, 65536 * 4): a fork/join would cost more than it saves.
constexpr double kGemmSerialMnk = 65536.0 * 4;

/// C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C, row-major; op transposes when ta / tb.
/// Threaded over descent's pool when big enough and not already inside a parallel region.
/// K == 0 scales C by beta (0 writes zeros, even over NaN).
void gemm_rowmajor(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                   const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
/// The float64 form of gemm_rowmajor.
void gemm_rowmajor(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
                   const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

}  // namespace descent::backend::cpu
