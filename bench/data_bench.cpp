// DataLoader throughput over Fashion-MNIST (train split, 60000 images) with ToTensor + Normalize,
// batch 128, shuffled, for several worker counts. Prints JSON lines as the other bench programs:
//   {"bench": "data_fmnist_w2_samples_per_s", "value": ...}
// Usage: descent_data_bench [--epochs N] [--workers 0,2] [--root DIR] [--threads N] [--augment]
// --augment adds RandomCrop(28, padding 2) + RandomRotation(10) before ToTensor (names get _aug).
// The target: loading outpaces the spec's cnn_train (samples/s) at least tenfold.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench_threads.h"
#include "descent/data/data.h"
#include "descent/descent.h"

using namespace descent;
using namespace descent::data;

int main(int argc, char** argv) {
  try {
    const int threads = descent_bench::take_threads(argc, argv, false);
    set_num_threads(threads);
    int epochs = 3;
    std::vector<int> workers = {0, 2};
    std::string root = FashionMNIST::kDefaultRoot;
    bool augment = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--epochs" && i + 1 < argc) epochs = std::max(1, std::atoi(argv[++i]));
      else if (a == "--root" && i + 1 < argc) root = argv[++i];
      else if (a == "--augment") augment = true;
      else if (a == "--workers" && i + 1 < argc) {
        workers.clear();
        std::stringstream ss(argv[++i]);
        for (std::string w; std::getline(ss, w, ',');) workers.push_back(std::atoi(w.c_str()));
      } else {
        std::fprintf(stderr, "usage: %s [--epochs N] [--workers 0,2] [--root DIR] [--threads N] [--augment]\n", argv[0]);
        return 2;
      }
    }
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    auto raw = std::make_shared<FashionMNIST>(root, true);
    const double load_s = std::chrono::duration<double>(clock::now() - t0).count();
    std::printf("{\"bench\": \"data_fmnist_read_idx_s\", \"value\": %.4f}\n", load_s);
    // Fashion-MNIST's training-set mean and std of pixels / 255.
    std::vector<TensorTransform> steps;
    if (augment) steps = {RandomCrop(28, 2), RandomRotation(10)};
    steps.push_back(ToTensor());
    steps.push_back(Normalize({0.2860}, {0.3530}));
    auto ds = std::make_shared<MapDataset>(raw, Compose(steps));
    const char* tag = augment ? "_aug" : "";
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
      std::printf("{\"bench\": \"data_fmnist%s_w%d_batches_per_s\", \"value\": %.1f}\n", tag, w, double(batches) / best);
      std::printf("{\"bench\": \"data_fmnist%s_w%d_samples_per_s\", \"value\": %.0f}\n", tag, w, double(samples) / best);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descent_data_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
