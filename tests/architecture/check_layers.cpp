// Enforces the layer order of docs/design.md on the #include lines of include/descent and src:
//
//   core -> backend -> autograd -> ops -> nn -> models -> optim -> io -> data -> train -> report
//   -> cluster -> cli
//
// A file of one layer may include headers of its own layer and of the layers before it, never of
// a later one. The folder names the layer: include/descent/<layer>/... and src/<layer>/...; the
// umbrella header descent/descent.h is the library `descent` (core to io) as a whole. Third-party
// and system headers are not looked at.
//
//   check_layers <repository root>     lists every upward include; exit 1 when there is one
//   check_layers --self-test           builds a small tree with one upward include and one
//                                      allowed include, and checks that only the first is found
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

int rank_of(const std::string& layer) {
  static const std::map<std::string, int> ranks = {
      {"core", 0},  {"backend", 1}, {"autograd", 2}, {"ops", 3},    {"nn", 4},        {"models", 5}, {"optim", 6},
      {"io", 7},    {"data", 8},    {"train", 9},    {"report", 10}, {"cluster", 11}, {"cli", 12}};
  const auto it = ranks.find(layer);
  return it == ranks.end() ? -1 : it->second;
}

// The layer a file belongs to, or "" when it is outside the layered folders.
std::string layer_of(const fs::path& rel) {
  std::vector<std::string> parts;
  for (const auto& p : rel) parts.push_back(p.string());
  if (parts.size() >= 4 && parts[0] == "include" && parts[1] == "descent") return parts[2];
  if (parts.size() >= 3 && parts[0] == "src") return parts[1];
  return "";
}

// The layer of an included header "descent/<layer>/...", "io" for the umbrella, "" for others.
std::string included_layer(const std::string& header) {
  if (header == "descent/descent.h") return "io";
  static const std::regex re(R"(^descent/([a-z_]+)/.*)");
  std::smatch m;
  if (std::regex_match(header, m, re)) return m[1];
  return "";
}

struct Finding {
  std::string key;   // "file -> header"
  int line = 0;
  std::string text;  // "file:line: layer includes header (layer)"
};

std::vector<Finding> scan(const fs::path& root) {
  std::vector<Finding> out;
  static const std::regex inc(R"(^\s*#\s*include\s+"([^"]+)\")");
  for (const char* top : {"include", "src"}) {
    if (!fs::exists(root / top)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root / top)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".h" || ext == ".cpp")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const fs::path rel = fs::relative(f, root);
      const std::string from = layer_of(rel);
      const int from_rank = rank_of(from);
      if (from_rank < 0) continue;
      std::ifstream in(f);
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        std::smatch m;
        if (!std::regex_search(line, m, inc)) continue;
        const std::string header = m[1], to = included_layer(header);
        const int to_rank = rank_of(to);
        if (to_rank > from_rank)
          out.push_back({rel.generic_string() + " -> " + header, n,
                         rel.generic_string() + ":" + std::to_string(n) + ": " + from + " includes " + header + " (" +
                             to + ", a later layer)"});
      }
    }
  }
  return out;
}

int self_test() {
  const fs::path root = fs::temp_directory_path() / ("check_layers_selftest_" + std::to_string(::getpid()));
  fs::create_directories(root / "src/ops");
  fs::create_directories(root / "include/descent/nn");
  std::ofstream(root / "src/ops/bad.cpp") << "#include \"descent/nn/module.h\"\n#include \"descent/core/tensor.h\"\n";
  std::ofstream(root / "include/descent/nn/good.h") << "#include \"descent/ops/ops.h\"\n#include <vector>\n";
  const auto found = scan(root);
  fs::remove_all(root);
  const bool ok = found.size() == 1 && found[0].key == "src/ops/bad.cpp -> descent/nn/module.h" && found[0].line == 1 &&
                  found[0].text == "src/ops/bad.cpp:1: ops includes descent/nn/module.h (nn, a later layer)";
  std::cout << "check_layers self-test: " << (ok ? "1 passed, 0 failed" : "0 passed, 1 failed") << "\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--self-test") return self_test();
  if (argc != 2) {
    std::cerr << "usage: check_layers <repository root> | check_layers --self-test\n";
    return 2;
  }
  const std::vector<Finding> found = scan(argv[1]);
  for (const Finding& f : found) std::cout << "upward include: " << f.text << "\n";
  std::cout << "check_layers: " << (found.empty() ? "every include stays in its layer or below" : std::to_string(found.size()) + " upward include(s)") << "\n";
  return found.empty() ? 0 : 1;
}
