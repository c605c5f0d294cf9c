// The main job until the Trainer and the `descent` CLI exist: the benchmark spec's MLP
// (784-256-ReLU-256-ReLU-10) trained on Fashion-MNIST from Debian's dataset-fashion-mnist package
// with descent's own pieces: FashionMNIST + ToTensor + a 90/10 train/validation split and a
// shuffling DataLoader (data), Sequential of Linear/ReLU (nn), CrossEntropyLoss, SGD with
// momentum and a cosine learning-rate schedule (optim), the best weights by validation loss
// saved as safetensors (io). It evaluates the best weights once on the 10,000 test images and
// writes a Markdown report.
//
//   ./build/release/examples/fashion_mnist_mlp [--epochs N] [--data DIR] [--out DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "descent/data/data.h"
#include "descent/descent.h"
#include "example_util.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

using example::arg;

struct EvalResult {
  double loss = 0, accuracy = 0;
  Tensor predictions, targets;
};

EvalResult evaluate(nn::Sequential& model, data::DataLoader& loader) {
  NoGradGuard ng;
  model->eval();
  nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().reduction(nn::Reduction::Sum));
  double total = 0;
  int64_t n = 0;
  std::vector<Tensor> preds, targets;
  for (auto& batch : loader) {
    Tensor logits = model(batch.data);
    total += criterion(logits, batch.target).item<double>();
    n += batch.target.size(0);
    preds.push_back(logits.argmax(1));
    targets.push_back(batch.target);
  }
  model->train();
  EvalResult r;
  r.predictions = cat(preds);
  r.targets = cat(targets);
  r.loss = total / double(n);
  r.accuracy = r.predictions.eq(r.targets).to(kFloat64).mean().item<double>();
  return r;
}

}  // namespace

int main(int argc, char** argv) try {
  const int epochs = std::stoi(arg(argc, argv, "--epochs", "10"));
  const std::string root = arg(argc, argv, "--data", data::FashionMNIST::kDefaultRoot);
  const fs::path out = arg(argc, argv, "--out", "runs/fashion_mnist_mlp");
  DESCENT_CHECK(epochs >= 1 && epochs <= 1000, "--epochs must be in 1..1000, got ", epochs);
  manual_seed(0);

  auto to_tensor = data::ToTensor();
  auto train_full = std::make_shared<data::MapDataset>(std::make_shared<data::FashionMNIST>(root, true), to_tensor);
  auto test_set = std::make_shared<data::MapDataset>(std::make_shared<data::FashionMNIST>(root, false), to_tensor);
  auto parts = data::random_split(train_full, {0.9, 0.1}, /*seed=*/0);
  data::DataLoader train_loader(parts[0], data::DataLoaderOptions().batch_size(128).shuffle(true).seed(0));
  data::DataLoader val_loader(parts[1], data::DataLoaderOptions().batch_size(1000));
  data::DataLoader test_loader(test_set, data::DataLoaderOptions().batch_size(1000));
  std::printf("Fashion-MNIST: %lld train, %lld validation, %lld test images; %d threads\n",
              (long long)parts[0]->size(), (long long)parts[1]->size(), (long long)test_set->size(),
              get_num_threads());

  nn::Sequential model(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 256), nn::ReLU(),
                       nn::Linear(256, 10));
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  optim::CosineAnnealingLR sched(opt, epochs);
  nn::CrossEntropyLoss criterion;
  fs::create_directories(out);
  const fs::path best_path = out / "best.safetensors";

  struct Row {
    int epoch;
    double lr, train_loss, val_loss, val_acc, secs;
  };
  std::vector<Row> rows;
  double best_val = INFINITY;
  int best_epoch = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int e = 1; e <= epochs; ++e) {
    const double lr = opt.param_groups()[0].options().get_lr();
    double total = 0;
    int64_t n = 0;
    for (auto& batch : train_loader) {
      opt.zero_grad();
      Tensor loss = criterion(model(batch.data), batch.target);
      loss.backward();
      opt.step();
      total += loss.item<double>() * double(batch.size());
      n += batch.size();
    }
    sched.step();
    EvalResult v = evaluate(model, val_loader);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rows.push_back({e, lr, total / double(n), v.loss, v.accuracy, secs});
    std::printf("epoch %2d/%d  lr %.4f  train loss %.4f  val loss %.4f  val acc %.2f%%  (%.1f s)\n", e, epochs, lr,
                total / double(n), v.loss, 100 * v.accuracy, secs);
    if (v.loss < best_val) {  // keep the best weights by validation loss
      best_val = v.loss;
      best_epoch = e;
      io::save(model, best_path.string(), {{"epoch", std::to_string(e)}});
    }
  }
  const double train_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  io::load(model, best_path.string());
  EvalResult t = evaluate(model, test_loader);
  Tensor cm = zeros({100}, kInt64)
                  .scatter_add(0, t.targets * 10 + t.predictions, ones({t.targets.size(0)}, kInt64))
                  .view({10, 10});
  std::printf("test accuracy %.2f%% (best epoch %d of %d by validation loss; %.1f s of training)\n",
              100 * t.accuracy, best_epoch, epochs, train_secs);

  const fs::path report = out / "report.md";
  std::ofstream r(report);
  DESCENT_CHECK(r.good(), "cannot write ", report.string());
  r << "# Fashion-MNIST MLP\n\nModel 784-256-ReLU-256-ReLU-10 (" << nn::summary(model, {1, 1, 28, 28}).total_params
    << " parameters), SGD lr 0.05 momentum 0.9 with cosine decay, batch 128, " << epochs << " epochs, "
    << get_num_threads() << " threads; 54,000 training / 6,000 validation images.\n\n"
    << "**Test accuracy: " << 100 * t.accuracy << "%** on " << t.targets.size(0)
    << " images, with the weights of epoch " << best_epoch << " (lowest validation loss), saved in `"
    << best_path.filename().string() << "`. Training took " << train_secs << " s.\n\n"
    << "| epoch | lr | train loss | val loss | val accuracy |\n|---|---|---|---|---|\n";
  for (auto& row : rows)
    r << "| " << row.epoch << " | " << row.lr << " | " << row.train_loss << " | " << row.val_loss << " | "
      << 100 * row.val_acc << "% |\n";
  r << "\n## Per-class test accuracy\n\n| class | accuracy |\n|---|---|\n";
  for (int64_t k = 0; k < 10; ++k) {
    const double row_total = double(cm[k].sum().item<int64_t>());
    r << "| " << data::FashionMNIST::kClasses[size_t(k)] << " | "
      << (row_total > 0 ? 100.0 * double(cm.at<int64_t>({k, k})) / row_total : 0.0) << "% |\n";
  }
  r << "\n## Confusion matrix (rows: true class, columns: predicted)\n\n```\n";
  for (int64_t k = 0; k < 10; ++k) {
    for (int64_t j = 0; j < 10; ++j) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%6lld", (long long)cm.at<int64_t>({k, j}));
      r << buf;
    }
    r << "   " << data::FashionMNIST::kClasses[size_t(k)] << "\n";
  }
  r << "```\n";
  std::printf("report: %s\n", fs::absolute(report).c_str());
  return 0;
} catch (const descent::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
