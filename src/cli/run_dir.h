#pragma once
// Run directories (private to src/cli): the experiment a config describes, built (settings, data,
// model), and a finished run opened again from its directory (config.toml, preprocess.json,
// best.safetensors). The commands in run.cpp and cluster_command.cpp share these; main.cpp
// dispatches between the commands, which do not call each other.
#include <filesystem>
#include <memory>
#include <string>

#include "config.h"
#include "data_setup.h"
#include "descent/nn/module.h"

namespace descent::cli {

/// Everything a config describes, built.
struct Experiment {
  toml::table config;
  std::string source;
  Settings st;
  DataBundle data;
  std::shared_ptr<nn::Module> model;
};

/// The runtime settings of a config (the thread count).
void apply_runtime(const Settings& st);
/// Channels-last batches for image data when the config asks for them.
void use_channels_last(const Settings& st, DataBundle& b);
/// Builds the model and writes its resolved options back into the config.
void make_model(Experiment& e);
/// The experiment of a loaded config: settings, runtime, data and model.
Experiment prepare(toml::table config, const std::string& source);
/// A text file of the run (at most 1 GiB); a clear error when it is missing.
std::string read_file(const std::filesystem::path& p);
/// A clear error unless run_dir is a run directory (holds config.toml).
void check_run_dir(const std::string& run_dir);
/// Loads best.safetensors into the model; false (the weights unchanged) when there is none.
bool load_best(const Experiment& e, const std::filesystem::path& run);
/// A run directory's config, preprocessing and model (weights not loaded).
Experiment open_run(const std::string& run_dir);
/// A finished run: open_run with the best weights loaded, in eval mode.
Experiment load_trained_run(const std::string& run_dir);

}  // namespace descent::cli
