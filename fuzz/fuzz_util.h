#pragma once
// Shared by the libFuzzer targets that need a file on disk (the reader takes a path) or write
// their own seed inputs (`DESCENT_FUZZ_WRITE_SEEDS=DIR <target>` writes them to DIR and exits;
// scripts/fuzz.sh --seeds refreshes fuzz/corpus/<name>/ that way).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace descent::fuzz {

/// A per-process scratch file holding the input (rewritten for every input).
inline std::string input_file(const void* data, size_t size, const std::string& suffix) {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("descent_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  const std::string path = dir + "/input" + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

/// When DESCENT_FUZZ_WRITE_SEEDS names a folder, writes each (name, bytes) there and exits.
inline void write_seeds_if_asked(const std::vector<std::pair<std::string, std::string>>& seeds) {
  const char* dir = std::getenv("DESCENT_FUZZ_WRITE_SEEDS");
  if (!dir || !*dir) return;
  std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : seeds) {
    std::FILE* f = std::fopen((std::string(dir) + "/" + name).c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
    std::fclose(f);
  }
  std::printf("wrote %zu seeds to %s\n", seeds.size(), dir);
  std::exit(0);
}

}  // namespace descent::fuzz
