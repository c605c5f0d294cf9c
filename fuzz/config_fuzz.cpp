// libFuzzer target for the `descent` tool's config: the TOML parser, then the same validation
// `descent train` runs (read_settings), then the model the config describes, built for a stand-in
// data set of the config's kind (no data is read). Any input must either be accepted or throw
// descent::Error (ConfigError included); a crash, a sanitizer report, another exception type, a hang
// or an allocation above -malloc_limit_mb is a bug. An accepted config's resolved form (what the run
// directory's config.toml holds) must be accepted again and resolve to itself.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "config.h"
#include "data_setup.h"
#include "descent/core/error.h"
#include "descent/descent.h"
#include "fuzz_util.h"
#include "model_setup.h"

using namespace descent;
using namespace descent::cli;

namespace {

// What build_data would give for the config's data kind, without reading any data.
DataBundle stand_in(const Settings& st) {
  DataBundle b;
  const std::string& k = st.data.kind;
  if (k == "tabular_csv") {
    b.input_shape = {5};
  } else if (k == "text_csv" || k == "text_folder") {
    b.input_shape = {st.data.max_length};
    b.input_dtype = DType::Int64;
    b.vocab_size = 50;
  } else if (k == "audio_folder") {
    b.input_shape = {1, st.data.n_mels, 32};
  } else {
    const int64_t c = st.data.channels ? st.data.channels : (k == "image_folder" ? 3 : 1);
    b.input_shape = {c, st.data.height ? st.data.height : 28, st.data.width ? st.data.width : 28};
  }
  const bool classes = st.task == TaskKind::Classification || st.task == TaskKind::SemiSupervised;
  b.num_classes = classes ? 4 : 0;
  b.num_outputs = classes ? 4 : 1;
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!std::getenv("DESCENT_FUZZ_WRITE_SEEDS")) return 0;
  // The shipped configs are the seeds.
  std::vector<std::pair<std::string, std::string>> seeds;
  for (const auto& f : std::filesystem::directory_iterator(DESCENT_SOURCE_DIR "/configs")) {
    std::ifstream in(f.path());
    std::stringstream ss;
    ss << in.rdbuf();
    seeds.emplace_back(f.path().stem().string(), ss.str());
  }
  fuzz::write_seeds_if_asked(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::input_file(data, size, ".toml");
  std::string resolved;
  try {
    toml::table config = load_toml(path);
    const Settings st = read_settings(config, path);
    resolved = to_toml(config);
    ModelSettings m = st.model;
    build_model(m, stand_in(st));
  } catch (const Error&) {
    if (resolved.empty()) return 0;
  }
  if (resolved.empty()) return 0;
  // The resolved config reads back to itself (the data paths it names still exist).
  try {
    toml::table again = toml::parse(resolved);
    read_settings(again, path);
    if (to_toml(again) != resolved) __builtin_trap();
  } catch (const Error&) {
    __builtin_trap();
  } catch (const toml::parse_error&) {
    __builtin_trap();
  }
  return 0;
}
