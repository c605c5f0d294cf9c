#pragma once
// The gradcheck table is assembled from several files (one per op family). Each file registers
// a builder with DESCENT_GRADCHECK_CASES; gradcheck_table_test.cpp runs every case and checks
// that every differentiable op of the central op list has at least one.
#include <functional>
#include <string>
#include <vector>

#include "descent/descent.h"

namespace gradcheck_table {

using Fn = std::function<descent::Tensor(const std::vector<descent::Tensor>&)>;
struct Case {
  std::string op;       // name in the central op list
  std::string variant;  // what this case exercises (broadcast, non-contiguous, ...)
  Fn fn;
  std::vector<descent::Tensor> inputs;
  double atol = 1e-5, rtol = 1e-3;
};
using Builder = void (*)(std::vector<Case>&);

/// Builders registered by the table files (run lazily, after static initialisation).
inline std::vector<Builder>& builders() {
  static std::vector<Builder> b;
  return b;
}
inline bool register_builder(Builder b) {
  builders().push_back(b);
  return true;
}

// Input makers (float64 leaves).
inline descent::Tensor leaf(descent::Tensor t) { return t.detach().requires_grad_(); }
/// Standard normal values.
inline descent::Tensor R(const descent::Shape& s) { return leaf(descent::randn(s, descent::kFloat64)); }
/// Values in [0.5, 1.5): safe for log, sqrt, division.
inline descent::Tensor P(const descent::Shape& s) { return leaf(descent::rand(s, descent::kFloat64) + 0.5); }
/// A non-contiguous leaf: a reversed permute of a row-major tensor.
inline descent::Tensor NC(const descent::Shape& s) {
  descent::Dims rev;
  descent::Shape rs;
  for (size_t i = s.size(); i-- > 0;) {
    rs.push_back(s[i]);
    rev.push_back(static_cast<int64_t>(i));
  }
  return leaf(descent::randn(rs, descent::kFloat64).permute(rev));
}
/// A leaf sliced with step 2 along dim 0.
inline descent::Tensor STEP(const descent::Shape& s) {
  descent::Shape big = s;
  big[0] = s[0] * 2;
  return leaf(descent::randn(big, descent::kFloat64).slice(0, 0, std::nullopt, 2));
}
inline descent::Tensor PNC(const descent::Shape& s) { return leaf(NC(s).abs() + 0.5); }
/// A 4-D leaf stored channels-last (NHWC in memory).
inline descent::Tensor CL(const descent::Shape& s) {
  return leaf(descent::randn(s, descent::kFloat64).contiguous(descent::MemoryFormat::ChannelsLast));
}
/// A constant (no gradient).
inline descent::Tensor C(descent::Tensor t) { return t.detach(); }

}  // namespace gradcheck_table

#define DESCENT_GRADCHECK_CONCAT2(a, b) a##b
#define DESCENT_GRADCHECK_CONCAT(a, b) DESCENT_GRADCHECK_CONCAT2(a, b)
/// Registers `void fn(std::vector<gradcheck_table::Case>&)` as a builder of table entries.
#define DESCENT_GRADCHECK_CASES(fn)                                                                  \
  static void fn(std::vector<gradcheck_table::Case>&);                                               \
  static const bool DESCENT_GRADCHECK_CONCAT(fn, _registered) = gradcheck_table::register_builder(fn); \
  static void fn(std::vector<gradcheck_table::Case>& c)
