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
#include <string>
#include <vector>

namespace descent::cli {

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
