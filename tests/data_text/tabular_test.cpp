// TabularDataset (column kinds, encodings, targets, missing values) and the Standardizer.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/synthetic.h"
#include "descent/data/tabular.h"
#include "descent/io/safetensors.h"
#include "test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::TempDir;
using data_test::write_bytes;
using test_util::expect_values;
using Strings = std::vector<std::string>;

namespace {

std::shared_ptr<TabularDataset> load(const std::string& csv, const TabularOptions& o) {
  TempDir dir;
  write_bytes(dir.file("t.csv"), csv);
  return TabularDataset::from_csv(dir.file("t.csv"), o);
}

std::string load_error(const std::string& csv, const TabularOptions& o) {
  return error_of([&] { load(csv, o); });
}

const char* kHouses =
    "size,city,rooms,price\n"
    "50.5,Rome,2,100\n"
    "80,Oslo,3,150.5\n"
    " 120 ,Rome,4,+210\n"
    "1e2,Berlin,3,190\n";

}  // namespace

TEST(Tabular, NumericAndOneHotFeaturesWithRegressionTarget) {
  auto ds = load(kHouses, TabularOptions("price"));
  ASSERT_EQ(ds->size(), 4);
  EXPECT_EQ(ds->feature_names(), (Strings{"size", "city=Berlin", "city=Oslo", "city=Rome", "rooms"}));
  EXPECT_EQ(ds->numeric_mask(), (std::vector<bool>{true, false, false, false, true}));
  EXPECT_EQ(ds->features().sizes(), (Shape{4, 5}));
  expect_values(ds->features(), {50.5, 0, 0, 1, 2,  //
                                 80, 0, 1, 0, 3,    //
                                 120, 0, 0, 1, 4,   //
                                 100, 1, 0, 0, 3});
  EXPECT_EQ(ds->targets().dtype(), kFloat32);
  expect_values(ds->targets(), {100, 150.5, 210, 190});
  const Example ex = ds->get(1);
  EXPECT_EQ(ex.data.sizes(), (Shape{5}));
  EXPECT_EQ(ex.target.dim(), 0);
  EXPECT_EQ(ex.target.item<float>(), 150.5f);
  ASSERT_EQ(ds->columns().size(), 3u);
  EXPECT_TRUE(ds->columns()[1].categorical);
  EXPECT_EQ(ds->columns()[1].categories, (Strings{"Berlin", "Oslo", "Rome"}));
  EXPECT_EQ(ds->columns()[1].first, 1);
  EXPECT_EQ(ds->columns()[1].width, 3);
}

TEST(Tabular, IndexEncodingChosenFeaturesAndForcedCategories) {
  auto ds = load(kHouses, TabularOptions("price")
                              .features({"city", "rooms"})
                              .categorical({"rooms"})
                              .encoding(CategoricalEncoding::kIndex));
  EXPECT_EQ(ds->feature_names(), (Strings{"city", "rooms"}));
  EXPECT_EQ(ds->numeric_mask(), (std::vector<bool>{false, false}));
  // city: Berlin 0, Oslo 1, Rome 2; rooms as categories "2" < "3" < "4".
  expect_values(ds->features(), {2, 0, 1, 1, 2, 2, 0, 1});
}

TEST(Tabular, ClassificationTargetsStringsAndIntegers) {
  auto ds = load("x,label\n1,yes\n2,no\n3,yes\n", TabularOptions("label").task(TabularTask::kClassification));
  EXPECT_EQ(ds->classes(), (Strings{"no", "yes"}));
  EXPECT_EQ(ds->targets().dtype(), kInt64);
  expect_values(ds->targets(), {1, 0, 1});
  EXPECT_EQ(ds->get(2).target.item<int64_t>(), 1);
  ds = load("x,digit\n1,10\n2,9\n3,10\n4,0\n", TabularOptions("digit").task(TabularTask::kClassification));
  EXPECT_EQ(ds->classes(), (Strings{"0", "9", "10"}));
  expect_values(ds->targets(), {2, 1, 2, 0});
}

