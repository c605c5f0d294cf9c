// Tabular data from CSV files: numeric and categorical (one-hot) features and a target chosen by
// name, missing values imputed, a 70/20/10 split, a Standardizer fitted on the training split only
// (saved and reloaded as JSON, as it would be with a model), and DataLoaders of float32 batches.
// Then a linear regression (price) and a logistic regression (yes/no) train for a few epochs.
//
//   data_tabular_csv [regression.csv target [classification.csv target]] [--quiet]
//
// Without files it writes the synthetic CSVs of tools/make_sample_data_text into a temp folder and
// exits non-zero unless both models clearly beat their baselines (ctest runs it so).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "descent/data/data.h"
#include "descent/data/synthetic.h"
#include "descent/data/tabular.h"
#include "descent/descent.h"
#include "example_util.h"

using namespace descent;
using namespace descent::data;

namespace {

using example::describe;

const char* kSplitNames[] = {"train", "val", "test"};

// Prints the shapes of the first batch of each split's loader.
void show_loaders(const DatasetPtr& ds, const std::vector<std::vector<int64_t>>& parts) {
  for (size_t k = 0; k < 3; ++k) {
    auto split = std::make_shared<Subset>(ds, parts[k]);
    DataLoader loader(split, DataLoaderOptions().batch_size(64).shuffle(k == 0).seed(0).num_workers(k == 0 ? 2 : 0));
    for (auto& batch : loader) {
      std::printf("  %-5s %3lld rows, %lld batches; first: data %s, target %s\n", kSplitNames[k],
                  static_cast<long long>(split->size()), static_cast<long long>(loader.size()),
                  describe(batch.data).c_str(), describe(batch.target).c_str());
      break;
    }
  }
}

// Linear regression on the standardized features, the target standardized too (its own
// Standardizer, also fitted on the training rows). Returns {validation RMSE, RMSE of always
// predicting the training mean}.
std::pair<double, double> regression(const std::string& path, const std::string& target,
                                     const std::filesystem::path& dir, bool quiet) {
  auto ds = TabularDataset::from_csv(path, TabularOptions(target).imputation(Imputation::kMedian));
  std::printf("%s: %lld rows, %lld features:", path.c_str(), static_cast<long long>(ds->size()),
              static_cast<long long>(ds->num_features()));
  for (const auto& n : ds->feature_names()) std::printf(" %s", n.c_str());
  std::printf("\n");
  for (const auto& c : ds->columns())
    if (c.missing) std::printf("  column '%s': %lld missing, filled with %s\n", c.name.c_str(),
                               static_cast<long long>(c.missing), c.filled_with.c_str());
  const auto parts = random_split_indices(ds->size(), {0.7, 0.2, 0.1}, /*seed=*/0);
  const Tensor train_rows = from_vector(parts[0]);
  // Fitted on the training rows only; the one-hot columns are left as they are.
  const Standardizer x_scaler = Standardizer::fit(ds->features().index_select(0, train_rows), ds->numeric_mask());
  const Standardizer y_scaler = Standardizer::fit(ds->targets().index_select(0, train_rows).unsqueeze(1));
  // Saved with the model and loaded back, as a prediction program would.
  x_scaler.save((dir / "scaler.json").string());
  const Standardizer loaded = Standardizer::load((dir / "scaler.json").string());
  std::printf("  standardizer saved to scaler.json and reloaded: %lld features, mean[0] %.3f, std[0] %.3f\n",
              static_cast<long long>(loaded.num_features()), loaded.mean()[0], loaded.std()[0]);
  const DatasetPtr scaled = loaded.apply(ds);
  show_loaders(scaled, parts);

  nn::Linear model(ds->num_features(), 1);
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.05));
  nn::MSELoss mse;
  DataLoader train(std::make_shared<Subset>(scaled, parts[0]), DataLoaderOptions().batch_size(32).shuffle(true).seed(1));
  for (int epoch = 1; epoch <= 30; ++epoch) {
    double total = 0;
    for (auto& batch : train) {
      adam.zero_grad();
      Tensor loss = mse(model(batch.data), y_scaler.transform(batch.target.unsqueeze(1)));
      loss.backward();
      adam.step();
      total += loss.item<double>() * double(batch.size());
    }
    if (!quiet && epoch % 10 == 0)
      std::printf("  epoch %2d: train loss (standardized) %.4f\n", epoch, total / double(parts[0].size()));
  }
  NoGradGuard no_grad;
  DataLoader val(std::make_shared<Subset>(scaled, parts[1]), DataLoaderOptions().batch_size(64));
  double se = 0, se_mean = 0;
  for (auto& batch : val) {
    const Tensor pred = y_scaler.inverse_transform(model(batch.data)).squeeze(1);
    se += (pred - batch.target).pow(2).sum().item<double>();
    se_mean += (batch.target - y_scaler.mean()[0]).pow(2).sum().item<double>();
  }
  const double n = double(parts[1].size());
  return {std::sqrt(se / n), std::sqrt(se_mean / n)};
}

