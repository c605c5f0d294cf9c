// Reading and validating the `descent` tool's TOML config; see config.h.
#include "config.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog.h"
#include "format.h"
#include "model_setup.h"

namespace descent::cli {

namespace fs = std::filesystem;

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string describe(const toml::node& node) {
  if (auto s = node.as_string()) return "string '" + s->get() + "'";
  if (auto i = node.as_integer()) return "integer " + std::to_string(i->get());
  if (auto f = node.as_floating_point()) {
    std::ostringstream os;
    os << "number " << f->get();
    return os.str();
  }
  if (auto b = node.as_boolean()) return std::string("boolean ") + (b->get() ? "true" : "false");
  if (node.is_array()) return "an array";
  if (node.is_table()) return "a table";
  return "a date/time";
}

Section::Section(toml::table& table, std::string path) : table_(&table), path_(std::move(path)) {}

std::string Section::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool Section::has(std::string_view key) const { return table_->contains(key); }

toml::node* Section::get(std::string_view key) {
  known_.insert(std::string(key));
  return table_->get(key);
}

void Section::type_error(std::string_view key, const char* expected, const toml::node& got) const {
  DESCENT_CONFIG_FAIL(key_path(key), ": expected ", expected, ", got ", describe(got));
}

double Section::number(std::string_view key, double def) {
  toml::node* n = get(key);
  if (!n) {
    table_->insert_or_assign(key, def);
    return def;
  }
  if (auto i = n->as_integer()) return double(i->get());
  if (auto f = n->as_floating_point()) {
    DESCENT_CONFIG_CHECK(std::isfinite(f->get()), key_path(key), ": expected a finite number, got ", describe(*n));
    return f->get();
  }
  type_error(key, "a number", *n);
}

double Section::number(std::string_view key, double def, double lo, double hi) {
  const double v = number(key, def);
  DESCENT_CONFIG_CHECK(v >= lo && v <= hi, key_path(key), ": ", v, " is out of range; allowed ", lo, " to ", hi);
  return v;
}

int64_t Section::integer(std::string_view key, int64_t def, int64_t lo, int64_t hi) {
  toml::node* n = get(key);
  int64_t v = def;
  if (!n) {
    table_->insert_or_assign(key, def);
  } else if (auto i = n->as_integer()) {
    v = i->get();
  } else {
    type_error(key, "an integer", *n);
  }
  DESCENT_CONFIG_CHECK(v >= lo && v <= hi, key_path(key), ": ", v, " is out of range; allowed ", lo, " to ", hi);
  return v;
}

bool Section::boolean(std::string_view key, bool def) {
  toml::node* n = get(key);
  if (!n) {
    table_->insert_or_assign(key, def);
    return def;
  }
  if (auto b = n->as_boolean()) return b->get();
  type_error(key, "true or false", *n);
}

std::string Section::string(std::string_view key, const std::string& def) {
  toml::node* n = get(key);
  if (!n) {
    table_->insert_or_assign(key, def);
    return def;
  }
  if (auto s = n->as_string()) return s->get();
  type_error(key, "a string", *n);
}

std::string Section::required_string(std::string_view key) {
  toml::node* n = get(key);
  DESCENT_CONFIG_CHECK(n != nullptr, key_path(key), ": missing (required)");
  if (auto s = n->as_string()) {
    DESCENT_CONFIG_CHECK(!s->get().empty(), key_path(key), ": must not be empty");
    return s->get();
  }
  type_error(key, "a string", *n);
}

std::string Section::choice(std::string_view key, const std::string& def, const std::vector<std::string>& allowed) {
  const bool present = has(key);
  const std::string v = string(key, def);
  for (const auto& a : allowed)
    if (a == v) return v;
  if (!present && def.empty()) DESCENT_CONFIG_FAIL(key_path(key), ": missing (required); one of ", join(allowed));
  DESCENT_CONFIG_FAIL(key_path(key), ": unknown '", v, "'; one of ", join(allowed));
}

template <typename T, typename Convert>
static std::vector<T> read_array(Section& s, toml::node* n, std::string_view key, const char* what, Convert convert) {
  std::vector<T> out;
  auto* arr = n->as_array();
  if (!arr) DESCENT_CONFIG_FAIL(s.key_path(key), ": expected an array of ", what, ", got ", describe(*n));
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    std::optional<T> v = convert(e);
    DESCENT_CONFIG_CHECK(v.has_value(), s.key_path(key), "[", i, "]: expected ", what, ", got ", describe(e));
    out.push_back(*v);
  }
  return out;
}

