#include "descent/data/tabular.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "descent/core/error.h"
#include "descent/data/collate.h"
#include "descent/data/datasets/text_classification.h"
#include "descent/data/formats/text.h"
#include "descent/io/file.h"
#include "descent/ops/ops.h"
#include "io/json_checked.h"

namespace descent::data {
namespace {

using json = nlohmann::json;
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// A finite number in s (ASCII blanks around it allowed, a leading '+' too), or false.
bool parse_number(std::string_view s, double& v) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

// Features and targets are stored as float32: larger magnitudes would become infinities.
bool fits_float(double v) { return std::fabs(v) <= double(std::numeric_limits<float>::max()); }

std::string show(const std::string& s) {
  constexpr size_t kMax = 40;
  return "'" + (s.size() <= kMax ? s : s.substr(0, kMax) + "...") + "'";
}

// One feature column while the file is read.
struct ColumnState {
  std::string name;
  int64_t csv_index = 0;
  enum Kind { kUnknown, kNumeric, kCategorical } kind = kUnknown;
  bool forced_categorical = false;
  int64_t first_value_row = 0;  // the row whose value decided the kind
  std::string first_value;
  std::vector<double> numbers;                // numeric: NaN where missing
  std::vector<int32_t> codes;                 // categorical: provisional code, -1 where missing
  std::map<std::string, int32_t> code_of;     // value -> provisional code
  std::vector<std::string> values_by_code;
  int64_t missing = 0;
  int64_t leading_missing = 0;  // rows missing before the kind was known
};

template <typename T>
T most_frequent(const std::map<T, int64_t>& counts) {
  // std::map iterates in ascending order, so the first maximum is the smallest among ties.
  T best{};
  int64_t n = -1;
  for (const auto& [v, c] : counts)
    if (c > n) {
      best = v;
      n = c;
    }
  return best;
}

const char* imputation_name(Imputation m) {
  switch (m) {
    case Imputation::kNone: return "none";
    case Imputation::kMean: return "mean";
    case Imputation::kMedian: return "median";
    case Imputation::kMostFrequent: return "most_frequent";
    case Imputation::kConstant: return "constant";
  }
  return "?";
}

std::string format_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// The feature columns to read (all but the target when none are named), checked against the header.
std::vector<ColumnState> plan_columns(const CsvReader& csv, const TabularOptions& o, const std::string& ctx) {
  std::vector<std::string> names = o.features_;
  if (names.empty()) {
    for (const auto& h : csv.header())
      if (h != o.target_) names.push_back(h);
  }
  DESCENT_CHECK(!names.empty(), ctx, ": no feature columns (the file has only the target '", o.target_, "')");
  std::set<std::string> seen;
  for (const auto& f : names) {
    DESCENT_CHECK(f != o.target_, ctx, ": column '", f, "' is both a feature and the target");
    DESCENT_CHECK(seen.insert(f).second, ctx, ": feature column '", f, "' is listed twice");
  }
  for (const auto& c : o.categorical_)
    DESCENT_CHECK(seen.count(c), ctx, ": categorical column '", c, "' is not among the feature columns");
  std::vector<ColumnState> cols(names.size());
  for (size_t k = 0; k < cols.size(); ++k) {
    cols[k].name = names[k];
    cols[k].csv_index = csv.column_index(names[k]);
    cols[k].forced_categorical = std::find(o.categorical_.begin(), o.categorical_.end(), names[k]) != o.categorical_.end();
    if (cols[k].forced_categorical) cols[k].kind = ColumnState::kCategorical;
  }
  return cols;
}

/// Every row of the file: the features column by column (a column's kind is decided by its first
/// present value) and the raw targets.
struct RawTable {
  std::vector<ColumnState> cols;
  std::vector<double> target_numbers;       ///< regression
  std::vector<std::string> target_strings;  ///< classification
  int64_t n = 0;
};

/// One feature value of the current row into its column; where() names the cell in errors.
template <typename Where>
void read_feature(ColumnState& c, const std::string& f, bool is_missing, bool impute, int64_t row, const Where& where) {
  if (is_missing) {
    DESCENT_CHECK(impute, where(), ": missing value (", show(f), "); ask for an imputation (TabularOptions::imputation) to fill it");
    ++c.missing;
  }
  if (c.kind == ColumnState::kUnknown) {
    if (is_missing) {
      ++c.leading_missing;
      return;
    }
    double v;
    c.kind = parse_number(f, v) ? ColumnState::kNumeric : ColumnState::kCategorical;
    c.first_value_row = row;
    c.first_value = f;
    if (c.kind == ColumnState::kNumeric) c.numbers.assign(size_t(c.leading_missing), kMissing);
    else c.codes.assign(size_t(c.leading_missing), -1);
  }
  if (c.kind == ColumnState::kNumeric) {
    double v = kMissing;
    if (!is_missing)
      DESCENT_CHECK(parse_number(f, v), where(), ": ", show(f), " is not a finite number, but the column is numeric (row ",
                    c.first_value_row, " holds ", show(c.first_value),
                    "); list it in TabularOptions::categorical to treat it as categories");
    DESCENT_CHECK(is_missing || fits_float(v), where(), ": ", show(f), " is beyond float32's range (features are float32)");
    c.numbers.push_back(v);
  } else {
    int32_t code = -1;
    if (!is_missing) {
      auto [it, inserted] = c.code_of.emplace(f, int32_t(c.values_by_code.size()));
      if (inserted) c.values_by_code.push_back(f);
      code = it->second;
    }
    c.codes.push_back(code);
  }
}

RawTable read_rows(CsvReader& csv, std::vector<ColumnState> cols, const TabularOptions& o,
                   const std::set<std::string>& missing_set, const std::string& ctx) {
  RawTable t;
  t.cols = std::move(cols);
  const int64_t target_col = csv.column_index(o.target_);
  const bool impute = o.imputation_ != Imputation::kNone;
  const bool classification = o.task_ == TabularTask::kClassification;
  auto where = [&](const std::string& column) {
    return detail::str_cat(ctx, ": row ", csv.row(), " (line ", csv.line(), "), column '", column, "'");
  };
  std::vector<std::string> row;
  while (csv.next(row)) {
    const std::string& target = row[size_t(target_col)];
    const bool unlabelled = missing_set.count(target) > 0;
    DESCENT_CHECK(!unlabelled || (o.allow_missing_target_ && classification), where(o.target_),
                  ": the target is missing (", show(target), "); rows without a target cannot be used",
                  classification ? " (unless allow_missing_target: unlabelled rows)" : "");
    if (!classification) {
      double v;
      DESCENT_CHECK(parse_number(target, v), where(o.target_), ": target ", show(target),
                    " is not a finite number (use TabularTask::kClassification for class labels)");
      DESCENT_CHECK(fits_float(v), where(o.target_), ": target ", show(target), " is beyond float32's range");
      t.target_numbers.push_back(v);
    } else {
      t.target_strings.push_back(target);
    }
    for (auto& c : t.cols) {
      const std::string& f = row[size_t(c.csv_index)];
      read_feature(c, f, missing_set.count(f) > 0, impute, csv.row(), [&] { return where(c.name); });
    }
    ++t.n;
  }
  DESCENT_CHECK(t.n > 0, ctx, ": the file has a header but no rows");
  return t;
}

/// A numeric column's fill value by the imputation rule, from its present values.
double numeric_fill(const ColumnState& c, const TabularOptions& o, const std::string& ctx) {
  double fill = o.fill_value_;
  std::vector<double> present;
  for (double v : c.numbers)
    if (!std::isnan(v)) present.push_back(v);
  if (o.imputation_ == Imputation::kMean) {
    double s = 0;
    for (double v : present) s += v;
    fill = s / double(present.size());
  } else if (o.imputation_ == Imputation::kMedian) {
    std::sort(present.begin(), present.end());
    const size_t m = present.size() / 2;
    fill = present.size() % 2 ? present[m] : 0.5 * (present[m - 1] + present[m]);
  } else if (o.imputation_ == Imputation::kMostFrequent) {
    std::map<double, int64_t> counts;
    for (double v : present) ++counts[v];
    fill = most_frequent(counts);
  }
  DESCENT_CHECK(std::isfinite(fill), ctx, ": column '", c.name, "': the fill value ", fill, " is not finite");
  return fill;
}

/// A categorical column's fill category: the constant, or the most frequent (first in category
/// order among ties).
std::string category_fill(const ColumnState& c, const TabularOptions& o, const std::string& ctx) {
  if (o.imputation_ == Imputation::kConstant) return o.fill_category_;
  DESCENT_CHECK(!c.values_by_code.empty(), ctx, ": column '", c.name, "' has no values to impute from");
  std::map<std::string, int64_t> counts;
  for (int32_t code : c.codes)
    if (code >= 0) ++counts[c.values_by_code[size_t(code)]];
  std::string fill;
  int64_t best = -1;
  for (const auto& v : sorted_class_names(c.values_by_code))
    if (counts[v] > best) {
      best = counts[v];
      fill = v;
    }
  return fill;
}

/// Fills a column's missing values and fixes its final form: its TabularColumn description (first
/// = its offset in the feature row) and the names of the features it becomes.
TabularColumn finish_column(ColumnState& c, int64_t n, int64_t first, const TabularOptions& o, const std::string& ctx,
                            std::vector<std::string>& feature_names, std::vector<bool>& numeric_mask) {
  if (c.kind == ColumnState::kUnknown) {  // every value missing
    DESCENT_CHECK(o.imputation_ == Imputation::kConstant, ctx, ": column '", c.name, "' has no values at all, so imputation '",
                  imputation_name(o.imputation_), "' has nothing to compute from (use kConstant, or leave the column out)");
    c.kind = c.forced_categorical ? ColumnState::kCategorical : ColumnState::kNumeric;
    if (c.kind == ColumnState::kNumeric) c.numbers.assign(size_t(n), kMissing);
    else c.codes.assign(size_t(n), -1);
  }
  TabularColumn info;
  info.name = c.name;
  info.missing = c.missing;
  info.first = first;
  if (c.kind == ColumnState::kNumeric) {
    if (c.missing > 0) {
      const double fill = numeric_fill(c, o, ctx);
      for (double& v : c.numbers)
        if (std::isnan(v)) v = fill;
      info.filled_with = format_double(fill);
    }
    info.width = 1;
    feature_names.push_back(c.name);
    numeric_mask.push_back(true);
    return info;
  }
  info.categorical = true;
  if (c.missing > 0) {
    const std::string fill = category_fill(c, o, ctx);
    auto [it, inserted] = c.code_of.emplace(fill, int32_t(c.values_by_code.size()));
    if (inserted) c.values_by_code.push_back(fill);
    for (int32_t& code : c.codes)
      if (code < 0) code = it->second;
    info.filled_with = fill;
  }
  info.categories = sorted_class_names(c.values_by_code);
  // Provisional codes -> sorted positions.
  std::vector<int32_t> remap(c.values_by_code.size());
  for (size_t k = 0; k < info.categories.size(); ++k) remap[size_t(c.code_of.at(info.categories[k]))] = int32_t(k);
  for (int32_t& code : c.codes) code = remap[size_t(code)];
  if (o.encoding_ == CategoricalEncoding::kOneHot) {
    info.width = int64_t(info.categories.size());
    for (const auto& cat : info.categories) {
      feature_names.push_back(c.name + "=" + cat);
      numeric_mask.push_back(false);
    }
  } else {
    DESCENT_CHECK(info.categories.size() <= (size_t(1) << 24), ctx, ": column '", c.name, "' has ", info.categories.size(),
                  " categories, more than float32 holds exactly as indices");
    info.width = 1;
    feature_names.push_back(c.name);
    numeric_mask.push_back(false);
  }
  return info;
}

/// The float32 [n, width] feature matrix: numbers, one-hot blocks or category indices.
Tensor lay_out_features(const std::vector<ColumnState>& cols, const std::vector<TabularColumn>& info, int64_t n,
                        int64_t width, CategoricalEncoding encoding, const std::string& ctx) {
  DESCENT_CHECK(n <= std::numeric_limits<int64_t>::max() / std::max<int64_t>(width, 1), ctx, ": too many values");
  Tensor features = zeros({n, width}, kFloat32);
  float* x = features.data_ptr<float>();
  for (size_t k = 0; k < cols.size(); ++k) {
    const ColumnState& c = cols[k];
    for (int64_t i = 0; i < n; ++i) {
      float* r = x + i * width + info[k].first;
      if (!info[k].categorical) r[0] = float(c.numbers[size_t(i)]);
      else if (encoding == CategoricalEncoding::kOneHot) r[c.codes[size_t(i)]] = 1.0f;
      else r[0] = float(c.codes[size_t(i)]);
    }
  }
  return features;
}

/// Class labels as int64 indices into the sorted class names (classes); a missing target
/// (allow_missing_target) is not a class and becomes -1, unlabelled.
Tensor encode_classes(const std::vector<std::string>& targets, const std::set<std::string>& missing_set,
                      std::vector<std::string>& classes, const std::string& ctx) {
  std::vector<std::string> present;
  for (const auto& t : targets)
    if (!missing_set.count(t)) present.push_back(t);
  DESCENT_CHECK(!present.empty(), ctx, ": every target is missing; at least one row needs a label");
  classes = sorted_class_names(present);
  std::map<std::string, int64_t> index;
  for (size_t k = 0; k < classes.size(); ++k) index[classes[k]] = int64_t(k);
  const int64_t n = int64_t(targets.size());
  Tensor y = empty({n}, kInt64);
  int64_t* yp = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    auto it = index.find(targets[size_t(i)]);
    yp[i] = it == index.end() ? -1 : it->second;
  }
  return y;
}

}  // namespace

