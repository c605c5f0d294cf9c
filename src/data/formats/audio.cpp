// Audio files through libsndfile's virtual I/O (decoding from memory; libsndfile reports errors by
// return value, so no jumps are involved). WAV and Ogg files get a structural walk of our own first,
// because libsndfile quietly shortens a WAV data chunk that claims more bytes than the file holds and
// libvorbisfile quietly stops at a cut or skips a damaged page.
#include "descent/data/formats/audio.h"

#include <sndfile.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include "descent/core/error.h"
#include "descent/data/audio_features.h"
#include "descent/ops/ops.h"
#include "file_bytes.h"

namespace descent::data {
namespace {

constexpr sf_count_t kBlockFrames = 1 << 15;

// ---- reading from memory ----

struct MemReader {
  const unsigned char* data;
  sf_count_t size;
  sf_count_t pos;
};

sf_count_t mr_len(void* u) { return static_cast<MemReader*>(u)->size; }
sf_count_t mr_seek(sf_count_t off, int whence, void* u) {
  MemReader* m = static_cast<MemReader*>(u);
  sf_count_t p = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->size + off;
  m->pos = std::clamp<sf_count_t>(p, 0, m->size);
  return m->pos;
}
sf_count_t mr_read(void* dst, sf_count_t n, void* u) {
  MemReader* m = static_cast<MemReader*>(u);
  const sf_count_t k = std::clamp<sf_count_t>(m->size - m->pos, 0, std::max<sf_count_t>(n, 0));
  if (k > 0) std::memcpy(dst, m->data + m->pos, size_t(k));
  m->pos += k;
  return k;
}
sf_count_t mr_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t mr_tell(void* u) { return static_cast<MemReader*>(u)->pos; }

// ---- writing to memory ----

struct MemWriter {
  std::string bytes;
  sf_count_t pos = 0;
};

sf_count_t mw_len(void* u) { return sf_count_t(static_cast<MemWriter*>(u)->bytes.size()); }
sf_count_t mw_seek(sf_count_t off, int whence, void* u) {
  MemWriter* m = static_cast<MemWriter*>(u);
  const sf_count_t size = sf_count_t(m->bytes.size());
  sf_count_t p = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : size + off;
  m->pos = std::max<sf_count_t>(p, 0);
  return m->pos;
}
sf_count_t mw_read(void* dst, sf_count_t n, void* u) {
  MemWriter* m = static_cast<MemWriter*>(u);
  const sf_count_t k = std::clamp<sf_count_t>(sf_count_t(m->bytes.size()) - m->pos, 0, std::max<sf_count_t>(n, 0));
  if (k > 0) std::memcpy(dst, m->bytes.data() + m->pos, size_t(k));
  m->pos += k;
  return k;
}
sf_count_t mw_write(const void* src, sf_count_t n, void* u) {
  MemWriter* m = static_cast<MemWriter*>(u);
  try {  // a C callback must not throw
    const size_t end = size_t(m->pos + n);
    if (end > m->bytes.size()) m->bytes.resize(end);
    std::memcpy(m->bytes.data() + m->pos, src, size_t(n));
    m->pos += n;
    return n;
  } catch (const std::bad_alloc&) {
    return 0;
  }
}
sf_count_t mw_tell(void* u) { return static_cast<MemWriter*>(u)->pos; }

struct SndCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndPtr = std::unique_ptr<SNDFILE, SndCloser>;

// libsndfile keeps the error of a failed open in a global; opening under a lock keeps the message ours.
std::mutex& open_mutex() {
  static std::mutex m;
  return m;
}

SndPtr open_memory(MemReader* mem, SF_INFO* info, const std::string& name, const char* fn) {
  SF_VIRTUAL_IO vio{mr_len, mr_seek, mr_read, mr_write, mr_tell};
  std::memset(info, 0, sizeof *info);
  std::lock_guard<std::mutex> lock(open_mutex());
  SndPtr f(sf_open_virtual(&vio, SFM_READ, info, mem));
  DESCENT_CHECK(f != nullptr, fn, ": ", name, ": cannot decode: ", sf_strerror(nullptr));
  return f;
}

uint32_t le32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t le16(const unsigned char* p) { return uint16_t(p[0] | p[1] << 8); }

// What a RIFF/WAVE file's own chunks say, checked against the file's length.
struct WavLayout {
  bool is_wav = false;
  bool plain_riff = false;  ///< RIFF (not RIFX or RF64): its frame count is checked against libsndfile's
  /// The bytes to hand to the decoder: all of them, or up to a chunk after the data chunk whose
  /// size runs past the end of the file (trailing junk is ignored, and libsndfile never sees it).
  size_t usable = 0;
  int format_tag = 0;
  int block_align = 0;
  uint64_t data_bytes = 0;
};

WavLayout check_wav_chunks(const unsigned char* p, size_t size, const std::string& name, const char* fn) {
  WavLayout w;
  w.usable = size;
  if (size < 12 || std::memcmp(p + 8, "WAVE", 4) != 0) return w;
  // RIFF (little endian), RIFX (big endian) and RF64 (little endian; 64-bit sizes in a ds64 chunk)
  // share the chunk layout. libsndfile trusts chunk sizes that lie about the file (it shortens a
  // data chunk quietly, and an RF64 file with a huge LIST chunk made it loop for minutes: found by
  // fuzz/wav_fuzz), so every chunk is checked here first.
  const bool rifx = std::memcmp(p, "RIFX", 4) == 0, rf64 = std::memcmp(p, "RF64", 4) == 0;
  if (!rifx && !rf64 && std::memcmp(p, "RIFF", 4) != 0) return w;
  auto u32 = [&](const unsigned char* q) {
    return rifx ? uint32_t(q[0]) << 24 | uint32_t(q[1]) << 16 | uint32_t(q[2]) << 8 | uint32_t(q[3]) : le32(q);
  };
  auto u16 = [&](const unsigned char* q) { return rifx ? uint16_t(q[0] << 8 | q[1]) : le16(q); };
  w.is_wav = true;
  w.plain_riff = !rifx && !rf64;
  size_t at = 12;
  bool have_fmt = false;
  uint64_t ds64_data = 0;  // RF64: the data chunk's real size
  bool have_data = false;
  while (true) {
    // The chunks after the data chunk are walked too: libsndfile reads them, and a lying LIST
    // chunk after the data made it loop (wav_fuzz). The first one that runs past the end of the
    // file, and everything after it, is cut off; a tail too short for a chunk header is ignored.
    if (have_data && (at + 8 > size || u32(p + at + 4) > size - at - 8)) {
      w.usable = std::min(at, size);
      return w;
    }
    DESCENT_CHECK(at + 8 <= size, fn, ": ", name, ": WAV file ends at byte ", size,
                  have_fmt ? " before its data chunk" : " before its fmt chunk", " (truncated)");
    uint64_t len = u32(p + at + 4);
    const std::string id(reinterpret_cast<const char*>(p + at), 4);
    const uint64_t avail = size - at - 8;
    if (rf64 && at == 12) {  // the ds64 chunk: RIFF size, data size, sample count (8 bytes each), ...
      DESCENT_CHECK(id == "ds64" && len >= 24 && len <= avail, fn, ": ", name,
                    ": RF64 file without a valid ds64 chunk first (corrupt)");
      ds64_data = uint64_t(le32(p + at + 16)) | uint64_t(le32(p + at + 20)) << 32;
    }
    if (id == "data" && !have_data) {
      if (rf64 && len == 0xFFFFFFFFu) len = ds64_data;
      DESCENT_CHECK(have_fmt, fn, ": ", name, ": WAV data chunk at byte ", at, " comes before the fmt chunk");
      DESCENT_CHECK(len <= avail, fn, ": ", name, ": WAV data chunk at byte ", at, " declares ", len,
                    " bytes but only ", avail, " follow (truncated file or wrong data size)");
      w.data_bytes = len;
      have_data = true;
      at += 8 + size_t(len) + size_t(len & 1);
      continue;
    }
    DESCENT_CHECK(len <= avail, fn, ": ", name, ": WAV chunk '", id, "' at byte ", at, " declares ", len,
                  " bytes but only ", avail, " follow (truncated or corrupt)");
    if (id == "fmt " && !have_data) {
      DESCENT_CHECK(len >= 16, fn, ": ", name, ": WAV fmt chunk of ", len, " bytes is too short (at least 16)");
      const unsigned char* f = p + at + 8;
      w.format_tag = u16(f);
      if (w.format_tag == 0xFFFE && len >= 26) w.format_tag = u16(f + 24);  // WAVE_FORMAT_EXTENSIBLE sub-format
      const int channels = u16(f + 2);
      const uint32_t rate = u32(f + 4);
      w.block_align = u16(f + 12);
      DESCENT_CHECK(channels > 0, fn, ": ", name, ": WAV fmt chunk declares 0 channels");
      DESCENT_CHECK(rate > 0, fn, ": ", name, ": WAV fmt chunk declares a sample rate of 0 Hz");
      have_fmt = true;
    }
    at += 8 + size_t(len) + size_t(len & 1);  // chunks are padded to an even length
  }
}

// Ogg pages: "OggS", version, flags, granule (8), serial (4), sequence (4), CRC (4), segment count,
// segment table, payload. CRC-32 with polynomial 0x04C11DB7, MSB first, over the page with the CRC
// field zeroed.
uint32_t ogg_crc(const unsigned char* p, size_t n, size_t crc_at) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t r = i << 24;
      for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04C11DB7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  uint32_t crc = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char b = (i >= crc_at && i < crc_at + 4) ? 0 : p[i];
    crc = (crc << 8) ^ table[((crc >> 24) ^ b) & 0xFF];
  }
  return crc;
}

