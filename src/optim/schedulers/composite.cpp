#include "descent/optim/schedulers/composite.h"

#include <algorithm>

namespace descent::optim {

namespace {
void check_children(const std::vector<std::shared_ptr<LRScheduler>>& schedulers, const Optimizer& optimizer,
                    const char* who) {
  DESCENT_CHECK(!schedulers.empty(), who, ": needs at least one scheduler");
  for (size_t i = 0; i < schedulers.size(); ++i) {
    DESCENT_CHECK(schedulers[i] != nullptr, who, ": scheduler ", i, " is null");
    DESCENT_CHECK(&schedulers[i]->optimizer() == &optimizer, who,
                  ": all schedulers must belong to the same optimizer, but scheduler ", i, " (",
                  schedulers[i]->name(), ") drives another one");
  }
}

Optimizer& optimizer_of(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  DESCENT_CHECK(!schedulers.empty() && schedulers[0] != nullptr, "ChainedScheduler: needs at least one scheduler");
  return schedulers[0]->optimizer();
}

std::string child_prefix(size_t i) { return "schedulers." + std::to_string(i) + "."; }

void save_children(SchedulerState& s, const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  s.scalars["num_schedulers"] = static_cast<double>(schedulers.size());
  for (size_t i = 0; i < schedulers.size(); ++i) detail::merge_prefixed(s, schedulers[i]->state_dict(), child_prefix(i));
}

void load_children(const SchedulerState& s, const std::vector<std::shared_ptr<LRScheduler>>& schedulers,
                   const std::string& who) {
  const double n = s.scalar("num_schedulers");
  DESCENT_CHECK(n == static_cast<double>(schedulers.size()), who, ".load_state_dict: the state has ", n,
                " schedulers, this one has ", schedulers.size());
  for (size_t i = 0; i < schedulers.size(); ++i)
    schedulers[i]->load_state_dict(detail::extract_prefixed(s, child_prefix(i)));
}
}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler("SequentialLR", optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check_children(schedulers_, optimizer, "SequentialLR");
  DESCENT_CHECK(milestones_.size() + 1 == schedulers_.size(), "SequentialLR: expected ", schedulers_.size() - 1,
                " milestones (one fewer than the ", schedulers_.size(), " schedulers), got ", milestones_.size());
  DESCENT_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()), "SequentialLR: milestones must be non-decreasing");
  last_epoch_ = 0;
  // Undo the step each scheduler made when it was constructed, then restart the first one.
  for (auto& g : optimizer_.param_groups()) g.options().set_lr(g.extras().at("initial_lr"));
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step_impl(std::optional<int64_t> epoch) {
  DESCENT_CHECK(!epoch, "SequentialLR.step takes no epoch");
  ++last_epoch_;
  const size_t idx = static_cast<size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
                                         milestones_.begin());
  LRScheduler& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s.step(int64_t{0});
  else s.step();
  last_lr_ = s.get_last_lr();
}

void SequentialLR::save_extra(SchedulerState& s) const { save_children(s, schedulers_); }
void SequentialLR::load_extra(const SchedulerState& s) { load_children(s, schedulers_, name_); }

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler("ChainedScheduler", optimizer_of(schedulers)), schedulers_(std::move(schedulers)) {
  check_children(schedulers_, optimizer_, "ChainedScheduler");
  last_epoch_ = 0;
  last_lr_ = group_lrs();
}

void ChainedScheduler::step_impl(std::optional<int64_t> epoch) {
  DESCENT_CHECK(!epoch, "ChainedScheduler.step takes no epoch");
  ++last_epoch_;
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

void ChainedScheduler::save_extra(SchedulerState& s) const { save_children(s, schedulers_); }
void ChainedScheduler::load_extra(const SchedulerState& s) { load_children(s, schedulers_, name_); }

}  // namespace descent::optim
