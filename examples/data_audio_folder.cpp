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

using namespace descent;
using namespace descent::data;

namespace {

std::string describe(const Tensor& t) {
  std::ostringstream os;
  os << t.sizes() << " " << t.dtype();
  return os.str();
}

}  // namespace

int main(int argc, char** argv) {
  bool quiet = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quiet") == 0) quiet = true;
    else args.emplace_back(argv[i]);
  }
  namespace fs = std::filesystem;
  const bool generated = args.empty();
  const fs::path tmp = fs::temp_directory_path() / ("descent_example_audio_" + std::to_string(::getpid()));
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
    const char* names[] = {"train", "val", "test"};
    for (size_t k = 0; k < 3; ++k) {
      auto split = std::make_shared<Subset>(clips, parts[k]);
      DataLoader loader(split, DataLoaderOptions().batch_size(8).shuffle(k == 0).seed(0).num_workers(2));
      int64_t batches = 0, seen = 0;
      for (auto& batch : loader) {
        if (batches == 0)
          std::printf("%-5s %3lld clips, %lld batches; first: data %s, target %s\n", names[k],
                      static_cast<long long>(split->size()), static_cast<long long>(loader.size()),
                      describe(batch.data).c_str(), describe(batch.target).c_str());
        else if (!quiet)
          std::printf("        batch %lld: data %s\n", static_cast<long long>(batches), describe(batch.data).c_str());
        ++batches;
        seen += batch.size();
      }
      if (seen != split->size()) {
        std::printf("FAILED: the %s loader gave %lld of %lld clips\n", names[k], static_cast<long long>(seen),
                    static_cast<long long>(split->size()));
        status = 1;
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "data_audio_folder: %s\n", e.message().c_str());
    status = 1;
  }
  if (generated) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }
  return status;
}
