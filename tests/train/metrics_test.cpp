// Metrics against hand-computed values (sklearn's definitions), fed in several batches.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.h"
#include "descent/train/metrics.h"

using namespace descent;
using namespace descent::train;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return from_vector<double>(v, s); }
Tensor i64(const std::vector<int64_t>& v) { return from_vector<int64_t>(v, {int64_t(v.size())}); }
double value(const Metric& m, const std::string& name) {
  for (auto& [k, v] : m.compute())
    if (k == name) return v;
  ADD_FAILURE() << "no " << name;
  return NAN;
}
}  // namespace

TEST(Metrics, AccuracyArgmaxStreamed) {
  Accuracy acc;
  EXPECT_TRUE(std::isnan(value(acc, "accuracy")));
  acc.update(f64({2, 1, 0, 0, 3, 1}, {2, 3}), i64({0, 1}));  // both right
  acc.update(f64({1, 0, 2, 0, 1, 0}, {2, 3}), i64({1, 2}));  // predicts 2, 1: both wrong
  EXPECT_DOUBLE_EQ(value(acc, "accuracy"), 0.5);
  acc.reset();
  acc.update(f64({2, 1, 0}, {1, 3}), i64({0}));
  EXPECT_DOUBLE_EQ(value(acc, "accuracy"), 1.0);
}

