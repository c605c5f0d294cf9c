// Matrix products: mm, bmm, matmul (PyTorch's 1-D/2-D/batched rules), addmm, outer, dot.
#include "common.h"

#include <cstring>

namespace descent {
using autograd::any_requires_grad;
using autograd::record;
using ops::be;

namespace {
using Grads = std::vector<Tensor>;

void check_float_pair(const Tensor& a, const Tensor& b, const char* op) {
  DESCENT_CHECK(a.dtype() == b.dtype(), op, ": expected both operands to have the same dtype, but got ", a.dtype(),
                " and ", b.dtype());
  DESCENT_CHECK(a.dtype() != DType::Bool, op, ": not supported for bool tensors");
}
}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  DESCENT_CHECK(a.dim() == 2, "mm: expected a 2-D tensor for the first argument, got shape ", a.sizes());
  DESCENT_CHECK(b.dim() == 2, "mm: expected a 2-D tensor for the second argument, got shape ", b.sizes());
  DESCENT_CHECK(a.size(1) == b.size(0), "mm: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
                a.size(1), " != ", b.size(0), ")");
  check_float_pair(a, b, "mm");
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype());
  be(a).gemm(a, b, out, 1.0, 0.0);
  if (any_requires_grad({&a, &b})) {
    SavedTensor sa(b.requires_grad() ? a : Tensor()), sb(a.requires_grad() ? b : Tensor());
    record("MmBackward", {&a, &b}, {&out}, [sa, sb](Grads& g) {
      Tensor ga, gb;
      if (sb.defined()) ga = mm(g[0], sb.get("MmBackward").t());
      if (sa.defined()) gb = mm(sa.get("MmBackward").t(), g[0]);
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  DESCENT_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got shapes ", a.sizes(), " and ", b.sizes());
  DESCENT_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: ", a.sizes(), " and ", b.sizes());
  DESCENT_CHECK(a.size(2) == b.size(1), "bmm: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
                a.size(2), " != ", b.size(1), ")");
  check_float_pair(a, b, "bmm");
  const int64_t B = a.size(0);
  Tensor out = empty({B, a.size(1), b.size(2)}, a.dtype());
  for (int64_t i = 0; i < B; ++i) {
    Tensor ai = ops::raw_view(a, {a.size(1), a.size(2)}, {a.stride(1), a.stride(2)}, a.storage_offset() + i * a.stride(0));
    Tensor bi = ops::raw_view(b, {b.size(1), b.size(2)}, {b.stride(1), b.stride(2)}, b.storage_offset() + i * b.stride(0));
    Tensor oi = ops::raw_view(out, {out.size(1), out.size(2)}, {out.stride(1), out.stride(2)}, i * out.stride(0));
    be(a).gemm(ai, bi, oi, 1.0, 0.0);
  }
  if (any_requires_grad({&a, &b})) {
    SavedTensor sa(b.requires_grad() ? a : Tensor()), sb(a.requires_grad() ? b : Tensor());
    record("BmmBackward", {&a, &b}, {&out}, [sa, sb](Grads& g) {
      Tensor ga, gb;
      if (sb.defined()) ga = bmm(g[0], sb.get("BmmBackward").transpose(1, 2));
      if (sa.defined()) gb = bmm(sa.get("BmmBackward").transpose(1, 2), g[0]);
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  DESCENT_CHECK(a.dim() == 1 && b.dim() == 1, "dot: 1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
                "D tensors");
  DESCENT_CHECK(a.size(0) == b.size(0), "dot: inconsistent tensor size, expected tensor [", a.size(0),
                "] and src [", b.size(0), "] to have the same number of elements");
  check_float_pair(a, b, "dot");
  return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
}

Tensor outer(const Tensor& a, const Tensor& b) {
  DESCENT_CHECK(a.dim() == 1 && b.dim() == 1, "outer: 1D tensors expected, got shapes ", a.sizes(), " and ",
                b.sizes());
  return a.unsqueeze(1) * b.unsqueeze(0);
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, Scalar beta, Scalar alpha) {
  // Without autograd (inference), BLAS's own beta does the add: C = input broadcast, then
  // C = alpha * m1 @ m2 + beta * C in one pass, one tensor and one op fewer than mm + add (at
  // batch 1 their overhead is a tenth of a Linear layer's time).
  if (m1.dim() == 2 && m2.dim() == 2 && m1.size(1) == m2.size(0) && is_floating(m1.dtype()) &&
      m1.dtype() == m2.dtype() && input.dtype() == m1.dtype() && input.dim() <= 2 &&
      !any_requires_grad({&input, &m1, &m2})) {
    const Shape out_shape{m1.size(0), m2.size(1)};
    if (broadcast_shapes(input.sizes(), out_shape) == out_shape) {
      Tensor out = empty(out_shape, m1.dtype());
      if (beta.to_double() != 0.0) {
        const int64_t M = out_shape[0], N = out_shape[1];
        if (input.is_contiguous() && input.numel() == N && (input.dim() == 1 || input.size(0) == 1)) {
          // a bias row (nn::Linear): plain row copies, no broadcast loop
          const size_t row = size_t(N) * input.element_size();
          auto* dst = static_cast<char*>(out.raw_data());
          for (int64_t i = 0; i < M; ++i) std::memcpy(dst + size_t(i) * row, input.raw_data(), row);
        } else {
          out.copy_(input.expand(out_shape));
        }
      }
      be(m1).gemm(m1, m2, out, alpha.to_double(), beta.to_double());
      return out;
    }
  }
  Tensor p = mm(m1, m2);
  broadcast_shapes(input.sizes(), p.sizes());
  Tensor scaled_p = alpha.to_double() == 1.0 ? p : p * alpha;
  if (beta.to_double() == 0.0) return scaled_p;  // input ignored, as in PyTorch (even NaNs)
  return (beta.to_double() == 1.0 ? input : input * beta) + scaled_p;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  DESCENT_CHECK(a.dim() > 0 && b.dim() > 0, "matmul: both arguments need at least 1 dimension, got shapes ",
                a.sizes(), " and ", b.sizes());
  const int64_t da = a.dim(), db = b.dim();
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) {
    DESCENT_CHECK(a.size(1) == b.size(0), "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
                  a.size(1), " != ", b.size(0), ")");
    return mm(a, b.unsqueeze(1)).squeeze(1);
  }
  if (da == 1 && db == 2) {
    DESCENT_CHECK(a.size(0) == b.size(0), "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
                  a.size(0), " != ", b.size(0), ")");
    return mm(a.unsqueeze(0), b).squeeze(0);
  }
  if (da == 2 && db == 2) return mm(a, b);
  // Batched: promote 1-D operands, broadcast batch dims.
  Tensor A = da == 1 ? a.unsqueeze(0) : a;
  Tensor B = db == 1 ? b.unsqueeze(1) : b;
  const int64_t n = A.size(-2), k = A.size(-1), k2 = B.size(-2), p = B.size(-1);
  DESCENT_CHECK(k == k2, "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (", k, " != ", k2,
                ")");
  if (db <= 2 && da >= 3) {
    // Fold A's batch into rows: one GEMM.
    Shape out_shape(A.sizes().begin(), A.sizes().end() - 1);
    out_shape.push_back(p);
    Tensor r = mm(A.reshape({-1, k}), B).reshape(out_shape);
    return db == 1 ? r.squeeze(-1) : r;
  }
  Shape ba(A.sizes().begin(), A.sizes().end() - 2), bb(B.sizes().begin(), B.sizes().end() - 2);
  Shape batch = broadcast_shapes(ba, bb);
  Shape ea = batch, eb = batch;
  ea.push_back(n);
  ea.push_back(k);
  eb.push_back(k);
  eb.push_back(p);
  const int64_t nb = shape_numel(batch);
  Tensor r = bmm(A.expand(ea).reshape({nb, n, k}), B.expand(eb).reshape({nb, k, p}));
  Shape out_shape = batch;
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(p);
  return r.reshape(out_shape);
}

}  // namespace descent
