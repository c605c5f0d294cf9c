#pragma once
// Cosine annealing (SGDR, Loshchilov & Hutter): CosineAnnealingLR and CosineAnnealingWarmRestarts.
#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

/// lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2, computed with PyTorch's
/// recursive form (so it composes with other schedulers and matches PyTorch bit for bit); past
/// T_max the curve continues as a cosine, rising back to base_lr at 2 T_max.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

/// Cosine annealing restarted every T_i epochs, T_0 first and then T_i *= T_mult:
/// lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0);
  /// Epochs since the last restart.
  double T_cur() const { return T_cur_; }
  /// Length of the current cycle.
  int64_t T_i() const { return T_i_; }

 protected:
  void step_impl(std::optional<int64_t> epoch) override;
  std::vector<double> get_lr() override;
  void save_extra(SchedulerState& s) const override;
  void load_extra(const SchedulerState& s) override;

 private:
  int64_t T_0_, T_i_, T_mult_;
  double eta_min_;
  double T_cur_;  // fractional after step(epoch) with T_mult > 1, as in PyTorch
};

}  // namespace descent::optim