std::shared_ptr<TabularDataset> TabularDataset::from_csv(const std::string& path, const TabularOptions& o) {
  const std::string ctx = "TabularDataset: " + path;
  DESCENT_CHECK(o.csv_.header_, ctx, ": the CSV needs a header to find the columns by name");
  DESCENT_CHECK(!o.target_.empty(), ctx, ": no target column given");
  CsvReader csv(path, o.csv_);
  csv.column_index(o.target_);  // the target must exist before the features are planned
  const std::set<std::string> missing_set(o.missing_values_.begin(), o.missing_values_.end());
  RawTable t = read_rows(csv, plan_columns(csv, o, ctx), o, missing_set, ctx);

  auto ds = std::shared_ptr<TabularDataset>(new TabularDataset());
  ds->target_name_ = o.target_;
  ds->task_ = o.task_;
  int64_t width = 0;
  for (auto& c : t.cols) {
    ds->columns_.push_back(finish_column(c, t.n, width, o, ctx, ds->feature_names_, ds->numeric_mask_));
    width += ds->columns_.back().width;
  }
  ds->features_ = lay_out_features(t.cols, ds->columns_, t.n, width, o.encoding_, ctx);
  if (o.task_ == TabularTask::kRegression) {
    ds->targets_ = empty({t.n}, kFloat32);
    float* y = ds->targets_.data_ptr<float>();
    for (int64_t i = 0; i < t.n; ++i) y[i] = float(t.target_numbers[size_t(i)]);
  } else {
    ds->targets_ = encode_classes(t.target_strings, missing_set, ds->classes_, ctx);
  }
  return ds;
}

