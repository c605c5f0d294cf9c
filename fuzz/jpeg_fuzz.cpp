// libFuzzer target for the JPEG decoder (libjpeg-turbo behind decode_jpeg). Any input must either
// decode or throw descent::Error; a crash, a sanitizer report, another exception type, a libjpeg
// exit or an allocation above -malloc_limit_mb is a bug. The requested channel count comes from the input's
// length, so seeds stay valid JPEGs and every conversion is reached. Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "descent/core/error.h"
#include "descent/data/formats/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int channels = int(size % 5);
  try {
    // 2^24 pixels (48-64 MiB decoded) keeps single allocations under the fuzzer's malloc limit.
    descent::Tensor t = descent::data::decode_jpeg(data, size, channels, "fuzz.jpg", int64_t(1) << 24);
    if (t.dim() != 3 || t.dtype() != descent::kUInt8) __builtin_trap();
    if (channels != 0 && t.size(2) != channels) __builtin_trap();
    if (t.size(2) < 1 || t.size(2) > 4 || t.size(0) * t.size(1) > (int64_t(1) << 24)) __builtin_trap();
    // Touch every byte of the result so ASan sees any bad buffer.
    const auto* p = static_cast<const uint8_t*>(t.raw_data());
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < t.nbytes(); ++i) acc = acc ^ p[i];
    (void)acc;
  } catch (const descent::Error&) {
  }
  return 0;
}
