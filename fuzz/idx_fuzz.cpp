// libFuzzer target for the IDX reader (plain and gzip). Any input must either parse or throw
// descent::Error; a crash, a sanitizer report, another exception type or an allocation above
// -malloc_limit_mb is a bug. Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "descent/core/error.h"
#include "descent/data/formats/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    descent::Tensor t = descent::data::parse_idx(data, size, "fuzz-input");
    // Touch every byte of the result so ASan sees any bad buffer.
    const auto* p = static_cast<const uint8_t*>(t.raw_data());
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < t.nbytes(); ++i) acc ^= p[i];
    (void)acc;
  } catch (const descent::Error&) {
  }
  return 0;
}