Example TabularDataset::get(int64_t index) const {
  check_index(index, size(), "TabularDataset");
  const int64_t d = num_features();
  Tensor x = empty({d}, kFloat32);
  std::copy_n(features_.data_ptr<float>() + index * d, d, x.data_ptr<float>());
  Tensor y;
  if (task_ == TabularTask::kRegression) {
    y = empty({}, kFloat32);
    *y.data_ptr<float>() = targets_.data_ptr<float>()[index];
  } else {
    y = empty({}, kInt64);
    *y.data_ptr<int64_t>() = targets_.data_ptr<int64_t>()[index];
  }
  return {x, y};
}

// ---- Standardizer ----

Standardizer::Standardizer(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  DESCENT_CHECK(mean_.size() == std_.size(), "Standardizer: ", mean_.size(), " means but ", std_.size(),
                " standard deviations");
  for (size_t j = 0; j < mean_.size(); ++j) {
    DESCENT_CHECK(std::isfinite(mean_[j]), "Standardizer: mean of feature ", j, " is ", mean_[j], ", not finite");
    DESCENT_CHECK(std::isfinite(std_[j]) && std_[j] > 0, "Standardizer: std of feature ", j, " is ", std_[j],
                  "; it must be finite and > 0");
  }
}

Standardizer Standardizer::fit(const Tensor& x, const std::vector<bool>& mask) {
  DESCENT_CHECK(x.defined() && x.dim() == 2 && x.is_floating_point(), "Standardizer::fit: expected a floating [N, D] ",
                "tensor, got ", x.defined() ? detail::str_cat(x.dtype(), " of shape ", x.sizes()) : std::string("none"));
  const int64_t n = x.size(0), d = x.size(1);
  DESCENT_CHECK(n >= 1, "Standardizer::fit: no rows to fit on");
  DESCENT_CHECK(mask.empty() || int64_t(mask.size()) == d, "Standardizer::fit: mask has ", mask.size(),
                " entries for ", d, " features");
  const Tensor xd = x.to(kFloat64).contiguous();
  const double* p = xd.data_ptr<double>();
  std::vector<double> mean(size_t(d), 0.0), sd(size_t(d), 1.0);
  for (int64_t j = 0; j < d; ++j) {
    if (!mask.empty() && !mask[size_t(j)]) {
      mean[size_t(j)] = 0.0;
      continue;
    }
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += p[i * d + j];
    const double m = s / double(n);
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += (p[i * d + j] - m) * (p[i * d + j] - m);
    DESCENT_CHECK(std::isfinite(m) && std::isfinite(ss), "Standardizer::fit: feature ", j,
                  " holds NaN or infinite values");
    const double v = std::sqrt(ss / double(n));
    mean[size_t(j)] = m;
    // As sklearn's _handle_zeros_in_scale: a (numerically) constant feature is only centred.
    sd[size_t(j)] = v < 10 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(m)) ? 1.0 : v;
  }
  return Standardizer(std::move(mean), std::move(sd));
}