// libvorbisfile skips damaged pages and stops quietly at a cut, so an Ogg file is walked page by
// page first: every page must be whole with a good CRC, and the last must end its stream.
void check_ogg_pages(const unsigned char* p, size_t size, const std::string& name, const char* fn) {
  if (size < 4 || std::memcmp(p, "OggS", 4) != 0) return;
  size_t at = 0;
  bool eos = false;
  while (at < size) {
    DESCENT_CHECK(size - at >= 27 && std::memcmp(p + at, "OggS", 4) == 0, fn, ": ", name, ": no Ogg page at byte ",
                  at, " (truncated or corrupt file)");
    const size_t nseg = p[at + 26];
    DESCENT_CHECK(size - at >= 27 + nseg, fn, ": ", name, ": Ogg page at byte ", at, " is cut short (truncated file)");
    size_t body = 0;
    for (size_t k = 0; k < nseg; ++k) body += p[at + 27 + k];
    const size_t len = 27 + nseg + body;
    DESCENT_CHECK(size - at >= len, fn, ": ", name, ": Ogg page at byte ", at, " needs ", len, " bytes but only ",
                  size - at, " remain (truncated file)");
    DESCENT_CHECK(ogg_crc(p + at, len, 22) == le32(p + at + 22), fn, ": ", name, ": Ogg page at byte ", at,
                  " has a bad CRC (corrupt file)");
    eos = (p[at + 5] & 0x04) != 0;
    at += len;
  }
  DESCENT_CHECK(eos, fn, ": ", name, ": the Ogg stream has no end-of-stream page (truncated file)");
}

