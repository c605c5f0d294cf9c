// Images from class folders: ImageFolder (PNG and JPEG decoded to uint8 HWC, resized and turned
// into float CHW), a 70/20/10 split that keeps class proportions, Normalize with the mean and std
// of the training split only, and DataLoaders with two worker threads.
//
//   data_image_folder [root] [--quiet]
//
// Without a root it writes the synthetic shapes of tools/make_sample_data_media (circle, square,
// triangle; PNG and JPEG) into a temp folder.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "descent/data/data.h"
#include "descent/data/datasets/image_folder.h"
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
  const fs::path tmp = fs::temp_directory_path() / ("descent_example_images_" + std::to_string(::getpid()));
  const std::string root = generated ? (tmp / "images").string() : args[0];
  int status = 0;
  try {
    if (generated) synthetic::write_image_folder(root, /*per_class=*/30, /*seed=*/0, /*size=*/32);
    // Every image becomes 3 x 28 x 28 float in [0, 1], so that batches stack.
    auto images = std::make_shared<ImageFolder>(
        root, ImageFolderOptions().channels(3).transform(Compose({Resize(28, 28), ToTensor()})));
    std::printf("%s: %lld images (%lld other files skipped), classes:", root.c_str(),
                static_cast<long long>(images->size()), static_cast<long long>(images->num_skipped()));
    for (const auto& c : images->classes()) std::printf(" %s", c.c_str());
    std::printf("\n");

    const auto parts = stratified_split_indices(images->targets(), {0.7, 0.2, 0.1}, /*seed=*/0);
    // Normalisation statistics from the training images only.
    const ChannelStats stats = compute_mean_std(Subset(images, parts[0]));
    std::printf("training mean %.3f %.3f %.3f, std %.3f %.3f %.3f\n", stats.mean[0], stats.mean[1], stats.mean[2],
                stats.std[0], stats.std[1], stats.std[2]);
    auto normalized = std::make_shared<MapDataset>(images, Normalize(stats.mean, stats.std));

    const char* names[] = {"train", "val", "test"};
    for (size_t k = 0; k < 3; ++k) {
      auto split = std::make_shared<Subset>(normalized, parts[k]);
      DataLoader loader(split, DataLoaderOptions().batch_size(16).shuffle(k == 0).seed(0).num_workers(2));
      int64_t batches = 0, seen = 0;
      for (auto& batch : loader) {
        if (batches == 0)
          std::printf("%-5s %3lld images, %lld batches; first: data %s, target %s\n", names[k],
                      static_cast<long long>(split->size()), static_cast<long long>(loader.size()),
                      describe(batch.data).c_str(), describe(batch.target).c_str());
        else if (!quiet)
          std::printf("        batch %lld: data %s\n", static_cast<long long>(batches), describe(batch.data).c_str());
        ++batches;
        seen += batch.size();
      }
      if (seen != split->size()) {
        std::printf("FAILED: the %s loader gave %lld of %lld images\n", names[k], static_cast<long long>(seen),
                    static_cast<long long>(split->size()));
        status = 1;
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "data_image_folder: %s\n", e.message().c_str());
    status = 1;
  }
  if (generated) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }
  return status;
}
