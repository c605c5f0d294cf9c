#pragma once
// Per-spatial-dim integer arguments (kernel sizes, strides, paddings, dilations) given either as
// one number for every dim or as one number per dim, as libtorch's ExpandingArray:
// `stride(2)` and `stride({2, 1})` both work. Also the "same"/"valid" padding tags.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>

#include "descent/core/error.h"

namespace descent::nn {

/// D integers from one value (repeated) or a braced list of exactly D values.
template <size_t D>
class ExpandingArray {
 public:
  ExpandingArray(int64_t v) { values_.fill(v); }
  ExpandingArray(std::initializer_list<int64_t> list) {
    DESCENT_CHECK(list.size() == D, "expected ", D, " value", D == 1 ? "" : "s", " (one per spatial dim), got ",
                  list.size());
    size_t i = 0;
    for (int64_t v : list) values_[i++] = v;
  }
  ExpandingArray(const std::array<int64_t, D>& values) : values_(values) {}
  int64_t operator[](size_t i) const { return values_[i]; }
  int64_t& operator[](size_t i) { return values_[i]; }
  const std::array<int64_t, D>& values() const { return values_; }
  static constexpr size_t size() { return D; }
  bool operator==(const ExpandingArray&) const = default;
  /// True when every entry equals v.
  bool all_equal(int64_t v) const {
    for (int64_t x : values_)
      if (x != v) return false;
    return true;
  }

 private:
  std::array<int64_t, D> values_{};
};

/// Prints as libtorch does: [3, 3].
template <size_t D>
std::ostream& operator<<(std::ostream& os, const ExpandingArray<D>& a) {
  os << '[';
  for (size_t i = 0; i < D; ++i) os << (i ? ", " : "") << a[i];
  return os << ']';
}

/// An ExpandingArray that may be absent (PyTorch's `stride=None`): `{}` or std::nullopt leave it unset.
template <size_t D>
class OptionalExpandingArray {
 public:
  OptionalExpandingArray() = default;
  OptionalExpandingArray(std::nullopt_t) {}
  OptionalExpandingArray(int64_t v) : value_(ExpandingArray<D>(v)) {}
  OptionalExpandingArray(std::initializer_list<int64_t> list) : value_(ExpandingArray<D>(list)) {}
  OptionalExpandingArray(const ExpandingArray<D>& a) : value_(a) {}
  bool has_value() const { return value_.has_value(); }
  /// The value, or `fallback` when unset.
  ExpandingArray<D> value_or(const ExpandingArray<D>& fallback) const { return value_.value_or(fallback); }

 private:
  std::optional<ExpandingArray<D>> value_;
};

/// Tag for padding "same": output spatial size equals input size (stride 1 only). When the
/// total padding d*(k-1) is odd the extra row/column goes at the bottom/right, as PyTorch.
struct SameTag {};
/// Tag for padding "valid": no padding.
struct ValidTag {};
inline constexpr SameTag kSame{};
inline constexpr ValidTag kValid{};

/// A convolution's padding: explicit sizes per dim, kSame, or kValid.
template <size_t D>
class ConvPadding {
 public:
  ConvPadding(int64_t v) : sizes_(v) {}
  ConvPadding(std::initializer_list<int64_t> list) : sizes_(list) {}
  ConvPadding(const ExpandingArray<D>& a) : sizes_(a) {}
  ConvPadding(SameTag) : sizes_(0), same_(true) {}
  ConvPadding(ValidTag) : sizes_(0), valid_(true) {}
  bool is_same() const { return same_; }
  bool is_valid() const { return valid_; }
  /// The explicit sizes (zeros for kSame/kValid).
  const ExpandingArray<D>& sizes() const { return sizes_; }
  bool operator==(const ConvPadding&) const = default;

 private:
  ExpandingArray<D> sizes_;
  bool same_ = false, valid_ = false;
};

/// Prints [1, 1], 'same' or 'valid' (libtorch's spelling).
template <size_t D>
std::ostream& operator<<(std::ostream& os, const ConvPadding<D>& p) {
  if (p.is_same()) return os << "'same'";
  if (p.is_valid()) return os << "'valid'";
  return os << p.sizes();
}

}  // namespace descent::nn
