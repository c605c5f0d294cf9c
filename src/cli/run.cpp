// The `descent` tool's commands; see run.h.
#include "run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "catalog.h"
#include "config.h"
#include "data_setup.h"
#include "format.h"
#include "descent/backend/parallel.h"
#include "descent/core/format.h"
#include "descent/data/formats/text.h"
#include "descent/report/training_report.h"
#include "descent/descent.h"
#include "descent/io/file.h"
#include "descent/train/train.h"
#include "model_setup.h"
#include "run_dir.h"

extern "C" char* openblas_get_config() __attribute__((weak));

namespace descent::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using descent::fixed;

train::Task trainer_task(TaskKind t) {
  switch (t) {
    case TaskKind::Binary: return train::Task::Binary;
    case TaskKind::Regression: return train::Task::Regression;
    case TaskKind::MultiLabel: return train::Task::MultiLabel;
    default: return train::Task::MultiClass;
  }
}

train::LossFn make_loss(const Experiment& e) {
  const LossSettings& l = e.st.loss;
  train::LossFn base = losses().at(l.name, "loss.name").make(l);
  if (e.data.pre.target_standardized) {
    // The model's output is in the target's units; the loss compares both in standard units, so
    // it starts near 1 whatever the target's scale (and huber's delta is in standard deviations).
    const double mean = e.data.pre.target_mean, sd = e.data.pre.target_std;
    base = [base, mean, sd](const Tensor& out, const Tensor& target) {
      return base(out.sub(mean).div(sd), target.sub(mean).div(sd));
    };
  }
  if (e.st.l2 <= 0) return base;
  // L2 regularisation: loss + l2 * sum of squared weights (biases and norm parameters included, as torch's weight_decay).
  std::vector<Tensor> params = e.model->parameters();
  const double alpha = e.st.l2;
  return [base, params, alpha](const Tensor& out, const Tensor& target) {
    return base(out, target).add(optim::l2_penalty(params, alpha));
  };
}

std::unique_ptr<optim::Optimizer> make_optimizer(const Experiment& e) {
  const OptimizerSettings& o = e.st.optimizer;
  auto params = e.model->parameters();
  return optimizers().at(o.name, "optimizer.name").make(params, o, e.st.weight_decay);
}

std::shared_ptr<train::Callback> make_scheduler(const Experiment& e, optim::Optimizer& opt, int64_t steps_per_epoch) {
  const SchedulerSettings& c = e.st.scheduler;
  return schedulers().at(c.name, "scheduler.name").make(c, opt, e.st.epochs, steps_per_epoch);
}

json metrics_json(const train::EvalResult& r) {
  json j;
  j["loss"] = r.loss;
  j["samples"] = r.samples;
  for (const auto& [k, v] : r.metrics) j[k] = std::isfinite(v) ? json(v) : json(nullptr);
  return j;
}

std::string versions() {
  std::string v = std::string("descent ") + DESCENT_VERSION_STRING + ", g++ " + __VERSION__;
  if (openblas_get_config) v += ", " + std::string(openblas_get_config());
  return v;
}

/// The headline metric of a task, printed and put first in the report.
std::pair<std::string, std::string> headline(const Settings& st, const train::EvalResult& r) {
  char buf[96];
  if (st.task == TaskKind::Regression) {
    std::snprintf(buf, sizeof buf, "RMSE %.4f, MAE %.4f, R2 %.4f", r.get("rmse"), r.get("mae"), r.get("r2"));
    return {"test", buf};
  }
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * r.get("accuracy"));
  return {"test accuracy", buf};
}

/// Outputs (as metrics see them), targets and (images only) inputs of every test example, kept
/// during the test set's evaluation (one pass over it).
struct TestPass {
  Tensor outputs, targets, images;
};

