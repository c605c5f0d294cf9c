// Keeps docs/guide.md from going stale: runs one guide program and checks that every output block
// the guide quotes for it is still printed, word for word, and that every figure it writes is
// embedded in the guide. The guide marks a quoted block with a comment right before the fence:
//
//   <!-- output: guide_regression -->
//   ```text
//   ...lines the program prints...
//   ```
//
// or, for lines that depend on the machine, <!-- output: guide_convolution when "data: Fashion-MNIST" -->
// (checked only when the program printed that text).
//
//   check_guide <guide.md> <program> <figure-dir>
//
// Exit status 0 only when the program exits 0 (its claims hold), the guide quotes it at least
// once, every quoted block appears in its output and each figure it writes is referenced.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The fenced blocks that follow "<!-- output: name -->" markers, each as its lines joined by '\n'.
// A marker "<!-- output: name when "TEXT" -->" quotes output that depends on the machine (e.g. on
// an installed dataset): its block is checked only when the output contains TEXT.
std::vector<std::string> quoted_blocks(const std::string& guide, const std::string& name, const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(guide);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<std::string> blocks;
  const std::string marker = "<!-- output: " + name + " -->", conditional = "<!-- output: " + name + " when \"";
  for (size_t i = 0; i < lines.size(); ++i) {
    bool checked = lines[i].find(marker) != std::string::npos;
    if (const size_t at = lines[i].find(conditional); at != std::string::npos) {
      const size_t from = at + conditional.size(), to = lines[i].find("\" -->", from);
      if (to == std::string::npos) throw std::runtime_error("guide line " + std::to_string(i + 1) + ": bad marker");
      checked = output.find(lines[i].substr(from, to - from)) != std::string::npos;
      if (!checked) std::cout << "check_guide: skipped the block at guide line " << i + 1 << " (condition not met)\n";
    }
    if (!checked) continue;
    size_t j = i + 1;
    while (j < lines.size() && lines[j].empty()) ++j;
    if (j >= lines.size() || lines[j].rfind("```", 0) != 0)
      throw std::runtime_error("guide line " + std::to_string(i + 1) + ": marker not followed by a ``` block");
    std::string block;
    for (++j; j < lines.size() && lines[j].rfind("```", 0) != 0; ++j) block += lines[j] + "\n";
    blocks.push_back(block);
  }
  return blocks;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: check_guide <guide.md> <program> <figure-dir>\n";
    return 2;
  }
  try {
    const std::string guide = read_file(argv[1]);
    const std::string program = argv[2];
    const std::string name = std::filesystem::path(program).filename().string();
    const std::string command = "'" + program + "' --out '" + argv[3] + "'";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string output;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
    const int status = pclose(pipe);
    std::cout << output;
    bool ok = true;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::cout << "check_guide: " << name << " exited with status " << status << "\n";
      ok = false;
    }
    const auto blocks = quoted_blocks(guide, name, output);
    if (blocks.empty()) {
      std::cout << "check_guide: " << argv[1] << " quotes no output of " << name << "\n";
      ok = false;
    }
    for (const auto& block : blocks) {
      if (output.find(block) != std::string::npos) continue;
      std::istringstream in(block);
      std::string first_missing;
      for (std::string line; std::getline(in, line);)
        if (output.find(line + "\n") == std::string::npos) { first_missing = line; break; }
      std::cout << "check_guide: a block the guide quotes for " << name << " is no longer printed"
                << (first_missing.empty() ? " in this order" : "; first line missing: \"" + first_missing + "\"")
                << "\n";
      ok = false;
    }
    std::istringstream out(output);
    for (std::string line; std::getline(out, line);) {
      if (line.rfind("figure: ", 0) != 0) continue;
      const std::string ref = "guide/figures/" + line.substr(8);
      if (guide.find(ref) == std::string::npos) {
        std::cout << "check_guide: the guide does not embed " << ref << "\n";
        ok = false;
      }
    }
    std::cout << "check_guide: " << name << (ok ? ": the guide matches" : ": FAILED") << "\n";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cout << "check_guide: " << e.what() << "\n";
    return 1;
  }
}
