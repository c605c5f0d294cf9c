// The two models of the benchmark spec (../shared/bench/SPEC.md), written with nn modules:
//   MLP  784-256-ReLU-256-ReLU-10, CrossEntropy, SGD lr 0.05 momentum 0.9
//   CNN  Conv(1,32,3,pad 1)-ReLU-MaxPool2-Conv(32,64,3,pad 1)-ReLU-MaxPool2-Flatten-
//        Linear(3136,128)-ReLU-Linear(128,10), CrossEntropy, Adam lr 1e-3
// trained on synthetic data of Fashion-MNIST's shapes (1x28x28 images, 10 classes: a random
// template per class plus noise), so it runs anywhere. Exits 0 when both losses fell by half.
//
//   ./build/release/examples/nn_spec_models [--quiet]
#include <cstdio>
#include <cstring>

#include "descent/descent.h"

using namespace descent;

namespace {

nn::Sequential make_mlp() {
  return nn::Sequential(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 256), nn::ReLU(),
                        nn::Linear(256, 10));
}

nn::Sequential make_cnn() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Flatten(), nn::Linear(3136, 128), nn::ReLU(), nn::Linear(128, 10));
}

// Mean loss over the data after training `epochs` epochs with mini-batches of 128; returns
// {loss before, loss after}.
std::pair<double, double> train(nn::Sequential& model, optim::Optimizer& opt, const Tensor& x, const Tensor& y,
                                int epochs, bool quiet, const char* name) {
  nn::CrossEntropyLoss criterion;
  auto full_loss = [&] {
    NoGradGuard ng;
    return criterion(model(x), y).item<double>();
  };
  const double before = full_loss();
  const int64_t n = x.size(0), batch = 128;
  for (int e = 1; e <= epochs; ++e) {
    Tensor perm = randperm(n);
    for (int64_t s = 0; s < n; s += batch) {
      Tensor idx = perm.narrow(0, s, std::min(batch, n - s));
      opt.zero_grad();
      Tensor loss = criterion(model(x.index_select(0, idx)), y.index_select(0, idx));
      loss.backward();
      opt.step();
    }
    if (!quiet) std::printf("%s epoch %d: loss %.4f\n", name, e, full_loss());
  }
  return {before, full_loss()};
}

}  // namespace

int main(int argc, char** argv) {
  const bool quiet = argc > 1 && std::strcmp(argv[1], "--quiet") == 0;
  manual_seed(0);
  const int64_t n = 1024;
  Tensor templates = rand({10, 1, 28, 28});
  Tensor y = randint(0, 10, {n});
  Tensor x = templates.index_select(0, y) + randn({n, 1, 28, 28}) * 0.5;

  nn::Sequential mlp = make_mlp();
  optim::SGD sgd(mlp->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  auto [m0, m1] = train(mlp, sgd, x, y, 3, quiet, "mlp");

  nn::Sequential cnn = make_cnn();
  if (!quiet) std::printf("%s\n", nn::summary(cnn, {1, 1, 28, 28}).to_string().c_str());
  optim::Adam adam(cnn->parameters(), optim::AdamOptions(1e-3));
  auto [c0, c1] = train(cnn, adam, x, y, 6, quiet, "cnn");

  std::printf("mlp: loss %.4f -> %.4f\ncnn: loss %.4f -> %.4f\n", m0, m1, c0, c1);
  const bool ok = m1 < 0.5 * m0 && c1 < 0.5 * c0;
  std::printf("%s\n", ok ? "both losses fell by more than half" : "FAILED: a loss did not fall by half");
  return ok ? 0 : 1;
}