/// Evaluates the model on the test set and keeps what the report shows of it.
train::EvalResult evaluate_test(const Experiment& e, train::Trainer& trainer, data::DataLoader& loader, TestPass& p) {
  std::vector<Tensor> outs, targets, images;
  const bool keep_images = e.data.pre.modality == "image" && e.st.report_samples > 0;
  train::EvalResult r = trainer.evaluate(*e.model, loader, [&](const data::Batch& batch, const Tensor& out) {
    outs.push_back(trainer.metric_view(out));
    targets.push_back(batch.target);
    if (keep_images) images.push_back(batch.data.contiguous());
  });
  if (outs.empty()) return r;
  p.outputs = cat(outs, 0);
  p.targets = cat(targets, 0);
  if (keep_images) {
    p.images = cat(images, 0);
    if (!e.data.pre.mean.empty()) {  // undo the normalisation for display
      Tensor mean = from_vector(std::vector<float>(e.data.pre.mean.begin(), e.data.pre.mean.end())).reshape({1, -1, 1, 1});
      Tensor std = from_vector(std::vector<float>(e.data.pre.std.begin(), e.data.pre.std.end())).reshape({1, -1, 1, 1});
      p.images = p.images.mul(std).add(mean).clamp(0.0, 1.0);
    }
  }
  return r;
}

train::TrainerOptions trainer_options(const Experiment& e) {
  auto o = train::TrainerOptions().epochs(e.st.epochs).task(trainer_task(e.st.task), e.data.num_classes);
  o.on_non_finite(e.st.skip_non_finite ? train::NonFinite::Skip : train::NonFinite::Stop);
  if (e.data.num_classes > 2) o.top_k(std::min<int64_t>(5, e.data.num_classes - 1));
  return o;
}

/// What "best" means for a run: the early-stopping monitor when early stopping is on (so the
/// weights it keeps, best.safetensors and the reported best epoch all agree), else the lowest
/// validation loss.
struct BestCriterion {
  std::string monitor = "val_loss";
  train::Mode mode = train::Mode::Min;
  bool better(double a, double b) const { return mode == train::Mode::Min ? a < b : a > b; }
};

BestCriterion best_criterion(const Settings& st) {
  BestCriterion c;
  if (st.early_stopping.enabled) {
    c.monitor = st.early_stopping.monitor;
    c.mode = st.early_stopping.mode == "min" ? train::Mode::Min : train::Mode::Max;
  }
  return c;
}

/// The epoch with the best monitored value (the first among equals; NaN never wins), 0 if none.
int64_t best_epoch_of(const train::History& history, const BestCriterion& c) {
  int64_t best_epoch = 0;
  double best = 0;
  for (const auto& ep : history.epochs) {
    const double v = ep.get(c.monitor);
    if (std::isnan(v)) continue;
    if (best_epoch == 0 || c.better(v, best)) best = v, best_epoch = ep.epoch;
  }
  return best_epoch;
}

/// The per-epoch callbacks every training fit gets: gradient clipping, the LR schedule, early
/// stopping (returned, or null), checkpoints and logs (when `logs`), the progress bar.
std::shared_ptr<train::EarlyStopping> add_callbacks(train::Trainer& trainer, const Experiment& e, optim::Optimizer& opt,
                                                    int64_t steps_per_epoch, const fs::path& run, bool logs, bool quiet) {
  if (e.st.grad_clip_norm > 0)
    trainer.add_callback(std::make_shared<train::GradientClipping>(train::GradientClipping::by_norm(e.st.grad_clip_norm)));
  if (auto s = make_scheduler(e, opt, steps_per_epoch)) trainer.add_callback(s);
  std::shared_ptr<train::EarlyStopping> early;
  if (e.st.early_stopping.enabled) {
    const auto& es = e.st.early_stopping;
    early = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions()
                                                       .monitor(es.monitor)
                                                       .mode(es.mode == "min" ? train::Mode::Min : train::Mode::Max)
                                                       .patience(es.patience)
                                                       .min_delta(es.min_delta)
                                                       .restore_best_weights(es.restore_best_weights));
    trainer.add_callback(early);
  }
  if (logs) {
    const BestCriterion best = best_criterion(e.st);
    trainer.add_callback(std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions(run.string())
                                                                      .monitor(best.monitor)
                                                                      .mode(best.mode)
                                                                      .every_n_steps(e.st.checkpoint_every_n_steps)));
    trainer.add_callback(std::make_shared<train::MetricsLog>((run / "metrics.csv").string(), (run / "metrics.jsonl").string()));
  }
  if (!quiet) trainer.add_callback(std::make_shared<train::ProgressBar>(stderr));
  return early;
}

