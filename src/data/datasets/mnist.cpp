#include "descent/data/datasets/mnist.h"

#include <filesystem>

#include "descent/core/error.h"
#include "descent/data/formats/idx.h"
#include "descent/ops/ops.h"

namespace descent::data {
namespace {

namespace fs = std::filesystem;

// The file `stem` in root, plain or gzip; an Error naming what is missing and how to get it.
std::string find_file(const std::string& root, const std::string& stem, const char* dataset, const char* hint) {
  const fs::path base = fs::path(root) / stem;
  for (const std::string& candidate : {base.string(), base.string() + ".gz"}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  std::error_code ec;
  const bool root_exists = fs::is_directory(root, ec);
  DESCENT_FAIL(dataset, ": ", base.string(), "(.gz) not found", root_exists ? "" : " (the folder does not exist)", "; ",
               hint);
}

}  // namespace

MNIST::MNIST(const std::string& root, bool train)
    : MNIST(root, train, "MNIST",
            "pass the folder holding the four MNIST IDX files (train-images-idx3-ubyte[.gz], "
            "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])") {}

MNIST::MNIST(const std::string& root, bool train, const char* name, const char* missing_hint) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte", name, missing_hint);
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte", name, missing_hint);
  Tensor images = read_idx(images_path);
  Tensor labels = read_idx(labels_path);
  DESCENT_CHECK(images.dtype() == kUInt8 && images.dim() == 3, name, ": ", images_path,
                " should hold uint8 images [N, H, W], but holds ", images.dtype(), " of shape ", images.sizes());
  DESCENT_CHECK(labels.dtype() == kUInt8 && labels.dim() == 1, name, ": ", labels_path,
                " should hold uint8 labels [N], but holds ", labels.dtype(), " of shape ", labels.sizes());
  DESCENT_CHECK(images.size(0) == labels.size(0), name, ": ", images_path, " has ", images.size(0), " images but ",
                labels_path, " has ", labels.size(0), " labels");
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < labels.size(0); ++i)
    DESCENT_CHECK(l[i] <= 9, name, ": ", labels_path, ": label ", int(l[i]), " of example ", i, " (offset ", 8 + i,
                  ") is outside 0..9");
  images_ = images;
  targets_ = labels.to(kInt64);
}

Example MNIST::get(int64_t index) const {
  check_index(index, size(), "MNIST");
  Tensor label = empty({}, kInt64);
  *label.data_ptr<int64_t>() = targets_.data_ptr<int64_t>()[index];
  return {images_.select(0, index), label};
}

FashionMNIST::FashionMNIST(const std::string& root, bool train)
    : MNIST(root, train, "FashionMNIST",
            root == kDefaultRoot
                ? "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist, or "
                  "scripts/install-deps.sh), or pass the folder holding the Fashion-MNIST IDX files"
                : "pass the folder holding the Fashion-MNIST IDX files, or use the default root "
                  "/usr/share/datasets/fashion-mnist from the Debian package dataset-fashion-mnist") {}

}  // namespace descent::data