// The containers we hand to libsndfile, by magic bytes. Anything else (MPEG, raw, the rarer formats
// libsndfile probes for) is refused up front: fewer decoders facing hostile bytes, and libsndfile's
// MPEG backend prints to stderr.
bool known_container(const unsigned char* p, size_t size) {
  if (size < 12) return false;
  auto is = [&](const char* m, size_t at = 0) { return std::memcmp(p + at, m, 4) == 0; };
  if ((is("RIFF") || is("RIFX")) && is("WAVE", 8)) return true;  // WAV (little / big endian)
  if (is("RF64") && is("WAVE", 8)) return true;
  if (is("riff")) return true;  // Sony Wave64 (a GUID follows)
  if (is("fLaC") || is("OggS") || is("caff") || is(".snd") || is("dns.")) return true;
  if (is("FORM") && (is("AIFF", 8) || is("AIFC", 8))) return true;
  return false;
}

std::string format_name(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: return "WAV";
    case SF_FORMAT_WAVEX: return "WAVEX";
    case SF_FORMAT_RF64: return "RF64";
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_AIFF: return "AIFF";
    case SF_FORMAT_AU: return "AU";
    case SF_FORMAT_W64: return "W64";
    case SF_FORMAT_CAF: return "CAF";
    default: break;
  }
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name) return fi.name;
  return "unknown";
}

