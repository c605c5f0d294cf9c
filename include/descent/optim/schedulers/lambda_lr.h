#pragma once
// LambdaLR: lr = base_lr * f(epoch) with a user function per group.
#include <functional>

#include "descent/optim/schedulers/lr_scheduler.h"

namespace descent::optim {

/// lr_t = base_lr * lambda(t). One function for all groups, or one per group. The functions are
/// not part of state_dict.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lambdas_;
};

}  // namespace descent::optim
