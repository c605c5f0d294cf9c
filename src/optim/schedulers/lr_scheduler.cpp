#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

LRScheduler::LRScheduler(std::string name, Optimizer& optimizer) : name_(std::move(name)), optimizer_(optimizer) {
  for (auto& g : optimizer_.param_groups()) g.extras().emplace("initial_lr", g.options().get_lr());
  reset_base_lrs();
}

void LRScheduler::reset_base_lrs() {
  base_lrs_.clear();
  for (const auto& g : optimizer_.param_groups()) base_lrs_.push_back(g.extras().at("initial_lr"));
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const auto& g : optimizer_.param_groups()) out.push_back(g.options().get_lr());
  return out;
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  DESCENT_CHECK(lrs.size() == groups.size(), name_, ": computed ", lrs.size(), " learning rates for ", groups.size(),
                " param groups (was a group added after the scheduler was made?)");
  for (size_t g = 0; g < groups.size(); ++g) groups[g].options().set_lr(lrs[g]);
  last_lr_ = group_lrs();
}

void LRScheduler::step_impl(std::optional<int64_t> epoch) {
  ++step_count_;
  std::vector<double> lrs;
  if (!epoch) {
    ++last_epoch_;
    lrs = get_lr();
  } else {
    last_epoch_ = *epoch;
    auto closed = closed_form_lr();
    lrs = closed ? *closed : get_lr();
  }
  apply_lrs(lrs);
}

SchedulerState LRScheduler::state_dict() const {
  SchedulerState s;
  s.strings["scheduler"] = name_;
  s.scalars["num_groups"] = static_cast<double>(base_lrs_.size());
  s.scalars["last_epoch"] = static_cast<double>(last_epoch_);
  s.scalars["step_count"] = static_cast<double>(step_count_);
  for (size_t g = 0; g < base_lrs_.size(); ++g) s.scalars["base_lrs." + std::to_string(g)] = base_lrs_[g];
  for (size_t g = 0; g < last_lr_.size(); ++g) s.scalars["last_lr." + std::to_string(g)] = last_lr_[g];
  save_extra(s);
  return s;
}

void LRScheduler::load_state_dict(const SchedulerState& s) {
  detail::check_scheduler_state(s, name_, num_groups());
  const size_t n = num_groups();
  std::vector<double> base(n), last(n);
  for (size_t g = 0; g < n; ++g) {
    base[g] = s.scalar("base_lrs." + std::to_string(g));
    last[g] = s.scalar("last_lr." + std::to_string(g));
  }
  const double epoch = s.scalar("last_epoch"), count = s.scalar("step_count");
  load_extra(s);
  last_epoch_ = static_cast<int64_t>(epoch);
  step_count_ = static_cast<int64_t>(count);
  base_lrs_ = std::move(base);
  // The groups get the saved lrs too, so resuming does not depend on the order in which the
  // optimizer and the scheduler are restored (the scheduler's constructor stepped them).
  apply_lrs(last);
}

namespace detail {

void merge_prefixed(ScalarState& dst, const ScalarState& src, const std::string& prefix) {
  for (const auto& [k, v] : src.scalars) dst.scalars[prefix + k] = v;
  for (const auto& [k, v] : src.strings) dst.strings[prefix + k] = v;
}

ScalarState extract_prefixed(const ScalarState& src, const std::string& prefix) {
  ScalarState out;
  for (const auto& [k, v] : src.scalars)
    if (k.compare(0, prefix.size(), prefix) == 0) out.scalars[k.substr(prefix.size())] = v;
  for (const auto& [k, v] : src.strings)
    if (k.compare(0, prefix.size(), prefix) == 0) out.strings[k.substr(prefix.size())] = v;
  return out;
}

void check_scheduler_state(const SchedulerState& s, const std::string& name, size_t groups) {
  const std::string& kind = s.string("scheduler");
  DESCENT_CHECK(kind == name, name, ".load_state_dict: the state is of a ", kind, " scheduler");
  const double n = s.scalar("num_groups");
  DESCENT_CHECK(n == static_cast<double>(groups), name, ".load_state_dict: the state has ", n,
                " param groups, the optimizer has ", groups);
}

}  // namespace detail

}  // namespace descent::optim