TEST(Metrics, AccuracyBinaryProbabilitiesAndMultiLabel) {
  Accuracy acc;  // threshold 0.5, inclusive
  acc.update(f64({0.2, 0.7, 0.5, 0.4}, {4, 1}), i64({0, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(value(acc, "accuracy"), 0.75);
  Accuracy ml(0.5, true);
  ml.update(f64({0.9, 0.1, 0.6, 0.4}, {2, 2}), f64({1, 0, 0, 0}, {2, 2}));
  EXPECT_DOUBLE_EQ(value(ml, "accuracy"), 0.75);
}

TEST(Metrics, TopKTiesRankLowerIndexFirst) {
  TopKAccuracy top2(2);
  top2.update(f64({0.1, 0.5, 0.4, 0.3, 0.3, 0.4}, {2, 3}), i64({2, 1}));
  top2.update(f64({0.9, 0.05, 0.05}, {1, 3}), i64({0}));
  EXPECT_DOUBLE_EQ(value(top2, "top2_accuracy"), 2.0 / 3.0);
  EXPECT_THROW(TopKAccuracy(0), Error);
}

TEST(Metrics, ConfusionMatrixAndPrecisionRecallF1) {
  // y_true 0 0 1 1 2 2 2, y_pred 0 1 1 1 0 2 1 (as one-hot scores), in two batches.
  auto onehot = [](const std::vector<int64_t>& p) {
    std::vector<double> v(p.size() * 3, 0.0);
    for (size_t i = 0; i < p.size(); ++i) v[i * 3 + size_t(p[i])] = 1;
    return f64(v, {int64_t(p.size()), 3});
  };
  PrecisionRecallF1 prf(3);
  prf.update(onehot({0, 1, 1}), i64({0, 0, 1}));
  prf.update(onehot({1, 0, 2, 1}), i64({1, 2, 2, 2}));
  const auto& cm = prf.confusion_matrix();
  const std::vector<int64_t> expect = {1, 1, 0, 0, 2, 0, 1, 1, 1};
  EXPECT_EQ(cm.counts(), expect);
  EXPECT_EQ(cm.matrix().at<int64_t>({2, 1}), 1);
  auto p = prf.precision_per_class(), r = prf.recall_per_class(), f = prf.f1_per_class();
  EXPECT_DOUBLE_EQ(p[0], 0.5);
  EXPECT_DOUBLE_EQ(p[1], 0.5);
  EXPECT_DOUBLE_EQ(p[2], 1.0);
  EXPECT_DOUBLE_EQ(r[0], 0.5);
  EXPECT_DOUBLE_EQ(r[1], 1.0);
  EXPECT_DOUBLE_EQ(r[2], 1.0 / 3);
  EXPECT_DOUBLE_EQ(f[1], 2.0 / 3);
  EXPECT_DOUBLE_EQ(f[2], 0.5);
  EXPECT_DOUBLE_EQ(value(prf, "precision"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(value(prf, "recall"), (0.5 + 1.0 + 1.0 / 3) / 3);
  EXPECT_DOUBLE_EQ(value(prf, "f1"), (0.5 + 2.0 / 3 + 0.5) / 3);
}

TEST(Metrics, ZeroDivisionCountsAsZero) {
  // Class 2 is never predicted: its precision is 0/0 -> 0 (sklearn's zero_division="warn").
  PrecisionRecallF1 prf(3);
  prf.update(f64({1, 0, 0, 0, 1, 0, 0, 1, 0}, {3, 3}), i64({0, 1, 2}));
  EXPECT_EQ(prf.precision_per_class()[2], 0.0);
  EXPECT_EQ(prf.f1_per_class()[2], 0.0);
  EXPECT_DOUBLE_EQ(value(prf, "precision"), 0.5);
  EXPECT_DOUBLE_EQ(value(prf, "recall"), 2.0 / 3);
}

TEST(Metrics, BinaryConfusionFromProbabilities) {
  ConfusionMatrix cm(2);
  cm.update(f64({0.2, 0.7, 0.5, 0.4}, {4}), i64({0, 1, 0, 1}));
  EXPECT_EQ(cm.at(0, 0), 1);
  EXPECT_EQ(cm.at(0, 1), 1);
  EXPECT_EQ(cm.at(1, 0), 1);
  EXPECT_EQ(cm.at(1, 1), 1);
}

TEST(Metrics, RocAucExactWithTies) {
  BinaryROCAUC auc;
  auc.update(f64({0.1, 0.4}, {2}), i64({0, 0}));
  EXPECT_TRUE(std::isnan(value(auc, "roc_auc")));  // one class only
  auc.update(f64({0.35, 0.8}, {2, 1}), i64({1, 1}));
  EXPECT_DOUBLE_EQ(value(auc, "roc_auc"), 0.75);  // sklearn's docstring example
  auc.reset();
  auc.update(f64({0.5, 0.5, 0.5, 0.9}, {4}), i64({0, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(value(auc, "roc_auc"), 0.75);  // a tie counts 1/2
  auc.reset();
  auc.update(f64({1, 1, 1, 1}, {4}), i64({0, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(value(auc, "roc_auc"), 0.5);
  auc.reset();
  auc.update(f64({0.2, 0.8, 0.3, 0.7}, {2, 2}), i64({0, 1}));  // [N, 2]: column 1 (0.8 is the negative)
  EXPECT_DOUBLE_EQ(value(auc, "roc_auc"), 0.0);
  EXPECT_THROW(auc.update(f64({0.5}, {1}), i64({2})), Error);
}

TEST(Metrics, Regression) {
  MAE mae;
  RMSE rmse;
  for (Metric* m : std::initializer_list<Metric*>{&mae, &rmse}) {
    m->update(f64({1, 2}, {2, 1}), f64({1, 3}, {2}));
    m->update(f64({3, 4}, {2}), f64({5, 0}, {2}));
  }
  EXPECT_DOUBLE_EQ(value(mae, "mae"), 1.75);
  EXPECT_DOUBLE_EQ(value(rmse, "rmse"), std::sqrt(5.25));
  EXPECT_THROW(mae.update(f64({1, 2}, {2}), f64({1}, {1})), Error);
}

TEST(Metrics, R2AsSklearn) {
  R2 r2;
  r2.update(f64({2.5, 0}, {2}), f64({3, -0.5}, {2}));
  r2.update(f64({2, 8}, {2}), f64({2, 7}, {2}));
  EXPECT_NEAR(value(r2, "r2"), 0.9486081370449679, 1e-12);
  R2 multi;  // uniform average over outputs
  multi.update(f64({0, 2, -1, 2}, {2, 2}), f64({0.5, 1, -1, 1}, {2, 2}));
  multi.update(f64({8, -5}, {1, 2}), f64({7, -6}, {1, 2}));
  EXPECT_NEAR(value(multi, "r2"), 0.9368005266622779, 1e-12);
  R2 constant;  // constant target: 1 if exact, else 0
  constant.update(f64({1, 1}, {2}), f64({1, 1}, {2}));
  EXPECT_EQ(value(constant, "r2"), 1.0);
  constant.update(f64({2}, {1}), f64({1}, {1}));
  EXPECT_EQ(value(constant, "r2"), 0.0);
}

TEST(Metrics, StateRoundTripContinuesExactly) {
  // Half the batches, state() into a fresh metric, the other half: same result as uninterrupted.
  auto check = [](auto make, const Tensor& o1, const Tensor& t1, const Tensor& o2, const Tensor& t2) {
    auto a = make(), b = make(), c = make();
    a.update(o1, t1);
    a.update(o2, t2);
    b.update(o1, t1);
    c.load_state(b.state());
    c.update(o2, t2);
    EXPECT_EQ(a.compute(), c.compute());
  };
  Tensor s1 = f64({0.1, 0.5, 0.4, 0.3, 0.3, 0.4}, {2, 3}), s2 = f64({0.9, 0.05, 0.05, 0.2, 0.7, 0.1}, {2, 3});
  check([] { return TopKAccuracy(2); }, s1, i64({2, 1}), s2, i64({0, 2}));
  check([] { return PrecisionRecallF1(3); }, s1, i64({2, 1}), s2, i64({0, 2}));
  check([] { return Accuracy(); }, s1, i64({2, 1}), s2, i64({0, 2}));
  check([] { return BinaryROCAUC(); }, f64({0.5, 0.2}, {2}), i64({1, 0}), f64({0.5, 0.9}, {2}), i64({0, 1}));
  check([] { return R2(); }, f64({2.5, 0}, {2}), f64({3, -0.5}, {2}), f64({2, 8}, {2}), f64({2, 7}, {2}));
  check([] { return MAE(); }, f64({2.5, 0}, {2}), f64({3, -0.5}, {2}), f64({2, 8}, {2}), f64({2, 7}, {2}));
  check([] { return RMSE(); }, f64({2.5, 0}, {2}), f64({3, -0.5}, {2}), f64({2, 8}, {2}), f64({2, 7}, {2}));
  EXPECT_THROW(ConfusionMatrix(3).load_state(ConfusionMatrix(2).state()), Error);
}
