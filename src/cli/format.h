#pragma once
// Small helpers the `descent` tool's commands share (private to src/cli): a wall clock and number
// formatting for logs, summaries and reports (the clock and fixed() are core's, core/format.h).
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

}  // namespace descent::cli
