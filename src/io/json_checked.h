#pragma once
// Integers read from JSON files that descent did not necessarily write (checkpoints, vocabularies,
// preprocess.json, ...). nlohmann's get<int64_t>() converts a floating-point number with a plain
// static_cast, which is undefined behaviour when the value does not fit (a file saying "epoch":
// 1e300); json_int checks the kind and the range first. Internal to the libraries (src/ only).
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "descent/core/error.h"

namespace descent::io::detail {

/// j as an integer in [lo, hi]; a descent::Error naming `what` when j is not an integer number
/// (1.5, 1e300, "7", null) or is out of the range.
inline int64_t json_int(const nlohmann::json& j, const std::string& what,
                        int64_t lo = std::numeric_limits<int64_t>::min(),
                        int64_t hi = std::numeric_limits<int64_t>::max()) {
  DESCENT_CHECK(j.is_number_integer(), what, ": expected an integer, got ", j.dump());
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    DESCENT_CHECK(hi >= 0 && u <= uint64_t(hi), what, ": ", u, " is outside [", lo, ", ", hi, "]");
    return int64_t(u);
  }
  const int64_t v = j.get<int64_t>();
  DESCENT_CHECK(v >= lo && v <= hi, what, ": ", v, " is outside [", lo, ", ", hi, "]");
  return v;
}

/// j["version"] when present and an integer, else 0 (for "unsupported version" messages).
inline int64_t json_version(const nlohmann::json& j) {
  const auto it = j.find("version");
  if (it == j.end() || !it->is_number_integer()) return 0;
  // nlohmann keeps a non-negative integer as unsigned.
  if (it->is_number_unsigned()) return it->get<uint64_t>() <= 1000000 ? int64_t(it->get<uint64_t>()) : 0;
  return it->get<int64_t>();
}

}  // namespace descent::io::detail
