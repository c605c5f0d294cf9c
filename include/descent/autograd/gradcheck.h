#pragma once
// Numerical gradient checking: compares the analytic Jacobian from autograd with central
// finite differences, in float64.
#include <functional>
#include <string>
#include <vector>

#include "descent/core/tensor.h"

namespace descent {

struct GradcheckResult {
  bool ok = true;
  /// Which input / element disagreed and by how much (empty when ok).
  std::string message;
  double max_abs_error = 0.0;
};

/// fn maps the inputs to one output tensor (any shape). Inputs with requires_grad are perturbed.
/// Every input that requires grad must be float64. Does not throw on mismatch: inspect the result.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, double eps = 1e-6, double atol = 1e-5,
                          double rtol = 1e-3);

}  // namespace descent