TEST(Tabular, ImputationFillsMissingValues) {
  const std::string csv =
      "a,c,y\n"
      "1,red,0\n"
      "NA,blue,0\n"
      "3,,0\n"
      "3,red,0\n"
      "NaN,NA,0\n"
      "10,blue,0\n";
  // present a: 1 3 3 10 -> mean 4.25, median 3, most frequent 3; c: red 2, blue 2 -> "blue" (first in order).
  auto mean = load(csv, TabularOptions("y").imputation(Imputation::kMean).encoding(CategoricalEncoding::kIndex));
  expect_values(mean->features(), {1, 1, 4.25, 0, 3, 0, 3, 1, 4.25, 0, 10, 0});
  EXPECT_EQ(mean->columns()[0].missing, 2);
  EXPECT_EQ(mean->columns()[0].filled_with, "4.25");
  EXPECT_EQ(mean->columns()[1].filled_with, "blue");
  auto median = load(csv, TabularOptions("y").imputation(Imputation::kMedian).encoding(CategoricalEncoding::kIndex));
  expect_values(median->features().select(1, 0), {1, 3, 3, 3, 3, 10});
  auto frequent =
      load(csv, TabularOptions("y").imputation(Imputation::kMostFrequent).encoding(CategoricalEncoding::kIndex));
  expect_values(frequent->features().select(1, 0), {1, 3, 3, 3, 3, 10});
  auto constant = load(csv, TabularOptions("y").imputation(Imputation::kConstant).fill_value(-1).fill_category("?"));
  EXPECT_EQ(constant->feature_names(), (Strings{"a", "c=?", "c=blue", "c=red"}));
  expect_values(constant->features().select(1, 0), {1, -1, 3, 3, -1, 10});
  expect_values(constant->features().select(0, 2), {3, 1, 0, 0});
  // An even count of values: the median is the mean of the middle two.
  auto even = load("a,y\n1,0\n2,0\nNA,0\n4,0\n10,0\n", TabularOptions("y").imputation(Imputation::kMedian));
  EXPECT_EQ(even->features()[2][0].item<float>(), 3.0f);
}

TEST(Tabular, CustomMissingMarkers) {
  auto ds = load("a,y\n?,1\n2,1\n", TabularOptions("y").missing_values({"?"}).imputation(Imputation::kMean));
  expect_values(ds->features(), {2, 2});
  // "NA" is then an ordinary value: a string in a numeric column.
  EXPECT_NE(load_error("a,y\n1,1\nNA,1\n", TabularOptions("y").missing_values({"?"})).find("'NA' is not a finite number"),
            std::string::npos);
}

TEST(Tabular, SyntheticFiles) {
  TempDir dir;
  synthetic::write_regression_csv(dir.file("reg.csv"), 200, 1);
  auto reg = TabularDataset::from_csv(dir.file("reg.csv"), TabularOptions("price").imputation(Imputation::kMedian));
  EXPECT_EQ(reg->size(), 200);
  EXPECT_EQ(reg->feature_names(),
            (Strings{"sqft", "rooms", "city=Berlin", "city=Oslo", "city=Paris", "city=Rome", "age", "garden=no",
                     "garden=yes"}));
  EXPECT_GT(reg->columns()[3].missing, 0);  // some NA ages
  synthetic::write_classification_csv(dir.file("cls.csv"), 100, 1);
  auto cls = TabularDataset::from_csv(dir.file("cls.csv"), TabularOptions("label").task(TabularTask::kClassification));
  EXPECT_EQ(cls->classes(), (Strings{"no", "yes"}));
  EXPECT_EQ(cls->num_features(), 6);
}

// ---- bad input ----

TEST(TabularErrors, MissingValuesNameRowAndColumn) {
  std::string e = load_error("a,b,y\n1,2,3\n4,NA,5\n", TabularOptions("y"));
  EXPECT_NE(e.find("row 3 (line 3), column 'b': missing value ('NA'); ask for an imputation"), std::string::npos) << e;
  e = load_error("a,y\n1,2\n,3\n", TabularOptions("y"));
  EXPECT_NE(e.find("row 3 (line 3), column 'a': missing value ('')"), std::string::npos) << e;
  e = load_error("a,y\n1,2\n2,NaN\n", TabularOptions("y").imputation(Imputation::kMean));
  EXPECT_NE(e.find("row 3 (line 3), column 'y': the target is missing"), std::string::npos) << e;
  e = load_error("a,y\nNA,1\nNA,2\n", TabularOptions("y").imputation(Imputation::kMean));
  EXPECT_NE(e.find("column 'a' has no values at all"), std::string::npos) << e;
  auto ok = load("a,y\nNA,1\nNA,2\n", TabularOptions("y").imputation(Imputation::kConstant).fill_value(7));
  expect_values(ok->features(), {7, 7});
}