std::vector<double> Section::numbers(std::string_view key, const std::vector<double>& def) {
  toml::node* n = get(key);
  if (!n) {
    toml::array a;
    for (double d : def) a.push_back(d);
    table_->insert_or_assign(key, std::move(a));
    return def;
  }
  return read_array<double>(*this, n, key, "numbers", [](const toml::node& e) -> std::optional<double> {
    if (auto i = e.as_integer()) return double(i->get());
    if (auto f = e.as_floating_point(); f && std::isfinite(f->get())) return f->get();
    return std::nullopt;
  });
}

std::vector<int64_t> Section::integers(std::string_view key, const std::vector<int64_t>& def, int64_t lo, int64_t hi) {
  toml::node* n = get(key);
  std::vector<int64_t> v = def;
  if (!n) {
    toml::array a;
    for (int64_t d : def) a.push_back(d);
    table_->insert_or_assign(key, std::move(a));
  } else {
    v = read_array<int64_t>(*this, n, key, "integers", [](const toml::node& e) -> std::optional<int64_t> {
      if (auto i = e.as_integer()) return i->get();
      return std::nullopt;
    });
  }
  for (size_t i = 0; i < v.size(); ++i)
    DESCENT_CONFIG_CHECK(v[i] >= lo && v[i] <= hi, key_path(key), "[", i, "]: ", v[i], " is out of range; allowed ", lo,
                         " to ", hi);
  return v;
}

std::vector<std::string> Section::strings(std::string_view key, const std::vector<std::string>& def) {
  toml::node* n = get(key);
  if (!n) {
    toml::array a;
    for (const auto& d : def) a.push_back(d);
    table_->insert_or_assign(key, std::move(a));
    return def;
  }
  return read_array<std::string>(*this, n, key, "strings", [](const toml::node& e) -> std::optional<std::string> {
    if (auto s = e.as_string()) return s->get();
    return std::nullopt;
  });
}

Section Section::table(std::string_view key) {
  toml::node* n = get(key);
  if (!n) {
    table_->insert_or_assign(key, toml::table{});
    n = table_->get(key);
  }
  auto* t = n->as_table();
  if (!t) type_error(key, "a table", *n);
  return Section(*t, key_path(key));
}

toml::array* Section::table_array(std::string_view key) {
  toml::node* n = get(key);
  if (!n) return nullptr;
  auto* a = n->as_array();
  if (!a) type_error(key, "an array of tables", *n);
  for (size_t i = 0; i < a->size(); ++i)
    DESCENT_CONFIG_CHECK(a->get(i)->is_table(), key_path(key), "[", i, "]: expected a table such as { type = \"relu\" }, got ",
                         describe(*a->get(i)));
  return a;
}

void Section::finish() const {
  for (const auto& [k, v] : *table_) {
    const std::string key(k.str());
    if (!known_.count(key)) {
      std::vector<std::string> known(known_.begin(), known_.end());
      DESCENT_CONFIG_FAIL(key_path(key), ": unknown key; allowed ", path_.empty() ? "top-level keys" : "keys in [" + path_ + "]",
                          ": ", join(known));
    }
  }
}

toml::table load_toml(const std::string& path) {
  std::error_code ec;
  DESCENT_CONFIG_CHECK(fs::is_regular_file(path, ec), path, ": no such config file");
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    DESCENT_CONFIG_FAIL(path, ":", e.source().begin.line, ":", e.source().begin.column, ": TOML syntax error: ",
                        e.description());
  }
}

void apply_override(toml::table& config, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  DESCENT_CONFIG_CHECK(eq != std::string::npos && eq > 0, "--set '", assignment, "': expected key=value, e.g. optimizer.lr=0.01");
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) {
    DESCENT_CONFIG_CHECK(!p.empty(), "--set '", assignment, "': empty part in key '", key, "'");
    parts.push_back(p);
  }
  toml::table* t = &config;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* n = t->get(parts[i]);
    if (!n) {
      t->insert_or_assign(parts[i], toml::table{});
      n = t->get(parts[i]);
    }
    DESCENT_CONFIG_CHECK(n->is_table(), "--set '", assignment, "': '", join({parts.begin(), parts.begin() + long(i) + 1}, "."),
                         "' is ", describe(*n), ", not a table");
    t = n->as_table();
  }
  // The value as TOML when it parses as one, else as a plain string (paths, names).
  try {
    toml::table parsed = toml::parse("v = " + value);
    t->insert_or_assign(parts.back(), *parsed.get("v"));
  } catch (const toml::parse_error&) {
    t->insert_or_assign(parts.back(), value);
  }
}

