// libFuzzer target for the audio decoder (our WAV chunk and Ogg page checks, then libsndfile: WAV,
// FLAC, OGG/Vorbis and whatever else it recognises). Any input must either decode or throw
// descent::Error; a crash, a sanitizer report, another exception type, a hang or an allocation above
// -malloc_limit_mb is a bug. The input's length picks mono or not, so seeds stay valid files. Ogg
// page CRCs are recomputed before decoding so that mutations reach the Vorbis decoder (the unit tests
// cover bad CRCs). Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "descent/core/error.h"
#include "descent/data/formats/audio.h"

// libsndfile 1.2.0 leaks the vorbis_info (5784 bytes) of an Ogg Vorbis stream whose headers it then
// rejects (the same leak as xiph/vorbis#125); that is upstream's, bounded per file, and not ours.
extern "C" const char* __lsan_default_suppressions() { return "leak:vorbis_info_init\n"; }

namespace {

// Ogg's CRC-32 (polynomial 0x04C11DB7, MSB first, no reflection, initial value 0).
uint32_t ogg_crc(const uint8_t* p, size_t n) {
  uint32_t c = 0;
  for (size_t i = 0; i < n; ++i) {
    c ^= uint32_t(p[i]) << 24;
    for (int k = 0; k < 8; ++k) c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
  }
  return c;
}

// Rewrites the CRC of every whole Ogg page.
void fix_ogg_crcs(std::string& b) {
  size_t at = 0;
  while (at + 27 <= b.size() && std::memcmp(b.data() + at, "OggS", 4) == 0) {
    auto* p = reinterpret_cast<uint8_t*>(b.data()) + at;
    const size_t nseg = p[26];
    if (at + 27 + nseg > b.size()) return;
    size_t len = 27 + nseg;
    for (size_t k = 0; k < nseg; ++k) len += p[27 + k];
    if (len > b.size() - at) return;
    std::memset(p + 22, 0, 4);
    const uint32_t crc = ogg_crc(p, len);
    for (int k = 0; k < 4; ++k) p[22 + k] = uint8_t(crc >> (8 * k));
    at += len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace descent::data;
  const bool mono = size % 2 == 1;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  fix_ogg_crcs(bytes);
  try {
    // 2^24 samples (64 MiB of float32) keeps allocations under the fuzzer's malloc limit.
    const Audio a = decode_audio(bytes.data(), bytes.size(),
                                 AudioReadOptions().mono(mono).max_samples(int64_t(1) << 24), "fuzz.wav");
    const descent::Tensor& s = a.samples;
    if (s.dim() != 2 || s.dtype() != descent::kFloat32 || a.sample_rate <= 0) __builtin_trap();
    if (s.size(0) < 1 || (mono && s.size(0) != 1) || s.size(1) < 1) __builtin_trap();
    const float* p = s.data_ptr<float>();
    volatile float acc = 0;
    for (int64_t i = 0; i < s.numel(); ++i) acc = acc + p[i];
    (void)acc;
  } catch (const descent::Error&) {
  }
  return 0;
}
