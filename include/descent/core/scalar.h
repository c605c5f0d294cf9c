#pragma once
// A number passed where a tensor could be: `t + 2`, `full({2}, 0.5)`. Remembers whether it was
// written as a bool, an integer or a floating value, which matters for type promotion.
#include <cstdint>
#include <type_traits>

#include "descent/core/dtype.h"

namespace descent {

/// A bool, integer or floating number with its category.
class Scalar {
 public:
  Scalar() : kind_(DType::Int64), i_(0) {}
  Scalar(bool v) : kind_(DType::Bool), i_(v) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : kind_(DType::Int64), i_(static_cast<int64_t>(v)) {}
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : kind_(DType::Float64), d_(static_cast<double>(v)) {}

  /// Bool, Int64 or Float64: the category the number was written in.
  DType kind() const { return kind_; }
  bool is_floating() const { return kind_ == DType::Float64; }
  bool is_integral() const { return kind_ == DType::Int64; }
  bool is_bool() const { return kind_ == DType::Bool; }
  double to_double() const { return kind_ == DType::Float64 ? d_ : static_cast<double>(i_); }
  int64_t to_int() const { return kind_ == DType::Float64 ? static_cast<int64_t>(d_) : i_; }
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return kind_ == DType::Float64 ? d_ != 0.0 : i_ != 0;
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(to_double());
    else return kind_ == DType::Float64 ? static_cast<T>(d_) : static_cast<T>(i_);
  }

 private:
  DType kind_;
  union {
    int64_t i_;
    double d_;
  };
};

}  // namespace descent