std::string encoding_name(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "PCM_S8";
    case SF_FORMAT_PCM_U8: return "PCM_U8";
    case SF_FORMAT_PCM_16: return "PCM_16";
    case SF_FORMAT_PCM_24: return "PCM_24";
    case SF_FORMAT_PCM_32: return "PCM_32";
    case SF_FORMAT_FLOAT: return "FLOAT";
    case SF_FORMAT_DOUBLE: return "DOUBLE";
    case SF_FORMAT_VORBIS: return "VORBIS";
    case SF_FORMAT_OPUS: return "OPUS";
    case SF_FORMAT_ULAW: return "ULAW";
    case SF_FORMAT_ALAW: return "ALAW";
    case SF_FORMAT_IMA_ADPCM: return "IMA_ADPCM";
    case SF_FORMAT_MS_ADPCM: return "MS_ADPCM";
    default: return "other";
  }
}

void check_info(const SF_INFO& info, const std::string& name, const char* fn) {
  DESCENT_CHECK(info.channels > 0 && info.channels <= kMaxAudioChannels, fn, ": ", name, ": ", info.channels,
                " channels (expected 1..", kMaxAudioChannels, ")");
  DESCENT_CHECK(info.samplerate > 0, fn, ": ", name, ": sample rate of ", info.samplerate, " Hz");
  DESCENT_CHECK(info.frames >= 0, fn, ": ", name, ": negative frame count ", info.frames);
}

AudioInfo info_of(const SF_INFO& info) {
  AudioInfo a;
  a.frames = info.frames;
  a.sample_rate = info.samplerate;
  a.channels = info.channels;
  a.format = format_name(info.format);
  a.encoding = encoding_name(info.format);
  return a;
}

AudioInfo probe(const void* data, size_t size, const std::string& name, const char* fn) {
  DESCENT_CHECK(size > 0, fn, ": ", name, ": empty file (0 bytes)");
  DESCENT_CHECK(known_container(static_cast<const unsigned char*>(data), size), fn, ": ", name,
                ": not a WAV, FLAC, OGG, AIFF, AU or CAF file (unrecognised magic bytes)");
  const size_t usable = check_wav_chunks(static_cast<const unsigned char*>(data), size, name, fn).usable;
  check_ogg_pages(static_cast<const unsigned char*>(data), size, name, fn);
  MemReader mem{static_cast<const unsigned char*>(data), sf_count_t(usable), 0};
  SF_INFO info;
  SndPtr f = open_memory(&mem, &info, name, fn);
  check_info(info, name, fn);
  return info_of(info);
}

