#pragma once
// Sliding-window arithmetic shared by convolution (im2col.h) and pooling (pool_max.cpp).
#include <algorithm>
#include <cstdint>

namespace descent::backend::cpu {

// Range of output positions o (0 <= o < out) whose input coordinate o*s - p + k*d lies in [0, in).
inline void valid_range(int64_t out, int64_t in, int64_t s, int64_t p, int64_t kd, int64_t& lo, int64_t& hi) {
  // o*s >= p - kd  and  o*s <= in - 1 + p - kd
  const int64_t a = p - kd, b = in - 1 + p - kd;
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  hi = b < 0 ? 0 : std::min(out, b / s + 1);
  if (hi < lo) hi = lo;
}

}  // namespace descent::backend::cpu
