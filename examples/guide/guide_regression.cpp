// Guide section 2, regression: predict a continuous value.
//  (a) a noisy 1-D function fitted by a small MLP with the mean squared error (MSE, L2) loss;
//  (b) a table of three features fitted by a linear model (nn::Linear) with MSE: the learned
//      weights come back close to the ones that made the data;
//  (c) a line with outliers fitted twice, with MSE and with the mean absolute error (L1): L1 stays
//      near the true line, MSE is pulled towards the outliers.
// Claims checked: (a) the fit is closer to the true function than the noisy targets are;
// (b) each weight within 0.05 of the truth; (c) the L1 line is closer to the truth than the MSE line.
//
//   ./build/release/examples/guide/guide_regression [--out DIR]
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

// Fits params by full-batch Adam on loss_fn for `steps` steps; returns the final loss.
double fit(const std::vector<Tensor>& params, const std::function<Tensor()>& loss_fn, int steps, double lr) {
  optim::Adam opt(params, optim::AdamOptions().lr(lr));
  double last = 0;
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    Tensor loss = loss_fn();
    loss.backward();
    opt.step();
    last = loss.item<double>();
  }
  return last;
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);

  // (a) y = sin(3x) + noise, 80 points in [-1.5, 1.5], fitted by 1 -> 32 -> 32 -> 1 with tanh.
  std::printf("== (a) a noisy 1-D function, MLP + MSE ==\n");
  Tensor x = linspace(-1.5, 1.5, 80).unsqueeze(1);  // [N, 1]: one feature per row
  Tensor truth = sin(x * 3);
  Tensor y = truth + randn({80, 1}) * 0.2;
  nn::Sequential mlp(nn::Linear(1, 32), nn::Tanh(), nn::Linear(32, 32), nn::Tanh(), nn::Linear(32, 1));
  double train_mse = fit(mlp->parameters(), [&] { return F::mse_loss(mlp->forward(x), y); }, 1500, 0.01);
  Tensor pred;
  {
    NoGradGuard no_grad;
    pred = mlp->forward(x);
  }
  const double noise_mse = guide::mse(y, truth), fit_mse = guide::mse(pred, truth);
  std::printf("train MSE (fit vs noisy targets)   %.4f\n", train_mse);
  std::printf("noise MSE (targets vs true curve)  %.4f\n", noise_mse);
  std::printf("fit MSE   (fit vs true curve)      %.4f\n", fit_mse);
  claims.check(fit_mse < noise_mse, "the MLP is closer to the true curve than the noisy data");
  {
    report::ChartOptions o;
    o.title = "MLP fit of y = sin(3x) + noise (MSE loss)";
    o.x_label = "x";
    o.y_label = "y";
    auto xs = guide::values(x);
    guide::write_svg(args, "regression_curve.svg",
                     report::line_chart({guide::points("data", xs, guide::values(y)),
                                         {"true sin(3x)", xs, guide::values(truth)},
                                         {"MLP fit", xs, guide::values(pred)}},
                                        o));
  }

  // (b) a table: 200 rows of 3 features, price = 3 x1 - 2 x2 + 0.5 x3 + 1 + noise.
  std::printf("== (b) a table of 3 features, nn::Linear + MSE ==\n");
  Tensor table = randn({200, 3});                               // [N, D]
  Tensor w_true = tensor({{3.0}, {-2.0}, {0.5}});               // [D, 1]
  Tensor target = table.matmul(w_true) + 1.0 + randn({200, 1}) * 0.1;
  nn::Linear linear(3, 1);
  double table_mse = fit(linear->parameters(), [&] { return F::mse_loss(linear->forward(table), target); }, 800, 0.05);
  auto w = guide::values(linear->weight);
  const double b = linear->bias.item<double>();
  std::printf("learned w = [%.3f, %.3f, %.3f], b = %.3f (true [3, -2, 0.5], 1); MSE %.4f\n", w[0], w[1], w[2], b,
              table_mse);
  claims.check(std::abs(w[0] - 3) < 0.05 && std::abs(w[1] + 2) < 0.05 && std::abs(w[2] - 0.5) < 0.05 &&
                   std::abs(b - 1) < 0.05,
               "the linear model recovers the weights that made the table");

  // (c) y = 2x + 1 with small noise, then 8 of 40 points moved up by 6 (outliers).
  std::printf("== (c) a line with outliers: MSE (L2) vs L1 ==\n");
  Tensor lx = linspace(0.0, 4.0, 40).unsqueeze(1);
  Tensor ly = lx * 2 + 1 + randn({40, 1}) * 0.2;
  Tensor outlier = zeros({40, 1});  // 1 for every fifth point (3, 8, 13, ...)
  for (int64_t i = 3; i < 40; i += 5) outlier[i].fill_(1.0);
  ly = ly + outlier * 6;
  double result[2][2];  // [loss][w, b]
  std::vector<report::Series> lines{guide::points("data (8 outliers)", guide::values(lx), guide::values(ly)),
                                    {"true y = 2x + 1", {0, 4}, {1, 9}}};
  for (int l = 0; l < 2; ++l) {
    manual_seed(1);
    nn::Linear line(1, 1);
    auto loss_fn = [&] {
      Tensor p = line->forward(lx);
      return l == 0 ? F::mse_loss(p, ly) : F::l1_loss(p, ly);
    };
    fit(line->parameters(), loss_fn, 2000, 0.05);
    result[l][0] = line->weight.item<double>();
    result[l][1] = line->bias.item<double>();
    std::printf("%-3s fit: y = %.3f x + %.3f\n", l == 0 ? "MSE" : "L1", result[l][0], result[l][1]);
    lines.push_back({l == 0 ? "MSE (L2) fit" : "L1 fit", {0, 4},
                     {result[l][1], result[l][0] * 4 + result[l][1]}});
  }
  // Distance to the true line, averaged over x in [0, 4]: the root mean squared gap.
  auto gap = [](double w, double b) {
    double s = 0;
    for (int i = 0; i <= 100; ++i) {
      double xi = 0.04 * i, d = (w - 2) * xi + (b - 1);
      s += d * d;
    }
    return std::sqrt(s / 101);
  };
  const double gap_mse = gap(result[0][0], result[0][1]), gap_l1 = gap(result[1][0], result[1][1]);
  std::printf("RMS gap to the true line: MSE %.3f, L1 %.3f\n", gap_mse, gap_l1);
  claims.check(gap_l1 < gap_mse / 3, "with outliers the L1 fit is (3x) closer to the true line than the MSE fit");
  {
    report::ChartOptions o;
    o.title = "Outliers pull the MSE fit, not the L1 fit";
    o.x_label = "x";
    o.y_label = "y";
    guide::write_svg(args, "regression_outliers.svg", report::line_chart(lines, o));
  }
  return claims.exit_code();
}
