// report_demo [OUT.html] [--quiet]: writes a demo report.html with fake training curves, a cosine
// learning-rate schedule, a confusion matrix, per-class precision/recall, a regression scatter plot
// and a grid of synthetic images, all made from a fixed seed (the same bytes on every run). It is a
// gallery of the chart API; the report of a real training run comes from report::training_report
// (examples/fashion_mnist_trainer.cpp writes one from the Trainer's history and test result).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "descent/core/format.h"
#include "descent/ops/ops.h"
#include "descent/report/html.h"
#include "descent/report/svg.h"

using namespace descent;
using namespace descent::report;

namespace {

const std::vector<std::string> kClasses{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

using descent::fixed;

// A 28x28 gray "garment": a filled shape per class, with noise.
std::vector<uint8_t> fake_image(int cls, std::mt19937& rng) {
  std::vector<uint8_t> px(28 * 28);
  std::normal_distribution<double> noise(0, 12);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      double cx = x - 13.5, cy = y - 13.5, v = 0;
      switch (cls % 5) {
        case 0: v = (std::abs(cx) < 9 - (cy < -4 ? 0 : 4) && std::abs(cy) < 11) ? 200 : 0; break;  // top
        case 1: v = (std::abs(cy) < 12 && std::abs(std::abs(cx) - 4) < 3) ? 180 : 0; break;       // trousers
        case 2: v = (cx * cx / 100 + cy * cy / 150 < 1) ? 160 : 0; break;                         // round
        case 3: v = (cy > 2 && cy < 9 && std::abs(cx) < 12) ? 220 : 0; break;                     // shoe
        default: v = (std::abs(cx) < 10 && cy > -6 && cy < 10) ? 140 + 4 * cy : 0; break;       // bag
      }
      px[size_t(y * 28 + x)] = uint8_t(std::clamp(v + (v > 0 ? noise(rng) : 0), 0.0, 255.0));
    }
  return px;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = "report.html";
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quiet") == 0)
      quiet = true;
    else if (std::strcmp(argv[i], "--help") == 0) {
      std::printf("usage: report_demo [OUT.html] [--quiet]\n");
      return 0;
    } else
      out = argv[i];
  }
  try {
    std::mt19937 rng(42);
    std::normal_distribution<double> jitter(0, 1);
    const int epochs = 30, steps_per_epoch = 20;

    // Curves: train loss keeps falling, validation flattens and then overfits a little.
    Series train_loss{"train", {}, {}}, val_loss{"validation", {}, {}}, train_acc{"train", {}, {}},
        val_acc{"validation", {}, {}};
    for (int e = 1; e <= epochs; ++e) {
      double t = e;
      train_loss.x.push_back(t);
      train_loss.y.push_back(0.25 + 0.9 * std::exp(-t / 6) + 0.004 * jitter(rng));
      val_loss.x.push_back(t);
      val_loss.y.push_back(0.3 + 0.85 * std::exp(-t / 5) + 0.002 * std::max(0.0, t - 18) * 3 + 0.006 * jitter(rng));
      train_acc.x.push_back(t);
      train_acc.y.push_back(0.97 - 0.3 * std::exp(-t / 5));
      val_acc.x.push_back(t);
      val_acc.y.push_back(0.92 - 0.28 * std::exp(-t / 4.5) + 0.003 * jitter(rng));
    }
    // Cosine decay with a 2-epoch linear warm-up, per step.
    Series lr{"learning rate", {}, {}};
    for (int s = 0; s <= epochs * steps_per_epoch; ++s) {
      double e = double(s) / steps_per_epoch, warm = 2;
      double v = e < warm ? 1e-3 * e / warm
                          : 1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + std::cos(M_PI * (e - warm) / (epochs - warm)));
      lr.x.push_back(e);
      lr.y.push_back(v);
    }
    // Confusion matrix: mostly right, with the classic shirt / top / pullover / coat confusions.
    size_t k = kClasses.size();
    std::vector<std::vector<int64_t>> cm(k, std::vector<int64_t>(k, 0));
    std::uniform_int_distribution<int> any(0, int(k) - 1);
    std::uniform_real_distribution<double> u(0, 1);
    for (size_t t = 0; t < k; ++t)
      for (int i = 0; i < 1000; ++i) {
        double hard = t == 6 ? 0.35 : (t == 0 || t == 2 || t == 4) ? 0.12 : 0.03;
        size_t p = t;
        if (u(rng) < hard) p = (t == 6 || t == 2 || t == 4) ? std::vector<size_t>{0, 2, 4, 6}[size_t(any(rng)) % 4] : size_t(any(rng));
        ++cm[t][p];
      }
    Series precision{"precision", {}, {}}, recall{"recall", {}, {}};
    std::vector<std::vector<std::string>> per_class_rows;
    int64_t correct = 0, total = 0;
    for (size_t c = 0; c < k; ++c) {
      int64_t tp = cm[c][c], row = 0, col = 0;
      for (size_t j = 0; j < k; ++j) {
        row += cm[c][j];
        col += cm[j][c];
      }
      correct += tp;
      total += row;
      double p = col ? double(tp) / double(col) : 0, r = row ? double(tp) / double(row) : 0;
      precision.y.push_back(p);
      recall.y.push_back(r);
      per_class_rows.push_back({kClasses[c], fixed(p), fixed(r), fixed(p + r > 0 ? 2 * p * r / (p + r) : 0),
                                std::to_string(row)});
    }
    // Regression: predicted vs true.
    std::vector<double> truth, pred;
    for (int i = 0; i < 400; ++i) {
      double t = 5 * u(rng) + 1;
      truth.push_back(t);
      pred.push_back(t + 0.25 * jitter(rng) + 0.05 * (t - 3));
    }
    // Image grid: 16 fake samples, the misclassified ones first, as the trainer will order them.
    const int n = 16;
    std::vector<uint8_t> px;
    std::vector<std::string> captions;
    std::vector<bool> wrong;
    for (int i = 0; i < n; ++i) {
      int t = (i * 7 + 3) % 10, p = i < 5 ? (t + 6) % 10 : t;
      auto img = fake_image(t, rng);
      px.insert(px.end(), img.begin(), img.end());
      captions.push_back("pred: " + kClasses[size_t(p)] + " / true: " + kClasses[size_t(t)]);
      wrong.push_back(p != t);
    }
    Tensor images = from_vector<uint8_t>(px, {n, 1, 28, 28});

