// KMeans on the 10,000 Fashion-MNIST test images (pixels / 255, float32, [10000, 784]), k = 10,
// n_init = 4, k-means++, scikit-learn's defaults otherwise (max_iter 300, tol 1e-4). Prints JSON
// lines as the other bench programs: {"bench": "kmeans_fmnist_s", "value": ...} (best of --repeat
// fits) and kmeans_fmnist_inertia, kmeans_fmnist_n_iter (of the last fit).
// Usage: descent_kmeans_bench [--root DIR] [--repeat N] [--seed S] [--threads N]
// bench/kmeans_run.sh runs it next to bench/kmeans_ref.py (scikit-learn) and compares them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_threads.h"
#include "descent/cluster/kmeans.h"
#include "descent/data/data.h"
#include "descent/descent.h"

using namespace descent;

int main(int argc, char** argv) {
  try {
    const int threads = descent_bench::take_threads(argc, argv, false);
    set_num_threads(threads);
    std::string root = data::FashionMNIST::kDefaultRoot;
    int repeat = 3;
    uint64_t seed = 0;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--root" && i + 1 < argc) root = argv[++i];
      else if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
      else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
      else {
        std::fprintf(stderr, "usage: %s [--root DIR] [--repeat N] [--seed S] [--threads N]\n", argv[0]);
        return 2;
      }
    }
    data::FashionMNIST test(root, /*train=*/false);
    Tensor x = test.images().reshape({test.size(), -1}).to(kFloat32).div(255.0);
    using clock = std::chrono::steady_clock;
    double best = 1e30, inertia = 0;
    int64_t n_iter = 0;
    for (int r = 0; r < repeat; ++r) {
      cluster::KMeans km(cluster::KMeansOptions(10).n_init(4).seed(seed));
      auto t0 = clock::now();
      km.fit(x);
      best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
      inertia = km.inertia();
      n_iter = km.n_iter();
    }
    std::printf("{\"bench\": \"kmeans_fmnist_s\", \"value\": %.4f}\n", best);
    std::printf("{\"bench\": \"kmeans_fmnist_inertia\", \"value\": %.6f}\n", inertia);
    std::printf("{\"bench\": \"kmeans_fmnist_n_iter\", \"value\": %lld}\n", (long long)n_iter);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descent_kmeans_bench: %s\n", e.what());
    return 1;
  }
}
