#pragma once
// Multiplicative decays: StepLR, MultiStepLR, ExponentialLR.
#include <map>
#include <vector>

#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

/// lr *= gamma every step_size epochs: lr_t = base_lr * gamma^floor(t / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// lr *= gamma at each milestone epoch (a milestone listed k times multiplies by gamma^k).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::map<int64_t, int> milestones_;  // epoch -> count
  double gamma_;
};

/// lr *= gamma every epoch: lr_t = base_lr * gamma^t.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double gamma_;
};

}  // namespace descent::optim
