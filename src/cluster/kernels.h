#pragma once
// Shared kernels of the cluster library (private): row-major matrices of T (float or double),
// squared distances by the GEMM trick over blocks of kChunk rows, k-means++ seeding, one Lloyd
// assignment pass with the per-cluster sums. Work is split into "slots" whose number depends
// only on (N, K, D), and slots are reduced in a fixed order, so results do not depend on the
// number of threads.
#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/generator.h"
#include "descent/core/tensor.h"

namespace descent::cluster::detail {

/// Rows per GEMM block.
inline constexpr int64_t kChunk = 256;

/// The dtype k-means computes in for x: float64 stays, anything else becomes float32.
DType work_dtype(const Tensor& x);
/// x as a contiguous [N, D] tensor of dtype dt (rank >= 2 flattened after dim 0), checked for
/// NaN/Inf; `who` and `what` name the caller and the argument in errors.
Tensor as_matrix(const Tensor& x, DType dt, const char* who, const char* what = "x");

/// Squared Euclidean norm of each of the n rows of x [n, d].
template <typename T>
std::vector<T> row_sqnorms(const T* x, int64_t n, int64_t d);

/// Result of one assignment pass.
struct AssignOut {
  double inertia = 0.0;  ///< sum of the (GEMM-trick, clamped) squared distances
};

/// For each row i of x [n, d]: labels[i] = argmin_j ||x_i - c_j||^2 (lowest j on ties) over c [k, d];
/// mind (optional, [n]) gets that squared distance. When sums ([k, d] doubles) and counts ([k]) are
/// given, they receive the per-cluster sums of rows and the cluster sizes.
template <typename T>
AssignOut assign(const T* x, const T* xsq, int64_t n, int64_t d, const T* c, int64_t k, int64_t* labels, T* mind,
                 double* sums, int64_t* counts);

/// out [n, m] = squared distances of the rows of x to the rows of p [m, d], clamped at 0.
template <typename T>
void sq_dists(const T* x, const T* xsq, int64_t n, int64_t d, const T* p, int64_t m, T* out);

/// Exact sum over rows of ||x_i - c_{labels[i]}||^2 (direct differences, fixed summation order).
template <typename T>
double exact_inertia(const T* x, int64_t n, int64_t d, const T* c, const int64_t* labels);

/// Greedy k-means++ (scikit-learn's _kmeans_plusplus, uniform weights): k rows of x into centers [k, d].
template <typename T>
void kmeans_plusplus(const T* x, const T* xsq, int64_t n, int64_t d, int64_t k, Generator& gen, T* centers);

/// k distinct rows of x chosen uniformly (a partial Fisher-Yates shuffle) into centers [k, d].
template <typename T>
void random_init(const T* x, int64_t n, int64_t d, int64_t k, Generator& gen, T* centers);

/// Mean over features of the per-feature (population) variance of x.
template <typename T>
double mean_variance(const T* x, int64_t n, int64_t d);

/// Runs fn with BLAS limited to one thread (our own threads split the rows), restoring it after.
class BlasSingleThread {
 public:
  BlasSingleThread();
  ~BlasSingleThread();
  BlasSingleThread(const BlasSingleThread&) = delete;
  BlasSingleThread& operator=(const BlasSingleThread&) = delete;

 private:
  int saved_ = -1;
};

/// Sets descent's thread count for a scope (n <= 0: leaves it as it is).
class ThreadsScope {
 public:
  explicit ThreadsScope(int n);
  ~ThreadsScope();
  ThreadsScope(const ThreadsScope&) = delete;
  ThreadsScope& operator=(const ThreadsScope&) = delete;

 private:
  int saved_ = 0;
};

}  // namespace descent::cluster::detail
