// libFuzzer target for the PNG decoder (libpng behind decode_png). Any input must either decode or
// throw descent::Error; a crash, a sanitizer report, another exception type, a libpng abort or an
// allocation above -malloc_limit_mb is a bug. The requested channel count comes from the input's
// length, so seeds stay valid PNGs and every conversion is reached. Chunk CRCs are recomputed before
// decoding (mutations would otherwise almost all stop at a CRC error; the unit tests cover bad CRCs).
// Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/core/error.h"
#include "descent/data/formats/image.h"

namespace {

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

// Rewrites the CRC of every whole chunk after the 8-byte signature.
void fix_crcs(std::string& b) {
  size_t at = 8;
  while (at + 12 <= b.size()) {
    const auto* p = reinterpret_cast<const uint8_t*>(b.data()) + at;
    const uint64_t len = uint64_t(p[0]) << 24 | uint64_t(p[1]) << 16 | uint64_t(p[2]) << 8 | p[3];
    if (len > b.size() - at - 12) return;
    const uint32_t crc = crc32(p + 4, size_t(len) + 4);
    for (int k = 0; k < 4; ++k) b[at + 8 + size_t(len) + size_t(k)] = char(crc >> (24 - 8 * k));
    at += 12 + size_t(len);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int channels = int(size % 5);
  std::string bytes(reinterpret_cast<const char*>(data), size);
  fix_crcs(bytes);
  try {
    // 2^24 pixels (48-64 MiB decoded) keeps single allocations under the fuzzer's malloc limit.
    descent::Tensor t = descent::data::decode_png(bytes.data(), bytes.size(), channels, "fuzz.png", int64_t(1) << 24);
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
