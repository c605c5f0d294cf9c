// Keeps docs/guide.md from going stale: runs one guide program and checks that every output block
// the guide quotes for it is still printed, and that every figure it writes is embedded in the
// guide. The guide marks a quoted block with a comment right before the fence:
//
//   <!-- output: guide_regression -->
//   ```text
//   ...lines the program prints...
//   ```
//
// A block is checked word for word, unless its marker says how far its numbers may move (a
// number the quote writes as "~X" is known to its order of magnitude only, as rounding errors are:
// any value within a factor of 10 of X, or within 10 units of X's last digit, matches):
//
//   <!-- output: guide_overfitting, numbers within 10% -->
//
// for the results of training, whose last digits depend on the CPU (its BLAS kernels and vector
// width round differently). Each quoted line must then match an output line word for word, apart
// from the numbers and the spaces around them; each number may differ from the quoted one by the
// percentage (of the larger of the two) plus, for a decimal fraction, one unit of the quoted
// number's last digit. The
// claims themselves ("claim ok: ...") are checked by the program, on every CPU.
//
// Lines that depend on the machine's data are quoted with a condition:
//
//   <!-- output: guide_convolution when "data: Fashion-MNIST" -->
//
// (checked only when the program printed that text). Both clauses may be combined, the condition
// first.
//
//   check_guide <guide.md> <program> <figure-dir>
//
// Exit status 0 only when the program exits 0 (its claims hold), the guide quotes it at least
// once, every quoted block appears in its output and each figure it writes is referenced.
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
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

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Block {
  std::string text;         // the quoted lines, each followed by '\n'
  double within = -1;       // numbers may differ by this fraction (-1: word for word)
  size_t guide_line = 0;    // the marker's line in the guide, from 1
};

// The fenced blocks that follow "<!-- output: name ... -->" markers for this program.
std::vector<Block> quoted_blocks(const std::string& guide, const std::string& name, const std::string& output) {
  const std::vector<std::string> lines = split_lines(guide);
  std::vector<Block> blocks;
  const std::string marker = "<!-- output: " + name;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t at = lines[i].find(marker);
    if (at == std::string::npos) continue;
    const size_t from = at + marker.size(), close = lines[i].find("-->", from);
    const std::string where = "guide line " + std::to_string(i + 1);
    if (close == std::string::npos) throw std::runtime_error(where + ": marker without -->");
    std::string rest = lines[i].substr(from, close - from);
    if (!rest.empty() && rest[0] != ' ' && rest[0] != ',') continue;  // another program's name
    Block b;
    b.guide_line = i + 1;
    bool checked = true;
    if (const size_t w = rest.find("when \""); w != std::string::npos) {
      const size_t end = rest.find('"', w + 6);
      if (end == std::string::npos) throw std::runtime_error(where + ": bad marker (when \"...\")");
      checked = output.find(rest.substr(w + 6, end - w - 6)) != std::string::npos;
      rest.erase(w, end + 1 - w);
      if (!checked) std::cout << "check_guide: skipped the block at " << where << " (condition not met)\n";
    }
    if (const size_t n = rest.find("numbers within "); n != std::string::npos) {
      size_t used = 0;
      const std::string pct = rest.substr(n + 15);
      try {
        b.within = std::stod(pct, &used) / 100.0;
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used >= pct.size() || pct[used] != '%' || b.within < 0)
        throw std::runtime_error(where + ": bad marker (numbers within P%)");
      rest.erase(n, 15 + used + 1);
    }
    for (char c : rest)
      if (c != ' ' && c != ',') throw std::runtime_error(where + ": bad marker, unknown clause \"" + rest + "\"");
    if (!checked) continue;
    size_t j = i + 1;
    while (j < lines.size() && lines[j].empty()) ++j;
    if (j >= lines.size() || lines[j].rfind("```", 0) != 0)
      throw std::runtime_error(where + ": marker not followed by a ``` block");
    for (++j; j < lines.size() && lines[j].rfind("```", 0) != 0; ++j) b.text += lines[j] + "\n";
    blocks.push_back(b);
  }
  return blocks;
}

