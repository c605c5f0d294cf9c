#include "descent/optim/schedulers/cosine.h"

#include <cmath>
#include <numbers>

namespace descent::optim {

using std::numbers::pi;

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler("CosineAnnealingLR", optimizer), T_max_(T_max), eta_min_(eta_min) {
  DESCENT_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be > 0, got ", T_max);
  initial_step();
}

// The expressions keep PyTorch's operation order so that the doubles agree exactly.
std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> out = group_lrs();
  const double t = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return out;
  if (step_count_ == 1 && last_epoch_ > 0) {
    for (size_t g = 0; g < out.size(); ++g)
      out[g] = eta_min_ + (base_lrs_[g] - eta_min_) * (1 + std::cos(t * pi / T)) / 2;
  } else if (detail::py_mod(last_epoch_ - 1 - T_max_, 2 * T_max_) == 0) {
    for (size_t g = 0; g < out.size(); ++g)
      out[g] = out[g] + (base_lrs_[g] - eta_min_) * (1 - std::cos(pi / T)) / 2;
  } else {
    for (double& lr : out)
      lr = (1 + std::cos(pi * t / T)) / (1 + std::cos(pi * (t - 1) / T)) * (lr - eta_min_) + eta_min_;
  }
  return out;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  std::vector<double> out;
  const double t = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  for (double b : base_lrs_) out.push_back(eta_min_ + (b - eta_min_) * (1 + std::cos(pi * t / T)) / 2);
  return out;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult, double eta_min)
    : LRScheduler("CosineAnnealingWarmRestarts", optimizer), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min),
      T_cur_(-1) {
  DESCENT_CHECK(T_0 > 0, "CosineAnnealingWarmRestarts: T_0 must be a positive integer, got ", T_0);
  DESCENT_CHECK(T_mult >= 1, "CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got ", T_mult);
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> out;
  for (double b : base_lrs_)
    out.push_back(eta_min_ + (b - eta_min_) * (1 + std::cos(pi * T_cur_ / static_cast<double>(T_i_))) / 2);
  return out;
}

void CosineAnnealingWarmRestarts::step_impl(std::optional<int64_t> epoch_arg) {
  std::optional<int64_t> epoch = epoch_arg;
  if (!epoch && last_epoch_ < 0) epoch = 0;
  int64_t e = 0;
  if (!epoch) {
    e = last_epoch_ + 1;
    T_cur_ = T_cur_ + 1;
    if (T_cur_ >= static_cast<double>(T_i_)) {
      T_cur_ = T_cur_ - static_cast<double>(T_i_);
      T_i_ = T_i_ * T_mult_;
    }
  } else {
    e = *epoch;
    DESCENT_CHECK(e >= 0, "CosineAnnealingWarmRestarts.step: expected a non-negative epoch, got ", e);
    if (e >= T_0_) {
      if (T_mult_ == 1) {
        T_cur_ = static_cast<double>(e % T_0_);
      } else {
        const double ed = static_cast<double>(e), T0 = static_cast<double>(T_0_), m = static_cast<double>(T_mult_);
        // Python's math.log(x, base) is log(x) / log(base).
        const auto n = static_cast<int64_t>(std::log(ed / T0 * (m - 1) + 1) / std::log(m));
        const double mn = std::pow(m, static_cast<double>(n));
        T_cur_ = ed - T0 * (mn - 1) / (m - 1);
        T_i_ = T_0_ * static_cast<int64_t>(mn);
      }
    } else {
      T_i_ = T_0_;
      T_cur_ = static_cast<double>(e);
    }
  }
  last_epoch_ = e;
  apply_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::save_extra(SchedulerState& s) const {
  s.scalars["T_cur"] = T_cur_;
  s.scalars["T_i"] = static_cast<double>(T_i_);
}

void CosineAnnealingWarmRestarts::load_extra(const SchedulerState& s) {
  const double T_cur = s.scalar("T_cur"), T_i = s.scalar("T_i");
  DESCENT_CHECK(T_i >= 1, "CosineAnnealingWarmRestarts.load_state_dict: T_i must be >= 1, got ", T_i);
  T_cur_ = T_cur;
  T_i_ = static_cast<int64_t>(T_i);
}

}  // namespace descent::optim
