#pragma once
// Schedulers made of schedulers: SequentialLR (one after another) and ChainedScheduler (all at once).
#include <memory>
#include <vector>

#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

/// Runs schedulers[0] until milestones[0], then schedulers[1] (restarted at its epoch 0) until
/// milestones[1], and so on, as PyTorch's SequentialLR. All schedulers must drive `optimizer`;
/// milestones.size() == schedulers.size() - 1, non-decreasing.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

 protected:
  void step_impl(std::optional<int64_t> epoch) override;
  std::vector<double> get_lr() override { return group_lrs(); }
  void save_extra(SchedulerState& s) const override;
  void load_extra(const SchedulerState& s) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

/// Steps every scheduler on each step(), so their (chainable) factors multiply, as PyTorch's
/// ChainedScheduler. All schedulers must drive the same optimizer.
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

 protected:
  void step_impl(std::optional<int64_t> epoch) override;
  std::vector<double> get_lr() override { return group_lrs(); }
  void save_extra(SchedulerState& s) const override;
  void load_extra(const SchedulerState& s) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace descent::optim
