#pragma once
// AudioFolder: root/<class>/**.wav|flac|ogg, decoded on get() to float32 [C, N], optionally mixed
// down, resampled, padded/cropped to a fixed length, and turned into features:
//
//   AudioFolder ds("data/sounds", AudioFolderOptions().sample_rate(16000).num_samples(16000)
//                                     .transform(MelSpectrogram(MelSpectrogramOptions().n_mels(64))));
//
// Clips of different lengths cannot be stacked into a batch: set num_samples (or a transform that
// fixes the length).
#include <cstdint>
#include <string>
#include <vector>

#include "descent/data/audio_features.h"
#include "descent/data/dataset.h"
#include "descent/data/datasets/class_folder.h"

namespace descent::data {

/// How AudioFolder finds, decodes and shapes clips.
struct AudioFolderOptions {
  /// Resample every clip to this rate (Hz); 0 keeps each file's rate.
  AudioFolderOptions& sample_rate(int64_t v) { sample_rate_ = v; return *this; }
  /// The resampling filter (torchaudio's default; ResampleOptions::kaiser_best() is sharper).
  AudioFolderOptions& resample_options(const ResampleOptions& v) { resample_ = v; return *this; }
  /// Average the channels into one (default true).
  AudioFolderOptions& mono(bool v) { mono_ = v; return *this; }
  /// Pad with zeros or trim every clip to this many samples (after resampling); 0 keeps the length.
  AudioFolderOptions& num_samples(int64_t v) { num_samples_ = v; return *this; }
  /// Trim from a random offset (drawn from the sample's SampleRng) instead of the start: for training.
  AudioFolderOptions& random_crop(bool v) { random_crop_ = v; return *this; }
  /// Applied last to the waveform [C, N] with the sample's SampleRng (e.g. MelSpectrogram, MFCC).
  AudioFolderOptions& transform(TensorTransform v) { transform_ = std::move(v); return *this; }
  /// Extensions of the audio files (case-insensitive); others are skipped and counted.
  AudioFolderOptions& extensions(std::vector<std::string> v) { extensions_ = std::move(v); return *this; }
  /// Allow class folders without clips.
  AudioFolderOptions& allow_empty(bool v) { allow_empty_ = v; return *this; }

  int64_t sample_rate_ = 0;
  ResampleOptions resample_;
  bool mono_ = true;
  int64_t num_samples_ = 0;
  bool random_crop_ = false;
  TensorTransform transform_;
  std::vector<std::string> extensions_ = {".wav", ".flac", ".ogg"};
  bool allow_empty_ = false;
};

/// Labelled audio clips from a class-folder tree: examples (features, int64 class index as a 0-d tensor).
class AudioFolder : public ClassFolderDataset {
 public:
  /// Scans root (see scan_class_folders); clips are decoded lazily by get().
  explicit AudioFolder(const std::string& root, AudioFolderOptions options = {});
  /// Decodes clip `index` (errors name the file), shapes it and applies the transform.
  Example get(int64_t index) const override;

 private:
  AudioFolderOptions options_;
};

}  // namespace descent::data
