// The Fashion-MNIST MLP of fashion_mnist_mlp.cpp, trained with train::Trainer instead of a
// hand-written loop: a progress bar (one updating line on a terminal), cosine learning-rate
// decay, early stopping on validation loss with the best weights restored, best/last
// checkpoints, metrics.csv / metrics.jsonl and the training report (report.html: curves, learning
// rate, confusion matrix, per-class precision/recall) in the output folder. --resume continues a
// run from OUT/last.ckpt (killed at any point) to the same final weights.
//
//   ./build/release/examples/fashion_mnist_trainer [--epochs N] [--data DIR] [--out DIR] [--resume]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "descent/core/format.h"
#include "descent/data/data.h"
#include "descent/descent.h"
#include "descent/report/training_report.h"
#include "example_util.h"
#include "descent/train/train.h"

using namespace descent;
namespace fs = std::filesystem;

using example::arg;
using example::flag;

int main(int argc, char** argv) try {
  const int epochs = std::stoi(arg(argc, argv, "--epochs", "10"));
  const std::string root = arg(argc, argv, "--data", data::FashionMNIST::kDefaultRoot);
  const fs::path out = arg(argc, argv, "--out", "runs/fashion_mnist_trainer");
  DESCENT_CHECK(epochs >= 1 && epochs <= 1000, "--epochs must be in 1..1000, got ", epochs);
  manual_seed(0);

  auto to_tensor = data::ToTensor();
  auto train_full = std::make_shared<data::MapDataset>(std::make_shared<data::FashionMNIST>(root, true), to_tensor);
  auto test_set = std::make_shared<data::MapDataset>(std::make_shared<data::FashionMNIST>(root, false), to_tensor);
  auto parts = data::random_split(train_full, {0.9, 0.1}, /*seed=*/0);
  data::DataLoader train_loader(parts[0], data::DataLoaderOptions().batch_size(128).shuffle(true).seed(0));
  data::DataLoader val_loader(parts[1], data::DataLoaderOptions().batch_size(1000));
  data::DataLoader test_loader(test_set, data::DataLoaderOptions().batch_size(1000));

  nn::Sequential model(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 256), nn::ReLU(),
                       nn::Linear(256, 10));
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  auto sched = std::make_shared<optim::CosineAnnealingLR>(opt, epochs);

  auto options = train::TrainerOptions().epochs(epochs).task(train::Task::MultiClass, 10).top_k(3);
  auto ckpt = std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions(out.string()).every_n_steps(100));
  if (flag(argc, argv, "--resume")) options.resume_from(ckpt->last_path());
  train::Trainer trainer(options);
  trainer.add_callback(std::make_shared<train::LRSchedulerCallback>(sched));
  trainer.add_callback(std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(3)));
  trainer.add_callback(std::make_shared<train::ProgressBar>(stdout));
  trainer.add_callback(
      std::make_shared<train::MetricsLog>((out / "metrics.csv").string(), (out / "metrics.jsonl").string()));
  trainer.add_callback(ckpt);
  train::History h = trainer.fit(model, nn::CrossEntropyLoss(), opt, train_loader, &val_loader);

  train::EvalResult test = trainer.evaluate(model, test_loader);
  std::printf("test: loss %.4f  accuracy %.2f%%  top-3 %.2f%%  macro F1 %.4f  (%zu epochs; best weights restored)\n",
              test.loss, 100 * test.get("accuracy"), 100 * test.get("top3_accuracy"), test.get("f1"), h.epochs.size());

  report::TrainingReportInputs rep;
  rep.title = "fashion_mnist_trainer: MLP on Fashion-MNIST";
  rep.summary = {{"test accuracy", fixed(100 * test.get("accuracy"), 2) + "%"},
                 {"epochs", std::to_string(h.epochs.size())}};
  rep.task = train::to_string(train::Task::MultiClass);
  rep.history = &h;
  rep.test = &test;
  rep.class_names.assign(data::FashionMNIST::kClasses.begin(), data::FashionMNIST::kClasses.end());
  report::write_training_report(rep, (out / "report.html").string());
  std::printf("checkpoints, logs and report.html: %s\n", fs::absolute(out).c_str());
  return 0;
} catch (const descent::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
