#pragma once
// report.html of a `descent` run: loss and metric curves (train vs val), the learning-rate
// schedule, the test confusion matrix as a heat map and per-class precision / recall, a grid of test
// images with predicted vs true labels (misclassified first), and for regression a predicted-vs-true
// scatter plot. Self-contained (inline SVG, PNG data URIs), written atomically.
#include <string>
#include <utility>
#include <vector>

#include "descent/train/trainer.h"

namespace descent::cli {

struct ReportInputs {
  std::string title, subtitle;
  std::vector<std::pair<std::string, std::string>> summary;
  std::string task;  ///< "classification", "binary", "regression", ...
  const train::History* history = nullptr;
  const train::EvalResult* test = nullptr;
  std::vector<std::string> class_names;
  /// The test set's outputs as metrics see them ([N, K] logits, [N] / [N, 1] probabilities or values) and targets [N].
  Tensor test_outputs, test_targets;
  /// The test images [N, C, H, W] (image data only; undefined otherwise).
  Tensor test_images;
  int64_t samples = 32;  ///< images in the grid
};

/// The report as HTML.
std::string render_report(const ReportInputs& in);
/// Writes it to path atomically.
void write_report(const ReportInputs& in, const std::string& path);

}  // namespace descent::cli
