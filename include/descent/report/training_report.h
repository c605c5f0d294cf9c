#pragma once
// The training report (report.html) of a run, from what train::Trainer returns: loss and metric
// curves (train vs val), the learning-rate schedule, the test confusion matrix as a heat map and
// per-class precision / recall, a grid of test images with predicted vs true labels (misclassified
// first), and for regression a predicted-vs-true scatter plot. Self-contained (inline SVG, PNG data
// URIs), written atomically. The `descent` tool writes one per run; a library user of the Trainer
// fills TrainingReportInputs the same way (examples/fashion_mnist_trainer.cpp).
#include <string>
#include <utility>
#include <vector>

#include "descent/train/trainer.h"

namespace descent::report {

struct TrainingReportInputs {
  std::string title, subtitle;
  std::vector<std::pair<std::string, std::string>> summary;
  std::string task;  ///< train::to_string(Task): "regression" draws a scatter plot, any other a classifier's charts
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
std::string training_report(const TrainingReportInputs& in);
/// Writes it to path atomically.
void write_training_report(const TrainingReportInputs& in, const std::string& path);

}  // namespace descent::report
