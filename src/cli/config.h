#pragma once
// The `descent` tool's configuration: a TOML file read into plain settings structs.
//
// Reading a config is strict: every key is checked by the Section that owns it (types, ranges,
// allowed values), defaults are written back into the table, and a key no Section read is an error
// naming the key and the keys allowed there. The table after reading is the *resolved* config that
// a run directory keeps (config.toml), so `descent resume` / `eval` / `predict` rebuild exactly the
// same data pipeline and model from it.
//
// Errors are ConfigError (the tool exits with 2): "optimizer.name: unknown 'adamm'; one of sgd,
// adam, adamw, rmsprop, adagrad".
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "descent/core/error.h"

namespace descent::cli {

/// A bad config or bad command-line usage; the tool exits with code 2.
class ConfigError : public Error {
 public:
  using Error::Error;
};

#define DESCENT_CONFIG_CHECK(cond, ...)                                                                   \
  do {                                                                                                    \
    if (!(cond)) throw ::descent::cli::ConfigError(::descent::detail::str_cat(__VA_ARGS__), __FILE__, __LINE__); \
  } while (0)
#define DESCENT_CONFIG_FAIL(...) \
  throw ::descent::cli::ConfigError(::descent::detail::str_cat(__VA_ARGS__), __FILE__, __LINE__)

/// Reads one TOML table: typed getters with defaults (written back into the table), range and
/// choice checks, and finish() rejecting keys that were not read. Error messages name the dotted
/// key ("optimizer.lr").
class Section {
 public:
  /// path: the dotted name of this table ("" for the top level).
  Section(toml::table& table, std::string path);

  /// The dotted name of key in this table.
  std::string key_path(std::string_view key) const;
  bool has(std::string_view key) const;

  double number(std::string_view key, double def);
  double number(std::string_view key, double def, double lo, double hi);
  int64_t integer(std::string_view key, int64_t def, int64_t lo, int64_t hi);
  bool boolean(std::string_view key, bool def);
  std::string string(std::string_view key, const std::string& def);
  /// A required string (error naming the key when absent).
  std::string required_string(std::string_view key);
  /// A string that must be one of allowed.
  std::string choice(std::string_view key, const std::string& def, const std::vector<std::string>& allowed);
  std::vector<double> numbers(std::string_view key, const std::vector<double>& def);
  std::vector<int64_t> integers(std::string_view key, const std::vector<int64_t>& def, int64_t lo, int64_t hi);
  std::vector<std::string> strings(std::string_view key, const std::vector<std::string>& def);
  /// A sub-table (created empty when absent; an error when key holds something else).
  Section table(std::string_view key);
  /// An array of tables (error when key holds something else); null when absent.
  toml::array* table_array(std::string_view key);
  /// Marks key as known without reading it (for keys read elsewhere).
  void allow(std::string_view key) { known_.insert(std::string(key)); }

  /// Throws ConfigError for the first key that no getter read, listing the known keys.
  void finish() const;

  toml::table& raw() { return *table_; }
  const std::string& path() const { return path_; }

