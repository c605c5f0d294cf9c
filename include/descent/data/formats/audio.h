#pragma once
// Audio files through libsndfile: WAV (8-bit unsigned, 16/24/32-bit PCM, 32/64-bit float), FLAC,
// OGG/Vorbis, and also RF64, Wave64, AIFF, AU and CAF (recognised by their magic bytes; other formats
// libsndfile could probe, MP3 included, are refused), decoded to float32 [C, N] (channels x frames)
// with integer PCM scaled to [-1, 1) as torchaudio.load does (v / 2^(bits-1); 8-bit: (v - 128) / 128).
// Float files keep their values.
//
// Hostile input: empty, truncated or corrupt files, a WAV whose data chunk claims more bytes than the
// file holds, zero channels or sample rate, and more than max_samples samples each throw a
// descent::Error naming the file (or `name` for bytes). Samples are read in blocks into a growing
// buffer, so what is allocated is bounded by what the file really decodes to.
#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/core/tensor.h"
#include "descent/data/audio_features.h"

namespace descent::data {

/// Files with more samples (frames x channels) than this are refused by default (2^28: 1 GiB of float32).
inline constexpr int64_t kMaxAudioSamples = int64_t(1) << 28;
/// At most this many channels.
inline constexpr int64_t kMaxAudioChannels = 256;

/// A decoded sound.
struct Audio {
  /// float32 [C, N]: channels x frames.
  Tensor samples;
  /// Frames per second (Hz).
  int64_t sample_rate = 0;
  int64_t channels() const { return samples.size(0); }
  int64_t frames() const { return samples.size(1); }
  /// Length in seconds.
  double duration() const { return double(frames()) / double(sample_rate); }
};

/// How read_audio/decode_audio shape the result.
struct AudioReadOptions {
  /// Average the channels into one ([1, N]).
  AudioReadOptions& mono(bool v) { mono_ = v; return *this; }
  /// Resample to this rate; 0 keeps the file's rate.
  AudioReadOptions& sample_rate(int64_t v) { sample_rate_ = v; return *this; }
  /// The resampling filter (torchaudio's default; ResampleOptions::kaiser_best() is sharper).
  AudioReadOptions& resample_options(const ResampleOptions& v) { resample_ = v; return *this; }
  /// Refuse files with more samples (frames x channels) than this.
  AudioReadOptions& max_samples(int64_t v) { max_samples_ = v; return *this; }

  bool mono_ = false;
  int64_t sample_rate_ = 0;
  ResampleOptions resample_;
  int64_t max_samples_ = kMaxAudioSamples;
};

/// What a file's header says.
struct AudioInfo {
  int64_t frames = 0;
  int64_t sample_rate = 0;
  int64_t channels = 0;
  /// Container, e.g. "WAV", "FLAC", "OGG".
  std::string format;
  /// Sample encoding, e.g. "PCM_16", "FLOAT", "VORBIS".
  std::string encoding;
};

/// The header of an audio file (no samples are decoded).
AudioInfo read_audio_info(const std::string& path);
/// Reads an audio file into float32 [C, N] plus its sample rate.
Audio read_audio(const std::string& path, const AudioReadOptions& options = {});
/// Decodes audio file bytes; `name` stands for the file in error messages.
Audio decode_audio(const void* data, size_t size, const AudioReadOptions& options = {},
                   const std::string& name = "<memory>");

/// Containers write_audio can write.
enum class AudioFormat { Wav, Flac, Ogg };
/// Sample encodings: PcmU8 is WAV's 8-bit, PcmS8 FLAC's; Vorbis only in Ogg; floats only in WAV.
enum class AudioEncoding { PcmU8, PcmS8, Pcm16, Pcm24, Pcm32, Float32, Float64, Vorbis };

/// Encodes float [C, N] (or [N], one channel) samples in [-1, 1] (integer encodings clip outside it).
std::string encode_audio(const Tensor& samples, int64_t sample_rate, AudioFormat format = AudioFormat::Wav,
                         AudioEncoding encoding = AudioEncoding::Pcm16);
/// encode_audio written to a file.
void write_audio(const std::string& path, const Tensor& samples, int64_t sample_rate,
                 AudioFormat format = AudioFormat::Wav, AudioEncoding encoding = AudioEncoding::Pcm16);

}  // namespace descent::data