Standardizer Standardizer::fit(const Dataset& dataset, const std::vector<bool>& mask) {
  const int64_t n = dataset.size();
  DESCENT_CHECK(n >= 1, "Standardizer::fit: the dataset is empty");
  std::vector<Tensor> rows;
  std::vector<int64_t> idx;
  rows.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    Tensor t = dataset.get(i).data;
    DESCENT_CHECK(t.defined() && t.dim() == 1 && t.is_floating_point(), "Standardizer::fit: example ", i,
                  " should hold a floating [D] vector, but holds ",
                  t.defined() ? detail::str_cat(t.dtype(), " of shape ", t.sizes()) : std::string("nothing"));
    rows.push_back(t);
    idx.push_back(i);
  }
  return fit(stack_samples(rows, idx, "Standardizer::fit"), mask);
}

Tensor Standardizer::apply_affine(const Tensor& x, bool inverse) const {
  const char* what = inverse ? "Standardizer::inverse_transform" : "Standardizer::transform";
  DESCENT_CHECK(!mean_.empty(), what, ": the standardizer is not fitted");
  DESCENT_CHECK(x.defined() && x.dim() >= 1 && x.is_floating_point(), what, ": expected a floating [..., ",
                mean_.size(), "] tensor, got ",
                x.defined() ? detail::str_cat(x.dtype(), " of shape ", x.sizes()) : std::string("none"));
  const int64_t d = num_features();
  DESCENT_CHECK(x.size(-1) == d, what, ": the last dimension of shape ", x.sizes(), " should be ", d, " (features)");
  // Plain loops rather than tensor ops, so DataLoader workers can call this (no thread pool).
  Tensor out = x.contiguous().clone();
  const int64_t rows = out.numel() / std::max<int64_t>(d, 1);
  auto run = [&](auto* p) {
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < d; ++j) {
        auto& v = p[i * d + j];
        v = inverse ? decltype(+v)(v * std_[size_t(j)] + mean_[size_t(j)])
                    : decltype(+v)((v - mean_[size_t(j)]) / std_[size_t(j)]);
      }
  };
  if (out.dtype() == kFloat32) run(out.data_ptr<float>());
  else run(out.data_ptr<double>());
  return out;
}

