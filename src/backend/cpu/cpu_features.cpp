// CPU feature checks for the runtime-dispatched kernels (see cpu_features.h).
#include "cpu_features.h"

#include <cstdlib>
#include <cstring>

#include "descent/core/error.h"

namespace descent::backend::cpu {
namespace {

enum class Level { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

Level cap() {
  const char* e = std::getenv("DESCENT_CPU_ISA");
  if (!e || !*e || std::strcmp(e, "avx512") == 0) return Level::kAvx512;
  if (std::strcmp(e, "avx2") == 0) return Level::kAvx2;
  if (std::strcmp(e, "baseline") == 0) return Level::kBaseline;
  DESCENT_FAIL("DESCENT_CPU_ISA: unknown value '", e, "'; one of baseline, avx2, avx512");
}

Level level() {
  static const Level l = [] {
    Level have = Level::kBaseline;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) have = Level::kAvx2;
    if (have == Level::kAvx2 && __builtin_cpu_supports("avx512f")) have = Level::kAvx512;
#endif
    const Level c = cap();
    return static_cast<int>(c) < static_cast<int>(have) ? c : have;
  }();
  return l;
}

}  // namespace

bool cpu_avx2() { return static_cast<int>(level()) >= static_cast<int>(Level::kAvx2); }
bool cpu_avx512() { return level() == Level::kAvx512; }

}  // namespace descent::backend::cpu