    HtmlReport r("descent demo report: fashion_cnn (fake data)");
    r.subtitle("A demonstration of every chart of report.html; all numbers are made up.");
    r.summary({{"test accuracy", fixed(double(correct) / double(total))},
               {"best epoch", "18"},
               {"epochs run", std::to_string(epochs)},
               {"train time", "241.3 s"},
               {"samples/s", "12480"},
               {"descent", "0.1.0"}});
    ChartOptions o;
    o.x_label = "epoch";
    o.y_label = "loss";
    o.title = "Loss";
    o.width = 520;
    o.height = 340;
    r.section("Training curves");
    r.svg(line_chart({train_loss, val_loss}, o), "cross-entropy per epoch");
    o.title = "Accuracy";
    o.y_label = "accuracy";
    o.markers = true;
    r.svg(line_chart({train_acc, val_acc}, o), "accuracy per epoch");
    r.section("Learning rate");
    ChartOptions lo;
    lo.title = "Learning rate (cosine with warm-up)";
    lo.x_label = "epoch";
    lo.y_label = "lr";
    lo.width = 520;
    lo.height = 320;
    r.svg(step_chart(lr, lo), "per step");
    lo.log_y = true;
    lo.title = "Learning rate, log scale";
    r.svg(step_chart(lr, lo));
    r.section("Confusion matrix");
    ChartOptions co;
    co.title = "Confusion matrix (test)";
    co.width = 500;
    co.height = 470;
    r.svg(confusion_matrix_chart(cm, kClasses, co), "rows: true class, columns: predicted class");
    co.title = "Confusion matrix, coloured by share of each true class";
    co.normalize_rows = true;
    r.svg(confusion_matrix_chart(cm, kClasses, co), "colour: recall of the row's class; numbers: counts");
    r.section("Per-class precision and recall");
    ChartOptions bo;
    bo.title = "Precision and recall per class";
    bo.y_min = 0;
    bo.y_max = 1;
    bo.width = 900;
    bo.height = 380;
    r.svg(bar_chart(kClasses, {precision, recall}, bo));
    r.table({"class", "precision", "recall", "F1", "support"}, per_class_rows);
    r.section("Regression: predicted vs true");
    ChartOptions so;
    so.title = "Predicted vs true";
    so.x_label = "true";
    so.y_label = "predicted";
    so.identity_line = true;
    so.width = 480;
    so.height = 440;
    r.svg(scatter_plot(truth, pred, so), "400 held-out rows; the dashed line is y = x");
    r.section("Test samples");
    ImageGridOptions go;
    go.title = "Test samples (misclassified first)";
    go.columns = 6;
    r.svg(image_grid(images, captions, go, wrong));
    auto parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    r.write(out);
    if (!quiet) std::printf("wrote %s\n", out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "report_demo: %s\n", e.what());
    return 1;
  }
}
