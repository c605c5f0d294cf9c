// Audio from class folders: AudioFolder (WAV and FLAC through libsndfile, mixed down to mono,
// resampled to 16 kHz and padded/trimmed to half a second) with log-mel spectrogram features, a
// 70/20/10 split that keeps class proportions, and DataLoaders with two worker threads.
//
//   data_audio_folder [root] [--quiet]
//
// Without a root it writes the synthetic clips of tools/make_sample_data_media (high and low
// tones, noise; WAV and FLAC) into a temp folder.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "descent/data/audio_features.h"
#include "descent/data/data.h"
#include "descent/data/datasets/audio_folder.h"
#include "descent/data/synthetic_media.h"
#include "descent/descent.h"
#include "example_util.h"

using namespace descent;
using namespace descent::data;

int main(int argc, char** argv) {
  const example::Args a = example::parse_args(argc, argv);
  const bool quiet = a.quiet;
  const std::vector<std::string>& args = a.positional;
  const bool generated = args.empty();
  const example::ScratchDir scratch("descent_example_audio");
  const std::filesystem::path& tmp = scratch.path();
  const std::string root = generated ? (tmp / "audio").string() : args[0];
  int status = 0;
  try {
    if (generated) synthetic::write_audio_folder(root, /*per_class=*/20, /*seed=*/0, /*sample_rate=*/16000, 0.5);
    const int64_t rate = 16000;
    // 25 ms windows, 10 ms hop, 40 mel bands, in dB: [1, 40, 51] per half-second clip.
    const auto mel = MelSpectrogramOptions().sample_rate(rate).n_fft(400).hop_length(160).n_mels(40);
    auto clips = std::make_shared<AudioFolder>(
        root, AudioFolderOptions().sample_rate(rate).mono(true).num_samples(rate / 2).transform(
                  Compose({MelSpectrogram(mel), AmplitudeToDB()})));
    std::printf("%s: %lld clips (%lld other files skipped), classes:", root.c_str(),
                static_cast<long long>(clips->size()), static_cast<long long>(clips->num_skipped()));
    for (const auto& c : clips->classes()) std::printf(" %s", c.c_str());
    std::printf("\n");

    const auto parts = stratified_split_indices(clips->targets(), {0.7, 0.2, 0.1}, /*seed=*/0);
    if (!example::iterate_splits(clips, parts, 8, "clips", quiet)) status = 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "data_audio_folder: %s\n", e.message().c_str());
    status = 1;
  }
  return status;
}