/// The weak view of an unlabelled sample for the consistency term, by modality: images move by up
/// to 2 pixels (and flip with data.hflip); spectrograms shift in time; tables get a little noise.
data::TensorTransform weak_view(const Experiment& e) {
  const std::string& m = e.data.pre.modality;
  std::vector<data::TensorTransform> ts;
  if (m == "image") {
    ts.push_back(train::random_shift_noise(2, 0.0));
    if (e.st.data.hflip) ts.push_back(data::RandomHorizontalFlip(0.5));
  } else if (m == "audio") {
    ts.push_back(data::TimeShift(std::max<int64_t>(1, e.data.input_shape.back() / 10)));
  } else {
    ts.push_back(data::GaussianNoise(0.05));
  }
  return data::Compose(ts);
}

/// The strong view (FixMatch): the weak one, then for images brightness and contrast jitter and
/// Cutout, for spectrograms SpecAugment's frequency and time masks, for tables more noise.
data::TensorTransform strong_view(const Experiment& e) {
  const std::string& m = e.data.pre.modality;
  std::vector<data::TensorTransform> ts = {weak_view(e)};
  if (m == "image") {
    ts.push_back(train::random_shift_noise(2, 0.0));
    ts.push_back(data::ColorJitter(0.5, 0.5, /*clamp=*/false));
    ts.push_back(data::RandomErasing(1.0, 0.02, 0.25));
  } else if (m == "audio") {
    const int64_t frames = e.data.input_shape.back(), mels = e.data.input_shape[e.data.input_shape.size() - 2];
    ts.push_back(data::FrequencyMasking(std::max<int64_t>(1, mels / 5), 2));
    ts.push_back(data::TimeMasking(std::max<int64_t>(1, frames / 8), 2));
  } else {
    ts.push_back(data::GaussianNoise(0.2));
  }
  return data::Compose(ts);
}

