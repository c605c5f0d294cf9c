#pragma once
// Explicit regularisation terms to add to a loss (as opposed to an optimizer's weight_decay).
#include <vector>

#include "descent/core/tensor.h"

namespace descent::optim {

/// alpha * sum_i sum(w_i^2) over the given tensors: a 0-d tensor that takes part in autograd
/// (its gradient is 2 * alpha * w). Note the convention: there is no 1/2 factor, so for plain SGD
/// `loss + l2_penalty(params, alpha)` matches SGDOptions(lr).weight_decay(2 * alpha), and
/// weight_decay wd matches l2_penalty(params, wd / 2). With Adam the two differ (the penalty's
/// gradient is rescaled by the adaptive denominator; see also AdamW). Pass only the tensors to
/// regularise (commonly weights, not biases). Mixed dtypes promote as in add.
Tensor l2_penalty(const std::vector<Tensor>& params, double alpha);

}  // namespace descent::optim
