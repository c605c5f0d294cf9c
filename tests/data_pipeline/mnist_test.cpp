// MNIST / Fashion-MNIST from small IDX files made here; the Debian data only when installed.
#include <filesystem>

#include "data_test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::TempDir;

namespace {
// Writes a fake MNIST split of n images (image i is filled with i, label i % 10).
void write_split(const TempDir& dir, const std::string& prefix, int64_t n, bool gz) {
  Tensor images = (arange(n).reshape({n, 1, 1}) * ones({1, 28, 28}, kInt64)).to(kUInt8);
  std::vector<uint8_t> l;
  for (int64_t i = 0; i < n; ++i) l.push_back(uint8_t(i % 10));
  Tensor labels = from_vector(l);
  const std::string sfx = gz ? ".gz" : "";
  write_idx(dir.file(prefix + "-images-idx3-ubyte" + sfx), images, gz);
  write_idx(dir.file(prefix + "-labels-idx1-ubyte" + sfx), labels, gz);
}
}  // namespace

TEST(MNIST, ReadsPlainAndGzipSplits) {
  TempDir dir;
  write_split(dir, "train", 12, false);
  write_split(dir, "t10k", 5, true);
  MNIST train(dir.str(), true);
  EXPECT_EQ(train.size(), 12);
  Example e = train.get(11);
  EXPECT_EQ(e.data.sizes(), Shape({28, 28}));
  EXPECT_EQ(e.data.dtype(), kUInt8);
  EXPECT_EQ(e.data.at<int64_t>({3, 4}), 11);
  EXPECT_EQ(e.target.dtype(), kInt64);
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.item<int64_t>(), 1);
  FashionMNIST test(dir.str(), false);
  EXPECT_EQ(test.size(), 5);
  EXPECT_EQ(test.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));

  // With ToTensor + Normalize through a DataLoader.
  auto ds = std::make_shared<MapDataset>(std::make_shared<MNIST>(dir.str(), true), Compose({ToTensor(), Normalize({0.5}, {0.5})}));
  DataLoader loader(ds, DataLoaderOptions().batch_size(4).num_workers(2));
  auto it = loader.begin();
  EXPECT_EQ(it->data.sizes(), Shape({4, 1, 28, 28}));
  EXPECT_EQ(it->target.sizes(), Shape({4}));
  EXPECT_NEAR(it->data.at<float>({3, 0, 5, 5}), (3 / 255.0 - 0.5) / 0.5, 1e-6);
}

TEST(MNIST, MissingAndInconsistentFiles) {
  TempDir dir;
  std::string msg = error_of([&] { FashionMNIST(dir.str() + "/nowhere"); });
  EXPECT_NE(msg.find("train-images-idx3-ubyte(.gz) not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the folder does not exist"), std::string::npos) << msg;
  msg = error_of([&] { MNIST(dir.str(), false); });
  EXPECT_NE(msg.find("t10k-images-idx3-ubyte(.gz) not found"), std::string::npos) << msg;

  write_idx(dir.file("train-images-idx3-ubyte"), zeros({3, 28, 28}, kUInt8));
  write_idx(dir.file("train-labels-idx1-ubyte"), zeros({4}, kUInt8));
  msg = error_of([&] { MNIST(dir.str()); });
  EXPECT_NE(msg.find("has 3 images but"), std::string::npos) << msg;
  write_idx(dir.file("train-labels-idx1-ubyte"), from_vector(std::vector<uint8_t>{1, 12, 3}));
  msg = error_of([&] { MNIST(dir.str()); });
  EXPECT_NE(msg.find("label 12 of example 1"), std::string::npos) << msg;
  write_idx(dir.file("train-labels-idx1-ubyte"), zeros({3, 1}, kUInt8));
  EXPECT_NE(error_of([&] { MNIST(dir.str()); }).find("uint8 labels [N]"), std::string::npos);
  // A corrupt file: the IDX reader's error names it.
  data_test::write_bytes(dir.file("train-images-idx3-ubyte"), "garbage!");
  EXPECT_NE(error_of([&] { MNIST(dir.str()); }).find("train-images-idx3-ubyte: bad magic"), std::string::npos);
}

TEST(MNIST, DebianFashionMnistWhenInstalled) {
  if (!std::filesystem::exists(std::string(FashionMNIST::kDefaultRoot) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  FashionMNIST train;
  FashionMNIST test(FashionMNIST::kDefaultRoot, false);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(train.images().sizes(), Shape({60000, 28, 28}));
  EXPECT_EQ(train.get(0).target.item<int64_t>(), 9);  // the first training image is an ankle boot
  // 6000 of each class in the training split.
  Tensor counts = zeros({10}, kInt64).scatter_add(0, train.targets(), ones({60000}, kInt64));
  EXPECT_EQ(counts.to_vector<int64_t>(), std::vector<int64_t>(10, 6000));
}
