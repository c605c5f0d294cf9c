#include "descent/optim/schedulers/lambda_lr.h"

namespace descent::optim {

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda) : LRScheduler("LambdaLR", optimizer) {
  DESCENT_CHECK(lr_lambda != nullptr, "LambdaLR: lr_lambda is empty");
  lambdas_.assign(num_groups(), lr_lambda);
  initial_step();
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler("LambdaLR", optimizer), lambdas_(std::move(lr_lambdas)) {
  DESCENT_CHECK(lambdas_.size() == num_groups(), "LambdaLR: expected ", num_groups(), " lr_lambdas (one per param group), got ",
                lambdas_.size());
  for (size_t i = 0; i < lambdas_.size(); ++i)
    DESCENT_CHECK(lambdas_[i] != nullptr, "LambdaLR: lr_lambdas[", i, "] is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) out.push_back(base_lrs_[g] * lambdas_[g](last_epoch_));
  return out;
}

}  // namespace descent::optim
