#include "descent/optim/schedulers/reduce_lr_on_plateau.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace descent::optim {

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::mode(const std::string& v) {
  if (v == "min") mode_ = PlateauMode::Min;
  else if (v == "max") mode_ = PlateauMode::Max;
  else DESCENT_FAIL("ReduceLROnPlateau: mode must be 'min' or 'max', got '", v, "'");
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::threshold_mode(const std::string& v) {
  if (v == "rel") threshold_mode_ = ThresholdMode::Rel;
  else if (v == "abs") threshold_mode_ = ThresholdMode::Abs;
  else DESCENT_FAIL("ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got '", v, "'");
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::min_lr(std::vector<double> v) {
  DESCENT_CHECK(!v.empty(), "ReduceLROnPlateau: min_lr is empty");
  for (double m : v) DESCENT_CHECK(m >= 0, "ReduceLROnPlateau: invalid min_lr ", m, " (must be >= 0)");
  min_lr_ = std::move(v);
  return *this;
}

namespace {
double worst(PlateauMode m) {
  return m == PlateauMode::Min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}
}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options), best_(worst(options.mode())) {
  const size_t n = optimizer_.param_groups().size();
  const auto& m = options_.min_lr();
  DESCENT_CHECK(m.size() == 1 || m.size() == n, "ReduceLROnPlateau: expected 1 or ", n, " min_lrs, got ", m.size());
  min_lrs_ = m.size() == 1 ? std::vector<double>(n, m[0]) : m;
  for (const auto& g : optimizer_.param_groups()) last_lr_.push_back(g.options().get_lr());
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double t = options_.threshold();
  if (options_.mode() == PlateauMode::Min)
    return options_.threshold_mode() == ThresholdMode::Rel ? a < best * (1. - t) : a < best - t;
  return options_.threshold_mode() == ThresholdMode::Rel ? a > best * (t + 1.) : a > best + t;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    reduce_lr();
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : optimizer_.param_groups()) last_lr_.push_back(g.options().get_lr());
}

void ReduceLROnPlateau::reduce_lr() {
  auto& groups = optimizer_.param_groups();
  DESCENT_CHECK(groups.size() == min_lrs_.size(), "ReduceLROnPlateau: the optimizer has ", groups.size(),
                " param groups but the scheduler was made for ", min_lrs_.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const double old_lr = groups[g].options().get_lr();
    const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[g]);
    if (old_lr - new_lr > options_.eps()) groups[g].options().set_lr(new_lr);
  }
}

SchedulerState ReduceLROnPlateau::state_dict() const {
  SchedulerState s;
  s.strings["scheduler"] = "ReduceLROnPlateau";
  s.scalars["num_groups"] = static_cast<double>(last_lr_.size());
  s.scalars["last_epoch"] = static_cast<double>(last_epoch_);
  s.scalars["best"] = best_;
  s.scalars["num_bad_epochs"] = static_cast<double>(num_bad_epochs_);
  s.scalars["cooldown_counter"] = static_cast<double>(cooldown_counter_);
  for (size_t g = 0; g < last_lr_.size(); ++g) s.scalars["last_lr." + std::to_string(g)] = last_lr_[g];
  return s;
}

void ReduceLROnPlateau::load_state_dict(const SchedulerState& s) {
  const size_t n = optimizer_.param_groups().size();
  detail::check_scheduler_state(s, "ReduceLROnPlateau", n);
  std::vector<double> last(n);
  for (size_t g = 0; g < n; ++g) last[g] = s.scalar("last_lr." + std::to_string(g));
  const double epoch = s.scalar("last_epoch"), best = s.scalar("best"), bad = s.scalar("num_bad_epochs"),
               cool = s.scalar("cooldown_counter");
  last_epoch_ = static_cast<int64_t>(epoch);
  best_ = best;
  num_bad_epochs_ = static_cast<int64_t>(bad);
  cooldown_counter_ = static_cast<int64_t>(cool);
  last_lr_ = std::move(last);
  auto& groups = optimizer_.param_groups();
  for (size_t g = 0; g < n; ++g) groups[g].options().set_lr(last_lr_[g]);
}

}  // namespace descent::optim
