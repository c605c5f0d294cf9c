// End-to-end tests of the `descent` tool: every shipped config kind trains (2 epochs) on small
// generated data, then eval, predict, info and resume run on its run directory; bad configs fail
// before training with exit code 2 and a message naming the key; a run killed with SIGKILL and
// resumed ends with the same weights as an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <toml++/toml.h>

#include "descent/data/data.h"
#include "descent/data/formats/idx.h"
#include "descent/data/synthetic.h"
#include "descent/data/synthetic_media.h"
#include "descent/descent.h"
#include "cli_test_util.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using namespace descent::cli_test;

Result run(const std::string& args, const fs::path& scratch) { return run_tool(args, scratch); }

/// Scratch folder with the generated sample data (as scripts/make-sample-data.sh writes it) and a
/// tiny Fashion-MNIST-shaped IDX set.
class CliTest : public ScratchSuite<CliTest> {
 public:
  static constexpr const char* kName = "descent_cli_test";
  static constexpr int64_t kTrain = 600, kTest = 100;
  static constexpr uint64_t kSeed = 7;

 protected:
  /// The shipped config with its data moved to the generated samples.
  std::string config(const std::string& name) const {
    std::string args = q(kRepo / "configs" / (name + ".toml"));
    if (name.find("fashion") != std::string::npos) args += " --set data.path=" + q(root_ / "idx");
    return args;
  }
  std::string data_set(const std::string& name) const {
    static const std::map<std::string, std::string> where = {
        {"image_folder", "images"},     {"audio_folder", "audio"},         {"text_csv_bag", "text.csv"},
        {"text_csv_gru", "text.csv"},   {"tabular_regression", "regression.csv"}, {"binary", "classification.csv"},
        {"text_folder", "text_folder"}, {"text_lang_char", "languages.csv"}, {"text_lang_tfidf", "languages.csv"}};
    auto it = where.find(name);
    return it == where.end() ? "" : " --set data.path=" + q(root_ / "samples" / it->second);
  }
};

/// A predict input for each config kind.
std::string predict_input(const std::string& name, const fs::path& root) {
  if (name == "image_folder") return q(root / "samples" / "images" / "circle" / "000.png");
  if (name == "audio_folder") return q(root / "samples" / "audio" / "high" / "000.wav");
  if (name.rfind("text_lang", 0) == 0) return "'Der schönheit und lichen'";
  if (name.rfind("text", 0) == 0) return "'a wonderful and great film, I loved it'";
  if (name == "tabular_regression" || name == "binary") return q(root / "rows.csv");
  return "";
}

