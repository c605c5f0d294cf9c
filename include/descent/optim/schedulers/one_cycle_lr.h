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
  OneCycleLROptions& pct_start(double v);
  OneCycleLROptions& anneal_strategy(AnnealStrategy v) { anneal_strategy_ = v; return *this; }
  /// "cos" or "linear".
  OneCycleLROptions& anneal_strategy(const std::string& v);
  /// Cycle momentum (beta1 for Adam/AdamW) inversely to the lr (default true, as PyTorch).
  OneCycleLROptions& cycle_momentum(bool v) { cycle_momentum_ = v; return *this; }
  OneCycleLROptions& base_momentum(std::vector<double> v) { base_momentum_ = std::move(v); return *this; }
  OneCycleLROptions& base_momentum(double v) { return base_momentum(std::vector<double>{v}); }
  OneCycleLROptions& max_momentum(std::vector<double> v) { max_momentum_ = std::move(v); return *this; }
  OneCycleLROptions& max_momentum(double v) { return max_momentum(std::vector<double>{v}); }
  /// initial_lr = max_lr / div_factor (default 25).
  OneCycleLROptions& div_factor(double v);
  /// min_lr = initial_lr / final_div_factor (default 1e4).
  OneCycleLROptions& final_div_factor(double v);
  /// Three phases (up, down to initial_lr, down to min_lr) as in the paper, instead of fastai's two.
  OneCycleLROptions& three_phase(bool v) { three_phase_ = v; return *this; }

  const std::vector<double>& max_lr() const { return max_lr_; }
  int64_t total_steps() const { return total_steps_; }
  double pct_start() const { return pct_start_; }
  AnnealStrategy anneal_strategy() const { return anneal_strategy_; }
  bool cycle_momentum() const { return cycle_momentum_; }
  const std::vector<double>& base_momentum() const { return base_momentum_; }
  const std::vector<double>& max_momentum() const { return max_momentum_; }
  double div_factor() const { return div_factor_; }
  double final_div_factor() const { return final_div_factor_; }
  bool three_phase() const { return three_phase_; }

 private:
  std::vector<double> max_lr_;
  int64_t total_steps_;
  double pct_start_ = 0.3;
  AnnealStrategy anneal_strategy_ = AnnealStrategy::Cos;
  bool cycle_momentum_ = true;
  std::vector<double> base_momentum_{0.85}, max_momentum_{0.95};
  double div_factor_ = 25.0, final_div_factor_ = 1e4;
  bool three_phase_ = false;
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
