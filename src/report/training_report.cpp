// The training report; see include/descent/report/training_report.h.
#include "descent/report/training_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "descent/core/format.h"
#include "descent/io/file.h"
#include "descent/ops/ops.h"
#include "descent/report/html.h"
#include "descent/report/svg.h"
#include "descent/train/metrics.h"

namespace descent::report {

namespace {

std::vector<double> to_doubles(const Tensor& t) {
  Tensor c = t.to(kFloat64).contiguous().reshape({-1});
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

/// Predicted class per example from metric-view outputs.
std::vector<int64_t> predicted_classes(const Tensor& out) {
  std::vector<int64_t> pred;
  if (out.dim() == 2 && out.size(1) > 1) {
    Tensor a = out.argmax(1).contiguous();
    const int64_t* p = a.data_ptr<int64_t>();
    pred.assign(p, p + a.numel());
  } else {
    for (double v : to_doubles(out)) pred.push_back(v >= 0.5 ? 1 : 0);
  }
  return pred;
}

void curves(HtmlReport& r, const train::History& h) {
  std::vector<double> epochs = h.series("epoch");
  ChartOptions o;
  o.x_label = "epoch";
  o.markers = epochs.size() <= 30;
  o.title = "Loss";
  o.y_label = "loss";
  r.section("Training curves");
  const std::vector<double> train_loss = h.series("train_loss"), val_loss = h.series("val_loss");
  // A loss spanning orders of magnitude (a regression's first epochs) reads on a log scale.
  double lo_loss = std::numeric_limits<double>::infinity(), hi_loss = 0;
  for (const auto* v : {&train_loss, &val_loss})
    for (double x : *v)
      if (std::isfinite(x)) lo_loss = std::min(lo_loss, x), hi_loss = std::max(hi_loss, x);
  o.log_y = lo_loss > 0 && hi_loss / lo_loss > 100;
  r.svg(line_chart({{"train", epochs, train_loss}, {"validation", epochs, val_loss}}, o),
        o.log_y ? "Mean loss per epoch on the training batches and on the validation set (log scale: it spans orders of magnitude)."
                : "Mean loss per epoch on the training batches and on the validation set.");
  if (h.epochs.empty()) return;
  for (const auto& [name, value] : h.epochs.back().metrics) {
    if (name.rfind("val_", 0) != 0) continue;
    const std::string base = name.substr(4);
    static const std::vector<std::string> shown = {"accuracy", "f1", "roc_auc", "mae", "rmse", "r2"};
    if (std::find(shown.begin(), shown.end(), base) == shown.end()) continue;
    std::vector<Series> s;
    if (h.epochs.back().has("train_" + base)) s.push_back({"train", epochs, h.series("train_" + base)});
    s.push_back({"validation", epochs, h.series(name)});
    o.title = base;
    o.y_label = base;
    r.svg(line_chart(s, o));
  }
  ChartOptions lo;
  lo.title = "Learning rate";
  lo.x_label = "epoch";
  lo.y_label = "lr";
  lo.step = true;
  const std::vector<double> lr = h.series("lr");
  const auto [mn, mx] = std::minmax_element(lr.begin(), lr.end());
  lo.log_y = *mn > 0 && *mx / *mn > 20;
  r.svg(step_chart({"lr", epochs, lr}, lo), "The learning rate of each epoch (read at its start).");
}

void classification(HtmlReport& r, const TrainingReportInputs& in) {
  auto prf = in.test->find<train::PrecisionRecallF1>();
  std::shared_ptr<train::ConfusionMatrix> cm_metric = in.test->find<train::ConfusionMatrix>();
  const train::ConfusionMatrix* cm = prf ? &prf->confusion_matrix() : cm_metric.get();
  std::vector<std::string> names = in.class_names;
  if (cm) {
    const int64_t k = cm->num_classes();
    if (int64_t(names.size()) != k) {
      names.clear();
      for (int64_t i = 0; i < k; ++i) names.push_back(std::to_string(i));
    }
    std::vector<std::vector<int64_t>> counts(static_cast<size_t>(k), std::vector<int64_t>(static_cast<size_t>(k)));
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) counts[size_t(i)][size_t(j)] = cm->at(i, j);
    ChartOptions o;
    o.title = "Confusion matrix (test)";
    o.normalize_rows = true;
    o.width = std::max<int>(480, int(60 * k + 200));
    o.height = std::max<int>(400, int(40 * k + 160));
    r.section("Test set: classes");
    r.svg(confusion_matrix_chart(counts, names, o), "Rows: true class; columns: predicted class; colour: share of the row.");
  }
  if (prf) {
    ChartOptions o;
    o.title = "Precision and recall per class (test)";
    o.y_min = 0;
    o.y_max = 1;
    o.width = std::max<int>(640, int(70 * names.size()));
    r.svg(bar_chart(names, {{"precision", {}, prf->precision_per_class()}, {"recall", {}, prf->recall_per_class()}}, o));
    std::vector<std::vector<std::string>> rows;
    const auto p = prf->precision_per_class(), rc = prf->recall_per_class(), f1 = prf->f1_per_class();
    for (size_t i = 0; i < names.size() && i < p.size(); ++i) rows.push_back({names[i], fixed(p[i]), fixed(rc[i]), fixed(f1[i])});
    r.table({"class", "precision", "recall", "F1"}, rows);
  }
  if (in.test_images.defined() && in.samples > 0 && in.test_outputs.defined()) {
    const std::vector<int64_t> pred = predicted_classes(in.test_outputs);
    std::vector<int64_t> truth;
    for (double v : to_doubles(in.test_targets)) truth.push_back(int64_t(v));
    std::vector<int64_t> order(pred.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
    std::stable_partition(order.begin(), order.end(), [&](int64_t i) { return pred[size_t(i)] != truth[size_t(i)]; });
    order.resize(std::min<size_t>(order.size(), size_t(in.samples)));
    Tensor imgs = in.test_images.index_select(0, from_vector(order, {int64_t(order.size())}));
    std::vector<std::string> captions;
    std::vector<bool> wrong;
    auto name = [&](int64_t c) { return c >= 0 && c < int64_t(names.size()) ? names[size_t(c)] : std::to_string(c); };
    for (int64_t i : order) {
      const bool bad = pred[size_t(i)] != truth[size_t(i)];
      captions.push_back(bad ? name(pred[size_t(i)]) + " (true: " + name(truth[size_t(i)]) + ")" : name(pred[size_t(i)]));
      wrong.push_back(bad);
    }
    ImageGridOptions go;
    go.title = "Test images: predicted (true), misclassified first";
    go.cell_width = 170;
    r.section("Test samples");
    r.svg(image_grid(imgs, captions, go, wrong), "Red captions are misclassified images.");
  }
}

void regression(HtmlReport& r, const TrainingReportInputs& in) {
  if (!in.test_outputs.defined()) return;
  ChartOptions o;
  o.title = "Predicted vs true (test)";
  o.x_label = "true";
  o.y_label = "predicted";
  o.identity_line = true;
  r.section("Test set: predictions");
  r.svg(scatter_plot(to_doubles(in.test_targets), to_doubles(in.test_outputs), o),
        "Each point is one test example; the line is a perfect prediction.");
}

}  // namespace

std::string training_report(const TrainingReportInputs& in) {
  HtmlReport r(in.title);
  if (!in.subtitle.empty()) r.subtitle(in.subtitle);
  r.summary(in.summary);
  if (in.history && !in.history->epochs.empty()) curves(r, *in.history);
  if (in.test) {
    if (in.task == "regression") regression(r, in);
    else classification(r, in);
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"loss", fixed(in.test->loss)});
    for (const auto& [k, v] : in.test->metrics) rows.push_back({k, fixed(v)});
    r.section("Test metrics");
    r.table({"metric", "value"}, rows, "Of the best checkpoint on the test set, touched once after training.");
  }
  return r.render();
}

void write_training_report(const TrainingReportInputs& in, const std::string& path) {
  io::atomic_write(path, training_report(in));
}

}  // namespace descent::report
