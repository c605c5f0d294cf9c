#pragma once
// The `descent` tool's data: datasets and splits from a config's [data] section, and the
// Preprocessor that turns raw inputs (image and audio files, text, CSV rows) into model inputs the
// same way training did. The Preprocessor is saved in the run directory (preprocess.json: class
// names, image size and normalisation, audio features, the vocabulary, the tabular schema and
// standardizer), so `descent predict` needs only the run directory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "descent/data/data.h"

namespace descent::cli {

/// Raw input -> model input, as in training (see the file comment).
struct Preprocessor {
  std::string modality;  ///< "image" | "audio" | "text" | "tabular"
  std::vector<std::string> class_names;  ///< empty for regression
  // image: uint8 [H, W, C] -> float [C, H, W] / 255, resized, normalised
  int64_t channels = 1, height = 28, width = 28;
  std::vector<double> mean, std;
  // audio: mono, resampled, cropped/padded, log-mel
  int64_t sample_rate = 16000, num_samples = 16000, n_mels = 40, n_fft = 512, hop_length = 128;
  // text: tokenizer + vocabulary, at most max_length tokens
  std::string tokenizer_json;
  std::vector<std::string> vocab;
  int64_t max_length = 64;
  std::string representation = "tokens";  ///< tokens | tfidf | counts (data.representation)
  std::string tfidf_json;                 ///< the TF-IDF weights fitted on the training split (tfidf)
  // tabular: the source columns in feature order, how each became features, and the scaling
  struct Column {
    std::string name;
    bool categorical = false;
    std::vector<std::string> categories;  ///< one-hot order
    double fill_number = 0;                ///< missing numeric value -> this (when impute)
    std::string fill_category;             ///< missing category -> this (when impute)
  };
  std::vector<Column> columns;
  bool impute = false;
  std::vector<std::string> missing_values;
  std::vector<double> feature_mean, feature_std;  ///< empty: no standardisation
  std::string target_name;
  /// Regression: the model learns (y - target_mean) / target_std and its output is scaled back
  /// (training split's statistics; data.standardize_target).
  bool target_standardized = false;
  double target_mean = 0.0, target_std = 1.0;

  /// One model input from a decoded image (uint8 [H, W, C] or [H, W]).
  Tensor image(const Tensor& img) const;
  /// One model input from a waveform float [C, N] at sample_rate.
  Tensor audio(const Tensor& waveform) const;
  /// The saved TF-IDF weights (representation "tfidf"), else none.
  std::optional<data::Tfidf> text_tfidf() const;
  /// One model input from a text: int64 [L] token ids (L >= 1), or float [vocab] TF-IDF weights or counts.
  Tensor text(const std::string& text, const std::string& source = "<text>") const;
  /// One model input (float [D]) from a row of named string fields.
  Tensor tabular(const std::vector<std::string>& header, const std::vector<std::string>& row, const std::string& where) const;

  /// Model inputs for `descent predict` arguments: image / audio files; text files (one text per
  /// line) or literal texts; CSV files with a header (one row each). names[i] says where input i came from.
  std::vector<Tensor> read_inputs(const std::vector<std::string>& args, std::vector<std::string>& names) const;

  std::string to_json() const;
  /// Reads what to_json wrote and checks every value's range (errors name `source` and the key).
  static Preprocessor from_json(const std::string& text, const std::string& source);
  void validate(const std::string& source) const;
};

/// Datasets for training, validation and test, and what the model must accept and produce.
struct DataBundle {
  data::DatasetPtr train, val, test;
  /// Training labels (classification; for stratified / labelled subsets), else empty.
  std::vector<int64_t> train_labels;
  data::CollateFn collate;  ///< empty: stack_collate
  Shape input_shape;        ///< one example's data shape
  DType input_dtype = DType::Float32;
  int64_t num_classes = 0;  ///< classes (classification), else 0
  int64_t num_outputs = 1;  ///< what the model's last layer produces per example
  int64_t vocab_size = 0;   ///< text only
  Preprocessor pre;
  std::string summary;  ///< one line per split for the log
  /// Files left out by data.skip_bad_files ("path: what is wrong"); the run lists them in bad_files.txt.
  std::vector<std::string> bad_files;
};

/// Builds the datasets a config describes (reads the data; errors name the files).
DataBundle build_data(const Settings& st);

/// A CSV file of rows (with the target column) encoded by a tabular Preprocessor: the training
/// data's schema, fill values and scaling; `what` names it in errors ("data.test_path", "--data").
data::DatasetPtr tabular_file(const Preprocessor& pre, const std::string& path, TaskKind task, const std::string& what);
/// A text CSV or class folder (d.kind) encoded with a text Preprocessor's tokenizer and vocabulary.
data::DatasetPtr text_file(const Preprocessor& pre, const DataSettings& d, const std::string& path, const std::string& what);

/// What the model must accept and produce, from a run's saved Preprocessor alone (no datasets):
/// for predict, info and features of a trained run without reading the data.
DataBundle bundle_from_preprocessor(const Settings& st, const Preprocessor& pre);

/// A loader over one split with the bundle's collate.
data::DataLoader make_loader(const DataBundle& bundle, data::DatasetPtr dataset, int64_t batch_size, bool shuffle,
                             uint64_t seed, int64_t num_workers = 0);

}  // namespace descent::cli
