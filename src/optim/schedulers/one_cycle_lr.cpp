#include "descent/optim/schedulers/one_cycle_lr.h"

#include <cmath>
#include <numbers>

namespace descent::optim {

OneCycleLROptions::OneCycleLROptions(std::vector<double> max_lr, int64_t total_steps)
    : max_lr_(std::move(max_lr)), total_steps_(total_steps) {
  DESCENT_CHECK(!max_lr_.empty(), "OneCycleLR: max_lr is empty");
  for (double v : max_lr_) DESCENT_CHECK(v >= 0, "OneCycleLR: invalid max_lr ", v, " (must be >= 0)");
  DESCENT_CHECK(total_steps > 0, "OneCycleLR: total_steps must be a positive integer, got ", total_steps);
}

OneCycleLROptions& OneCycleLROptions::anneal_strategy(const std::string& v) {
  if (v == "cos") anneal_strategy_ = AnnealStrategy::Cos;
  else if (v == "linear") anneal_strategy_ = AnnealStrategy::Linear;
  else DESCENT_FAIL("OneCycleLR: anneal_strategy must be 'cos' or 'linear', got '", v, "'");
  return *this;
}

namespace {
// One value for all groups, or one per group.
std::vector<double> per_group(const std::vector<double>& v, size_t groups, const char* name) {
  if (v.size() == 1) return std::vector<double>(groups, v[0]);
  DESCENT_CHECK(v.size() == groups, "OneCycleLR: expected 1 or ", groups, " values for ", name, ", got ", v.size());
  return v;
}

double extra(const std::map<std::string, double>& ex, const char* name) {
  auto it = ex.find(name);
  DESCENT_CHECK(it != ex.end(), "OneCycleLR: param group lacks '", name, "' (was it replaced after the scheduler was made?)");
  return it->second;
}
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& o) : LRScheduler("OneCycleLR", optimizer), options_(o) {
  const double total = static_cast<double>(o.total_steps());
  if (o.three_phase()) {
    phases_ = {{o.pct_start() * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {2 * o.pct_start() * total - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
               {total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  } else {
    phases_ = {{o.pct_start() * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
  }
  auto& groups = optimizer.param_groups();
  const std::vector<double> max_lrs = per_group(o.max_lr(), groups.size(), "max_lr");
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& ex = groups[g].extras();
    ex["initial_lr"] = max_lrs[g] / o.div_factor();
    ex["max_lr"] = max_lrs[g];
    ex["min_lr"] = ex["initial_lr"] / o.final_div_factor();
  }
  if (o.cycle_momentum()) {
    const std::vector<double> maxm = per_group(o.max_momentum(), groups.size(), "max_momentum");
    const std::vector<double> basem = per_group(o.base_momentum(), groups.size(), "base_momentum");
    for (size_t g = 0; g < groups.size(); ++g) {
      DESCENT_CHECK(groups[g].options().has_momentum(), "OneCycleLR: optimizer ", optimizer.name(),
                    " has no momentum to cycle; pass cycle_momentum(false)");
      groups[g].options().set_momentum(maxm[g]);
      groups[g].extras()["max_momentum"] = maxm[g];
      groups[g].extras()["base_momentum"] = basem[g];
    }
  }
  reset_base_lrs();
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == AnnealStrategy::Cos) {
    const double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  DESCENT_CHECK(step_num <= options_.total_steps(), "OneCycleLR: tried to step ", step_num + 1,
                " times; the specified number of total steps is ", options_.total_steps());
  std::vector<double> lrs;
  for (auto& group : optimizer_.param_groups()) {
    const auto& ex = group.extras();
    double start_step = 0, lr = 0, momentum = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (static_cast<double>(step_num) <= ph.end_step || i + 1 == phases_.size()) {
        const double pct = (static_cast<double>(step_num) - start_step) / (ph.end_step - start_step);
        lr = anneal(extra(ex, ph.start_lr), extra(ex, ph.end_lr), pct);
        if (options_.cycle_momentum()) momentum = anneal(extra(ex, ph.start_momentum), extra(ex, ph.end_momentum), pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (options_.cycle_momentum()) group.options().set_momentum(momentum);
  }
  return lrs;
}

}  // namespace descent::optim
