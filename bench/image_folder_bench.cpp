// DataLoader throughput over an ImageFolder of PNG files (decoded on every get(): file read + libpng),
// with ToTensor + Normalize, batch 128, shuffled, for several worker counts. The images are the first
// --images Fashion-MNIST training images (28 x 28 gray, one folder per label) written as PNGs to a
// temp folder, or synthetic 28 x 28 shapes when Fashion-MNIST is not installed. Prints JSON lines as
// the other bench programs:
//   {"bench": "data_imagefolder_png_w2_samples_per_s", "value": ...}
// Usage: descent_image_folder_bench [--images N] [--epochs N] [--workers 0,2] [--threads N]
// The target: loading outpaces the spec's cnn_train (samples/s) at least tenfold.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench_threads.h"
#include "descent/data/data.h"
#include "descent/descent.h"

using namespace descent;
using namespace descent::data;
namespace fs = std::filesystem;

namespace {

// Writes `count` images under root/<label>/; returns a description of the source.
std::string write_pngs(const fs::path& root, int64_t count) {
  std::error_code ec;
  if (fs::exists(FashionMNIST::kDefaultRoot, ec)) {
    FashionMNIST fm(FashionMNIST::kDefaultRoot, true);
    count = std::min(count, fm.size());
    for (int64_t i = 0; i < count; ++i) {
      const Example e = fm.get(i);
      const fs::path dir = root / std::to_string(e.target.to_vector<int64_t>()[0]);
      fs::create_directories(dir);
      char name[32];
      std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
      write_png((dir / name).string(), e.data);
    }
    return "fashion-mnist";
  }
  synthetic::write_image_folder(root.string(), (count + 2) / 3, 0, 28);
  return "synthetic";
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path root = fs::temp_directory_path() / ("descent_image_folder_bench_" + std::to_string(::getpid()));
  int status = 0;
  try {
    const int threads = descent_bench::take_threads(argc, argv, false);
    set_num_threads(threads);
    int epochs = 3;
    int64_t images = 10000;
    std::vector<int> workers = {0, 2};
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--epochs" && i + 1 < argc) epochs = std::max(1, std::atoi(argv[++i]));
      else if (a == "--images" && i + 1 < argc) images = std::max(128, std::atoi(argv[++i]));
      else if (a == "--workers" && i + 1 < argc) {
        workers.clear();
        std::stringstream ss(argv[++i]);
        for (std::string w; std::getline(ss, w, ',');) workers.push_back(std::atoi(w.c_str()));
      } else {
        std::fprintf(stderr, "usage: %s [--images N] [--epochs N] [--workers 0,2] [--threads N]\n", argv[0]);
        return 2;
      }
    }
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    const std::string source = write_pngs(root, images);
    std::fprintf(stderr, "descent_image_folder_bench: %s PNGs written in %.2f s\n", source.c_str(),
                 std::chrono::duration<double>(clock::now() - t0).count());
    auto ds = std::make_shared<ImageFolder>(
        root.string(), ImageFolderOptions().channels(1).transform(Compose({ToTensor(), Normalize({0.2860}, {0.3530})})));
    for (int w : workers) {
      DataLoader loader(ds, DataLoaderOptions().batch_size(128).shuffle(true).num_workers(w).seed(0));
      double best = 1e30;
      int64_t batches = 0, samples = 0;
      for (int e = 0; e < epochs; ++e) {
        batches = samples = 0;
        auto start = clock::now();
        for (auto& b : loader) {
          ++batches;
          samples += b.size();
        }
        best = std::min(best, std::chrono::duration<double>(clock::now() - start).count());
      }
      std::printf("{\"bench\": \"data_imagefolder_png_w%d_batches_per_s\", \"value\": %.1f}\n", w, double(batches) / best);
      std::printf("{\"bench\": \"data_imagefolder_png_w%d_samples_per_s\", \"value\": %.0f}\n", w, double(samples) / best);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descent_image_folder_bench: %s\n", e.what());
    status = 1;
  }
  std::error_code ec;
  fs::remove_all(root, ec);
  return status;
}