Tensor Standardizer::transform(const Tensor& x) const { return apply_affine(x, false); }
Tensor Standardizer::inverse_transform(const Tensor& x) const { return apply_affine(x, true); }

DatasetPtr Standardizer::apply(DatasetPtr base) const {
  DESCENT_CHECK(!mean_.empty(), "Standardizer::apply: the standardizer is not fitted");
  Standardizer self = *this;
  return std::make_shared<MapDataset>(std::move(base),
                                      [self](const Tensor& t, SampleRng&) { return self.transform(t); });
}

std::string Standardizer::to_json() const {
  json j = {{"format", "descent.standardizer"}, {"version", 1}, {"mean", mean_}, {"std", std_}};
  return j.dump();
}

Standardizer Standardizer::from_json(const std::string& text, const std::string& source) {
  std::vector<double> mean, sd;
  try {
    const json j = json::parse(text);
    DESCENT_CHECK(j.is_object() && j.value("format", "") == "descent.standardizer", source,
                  ": not a descent standardizer (expected \"format\": \"descent.standardizer\")");
    DESCENT_CHECK(io::detail::json_version(j) == 1, source, ": unsupported standardizer version ", j.value("version", json()).dump());
    mean = j.at("mean").get<std::vector<double>>();
    sd = j.at("std").get<std::vector<double>>();
  } catch (const json::exception& e) {
    DESCENT_FAIL(source, ": bad standardizer JSON: ", e.what());
  }
  DESCENT_CHECK(!mean.empty(), source, ": the standardizer has no features");
  try {
    return Standardizer(std::move(mean), std::move(sd));
  } catch (const Error& e) {
    DESCENT_FAIL(source, ": ", e.message());
  }
}

void Standardizer::save(const std::string& path) const { io::atomic_write(path, to_json()); }

Standardizer Standardizer::load(const std::string& path) { return from_json(read_text_file(path), path); }

}  // namespace descent::data
