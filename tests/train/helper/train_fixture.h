#pragma once
// The small training run shared by the resume tests and the train_child helper: 3-class
// synthetic data (fixed generator), an MLP with dropout (draws from the default generator),
// Adam, a per-step StepLR, a shuffling loader with 16 batches per epoch.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "descent/data/data.h"
#include "descent/descent.h"
#include "descent/train/train.h"

namespace descent::train::fixture {

/// A fresh folder under the temp directory, removed when the test ends (also on a failed ASSERT).
struct ScratchDir {
  explicit ScratchDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("descent_train_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path path;
};

inline std::shared_ptr<data::TensorDataset> blob_dataset(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 8}, {}, &g);
  // Class by the sign pattern of two projections: learnable but not trivial.
  Tensor a = x.select(1, 0) + x.select(1, 1) * 0.5;
  Tensor b = x.select(1, 2) - x.select(1, 3);
  Tensor y = a.gt(0).to(kInt64) + (a.gt(0).logical_and(b.gt(0))).to(kInt64);
  return std::make_shared<data::TensorDataset>(x, y);
}

struct Run {
  nn::Sequential model{nullptr};
  std::unique_ptr<optim::Adam> opt;
  std::shared_ptr<optim::StepLR> sched;
  std::unique_ptr<data::DataLoader> train, val;
};

/// Builds everything from seed 123 (model init draws from the default generator); the training
/// loader loads on `num_workers` threads.
inline Run make_run(int num_workers = 0) {
  manual_seed(123);
  Run r;
  r.model = nn::Sequential(nn::Linear(8, 16), nn::ReLU(), nn::Dropout(0.2), nn::Linear(16, 3));
  r.opt = std::make_unique<optim::Adam>(r.model->parameters(), optim::AdamOptions(0.01));
  r.sched = std::make_shared<optim::StepLR>(*r.opt, 10, 0.9);
  r.train = std::make_unique<data::DataLoader>(blob_dataset(256, 1),
                                               data::DataLoaderOptions().batch_size(16).shuffle(true).seed(7).num_workers(num_workers));
  r.val = std::make_unique<data::DataLoader>(blob_dataset(64, 2), data::DataLoaderOptions().batch_size(32));
  return r;
}

/// A trainer for the run: 3 classes, `epochs` epochs, the per-step scheduler and early stopping
/// (restoring the best weights at the end when restore_best: its saved weights then go through
/// checkpoints too).
inline Trainer make_trainer(Run& r, int64_t epochs, bool restore_best = false) {
  Trainer t(TrainerOptions().epochs(epochs).task(Task::MultiClass, 3));
  t.add_callback(std::make_shared<LRSchedulerCallback>(r.sched, Interval::Step));
  t.add_callback(std::make_shared<EarlyStopping>(EarlyStoppingOptions().patience(50).restore_best_weights(restore_best)));
  return t;
}

}  // namespace descent::train::fixture