TEST(TabularErrors, NumbersAndTargets) {
  std::string e = load_error("a,y\n1.5,1\n12..5,2\n", TabularOptions("y"));
  EXPECT_NE(e.find("row 3 (line 3), column 'a': '12..5' is not a finite number, but the column is numeric (row 2 "
                   "holds '1.5')"),
            std::string::npos)
      << e;
  e = load_error("a,y\n1,1\n1e999,2\n", TabularOptions("y"));
  EXPECT_NE(e.find("'1e999' is not a finite number"), std::string::npos) << e;
  e = load_error("a,y\n1,1\ninf,2\n", TabularOptions("y"));
  EXPECT_NE(e.find("'inf' is not a finite number"), std::string::npos) << e;
  e = load_error("a,y\n1,cat\n", TabularOptions("y"));
  EXPECT_NE(e.find("column 'y': target 'cat' is not a finite number (use TabularTask::kClassification"),
            std::string::npos)
      << e;
}

TEST(TabularErrors, ColumnsAndFiles) {
  std::string e = load_error(kHouses, TabularOptions("cost"));
  EXPECT_NE(e.find("no column named 'cost'; the header has 'size', 'city', 'rooms', 'price'"), std::string::npos) << e;
  e = load_error(kHouses, TabularOptions("price").features({"size", "nope"}));
  EXPECT_NE(e.find("no column named 'nope'"), std::string::npos) << e;
  e = load_error(kHouses, TabularOptions("price").features({"size", "price"}));
  EXPECT_NE(e.find("'price' is both a feature and the target"), std::string::npos) << e;
  e = load_error(kHouses, TabularOptions("price").features({"size", "size"}));
  EXPECT_NE(e.find("'size' is listed twice"), std::string::npos) << e;
  e = load_error(kHouses, TabularOptions("price").categorical({"zip"}));
  EXPECT_NE(e.find("categorical column 'zip' is not among the feature columns"), std::string::npos) << e;
  e = load_error("price\n1\n", TabularOptions("price"));
  EXPECT_NE(e.find("no feature columns"), std::string::npos) << e;
  e = load_error("a,y\n", TabularOptions("y"));
  EXPECT_NE(e.find("has a header but no rows"), std::string::npos) << e;
  e = load_error("", TabularOptions("y"));
  EXPECT_NE(e.find("the file is empty"), std::string::npos) << e;
  e = load_error("a,y\n1,2\n3\n", TabularOptions("y"));
  EXPECT_NE(e.find("row 3 (line 3): has 1 field but the header has 2"), std::string::npos) << e;
  e = load_error("a,y\n1,2\n\"3,4\n", TabularOptions("y"));
  EXPECT_NE(e.find("never closed"), std::string::npos) << e;
  e = load_error("a,y\n\xfe,2\n", TabularOptions("y"));
  EXPECT_NE(e.find("row 2 (line 2): column 1 ('a') (line 2): invalid UTF-8"), std::string::npos) << e;
}

// ---- Standardizer ----

TEST(Standardizer, PopulationStatisticsAsScikitLearn) {
  const Tensor x = tensor({{1.0, 10.0, 5.0}, {2.0, 10.0, 6.0}, {3.0, 10.0, 7.0}, {6.0, 10.0, 8.0}});
  const Standardizer s = Standardizer::fit(x);
  // Column 0: mean 3, var (4 + 1 + 0 + 9) / 4 = 3.5; column 1 constant -> std 1; column 2: mean 6.5, var 1.25.
  EXPECT_DOUBLE_EQ(s.mean()[0], 3.0);
  EXPECT_DOUBLE_EQ(s.std()[0], std::sqrt(3.5));
  EXPECT_DOUBLE_EQ(s.mean()[1], 10.0);
  EXPECT_DOUBLE_EQ(s.std()[1], 1.0);
  EXPECT_DOUBLE_EQ(s.std()[2], std::sqrt(1.25));
  const Tensor z = s.transform(x);
  EXPECT_EQ(z.dtype(), kFloat32);
  expect_values(z.select(1, 0), {-2 / std::sqrt(3.5), -1 / std::sqrt(3.5), 0, 3 / std::sqrt(3.5)}, 1e-6);
  expect_values(z.select(1, 1), {0, 0, 0, 0});
  expect_values(s.inverse_transform(z), test_util::vec(x), 1e-5);
  // One row, any leading shape, float64 kept.
  const Tensor row = s.transform(tensor({3.0, 10.0, 6.5}, kFloat64));
  EXPECT_EQ(row.dtype(), kFloat64);
  expect_values(row, {0, 0, 0}, 1e-12);
}

