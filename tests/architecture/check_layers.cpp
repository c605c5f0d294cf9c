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
//
// kKnownUpward lists the upward includes the code still has, each with what is left to do; a
// listed include that is gone is reported too (so the list only shrinks), and a new one fails.
#include <algorithm>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
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

// Upward includes still in the code: "file -> included header" and what removes it.
const std::map<std::string, std::string> kKnownUpward = {
    {"src/autograd/engine.cpp -> descent/ops/ops.h",
     "gradient accumulation through Tensor methods (declared in core) instead of the ops headers"},
    {"src/autograd/node.cpp -> descent/ops/ops.h", "as above (sum_to, the view and cast nodes' helpers)"},
    {"src/autograd/gradcheck.cpp -> descent/ops/ops.h", "gradcheck is a test tool above ops: its own place"},
};

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

// Prints the findings; returns the number of problems (new upward includes, stale list entries).
int report(const std::vector<Finding>& found, const std::map<std::string, std::string>& known) {
  int problems = 0;
  std::set<std::string> seen;
  for (const Finding& f : found) {
    seen.insert(f.key);
    if (known.count(f.key)) {
      std::cout << "known:  " << f.text << " [to do: " << known.at(f.key) << "]\n";
    } else {
      std::cout << "UPWARD: " << f.text << "\n";
      ++problems;
    }
  }
  for (const auto& [key, why] : known)
    if (!seen.count(key)) {
      std::cout << "GONE:   " << key << " is listed in kKnownUpward but no longer in the code: remove it there\n";
      ++problems;
    }
  return problems;
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
                  report(found, {}) == 1 && report({}, {{"x -> y", "z"}}) == 1;
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
  const int problems = report(scan(argv[1]), kKnownUpward);
  std::cout << "check_layers: " << (problems == 0 ? "no upward include beyond the " + std::to_string(kKnownUpward.size()) + " listed" : std::to_string(problems) + " problem(s)") << "\n";
  return problems == 0 ? 0 : 1;
}