/// Pseudo-labelling rounds (task = "semi_supervised"): the labelled part of the training split
/// (data.labelled_fraction, stratified) trains round 0; each later round adds the unlabelled
/// samples predicted with at least semi_supervised.threshold. Writes semi_supervised.json and
/// the final weights as best.safetensors; returns the last round's history.
train::History fit_semi_supervised(Experiment& e, const fs::path& run, bool quiet, data::DataLoader& val_loader,
                                   json& extra) {
  auto parts = e.st.data.missing_labels ? train::split_by_missing_label(e.data.train)
                                        : train::split_labelled(e.data.train, e.st.data.labelled_fraction, uint64_t(e.st.seed));
  auto pseudo = train::PseudoLabelOptions()
                    .threshold(e.st.semi.threshold)
                    .rounds(e.st.semi.rounds)
                    .epochs(e.st.epochs)
                    .consistency_weight(e.st.semi.consistency_weight)
                    .consistency(e.st.semi.consistency == "fixmatch" ? train::Consistency::kFixMatch : train::Consistency::kMSE)
                    .consistency_from_round(1)  // round 0 is the labelled-only baseline the report compares with
                    .batch_size(e.st.batch_size)
                    .predict_batch_size(e.st.eval_batch_size)
                    .seed(uint64_t(e.st.seed));
  if (e.st.semi.consistency == "fixmatch") pseudo.augment(weak_view(e)).strong_augment(strong_view(e));
  auto options = trainer_options(e);
  const int64_t steps = (parts.labelled->size() + e.st.batch_size - 1) / e.st.batch_size;
  // Round 0 trains on the labelled part alone: its test accuracy, on the same test split as the
  // final model's, is the supervised baseline the pseudo-labelling rounds must beat.
  data::DataLoader test_loader = make_loader(e.data, e.data.test, e.st.eval_batch_size, false, 0);
  double supervised_test_accuracy = std::nan("");
  train::RoundSetup setup = [&](train::Trainer& t, optim::Optimizer& opt, int64_t round) {
    if (!quiet) std::fprintf(stderr, "round %lld\n", static_cast<long long>(round));
    add_callbacks(t, e, opt, steps, run, false, quiet);
    if (round == 0) {
      auto baseline = std::make_shared<train::LambdaCallback>("supervised_baseline");
      baseline->fit_end = [&](train::Trainer& tr) {
        supervised_test_accuracy = tr.evaluate(*e.model, test_loader).get("accuracy");
        e.model->train();
      };
      t.add_callback(baseline);
    }
  };
  Experiment* ep = &e;
  train::OptimizerFactory factory = [ep](nn::Module&) { return make_optimizer(*ep); };
  train::SemiSupervisedResult r = train::fit_pseudo_label(*e.model, factory, options, parts.labelled, parts.unlabelled,
                                                          pseudo, &val_loader, make_loss(e), setup);
  io::save(*e.model, (run / "best.safetensors").string());
  io::atomic_write((run / "semi_supervised.json").string(), r.to_json() + "\n");
  extra["labelled"] = parts.labelled->size();
  extra["unlabelled"] = parts.unlabelled->size();
  extra["supervised_only_val_accuracy"] = r.rounds.front().last("val_accuracy");
  extra["supervised_only_test_accuracy"] = supervised_test_accuracy;
  extra["final_val_accuracy"] = r.rounds.back().last("val_accuracy");
  extra["pseudo_labelled_last_round"] = r.rounds.back().pseudo_labelled;
  io::atomic_write((run / "metrics.csv").string(), train::MetricsLog::to_csv(r.rounds.back().history));
  io::atomic_write((run / "metrics.jsonl").string(), train::MetricsLog::to_jsonl(r.rounds.back().history));
  if (!quiet)
    for (const auto& round : r.rounds)
      std::fprintf(stderr, "round %lld: %lld labelled + %lld pseudo-labelled, val accuracy %.4f\n",
                   static_cast<long long>(round.round), static_cast<long long>(round.labelled),
                   static_cast<long long>(round.pseudo_labelled), round.last("val_accuracy"));
  return r.rounds.back().history;
}