int sf_format_of(AudioFormat format, AudioEncoding enc) {
  int major = 0;
  switch (format) {
    case AudioFormat::Wav: major = SF_FORMAT_WAV; break;
    case AudioFormat::Flac: major = SF_FORMAT_FLAC; break;
    case AudioFormat::Ogg: major = SF_FORMAT_OGG; break;
  }
  int sub = 0;
  switch (enc) {
    case AudioEncoding::PcmU8: sub = SF_FORMAT_PCM_U8; break;
    case AudioEncoding::PcmS8: sub = SF_FORMAT_PCM_S8; break;
    case AudioEncoding::Pcm16: sub = SF_FORMAT_PCM_16; break;
    case AudioEncoding::Pcm24: sub = SF_FORMAT_PCM_24; break;
    case AudioEncoding::Pcm32: sub = SF_FORMAT_PCM_32; break;
    case AudioEncoding::Float32: sub = SF_FORMAT_FLOAT; break;
    case AudioEncoding::Float64: sub = SF_FORMAT_DOUBLE; break;
    case AudioEncoding::Vorbis: sub = SF_FORMAT_VORBIS; break;
  }
  return major | sub;
}

}  // namespace

AudioInfo read_audio_info(const std::string& path) {
  const std::string bytes = fileio::read_file_bytes(path, "read_audio_info");
  return probe(bytes.data(), bytes.size(), path, "read_audio_info");
}

Audio decode_audio(const void* data, size_t size, const AudioReadOptions& options, const std::string& name) {
  const char* fn = "decode_audio";
  DESCENT_CHECK(options.max_samples_ > 0, fn, ": max_samples must be > 0, got ", options.max_samples_);
  DESCENT_CHECK(options.sample_rate_ >= 0, fn, ": sample_rate must be >= 0 (0 keeps the file's), got ",
                options.sample_rate_);
  DESCENT_CHECK(size > 0, fn, ": ", name, ": empty file (0 bytes)");
  DESCENT_CHECK(known_container(static_cast<const unsigned char*>(data), size), fn, ": ", name,
                ": not a WAV, FLAC, OGG, AIFF, AU or CAF file (unrecognised magic bytes)");
  const WavLayout wav = check_wav_chunks(static_cast<const unsigned char*>(data), size, name, fn);
  check_ogg_pages(static_cast<const unsigned char*>(data), size, name, fn);
  MemReader mem{static_cast<const unsigned char*>(data), sf_count_t(wav.usable), 0};
  SF_INFO info;
  SndPtr f = open_memory(&mem, &info, name, fn);
  check_info(info, name, fn);
  const int64_t C = info.channels;
  DESCENT_CHECK(info.frames <= options.max_samples_ / C, fn, ": ", name, ": ", info.frames, " frames x ", C,
                " channels is more than max_samples = ", options.max_samples_);
  const bool plain_wav = wav.plain_riff && (wav.format_tag == 1 || wav.format_tag == 3) && wav.block_align > 0;
  if (plain_wav) {
    const uint64_t declared = wav.data_bytes / uint64_t(wav.block_align);
    DESCENT_CHECK(uint64_t(info.frames) == declared, fn, ": ", name, ": the data chunk holds ", declared,
                  " frames but the decoder sees ", info.frames, " (inconsistent header)");
  }
  // Read in blocks so that a lying frame count cannot make us allocate more than the file decodes to.
  std::vector<float> interleaved;
  std::vector<float> block(size_t(kBlockFrames * C));
  int64_t frames = 0;
  while (true) {
    const sf_count_t got = sf_readf_float(f.get(), block.data(), kBlockFrames);
    DESCENT_CHECK(got >= 0, fn, ": ", name, ": read error: ", sf_strerror(f.get()));
    if (got == 0) break;
    DESCENT_CHECK(frames + got <= options.max_samples_ / C, fn, ": ", name, ": more than max_samples = ",
                  options.max_samples_, " samples");
    interleaved.insert(interleaved.end(), block.begin(), block.begin() + long(got * C));
    frames += got;
  }
  const int err = sf_error(f.get());
  DESCENT_CHECK(err == SF_ERR_NO_ERROR, fn, ": ", name, ": decoding failed after ", frames, " frames: ",
                sf_error_number(err));
  DESCENT_CHECK(frames == info.frames, fn, ": ", name, ": decoded ", frames, " of the ", info.frames,
                " frames its header declares (truncated or corrupt file)");
  DESCENT_CHECK(frames > 0, fn, ": ", name, ": no audio frames");
  Tensor samples = empty({C, frames}, kFloat32);
  float* out = samples.data_ptr<float>();
  for (int64_t i = 0; i < frames; ++i)
    for (int64_t c = 0; c < C; ++c) out[c * frames + i] = interleaved[size_t(i * C + c)];
  Audio a{samples, info.samplerate};
  if (options.mono_ && C > 1) a.samples = mix_down(a.samples);
  if (options.sample_rate_ > 0 && options.sample_rate_ != a.sample_rate) {
    a.samples = resample(a.samples, a.sample_rate, options.sample_rate_, options.resample_);
    a.sample_rate = options.sample_rate_;
  }
  return a;
}

