#pragma once
// Tabular data from a CSV file with a header: feature columns and a target column chosen by name,
// numeric and categorical features in one float32 vector per row, and a Standardizer.
//
//   auto ds = TabularDataset::from_csv("houses.csv", TabularOptions("price").imputation(Imputation::kMedian));
//   auto parts = random_split_indices(ds->size(), {0.7, 0.2, 0.1}, 42);
//   Standardizer scaler = Standardizer::fit(ds->features().index_select(0, from_vector(parts[0])),
//                                           ds->numeric_mask());       // training rows only
//   auto scaled = scaler.apply(ds);                                   // a MapDataset
//   auto train = std::make_shared<Subset>(scaled, parts[0]);
//
// Column kinds. A feature column is categorical when it is listed in TabularOptions::categorical()
// or when its first non-missing value is not a number; otherwise it is numeric, and a later value
// that is not a finite number is an Error naming the row and column (so a typo never silently turns
// a numeric column into categories). Categories are the sorted distinct strings (numerically sorted
// when all are integers); each becomes one 0/1 feature "column=value" (one-hot) or one feature
// holding the category's index as a float (kIndex, exact below 2^24; cast to int64 for an Embedding).
//
// Missing values. A field equal to one of missing_values() ("", "NA", "N/A", "NaN", "nan", "null"
// by default) is missing. Without imputation that is an Error naming the row and the column. With
// kMean / kMedian a numeric column is filled with the mean / median (the average of the middle two
// for an even count) of its present values, and a categorical column with its most frequent value;
// kMostFrequent fills both kinds with the most frequent value (the smallest one among ties, as
// scikit-learn's SimpleImputer); kConstant fills numeric columns with fill_value() and categorical
// ones with fill_category(). These statistics are computed over all rows of the file when it is
// read. A missing target is an Error, unless allow_missing_target (classification): then it is -1.
//
// Targets. kRegression: float32 0-d, every value a finite number. kClassification: int64 0-d index
// into classes(), the sorted distinct target strings ("yes"/"no", or integers sorted numerically).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/data/dataset.h"
#include "descent/data/formats/csv.h"

namespace descent::data {

/// How missing feature values are filled.
enum class Imputation : uint8_t { kNone, kMean, kMedian, kMostFrequent, kConstant };
/// How a categorical column becomes features.
enum class CategoricalEncoding : uint8_t { kOneHot, kIndex };
/// What the target is.
enum class TabularTask : uint8_t { kRegression, kClassification };

/// Options of TabularDataset::from_csv.
struct TabularOptions {
  /// The target column is required.
  explicit TabularOptions(std::string target) : target_(std::move(target)) {}
  TabularOptions& target(std::string v) { target_ = std::move(v); return *this; }
  /// The feature columns, in this order (default: every column but the target, in file order).
  TabularOptions& features(std::vector<std::string> v) { features_ = std::move(v); return *this; }
  /// Columns treated as categories even when they hold numbers (e.g. zip codes).
  TabularOptions& categorical(std::vector<std::string> v) { categorical_ = std::move(v); return *this; }
  TabularOptions& encoding(CategoricalEncoding v) { encoding_ = v; return *this; }
  TabularOptions& task(TabularTask v) { task_ = v; return *this; }
  TabularOptions& imputation(Imputation v) { imputation_ = v; return *this; }
  /// Classification only: a row whose target is missing (one of missing_values()) is kept as an
  /// unlabelled example with target -1 (semi-supervised learning; train::split_by_missing_label)
  /// instead of being an Error. classes() lists the labels present. Default false.
  TabularOptions& allow_missing_target(bool v) { allow_missing_target_ = v; return *this; }
  /// The fill value of kConstant for numeric columns (0).
  TabularOptions& fill_value(double v) { fill_value_ = v; return *this; }
  /// The fill value of kConstant for categorical columns ("<missing>").
  TabularOptions& fill_category(std::string v) { fill_category_ = std::move(v); return *this; }
  /// Field values that mean "missing".
  TabularOptions& missing_values(std::vector<std::string> v) { missing_values_ = std::move(v); return *this; }
  TabularOptions& csv(CsvOptions v) { csv_ = v; return *this; }