// Logistic regression on yes/no labels; returns {validation accuracy, majority-class accuracy}.
std::pair<double, double> classification(const std::string& path, const std::string& target, bool quiet) {
  auto ds = TabularDataset::from_csv(path, TabularOptions(target).task(TabularTask::kClassification));
  std::printf("%s: %lld rows, %lld features, classes:", path.c_str(), static_cast<long long>(ds->size()),
              static_cast<long long>(ds->num_features()));
  for (const auto& c : ds->classes()) std::printf(" %s", c.c_str());
  std::printf("\n");
  const std::vector<int64_t> labels = ds->targets().to_vector<int64_t>();
  const auto parts = stratified_split_indices(labels, {0.7, 0.2, 0.1}, /*seed=*/0);
  const Standardizer scaler =
      Standardizer::fit(ds->features().index_select(0, from_vector(parts[0])), ds->numeric_mask());
  const DatasetPtr scaled = scaler.apply(ds);
  show_loaders(scaled, parts);
  const int64_t k = int64_t(ds->classes().size());
  nn::Linear model(ds->num_features(), k);
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.05));
  nn::CrossEntropyLoss criterion;
  DataLoader train(std::make_shared<Subset>(scaled, parts[0]), DataLoaderOptions().batch_size(32).shuffle(true).seed(1));
  for (int epoch = 1; epoch <= 20; ++epoch) {
    double total = 0;
    for (auto& batch : train) {
      adam.zero_grad();
      Tensor loss = criterion(model(batch.data), batch.target);
      loss.backward();
      adam.step();
      total += loss.item<double>() * double(batch.size());
    }
    if (!quiet && epoch % 10 == 0) std::printf("  epoch %2d: train loss %.4f\n", epoch, total / double(parts[0].size()));
  }
  NoGradGuard no_grad;
  DataLoader val(std::make_shared<Subset>(scaled, parts[1]), DataLoaderOptions().batch_size(64));
  int64_t right = 0;
  std::vector<int64_t> count(size_t(k), 0);
  for (auto& batch : val) {
    right += model(batch.data).argmax(1).eq(batch.target).sum().item<int64_t>();
    for (int64_t y : batch.target.to_vector<int64_t>()) ++count[size_t(y)];
  }
  const double n = double(parts[1].size());
  return {double(right) / n, double(*std::max_element(count.begin(), count.end())) / n};
}

}  // namespace

int main(int argc, char** argv) {
  const example::Args a = example::parse_args(argc, argv);
  const bool quiet = a.quiet;
  const std::vector<std::string>& args = a.positional;
  namespace fs = std::filesystem;
  const bool generated = args.empty();
  const fs::path tmp = fs::temp_directory_path() / ("descent_example_tabular_" + std::to_string(::getpid()));
  int status = 0;
  try {
    fs::create_directories(tmp);
    std::string reg_path = (tmp / "regression.csv").string(), reg_target = "price";
    std::string cls_path = (tmp / "classification.csv").string(), cls_target = "label";
    if (generated) {
      synthetic::write_regression_csv(reg_path, 500, 0);
      synthetic::write_classification_csv(cls_path, 400, 0);
    } else {
      if (args.size() < 2) throw Error("usage: data_tabular_csv [regression.csv target [classification.csv target]]",
                                       __FILE__, __LINE__);
      reg_path = args[0];
      reg_target = args[1];
    }
    manual_seed(0);
    const auto [rmse, rmse_mean] = regression(reg_path, reg_target, tmp, quiet);
    std::printf("linear regression: val RMSE %.2f (predicting the training mean: %.2f)\n", rmse, rmse_mean);
    if (generated && rmse > 0.5 * rmse_mean) {
      std::printf("FAILED: expected the RMSE below half the baseline's\n");
      status = 1;
    }
    if (generated || args.size() >= 4) {
      if (!generated) {
        cls_path = args[2];
        cls_target = args[3];
      }
      const auto [acc, majority] = classification(cls_path, cls_target, quiet);
      std::printf("logistic regression: val accuracy %.3f (majority class: %.3f)\n", acc, majority);
      if (generated && acc < majority + 0.1) {
        std::printf("FAILED: expected an accuracy clearly above the majority class's\n");
        status = 1;
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "data_tabular_csv: %s\n", e.message().c_str());
    status = 1;
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return status;
}
