// Checkpoint + resume: a run interrupted mid-epoch (by an exception in-process, or by SIGKILL of a
// child training process) and resumed from its last checkpoint ends with bitwise the same weights
// as an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "train_fixture.h"

extern char** environ;

using namespace descent;
using namespace descent::train;
namespace fs = std::filesystem;

namespace {

// Same names, shapes, dtypes and bytes.
void expect_bitwise_equal(const nn::OrderedDict<Tensor>& a, const nn::OrderedDict<Tensor>& b) {
  ASSERT_EQ(a.keys(), b.keys());
  for (auto& [k, v] : a) {
    Tensor x = v.contiguous(), y = b[k].contiguous();
    ASSERT_EQ(x.sizes(), y.sizes()) << k;
    ASSERT_EQ(x.dtype(), y.dtype()) << k;
    ASSERT_EQ(x.dtype(), kFloat32) << k;
    EXPECT_EQ(std::memcmp(x.data_ptr<float>(), y.data_ptr<float>(), x.nbytes()), 0) << "tensor " << k << " differs";
  }
}

nlohmann::json checkpoint_meta(const fs::path& p) {
  return nlohmann::json::parse(io::load_safetensors(p.string()).metadata.at("descent.trainer"));
}

struct Crash {};

}  // namespace

TEST(Resume, InProcessMidEpochIsBitwiseIdentical) {
  fixture::ScratchDir scratch("inproc");
  const fs::path& dir = scratch.path;
  // Uninterrupted: 3 epochs of 16 steps.
  auto a = fixture::make_run();
  auto ta = fixture::make_trainer(a, 3, /*restore_best=*/true);
  History ha = ta.fit(a.model, nullptr, *a.opt, *a.train, a.val.get());

  // Interrupted: checkpoints every 5 steps, a crash at step 23 (last checkpoint: step 20, epoch 2 batch 4).
  {
    auto b = fixture::make_run();
    auto tb = fixture::make_trainer(b, 3, true);
    tb.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string()).every_n_steps(5)));
    auto crash = std::make_shared<LambdaCallback>("crash");
    crash->batch_end = [](Trainer& t) {
      if (t.global_step() == 23) throw Crash{};
    };
    tb.add_callback(crash);
    EXPECT_THROW(tb.fit(b.model, nullptr, *b.opt, *b.train, b.val.get()), Crash);
  }
  auto meta = checkpoint_meta(dir / "last.ckpt");
  EXPECT_EQ(meta.at("global_step").get<int64_t>(), 20);
  EXPECT_EQ(meta.at("batch_in_epoch").get<int64_t>(), 4);
  EXPECT_EQ(meta.at("epoch").get<int64_t>(), 1);

  // Resumed in fresh objects (built from the same seed, then overwritten by the checkpoint).
  auto c = fixture::make_run();
  Trainer tc(TrainerOptions().epochs(3).task(Task::MultiClass, 3).resume_from((dir / "last.ckpt").string()));
  auto tmp = fixture::make_trainer(c, 3, true);
  for (auto& cb : tmp.callbacks()) tc.add_callback(cb);
  tc.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string()).every_n_steps(5)));
  tc.add_callback(std::make_shared<LambdaCallback>("crash"));
  History hc = tc.fit(c.model, nullptr, *c.opt, *c.train, c.val.get());

  expect_bitwise_equal(a.model->state_dict(), c.model->state_dict());
  expect_bitwise_equal(a.opt->state_dict().tensors, c.opt->state_dict().tensors);
  EXPECT_EQ(c.sched->get_last_lr(), a.sched->get_last_lr());
  ASSERT_EQ(hc.epochs.size(), 3u);
  EXPECT_EQ(hc.series("train_loss"), ha.series("train_loss"));
  EXPECT_EQ(hc.series("val_loss"), ha.series("val_loss"));
  EXPECT_EQ(hc.series("lr"), ha.series("lr"));
  // Training metrics of the interrupted epoch continue from the checkpoint's counts.
  EXPECT_EQ(hc.series("train_accuracy"), ha.series("train_accuracy"));
  EXPECT_EQ(hc.series("train_f1"), ha.series("train_f1"));
  EXPECT_EQ(hc.series("val_accuracy"), ha.series("val_accuracy"));
  // Early stopping's state (counters and the best weights it restored) came through the checkpoint.
  auto es_a = std::dynamic_pointer_cast<EarlyStopping>(ta.callbacks()[1]);
  auto es_c = std::dynamic_pointer_cast<EarlyStopping>(tc.callbacks()[1]);
  ASSERT_TRUE(es_a && es_c);
  EXPECT_EQ(es_c->best_epoch(), es_a->best_epoch());
  EXPECT_EQ(es_c->best(), es_a->best());
  EXPECT_EQ(es_c->wait(), es_a->wait());
  // Only the real files remain: no temporary files of the atomic writes.
  for (auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n == "last.ckpt" || n == "best.safetensors") << n;
  }
}