TEST(Standardizer, MaskFitsOnTrainingRowsOnlyAndApplies) {
  auto ds = load(kHouses, TabularOptions("price"));
  const std::vector<int64_t> train = {0, 1, 2};
  const Standardizer s = Standardizer::fit(*std::make_shared<Subset>(ds, train), ds->numeric_mask());
  // size over the training rows 50.5, 80, 120 only; one-hot columns untouched.
  EXPECT_NEAR(s.mean()[0], (50.5 + 80 + 120) / 3, 1e-9);
  EXPECT_EQ(s.mean()[1], 0.0);
  EXPECT_EQ(s.std()[1], 1.0);
  EXPECT_NEAR(s.mean()[4], 3.0, 1e-9);
  const DatasetPtr scaled = s.apply(ds);
  const Example ex = scaled->get(3);  // a test row, scaled with the training statistics
  EXPECT_NEAR(ex.data[0].item<float>(), (100 - s.mean()[0]) / s.std()[0], 1e-5);
  EXPECT_EQ(ex.data[1].item<float>(), 1.0f);
  EXPECT_EQ(ex.target.item<float>(), 190.0f);
}

TEST(Standardizer, JsonRoundTripIsExact) {
  const Standardizer s({0.1, -3.0 / 7.0}, {1.0 / 3.0, 2e-300});
  const Standardizer t = Standardizer::from_json(s.to_json());
  EXPECT_EQ(t.mean(), s.mean());
  EXPECT_EQ(t.std(), s.std());
  TempDir dir;
  s.save(dir.file("scaler.json"));
  EXPECT_EQ(Standardizer::load(dir.file("scaler.json")).std(), s.std());
  nn::OrderedDict<Tensor> tensors;
  tensors.insert("w", ones({1}));
  io::save_safetensors(dir.file("m.safetensors"), tensors, {{"descent.standardizer", s.to_json()}});
  EXPECT_EQ(Standardizer::from_json(io::load_safetensors(dir.file("m.safetensors")).metadata.at("descent.standardizer"))
                .mean(),
            s.mean());
}

TEST(Standardizer, Errors) {
  EXPECT_NE(error_of([] { Standardizer::fit(zeros({0, 2})); }).find("no rows"), std::string::npos);
  EXPECT_NE(error_of([] { Standardizer::fit(zeros({3})); }).find("[N, D]"), std::string::npos);
  EXPECT_NE(error_of([] { Standardizer::fit(zeros({3, 2}, kInt64)); }).find("floating"), std::string::npos);
  EXPECT_NE(error_of([] { Standardizer::fit(zeros({3, 2}), {true}); }).find("mask has 1 entries for 2"),
            std::string::npos);
  EXPECT_NE(error_of([] { Standardizer::fit(tensor({{1.0}, {test_util::kNaN}})); }).find("feature 0 holds NaN"),
            std::string::npos);
  const Standardizer s({0.0, 0.0}, {1.0, 1.0});
  EXPECT_NE(error_of([&] { s.transform(zeros({4, 3})); }).find("should be 2"), std::string::npos);
  EXPECT_NE(error_of([] { Standardizer().transform(zeros({4, 3})); }).find("not fitted"), std::string::npos);
  EXPECT_NE(error_of([] { Standardizer({0.0}, {0.0}); }).find("std of feature 0 is 0"), std::string::npos);
  EXPECT_NE(error_of([] { Standardizer::from_json("{\"format\":\"descent.standardizer\",\"version\":1,\"mean\":[1],"
                                                  "\"std\":[-1]}",
                                                  "s.json"); })
                .find("s.json: Standardizer: std of feature 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { Standardizer::from_json("nope", "s.json"); }).find("s.json: bad standardizer JSON"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Standardizer::from_json(R"({"format":"descent.standardizer","version":1,"mean":[1,2],"std":[1]})", "s.json");
            }).find("2 means but 1 standard deviations"),
            std::string::npos);
}

TEST(Tabular, MissingTargetsAsUnlabelledRows) {
  const auto cls = TabularOptions("y").task(TabularTask::kClassification).allow_missing_target(true);
  auto ds = load("a,y\n1,cat\n2,\n3,dog\n4,NA\n5,cat\n", cls);
  EXPECT_EQ(ds->classes(), (Strings{"cat", "dog"}));  // a missing label is not a class
  expect_values(ds->targets(), {0, -1, 1, -1, 0});
  EXPECT_EQ(ds->get(1).target.item<int64_t>(), -1);
  // Still an error for regression, without the option, and when no row has a label.
  std::string e = load_error("a,y\n1,2\n2,\n", TabularOptions("y").allow_missing_target(true));
  EXPECT_NE(e.find("the target is missing"), std::string::npos) << e;
  e = load_error("a,y\n1,cat\n2,\n", TabularOptions("y").task(TabularTask::kClassification));
  EXPECT_NE(e.find("unless allow_missing_target"), std::string::npos) << e;
  e = load_error("a,y\n1,\n2,NA\n", cls);
  EXPECT_NE(e.find("every target is missing"), std::string::npos) << e;
}
