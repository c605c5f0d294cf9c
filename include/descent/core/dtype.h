#pragma once
// Element types, PyTorch's type-promotion lattice (restricted to the dtypes descent has), and
// the dispatch macro that turns a runtime dtype into a C++ type.
#include <cstdint>
#include <ostream>
#include <string>

#include "descent/core/error.h"

namespace descent {

/// Element type of a tensor. The order is the promotion order: a later dtype wins.
enum class DType : uint8_t { Bool = 0, UInt8, Int32, Int64, Float32, Float64 };

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kInt = DType::Int32;
inline constexpr DType kByte = DType::UInt8;

/// Bytes per element.
constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8: return 1;
    case DType::Int32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
  }
  return 0;
}
/// "float32", "int64", ...
const char* dtype_name(DType t);
/// Parses a dtype name ("float32", "float", "int64", "long", "bool", ...); throws on unknown names.
DType dtype_from_name(const std::string& name);
inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }
constexpr bool is_integral(DType t, bool include_bool = false) {
  return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64 || (include_bool && t == DType::Bool);
}
/// The smaller of two dtypes' common type: PyTorch's promote_types for this dtype set.
constexpr DType promote_types(DType a, DType b) { return a > b ? a : b; }

/// Category used by result_type: bool < integral < floating.
constexpr int dtype_category(DType t) { return t == DType::Bool ? 0 : (is_floating(t) ? 2 : 1); }

/// The process-wide default floating dtype (float32 unless changed).
DType default_dtype();
void set_default_dtype(DType t);

template <typename T> struct CppToDType;
template <> struct CppToDType<bool> { static constexpr DType value = DType::Bool; };
template <> struct CppToDType<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct CppToDType<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct CppToDType<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct CppToDType<float> { static constexpr DType value = DType::Float32; };
template <> struct CppToDType<double> { static constexpr DType value = DType::Float64; };
template <typename T> inline constexpr DType dtype_of = CppToDType<T>::value;

}  // namespace descent

#define DESCENT_DTYPE_CASE(DT, CT, ...) \
  case DT: {                            \
    using scalar_t = CT;                \
    __VA_ARGS__();                      \
    break;                              \
  }

/// Runs the lambda body with scalar_t bound to the C++ type of `dtype`, for all six dtypes.
#define DESCENT_DISPATCH_ALL(dtype, opname, ...)                                          \
  [&] {                                                                                   \
    switch (dtype) {                                                                      \
      DESCENT_DTYPE_CASE(::descent::DType::Bool, bool, __VA_ARGS__)                       \
      DESCENT_DTYPE_CASE(::descent::DType::UInt8, uint8_t, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Int32, int32_t, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Int64, int64_t, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Float32, float, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Float64, double, __VA_ARGS__)                  \
      default: DESCENT_FAIL(opname, ": unsupported dtype ", ::descent::dtype_name(dtype)); \
    }                                                                                     \
  }()

/// Numeric dtypes only (no bool).
#define DESCENT_DISPATCH_NUMERIC(dtype, opname, ...)                                      \
  [&] {                                                                                   \
    switch (dtype) {                                                                      \
      DESCENT_DTYPE_CASE(::descent::DType::UInt8, uint8_t, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Int32, int32_t, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Int64, int64_t, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Float32, float, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Float64, double, __VA_ARGS__)                  \
      default: DESCENT_FAIL(opname, ": unsupported dtype ", ::descent::dtype_name(dtype)); \
    }                                                                                     \
  }()

/// Floating dtypes only.
#define DESCENT_DISPATCH_FLOATING(dtype, opname, ...)                                     \
  [&] {                                                                                   \
    switch (dtype) {                                                                      \
      DESCENT_DTYPE_CASE(::descent::DType::Float32, float, __VA_ARGS__)                   \
      DESCENT_DTYPE_CASE(::descent::DType::Float64, double, __VA_ARGS__)                  \
      default: DESCENT_FAIL(opname, ": expected a floating dtype (float32 or float64), got ", \
                            ::descent::dtype_name(dtype));                                \
    }                                                                                     \
  }()