TEST(Resume, MidEpochWithWorkerThreads) {
  // Loading on 2 worker threads: the loader's cursor, not the threads, decides the next batch.
  fixture::ScratchDir scratch("workers");
  const fs::path& dir = scratch.path;
  auto a = fixture::make_run(2);
  auto ta = fixture::make_trainer(a, 2);
  ta.fit(a.model, nullptr, *a.opt, *a.train, a.val.get());
  {
    auto b = fixture::make_run(2);
    auto tb = fixture::make_trainer(b, 2);
    tb.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string()).every_n_steps(7)));
    auto crash = std::make_shared<LambdaCallback>("crash");
    crash->batch_end = [](Trainer& t) {
      if (t.global_step() == 24) throw Crash{};
    };
    tb.add_callback(crash);
    EXPECT_THROW(tb.fit(b.model, nullptr, *b.opt, *b.train, b.val.get()), Crash);
  }
  EXPECT_EQ(checkpoint_meta(dir / "last.ckpt").at("batch_in_epoch").get<int64_t>(), 5);  // step 21
  auto c = fixture::make_run(2);
  Trainer tc(TrainerOptions().epochs(2).task(Task::MultiClass, 3).resume_from((dir / "last.ckpt").string()));
  auto tmp = fixture::make_trainer(c, 2);
  for (auto& cb : tmp.callbacks()) tc.add_callback(cb);
  tc.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string()).every_n_steps(7)));
  tc.fit(c.model, nullptr, *c.opt, *c.train, c.val.get());
  expect_bitwise_equal(a.model->state_dict(), c.model->state_dict());
}

TEST(Resume, FromEpochEndCheckpoint) {
  fixture::ScratchDir scratch("epoch_end");
  const fs::path& dir = scratch.path;
  auto a = fixture::make_run();
  auto ta = fixture::make_trainer(a, 3);
  ta.fit(a.model, nullptr, *a.opt, *a.train, a.val.get());
  {
    auto b = fixture::make_run();
    auto tb = fixture::make_trainer(b, 2);  // stops after epoch 2; last.ckpt at the epoch end
    tb.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string())));
    tb.fit(b.model, nullptr, *b.opt, *b.train, b.val.get());
  }
  auto c = fixture::make_run();
  Trainer tc(TrainerOptions().epochs(3).task(Task::MultiClass, 3).resume_from((dir / "last.ckpt").string()));
  auto tmp = fixture::make_trainer(c, 3);
  for (auto& cb : tmp.callbacks()) tc.add_callback(cb);
  tc.add_callback(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string())));
  History hc = tc.fit(c.model, nullptr, *c.opt, *c.train, c.val.get());
  EXPECT_EQ(hc.epochs.size(), 3u);
  expect_bitwise_equal(a.model->state_dict(), c.model->state_dict());
  // best.safetensors holds weights of the best validation epoch.
  EXPECT_TRUE(fs::exists(dir / "best.safetensors"));
}

TEST(Resume, CorruptOrForeignCheckpointIsAnError) {
  fixture::ScratchDir scratch("corrupt");
  const fs::path& dir = scratch.path;
  auto r = fixture::make_run();
  io::save(r.model, (dir / "weights.safetensors").string());
  Trainer t(TrainerOptions().epochs(1).task(Task::MultiClass, 3).resume_from((dir / "weights.safetensors").string()));
  EXPECT_THROW(t.fit(r.model, nullptr, *r.opt, *r.train, r.val.get()), Error);
  io::atomic_write((dir / "bad.ckpt").string(), "not a checkpoint");
  Trainer t2(TrainerOptions().epochs(1).task(Task::MultiClass, 3).resume_from((dir / "bad.ckpt").string()));
  EXPECT_THROW(t2.fit(r.model, nullptr, *r.opt, *r.train, r.val.get()), Error);
}

namespace {
// Runs train_child with args; returns the child's pid.
pid_t spawn_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string exe = DESCENT_TRAIN_CHILD;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ);
  EXPECT_EQ(rc, 0) << "posix_spawn " << exe << ": " << std::strerror(rc);
  return pid;
}