int fit_and_report(Experiment& e, const fs::path& run, bool resume, bool quiet) {
  const double t0 = now_seconds();
  data::DataLoader val_loader = make_loader(e.data, e.data.val, e.st.eval_batch_size, false, 0);
  auto options = trainer_options(e);
  if (resume) options.resume_from((run / "last.ckpt").string());
  train::Trainer trainer(options);
  std::shared_ptr<train::EarlyStopping> early;
  train::History history;
  json extra;
  if (e.st.task == TaskKind::SemiSupervised) {
    DESCENT_CONFIG_CHECK(!resume, "resume: not supported for task = \"semi_supervised\" (its rounds are not checkpointed); ",
                         "train again");
    history = fit_semi_supervised(e, run, quiet, val_loader, extra);
  } else {
    data::DataLoader train_loader =
        make_loader(e.data, e.data.train, e.st.batch_size, true, uint64_t(e.st.seed), e.st.data.num_workers);
    auto opt = make_optimizer(e);
    early = add_callbacks(trainer, e, *opt, train_loader.size(), run, true, quiet);
    history = trainer.fit(*e.model, make_loss(e), *opt, train_loader, &val_loader);
  }
  const double fit_seconds = now_seconds() - t0;

  load_best(e, run);
  data::DataLoader test_loader = make_loader(e.data, e.data.test, e.st.eval_batch_size, false, 0);
  train::EvalResult val = trainer.evaluate(*e.model, val_loader);
  TestPass pass;
  train::EvalResult test = evaluate_test(e, trainer, test_loader, pass);

  // The weights tested: the best epoch by the run's criterion, or for pseudo-labelling the last
  // epoch of the last round (its final weights).
  const bool semi = e.st.task == TaskKind::SemiSupervised;
  const BestCriterion criterion = best_criterion(e.st);
  const int64_t best_epoch = semi ? int64_t(history.epochs.size()) : best_epoch_of(history, criterion);
  const std::string best_label = semi ? "last epoch of the last round" : "best by " + criterion.monitor;
  double sps = 0;
  for (const auto& ep : history.epochs) sps += ep.samples_per_sec;
  if (!history.epochs.empty()) sps /= double(history.epochs.size());
  const auto [head_name, head_value] = headline(e.st, test);

  json summary;
  summary["name"] = e.st.name;
  summary["task"] = to_string(e.st.task);
  summary["data"] = e.data.summary;
  summary["parameters"] = [&] {
    int64_t n = 0;
    for (const auto& p : e.model->parameters()) n += p.numel();
    return n;
  }();
  summary["epochs_run"] = history.epochs.size();
  summary["epochs_max"] = e.st.epochs;
  summary["best_epoch"] = best_epoch;
  summary["best_by"] = semi ? "last" : criterion.monitor;
  summary["stopped_early"] = early && early->stopped_epoch() > 0;
  summary["validation"] = metrics_json(val);
  summary["test"] = metrics_json(test);
  summary["timings"] = {{"fit_seconds_this_process", fit_seconds},
                        {"train_samples_per_sec_mean", sps},
                        {"threads", get_num_threads()}};
  summary["versions"] = versions();
  if (!extra.empty()) summary["semi_supervised"] = extra;
  if (e.st.data.skip_bad_files) summary["bad_files_skipped"] = e.data.bad_files.size();
  io::atomic_write((run / "summary.json").string(), summary.dump(2) + "\n");

  report::TrainingReportInputs in;
  in.title = e.st.name + ": " + to_string(e.st.task);
  in.subtitle = fs::absolute(run).string();
  in.summary = {{head_name, head_value},
                {"test loss", std::to_string(test.loss)},
                {"epochs", std::to_string(history.epochs.size()) + " of " + std::to_string(e.st.epochs) +
                               (summary["stopped_early"].get<bool>() ? " (early stopping)" : "")},
                {"tested weights", "epoch " + std::to_string(best_epoch) + " (" + best_label + ")"},
                {"data", e.data.summary},
                {"parameters", std::to_string(summary["parameters"].get<int64_t>())},
                {"training time", std::to_string(int(fit_seconds)) + " s in this process"},
                {"versions", versions()}};
  if (!extra.empty()) {
    in.summary.insert(in.summary.begin() + 1,
                      {"semi-supervised", std::to_string(extra["labelled"].get<int64_t>()) + " labelled + " +
                                              std::to_string(extra["pseudo_labelled_last_round"].get<int64_t>()) +
                                              " pseudo-labelled; val accuracy " +
                                              fixed(100 * extra["supervised_only_val_accuracy"].get<double>(), 2) +
                                              "% supervised only, " +
                                              fixed(100 * extra["final_val_accuracy"].get<double>(), 2) + "% after the rounds"});
    in.summary.insert(in.summary.begin() + 2,
                      {"test accuracy: supervised only vs semi-supervised",
                       fixed(100 * extra["supervised_only_test_accuracy"].get<double>(), 2) + "% (round 0, labelled only) vs " +
                           fixed(100 * test.get("accuracy"), 2) + "% (final), on the same test split"});
  }
  in.task = to_string(e.st.task);
  in.history = &history;
  in.test = &test;
  in.class_names = e.data.pre.class_names;
  in.test_outputs = pass.outputs;
  in.test_targets = pass.targets;
  in.test_images = pass.images;
  in.samples = e.st.report_samples;
  report::write_training_report(in, (run / "report.html").string());

  std::printf("%s: %s (epoch %lld of %zu, %s)\n", head_name.c_str(), head_value.c_str(), static_cast<long long>(best_epoch),
              history.epochs.size(), best_label.c_str());
  std::printf("report: %s\n", fs::absolute(run / "report.html").c_str());
  return 0;
}