 private:
  toml::node* get(std::string_view key);
  [[noreturn]] void type_error(std::string_view key, const char* expected, const toml::node& got) const;
  toml::table* table_;
  std::string path_;
  std::set<std::string> known_;
};

/// "a, b, c".
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");
/// A short description of a TOML value for messages: "string 'abc'", "integer 3", "table".
std::string describe(const toml::node& node);

/// Parses a TOML file; a syntax error or an unreadable file is a ConfigError naming the file and line.
toml::table load_toml(const std::string& path);
/// load_toml, then each "key=value" of `sets` applied in order (--set).
toml::table load_with_overrides(const std::string& path, const std::vector<std::string>& sets);
/// Applies `key.path=value` overrides (value parsed as TOML: 0.1, true, "x", [1, 2]; anything
/// that does not parse is taken as a string). Sub-tables are created as needed.
void apply_override(toml::table& config, const std::string& assignment);
/// The table as TOML text.
std::string to_toml(const toml::table& config);

// ---- Settings: what each section of the config says --------------------------------------------

/// What the model is trained to do.
enum class TaskKind { Classification, Binary, Regression, MultiLabel, SemiSupervised };

struct DataSettings {
  std::string kind;  ///< fashion_mnist | mnist | image_folder | audio_folder | text_csv | text_folder | tabular_csv
  std::string path;  ///< the data folder or file (fashion_mnist/mnist: the folder of the IDX files)
  std::string val_path, test_path;  ///< given validation / test sets of the same kind ("" = split off)
  /// Fractions [train, val] (a test set exists) or [train, val, test]; they sum to 1.
  std::vector<double> split;
  /// "random" (stratified by class when there are classes) or "ordered": the first rows train, the
  /// next validate, the last test (time series: no look into the future).
  std::string split_mode = "random";
  int64_t num_workers = 0;
  /// Folder kinds: decode every file before training and leave out (and list) those that fail,
  /// instead of stopping with an error naming them.
  bool skip_bad_files = false;
  // images (fashion_mnist, mnist, image_folder)
  int64_t channels = 0;          ///< image_folder: 1, 3 or 4 (0: 3)
  int64_t height = 0, width = 0; ///< resize to (0: keep; image_folder needs a size)
  std::vector<double> mean, std; ///< per-channel normalisation after /255 (empty: none)
  bool hflip = false;            ///< training augmentation: random horizontal flip
  int64_t crop_padding = 0;      ///< training augmentation: random crop after zero padding
  // audio
  int64_t sample_rate = 16000;
  double seconds = 1.0;          ///< clips are cropped / padded to this length
  int64_t n_mels = 40, n_fft = 512, hop_length = 160;
  // text
  std::string text_column = "text", label_column = "label";
  int64_t max_length = 64, min_freq = 1, max_tokens = 20000;
  std::string tokenizer = "word";        ///< word | char | char_ngram
  std::vector<int64_t> ngram_range{1, 3};  ///< char_ngram: n from min to max
  bool lowercase = true, keep_punctuation = true;
  std::string normalization = "nfc";     ///< Unicode normalisation: none | nfc | nfkc
  /// What the model gets: "tokens" (int64 ids, at most max_length), "tfidf" or "counts" (float
  /// [vocab] vectors of every token, for linear models and MLPs).
  std::string representation = "tokens";
  bool sublinear_tf = false;  ///< tfidf: 1 + ln(count) instead of the count
  // tabular
  std::string target;
  std::vector<std::string> features, categorical;
  std::string imputation = "none";
  bool standardize = true;
  bool standardize_target = true;  ///< regression: train on the standardised target (outputs scaled back)
  // semi-supervised
  double labelled_fraction = 1.0;
  bool missing_labels = false;  ///< tabular_csv: rows with an empty target are the unlabelled part
};

struct ModelSettings {
  std::string builtin;     ///< a builtin model name, or "" for a layer list
  toml::table options;     ///< the builtin's options (validated by the model builder)
  toml::array layers;      ///< the layer list (validated by the model builder)
};

struct OptimizerSettings {
  std::string name = "adam";
  double lr = 1e-3, momentum = 0.0, eps = 1e-8, alpha = 0.99;
  std::vector<double> betas{0.9, 0.999};
  bool nesterov = false, amsgrad = false;
};

struct SchedulerSettings {
  std::string name = "none";  ///< none | step | multistep | exponential | cosine | plateau | onecycle
  int64_t step_size = 10;
  std::vector<int64_t> milestones;
  double gamma = 0.1, eta_min = 0.0, factor = 0.1, threshold = 1e-4, min_lr = 0.0, max_lr = 0.0;
  int64_t t_max = 0, patience = 3, cooldown = 0;
  std::string monitor = "val_loss";
};

struct EarlyStoppingSettings {
  bool enabled = false;
  std::string monitor = "val_loss";
  std::string mode = "min";
  int64_t patience = 5;
  double min_delta = 0.0;
  bool restore_best_weights = true;
};

struct LossSettings {
  std::string name;  ///< "" = the task's default
  double label_smoothing = 0.0, delta = 1.0, beta = 1.0;
};

struct SemiSupervisedSettings {
  double threshold = 0.95;
  int64_t rounds = 2;
  double consistency_weight = 0.0;
  std::string consistency = "mse";  ///< mse (Pi-model) | fixmatch (weak view's confident prediction is the strong view's target)
};

/// A whole config.
struct Settings {
  std::string name;
  TaskKind task = TaskKind::Classification;
  int64_t seed = 0, threads = 0, epochs = 10, batch_size = 64, eval_batch_size = 512;
  bool channels_last = false;
  double weight_decay = 0.0, l2 = 0.0, grad_clip_norm = 0.0;
  int64_t checkpoint_every_n_steps = 0;
  int64_t report_samples = 32;
  bool skip_non_finite = false;  ///< skip (and count) steps with a NaN/inf loss or gradient instead of stopping
  DataSettings data;
  ModelSettings model;
  LossSettings loss;
  OptimizerSettings optimizer;
  SchedulerSettings scheduler;
  EarlyStoppingSettings early_stopping;
  SemiSupervisedSettings semi;
};

/// "classification", "binary", "regression", "multilabel", "semi_supervised".
std::string to_string(TaskKind task);

/// Reads and validates a whole config (see the file comment); `config` becomes the resolved config.
/// `source` names the file in messages. Data paths must exist (checked here, before training).
Settings read_settings(toml::table& config, const std::string& source);

}  // namespace descent::cli
