#include "descent/optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "descent/autograd/grad_mode.h"
#include "descent/ops/ops.h"
#include "descent/optim/regularization.h"

namespace descent::optim {

namespace {
std::vector<Tensor> grads_of(const std::vector<Tensor>& params, const char* fn) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    DESCENT_CHECK(params[i].defined(), fn, ": parameter ", i, " is an undefined tensor");
    Tensor g = params[i].grad();
    if (g.defined()) grads.push_back(g);
  }
  return grads;
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  DESCENT_CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be > 0 or INFINITY, got ", norm_type);
  DESCENT_CHECK(!std::isnan(max_norm), "clip_grad_norm_: max_norm is NaN");
  NoGradGuard no_grad;
  std::vector<Tensor> grads = grads_of(params, "clip_grad_norm_");
  if (grads.empty()) return 0.0;
  // Per-tensor norms in the gradient's dtype, combined in double.
  double total = 0;
  const bool inf_norm = std::isinf(norm_type);
  for (const Tensor& g : grads) {
    if (g.numel() == 0) continue;
    if (inf_norm) {
      total = std::max(total, g.abs().max().item<double>());
    } else if (norm_type == 1.0 || norm_type == 2.0) {
      total += std::pow(g.norm(norm_type).item<double>(), norm_type);
    } else {
      total += g.abs().pow(norm_type).sum().item<double>();
    }
  }
  if (!inf_norm) total = std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite)
    DESCENT_CHECK(std::isfinite(total), "clip_grad_norm_: the total norm of order ", norm_type,
                  " of the gradients is non-finite (", total,
                  "), so they cannot be clipped; pass error_if_nonfinite = false to scale them anyway");
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  if (coef != 1.0)  // also NaN: PyTorch scales by a non-finite norm too
    for (Tensor& g : grads) g.mul_(coef);
  return total;
}

double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{param}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  DESCENT_CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (Tensor& g : grads_of(params, "clip_grad_value_")) g.clamp_(-clip_value, clip_value);
}

void clip_grad_value_(const Tensor& param, double clip_value) { clip_grad_value_(std::vector<Tensor>{param}, clip_value); }

Tensor l2_penalty(const std::vector<Tensor>& params, double alpha) {
  DESCENT_CHECK(!params.empty(), "l2_penalty: no tensors given");
  Tensor total;
  for (size_t i = 0; i < params.size(); ++i) {
    DESCENT_CHECK(params[i].defined(), "l2_penalty: tensor ", i, " is undefined");
    DESCENT_CHECK(params[i].is_floating_point(), "l2_penalty: tensor ", i, " has dtype ", params[i].dtype(),
                  "; expected a floating-point tensor");
    Tensor s = params[i].square().sum();
    total = total.defined() ? total + s : s;
  }
  return total * alpha;
}

}  // namespace descent::optim
