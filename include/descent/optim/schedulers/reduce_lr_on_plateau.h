#pragma once
// ReduceLROnPlateau: lowers the learning rate when a monitored metric stops improving.
#include <string>
#include <vector>

#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

/// Min: lower metric values are better (a loss); Max: higher are better (an accuracy).
enum class PlateauMode { Min, Max };
/// Rel: improvement means beating best * (1 -+ threshold); Abs: best -+ threshold.
enum class ThresholdMode { Rel, Abs };

/// ReduceLROnPlateau's settings (PyTorch's defaults); setters validate their argument.
class ReduceLROnPlateauOptions {
 public:
  ReduceLROnPlateauOptions() = default;
  ReduceLROnPlateauOptions& mode(PlateauMode v) { mode_ = v; return *this; }
  /// "min" or "max".
  ReduceLROnPlateauOptions& mode(const std::string& v);
  /// new_lr = lr * factor, factor in [0, 1) (default 0.1).
  DESCENT_OPTION(ReduceLROnPlateauOptions, double, factor, v >= 0 && v < 1, "in [0, 1)") = 0.1;
  /// Epochs without improvement tolerated before reducing (default 10).
  DESCENT_OPTION(ReduceLROnPlateauOptions, int64_t, patience, v >= 0, ">= 0") = 10;
  /// Minimum change that counts as an improvement (default 1e-4).
  DESCENT_OPTION(ReduceLROnPlateauOptions, double, threshold, v >= 0 && std::isfinite(v), "finite and >= 0") = 1e-4;
 public:
  ReduceLROnPlateauOptions& threshold_mode(ThresholdMode v) { threshold_mode_ = v; return *this; }
  /// "rel" or "abs".
  ReduceLROnPlateauOptions& threshold_mode(const std::string& v);
  /// Epochs to wait after a reduction before counting bad epochs again (default 0).
  DESCENT_OPTION(ReduceLROnPlateauOptions, int64_t, cooldown, v >= 0, ">= 0") = 0;
 public:
  /// Lower bound on the lr: one for all groups or one per group (default 0).
  ReduceLROnPlateauOptions& min_lr(double v) { return min_lr(std::vector<double>{v}); }
  ReduceLROnPlateauOptions& min_lr(std::vector<double> v);
  /// Reductions smaller than eps are skipped (default 1e-8).
  DESCENT_OPTION(ReduceLROnPlateauOptions, double, eps, v >= 0, ">= 0") = 1e-8;

 public:
  PlateauMode mode() const { return mode_; }
  ThresholdMode threshold_mode() const { return threshold_mode_; }
  const std::vector<double>& min_lr() const { return min_lr_; }

 private:
  PlateauMode mode_ = PlateauMode::Min;
  ThresholdMode threshold_mode_ = ThresholdMode::Rel;
  std::vector<double> min_lr_{0.0};
};

/// After more than `patience` epochs without improvement of the metric (outside cooldown), sets
/// each group's lr to max(lr * factor, min_lr) when that lowers it by more than eps. As PyTorch's
/// ReduceLROnPlateau, it is not an LRScheduler: step takes the metric.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  /// Records this epoch's metric (a NaN never counts as an improvement).
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  /// The best metric so far (+inf in min mode, -inf in max mode before the first step).
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  /// Whether a is better than best under the mode and threshold.
  bool is_better(double a, double best) const;
  Optimizer& optimizer() const { return optimizer_; }
  const ReduceLROnPlateauOptions& options() const { return options_; }

  /// last_epoch, best (may be +-inf), num_bad_epochs, cooldown_counter, last_lr.<g>.
  SchedulerState state_dict() const;
  void load_state_dict(const SchedulerState& state);

 private:
  void reduce_lr();

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace descent::optim
