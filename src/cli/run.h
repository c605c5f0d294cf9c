#pragma once
// The `descent` tool's commands: train, resume, eval, predict, info. Each returns the process exit
// code (0 success); ConfigError (exit 2) and descent::Error (exit 1) propagate to main().
//
// A run directory holds: config.toml (the resolved config: every default written out),
// preprocess.json (class names, image size and normalisation, audio features, the vocabulary, the
// tabular schema and standardizer), model.txt (the printed model), metrics.csv and metrics.jsonl
// (one row per epoch), last.ckpt (the whole training state, for resume), best.safetensors (the
// weights of the best validation epoch), summary.json (final metrics, timings, versions) and
// report.html.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "data_setup.h"
#include "descent/nn/module.h"

namespace descent::cli {

/// A finished `descent train` run: its resolved config, what its model takes (from
/// preprocess.json, no data read) and its model with the weights of best.safetensors, in eval mode.
struct TrainedRun {
  toml::table config;
  Settings st;
  DataBundle data;
  std::shared_ptr<nn::Module> model;
};
/// Loads run_dir (ConfigError when it is not a run directory; Error when best.safetensors is
/// missing or bad). Does not change the thread count.
TrainedRun load_trained_run(const std::string& run_dir);

struct TrainArgs {
  std::string config;
  std::vector<std::string> sets;  ///< key=value overrides
  std::string out;                ///< run directory ("" = runs/<name>, or runs/<name>-2, -3, ... when taken)
  bool quiet = false;
  bool force = false;             ///< replace a run already in `out`
};

int train_command(const TrainArgs& args);
/// Continues the run in run_dir from last.ckpt (after a crash, or with a larger `epochs` via sets)
/// to the same result as an uninterrupted run.
int resume_command(const std::string& run_dir, const std::vector<std::string>& sets, bool quiet);
/// Metrics of the best checkpoint on the test or validation split, or on other data (`data`: a
/// folder or file of the config's data kind).
int eval_command(const std::string& run_dir, const std::string& split, const std::string& data, bool json);
/// Predictions for inputs (image / audio files, texts or text files, CSV files).
int predict_command(const std::string& run_dir, const std::vector<std::string>& inputs, int64_t top, bool json);
/// The model summary of a config or a run directory.
int info_command(const std::string& path, const std::vector<std::string>& sets);

}  // namespace descent::cli
