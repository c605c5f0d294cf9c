#pragma once
// Thread count shared by the bench programs: 2 unless --threads=N (or a bare number, as the
// reference programs take it) or the DESCENT_BENCH_THREADS environment variable says otherwise.
// The flag wins over the variable. Recognised arguments are removed from argv so that Google
// Benchmark does not see them.
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace descent_bench {

inline int parse_threads(const char* s, const char* what) {
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || n < 1 || n > 1024)
    throw std::invalid_argument(std::string(what) + ": expected a thread count in 1..1024, got '" + s + "'");
  return static_cast<int>(n);
}

/// Reads the thread count from argv/env (default 2) and strips the arguments it consumed.
inline int take_threads(int& argc, char** argv, bool allow_bare_number) {
  int threads = 2;
  if (const char* e = std::getenv("DESCENT_BENCH_THREADS"); e && *e) threads = parse_threads(e, "DESCENT_BENCH_THREADS");
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strncmp(a, "--threads=", 10) == 0) {
      threads = parse_threads(a + 10, "--threads");
    } else if (std::strcmp(a, "--threads") == 0 && i + 1 < argc) {
      threads = parse_threads(argv[++i], "--threads");
    } else if (allow_bare_number && a[0] >= '0' && a[0] <= '9') {
      threads = parse_threads(a, "threads");
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return threads;
}

}  // namespace descent_bench
