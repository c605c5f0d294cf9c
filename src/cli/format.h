#pragma once
// Small helpers the `descent` tool's commands share (private to src/cli): a wall clock and number
// formatting for logs, summaries and reports (the clock and fixed() are core's, core/format.h).
#include <charconv>
#include <cstdio>
#include <string>

#include "descent/core/format.h"

namespace descent::cli {

using descent::now_seconds;  // core/format.h

/// v through a printf format for one double ("%.4f" unless told).
inline std::string fmt(double v, const char* f = "%.4f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// The shortest text that reads back as v, always marked as a float for TOML ("0.9", "3.0",
/// "1e-08"; inf and nan as to_chars writes them).
inline std::string shortest_float(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string t(buf, r.ptr);
  if (t.find_first_of(".en") == std::string::npos) t += ".0";
  return t;
}

}  // namespace descent::cli
