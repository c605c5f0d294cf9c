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

// A made-up language: its letters, syllables, endings and most frequent words. The eight below
// borrow the look of real orthographies (German, French, Spanish, Polish, Finnish, Dutch,
// Portuguese, Turkish) and share most consonants, so that single letters decide little.
struct Language {
  const char* name;
  std::vector<std::string> onsets, vowels, codas, suffixes, function_words;
};

const std::vector<Language>& languages() {
  static const std::vector<Language> kLanguages = {
      {"alvish", {"b", "d", "f", "g", "h", "k", "l", "m", "n", "r", "s", "t", "w", "sch", "st", "kr", "br", "z"},
       {"a", "e", "i", "o", "u", "ei", "au", "ä", "ö", "ü", "ie"}, {"", "", "n", "r", "t", "s", "ch", "ng", "ck", "lt", "st"},
       {"en", "ung", "heit", "lich", "er"}, {"der", "die", "und", "ist", "mit", "von"}},
      {"borean", {"b", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "qu", "tr", "pl", "gr"},
       {"a", "e", "i", "o", "u", "é", "è", "ou", "ai", "eau", "oi", "an", "on"}, {"", "", "r", "s", "x", "t", "l", "nt"},
       {"ment", "tion", "eux", "ette", "ique"}, {"le", "la", "et", "de", "les", "un"}},
      {"corvic", {"b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ll", "ñ", "ch", "pr", "tr"},
       {"a", "e", "i", "o", "u", "á", "é", "í", "ó", "ue", "ie"}, {"", "", "", "s", "n", "r", "l", "z"},
       {"ción", "dad", "ito", "ando", "oso"}, {"el", "la", "y", "de", "los", "con"}},
      {"dravian", {"b", "d", "g", "k", "m", "n", "p", "r", "s", "t", "w", "z", "cz", "sz", "rz", "prz", "ł", "ś", "ż", "dz"},
       {"a", "e", "i", "o", "u", "y", "ą", "ę", "ó", "ie"}, {"", "", "k", "ć", "ł", "m", "n", "sz", "ch", "ść"},
       {"ski", "owy", "ość", "nie", "ów"}, {"i", "w", "na", "się", "nie", "że"}},
      {"eskari", {"h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v"},
       {"a", "e", "i", "o", "u", "y", "ä", "ö", "aa", "ee", "ii", "uu", "yy", "ää"}, {"", "", "", "n", "t", "s", "l", "k"},
       {"nen", "lla", "ssa", "sta", "inen", "kaan"}, {"ja", "on", "ei", "se", "että", "oli"}},
      {"fennic", {"b", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "sch", "gr", "kl"},
       {"a", "e", "i", "o", "u", "aa", "ee", "oo", "uu", "ij", "oe", "ui", "ie"}, {"", "", "n", "r", "t", "k", "ng", "cht", "js"},
       {"heid", "tje", "lijk", "en", "ing"}, {"de", "het", "een", "en", "van", "is"}},
      {"galdan", {"b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "lh", "nh", "ch"},
       {"a", "e", "i", "o", "u", "ã", "õ", "ê", "ô", "á", "ei", "ou"}, {"", "", "", "s", "r", "m", "l"},
       {"ção", "mente", "inho", "agem", "ões"}, {"o", "a", "e", "de", "que", "não"}},
      {"halvo", {"b", "c", "ç", "d", "g", "ğ", "k", "l", "m", "n", "s", "ş", "t", "y", "z"},
       {"a", "e", "ı", "i", "o", "ö", "u", "ü"}, {"", "", "k", "r", "n", "l", "m", "ş", "z"},
       {"lar", "ler", "lık", "dır", "mak", "siz"}, {"ve", "bir", "bu", "da", "için", "çok"}},
  };
  return kLanguages;
}

// A new word of language l: 1 to 3 syllables, one word in three with an ending.
std::string make_word(Rng& r, const Language& l) {
  std::string w;
  const int64_t syllables = 1 + r.below(3);
  for (int64_t k = 0; k < syllables; ++k) w += r.pick(l.onsets) + r.pick(l.vowels) + (k + 1 == syllables ? r.pick(l.codas) : "");
  if (r.below(3) == 0) w += r.pick(l.suffixes);
  return w;
}

// Each language's lexicon: its function words first (the most frequent), then 300 made-up words.
std::vector<std::vector<std::string>> make_lexicons(Rng& r) {
  std::vector<std::vector<std::string>> lex;
  for (const Language& l : languages()) {
    std::vector<std::string> words = l.function_words;
    while (words.size() < 300 + l.function_words.size()) words.push_back(make_word(r, l));
    lex.push_back(std::move(words));
  }
  return lex;
}

// A rank drawn with probability proportional to 1 / (rank + 1) (Zipf's law), in [0, n).
int64_t zipf_rank(Rng& r, int64_t n) {
  double total = 0;
  for (int64_t k = 0; k < n; ++k) total += 1.0 / double(k + 1);
  double u = r.uniform() * total;
  for (int64_t k = 0; k < n; ++k) {
    u -= 1.0 / double(k + 1);
    if (u <= 0) return k;
  }
  return n - 1;
}

}  // namespace

void write_language_csv(const std::string& path, int64_t rows, uint64_t seed) {
  DESCENT_CHECK(rows >= 1, "synthetic::write_language_csv: rows must be >= 1");
  Rng r(seed + 4);
  const auto lex = make_lexicons(r);
  const int64_t n_lang = int64_t(languages().size());
  std::string out = csv_row({"text", "language"});
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t li = i % n_lang;
    const Language& l = languages()[size_t(li)];
    std::string text;
    const int64_t words = 1 + r.below(5);
    for (int64_t k = 0; k < words; ++k) {
      const int64_t kind = r.below(20);
      std::string w = kind < 11   ? lex[size_t(li)][size_t(zipf_rank(r, int64_t(lex[size_t(li)].size())))]  // known word
                      : kind < 17 ? make_word(r, l)                                                    // a rare or new word
                                  : lex[size_t(r.below(n_lang))][size_t(r.below(300))];                // a loanword or name
      if (k == 0 && !w.empty() && w[0] >= 'a' && w[0] <= 'z') w[0] = char(w[0] - 'a' + 'A');
      text += (k ? " " : "") + w;
    }
    text += r.below(4) == 0 ? "?" : ".";
    out += csv_row({text, l.name});
  }
  write_file(path, out);
}

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

void write_text_and_tabular_samples(const std::string& root, uint64_t seed, int64_t language_rows) {
  fs::create_directories(root);
  const fs::path p(root);
  write_text_csv((p / "text.csv").string(), 300, 3, seed);
  write_text_folder((p / "text_folder").string(), 40, seed);
  write_regression_csv((p / "regression.csv").string(), 500, seed);
  write_classification_csv((p / "classification.csv").string(), 400, seed);
  write_language_csv((p / "languages.csv").string(), language_rows, seed);
}

}  // namespace descent::data::synthetic
