#pragma once
// ImageFolder (torchvision.datasets.ImageFolder): root/<class>/**.png|jpg|jpeg, decoded on get().
//
//   ImageFolder ds("data/shapes", ImageFolderOptions().channels(3).transform(Compose({Resize(32, 32), ToTensor()})));
//
// Images of different sizes cannot be stacked into a batch: give a transform that makes them one size
// (Resize, CenterCrop); otherwise the DataLoader's collate fails with an error naming the two shapes.
#include <cstdint>
#include <string>
#include <vector>

#include "descent/data/dataset.h"
#include "descent/data/datasets/class_folder.h"

namespace descent::data {

/// How ImageFolder finds and decodes images.
struct ImageFolderOptions {
  /// Channels of the decoded uint8 [H, W, C] images: 1, 2, 3 (default, as torchvision's RGB loader),
  /// 4, or 0 to keep each file's.
  ImageFolderOptions& channels(int v) { channels_ = v; return *this; }
  /// Extensions of the image files (case-insensitive); others are skipped and counted.
  ImageFolderOptions& extensions(std::vector<std::string> v) { extensions_ = std::move(v); return *this; }
  /// Applied to each decoded image with the sample's SampleRng (e.g. Compose({Resize, ToTensor})).
  ImageFolderOptions& transform(TensorTransform v) { transform_ = std::move(v); return *this; }
  /// Allow class folders without images (their classes keep their index).
  ImageFolderOptions& allow_empty(bool v) { allow_empty_ = v; return *this; }

  int channels_ = 3;
  std::vector<std::string> extensions_ = {".png", ".jpg", ".jpeg"};
  TensorTransform transform_;
  bool allow_empty_ = false;
};

/// Labelled images from a class-folder tree: examples (image, int64 class index as a 0-d tensor).
class ImageFolder : public ClassFolderDataset {
 public:
  /// Scans root (see scan_class_folders); images are decoded lazily by get().
  explicit ImageFolder(const std::string& root, ImageFolderOptions options = {});
  /// Decodes image `index` (errors name the file) and applies the transform.
  Example get(int64_t index) const override;

 private:
  ImageFolderOptions options_;
};

}  // namespace descent::data
