#pragma once
// Warm-up shapes: ConstantLR and LinearLR.
#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

/// lr = base_lr * factor for the first total_iters epochs, then base_lr. factor in (0, 1].
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double factor_;
  int64_t total_iters_;
};

/// The factor on base_lr goes linearly from start_factor to end_factor over total_iters epochs,
/// then stays: lr_t = base_lr * (s + (e - s) * min(t, total_iters) / total_iters).
/// start_factor in (0, 1], end_factor in [0, 1], total_iters > 0.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace descent::optim