// A line as words and numbers, spaces dropped. A number is a run of digits with an optional
// fraction and exponent, and an optional '-' sign, that does not continue a word.
struct Token {
  bool number = false;
  std::string text;
  double value = 0;
  double unit = 0;  // one unit of the last digit as written (0 for integers)
  bool about = false;  // quoted as "~X": any value within a factor of 10 of X, or 10 units of X's last digit
};

std::vector<Token> tokenize(const std::string& line) {
  std::vector<Token> out;
  size_t i = 0;
  auto digit = [&](size_t k) { return k < line.size() && std::isdigit(static_cast<unsigned char>(line[k])); };
  while (i < line.size()) {
    const char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    // Digits right after a letter belong to a word ("L1", "x28", "float32"), as does a '-' there.
    const bool after_word = i > 0 && (std::isalnum(static_cast<unsigned char>(line[i - 1])) || line[i - 1] == '_');
    const bool in_word = after_word && !out.empty() && !out.back().number;
    const bool about = c == '~' && (digit(i + 1) || (i + 2 < line.size() && line[i + 1] == '-' && digit(i + 2)));
    if (about) ++i;  // "~2e-16": a number known to its order of magnitude
    if (about || (!in_word && (digit(i) || (line[i] == '-' && digit(i + 1))))) {
      size_t j = line[i] == '-' ? i + 1 : i;
      while (digit(j)) ++j;
      int decimals = 0;
      if (j < line.size() && line[j] == '.' && digit(j + 1)) {
        ++j;
        while (digit(j)) ++j, ++decimals;
      }
      int exponent = 0;
      if (j < line.size() && (line[j] == 'e' || line[j] == 'E')) {
        size_t k = j + 1;
        if (k < line.size() && (line[k] == '+' || line[k] == '-')) ++k;
        if (digit(k)) {
          const size_t e0 = j + 1;
          while (digit(k)) ++k;
          exponent = std::stoi(line.substr(e0, k - e0));
          j = k;
        }
      }
      Token t;
      t.number = true;
      t.about = about;
      t.text = line.substr(i, j - i);
      t.value = std::stod(t.text);
      // One unit of the last digit for a decimal fraction (the printed rounding); none for an
      // integer (a count, a step, an epoch: equal, or within the percentage).
      t.unit = decimals > 0 || exponent != 0 ? std::pow(10.0, exponent - decimals) : 0.0;
      out.push_back(t);
      i = j;
      continue;
    }
    if (!out.empty() && !out.back().number && i > 0 && !std::isspace(static_cast<unsigned char>(line[i - 1])))
      out.back().text += c;
    else
      out.push_back(Token{false, std::string(1, c), 0, 0});
    ++i;
  }
  return out;
}

bool line_matches(const std::string& quoted, const std::string& printed, double within) {
  const std::vector<Token> q = tokenize(quoted), p = tokenize(printed);
  if (q.size() != p.size()) return false;
  for (size_t k = 0; k < q.size(); ++k) {
    if (q[k].number != p[k].number) return false;
    if (!q[k].number) {
      if (q[k].text != p[k].text) return false;
      continue;
    }
    if (q[k].about) {
      const double a = std::abs(q[k].value), b = std::abs(p[k].value);
      const bool near = std::abs(q[k].value - p[k].value) <= 10 * q[k].unit * (1 + 1e-9);
      if (!near && !((q[k].value < 0) == (p[k].value < 0) && b >= a / 10 && b <= a * 10)) return false;
      continue;
    }
    const double slack = within * std::max(std::abs(q[k].value), std::abs(p[k].value)) + q[k].unit * (1 + 1e-9);
    if (!(std::abs(q[k].value - p[k].value) <= slack)) return false;
  }
  return true;
}