/// data.skip_bad_files: the files left out, one per line in bad_files.txt, and a warning.
void write_bad_files(const Experiment& e, const fs::path& run) {
  if (e.data.bad_files.empty()) return;
  std::string list;
  for (const auto& b : e.data.bad_files) list += b + "\n";
  io::atomic_write((run / "bad_files.txt").string(), list);
  std::fprintf(stderr, "descent: warning: %zu files cannot be read and were left out (data.skip_bad_files); see %s\n",
               e.data.bad_files.size(), (run / "bad_files.txt").c_str());
}

/// fit_and_report, and when a file of the run could not be written (full disk, read-only folder),
/// the error says what is left and how to continue.
int fit_and_finish(Experiment& e, const fs::path& run, bool resume, bool quiet) {
  try {
    return fit_and_report(e, run, resume, quiet);
  } catch (const io::WriteError& ex) {
    std::error_code ec;
    const bool ckpt = fs::is_regular_file(run / "last.ckpt", ec);
    throw io::WriteError(detail::str_cat(ex.message(), "; ",
                                         ckpt ? "the last checkpoint written (last.ckpt) is intact" : "no checkpoint was written yet",
                                         ". Once there is space (or the folder is writable) again, `descent resume ",
                                         run.string(), "` ", ckpt ? "continues the run from it" : "trains it again"),
                         __FILE__, __LINE__);
  }
}

}  // namespace

int train_command(const TrainArgs& args) {
  toml::table config = load_with_overrides(args.config, args.sets);
  Experiment e = prepare(std::move(config), args.config);
  // A new run never overwrites an older one: runs/<name> becomes runs/<name>-2, -3, ... when taken,
  // and an explicit --out that holds a run is an error unless --force.
  std::error_code ec;
  fs::path run = args.out.empty() ? fs::path("runs") / e.st.name : fs::path(args.out);
  auto holds_run = [&](const fs::path& p) { return fs::exists(p / "config.toml", ec) || fs::exists(p / "last.ckpt", ec); };
  if (args.out.empty())
    for (int k = 2; holds_run(run); ++k) run = fs::path("runs") / (e.st.name + "-" + std::to_string(k));
  else if (holds_run(run))
    DESCENT_CONFIG_CHECK(args.force, "--out ", run.string(), ": already holds a run; choose another directory, continue it ",
                         "with `descent resume ", run.string(), "`, or pass --force to replace it");
  fs::create_directories(run);
  for (const char* f : {"last.ckpt", "best.safetensors", "summary.json", "report.html", "semi_supervised.json"})
    fs::remove(run / f, ec);  // --force: nothing of the replaced run may pass for this one's
  io::atomic_write((run / "config.toml").string(), to_toml(e.config));
  io::atomic_write((run / "preprocess.json").string(), e.data.pre.to_json() + "\n");
  {
    std::ostringstream os;
    os << *e.model << "\n";
    io::atomic_write((run / "model.txt").string(), os.str());
  }
  write_bad_files(e, run);
  if (!args.quiet)
    std::fprintf(stderr, "descent train: %s (%s), %s; run directory %s\n", e.st.name.c_str(), to_string(e.st.task).c_str(),
                 e.data.summary.c_str(), run.c_str());
  return fit_and_finish(e, run, false, args.quiet);
}

