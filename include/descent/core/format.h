#pragma once
// Small helpers every layer above core shares for logs, summaries and reports: a wall clock for
// durations, and a double printed with a fixed number of decimals.
#include <chrono>
#include <cstdio>
#include <string>

namespace descent {

/// Seconds on the steady clock (use differences only).
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// v with `digits` decimals ("%.*f"): fixed(0.12345) == "0.1235".
inline std::string fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace descent
