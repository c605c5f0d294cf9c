#include "descent/data/datasets/image_folder.h"

#include "descent/core/error.h"
#include "descent/data/formats/image.h"
#include "descent/ops/ops.h"

namespace descent::data {

ImageFolder::ImageFolder(const std::string& root, ImageFolderOptions options)
    : ClassFolderDataset(root, options.extensions_, "ImageFolder", options.allow_empty_), options_(std::move(options)) {
  DESCENT_CHECK(options_.channels_ >= 0 && options_.channels_ <= 4,
                "ImageFolder: channels must be 0 (keep), 1, 2, 3 or 4, got ", options_.channels_);
}

Example ImageFolder::get(int64_t index) const {
  check_index(index, size(), "ImageFolder");
  Tensor img = read_image(index_.paths[size_t(index)], options_.channels_);
  if (options_.transform_) {
    try {
      if (SampleRng* rng = current_sample_rng()) {
        img = options_.transform_(img, *rng);
      } else {
        SampleRngScope scope(0, 0, uint64_t(index));  // as MapDataset: get(i) is repeatable outside a loader
        img = options_.transform_(img, scope.rng());
      }
    } catch (const Error& e) {
      DESCENT_FAIL("ImageFolder: transform of ", index_.paths[size_t(index)], " (shape ", img.sizes(),
                   ") failed: ", e.message());
    }
  }
  return {img, scalar_tensor(index_.labels[size_t(index)], kInt64)};
}

}  // namespace descent::data
