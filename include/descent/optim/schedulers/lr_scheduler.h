#pragma once
// LRScheduler: the base of the learning-rate schedules, as PyTorch 1.13's _LRScheduler. A
// scheduler is made after its optimizer (which must outlive it); construction performs step 0,
// and step() is called once per epoch (or batch, for OneCycleLR) after optimizer.step(). The
// schedules are PyTorch's recursive ("chainable") forms, so the learning-rate sequences match
// PyTorch's exactly, including when several schedulers act on the same optimizer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "descent/optim/optimizer.h"

namespace descent::optim {

/// A scheduler's state_dict: named numbers (last_epoch, base_lrs.<g>, ...) and strings.
using SchedulerState = ScalarState;

class SequentialLR;
class ChainedScheduler;

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch and sets the learning rate of every group.
  void step() { step_impl(std::nullopt); }
  /// PyTorch's deprecated step(epoch): jumps to `epoch`, using the closed form where the schedule
  /// has one (else the recursive form at that epoch).
  void step(int64_t epoch) { step_impl(epoch); }
  /// The learning rate of each group as set by the latest step.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  /// Steps taken since construction (0 right after construction).
  int64_t last_epoch() const { return last_epoch_; }
  /// Each group's initial_lr.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  /// "StepLR", "CosineAnnealingLR", ...
  const std::string& name() const { return name_; }

  /// Mutable state (epoch counters, base and last learning rates, schedule-specific counters).
  /// The configuration is not included: it comes from the constructor, as LambdaLR's functions.
  virtual SchedulerState state_dict() const;
  /// Restores what state_dict() returned, and sets each group's lr to the saved last lr; a state
  /// of another scheduler kind or group count throws. To resume: construct the optimizer and the
  /// scheduler as before, then load the optimizer's state, then the scheduler's.
  virtual void load_state_dict(const SchedulerState& state);

 protected:
  /// Records each group's initial_lr (keeping one an earlier scheduler set) and sets last_epoch
  /// to -1. Every concrete scheduler must call initial_step() at the end of its constructor.
  LRScheduler(std::string name, Optimizer& optimizer);
  /// Performs step 0 (PyTorch's _initial_step).
  void initial_step();
  /// The default step: last_epoch += 1 (or = epoch) and set lrs from get_lr()/closed_form_lr().
  virtual void step_impl(std::optional<int64_t> epoch);
  /// The learning rates at last_epoch_ in the recursive form (reading the groups' current lrs).
  virtual std::vector<double> get_lr() = 0;
  /// The learning rates at last_epoch_ from base_lrs alone, where the schedule has such a form.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  /// Schedule-specific state for state_dict / load_state_dict.
  virtual void save_extra(SchedulerState&) const {}
  virtual void load_extra(const SchedulerState&) {}

  size_t num_groups() const { return optimizer_.param_groups().size(); }
  double group_lr(size_t g) const { return optimizer_.param_groups()[g].options().get_lr(); }
  std::vector<double> group_lrs() const;
  /// Sets each group's lr and records them as the last lrs.
  void apply_lrs(const std::vector<double>& lrs);
  /// Re-reads base_lrs from the groups' initial_lr.
  void reset_base_lrs();

  std::string name_;
  Optimizer& optimizer_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

namespace detail {
/// Python's a % b for b > 0 (the result has b's sign).
inline int64_t py_mod(int64_t a, int64_t b) { return ((a % b) + b) % b; }
/// Copies src's entries into dst with keys prefixed by prefix.
void merge_prefixed(ScalarState& dst, const ScalarState& src, const std::string& prefix);
/// The entries of src under prefix, with the prefix removed.
ScalarState extract_prefixed(const ScalarState& src, const std::string& prefix);
/// Checks a scheduler state's kind and group count.
void check_scheduler_state(const SchedulerState& s, const std::string& name, size_t groups);
}  // namespace detail

}  // namespace descent::optim
