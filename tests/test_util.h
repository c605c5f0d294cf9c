#pragma once
// Small helpers shared by the test files.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "descent/descent.h"

namespace test_util {

inline const double kNaN = std::numeric_limits<double>::quiet_NaN();
inline const double kInf = std::numeric_limits<double>::infinity();

/// Element-wise comparison in float64; NaN matches NaN, infinities must match exactly.
inline void expect_values(const descent::Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size()) << "tensor " << t;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i])) EXPECT_TRUE(std::isnan(got[i])) << "element " << i << " of " << t;
    else if (std::isinf(expected[i])) EXPECT_EQ(got[i], expected[i]) << "element " << i << " of " << t;
    else EXPECT_NEAR(got[i], expected[i], tol) << "element " << i << " of " << t;
  }
}

/// The what() of the descent::Error that f throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const descent::Error& e) {
    return e.what();
  }
  return "";
}

/// Expects `stmt` to throw a descent::Error whose message contains `text`.
#define EXPECT_ERROR_MENTIONS(stmt, text)                               \
  do {                                                                  \
    const std::string msg_ = ::test_util::error_of([&] { stmt; });      \
    EXPECT_NE(msg_, "") << #stmt " did not throw";                      \
    EXPECT_NE(msg_.find(text), std::string::npos) << msg_;              \
  } while (0)

/// All elements as doubles.
inline std::vector<double> vec(const descent::Tensor& t) { return t.to_vector<double>(); }

/// max |a - b| <= atol + rtol * |b| elementwise, reported with the worst element.
inline ::testing::AssertionResult close(const descent::Tensor& a, const descent::Tensor& b, double rtol, double atol) {
  if (a.sizes() != b.sizes())
    return ::testing::AssertionFailure() << "shapes differ: " << a.sizes() << " vs " << b.sizes();
  auto va = a.to(descent::kFloat64).to_vector<double>(), vb = b.to(descent::kFloat64).to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i)
    if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << va[i] << " vs " << vb[i] << " (shape "
                                           << a.sizes() << ")";
  return ::testing::AssertionSuccess();
}

}  // namespace test_util
