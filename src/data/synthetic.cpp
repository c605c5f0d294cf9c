#include "descent/data/synthetic.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "descent/core/error.h"
#include "descent/data/formats/csv.h"

namespace descent::data::synthetic {
namespace {

namespace fs = std::filesystem;

// SplitMix64: tiny, and the same numbers everywhere.
class Rng {
 public:
  // The seed goes through the output mix, so that seeds s and s + 1 are unrelated streams (not one
  // stream shifted by a step).
  explicit Rng(uint64_t seed) : s_(mix(seed ^ 0x632BE59BD9B4E019ull)) {}
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t next() { return mix(s_ += 0x9E3779B97F4A7C15ull); }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  int64_t below(int64_t n) { return int64_t(next() % uint64_t(n)); }
  // Box-Muller.
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[size_t(below(int64_t(v.size())))]; }

 private:
  uint64_t s_;
};

void write_file(const std::string& path, const std::string& bytes) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream f(path, std::ios::binary);
  DESCENT_CHECK(f, "synthetic: cannot write ", path, ": ", std::strerror(errno));
  f.write(bytes.data(), std::streamsize(bytes.size()));
  DESCENT_CHECK(f.good(), "synthetic: cannot write ", path, ": ", std::strerror(errno));
}

const std::vector<std::string> kSubjects = {"The film", "This book", "The café", "Our hotel", "The service",
                                            "The soundtrack", "This phone", "The naïve plot", "The staff",
                                            "The Größe of the room"};
const std::vector<std::vector<std::string>> kWords = {
    {"terrible", "awful", "boring", "disappointing", "poor", "dull", "broken", "rude"},        // negative
    {"great", "wonderful", "excellent", "delightful", "superb", "brilliant", "lovely", "fun"},  // positive
    {"okay", "average", "ordinary", "acceptable", "fine", "standard", "plain", "usual"},       // neutral
};
const std::vector<std::vector<std::string>> kEndings = {
    {"I want my money back.", "Never again!", "What a waste of time.", "Avoid it 👎."},
    {"I loved it!", "Highly recommended.", "Five stars ★★★★★.", "Would go again 🙂."},
    {"Nothing special.", "It was what it was.", "Neither good nor bad.", "Maybe."},
};
const std::vector<std::string> kClassNames = {"negative", "positive", "neutral"};

std::string review(Rng& r, int cls) {
  // One review in six opens with a word of another class, so that no single word decides the label.
  const int opener = r.below(6) == 0 ? int(r.below(3)) : cls;
  std::string s = r.pick(kSubjects) + " was " + r.pick(kWords[size_t(opener)]);
  const int64_t form = r.below(10);
  if (form < 3) s += ", really " + r.pick(kWords[size_t(cls)]);                // a comma: needs quoting
  else if (form == 3) s += " and \"" + r.pick(kWords[size_t(cls)]) + "\"";     // quotes: doubled in CSV
  s += ". " + r.pick(kEndings[size_t(cls)]);
  if (r.below(25) == 0) s += "\nSecond line: " + r.pick(kWords[size_t(cls)]) + ".";  // a line break in a field
  return s;
}

}  // namespace

void write_text_csv(const std::string& path, int64_t rows, int num_classes, uint64_t seed) {
  DESCENT_CHECK(num_classes == 2 || num_classes == 3, "synthetic::write_text_csv: num_classes must be 2 or 3, got ",
                num_classes);
  DESCENT_CHECK(rows >= 1, "synthetic::write_text_csv: rows must be >= 1");
  Rng r(seed);
  std::string out = csv_row({"id", "text", "label"});
  for (int64_t i = 0; i < rows; ++i) {
    const int cls = int(i % num_classes);  // balanced classes
    out += csv_row({std::to_string(i), review(r, cls), kClassNames[size_t(cls)]});
  }
  write_file(path, out);
}

