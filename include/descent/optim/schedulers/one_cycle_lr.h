#pragma once
// OneCycleLR (Smith & Topin, "Super-Convergence"), stepped once per batch.
#include <string>
#include <vector>

#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

enum class AnnealStrategy { Cos, Linear };

/// OneCycleLR's settings. max_lr is one value for all groups or one per group; the momentum
/// bounds likewise. Setters validate their argument.
class OneCycleLROptions {
 public:
  OneCycleLROptions(std::vector<double> max_lr, int64_t total_steps);
  OneCycleLROptions(double max_lr, int64_t total_steps) : OneCycleLROptions(std::vector<double>{max_lr}, total_steps) {}
  /// Fraction of the steps spent raising the lr, in [0, 1] (default 0.3).
  DESCENT_OPTION(OneCycleLROptions, double, pct_start, v >= 0 && v <= 1, "in [0, 1]") = 0.3;

 public:
  OneCycleLROptions& anneal_strategy(AnnealStrategy v) { anneal_strategy_ = v; return *this; }
  /// "cos" or "linear".
  OneCycleLROptions& anneal_strategy(const std::string& v);
  /// Cycle momentum (beta1 for Adam/AdamW) inversely to the lr (default true, as PyTorch).
  DESCENT_OPTION_ANY(OneCycleLROptions, bool, cycle_momentum) = true;

 public:
  OneCycleLROptions& base_momentum(std::vector<double> v) { base_momentum_ = std::move(v); return *this; }
  OneCycleLROptions& base_momentum(double v) { return base_momentum(std::vector<double>{v}); }
  OneCycleLROptions& max_momentum(std::vector<double> v) { max_momentum_ = std::move(v); return *this; }
  OneCycleLROptions& max_momentum(double v) { return max_momentum(std::vector<double>{v}); }
  /// initial_lr = max_lr / div_factor (default 25).
  DESCENT_OPTION(OneCycleLROptions, double, div_factor, v > 0, "> 0") = 25.0;
  /// min_lr = initial_lr / final_div_factor (default 1e4).
  DESCENT_OPTION(OneCycleLROptions, double, final_div_factor, v > 0, "> 0") = 1e4;
  /// Three phases (up, down to initial_lr, down to min_lr) as in the paper, instead of fastai's two.
  DESCENT_OPTION_ANY(OneCycleLROptions, bool, three_phase) = false;

 public:
  const std::vector<double>& max_lr() const { return max_lr_; }
  int64_t total_steps() const { return total_steps_; }
  AnnealStrategy anneal_strategy() const { return anneal_strategy_; }
  const std::vector<double>& base_momentum() const { return base_momentum_; }
  const std::vector<double>& max_momentum() const { return max_momentum_; }

 private:
  std::vector<double> max_lr_;
  int64_t total_steps_;
  AnnealStrategy anneal_strategy_ = AnnealStrategy::Cos;
  std::vector<double> base_momentum_{0.85}, max_momentum_{0.95};
};

/// Anneals the lr from max_lr / div_factor up to max_lr over pct_start * total_steps steps, then
/// down to initial_lr / final_div_factor (cos or linear), moving momentum the opposite way between
/// max_momentum and base_momentum. Overwrites each group's lr (and momentum) at construction.
/// Stepping more than total_steps times throws.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    const char *start_lr, *end_lr, *start_momentum, *end_momentum;
  };
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
};

}  // namespace descent::optim
