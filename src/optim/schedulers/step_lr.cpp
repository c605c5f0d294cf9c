#include "descent/optim/schedulers/step_lr.h"

#include <cmath>

namespace descent::optim {

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler("StepLR", optimizer), step_size_(step_size), gamma_(gamma) {
  DESCENT_CHECK(step_size > 0, "StepLR: step_size must be > 0, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  if (last_epoch_ == 0 || detail::py_mod(last_epoch_, step_size_) != 0) return group_lrs();
  std::vector<double> out = group_lrs();
  for (double& lr : out) lr *= gamma_;
  return out;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> out;
  const int64_t q = last_epoch_ >= 0 ? last_epoch_ / step_size_ : -((-last_epoch_ + step_size_ - 1) / step_size_);
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(q)));
  return out;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler("MultiStepLR", optimizer), gamma_(gamma) {
  for (int64_t m : milestones) ++milestones_[m];
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> out = group_lrs();
  auto it = milestones_.find(last_epoch_);
  if (it == milestones_.end()) return out;
  for (double& lr : out) lr = lr * std::pow(gamma_, static_cast<double>(it->second));
  return out;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  int64_t passed = 0;  // bisect_right over the sorted milestones, duplicates included
  for (const auto& [m, count] : milestones_)
    if (m <= last_epoch_) passed += count;
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(passed)));
  return out;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler("ExponentialLR", optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> out = group_lrs();
  if (last_epoch_ == 0) return out;
  for (double& lr : out) lr *= gamma_;
  return out;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return out;
}

}  // namespace descent::optim