int resume_command(const std::string& run_dir, const std::vector<std::string>& sets, bool quiet) {
  check_run_dir(run_dir);
  const fs::path run(run_dir);
  std::error_code ec;
  // A run that failed before its first checkpoint has its config but no last.ckpt and no results:
  // it restarts. A finished run without last.ckpt (semi_supervised rounds) has nothing to resume.
  const bool has_ckpt = fs::is_regular_file(run / "last.ckpt", ec);
  // (best.safetensors alone does not make a run finished: it is written before last.ckpt.)
  const bool finished = fs::exists(run / "summary.json", ec);
  DESCENT_CONFIG_CHECK(has_ckpt || !finished, run_dir, ": no last.ckpt to resume from");
  const bool restart = !has_ckpt;
  for (const auto& s : sets)
    DESCENT_CONFIG_CHECK(s.rfind("epochs=", 0) == 0, "resume --set '", s,
                         "': only epochs may change when resuming (anything else would not continue the same run)");
  toml::table config = load_with_overrides((run / "config.toml").string(), sets);
  Experiment e = prepare(std::move(config), (run / "config.toml").string());
  io::atomic_write((run / "config.toml").string(), to_toml(e.config));
  write_bad_files(e, run);
  if (restart) {
    std::fprintf(stderr, "descent resume: %s has no checkpoint yet (the run stopped in its first epoch); training from the start\n",
                 run_dir.c_str());
    return fit_and_finish(e, run, false, quiet);
  }
  if (!quiet) std::fprintf(stderr, "descent resume: %s from %s\n", e.st.name.c_str(), (run / "last.ckpt").c_str());
  return fit_and_finish(e, run, true, quiet);
}

/// Evaluates the run's model on ds and prints the metrics (what: the split or file evaluated).
int report_eval(const Experiment& e, const data::DatasetPtr& ds, const std::string& what, bool as_json);

int eval_command(const std::string& run_dir, const std::string& split, const std::string& data_path, bool as_json) {
  check_run_dir(run_dir);
  const fs::path run(run_dir);
  toml::table config = load_toml((run / "config.toml").string());
  const std::string kind = config["data"]["kind"].value_or(std::string());
  if (!data_path.empty() && (kind == "tabular_csv" || kind == "text_csv" || kind == "text_folder")) {
    // Encoded with what the run saved (preprocess.json: schema and scaling, or tokenizer and
    // vocabulary), never refitted on other data.
    Experiment e = load_trained_run(run_dir);
    const std::string file = fs::absolute(data_path).string();
    return report_eval(e, kind == "tabular_csv" ? tabular_file(e.data.pre, file, e.st.task, "--data")
                                                : text_file(e.data.pre, e.st.data, file, "--data"),
                       data_path, as_json);
  }
  if (!data_path.empty()) {
    toml::table* d = config["data"].as_table();
    if (kind == "fashion_mnist" || kind == "mnist") {
      d->insert_or_assign("path", fs::absolute(data_path).string());
    } else {
      d->insert_or_assign("test_path", fs::absolute(data_path).string());
      if (auto* a = (*d)["split"].as_array(); a && a->size() == 3) {
        const double tr = a->get(0)->value_or(0.0), va = a->get(1)->value_or(0.0);
        toml::array two;
        two.push_back(tr / (tr + va));
        two.push_back(va / (tr + va));
        d->insert_or_assign("split", two);
      }
    }
  }
  Experiment e = prepare(std::move(config), (run / "config.toml").string());
  DESCENT_CHECK(load_best(e, run), run_dir, ": no best.safetensors (the run has not finished an epoch)");
  data::DatasetPtr ds = split == "val" && data_path.empty() ? e.data.val : e.data.test;
  return report_eval(e, ds, data_path.empty() ? split : data_path, as_json);
}

int report_eval(const Experiment& e, const data::DatasetPtr& ds, const std::string& what, bool as_json) {
  train::Trainer trainer(trainer_options(e));
  data::DataLoader loader = make_loader(e.data, ds, e.st.eval_batch_size, false, 0);
  train::EvalResult r = trainer.evaluate(*e.model, loader, make_loss(e));
  if (as_json) {
    json j = metrics_json(r);
    j["split"] = what;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s (%lld examples): loss %s", what.c_str(), static_cast<long long>(r.samples), fixed(r.loss).c_str());
    for (const auto& [k, v] : r.metrics) std::printf(", %s %s", k.c_str(), fixed(v).c_str());
    std::printf("\n");
  }
  return 0;
}

