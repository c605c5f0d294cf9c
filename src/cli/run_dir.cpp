// Run directories and the experiment a config describes; see run_dir.h.
#include "run_dir.h"

#include <filesystem>

#include "descent/backend/parallel.h"
#include "descent/data/formats/text.h"
#include "descent/core/generator.h"
#include "descent/io/safetensors.h"
#include "model_setup.h"

namespace descent::cli {

namespace fs = std::filesystem;

void apply_runtime(const Settings& st) {
  if (st.threads > 0) set_num_threads(int(st.threads));
}

/// Channels-last batches for image data when the config asks for them.
void use_channels_last(const Settings& st, DataBundle& b) {
  if (!st.channels_last || b.input_shape.size() != 3) return;
  b.collate = [](std::vector<data::Example>& ex, const std::vector<int64_t>& idx) {
    data::Batch batch = data::stack_collate(ex, idx);
    batch.data = batch.data.contiguous(MemoryFormat::ChannelsLast);
    return batch;
  };
}

/// Builds the model and writes its resolved options back into the config.
void make_model(Experiment& e) {
  manual_seed(uint64_t(e.st.seed));  // the initial weights depend on the seed only
  e.model = build_model(e.st.model, e.data);
  if (!e.st.model.builtin.empty()) {
    toml::table* m = e.config["model"].as_table();
    for (const auto& [k, v] : e.st.model.options) m->insert_or_assign(k.str(), v);
  }
}

Experiment prepare(toml::table config, const std::string& source) {
  Experiment e;
  e.config = std::move(config);
  e.source = source;
  e.st = read_settings(e.config, source);
  apply_runtime(e.st);
  e.data = build_data(e.st);
  use_channels_last(e.st, e.data);
  make_model(e);
  return e;
}

std::string read_file(const fs::path& p) {
  std::error_code ec;
  DESCENT_CHECK(fs::is_regular_file(p, ec), p.string(), ": missing");
  return data::read_text_file(p.string(), size_t(1) << 30);
}

void check_run_dir(const std::string& run_dir) {
  std::error_code ec;
  DESCENT_CONFIG_CHECK(fs::is_directory(run_dir, ec), run_dir, ": no such run directory");
  DESCENT_CONFIG_CHECK(fs::is_regular_file(fs::path(run_dir) / "config.toml", ec), run_dir,
                       ": not a run directory (no config.toml; `descent train` writes one)");
}

/// Loads best.safetensors into the model (the last weights stay when there is none).
bool load_best(const Experiment& e, const fs::path& run) {
  const fs::path best = run / "best.safetensors";
  std::error_code ec;
  if (!fs::is_regular_file(best, ec)) return false;
  io::load(*e.model, best.string());
  return true;
}

/// A run directory's config, preprocessing and model (weights not loaded).
Experiment open_run(const std::string& run_dir) {
  check_run_dir(run_dir);
  Experiment e;
  e.source = (fs::path(run_dir) / "config.toml").string();
  e.config = load_toml(e.source);
  e.st = read_settings(e.config, e.source);
  const fs::path pre_path = fs::path(run_dir) / "preprocess.json";
  e.data = bundle_from_preprocessor(e.st, Preprocessor::from_json(read_file(pre_path), pre_path.string()));
  make_model(e);
  return e;
}

Experiment load_trained_run(const std::string& run_dir) {
  Experiment e = open_run(run_dir);
  DESCENT_CHECK(load_best(e, run_dir), run_dir, ": no best.safetensors (the run has not finished an epoch)");
  e.model->eval();
  return e;
}

}  // namespace descent::cli
