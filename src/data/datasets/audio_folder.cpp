#include "descent/data/datasets/audio_folder.h"

#include "descent/core/error.h"
#include "descent/data/audio_features.h"
#include "descent/data/formats/audio.h"
#include "descent/ops/ops.h"

namespace descent::data {

AudioFolder::AudioFolder(const std::string& root, AudioFolderOptions options)
    : ClassFolderDataset(root, options.extensions_, "AudioFolder", options.allow_empty_), options_(std::move(options)) {
  DESCENT_CHECK(options_.sample_rate_ >= 0, "AudioFolder: sample_rate must be >= 0 (0 keeps each file's), got ",
                options_.sample_rate_);
  DESCENT_CHECK(options_.num_samples_ >= 0, "AudioFolder: num_samples must be >= 0 (0 keeps the length), got ",
                options_.num_samples_);
  DESCENT_CHECK(!options_.random_crop_ || options_.num_samples_ > 0, "AudioFolder: random_crop needs num_samples");
}

Example AudioFolder::get(int64_t index) const {
  check_index(index, size(), "AudioFolder");
  const std::string& path = index_.paths[size_t(index)];
  Audio a = read_audio(path, AudioReadOptions()
                                 .mono(options_.mono_)
                                 .sample_rate(options_.sample_rate_)
                                 .resample_options(options_.resample_));
  Tensor x = a.samples;
  if (options_.num_samples_ > 0 || options_.transform_) {
    auto shape = [&](SampleRng& rng) {
      if (options_.num_samples_ > 0) x = PadOrTrim(options_.num_samples_, options_.random_crop_)(x, rng);
      if (options_.transform_) x = options_.transform_(x, rng);
    };
    try {
      if (SampleRng* rng = current_sample_rng()) {
        shape(*rng);
      } else {
        SampleRngScope scope(0, 0, uint64_t(index));  // as MapDataset: get(i) is repeatable outside a loader
        shape(scope.rng());
      }
    } catch (const Error& e) {
      DESCENT_FAIL("AudioFolder: transform of ", path, " (shape ", x.sizes(), ") failed: ", e.message());
    }
  }
  return {x, scalar_tensor(index_.labels[size_t(index)], kInt64)};
}

}  // namespace descent::data