int predict_command(const std::string& run_dir, const std::vector<std::string>& inputs, int64_t top, bool as_json) {
  Experiment e = load_trained_run(run_dir);
  apply_runtime(e.st);
  std::vector<std::string> names;
  std::vector<Tensor> xs = e.data.pre.read_inputs(inputs, names);
  NoGradGuard no_grad;
  json out = json::array();
  const auto& classes = e.data.pre.class_names;
  for (size_t i = 0; i < xs.size(); ++i) {
    Tensor y = e.model->call(xs[i].unsqueeze(0)).reshape({-1}).to(kFloat64).contiguous();
    const double* p = y.data_ptr<double>();
    json item;
    item["input"] = names[i];
    // A text with no token of the vocabulary (empty, or all unknown) carries no evidence: the
    // prediction is the model's prior, and the output says so.
    std::string warning;
    if (e.data.pre.modality == "text") {
      bool known = false;
      if (xs[i].dtype() == kInt64) {
        const Tensor ids = xs[i].reshape({-1}).contiguous();
        const int64_t* t = ids.data_ptr<int64_t>();
        for (int64_t k = 0; k < ids.numel() && !known; ++k) known = t[k] != data::Vocab::kPadIndex && t[k] != data::Vocab::kUnkIndex;
      } else {  // TF-IDF weights or counts: <pad> and <unk> count nothing
        known = xs[i].abs().sum().item<double>() > 0;
      }
      if (!known) warning = "no known token: the input has no word of the training vocabulary, so this is a guess";
    }
    if (!warning.empty()) {
      item["warning"] = warning;
      if (!as_json) std::fprintf(stderr, "descent: warning: %s: %s\n", names[i].c_str(), warning.c_str());
    }
    if (e.st.task == TaskKind::Regression) {
      item["value"] = p[0];
      if (!as_json) std::printf("%s: %s = %.6g\n", names[i].c_str(), e.data.pre.target_name.c_str(), p[0]);
    } else {
      std::vector<double> prob;
      if (e.st.task == TaskKind::Binary) {
        const double q = 1.0 / (1.0 + std::exp(-p[0]));
        prob = {1 - q, q};
      } else {
        Tensor s = nn::functional::softmax(y, 0);
        prob.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
      }
      std::vector<size_t> order(prob.size());
      for (size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prob[a] > prob[b]; });
      order.resize(std::min<size_t>(order.size(), size_t(top)));
      json tops = json::array();
      std::string line = names[i] + ":";
      for (size_t k : order) {
        tops.push_back({{"class", classes[k]}, {"probability", prob[k]}});
        line += "  " + classes[k] + " " + fixed(100 * prob[k], 1) + "%";
      }
      item["top"] = tops;
      if (!as_json) std::printf("%s\n", line.c_str());
    }
    out.push_back(item);
  }
  if (as_json) std::printf("%s\n", out.dump().c_str());
  return 0;
}

int info_command(const std::string& path, const std::vector<std::string>& sets) {
  std::error_code ec;
  Experiment e;
  if (fs::is_directory(path, ec)) {
    DESCENT_CONFIG_CHECK(sets.empty(), "info --set: only for a config file, not a run directory");
    e = open_run(path);
    apply_runtime(e.st);
  } else {
    e = prepare(load_with_overrides(path, sets), path);
    std::printf("data: %s\n", e.data.summary.c_str());
  }
  Shape in{1};
  for (int64_t d : e.data.input_shape) in.push_back(d);
  nn::Summary s = nn::summary(*e.model, in, e.data.input_dtype);
  std::printf("model: %s (%s)\n", e.st.model.builtin.empty() ? "layer list" : e.st.model.builtin.c_str(), to_string(e.st.task).c_str());
  std::printf("%s\n", s.to_string().c_str());
  return 0;
}

}  // namespace descent::cli