class ConfigKinds : public CliTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(ConfigKinds, TrainEvalPredictInfoResume) {
  const std::string name = GetParam();
  const fs::path run_dir = scratch_ / "run";
  Result r = run("train " + config(name) + data_set(name) + " --set epochs=2 --out " + q(run_dir) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"config.toml", "preprocess.json", "model.txt", "metrics.csv", "metrics.jsonl", "last.ckpt",
                        "best.safetensors", "summary.json", "report.html"})
    EXPECT_TRUE(fs::is_regular_file(run_dir / f)) << f;
  EXPECT_NE(r.out.find("report: "), std::string::npos) << r.out;
  std::ifstream sf(run_dir / "summary.json");
  json summary = json::parse(sf);
  EXPECT_EQ(summary["epochs_run"].get<int>(), 2);
  EXPECT_GT(summary["test"]["samples"].get<int>(), 0);
  std::ifstream rf(run_dir / "report.html");
  std::stringstream report;
  report << rf.rdbuf();
  EXPECT_NE(report.str().find("<svg"), std::string::npos);
  EXPECT_EQ(report.str().find("http://"), report.str().find("http://www.w3.org"));  // no network resources

  r = run("eval " + q(run_dir) + " --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json ev = json::parse(r.out);
  EXPECT_EQ(ev["split"], "test");
  EXPECT_DOUBLE_EQ(ev["loss"].get<double>(), summary["test"]["loss"].get<double>());  // the best checkpoint again
  r = run("eval " + q(run_dir) + " --split val", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("val ("), std::string::npos) << r.out;

  if (name == "tabular_regression" || name == "binary") {  // rows to predict: the file's first lines, target dropped
    descent::data::CsvTable t = descent::data::read_csv((root_ / "samples" / (name == "binary" ? "classification.csv" : "regression.csv")).string());
    std::ofstream rows(root_ / "rows.csv");
    rows << descent::data::csv_row(t.header) << "\n";
    for (int i = 0; i < 3; ++i) rows << descent::data::csv_row(t.rows[size_t(i)]) << "\n";
  }
  if (name.rfind("fashion", 0) == 0) {
    descent::data::FashionMNIST test_set((root_ / "idx").string(), false);
    descent::data::write_png((scratch_ / "img.png").string(), test_set.images().select(0, 3));
  }
  const std::string input = name.rfind("fashion", 0) == 0 ? q(scratch_ / "img.png") : predict_input(name, root_);
  r = run("predict " + q(run_dir) + " " + input + " --json --top 20", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json pred = json::parse(r.out);
  ASSERT_GE(pred.size(), 1u);
  if (name == "tabular_regression") {
    EXPECT_TRUE(pred[0]["value"].is_number());
  } else {
    double total = 0;
    for (const auto& t : pred[0]["top"]) total += t["probability"].get<double>();
    EXPECT_NEAR(total, 1.0, 1e-9);  // every class shown: the probabilities sum to 1
  }
  r = run("predict " + q(run_dir) + " " + input, scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());

  r = run("info " + q(run_dir), scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("param"), std::string::npos) << r.out;

  r = run("resume " + q(run_dir) + " --set epochs=3 --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream sf2(run_dir / "summary.json");
  EXPECT_EQ(json::parse(sf2)["epochs_run"].get<int>(), 3);
}

INSTANTIATE_TEST_SUITE_P(Configs, ConfigKinds,
                         ::testing::Values("fashion_mlp", "fashion_cnn", "image_folder", "audio_folder", "text_csv_bag",
                                           "text_csv_gru", "text_folder", "text_lang_char", "text_lang_tfidf",
                                           "tabular_regression", "binary"));

/// A config file in the scratch folder.
fs::path write_config(const fs::path& dir, const std::string& text) {
  const fs::path p = dir / "c.toml";
  std::ofstream(p) << text;
  return p;
}

TEST_F(CliTest, BadConfigsFailBeforeTrainingNamingTheKey) {
  const std::string csv = (root_ / "samples" / "classification.csv").string();
  const std::string base = "task = \"binary\"\n[data]\nkind = \"tabular_csv\"\npath = \"" + csv + "\"\ntarget = \"label\"\n";
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {base + "[model]\nbuiltin = \"mlp\"\n[optimizer]\nname = \"adamm\"\n",
       "optimizer.name: unknown 'adamm'; one of sgd, adam, adamw, rmsprop, adagrad"},
      {base + "colour = 3\n[model]\nbuiltin = \"mlp\"\n", "data.colour: unknown key"},
      {"epochs = \"ten\"\n" + base + "[model]\nbuiltin = \"mlp\"\n", "epochs: expected an integer, got string 'ten'"},
      {"task = \"binary\"\n[data]\nkind = \"tabular_csv\"\npath = \"/nonexistent/x.csv\"\ntarget = \"label\"\n[model]\nbuiltin = \"mlp\"\n",
       "data.path: no such file '/nonexistent/x.csv'"},
      {base + "split = [0.5, 0.2, 0.1]\n[model]\nbuiltin = \"mlp\"\n", "data.split: fractions must sum to 1"},
      {base + "[model]\nlayers = [ { type = \"linear\", out = 8 }, { type = \"conv2d\", out = 4 } ]\n",
       "model.layers[1] (conv2d): needs an image [C, H, W] input"},
      {base + "[model]\nlayers = [ { type = \"linear\", out = 8 }, { type = \"relu\" } ]\n",
       "model.layers: the last layer gives per-example shape [8] but the task needs [1]"},
      {base + "[model]\nbuiltin = \"mlp\"\nhiden = [4]\n", "model.hiden: unknown key"},
      {base + "[model]\nbuiltin = \"transformer\"\n", "model.builtin: unknown 'transformer'"},
      {base + "[model]\nbuiltin = \"mlp\"\n[scheduler]\nname = \"plateau\"\nfactor = 2.0\n", "scheduler.factor: 2 is out of range"},
      {"task = \"clasification\"\n" + base.substr(base.find('\n') + 1) + "[model]\nbuiltin = \"mlp\"\n", "task: unknown 'clasification'"},
      {"epochs = [1\n", "TOML syntax error"},
  };
  for (const auto& c : cases) {
    const fs::path cfg = write_config(scratch_, c.text);
    const fs::path out = scratch_ / "run";
    Result r = run("train " + q(cfg) + " --out " + q(out) + " --quiet", scratch_);
    EXPECT_EQ(r.code, 2) << c.text << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << r.err;
    EXPECT_FALSE(fs::exists(out / "last.ckpt")) << "training started for:\n" << c.text;
  }
  // --set errors are config errors too.
  Result r = run("train " + config("binary") + data_set("binary") + " --set optimizer.lr=fast --quiet --out " + q(scratch_ / "r2"), scratch_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("optimizer.lr: expected a number, got string 'fast'"), std::string::npos) << r.err;
}

TEST_F(CliTest, UsageErrorsAndHelp) {
  EXPECT_EQ(run("", scratch_).code, 2);
  EXPECT_EQ(run("fly", scratch_).code, 2);
  EXPECT_EQ(run("train", scratch_).code, 2);
  EXPECT_EQ(run("eval /nonexistent/run", scratch_).code, 2);
  for (const char* cmd : {"--help", "train --help", "eval --help", "predict --help", "info --help", "resume --help"}) {
    Result r = run(cmd, scratch_);
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << ": " << r.out;
  }
  // A runtime error (a corrupt checkpoint) exits with 1.
  const fs::path run_dir = scratch_ / "run";
  ASSERT_EQ(run("train " + config("binary") + data_set("binary") + " --set epochs=1 --quiet --out " + q(run_dir), scratch_).code, 0);
  std::ofstream(run_dir / "best.safetensors") << "garbage";
  Result r = run("eval " + q(run_dir), scratch_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("best.safetensors"), std::string::npos) << r.err;
}

TEST_F(CliTest, KilledRunResumesToTheSameWeights) {
  const std::string common = config("tabular_regression") + data_set("tabular_regression") +
                             " --set epochs=4 --set checkpoint_every_n_steps=1 --set early_stopping.enabled=false --quiet";
  const fs::path whole = scratch_ / "whole", killed = scratch_ / "killed";
  ASSERT_EQ(run("train " + common + " --out " + q(whole), scratch_).code, 0);

  // The same run, killed with SIGKILL once it has written a few checkpoints, then resumed.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cmd = "exec '" + kTool + "' train " + common + " --out " + q(killed) + " >/dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for the second epoch's metrics line (or the end of the run), then kill.
  for (int i = 0; i < 3000; ++i) {
    std::ifstream m(killed / "metrics.csv");
    std::string text((std::istreambuf_iterator<char>(m)), std::istreambuf_iterator<char>());
    if (std::count(text.begin(), text.end(), '\n') >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  Result r = run("resume " + q(killed) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  Result a = run("eval " + q(whole) + " --json", scratch_), b = run("eval " + q(killed) + " --json", scratch_);
  ASSERT_EQ(a.code, 0);
  ASSERT_EQ(b.code, 0);
  EXPECT_EQ(a.out, b.out);  // the same best weights give bitwise the same loss and metrics
  std::ifstream h1(whole / "metrics.csv"), h2(killed / "metrics.csv");
  std::string m1((std::istreambuf_iterator<char>(h1)), {}), m2((std::istreambuf_iterator<char>(h2)), {});
  auto strip_timing = [](const std::string& csv) {  // samples/s and epoch seconds differ between runs
    std::stringstream in(csv), out;
    for (std::string line; std::getline(in, line);) {
      size_t cut = line.size();
      for (int k = 0; k < 2; ++k) cut = line.rfind(',', cut - 1);
      out << line.substr(0, cut) << "\n";
    }
    return out.str();
  };
  EXPECT_EQ(strip_timing(m1), strip_timing(m2));
}

TEST_F(CliTest, OverridesAreRecordedInTheResolvedConfig) {
  const fs::path run_dir = scratch_ / "run";
  ASSERT_EQ(run("train " + config("binary") + data_set("binary") +
                    " --set epochs=1 --set optimizer.lr=0.02 --set scheduler.name=step --quiet --out " + q(run_dir),
                scratch_)
                .code,
            0);
  std::ifstream f(run_dir / "config.toml");
  std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_NE(text.find("lr = 0.02"), std::string::npos) << text;
  EXPECT_NE(text.find("step_size = 1"), std::string::npos) << text;  // the scheduler's defaults are written out
  EXPECT_NE(text.find("hidden = [ 16 ]"), std::string::npos) << text;  // and the builtin's options
  Result r = run("info " + config("binary") + data_set("binary"), scratch_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Linear"), std::string::npos) << r.out;
}

}  // namespace

namespace {

TEST_F(CliTest, SemiSupervisedRoundsPseudoLabel) {
  const fs::path run_dir = scratch_ / "run";
  Result r = run("train " + config("semi_fashion") + " --set epochs=15 --set data.labelled_fraction=0.2" +
                     " --set semi_supervised.threshold=0.5 --set semi_supervised.rounds=1 --quiet --out " + q(run_dir),
                 scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream sf(run_dir / "summary.json");
  json summary = json::parse(sf);
  // 540 training examples (600 minus the 10% validation split), 20% of them labelled.
  EXPECT_EQ(summary["semi_supervised"]["labelled"].get<int64_t>(), 108);
  EXPECT_EQ(summary["semi_supervised"]["unlabelled"].get<int64_t>(), 432);
  EXPECT_GT(summary["semi_supervised"]["pseudo_labelled_last_round"].get<int64_t>(), 0);
  // The supervised baseline (round 0) is measured on the same test split as the final model.
  const double base = summary["semi_supervised"]["supervised_only_test_accuracy"].get<double>();
  EXPECT_GT(base, 0.0);
  EXPECT_LE(base, 1.0);
  EXPECT_NE(slurp(run_dir / "report.html").find("supervised only vs semi-supervised"), std::string::npos);
  EXPECT_TRUE(fs::is_regular_file(run_dir / "semi_supervised.json"));
  EXPECT_TRUE(fs::is_regular_file(run_dir / "report.html"));
  r = run("predict " + q(run_dir) + " " + q(kRepo / "docs" / "guide" / "figures" / "nonexistent.png"), scratch_);
  EXPECT_EQ(r.code, 1);  // a missing input file is a runtime error naming it
  EXPECT_NE(r.err.find("nonexistent.png"), std::string::npos) << r.err;
  r = run("resume " + q(run_dir), scratch_);
  EXPECT_EQ(r.code, 2);
}

}  // namespace

namespace {

TEST_F(CliTest, ANewRunNeverReplacesAnOldOneUnlessForced) {
  const fs::path run_dir = scratch_ / "run";
  const std::string cmd = "train " + config("binary") + data_set("binary") + " --set epochs=1 --quiet --out " + q(run_dir);
  ASSERT_EQ(run(cmd, scratch_).code, 0);
  const auto before = fs::last_write_time(run_dir / "best.safetensors");
  Result r = run(cmd, scratch_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("already holds a run"), std::string::npos) << r.err;
  EXPECT_EQ(fs::last_write_time(run_dir / "best.safetensors"), before);  // untouched
  EXPECT_EQ(run(cmd + " --force", scratch_).code, 0);
}

}  // namespace

namespace {

TEST_F(CliTest, SemiSupervisedFromALabelColumnWithEmptyLabels) {
  // The binary sample with 3 of every 4 labels blanked out: those rows are the unlabelled part.
  descent::data::CsvTable t = descent::data::read_csv((root_ / "samples" / "classification.csv").string());
  const size_t label_col = size_t(std::find(t.header.begin(), t.header.end(), "label") - t.header.begin());
  int64_t unlabelled = 0;
  {
    std::ofstream csv(scratch_ / "partly.csv");
    csv << descent::data::csv_row(t.header) << "\n";
    for (size_t i = 0; i < t.rows.size(); ++i) {
      auto row = t.rows[i];
      if (i % 4 != 0) row[label_col] = "", ++unlabelled;
      csv << descent::data::csv_row(row) << "\n";
    }
  }
  const fs::path cfg = scratch_ / "semi.toml", run_dir = scratch_ / "run";
  std::ofstream(cfg) << "task = \"semi_supervised\"\nepochs = 10\nbatch_size = 16\n[data]\nkind = \"tabular_csv\"\n"
                     << "path = \"" << (scratch_ / "partly.csv").string() << "\"\ntarget = \"label\"\nmissing_labels = true\n"
                     << "[model]\nbuiltin = \"mlp\"\nhidden = [16]\n[semi_supervised]\nthreshold = 0.8\nrounds = 1\n";
  Result r = run("train " + q(cfg) + " --quiet --out " + q(run_dir), scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json summary = json::parse(slurp(run_dir / "summary.json"));
  EXPECT_EQ(summary["semi_supervised"]["unlabelled"].get<int64_t>(), unlabelled);
  const int64_t labelled = int64_t(t.rows.size()) - unlabelled;  // 70/20/10 of these: train / val / test
  EXPECT_NEAR(double(summary["semi_supervised"]["labelled"].get<int64_t>()), 0.7 * double(labelled), 1.0);
  EXPECT_NEAR(double(summary["test"]["samples"].get<int64_t>()), 0.1 * double(labelled), 1.0);
  // Empty labels without missing_labels are an error naming the row.
  r = run("train " + config("binary") + " --set data.path=" + q(scratch_ / "partly.csv") + " --quiet --out " +
              q(scratch_ / "r2"),
          scratch_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the target is missing"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// The run's notion of "best" follows early_stopping.monitor: best.safetensors, summary.json's
// best_epoch and the printed epoch all name the epoch of the best monitored value.
TEST_F(CliTest, EarlyStoppingMonitorChoosesTheBestWeights) {
  const fs::path run_dir = scratch_ / "run";
  Result r = run("train " + config("binary") + data_set("binary") +
                     " --set epochs=6 --set early_stopping.monitor=val_accuracy --set early_stopping.patience=6" +
                     " --quiet --out " + q(run_dir),
                 scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json summary = json::parse(slurp(run_dir / "summary.json"));
  EXPECT_EQ(summary["best_by"], "val_accuracy");
  // The first epoch of the highest val_accuracy in the log.
  std::istringstream log(slurp(run_dir / "metrics.jsonl"));
  int64_t want = 0;
  double best = -1;
  for (std::string line; std::getline(log, line);) {
    if (line.empty()) continue;
    json ep = json::parse(line);
    if (ep["val_accuracy"].get<double>() > best) best = ep["val_accuracy"].get<double>(), want = ep["epoch"].get<int64_t>();
  }
  EXPECT_EQ(summary["best_epoch"].get<int64_t>(), want);
  EXPECT_NE(r.out.find("best by val_accuracy"), std::string::npos) << r.out;
}

// The resolved config writes numbers as they were meant (0.9, not 0.90000000000000002), and reads
// back to the same values.
TEST_F(CliTest, ResolvedConfigWritesShortestNumbers) {
  const fs::path run_dir = scratch_ / "run";
  ASSERT_EQ(run("train " + config("binary") + data_set("binary") + " --set epochs=1 --set data.split=[0.7,0.2,0.1]" +
                    " --set optimizer.lr=0.1 --quiet --out " + q(run_dir),
                scratch_)
                .code,
            0);
  const std::string text = slurp(run_dir / "config.toml");
  EXPECT_EQ(text.find("0000000"), std::string::npos) << text;
  EXPECT_NE(text.find("split = [ 0.7, 0.2, 0.1 ]"), std::string::npos) << text;
  toml::table t = toml::parse(text);
  EXPECT_EQ(t["data"]["split"][0].value_or(0.0), 0.7);
  EXPECT_EQ(t["optimizer"]["lr"].value_or(0.0), 0.1);
}

// Error messages name the input at fault without the source location; DESCENT_DEBUG=1 adds it.
TEST_F(CliTest, ErrorsHideTheSourceLocationUnlessDebugging) {
  const fs::path cfg = scratch_ / "missing.toml";
  std::ofstream(cfg) << "name = \"x\"\n[data]\nkind = \"tabular_csv\"\npath = \"" << (scratch_ / "none.csv").string()
                     << "\"\ntarget = \"y\"\n";
  Result r = run("train " + q(cfg) + " --quiet", scratch_);
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.err.find(".cpp:"), std::string::npos) << r.err;
  std::ofstream(scratch_ / "empty.csv") << "";
  r = run("info " + q(kRepo / "configs" / "binary.toml") + " --set data.path=" + q(scratch_ / "empty.csv"), scratch_);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.find(".cpp:"), std::string::npos) << r.err;
  const std::string debug = "env DESCENT_DEBUG=1 '" + kTool + "' info " + q(kRepo / "configs" / "binary.toml") +
                            " --set data.path=" + q(scratch_ / "empty.csv") + " 2>" + q(scratch_ / "err.txt");
  EXPECT_NE(std::system(debug.c_str()), 0);
  EXPECT_NE(slurp(scratch_ / "err.txt").find(".cpp:"), std::string::npos) << slurp(scratch_ / "err.txt");
}

// A text with no word of the vocabulary is predicted with a warning, in the text and JSON outputs.
TEST_F(CliTest, PredictWarnsWhenATextHasNoKnownToken) {
  const fs::path run_dir = scratch_ / "run";
  ASSERT_EQ(run("train " + config("text_csv_bag") + data_set("text_csv_bag") + " --set epochs=1 --quiet --out " + q(run_dir),
                scratch_)
                .code,
            0);
  Result r = run("predict " + q(run_dir) + " '' 'qqqzzz xxyyzz' 'a wonderful film'", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  size_t warnings = 0;
  for (size_t p = r.err.find("no known token"); p != std::string::npos; p = r.err.find("no known token", p + 1)) ++warnings;
  EXPECT_EQ(warnings, 2u) << r.err;
  r = run("predict " + q(run_dir) + " '' 'a wonderful film' --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json out = json::parse(r.out);
  EXPECT_TRUE(out[0].contains("warning"));
  EXPECT_FALSE(out[1].contains("warning"));
}

// A run that stopped before its first checkpoint (only its config and preprocessing written)
// restarts under `descent resume` instead of being refused by both resume and --out.
TEST_F(CliTest, ResumeRestartsARunThatNeverCheckpointed) {
  const fs::path run_dir = scratch_ / "run";
  ASSERT_EQ(run("train " + config("binary") + data_set("binary") + " --set epochs=1 --quiet --out " + q(run_dir), scratch_).code, 0);
  for (const char* f : {"last.ckpt", "best.safetensors", "summary.json", "report.html"}) fs::remove(run_dir / f);
  Result r = run("resume " + q(run_dir) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("training from the start"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_regular_file(run_dir / "summary.json"));
  EXPECT_TRUE(fs::is_regular_file(run_dir / "last.ckpt"));
}

// Given validation and test files for tabular data are encoded with the training file's schema and
// scaling, and `eval --data` evaluates a run on another CSV the same way.
TEST_F(CliTest, TabularValAndTestFilesAndEvalData) {
  const fs::path run_dir = scratch_ / "run";
  const fs::path csv = root_ / "samples" / "regression.csv";
  Result r = run("train " + config("tabular_regression") + data_set("tabular_regression") + " --set data.val_path=" + q(csv) +
                     " --set data.test_path=" + q(csv) + " --set data.split=[1.0,0.0] --set epochs=1 --quiet --out " + q(run_dir),
                 scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json summary = json::parse(slurp(run_dir / "summary.json"));
  r = run("eval " + q(run_dir) + " --data " + q(csv) + " --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  // The same rows, the same encoding: the same test metrics as the run's own test file.
  EXPECT_NEAR(j["loss"].get<double>(), summary["test"]["loss"].get<double>(), 1e-6 * (1 + summary["test"]["loss"].get<double>()));
  EXPECT_EQ(j["samples"], summary["test"]["samples"]);
  // A file without the target column names it.
  std::ofstream(scratch_ / "no_target.csv") << "a,b\n1,2\n";
  r = run("eval " + q(run_dir) + " --data " + q(scratch_ / "no_target.csv"), scratch_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no target column"), std::string::npos) << r.err;
}

// The tokenizer is chosen in [data]: character n-grams reach the model, the resolved config and
// preprocess.json record them, and predict tokenizes new texts the same way.
TEST_F(CliTest, CharacterNgramTokenizerFromTheConfig) {
  const fs::path run_dir = scratch_ / "run";
  Result r = run("train " + config("text_csv_bag") + data_set("text_csv_bag") +
                     " --set data.tokenizer=char_ngram --set data.ngram_range=[2,4] --set epochs=2 --quiet --out " + q(run_dir),
                 scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string cfg = slurp(run_dir / "config.toml");
  EXPECT_NE(cfg.find("tokenizer = 'char_ngram'"), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("ngram_range = [ 2, 4 ]"), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("max_tokens = 100000"), std::string::npos) << cfg;  // the char_ngram default
  json pre = json::parse(slurp(run_dir / "preprocess.json"));
  EXPECT_NE(pre["tokenizer"].dump().find("4"), std::string::npos) << pre["tokenizer"].dump();
  // Character n-grams of unseen words still overlap the vocabulary: no "no known token" warning.
  r = run("predict " + q(run_dir) + " 'wonderfullest filmmaking'", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("no known token"), std::string::npos) << r.err;
  EXPECT_EQ(run("train " + config("text_csv_bag") + data_set("text_csv_bag") + " --set data.tokenizer=bytes --quiet --out " +
                    q(scratch_ / "bad"),
                scratch_)
                .code,
            2);
}

// Regression targets are standardised by default: the loss is in standard units (near 1 at the
// start), while predictions and metrics stay in the target's own units.
TEST_F(CliTest, RegressionTargetIsStandardisedByDefault) {
  const std::string common = config("tabular_regression") + data_set("tabular_regression") + " --set epochs=3 --quiet --out ";
  ASSERT_EQ(run("train " + common + q(scratch_ / "std"), scratch_).code, 0);
  ASSERT_EQ(run("train " + common + q(scratch_ / "raw") + " --set data.standardize_target=false", scratch_).code, 0);
  json pre = json::parse(slurp(scratch_ / "std" / "preprocess.json"));
  ASSERT_TRUE(pre.contains("target_scale"));
  const double sd = pre["target_scale"]["std"].get<double>(), mean = pre["target_scale"]["mean"].get<double>();
  EXPECT_GT(sd, 0);
  EXPECT_FALSE(json::parse(slurp(scratch_ / "raw" / "preprocess.json")).contains("target_scale"));
  json s_std = json::parse(slurp(scratch_ / "std" / "summary.json")), s_raw = json::parse(slurp(scratch_ / "raw" / "summary.json"));
  // MSE in standard units is the raw-unit MSE over sd^2: a model no worse than the mean scores ~1.
  EXPECT_LT(s_std["test"]["loss"].get<double>(), 2.0);
  // RMSE is reported in the target's units either way.
  EXPECT_GT(s_std["test"]["rmse"].get<double>(), 1e-3 * sd);
  EXPECT_NEAR(s_std["test"]["loss"].get<double>(), std::pow(s_std["test"]["rmse"].get<double>() / sd, 2), 1e-3);
  Result r = run("predict " + q(scratch_ / "std") + " " + q(root_ / "samples" / "regression.csv") + " --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  const double v = json::parse(r.out)[0]["value"].get<double>();
  EXPECT_LT(std::abs(v - mean), 10 * sd) << v;  // in the target's units, not standard units
  EXPECT_NE(slurp(scratch_ / "std" / "model.txt").find("TargetScale"), std::string::npos);
}

// Every file of every split is opened (headers) before training, and all bad files are named at once.
TEST_F(CliTest, BrokenFilesAreFoundBeforeTraining) {
  const fs::path audio = scratch_ / "audio";
  fs::copy(root_ / "samples" / "audio", audio, fs::copy_options::recursive);
  const fs::path cls = *fs::directory_iterator(audio);
  std::ofstream(cls / "empty.wav") << "";
  std::ofstream(cls / "garbage.wav") << "this is not audio";
  const fs::path run_dir = scratch_ / "run";
  Result r = run("train " + config("audio_folder") + " --set data.path=" + q(audio) + " --quiet --out " + q(run_dir), scratch_);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("2 of "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("empty.wav"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("garbage.wav"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(run_dir / "last.ckpt"));

  const fs::path images = scratch_ / "images";
  fs::copy(root_ / "samples" / "images", images, fs::copy_options::recursive);
  std::ofstream(fs::directory_iterator(images)->path() / "broken.png") << "GIF89a";
  r = run("train " + config("image_folder") + " --set data.path=" + q(images) + " --quiet --out " + q(scratch_ / "run2"), scratch_);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("broken.png: not a PNG or JPEG"), std::string::npos) << r.err;
}

// A file whose header is fine but whose body is cut off fails in the middle of training, naming the
// file; data.skip_bad_files = true decodes every file first and leaves the bad ones out, listing them.
TEST_F(CliTest, SkipBadFilesLeavesUnreadableSamplesOut) {
  const fs::path images = scratch_ / "images";
  fs::copy(root_ / "samples" / "images", images, fs::copy_options::recursive);
  const fs::path cls = fs::directory_iterator(images)->path();
  const fs::path victim = *fs::directory_iterator(cls);
  const std::string png = slurp(victim);
  std::ofstream(cls / "truncated.png", std::ios::binary) << png.substr(0, 60);  // signature and IHDR only
  const std::string common = config("image_folder") + " --set data.path=" + q(images) + " --set epochs=1 --quiet";
  Result r = run("train " + common + " --out " + q(scratch_ / "strict"), scratch_);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("truncated.png"), std::string::npos) << r.err;

  std::ofstream(cls / "empty.png") << "";
  std::ofstream(cls / "text.png") << "not an image at all";
  const fs::path run_dir = scratch_ / "skip";
  r = run("train " + common + " --set data.skip_bad_files=true --out " + q(run_dir), scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("3 files cannot be read and were left out"), std::string::npos) << r.err;
  const std::string listed = slurp(run_dir / "bad_files.txt");
  for (const char* f : {"truncated.png", "empty.png", "text.png"}) EXPECT_NE(listed.find(f), std::string::npos) << listed;
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 3) << listed;
  std::ifstream sf(run_dir / "summary.json");
  EXPECT_EQ(json::parse(sf)["bad_files_skipped"].get<int>(), 3);

  // Texts: a file that is not UTF-8 is left out too.
  const fs::path texts = scratch_ / "texts";
  fs::copy(root_ / "samples" / "text_folder", texts, fs::copy_options::recursive);
  std::ofstream(fs::directory_iterator(texts)->path() / "latin1.txt", std::ios::binary) << "caf\xe9 cr\xe8me";
  r = run("train " + config("text_folder") + " --set data.path=" + q(texts) +
              " --set epochs=1 --set data.skip_bad_files=true --quiet --out " + q(scratch_ / "text_run"), scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(slurp(scratch_ / "text_run" / "bad_files.txt").find("latin1.txt"), std::string::npos);

  // A kind that reads no files one by one has no such key.
  r = run("train " + config("tabular_regression") + data_set("tabular_regression") + " --set data.skip_bad_files=true --quiet",
          scratch_);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("skip_bad_files"), std::string::npos) << r.err;
}

// eval --data on texts tokenizes with the run's saved tokenizer and vocabulary.
TEST_F(CliTest, TextEvalDataUsesTheSavedVocabulary) {
  const fs::path run_dir = scratch_ / "run";
  ASSERT_EQ(run("train " + config("text_csv_bag") + data_set("text_csv_bag") + " --set epochs=1 --quiet --out " + q(run_dir),
                scratch_)
                .code,
            0);
  const fs::path csv = root_ / "samples" / "text.csv";
  Result r = run("eval " + q(run_dir) + " --data " + q(csv) + " --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = descent::data::read_csv(csv.string()).rows.size();
  EXPECT_EQ(json::parse(r.out)["samples"].get<size_t>(), rows);
}

// data.representation = "tfidf": the run saves the training split's idf weights; eval --data and
// predict encode new texts with them (and the whole file evaluates as the test split did when it
// is the same data); a text with no known n-gram is a warning, as with token ids.
TEST_F(CliTest, TfidfRepresentationWithALinearModel) {
  const fs::path run_dir = scratch_ / "run";
  const fs::path csv = root_ / "samples" / "languages.csv";
  Result r = run("train " + config("text_lang_tfidf") + " --set data.path=" + q(csv) + " --set epochs=2 --quiet --out " +
                     q(run_dir),
                 scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  const json pre = json::parse(slurp(run_dir / "preprocess.json"));
  EXPECT_EQ(pre["representation"], "tfidf");
  EXPECT_EQ(pre["tfidf"]["idf"].size(), pre["vocab"].size());
  EXPECT_EQ(json::parse(slurp(run_dir / "summary.json"))["parameters"].get<int64_t>(),
            int64_t(pre["vocab"].size() + 1) * 8);  // one linear layer: (vocab + bias) x 8 languages
  r = run("eval " + q(run_dir) + " --data " + q(csv) + " --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(json::parse(r.out)["accuracy"].get<double>(), 0.5);
  r = run("predict " + q(run_dir) + " 'Der schönheit und lichen' '' --json", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  const json p = json::parse(r.out);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_FALSE(p[0].contains("warning"));
  EXPECT_TRUE(p[1].contains("warning"));
  // A model that needs token ids says what to change.
  r = run("train " + config("text_lang_tfidf") + " --set data.path=" + q(csv) +
              " --set model.builtin=text_embedding_bag --quiet --out " + q(scratch_ / "bad"),
          scratch_);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("token indices"), std::string::npos) << r.err;
}

}  // namespace
