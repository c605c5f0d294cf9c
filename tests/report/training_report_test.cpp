// report::training_report: the report a run's history and test result make, without the CLI.
#include "descent/report/training_report.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "descent/ops/ops.h"
#include "descent/train/metrics.h"

namespace descent::report {
namespace {

train::History two_epochs() {
  train::History h;
  for (int e = 1; e <= 2; ++e) {
    train::EpochLog log;
    log.epoch = e;
    log.train_loss = 1.0 / e;
    log.val_loss = 1.2 / e;
    log.lr = 0.1 / e;
    log.metrics = {{"val_accuracy", 0.5 + 0.2 * e}};
    h.epochs.push_back(log);
  }
  return h;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(TrainingReport, ClassifierGetsCurvesConfusionMatrixAndMisclassifiedImagesFirst) {
  const train::History h = two_epochs();
  auto prf = std::make_shared<train::PrecisionRecallF1>(3);
  Tensor logits = tensor({{3.0, 0.0, 0.0}, {0.0, 3.0, 0.0}, {0.0, 0.0, 3.0}, {3.0, 0.0, 0.0}});
  Tensor targets = from_vector<int64_t>({0, 1, 2, 2}, {4});
  prf->update(logits, targets);
  train::EvalResult test;
  test.loss = 0.25;
  test.metrics = {{"accuracy", 0.75}};
  test.metric_objects = {prf};

  TrainingReportInputs in;
  in.title = "demo run";
  in.summary = {{"test accuracy", "75.00%"}};
  in.task = "classification";
  in.history = &h;
  in.test = &test;
  in.class_names = {"cat", "dog", "bird"};
  in.test_outputs = logits;
  in.test_targets = targets;
  in.test_images = zeros({4, 1, 8, 8}, kUInt8);
  const std::string html = training_report(in);
  EXPECT_NE(html.find("demo run"), std::string::npos);
  EXPECT_NE(html.find("Training curves"), std::string::npos);
  EXPECT_NE(html.find("Confusion matrix (test)"), std::string::npos);
  EXPECT_NE(html.find("Precision and recall per class (test)"), std::string::npos);
  EXPECT_NE(html.find("cat (true: bird)"), std::string::npos);  // the one mistake, captioned
  EXPECT_EQ(count(html, "(true: "), 1u);
  EXPECT_NE(html.find("Test metrics"), std::string::npos);
}

TEST(TrainingReport, RegressionGetsAScatterPlotAndNoClassCharts) {
  const train::History h = two_epochs();
  train::EvalResult test;
  test.loss = 0.1;
  TrainingReportInputs in;
  in.title = "regression run";
  in.task = "regression";
  in.history = &h;
  in.test = &test;
  in.test_outputs = tensor({1.0, 2.1, 2.9});
  in.test_targets = tensor({1.0, 2.0, 3.0});
  const std::string html = training_report(in);
  EXPECT_NE(html.find("Predicted vs true (test)"), std::string::npos);
  EXPECT_EQ(html.find("Confusion matrix"), std::string::npos);
  EXPECT_EQ(html.find("log scale: it spans"), std::string::npos);  // 1.2 to 0.5: linear
}

TEST(TrainingReport, ALossSpanningOrdersOfMagnitudeIsPlottedOnALogScale) {
  train::History h = two_epochs();
  h.epochs[0].train_loss = 5000;
  train::EvalResult test;
  TrainingReportInputs in;
  in.title = "run";
  in.task = "regression";
  in.history = &h;
  in.test = &test;
  EXPECT_NE(training_report(in).find("log scale: it spans orders of magnitude"), std::string::npos);
}

}  // namespace
}  // namespace descent::report