  std::string target_;
  std::vector<std::string> features_;
  std::vector<std::string> categorical_;
  CategoricalEncoding encoding_ = CategoricalEncoding::kOneHot;
  TabularTask task_ = TabularTask::kRegression;
  Imputation imputation_ = Imputation::kNone;
  bool allow_missing_target_ = false;
  double fill_value_ = 0.0;
  std::string fill_category_ = "<missing>";
  std::vector<std::string> missing_values_ = {"", "NA", "N/A", "NaN", "nan", "null"};
  CsvOptions csv_;
};

/// One source column of a TabularDataset and the features it became.
struct TabularColumn {
  std::string name;
  bool categorical = false;
  /// The sorted categories (categorical columns only).
  std::vector<std::string> categories;
  /// Its features are features()[:, first : first + width].
  int64_t first = 0;
  int64_t width = 1;
  /// How many rows had it missing, and what they were filled with ("" when none were).
  int64_t missing = 0;
  std::string filled_with;
};

/// Rows of a CSV file as examples (float32 [D] features, target as TabularTask says).
class TabularDataset : public Dataset {
 public:
  static std::shared_ptr<TabularDataset> from_csv(const std::string& path, const TabularOptions& options);

  int64_t size() const override { return features_.size(0); }
  Example get(int64_t index) const override;

  /// All rows: [N, D] float32.
  const Tensor& features() const { return features_; }
  /// All targets: [N] float32 (regression) or int64 (classification).
  const Tensor& targets() const { return targets_; }
  int64_t num_features() const { return features_.size(1); }
  /// Names of the D features: the column name, or "column=category" for one-hot features.
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  /// true for features that come from numeric columns (what a Standardizer should scale).
  const std::vector<bool>& numeric_mask() const { return numeric_mask_; }
  const std::vector<TabularColumn>& columns() const { return columns_; }
  /// Class names (classification only): label i means classes()[i].
  const std::vector<std::string>& classes() const { return classes_; }
  const std::string& target_name() const { return target_name_; }
  TabularTask task() const { return task_; }

 private:
  TabularDataset() = default;
  Tensor features_, targets_;
  std::vector<std::string> feature_names_;
  std::vector<bool> numeric_mask_;
  std::vector<TabularColumn> columns_;
  std::vector<std::string> classes_;
  std::string target_name_;
  TabularTask task_ = TabularTask::kRegression;
};

/// Per-feature standardisation x' = (x - mean) / std, as scikit-learn's StandardScaler: std is the
/// population standard deviation (ddof 0), and a feature with zero variance (or one that the mask
/// leaves out) keeps mean 0 and std 1, i.e. passes unchanged. Fit it on the training split only and
/// apply it to every split; save it with the model.
class Standardizer {
 public:
  Standardizer() = default;
  /// Fits on the rows of x [N, D] (floating). mask (empty, or D entries) picks the features to scale.
  static Standardizer fit(const Tensor& x, const std::vector<bool>& mask = {});
  /// Fits on the data of every example of a dataset (each [D]).
  static Standardizer fit(const Dataset& dataset, const std::vector<bool>& mask = {});
  /// From known means and standard deviations (each std > 0 and finite).
  Standardizer(std::vector<double> mean, std::vector<double> std);

  /// (x - mean) / std over the last dimension of x [..., D]; the dtype of x is kept.
  Tensor transform(const Tensor& x) const;
  /// x * std + mean.
  Tensor inverse_transform(const Tensor& x) const;
  /// A dataset whose data is transform(data) of the base's.
  DatasetPtr apply(DatasetPtr base) const;

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }
  int64_t num_features() const { return static_cast<int64_t>(mean_.size()); }

  /// JSON {"format": "descent.standardizer", "version": 1, "mean": [...], "std": [...]}, exact doubles:
  /// keep it in a model file's metadata (io::save(model, path, {{"descent.standardizer", s.to_json()}}))
  /// or in a file of its own.
  std::string to_json() const;
  static Standardizer from_json(const std::string& text, const std::string& source = "<memory>");
  void save(const std::string& path) const;
  static Standardizer load(const std::string& path);

 private:
  Tensor apply_affine(const Tensor& x, bool inverse) const;
  std::vector<double> mean_, std_;
};

}  // namespace descent::data