namespace {

/// Whether position i begins a value: the previous non-blank character is '=', '[' or ','.
bool starts_value(const std::string& text, size_t i) {
  while (i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1]))) --i;
  return i > 0 && (text[i - 1] == '=' || text[i - 1] == '[' || text[i - 1] == ',');
}

/// text with every float written in its shortest form that reads back the same double (toml++
/// writes 17 digits: 0.90000000000000002). Strings are left alone.
std::string shortest_floats(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  auto number_char = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+' || c == '_'; };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' || c == '\'') {  // a string (basic with escapes, or literal), copied as it is
      const bool triple = text.compare(i, 3, std::string(3, c)) == 0;
      const std::string close = triple ? std::string(3, c) : std::string(1, c);
      size_t j = i + close.size();
      while (j < text.size() && text.compare(j, close.size(), close) != 0) j += (c == '"' && text[j] == '\\') ? 2 : 1;
      j = std::min(text.size(), j + close.size());
      out.append(text, i, j - i);
      i = j;
    } else if (c == '#') {  // a comment, to the end of the line
      const size_t j = std::min(text.size(), text.find('\n', i));
      out.append(text, i, j - i);
      i = j;
    } else if ((std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+') && starts_value(text, i)) {
      size_t j = i;
      while (j < text.size() && number_char(text[j])) ++j;
      const std::string token = text.substr(i, j - i);
      double v = 0;
      const auto r = std::from_chars(token.data(), token.data() + token.size(), v);
      const bool is_float = token.find_first_of(".eE") != std::string::npos;
      if (is_float && r.ec == std::errc() && r.ptr == token.data() + token.size() && std::isfinite(v)) {
        out += shortest_float(v);
      } else {
        out += token;
      }
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string to_toml(const toml::table& config) {
  std::ostringstream os;
  os << toml::toml_formatter(config) << "\n";
  return shortest_floats(os.str());
}

std::string to_string(TaskKind task) {
  switch (task) {
    case TaskKind::Classification: return "classification";
    case TaskKind::Binary: return "binary";
    case TaskKind::Regression: return "regression";
    case TaskKind::MultiLabel: return "multilabel";
    case TaskKind::SemiSupervised: return "semi_supervised";
  }
  return "?";
}

namespace {

const std::vector<std::string> kDataKinds = {"fashion_mnist", "mnist",       "image_folder", "audio_folder",
                                             "text_csv",      "text_folder", "tabular_csv"};

bool has_test_set(const DataSettings& d) { return d.kind == "fashion_mnist" || d.kind == "mnist" || !d.test_path.empty(); }

/// A path relative to the config file's folder, unless absolute (or the config is read from a run
/// directory, whose paths are already resolved).
std::string resolve_path(const std::string& p, const std::string& source) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  const fs::path base = fs::path(source).parent_path();
  std::error_code ec;
  fs::path joined = base / p;
  if (!fs::exists(joined, ec) && fs::exists(p, ec)) joined = p;  // relative to the working directory
  return fs::absolute(joined, ec).lexically_normal().string();
}

DataSettings read_data(Section s, const std::string& source, TaskKind task) {
  DataSettings d;
  d.kind = s.choice("kind", "", kDataKinds);
  const bool idx = d.kind == "fashion_mnist" || d.kind == "mnist";
  const bool file = d.kind == "text_csv" || d.kind == "tabular_csv";
  const bool image = idx || d.kind == "image_folder";
  const std::string default_root = d.kind == "fashion_mnist" ? "/usr/share/datasets/fashion-mnist"
                                   : d.kind == "mnist"       ? "/usr/share/datasets/mnist"
                                                             : "";
  d.path = resolve_path(default_root.empty() ? s.required_string("path") : s.string("path", default_root), source);
  s.raw().insert_or_assign("path", d.path);
  auto check_exists = [&](const std::string& key, const std::string& p) {
    std::error_code ec;
    if (file) {
      DESCENT_CONFIG_CHECK(fs::is_regular_file(p, ec), s.key_path(key), ": no such file '", p, "'");
    } else {
      DESCENT_CONFIG_CHECK(fs::is_directory(p, ec), s.key_path(key), ": no such folder '", p, "'",
                           idx ? " (install Debian's dataset-" + std::string(d.kind == "mnist" ? "mnist" : "fashion-mnist") +
                                     " or set data.path)"
                               : "");
    }
  };
  check_exists("path", d.path);
  if (!idx) {
    d.val_path = resolve_path(s.string("val_path", ""), source);
    d.test_path = resolve_path(s.string("test_path", ""), source);
    s.raw().insert_or_assign("val_path", d.val_path);
    s.raw().insert_or_assign("test_path", d.test_path);
    if (!d.val_path.empty()) check_exists("val_path", d.val_path);
    if (!d.test_path.empty()) check_exists("test_path", d.test_path);
  }
  const bool given_test = has_test_set(d);
  std::vector<double> def_split = given_test ? std::vector<double>{0.9, 0.1} : std::vector<double>{0.7, 0.2, 0.1};
  if (!d.val_path.empty()) def_split = given_test ? std::vector<double>{1.0, 0.0} : std::vector<double>{0.9, 0.0, 0.1};
  d.split = s.numbers("split", def_split);
  d.split_mode = s.choice("split_mode", "random", {"random", "ordered"});
  const size_t want = given_test ? 2 : 3;
  DESCENT_CONFIG_CHECK(d.split.size() == want, s.key_path("split"), ": expected ", want, " fractions (",
                       given_test ? "train, val: the test set is given" : "train, val, test", "), got ", d.split.size());
  double sum = 0;
  for (double f : d.split) {
    DESCENT_CONFIG_CHECK(f >= 0 && f <= 1, s.key_path("split"), ": fractions must be in [0, 1], got ", f);
    sum += f;
  }
  DESCENT_CONFIG_CHECK(std::abs(sum - 1.0) < 1e-6, s.key_path("split"), ": fractions must sum to 1, got ", sum);
  DESCENT_CONFIG_CHECK(d.split[0] > 0, s.key_path("split"), ": the training fraction must be > 0");
  if (d.val_path.empty())
    DESCENT_CONFIG_CHECK(d.split[1] > 0, s.key_path("split"),
                         ": the validation fraction must be > 0 (or give data.val_path)");
  if (!given_test) DESCENT_CONFIG_CHECK(d.split[2] > 0, s.key_path("split"), ": the test fraction must be > 0 (or give data.test_path)");
  d.num_workers = s.integer("num_workers", 0, 0, 64);
  if (d.kind == "image_folder" || d.kind == "audio_folder" || d.kind == "text_folder")
    d.skip_bad_files = s.boolean("skip_bad_files", false);
  if (task == TaskKind::SemiSupervised) {
    if (d.kind == "tabular_csv") d.missing_labels = s.boolean("missing_labels", false);
    if (!d.missing_labels) d.labelled_fraction = s.number("labelled_fraction", 0.1, 1e-6, 1.0);
  }

  if (image) {
    if (d.kind == "image_folder") {
      d.channels = s.integer("channels", 3, 1, 4);
      DESCENT_CONFIG_CHECK(d.channels != 2, s.key_path("channels"), ": 2 is not an image layout; one of 1, 3, 4");
      d.height = s.integer("height", 32, 1, 4096);
      d.width = s.integer("width", d.height, 1, 4096);
    }
    d.mean = s.numbers("mean", {});
    d.std = s.numbers("std", {});
    DESCENT_CONFIG_CHECK(d.mean.size() == d.std.size(), s.key_path("mean"), " and ", s.key_path("std"),
                         ": need the same number of values, got ", d.mean.size(), " and ", d.std.size());
    for (double v : d.std) DESCENT_CONFIG_CHECK(v > 0, s.key_path("std"), ": values must be > 0, got ", v);
    const int64_t c = idx ? 1 : d.channels;
    DESCENT_CONFIG_CHECK(d.mean.empty() || int64_t(d.mean.size()) == c || d.mean.size() == 1, s.key_path("mean"),
                         ": expected 1 or ", c, " values (one per channel), got ", d.mean.size());
    d.hflip = s.boolean("hflip", false);
    d.crop_padding = s.integer("crop_padding", 0, 0, 64);
  } else if (d.kind == "audio_folder") {
    d.sample_rate = s.integer("sample_rate", 16000, 1000, 384000);
    d.seconds = s.number("seconds", 1.0, 0.01, 600.0);
    d.n_mels = s.integer("n_mels", 40, 1, 512);
    d.n_fft = s.integer("n_fft", 512, 16, 65536);
    d.hop_length = s.integer("hop_length", d.n_fft / 4, 1, 65536);
  } else if (d.kind == "text_csv" || d.kind == "text_folder") {
    if (d.kind == "text_csv") {
      d.text_column = s.string("text_column", "text");
      d.label_column = s.string("label_column", "label");
    }
    d.tokenizer = s.choice("tokenizer", "word", {"word", "char", "char_ngram"});
    if (d.tokenizer == "char_ngram") {
      d.ngram_range = s.integers("ngram_range", {1, 3}, 1, 32);
      DESCENT_CONFIG_CHECK(d.ngram_range.size() == 2 && d.ngram_range[0] <= d.ngram_range[1], s.key_path("ngram_range"),
                           ": expected [min, max] with 1 <= min <= max <= 32");
    }
    d.lowercase = s.boolean("lowercase", true);
    d.normalization = s.choice("normalization", "nfc", {"none", "nfc", "nfkc"});
    d.representation = s.choice("representation", "tokens", {"tokens", "tfidf", "counts"});
    if (d.representation == "tfidf") d.sublinear_tf = s.boolean("sublinear_tf", false);
    if (d.tokenizer == "word") d.keep_punctuation = s.boolean("keep_punctuation", true);
    // Characters and their n-grams make many more tokens per text than words.
    const bool chars = d.tokenizer != "word";
    d.max_length = s.integer("max_length", !chars ? 64 : d.tokenizer == "char" ? 256 : 512, 1, 1 << 20);
    d.min_freq = s.integer("min_freq", 1, 1, 1 << 30);
    d.max_tokens = s.integer("max_tokens", d.tokenizer == "char_ngram" ? 100000 : 20000, 3, 1 << 26);
  } else if (d.kind == "tabular_csv") {
    d.target = s.required_string("target");
    d.features = s.strings("features", {});
    d.categorical = s.strings("categorical", {});
    d.imputation = s.choice("imputation", "none", {"none", "mean", "median", "most_frequent"});
    d.standardize = s.boolean("standardize", true);
    if (task == TaskKind::Regression) d.standardize_target = s.boolean("standardize_target", true);
  }
  s.finish();
  return d;
}

ModelSettings read_model(Section s) {
  ModelSettings m;
  const bool has_builtin = s.has("builtin");
  toml::array* layers = s.table_array("layers");
  DESCENT_CONFIG_CHECK(has_builtin != (layers != nullptr), s.key_path("builtin"), ": give either model.builtin (",
                       join(builtin_models().names()), ") or model.layers (a list of layers), not ",
                       has_builtin ? "both" : "neither");
  if (has_builtin) {
    m.builtin = s.choice("builtin", "", builtin_models().names());
    // The builtin's own keys are checked by the model builder, which knows each builtin's options.
    for (const auto& [k, v] : s.raw())
      if (k.str() != "builtin") {
        m.options.insert_or_assign(k.str(), v);
        s.allow(k.str());
      }
  } else {
    m.layers = *layers;
  }
  s.finish();
  return m;
}

}  // namespace

Settings read_settings(toml::table& config, const std::string& source) {
  Settings st;
  Section top(config, "");
  st.name = top.string("name", fs::path(source).stem().string());
  const std::string task = top.choice("task", "classification",
                                      {"classification", "binary", "regression", "multilabel", "semi_supervised",
                                       "clustering"});
  DESCENT_CONFIG_CHECK(task != "clustering", "task: 'clustering' configs run with `descent cluster` (or `descent train`), ",
                       "not through this reader");
  st.task = task == "binary"            ? TaskKind::Binary
            : task == "regression"      ? TaskKind::Regression
            : task == "multilabel"      ? TaskKind::MultiLabel
            : task == "semi_supervised" ? TaskKind::SemiSupervised
                                        : TaskKind::Classification;
  DESCENT_CONFIG_CHECK(st.task != TaskKind::MultiLabel, "task: 'multilabel' is supported by the library's Trainer ",
                       "(train::Task::MultiLabel) but no data kind of the tool gives multi-label targets yet; one of ",
                       "classification, binary, regression, semi_supervised");
  st.seed = top.integer("seed", 0, 0, INT64_MAX);
  st.threads = top.integer("threads", 0, 0, 256);
  st.epochs = top.integer("epochs", 10, 1, 100000);
  st.batch_size = top.integer("batch_size", 64, 1, 1 << 20);
  st.eval_batch_size = top.integer("eval_batch_size", 512, 1, 1 << 20);
  st.channels_last = top.boolean("channels_last", false);
  st.weight_decay = top.number("weight_decay", 0.0, 0.0, 1e6);
  st.l2 = top.number("l2", 0.0, 0.0, 1e6);
  st.grad_clip_norm = top.number("grad_clip_norm", 0.0, 0.0, 1e12);
  st.checkpoint_every_n_steps = top.integer("checkpoint_every_n_steps", 0, 0, INT64_MAX);
  st.report_samples = top.integer("report_samples", 32, 0, 1024);
  st.skip_non_finite = top.boolean("skip_non_finite", false);

  st.data = read_data(top.table("data"), source, st.task);
  const bool text = st.data.kind == "text_csv" || st.data.kind == "text_folder";
  if (text)
    DESCENT_CONFIG_CHECK(st.task != TaskKind::Regression, "task: 'regression' needs numeric targets; data.kind '",
                         st.data.kind, "' gives classes (one of classification, binary)");
  if (st.data.kind == "tabular_csv" || st.data.kind == "image_folder" || st.data.kind == "audio_folder" || text ||
      st.data.kind == "fashion_mnist" || st.data.kind == "mnist") {
    if (st.data.kind != "tabular_csv")
      DESCENT_CONFIG_CHECK(st.task != TaskKind::Regression, "task: 'regression' needs numeric targets; data.kind '",
                           st.data.kind, "' gives classes (use tabular_csv)");
  }
  st.model = read_model(top.table("model"));

  {
    Section s = top.table("loss");
    const std::vector<std::string> allowed = loss_names(st.task);
    st.loss.name = s.choice("name", allowed[0], allowed);
    losses().at(st.loss.name, s.key_path("name")).read(s, st.loss);
    s.finish();
  }
  {
    Section s = top.table("optimizer");
    auto& o = st.optimizer;
    o.name = s.choice("name", "adam", optimizers().names());
    optimizers().at(o.name, s.key_path("name")).read(s, o);
    if (s.has("weight_decay")) {
      DESCENT_CONFIG_CHECK(!top.raw().contains("weight_decay") || config["weight_decay"].value_or(0.0) == 0.0,
                           "optimizer.weight_decay: also given as the top-level weight_decay; give one of them");
      st.weight_decay = s.number("weight_decay", 0.0, 0.0, 1e6);
      config.insert_or_assign("weight_decay", st.weight_decay);
      s.raw().erase("weight_decay");
    }
    s.finish();
  }
  {
    Section s = top.table("scheduler");
    auto& c = st.scheduler;
    c.name = s.choice("name", "none", schedulers().names());
    schedulers().at(c.name, s.key_path("name")).read(s, c, st);
    s.finish();
  }
  {
    Section s = top.table("early_stopping");
    auto& e = st.early_stopping;
    e.enabled = s.boolean("enabled", !s.raw().empty());
    e.monitor = s.string("monitor", "val_loss");
    e.mode = s.choice("mode", e.monitor.find("loss") != std::string::npos ? "min" : "max", {"min", "max"});
    e.patience = s.integer("patience", 5, 1, INT64_MAX);
    e.min_delta = s.number("min_delta", 0.0, 0.0, 1e12);
    e.restore_best_weights = s.boolean("restore_best_weights", true);
    s.finish();
  }
  if (st.task == TaskKind::SemiSupervised) {
    Section s = top.table("semi_supervised");
    st.semi.threshold = s.number("threshold", 0.95, 0.0, 1.0);
    st.semi.rounds = s.integer("rounds", 2, 1, 100);
    st.semi.consistency = s.choice("consistency", "mse", {"mse", "fixmatch"});
    st.semi.consistency_weight = s.number("consistency_weight", st.semi.consistency == "fixmatch" ? 1.0 : 0.0, 0.0, 1e6);
    const bool token_ids = (st.data.kind == "text_csv" || st.data.kind == "text_folder") && st.data.representation == "tokens";
    DESCENT_CONFIG_CHECK(st.semi.consistency_weight == 0 || !token_ids,
                         s.key_path("consistency_weight"), ": the consistency term augments inputs, and token ids ",
                         "have no augmentation; set it to 0 for texts (or data.representation = \"tfidf\")");
    s.finish();
  }
  top.finish();
  return st;
}

toml::table load_with_overrides(const std::string& path, const std::vector<std::string>& sets) {
  toml::table t = load_toml(path);
  for (const auto& s : sets) apply_override(t, s);
  return t;
}

}  // namespace descent::cli
