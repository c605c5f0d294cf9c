#pragma once
// The pooled-tensor geometry shared by the max (pool_max.cpp) and average (pool_avg.cpp) pooling
// kernels: shapes and memory format of one call, and element offsets in either layout.
#include <cstdint>

#include "descent/core/tensor.h"

namespace descent::backend::cpu::pooling {

inline bool is_cl(const Tensor& t) { return !t.is_contiguous() && t.is_contiguous(MemoryFormat::ChannelsLast); }

struct PGeom {
  int64_t N, C, H, W, Ho, Wo;
  bool cl;
};

// Validates in [N, C, H, W] / out [N, C, Ho, Wo] of one call (same dtype and memory format).
inline PGeom make_pgeom(const Tensor& in, const Tensor& out, const char* kernel) {
  DESCENT_CHECK(in.dim() == 4 && out.dim() == 4 && in.size(0) == out.size(0) && in.size(1) == out.size(1), kernel,
                ": expected [N, C, H, W] input and [N, C, Ho, Wo] output, got ", in.sizes(), " and ", out.sizes());
  DESCENT_CHECK(in.dtype() == out.dtype() && is_floating(in.dtype()), kernel, ": expected one float dtype, got ",
                in.dtype(), " and ", out.dtype());
  PGeom g{in.size(0), in.size(1), in.size(2), in.size(3), out.size(2), out.size(3), false};
  const bool in_amb = in.is_contiguous() && in.is_contiguous(MemoryFormat::ChannelsLast);
  g.cl = in_amb ? is_cl(out) : is_cl(in);
  const MemoryFormat f = g.cl ? MemoryFormat::ChannelsLast : MemoryFormat::Contiguous;
  DESCENT_CHECK(in.is_contiguous(f) && out.is_contiguous(f), kernel, ": input ", in.sizes(), " (strides ",
                in.strides(), ") and output ", out.sizes(), " (strides ", out.strides(),
                ") must be dense in one memory format");
  return g;
}

// Plane element (n, c, h, w) offset for the geometry's format.
inline int64_t at(const PGeom& g, int64_t n, int64_t c, int64_t h, int64_t w, int64_t Hs, int64_t Ws) {
  return g.cl ? ((n * Hs + h) * Ws + w) * g.C + c : ((n * g.C + c) * Hs + h) * Ws + w;
}

}  // namespace descent::backend::cpu::pooling
