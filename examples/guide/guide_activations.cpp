// Guide section 5, activations: the point-wise non-linear functions between linear layers (without
// them, two linear layers collapse into one). ReLU max(0, x); Sigmoid 1 / (1 + e^-x) in (0, 1);
// Tanh in (-1, 1), and Tanh(x) = 2 Sigmoid(2x) - 1; Softmax turns a vector of scores into
// probabilities. Their derivatives come from autograd and are compared with the formulas
// ReLU' = [x > 0], Sigmoid' = s (1 - s), Tanh' = 1 - t^2.
// Claims checked: the Tanh/Sigmoid identity within 1e-6; autograd derivatives equal the formulas
// within 1e-6; softmax sums to 1 and does not change when a constant is added to every score.
//
//   ./build/release/examples/guide/guide_activations [--out DIR]
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;

  // 201 points in [-5, 5]; requires_grad so that backward() gives each derivative point by point
  // (the sum's gradient w.r.t. x[i] is f'(x[i]) because each output depends on one input only).
  Tensor x = linspace(-5.0, 5.0, 201);
  struct Act {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::function<Tensor(const Tensor&, const Tensor&)> derivative;  // (x, f(x)) -> f'(x)
  };
  std::vector<Act> acts = {
      {"ReLU", [](const Tensor& v) { return v.relu(); }, [](const Tensor& v, const Tensor&) { return v.gt(0.0).to(kFloat32); }},
      {"Sigmoid", [](const Tensor& v) { return v.sigmoid(); }, [](const Tensor&, const Tensor& s) { return s * (1 - s); }},
      {"Tanh", [](const Tensor& v) { return v.tanh(); }, [](const Tensor&, const Tensor& t) { return 1 - t * t; }},
  };
  std::vector<report::Series> curves, slopes;
  std::vector<double> worst_gap;
  auto xs = guide::values(x);
  std::printf("x          -2        -1         0         1         2\n");
  for (auto& a : acts) {
    Tensor xi = x.clone().requires_grad_();
    Tensor y = a.f(xi);
    y.sum().backward();
    Tensor formula = a.derivative(x, y.detach());
    // ReLU has no derivative at exactly 0: autograd uses 0 there, as PyTorch does, and so does [x > 0].
    const double worst = (xi.grad() - formula).abs().max().item<double>();
    curves.push_back({a.name, xs, guide::values(y)});
    slopes.push_back({std::string(a.name) + "'", xs, guide::values(xi.grad())});
    Tensor at = a.f(tensor({-2.0, -1.0, 0.0, 1.0, 2.0}));
    std::printf("%-8s", a.name);
    for (double v : guide::values(at)) std::printf("%10.4f", v);
    std::printf("\n");
    worst_gap.push_back(worst);
  }
  for (size_t i = 0; i < acts.size(); ++i)
    claims.check(worst_gap[i] < 1e-6, std::string(acts[i].name) + "' from autograd equals its formula");

  // Tanh is a shifted, rescaled Sigmoid.
  const double identity_gap = (x.tanh() - (2 * (2 * x).sigmoid() - 1)).abs().max().item<double>();
  std::printf("max |tanh(x) - (2 sigmoid(2x) - 1)| over [-5, 5]: %.1e\n", identity_gap);
  claims.check(identity_gap < 1e-6, "Tanh(x) = 2 Sigmoid(2x) - 1 within 1e-6");

  // Softmax: exp(z_i) / sum_j exp(z_j).
  Tensor z = tensor({1.0, 2.0, 3.0});
  auto p = guide::values(F::softmax(z, 0));
  auto p_shift = guide::values(F::softmax(z + 100, 0));
  std::printf("softmax([1, 2, 3])       = [%.4f %.4f %.4f], sum %.4f\n", p[0], p[1], p[2], p[0] + p[1] + p[2]);
  std::printf("softmax([101, 102, 103]) = [%.4f %.4f %.4f]\n", p_shift[0], p_shift[1], p_shift[2]);
  claims.check(std::abs(p[0] + p[1] + p[2] - 1) < 1e-6, "softmax sums to 1");
  claims.check(std::abs(p[0] - p_shift[0]) < 1e-6 && std::abs(p[2] - p_shift[2]) < 1e-6,
               "softmax(z + c) = softmax(z): only differences of scores matter");

  report::ChartOptions o;
  o.x_label = "x";
  o.title = "Activation functions";
  guide::write_svg(args, "activations.svg", report::line_chart(curves, o));
  o.title = "Their derivatives (from autograd)";
  guide::write_svg(args, "activations_derivatives.svg", report::line_chart(slopes, o));
  return claims.exit_code();
}