Audio read_audio(const std::string& path, const AudioReadOptions& options) {
  const std::string bytes = fileio::read_file_bytes(path, "read_audio");
  return decode_audio(bytes.data(), bytes.size(), options, path);
}

std::string encode_audio(const Tensor& samples, int64_t sample_rate, AudioFormat format, AudioEncoding encoding) {
  const char* fn = "encode_audio";
  DESCENT_CHECK(samples.defined() && (samples.dim() == 1 || samples.dim() == 2) &&
                    (samples.dtype() == kFloat32 || samples.dtype() == kFloat64),
                fn, ": expected float samples [C, N] or [N], got ",
                samples.defined() ? detail::str_cat("dtype ", samples.dtype(), " shape ", samples.sizes())
                                  : std::string("undefined"));
  const Tensor s2 = samples.dim() == 1 ? samples.unsqueeze(0) : samples;
  const int64_t C = s2.size(0), N = s2.size(1);
  DESCENT_CHECK(C >= 1 && C <= kMaxAudioChannels, fn, ": expected 1..", kMaxAudioChannels, " channels, got shape ",
                samples.sizes());
  DESCENT_CHECK(sample_rate > 0 && sample_rate <= (int64_t(1) << 30), fn, ": sample_rate must be > 0, got ",
                sample_rate);
  SF_INFO info{};
  info.channels = int(C);
  info.samplerate = int(sample_rate);
  info.format = sf_format_of(format, encoding);
  DESCENT_CHECK(sf_format_check(&info), fn, ": this container cannot hold this encoding (libsndfile format 0x",
                std::hex, info.format, std::dec, ", ", C, " channels)");
  const Tensor src = s2.to(kFloat32).contiguous();
  std::vector<float> inter(size_t(C * N));
  const float* p = src.data_ptr<float>();
  for (int64_t i = 0; i < N; ++i)
    for (int64_t c = 0; c < C; ++c) inter[size_t(i * C + c)] = p[c * N + i];
  MemWriter mem;
  SF_VIRTUAL_IO vio{mw_len, mw_seek, mw_read, mw_write, mw_tell};
  SndPtr f;
  {
    std::lock_guard<std::mutex> lock(open_mutex());
    f.reset(sf_open_virtual(&vio, SFM_WRITE, &info, &mem));
    DESCENT_CHECK(f != nullptr, fn, ": cannot create the encoder: ", sf_strerror(nullptr));
  }
  sf_command(f.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t put = N > 0 ? sf_writef_float(f.get(), inter.data(), N) : 0;
  DESCENT_CHECK(put == N, fn, ": wrote ", put, " of ", N, " frames: ", sf_strerror(f.get()));
  const int err = sf_close(f.release());
  DESCENT_CHECK(err == 0, fn, ": finishing the file failed: ", sf_error_number(err));
  return std::move(mem.bytes);
}

void write_audio(const std::string& path, const Tensor& samples, int64_t sample_rate, AudioFormat format,
                 AudioEncoding encoding) {
  fileio::write_file_bytes(path, encode_audio(samples, sample_rate, format, encoding), "write_audio");
}

}  // namespace descent::data
