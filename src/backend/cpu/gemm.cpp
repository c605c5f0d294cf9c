// GEMM through CBLAS (OpenBLAS), threaded by gemm_rowmajor (blas.h). Strided and transposed operands go to BLAS without a copy
// whenever one of their two dims has unit stride; anything else is packed first.
#include <cstring>
#include <vector>

#include "blas.h"
#include "cpu_backend.h"
#include "loop.h"

namespace descent::backend::cpu {
namespace {

// How a 2-D operand can be handed to row-major BLAS: trans flag + leading dim, or not at all.
struct BlasView {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

BlasView blas_view(const Tensor& t) {
  const int64_t r = t.size(0), c = t.size(1), s0 = t.stride(0), s1 = t.stride(1);
  if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(1, c)) return {true, false, s0};
  if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(1, r)) return {true, true, s1};
  return {};
}

template <typename T>
void pack(const Tensor& t, std::vector<T>& buf) {
  const int64_t r = t.size(0), c = t.size(1);
  buf.resize(size_t(r * c));
  const T* p = static_cast<const T*>(t.raw_data());
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) buf[size_t(i * c + j)] = p[i * t.stride(0) + j * t.stride(1)];
}

template <typename T>
void gemm_float(const Tensor& a, const Tensor& b, const Tensor& out, double alpha, double beta) {
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  std::vector<T> abuf, bbuf;
  BlasView va = blas_view(a), vb = blas_view(b);
  const T* ap = static_cast<const T*>(a.raw_data());
  const T* bp = static_cast<const T*>(b.raw_data());
  if (!va.ok) { pack<T>(a, abuf); ap = abuf.data(); va = {true, false, std::max<int64_t>(1, K)}; }
  if (!vb.ok) { pack<T>(b, bbuf); bp = bbuf.data(); vb = {true, false, std::max<int64_t>(1, N)}; }
  // out must be row-major with unit column stride (ops allocate it so)
  T* op = static_cast<T*>(out.raw_data());
  const int64_t ldc = std::max<int64_t>(out.stride(0), std::max<int64_t>(1, N));
  if (M == 0 || N == 0) return;
  if (K == 0) {  // C = beta * C
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) op[i * ldc + j] = beta == 0.0 ? T(0) : static_cast<T>(beta * op[i * ldc + j]);
    return;
  }
  gemm_rowmajor(va.trans, vb.trans, M, N, K, T(alpha), ap, va.ld, bp, vb.ld, T(beta), op, ldc);
}

template <typename T>
void gemm_naive(const Tensor& a, const Tensor& b, const Tensor& out, double alpha, double beta) {
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  const T* ap = static_cast<const T*>(a.raw_data());
  const T* bp = static_cast<const T*>(b.raw_data());
  T* op = static_cast<T*>(out.raw_data());
  parallel_for(0, M, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      for (int64_t j = 0; j < N; ++j) {
        T acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += ap[i * a.stride(0) + k * a.stride(1)] * bp[k * b.stride(0) + j * b.stride(1)];
        T& c = op[i * out.stride(0) + j * out.stride(1)];
        c = static_cast<T>((beta == 0.0 ? T(0) : static_cast<T>(beta) * c) + static_cast<T>(alpha) * acc);
      }
  });
}

}  // namespace

void CpuBackend::gemm(const Tensor& a, const Tensor& b, const Tensor& out, double alpha, double beta) {
  DESCENT_CHECK(a.dim() == 2 && b.dim() == 2 && out.dim() == 2 && a.size(1) == b.size(0) &&
                    out.size(0) == a.size(0) && out.size(1) == b.size(1),
                "gemm kernel: bad shapes ", a.sizes(), " @ ", b.sizes(), " -> ", out.sizes());
  DESCENT_CHECK(a.dtype() == b.dtype() && a.dtype() == out.dtype(), "gemm kernel: dtypes differ");
  const bool out_rowmajor = out.size(1) <= 1 || out.stride(1) == 1;
  switch (a.dtype()) {
    case DType::Float32:
      if (out_rowmajor) gemm_float<float>(a, b, out, alpha, beta);
      else gemm_naive<float>(a, b, out, alpha, beta);
      return;
    case DType::Float64:
      if (out_rowmajor) gemm_float<double>(a, b, out, alpha, beta);
      else gemm_naive<double>(a, b, out, alpha, beta);
      return;
    case DType::Int64: gemm_naive<int64_t>(a, b, out, alpha, beta); return;
    case DType::Int32: gemm_naive<int32_t>(a, b, out, alpha, beta); return;
    case DType::UInt8: gemm_naive<uint8_t>(a, b, out, alpha, beta); return;
    default: DESCENT_FAIL("matmul: unsupported dtype ", a.dtype());
  }
}

}  // namespace descent::backend::cpu
