#pragma once
// Exact doubles in JSON: finite values as numbers (nlohmann writes the shortest round-trip form),
// NaN and infinities as the strings "nan", "inf", "-inf".
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "descent/core/error.h"

namespace descent::train::detail {

inline nlohmann::json encode_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

inline double decode_double(const nlohmann::json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    DESCENT_CHECK(false, "bad number string '", s, "' in JSON");
  }
  return j.get<double>();
}

}  // namespace descent::train::detail
