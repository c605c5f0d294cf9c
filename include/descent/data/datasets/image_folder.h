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
class ImageFolder : public Dataset {
 public:
  /// Scans root (see scan_class_folders); images are decoded lazily by get().
  explicit ImageFolder(const std::string& root, ImageFolderOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(index_.paths.size()); }
  /// Decodes image `index` (errors name the file) and applies the transform.
  Example get(int64_t index) const override;

  /// Sorted class names.
  const std::vector<std::string>& classes() const { return index_.classes; }
  /// The index of a class name; an error listing the classes when unknown.
  int64_t class_index(const std::string& name) const;
  /// The file of each example.
  const std::vector<std::string>& paths() const { return index_.paths; }
  /// The class index of each example, without decoding (for stratified_split_indices).
  const std::vector<int64_t>& targets() const { return index_.labels; }
  /// Files under the class folders that are not images by extension.
  int64_t num_skipped() const { return static_cast<int64_t>(index_.skipped.size()); }
  const std::vector<std::string>& skipped_files() const { return index_.skipped; }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  ImageFolderOptions options_;
  ClassFolderIndex index_;
};

}  // namespace descent::data
