// Trainer and callbacks: early stopping on a scripted validation sequence, ReduceLROnPlateau in
// the loop, metrics logs, progress output, clipping, the task kinds, evaluate and predict.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "train_fixture.h"

using namespace descent;
using namespace descent::train;
namespace fs = std::filesystem;

namespace {

/// A validation "metric" that reports script[i] on the i-th epoch (one evaluate per epoch).
class ScriptedMetric : public Metric {
 public:
  explicit ScriptedMetric(std::vector<double> script) : script_(std::move(script)) {}
  void reset() override { ++calls_; }
  void update(const Tensor&, const Tensor&) override {}
  MetricValues compute() const override { return {{"scripted", script_.at(size_t(calls_ - 1))}}; }
  optim::ScalarState state() const override { return {}; }
  void load_state(const optim::ScalarState&) override {}

 private:
  std::vector<double> script_;
  int64_t calls_ = 0;
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool same_weights(const nn::StateDict& a, const nn::StateDict& b) {
  if (a.size() != b.size()) return false;
  for (auto& [k, v] : a) {
    const Tensor* w = b.find(k);
    if (!w || !equal(v, *w)) return false;
  }
  return true;
}

nn::StateDict snapshot(const nn::Module& m) {
  nn::StateDict s;
  for (auto& [k, v] : m.state_dict()) s.insert(k, v.detach().clone());
  return s;
}

}  // namespace

TEST(Trainer, EarlyStoppingStopsAtPatienceAndRestoresBest) {
  auto run = fixture::make_run();
  // Best at epoch 4 (0.7); epochs 5 and 6 do not improve -> stop after epoch 6 with patience 2.
  auto metric = std::make_shared<ScriptedMetric>(std::vector<double>{1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.71, 0.5});
  Trainer t(TrainerOptions().epochs(8).task(Task::MultiClass, 3).metrics({metric}));
  std::vector<nn::StateDict> weights;
  auto rec = std::make_shared<LambdaCallback>("recorder");
  rec->epoch_end = [&](Trainer& tr, const EpochLog&) { weights.push_back(snapshot(tr.model())); };
  t.add_callback(rec);
  auto es = std::make_shared<EarlyStopping>(EarlyStoppingOptions().monitor("val_scripted").patience(2));
  t.add_callback(es);
  History h = t.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  ASSERT_EQ(h.epochs.size(), 6u);
  EXPECT_EQ(es->best_epoch(), 4);
  EXPECT_EQ(es->stopped_epoch(), 6);
  EXPECT_DOUBLE_EQ(es->best(), 0.7);
  EXPECT_TRUE(same_weights(run.model->state_dict(), weights[3]));
  EXPECT_FALSE(same_weights(run.model->state_dict(), weights[5]));
}

TEST(Trainer, EarlyStoppingMinDeltaAndMaxMode) {
  auto run = fixture::make_run();
  // Max mode, min_delta 0.05: 0.52 and 0.54 are not improvements over 0.5; 0.56 is; then 3 flat.
  auto metric = std::make_shared<ScriptedMetric>(std::vector<double>{0.5, 0.52, 0.54, 0.56, 0.6, 0.6, 0.6, 0.9});
  Trainer t(TrainerOptions().epochs(8).task(Task::MultiClass, 3).metrics({metric}));
  auto es = std::make_shared<EarlyStopping>(
      EarlyStoppingOptions().monitor("val_scripted").mode(Mode::Max).min_delta(0.05).patience(3).restore_best_weights(false));
  t.add_callback(es);
  History h = t.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  EXPECT_EQ(h.epochs.size(), 7u);
  EXPECT_EQ(es->best_epoch(), 4);
  EXPECT_EQ(es->stopped_epoch(), 7);
}

TEST(Trainer, ReduceLROnPlateauLowersLrAfterPatienceFlatEpochs) {
  auto run = fixture::make_run();
  optim::SGD sgd(run.model->parameters(), optim::SGDOptions(0.1));
  auto metric = std::make_shared<ScriptedMetric>(std::vector<double>(8, 1.0));
  Trainer t(TrainerOptions().epochs(8).task(Task::MultiClass, 3).metrics({metric}));
  auto plateau = std::make_shared<optim::ReduceLROnPlateau>(sgd, optim::ReduceLROnPlateauOptions().patience(2).factor(0.5));
  t.add_callback(std::make_shared<LRSchedulerCallback>(plateau, "val_scripted"));
  History h = t.fit(run.model, nullptr, sgd, *run.train, run.val.get());
  // Epoch 1 sets the best; epochs 2, 3, 4 are flat: after the third (> patience) the lr halves.
  const std::vector<double> expect = {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
  ASSERT_EQ(h.series("lr").size(), expect.size());
  for (size_t i = 0; i < expect.size(); ++i) EXPECT_DOUBLE_EQ(h.series("lr")[i], expect[i]) << "epoch " << i + 1;
}

TEST(Trainer, TwoSchedulersPerStepWarmupAndPlateau) {
  auto run = fixture::make_run();
  optim::SGD sgd(run.model->parameters(), optim::SGDOptions(0.1));
  auto warmup = std::make_shared<optim::LinearLR>(sgd, 0.5, 1.0, 16);  // over the first epoch's 16 steps
  auto plateau = std::make_shared<optim::ReduceLROnPlateau>(sgd, optim::ReduceLROnPlateauOptions().patience(0).factor(0.5));
  auto metric = std::make_shared<ScriptedMetric>(std::vector<double>{1.0, 1.0, 1.0});
  Trainer t(TrainerOptions().epochs(3).task(Task::MultiClass, 3).metrics({metric}));
  t.add_callback(std::make_shared<LRSchedulerCallback>(warmup, Interval::Step));
  EXPECT_THROW(t.add_callback(std::make_shared<LRSchedulerCallback>(plateau, "val_scripted")), Error);  // same key
  auto second = std::make_shared<LRSchedulerCallback>(plateau, "val_scripted");
  second->rename("plateau");
  t.add_callback(second);
  History h = t.fit(run.model, nullptr, sgd, *run.train, run.val.get());
  // Epoch 1 starts at 0.05 (warm-up), epoch 2 at 0.1; the flat metric halves it after epoch 2
  // (patience 0), and the chainable LinearLR keeps the value once its 16 steps are done.
  EXPECT_DOUBLE_EQ(h.epochs[0].lr, 0.05);
  EXPECT_NEAR(h.epochs[1].lr, 0.1, 1e-15);
  EXPECT_NEAR(h.epochs[2].lr, 0.05, 1e-15);
}

// A non-finite loss or gradient stops the run naming the epoch, the step and what went wrong,
// with the weights of before the step; NonFinite::Skip skips such steps and counts them.
TEST(Trainer, NonFiniteLossOrGradientStopsOrSkips) {
  int64_t calls = 0;
  LossFn nan_on_third = [&](const Tensor& out, const Tensor& target) {
    Tensor l = nn::functional::cross_entropy(out, target);
    return ++calls == 3 ? l * std::nan("") : l;
  };
  {
    auto run = fixture::make_run();
    Trainer t(TrainerOptions().epochs(2).task(Task::MultiClass, 3));
    std::string msg;
    nn::StateDict before;
    auto cb = std::make_shared<LambdaCallback>();
    cb->batch_end = [&](Trainer&) { before = snapshot(*run.model); };
    t.add_callback(cb);
    try {
      t.fit(run.model, nan_on_third, *run.opt, *run.train, run.val.get());
    } catch (const Error& e) {
      msg = e.message();
    }
    EXPECT_NE(msg.find("the loss is nan at epoch 1, step 3 (batch 3 of the epoch)"), std::string::npos) << msg;
    EXPECT_TRUE(same_weights(before, snapshot(*run.model)));  // the weights after step 2
  }
  {
    // A finite loss with an infinite gradient (d sqrt(u)/du at u = 0) names the first parameter.
    auto run = fixture::make_run();
    Trainer t(TrainerOptions().epochs(1).task(Task::MultiClass, 3));
    LossFn inf_grad = [](const Tensor& out, const Tensor&) { return (out - out.detach()).sqrt().sum(); };
    std::string msg;
    try {
      t.fit(run.model, inf_grad, *run.opt, *run.train, nullptr);
    } catch (const Error& e) {
      msg = e.message();
    }
    EXPECT_NE(msg.find("the gradient of parameter '"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has NaN or inf values at epoch 1, step 1"), std::string::npos) << msg;
  }
  {
    calls = 0;
    auto run = fixture::make_run();
    Trainer t(TrainerOptions().epochs(2).task(Task::MultiClass, 3).on_non_finite(NonFinite::Skip));
    History h = t.fit(run.model, nan_on_third, *run.opt, *run.train, run.val.get());
    EXPECT_EQ(t.skipped_steps(), 1);
    EXPECT_EQ(h.epochs[0].get("skipped_steps"), 1.0);
    EXPECT_FALSE(h.epochs[1].has("skipped_steps"));
    for (auto& [name, p] : run.model->named_parameters()) EXPECT_TRUE(isfinite(p).all().item<bool>()) << name;
    EXPECT_TRUE(std::isfinite(h.epochs[0].train_loss));
  }
}

TEST(Trainer, HistoryHasLossesMetricsLrAndThroughput) {
  auto run = fixture::make_run();
  auto t = fixture::make_trainer(run, 3);
  History h = t.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  ASSERT_EQ(h.epochs.size(), 3u);
  for (auto& e : h.epochs) {
    EXPECT_TRUE(std::isfinite(e.train_loss));
    EXPECT_TRUE(std::isfinite(e.val_loss));
    EXPECT_GT(e.samples_per_sec, 0);
    EXPECT_GT(e.epoch_seconds, 0);
    EXPECT_TRUE(e.has("val_accuracy"));
    EXPECT_TRUE(e.has("val_f1"));
    EXPECT_TRUE(e.has("train_accuracy"));
    EXPECT_TRUE(e.has("train_f1"));
    EXPECT_FALSE(e.has("val_top5_accuracy"));  // 3 classes
  }
  EXPECT_LT(h.epochs.back().train_loss, h.epochs.front().train_loss);
  EXPECT_GT(h.epochs.back().get("val_accuracy"), 0.6);
  EXPECT_THROW(h.epochs[0].get("val_nothing"), Error);
  // lr read at each epoch start; StepLR(10 steps, 0.9) per step, 16 steps per epoch.
  EXPECT_DOUBLE_EQ(h.epochs[0].lr, 0.01);
  EXPECT_NEAR(h.epochs[1].lr, 0.01 * 0.9, 1e-15);
  EXPECT_NEAR(h.epochs[2].lr, 0.01 * 0.9 * 0.9 * 0.9, 1e-15);
  // History round-trips through JSON exactly.
  History back = History::from_json(h.to_json());
  EXPECT_EQ(back.series("train_loss"), h.series("train_loss"));
  EXPECT_EQ(back.series("val_accuracy"), h.series("val_accuracy"));
  // evaluate and predict.
  EvalResult r = t.evaluate(run.model, *run.val);
  EXPECT_EQ(r.samples, 64);
  EXPECT_DOUBLE_EQ(r.get("accuracy"), h.epochs.back().get("val_accuracy"));
  auto prf = r.find<PrecisionRecallF1>();
  ASSERT_TRUE(prf);
  int64_t total = 0, diag = 0;
  for (int64_t i = 0; i < 3; ++i) {
    diag += prf->confusion_matrix().at(i, i);
    for (int64_t j = 0; j < 3; ++j) total += prf->confusion_matrix().at(i, j);
  }
  EXPECT_EQ(total, 64);
  EXPECT_DOUBLE_EQ(double(diag) / 64, r.get("accuracy"));
  EXPECT_EQ(prf->f1_per_class().size(), 3u);
  EXPECT_EQ(r.find<BinaryROCAUC>(), nullptr);
  Tensor p = t.predict(run.model, *run.val);
  EXPECT_EQ(p.sizes(), Shape({64, 3}));
  EXPECT_NEAR(p.sum().item<double>(), 64.0, 1e-3);  // softmax rows
  // evaluate with an observer: the same result, and every batch's output seen once, in order.
  std::vector<Tensor> seen;
  int64_t seen_targets = 0;
  EvalResult ro = t.evaluate(run.model, *run.val, [&](const data::Batch& b, const Tensor& out) {
    seen.push_back(out);
    seen_targets += b.target.size(0);
  });
  EXPECT_EQ(ro.loss, r.loss);
  EXPECT_EQ(ro.get("accuracy"), r.get("accuracy"));
  EXPECT_EQ(seen_targets, 64);
  EXPECT_TRUE(allclose(nn::functional::softmax(cat(seen, 0), 1), p, 1e-6, 1e-6));
}

TEST(Trainer, MetricsLogWritesCsvAndJsonLines) {
  fixture::ScratchDir scratch("metrics_log");
  const fs::path& dir = scratch.path;
  auto run = fixture::make_run();
  auto t = fixture::make_trainer(run, 2);
  t.add_callback(std::make_shared<MetricsLog>((dir / "metrics.csv").string(), (dir / "logs/metrics.jsonl").string()));
  History h = t.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  std::istringstream csv(read_file(dir / "metrics.csv"));
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(csv, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "epoch,train_loss,val_loss,val_accuracy,val_precision,val_recall,val_f1,train_accuracy,train_precision,"
            "train_recall,train_f1,lr,samples_per_sec,epoch_seconds");
  EXPECT_EQ(lines[2].substr(0, 2), "2,");
  EXPECT_DOUBLE_EQ(std::stod(lines[1].substr(2)), h.epochs[0].train_loss);  // exact (%.17g)
  std::istringstream jl(read_file(dir / "logs/metrics.jsonl"));
  int n = 0;
  while (std::getline(jl, line)) {
    auto o = nlohmann::json::parse(line);
    EXPECT_EQ(o.at("epoch").get<int>(), n + 1);
    EXPECT_EQ(o.at("val_loss").get<double>(), h.epochs[size_t(n)].val_loss);
    EXPECT_EQ(o.at("val_accuracy").get<double>(), h.epochs[size_t(n)].get("val_accuracy"));
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(MetricsLog::to_csv(h), read_file(dir / "metrics.csv"));
}

TEST(Trainer, ProgressBarPlainAndTerminal) {
  for (bool tty : {false, true}) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    auto run = fixture::make_run();
    auto t = fixture::make_trainer(run, 2);
    auto bar = std::make_shared<ProgressBar>(f, tty);
    t.add_callback(bar);
    t.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
    std::rewind(f);
    std::string out;
    char buf[4096];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, got);
    std::fclose(f);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
    EXPECT_NE(out.find("epoch 2/2  train_loss"), std::string::npos) << out;
    EXPECT_NE(out.find("val_accuracy"), std::string::npos);
    if (tty) {
      EXPECT_NE(out.find("16/16"), std::string::npos) << out;  // the last batch is always drawn
      EXPECT_NE(out.find("ETA"), std::string::npos);
      EXPECT_NE(out.find("samples/s  loss"), std::string::npos);
    } else {
      EXPECT_EQ(out.find('\r'), std::string::npos);
      EXPECT_EQ(out.find("ETA"), std::string::npos);
    }
  }
  std::FILE* f = std::tmpfile();
  EXPECT_FALSE(ProgressBar(f).is_tty());  // a file is not a terminal
  std::fclose(f);
  // A pseudo-terminal is one.
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) GTEST_SKIP() << "no pseudo-terminals here";
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  std::FILE* tty = ::fdopen(slave, "w");
  EXPECT_TRUE(ProgressBar(tty).is_tty());
  std::fclose(tty);
  ::close(master);
}

TEST(Trainer, GradientClippingByValueAndNorm) {
  for (bool by_norm : {false, true}) {
    auto run = fixture::make_run();
    optim::SGD sgd(run.model->parameters(), optim::SGDOptions(0.5));
    Trainer t(TrainerOptions().epochs(1).task(Task::MultiClass, 3));
    auto clip = std::make_shared<GradientClipping>(by_norm ? GradientClipping::by_norm(0.01)
                                                           : GradientClipping::by_value(0.001));
    t.add_callback(clip);
    int checked = 0;
    auto check = std::make_shared<LambdaCallback>("check");
    check->after_backward = [&](Trainer& tr) {
      double sq = 0, mx = 0;
      for (auto& p : tr.model().parameters()) {
        sq += p.grad().pow(2).sum().item<double>();
        mx = std::max(mx, p.grad().abs().max().item<double>());
      }
      if (by_norm) {
        EXPECT_LE(std::sqrt(sq), 0.01 + 1e-6);
      } else {
        EXPECT_LE(mx, double(0.001f));  // clamped in float32
      }
      ++checked;
    };
    t.add_callback(check);
    t.fit(run.model, nullptr, sgd, *run.train, run.val.get());
    EXPECT_EQ(checked, 16);
    if (by_norm) {
      EXPECT_GT(clip->last_norm(), 0.01);
    }
  }
}

TEST(Trainer, TaskKinds) {
  manual_seed(5);
  Generator g(11);
  Tensor x = randn({64, 4}, {}, &g);
  Tensor s = x.select(1, 0) - x.select(1, 1);
  // Regression: [N] float targets with a [N, 1] output.
  {
    nn::Sequential m(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 1));
    optim::Adam opt(m->parameters(), optim::AdamOptions(0.02));
    data::DataLoader tr(std::make_shared<data::TensorDataset>(x, s * 2), data::DataLoaderOptions().batch_size(16));
    data::DataLoader va(std::make_shared<data::TensorDataset>(x, s * 2), data::DataLoaderOptions().batch_size(32));
    Trainer t(TrainerOptions().epochs(15).task(Task::Regression));
    History h = t.fit(m, nullptr, opt, tr, &va);
    EXPECT_TRUE(h.epochs.back().has("val_mae") && h.epochs.back().has("val_rmse"));
    EXPECT_GT(h.epochs.back().get("val_r2"), 0.5);
    EXPECT_EQ(t.predict(m, va).sizes(), Shape({64, 1}));
  }
  // Binary: one logit, int64 0/1 targets (cast for BCEWithLogits).
  {
    nn::Sequential m(nn::Linear(4, 1));
    optim::Adam opt(m->parameters(), optim::AdamOptions(0.05));
    Tensor y = s.gt(0).to(kInt64);
    data::DataLoader tr(std::make_shared<data::TensorDataset>(x, y), data::DataLoaderOptions().batch_size(16));
    Trainer t(TrainerOptions().epochs(10).task(Task::Binary));
    History h = t.fit(m, nullptr, opt, tr, &tr);
    EXPECT_GT(h.epochs.back().get("val_roc_auc"), 0.95);
    EXPECT_GT(h.epochs.back().get("val_accuracy"), 0.85);
    EXPECT_TRUE(h.epochs.back().has("val_f1"));
    Tensor p = t.predict(m, tr);
    EXPECT_GE(p.min().item<double>(), 0.0);
    EXPECT_LE(p.max().item<double>(), 1.0);
  }
  // Multi-label: [N, 2] logits and 0/1 float targets.
  {
    nn::Sequential m(nn::Linear(4, 2));
    optim::Adam opt(m->parameters(), optim::AdamOptions(0.05));
    Tensor y = stack({s.gt(0), x.select(1, 2).gt(0)}, 1).to(kFloat32);
    data::DataLoader tr(std::make_shared<data::TensorDataset>(x, y), data::DataLoaderOptions().batch_size(16));
    Trainer t(TrainerOptions().epochs(10).task(Task::MultiLabel, 2));
    History h = t.fit(m, nullptr, opt, tr, &tr);
    EXPECT_GT(h.epochs.back().get("val_accuracy"), 0.85);
  }
}

TEST(Trainer, BadUse) {
  EXPECT_THROW(Trainer(TrainerOptions().epochs(0)), Error);
  Trainer t;
  t.add_callback(std::make_shared<LambdaCallback>("a"));
  EXPECT_THROW(t.add_callback(std::make_shared<LambdaCallback>("a")), Error);
  EXPECT_THROW(t.model(), Error);
  EXPECT_THROW(EarlyStopping(EarlyStoppingOptions().patience(0)), Error);
  // Monitoring a validation value without a validation loader fails before any step.
  auto run = fixture::make_run();
  Trainer t2(TrainerOptions().epochs(1).task(Task::MultiClass, 3));
  t2.add_callback(std::make_shared<EarlyStopping>());
  int steps = 0;
  auto count = std::make_shared<LambdaCallback>("count");
  count->batch_end = [&](Trainer&) { ++steps; };
  t2.add_callback(count);
  EXPECT_THROW(t2.fit(run.model, nullptr, *run.opt, *run.train, nullptr), Error);
  EXPECT_EQ(steps, 0);
  // Monitoring train_loss needs none.
  Trainer t3(TrainerOptions().epochs(1).task(Task::MultiClass, 3));
  t3.add_callback(std::make_shared<EarlyStopping>(EarlyStoppingOptions().monitor("train_loss")));
  EXPECT_EQ(t3.fit(run.model, nullptr, *run.opt, *run.train, nullptr).epochs.size(), 1u);
}

TEST(Trainer, ModelCheckpointKeepsBestAndLast) {
  fixture::ScratchDir scratch("model_checkpoint");
  const fs::path& dir = scratch.path;
  auto run = fixture::make_run();
  // Max mode on a scripted metric: best at epoch 3.
  auto metric = std::make_shared<ScriptedMetric>(std::vector<double>{0.2, 0.5, 0.9, 0.4});
  Trainer t(TrainerOptions().epochs(4).task(Task::MultiClass, 3).metrics({metric}));
  std::vector<nn::StateDict> weights;
  auto rec = std::make_shared<LambdaCallback>("recorder");
  rec->epoch_end = [&](Trainer& tr, const EpochLog&) { weights.push_back(snapshot(tr.model())); };
  t.add_callback(rec);
  auto ckpt = std::make_shared<ModelCheckpoint>(ModelCheckpointOptions(dir.string()).monitor("val_scripted").mode(Mode::Max));
  t.add_callback(ckpt);
  t.fit(run.model, nullptr, *run.opt, *run.train, run.val.get());
  EXPECT_EQ(ckpt->best(), 0.9);
  auto best = io::load_safetensors(ckpt->best_path());
  EXPECT_EQ(best.metadata.at("epoch"), "3");
  EXPECT_TRUE(same_weights(best.tensors, weights[2]));
  auto last = io::load_safetensors(ckpt->last_path());
  nn::StateDict last_model;
  for (auto& [k, v] : last.tensors)
    if (k.rfind("model.", 0) == 0) last_model.insert(k.substr(6), v);
  EXPECT_TRUE(same_weights(last_model, weights[3]));
  auto meta = nlohmann::json::parse(last.metadata.at("descent.trainer"));
  EXPECT_EQ(meta.at("epoch").get<int64_t>(), 4);
  EXPECT_EQ(meta.at("global_step").get<int64_t>(), 64);
}
