#pragma once
// MNIST and Fashion-MNIST from their four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), each plain or with a .gz suffix.
#include <array>
#include <cstdint>
#include <string>

#include "descent/core/tensor.h"
#include "descent/data/dataset.h"

namespace descent::data {

/// The MNIST digits: examples (uint8 image [28, 28], int64 label 0..9 as a 0-d tensor).
/// Wrap in a MapDataset with ToTensor (+ Normalize) for float input.
class MNIST : public Dataset {
 public:
  /// Reads the training (60000) or test (10000) split from the IDX files in root.
  explicit MNIST(const std::string& root, bool train = true);
  int64_t size() const override { return images_.size(0); }
  Example get(int64_t index) const override;
  /// All images [N, H, W] uint8.
  const Tensor& images() const { return images_; }
  /// All labels [N] int64.
  const Tensor& targets() const { return targets_; }

 protected:
  MNIST(const std::string& root, bool train, const char* name, const char* missing_hint);

 private:
  Tensor images_, targets_;
};

/// Zalando's Fashion-MNIST: same format and sizes, 10 clothing classes.
class FashionMNIST : public MNIST {
 public:
  /// Where Debian's dataset-fashion-mnist package installs the files.
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";
  static constexpr std::array<const char*, 10> kClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  explicit FashionMNIST(const std::string& root = kDefaultRoot, bool train = true);
};

}  // namespace descent::data