int wait_exit(pid_t pid, bool* signaled = nullptr, int* sig = nullptr) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  if (signaled) *signaled = WIFSIGNALED(status);
  if (sig && WIFSIGNALED(status)) *sig = WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST(Resume, SigkillMidEpochThenResumeIsBitwiseIdentical) {
  fixture::ScratchDir full_dir("sigkill_full"), killed_dir("sigkill_killed");
  const fs::path &full = full_dir.path, &killed = killed_dir.path;
  // The uninterrupted run (4 epochs x 16 steps).
  ASSERT_EQ(wait_exit(spawn_child({full.string()})), 0);
  ASSERT_TRUE(fs::exists(full / "final.safetensors"));

  // The same run, slowed to ~15 ms a step, killed a little after its first checkpoints.
  // Once the step-20 checkpoint (epoch 2, batch 4) is there, wait ~3 steps: the kill lands in the
  // middle of epoch 2, between checkpoints.
  pid_t pid = spawn_child({killed.string(), "--sleep-ms", "15"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t seen_step = -1;
  while (seen_step < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    if (fs::exists(killed / "last.ckpt")) seen_step = checkpoint_meta(killed / "last.ckpt").at("global_step").get<int64_t>();
  }
  ASSERT_GE(seen_step, 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(45));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  bool signaled = false;
  int sig = 0;
  wait_exit(pid, &signaled, &sig);
  ASSERT_TRUE(signaled);
  EXPECT_EQ(sig, SIGKILL);
  ASSERT_FALSE(fs::exists(killed / "final.safetensors")) << "the child finished before it was killed";
  auto meta = checkpoint_meta(killed / "last.ckpt");  // the checkpoint under the real name is whole
  const int64_t step = meta.at("global_step").get<int64_t>();
  EXPECT_GE(step, 20);
  EXPECT_LT(step, 64);
  std::printf("killed after the checkpoint of step %lld (epoch %lld, batch %lld)\n", (long long)step,
              (long long)meta.at("epoch").get<int64_t>() + 1, (long long)meta.at("batch_in_epoch").get<int64_t>());

  ASSERT_EQ(wait_exit(spawn_child({killed.string(), "--resume"})), 0);
  expect_bitwise_equal(io::load_safetensors((full / "final.safetensors").string()).tensors,
                       io::load_safetensors((killed / "final.safetensors").string()).tensors);
}

TEST(Resume, RepeatedKillsDuringFrequentCheckpointsNeverCorruptTheCheckpoint) {
  // A checkpoint after every step, killed five times at arbitrary moments (some during a write):
  // the file under the real name always loads, and the chain of resumes ends bitwise equal.
  fixture::ScratchDir full_dir("kills_full"), killed_dir("kills_killed");
  const fs::path &full = full_dir.path, &killed = killed_dir.path;
  ASSERT_EQ(wait_exit(spawn_child({full.string()})), 0);
  uint64_t x = 88172645463325252ull;  // xorshift: arbitrary but reproducible kill times
  int64_t last_step = -1;
  for (int k = 0; k < 5; ++k) {
    std::vector<std::string> args = {killed.string(), "--every", "1", "--sleep-ms", "8"};
    if (fs::exists(killed / "last.ckpt")) args.push_back("--resume");
    pid_t pid = spawn_child(args);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + int(x % 50)));
    ::kill(pid, SIGKILL);
    bool signaled = false;
    const int rc = wait_exit(pid, &signaled);
    if (!signaled) {  // a slow machine's kills may come late: the run finished, that is fine
      ASSERT_EQ(rc, 0);
      ASSERT_GE(k, 2) << "too few kills before the run finished";
      fs::remove(killed / "final.safetensors");
      break;
    }
    if (!fs::exists(killed / "last.ckpt")) continue;  // killed before its first step
    const int64_t step = checkpoint_meta(killed / "last.ckpt").at("global_step").get<int64_t>();
    EXPECT_GE(step, last_step);
    last_step = step;
    std::printf("kill %d: last checkpoint at step %lld\n", k + 1, (long long)step);
  }
  EXPECT_GT(last_step, 0);
  ASSERT_EQ(wait_exit(spawn_child({killed.string(), "--every", "1", "--resume"})), 0);
  expect_bitwise_equal(io::load_safetensors((full / "final.safetensors").string()).tensors,
                       io::load_safetensors((killed / "final.safetensors").string()).tensors);
}
