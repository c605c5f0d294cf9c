// gradcheck: analytic Jacobian (one backward per output element) vs central differences.
#include "descent/autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "descent/autograd/grad_mode.h"
#include "descent/autograd/node.h"

namespace descent {
namespace {

// Pointer to the k-th element (row-major logical order) of a float64 tensor.
double* element(const Tensor& t, int64_t k) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    int64_t s = t.size(d);
    off += (k % s) * t.stride(d);
    k /= s;
  }
  return static_cast<double*>(t.raw_data()) + off;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, double eps, double atol, double rtol) {
  GradcheckResult res;
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    DESCENT_CHECK(inputs[i].dtype() == DType::Float64, "gradcheck: input ", i, " requires grad but is ",
                  inputs[i].dtype(), "; gradcheck needs float64");
    diff.push_back(i);
  }
  DESCENT_CHECK(!diff.empty(), "gradcheck: no input requires grad");
  Tensor y = fn(inputs);
  DESCENT_CHECK(y.defined(), "gradcheck: fn returned an undefined tensor");
  const int64_t ny = y.numel();
  Tensor yd = y.detach().to(DType::Float64).contiguous();

  // Analytic: row j of the Jacobian from backward with a one-hot gradient.
  std::vector<std::vector<double>> ana(diff.size());
  for (size_t a = 0; a < diff.size(); ++a) ana[a].assign(size_t(ny * inputs[diff[a]].numel()), 0.0);
  if (y.requires_grad()) {
    std::vector<Tensor> diff_inputs;
    for (auto i : diff) diff_inputs.push_back(inputs[i]);
    for (int64_t j = 0; j < ny; ++j) {
      Tensor go = y.new_zeros(y.sizes());
      {
        NoGradGuard ng;
        go.view({-1}).select(0, j).fill_(1.0);
      }
      auto gs = grad({y}, diff_inputs, {go}, /*retain_graph=*/true, /*allow_unused=*/true);
      for (size_t a = 0; a < diff.size(); ++a) {
        if (!gs[a].defined()) continue;
        DESCENT_CHECK(gs[a].sizes() == inputs[diff[a]].sizes(), "gradcheck: gradient for input ", diff[a],
                      " has shape ", gs[a].sizes(), ", expected ", inputs[diff[a]].sizes());
        Tensor g = gs[a].to(DType::Float64).contiguous();
        const double* gp = g.data_ptr<double>();
        const int64_t n = g.numel();
        for (int64_t k = 0; k < n; ++k) ana[a][size_t(k * ny + j)] = gp[k];
      }
    }
  }
  // Numerical.
  for (size_t a = 0; a < diff.size(); ++a) {
    const Tensor& x = inputs[diff[a]];
    const int64_t n = x.numel();
    for (int64_t k = 0; k < n; ++k) {
      double* p = element(x, k);
      const double orig = *p;
      Tensor yp, ym;
      {
        NoGradGuard ng;
        *p = orig + eps;
        yp = fn(inputs).detach().to(DType::Float64, /*copy=*/true).contiguous();
        *p = orig - eps;
        ym = fn(inputs).detach().to(DType::Float64, /*copy=*/true).contiguous();
        *p = orig;
      }
      const double* pp = yp.data_ptr<double>();
      const double* mp = ym.data_ptr<double>();
      for (int64_t j = 0; j < ny; ++j) {
        double num = (pp[j] - mp[j]) / (2 * eps);
        double an = ana[a][size_t(k * ny + j)];
        double err = std::abs(an - num);
        if (!(std::isfinite(num) && std::isfinite(an)) && !(std::isnan(num) && std::isnan(an))) err = INFINITY;
        res.max_abs_error = std::max(res.max_abs_error, err);
        if (!(err <= atol + rtol * std::abs(num)) && res.ok) {
          res.ok = false;
          std::ostringstream os;
          os << "Jacobian mismatch for input " << diff[a] << ", element " << k << ", output " << j
             << ": analytic " << an << " vs numerical " << num;
          res.message = os.str();
        }
      }
    }
  }
  return res;
}

}  // namespace descent
