// The catalogs of src/cli/catalog.h and model_setup.h: one table per kind drives validation,
// construction, `descent list` and the docs, so every entry must build, be listed and be documented.
// Also the data splits the config chooses (data.split_mode).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "catalog.h"
#include "cli_test_util.h"
#include "data_setup.h"
#include "model_setup.h"

namespace descent::cli {
namespace {

using cli_test::kRepo;
using cli_test::slurp;

/// docs/cli.md names `name` in backquotes.
void expect_documented(const std::string& kind, const std::vector<std::string>& names) {
  const std::string doc = slurp(kRepo / "docs" / "cli.md");
  for (const auto& n : names) EXPECT_NE(doc.find("`" + n + "`"), std::string::npos) << kind << " '" << n << "' is not in docs/cli.md";
}

TEST(Catalog, EveryNameIsDocumented) {
  expect_documented("optimizer", optimizers().names());
  expect_documented("scheduler", schedulers().names());
  expect_documented("loss", losses().names());
  expect_documented("layer", layer_types().names());
  expect_documented("builtin", builtin_models().names());
}

TEST(Catalog, EveryOptimizerSchedulerAndLossBuildsFromItsDefaults) {
  Tensor w = randn({3, 2}).requires_grad_(true);
  const Settings st;
  for (const auto& e : optimizers().entries()) {
    OptimizerSettings o;
    o.name = e.name;
    toml::table t;
    Section s(t, "optimizer");
    e.read(s, o);
    s.finish();
    auto opt = e.make({w}, o, 0.0);
    ASSERT_NE(opt, nullptr) << e.name;
    EXPECT_NEAR(opt->param_groups()[0].options().get_lr(), t["lr"].value_or(-1.0), 1e-15) << e.name;
    for (const auto& se : schedulers().entries()) {
      SchedulerSettings c;
      toml::table ct;
      Section cs(ct, "scheduler");
      se.read(cs, c, st);
      cs.finish();
      auto cb = se.make(c, *opt, st.epochs, 4);
      EXPECT_EQ(cb == nullptr, se.name == "none") << se.name;
    }
  }
  for (const auto& e : losses().entries()) {
    ASSERT_FALSE(e.tasks.empty()) << e.name;
    LossSettings l;
    toml::table t;
    Section s(t, "loss");
    e.read(s, l);
    s.finish();
    EXPECT_TRUE(static_cast<bool>(e.make(l))) << e.name;
  }
}

TEST(Catalog, EachTaskHasADefaultLoss) {
  for (TaskKind t : {TaskKind::Classification, TaskKind::Binary, TaskKind::Regression, TaskKind::SemiSupervised})
    EXPECT_FALSE(loss_names(t).empty()) << to_string(t);
  EXPECT_EQ(loss_names(TaskKind::Classification).front(), "cross_entropy");
  EXPECT_EQ(loss_names(TaskKind::Regression).front(), "mse");
}

TEST(Catalog, UnknownNamesListTheTable) {
  try {
    optimizers().at("adamm", "optimizer.name");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.message(), "optimizer.name: unknown 'adamm'; one of sgd, adam, adamw, rmsprop, adagrad");
  }
  EXPECT_THROW(schedulers().at("linear", "scheduler.name"), ConfigError);
  EXPECT_THROW(layer_types().at("conv3d", "model.layers[0].type"), ConfigError);
  EXPECT_THROW(builtin_models().at("conv_autoencoder", "model.builtin"), ConfigError);
}

TEST(Catalog, ActivationLayersComeFromNnsTable) {
  for (const auto& a : nn::activation_names()) EXPECT_NE(layer_types().find(a), nullptr) << a;
}

class ListCommand : public ::testing::Test {
 protected:
  std::filesystem::path scratch_ = std::filesystem::temp_directory_path() / "descent_list_command";
  void SetUp() override { std::filesystem::create_directories(scratch_); }
  void TearDown() override { std::filesystem::remove_all(scratch_); }
};

TEST_F(ListCommand, PrintsEveryNameWithItsKeys) {
  auto r = cli_test::run_tool("list", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  auto listed = [&](const std::string& n) { return std::regex_search(r.out, std::regex("\n  " + n + " ")); };
  for (const auto& n : optimizers().names()) EXPECT_TRUE(listed(n)) << n;
  for (const auto& n : schedulers().names()) EXPECT_TRUE(listed(n)) << n;
  for (const auto& n : losses().names()) EXPECT_TRUE(listed(n)) << n;
  for (const auto& n : layer_types().names()) EXPECT_TRUE(listed(n)) << n;
  for (const auto& n : builtin_models().names()) EXPECT_TRUE(listed(n)) << n;
  EXPECT_NE(r.out.find("lr = 0.01, momentum = 0.0, nesterov = false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("factor = 0.1"), std::string::npos);

  auto one = cli_test::run_tool("list losses", scratch_);
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_NE(one.out.find("huber"), std::string::npos);
  EXPECT_EQ(one.out.find("adamw"), std::string::npos);
  EXPECT_EQ(cli_test::run_tool("list metrics", scratch_).code, 2);
}

}  // namespace
}  // namespace descent::cli

namespace descent::cli {
namespace {

// data.split_mode = "ordered": the last rows of a time-ordered table are the test split, the ones
// before them validation, and none of them is trained on.
TEST(DataSplits, OrderedModeKeepsTheFutureOut) {
  const auto dir = std::filesystem::temp_directory_path() / ("descent_ordered_split_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "series.csv");
    f << "t,y\n";
    for (int t = 0; t < 100; ++t) f << t << "," << 0.5 * t << "\n";
  }
  auto build = [&](const std::string& mode) {
    toml::table cfg = toml::parse("name = \"s\"\ntask = \"regression\"\n[data]\nkind = \"tabular_csv\"\npath = \"" +
                                  (dir / "series.csv").string() + "\"\ntarget = \"y\"\nsplit = [0.7, 0.2, 0.1]\nsplit_mode = \"" +
                                  mode + "\"\nstandardize = false\n[model]\nbuiltin = \"mlp\"\n");
    Settings st = read_settings(cfg, "series.toml");
    return build_data(st);
  };
  auto t_values = [](const data::DatasetPtr& ds) {
    std::vector<double> t;
    for (int64_t i = 0; i < ds->size(); ++i) t.push_back(ds->get(i).data.reshape({-1}).to(kFloat64).item<double>());
    std::sort(t.begin(), t.end());
    return t;
  };
  DataBundle b = build("ordered");
  const auto train = t_values(b.train), val = t_values(b.val), test = t_values(b.test);
  ASSERT_EQ(train.size(), 70u);
  ASSERT_EQ(val.size(), 20u);
  ASSERT_EQ(test.size(), 10u);
  EXPECT_EQ(train.back(), 69);
  EXPECT_EQ(val.front(), 70);
  EXPECT_EQ(val.back(), 89);
  EXPECT_EQ(test.front(), 90);
  // The default random split mixes the times.
  DataBundle r = build("random");
  EXPECT_LT(t_values(r.test).front(), 90);
  EXPECT_THROW(build("shuffled"), ConfigError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace descent::cli
