// libFuzzer target for resuming from a trainer checkpoint (last.ckpt: safetensors with the model,
// optimizer and callback tensors, and the trainer's state as JSON metadata). The input is the
// checkpoint a small run resumes from (2 steps per epoch, 3 epochs); it must either resume and
// finish or throw descent::Error. A crash, a sanitizer report, another exception type, a hang (a
// lying epoch or step count must not make it train for ever) or an over-allocation is a bug.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "descent/core/error.h"
#include "descent/data/data.h"
#include "descent/descent.h"
#include "descent/train/train.h"
#include "fuzz_util.h"

using namespace descent;
using namespace descent::train;

namespace {

struct Run {
  nn::Sequential model{nullptr};
  std::unique_ptr<optim::Adam> opt;
  std::shared_ptr<optim::StepLR> sched;
  std::unique_ptr<data::DataLoader> loader, val;
};

Run make_run() {
  manual_seed(3);
  Run r;
  r.model = nn::Sequential(nn::Linear(4, 6), nn::BatchNorm1d(6), nn::ReLU(), nn::Linear(6, 3));
  r.opt = std::make_unique<optim::Adam>(r.model->parameters(), optim::AdamOptions(0.01));
  r.sched = std::make_shared<optim::StepLR>(*r.opt, 2, 0.5);
  Generator g(1);
  Tensor x = randn({16, 4}, {}, &g);
  Tensor y = x.select(1, 0).gt(0).to(kInt64) + x.select(1, 1).gt(0).to(kInt64);
  auto ds = std::make_shared<data::TensorDataset>(x, y);
  r.loader = std::make_unique<data::DataLoader>(ds, data::DataLoaderOptions().batch_size(8).shuffle(true).seed(5));
  r.val = std::make_unique<data::DataLoader>(ds, data::DataLoaderOptions().batch_size(16));
  return r;
}

Trainer make_trainer(Run& r, const std::string& resume_from) {
  Trainer t(TrainerOptions().epochs(3).task(Task::MultiClass, 3).resume_from(resume_from));
  t.add_callback(std::make_shared<LRSchedulerCallback>(r.sched, Interval::Step));
  t.add_callback(std::make_shared<EarlyStopping>(EarlyStoppingOptions().patience(5).restore_best_weights(true)));
  return t;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!std::getenv("DESCENT_FUZZ_WRITE_SEEDS")) return 0;
  // Checkpoints of the same run after 1 step (mid-epoch) and after 1 epoch.
  const auto dir = std::filesystem::temp_directory_path() / "descent_checkpoint_seeds";
  std::filesystem::create_directories(dir);
  // last.ckpt is written after every step's callbacks, so step k + 1 sees the one of step k.
  std::vector<std::pair<std::string, std::string>> seeds;
  Run r = make_run();
  Trainer t = make_trainer(r, "");
  t.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string()).every_n_steps(1)));
  auto grab = std::make_shared<LambdaCallback>("grab");
  grab->batch_end = [&](Trainer& tr) {
    if (tr.global_step() == 2) seeds.emplace_back("mid_epoch", slurp(dir / "last.ckpt"));
    if (tr.global_step() == 3) seeds.emplace_back("epoch_end", slurp(dir / "last.ckpt"));
  };
  t.add_callback(grab);
  t.fit(r.model, nullptr, *r.opt, *r.loader, r.val.get());
  std::filesystem::remove_all(dir);
  fuzz::write_seeds_if_asked(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::input_file(data, size, ".ckpt");
  Run r = make_run();
  Trainer t = make_trainer(r, path);
  try {
    t.fit(r.model, nullptr, *r.opt, *r.loader, r.val.get());
  } catch (const Error&) {
  }
  return 0;
}
