// Per-layer time of the spec's cnn_train step (batch 128): forward and backward of each op in
// isolation, milliseconds per call (median of repeats), at the thread count given (default 2).
// Shows where a training step spends its time, next to a whole step for comparison.
//
//   descent_layer_bench [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench_threads.h"
#include "descent/descent.h"

namespace {
namespace F = descent::nn::functional;
using descent::Tensor;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median_ms(const std::function<void()>& fn, int reps = 30) {
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    fn();
    t.push_back((now() - t0) * 1e3);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Forward time of f on fresh leaves, and backward time of the op alone (grad of ones-like).
void layer(const char* name, std::vector<Tensor> inputs, const std::function<Tensor(const std::vector<Tensor>&)>& f) {
  for (auto& t : inputs)
    if (t.is_floating_point()) t.requires_grad_(true);
  const double fwd = median_ms([&] { (void)f(inputs); });
  Tensor out = f(inputs);
  Tensor g = descent::randn(out.sizes());
  const double both = median_ms([&] {
    for (auto& t : inputs) t.zero_grad();
    f(inputs).backward(g);
  });
  std::printf("%-28s fwd %8.3f ms   bwd %8.3f ms\n", name, fwd, both - fwd);
}
}  // namespace

int main(int argc, char** argv) {
  const int threads = descent_bench::take_threads(argc, argv, true);
  descent::set_num_threads(threads);
  descent::manual_seed(0);
  const int64_t B = 128;
  Tensor x = descent::rand({B, 1, 28, 28});
  Tensor w1 = descent::randn({32, 1, 3, 3}) * 0.3, b1 = descent::randn({32}) * 0.1;
  Tensor w2 = descent::randn({64, 32, 3, 3}) * 0.06, b2 = descent::randn({64}) * 0.1;
  Tensor a1 = descent::randn({B, 32, 28, 28});
  Tensor p1 = descent::randn({B, 32, 14, 14});
  Tensor a2 = descent::randn({B, 64, 14, 14});
  Tensor f = descent::randn({B, 3136});
  Tensor wf1 = descent::randn({128, 3136}) * 0.02, bf1 = descent::randn({128}) * 0.1;
  Tensor h = descent::randn({B, 128});
  Tensor wf2 = descent::randn({10, 128}) * 0.1, bf2 = descent::randn({10}) * 0.1;
  Tensor y = descent::randint(0, 10, {B});
  std::printf("descent_layer_bench: %d threads, batch %lld\n", threads, (long long)B);
  // conv1's input is data (no grad): time backward as the weight and bias gradients only.
  {
    Tensor w = w1.clone().requires_grad_(true), b = b1.clone().requires_grad_(true);
    const double fwd = median_ms([&] { (void)F::conv2d(x, w, b, 1, 1); });
    Tensor g = descent::randn({B, 32, 28, 28});
    const double both = median_ms([&] {
      w.zero_grad(), b.zero_grad();
      F::conv2d(x, w, b, 1, 1).backward(g);
    });
    std::printf("%-28s fwd %8.3f ms   bwd %8.3f ms\n", "conv1 1->32 28x28", fwd, both - fwd);
  }
  layer("relu1 [128,32,28,28]", {a1}, [](const auto& v) { return descent::relu(v[0]); });
  layer("maxpool1 2x2", {a1}, [](const auto& v) { return F::max_pool2d(v[0], 2); });
  layer("conv2 32->64 14x14", {p1, w2, b2}, [](const auto& v) { return F::conv2d(v[0], v[1], v[2], 1, 1); });
  layer("relu2 [128,64,14,14]", {a2}, [](const auto& v) { return descent::relu(v[0]); });
  layer("maxpool2 2x2", {a2}, [](const auto& v) { return F::max_pool2d(v[0], 2); });
  layer("fc1 3136->128", {f, wf1, bf1}, [](const auto& v) { return F::linear(v[0], v[1], v[2]); });
  layer("relu3 [128,128]", {h}, [](const auto& v) { return descent::relu(v[0]); });
  layer("fc2 128->10", {h, wf2, bf2}, [](const auto& v) { return F::linear(v[0], v[1], v[2]); });
  {
    Tensor logits = descent::randn({B, 10}).requires_grad_(true);
    const double fwd = median_ms([&] { (void)F::cross_entropy(logits, y); });
    const double both = median_ms([&] {
      logits.zero_grad();
      F::cross_entropy(logits, y).backward();
    });
    std::printf("%-28s fwd %8.3f ms   bwd %8.3f ms\n", "cross_entropy", fwd, both - fwd);
  }
  // Whole step.
  namespace nn = descent::nn;
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Flatten(), nn::Linear(3136, 128), nn::ReLU(), nn::Linear(128, 10));
  descent::optim::Adam opt(model->parameters(), descent::optim::AdamOptions(1e-3));
  const double fwd = median_ms([&] { (void)F::cross_entropy(model(x), y); });
  const double step = median_ms([&] {
    opt.zero_grad();
    F::cross_entropy(model(x), y).backward();
    opt.step();
  });
  const double adam = median_ms([&] { opt.step(); });
  std::printf("%-28s fwd %8.3f ms   step %8.3f ms (Adam step alone %.3f ms)  -> %.0f samples/s\n", "whole model", fwd,
              step, adam, B / step * 1e3);
  return 0;
}
