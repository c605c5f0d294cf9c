#pragma once
// Small helpers the `descent` tool's commands share (private to src/cli): a wall clock and number
// formatting for logs, summaries and reports.
#include <chrono>
#include <cstdio>
#include <string>

namespace descent::cli {

/// Seconds on the steady clock (differences only).
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// v through a printf format for one double ("%.4f" unless told).
inline std::string fmt(double v, const char* f = "%.4f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace descent::cli
