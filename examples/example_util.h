#pragma once
// Small pieces the examples share: argument parsing, tensor descriptions, a scratch folder
// removed at exit, and the "iterate each split's loader and print its batches" loop.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "descent/data/data.h"
#include "descent/descent.h"

namespace example {

/// The value after the option `name` (e.g. "--epochs") in argv, or def.
inline std::string arg(int argc, char** argv, const char* name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return def;
}
/// True when argv holds the flag `name` (e.g. "--quick").
inline bool flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

/// Positional arguments and the --quiet flag.
struct Args {
  bool quiet = false;
  std::vector<std::string> positional;
};
inline Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quiet") == 0) a.quiet = true;
    else a.positional.emplace_back(argv[i]);
  }
  return a;
}

/// "[16, 3, 28, 28] float32".
inline std::string describe(const descent::Tensor& t) {
  std::ostringstream os;
  os << t.sizes() << " " << t.dtype();
  return os.str();
}

/// A folder under the system temp dir, named after the example and the process, removed on exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {}
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Iterates a DataLoader (two workers) over each of the train/val/test index lists, printing the
/// first batch's shapes (and every batch's unless quiet). Returns false when a loader did not
/// deliver every example of its split exactly once.
inline bool iterate_splits(const descent::data::DatasetPtr& dataset, const std::vector<std::vector<int64_t>>& parts,
                           int64_t batch_size, const char* noun, bool quiet) {
  using namespace descent::data;
  const char* names[] = {"train", "val", "test"};
  bool ok = true;
  for (size_t k = 0; k < parts.size() && k < 3; ++k) {
    auto split = std::make_shared<Subset>(dataset, parts[k]);
    DataLoader loader(split, DataLoaderOptions().batch_size(batch_size).shuffle(k == 0).seed(0).num_workers(2));
    int64_t batches = 0, seen = 0;
    for (auto& batch : loader) {
      if (batches == 0)
        std::printf("%-5s %3lld %s, %lld batches; first: data %s, target %s\n", names[k],
                    static_cast<long long>(split->size()), noun, static_cast<long long>(loader.size()),
                    describe(batch.data).c_str(), describe(batch.target).c_str());
      else if (!quiet)
        std::printf("        batch %lld: data %s\n", static_cast<long long>(batches), describe(batch.data).c_str());
      ++batches;
      seen += batch.size();
    }
    if (seen != split->size()) {
      std::printf("FAILED: the %s loader gave %lld of %lld %s\n", names[k], static_cast<long long>(seen),
                  static_cast<long long>(split->size()), noun);
      ok = false;
    }
  }
  return ok;
}

}  // namespace example
