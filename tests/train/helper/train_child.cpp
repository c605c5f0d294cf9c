// A training process for the SIGKILL resume test: trains the fixture run for 4 epochs with a
// checkpoint every 5 steps in DIR, optionally sleeping after each step (so the parent can kill it
// mid-epoch), optionally resuming from DIR/last.ckpt; writes DIR/final.safetensors at the end.
//
//   train_child DIR [--sleep-ms N] [--every STEPS] [--resume]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "train_fixture.h"

using namespace descent;

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_child DIR [--sleep-ms N] [--resume]\n");
    return 2;
  }
  const std::string dir = argv[1];
  int sleep_ms = 0, every = 5;
  bool resume = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sleep-ms") == 0 && i + 1 < argc)
      sleep_ms = std::stoi(argv[++i]);
    else if (std::strcmp(argv[i], "--every") == 0 && i + 1 < argc)
      every = std::stoi(argv[++i]);
    else if (std::strcmp(argv[i], "--resume") == 0)
      resume = true;
  }
  auto run = train::fixture::make_run();
  auto trainer = train::fixture::make_trainer(run, 4);
  auto ckpt = std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions(dir).every_n_steps(every));
  trainer.add_callback(ckpt);
  if (sleep_ms > 0) {
    auto slow = std::make_shared<train::LambdaCallback>("slow");
    slow->batch_end = [sleep_ms](train::Trainer&) { std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms)); };
    trainer.add_callback(slow);
  }
  if (resume) {
    auto opts = trainer.options();
    train::Trainer resumed(opts.resume_from(ckpt->last_path()));
    for (auto& cb : trainer.callbacks()) resumed.add_callback(cb);
    resumed.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  } else {
    trainer.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  }
  io::save(run.model, (std::filesystem::path(dir) / "final.safetensors").string());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_child: %s\n", e.what());
  return 1;
}
