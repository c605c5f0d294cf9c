// Optimizer and scheduler state files: a run saved after some steps and resumed in fresh objects
// takes bit-identical steps; hostile state files give clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "descent/descent.h"
#include "descent/io/checkpoint.h"
#include "test_util.h"

using namespace descent;
using namespace test_util;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("descent_ckpt_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d / name;
}

struct TrainRun {
  nn::Sequential model{nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 2)};
  std::unique_ptr<optim::Adam> opt;
  std::unique_ptr<optim::StepLR> sched;
  TrainRun() {
    opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(0.01).amsgrad(true));
    sched = std::make_unique<optim::StepLR>(*opt, 3, 0.5);
  }
  void steps(int n, const Tensor& x, const Tensor& y) {
    for (int i = 0; i < n; ++i) {
      opt->zero_grad();
      (model(x) - y).square().mean().backward();
      opt->step();
      sched->step();
    }
  }
};

}  // namespace

TEST(Checkpoint, ResumedTrainingIsBitIdentical) {
  manual_seed(0);
  Tensor x = randn({16, 4}), y = randn({16, 2});
  TrainRun a;
  a.steps(5, x, y);
  fs::path mp = scratch("model.safetensors"), op = scratch("optim.safetensors"), sp = scratch("sched.json");
  io::save(a.model, mp.string());
  io::save_optimizer(*a.opt, op.string());
  io::save_scalar_state(a.sched->state_dict(), sp.string());
  a.steps(7, x, y);

  manual_seed(123);  // different init: everything must come from the files
  TrainRun b;
  io::load(b.model, mp.string());
  io::load_optimizer(*b.opt, op.string());
  b.sched->load_state_dict(io::load_scalar_state(sp.string()));
  b.steps(7, x, y);
  auto pa = a.model->parameters(), pb = b.model->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(equal(pa[i], pb[i])) << "parameter " << i;
  EXPECT_EQ(a.sched->get_last_lr(), b.sched->get_last_lr());
}

TEST(Checkpoint, ScalarStateKeepsExactDoublesAndInfinities) {
  optim::ScalarState s;
  s.scalars["third"] = 1.0 / 3.0;
  s.scalars["best"] = INFINITY;
  s.scalars["worst"] = -INFINITY;
  s.scalars["tiny"] = 4.9e-324;
  s.strings["mode"] = "min";
  optim::ScalarState r = io::scalar_state_from_json(io::scalar_state_to_json(s));
  EXPECT_EQ(r.scalars, s.scalars);
  EXPECT_EQ(r.strings, s.strings);
}

TEST(Checkpoint, BadStateFilesGiveClearErrors) {
  EXPECT_NE(error_of([] { io::scalar_state_from_json("{", "s.json"); }).find("s.json: invalid state JSON"),
            std::string::npos);
  EXPECT_NE(error_of([] { io::scalar_state_from_json("{\"scalars\": {\"lr\": \"fast\"}}", "s.json"); })
                .find("'lr' is not a number"),
            std::string::npos);
  EXPECT_THROW(io::load_scalar_state(scratch("missing.json").string()), Error);
  // A model weights file is not an optimizer state file.
  nn::Linear fc(2, 2);
  fs::path p = scratch("weights.safetensors");
  io::save(fc, p.string());
  optim::SGD sgd(fc->parameters(), optim::SGDOptions(0.1));
  std::string msg = error_of([&] { io::load_optimizer(sgd, p.string()); });
  EXPECT_NE(msg.find("not an optimizer state file"), std::string::npos) << msg;
  // An Adam state loaded into SGD names the mismatch.
  optim::Adam adam(fc->parameters(), optim::AdamOptions(0.1));
  fs::path q = scratch("adam.safetensors");
  io::save_optimizer(adam, q.string());
  msg = error_of([&] { io::load_optimizer(sgd, q.string()); });
  EXPECT_NE(msg.find(q.string()), std::string::npos) << msg;
}