void write_text_folder(const std::string& root, int64_t files_per_class, uint64_t seed) {
  DESCENT_CHECK(files_per_class >= 1, "synthetic::write_text_folder: files_per_class must be >= 1");
  Rng r(seed + 1);
  for (int cls = 0; cls < 2; ++cls) {
    const fs::path dir = fs::path(root) / kClassNames[size_t(cls)];
    for (int64_t k = 0; k < files_per_class; ++k) {
      std::string text;
      const int64_t sentences = 1 + r.below(3);
      for (int64_t s = 0; s < sentences; ++s) text += review(r, cls) + "\n";
      char name[32];
      std::snprintf(name, sizeof name, "%03lld.txt", static_cast<long long>(k));
      write_file((dir / name).string(), text);
    }
    write_file((dir / "README.md").string(), "Not a .txt file: skipped by the reader.\n");
  }
}

void write_regression_csv(const std::string& path, int64_t rows, uint64_t seed) {
  DESCENT_CHECK(rows >= 1, "synthetic::write_regression_csv: rows must be >= 1");
  Rng r(seed + 2);
  const std::vector<std::string> cities = {"Berlin", "Oslo", "Paris", "Rome"};
  const double city_effect[] = {40.0, 55.0, 80.0, 30.0};
  std::string out = csv_row({"sqft", "rooms", "city", "age", "garden", "price"});
  char buf[64];
  for (int64_t i = 0; i < rows; ++i) {
    const double sqft = 40.0 + 160.0 * r.uniform();
    const int64_t rooms = 1 + int64_t(sqft / 35.0) + r.below(2);
    const int64_t c = r.below(4);
    const int64_t age = r.below(80);
    const bool age_missing = r.below(20) == 0;
    const bool garden = r.below(3) == 0;
    const double price =
        2.5 * sqft + 8.0 * double(rooms) + city_effect[c] - 0.6 * double(age) + (garden ? 25.0 : 0.0) + 10.0 * r.normal();
    std::vector<std::string> f;
    std::snprintf(buf, sizeof buf, "%.1f", sqft);
    f.push_back(buf);
    f.push_back(std::to_string(rooms));
    f.push_back(cities[size_t(c)]);
    f.push_back(age_missing ? "NA" : std::to_string(age));
    f.push_back(garden ? "yes" : "no");
    std::snprintf(buf, sizeof buf, "%.2f", price);
    f.push_back(buf);
    out += csv_row(f);
  }
  write_file(path, out);
}

void write_classification_csv(const std::string& path, int64_t rows, uint64_t seed) {
  DESCENT_CHECK(rows >= 1, "synthetic::write_classification_csv: rows must be >= 1");
  Rng r(seed + 3);
  const std::vector<std::string> colors = {"blue", "green", "red"};
  const double color_effect[] = {-1.0, 0.0, 1.0};
  std::string out = csv_row({"x1", "x2", "x3", "color", "label"});
  char buf[64];
  for (int64_t i = 0; i < rows; ++i) {
    const double x1 = r.normal(), x2 = r.normal(), x3 = 5.0 + 2.0 * r.normal();
    const int64_t c = r.below(3);
    const double logit = 2.0 * x1 - 1.5 * x2 + 0.3 * (x3 - 5.0) + color_effect[c];
    const bool yes = r.uniform() < 1.0 / (1.0 + std::exp(-logit));
    std::vector<std::string> f;
    for (double x : {x1, x2, x3}) {
      std::snprintf(buf, sizeof buf, "%.4f", x);
      f.push_back(buf);
    }
    f.push_back(colors[size_t(c)]);
    f.push_back(yes ? "yes" : "no");
    out += csv_row(f);
  }
  write_file(path, out);
}

void write_text_and_tabular_samples(const std::string& root, uint64_t seed) {
  fs::create_directories(root);
  const fs::path p(root);
  write_text_csv((p / "text.csv").string(), 300, 3, seed);
  write_text_folder((p / "text_folder").string(), 40, seed);
  write_regression_csv((p / "regression.csv").string(), 500, seed);
  write_classification_csv((p / "classification.csv").string(), 400, seed);
}

}  // namespace descent::data::synthetic