// Whether the block's lines are printed, in order, on consecutive lines of the output; else the
// first quoted line that matches no output line (empty when each matches somewhere, but not in
// this order).
bool block_printed(const Block& b, const std::string& output, std::string& first_missing) {
  if (b.within < 0) {
    if (output.find(b.text) != std::string::npos) return true;
    for (const std::string& line : split_lines(b.text))
      if (output.find(line + "\n") == std::string::npos) {
        first_missing = line;
        break;
      }
    return false;
  }
  const std::vector<std::string> want = split_lines(b.text), got = split_lines(output);
  for (size_t start = 0; start + want.size() <= got.size(); ++start) {
    size_t k = 0;
    while (k < want.size() && line_matches(want[k], got[start + k], b.within)) ++k;
    if (k == want.size()) return true;
  }
  for (const std::string& line : want) {
    bool found = false;
    for (const std::string& g : got) found = found || line_matches(line, g, b.within);
    if (!found) {
      first_missing = line;
      break;
    }
  }
  return false;
}

}  // namespace

// check_guide --self-test: the matching rules on lines whose verdict is known.
int self_test() {
  struct Case {
    const char* quoted;
    const char* printed;
    double within;
    bool match;
  };
  const Case cases[] = {
      {"no cure   0.0000   0.1181 (  80)   0.5491", "no cure   0.0000   0.1181 (  80)   0.5491", 0, true},
      {"no cure   0.1181 (  80)", "no cure   0.1182 (  80)", 0, true},     // one unit of the last digit
      {"round 1: 466 pseudo-labelled", "round 1: 467 pseudo-labelled", 0, false},  // integers: exact
      {"round 1: 466 pseudo-labelled", "round 1: 480 pseudo-labelled", 0.10, true},
      {"image 28x28 float32", "image 28x29 float32", 0.10, false},       // digits inside words: exact
      {"no cure   0.1181 (  80)", "no cure   0.1183 (  80)", 0, false},
      {"final val 0.5491", "final val 0.5475", 0.10, true},
      {"final val 0.5491", "final val 0.6200", 0.10, false},             // 13% off
      {"test accuracy 0.828", "test accuracy 0.831", 0.10, true},
      {"test accuracy 0.828", "test accuracy 0.500", 0.10, false},
      {"min val (  80)", "min val ( 100)", 0.10, false},                 // 20% off
      {"step ( 280)", "step (300)", 0.10, true},                         // spaces around numbers
      {"epoch 1: training loss 0.926", "epoch 2: training loss 0.926", 0.10, false},  // 1 vs 2 is 50%
      {"L1 fit: y = 1.979 x + 1.080", "L1 fit: y = 1.972 x + 1.091", 0.10, true},
      {"L1 fit: y = 1.979 x + 1.080", "L2 fit: y = 1.979 x + 1.080", 0.10, false},  // a word differs
      {"weights -1.995", "weights 1.995", 0.10, false},                  // the sign counts
      {"gap 2.2e-16", "gap 2.4e-16", 0.10, true},
      {"gap 2.2e-16", "gap 2.2e-12", 0.10, false},
      {"claim ok: x", "claim ok: x extra", 0.10, false},                 // whole lines only
      {"W2 4.5032 ~2e-16 ~6e-10", "W2 4.5032 4.4e-16 5.7e-10", 0.10, true},  // orders of magnitude
      {"W2 4.5032 ~2e-16 ~6e-10", "W2 4.5032 4.4e-14 5.7e-10", 0.10, false},
      {"final train ~0.0000", "final train 0.0002", 0.10, true},
      {"final train ~0.0000", "final train 0.0200", 0.10, false},
  };
  int failed = 0;
  for (const Case& c : cases)
    if (line_matches(c.quoted, c.printed, c.within) != c.match) {
      std::cout << "check_guide self-test: \"" << c.quoted << "\" vs \"" << c.printed << "\" within " << c.within
                << " should " << (c.match ? "" : "not ") << "match\n";
      ++failed;
    }
  std::cout << "check_guide self-test: " << (sizeof cases / sizeof cases[0]) - failed << " passed, " << failed
            << " failed\n";
  return failed == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--self-test") return self_test();
  if (argc != 4) {
    std::cerr << "usage: check_guide <guide.md> <program> <figure-dir>   or   check_guide --self-test\n";
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
    for (const Block& block : blocks) {
      std::string first_missing;
      if (block_printed(block, output, first_missing)) continue;
      std::cout << "check_guide: the block quoted at guide line " << block.guide_line << " for " << name
                << " is no longer printed"
                << (block.within >= 0 ? " (numbers within " + std::to_string(block.within * 100) + "%)" : "")
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
