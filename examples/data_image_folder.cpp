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
#include "example_util.h"

using namespace descent;
using namespace descent::data;

int main(int argc, char** argv) {
  const example::Args a = example::parse_args(argc, argv);
  const bool quiet = a.quiet;
  const std::vector<std::string>& args = a.positional;
  const bool generated = args.empty();
  const example::ScratchDir scratch("descent_example_images");
  const std::filesystem::path& tmp = scratch.path();
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

    if (!example::iterate_splits(normalized, parts, 16, "images", quiet)) status = 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "data_image_folder: %s\n", e.message().c_str());
    status = 1;
  }
  return status;
}
