#include "descent/core/dtype.h"

#include <atomic>

namespace descent {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "uint8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "unknown";
}

DType dtype_from_name(const std::string& n) {
  if (n == "bool") return DType::Bool;
  if (n == "uint8") return DType::UInt8;
  if (n == "int32" || n == "int") return DType::Int32;
  if (n == "int64" || n == "long") return DType::Int64;
  if (n == "float32" || n == "float") return DType::Float32;
  if (n == "float64" || n == "double") return DType::Float64;
  DESCENT_FAIL("unknown dtype '", n, "'; one of bool, uint8, int32, int64, float32, float64");
}

namespace {
std::atomic<DType> g_default_dtype{DType::Float32};
}
DType default_dtype() { return g_default_dtype.load(); }
void set_default_dtype(DType t) {
  DESCENT_CHECK(is_floating(t), "set_default_dtype: expected float32 or float64, got ", dtype_name(t));
  g_default_dtype.store(t);
}

}  // namespace descent
