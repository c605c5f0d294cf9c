// Guide section 9, learning-rate decay. With mini-batches the gradient is noisy, so a constant
// learning rate makes the weights hover around the minimum at a distance set by lr: the loss stops
// improving at a "noise floor". Lowering lr later in training shrinks the hovering. Three runs of
// the same mini-batch SGD (linear model, 8 features, batch 8, 30 epochs, start lr 0.1):
//   constant       lr = 0.1 throughout;
//   step decay     optim::StepLR: lr x 0.1 every 10 epochs (2 reductions);
//   on plateau     optim::ReduceLROnPlateau on the validation loss: lr x 0.5 after 2 epochs
//                  without improvement, at most 3 times (min_lr = 0.1 / 8).
// Claims checked: both decays end with a lower validation loss than the constant lr; StepLR
// reduced twice; ReduceLROnPlateau reduced 2 or 3 times.
//
//   ./build/release/examples/guide/guide_lr_decay [--out DIR]
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

enum class Schedule { Constant, Step, Plateau };

struct Run {
  std::vector<double> val_loss, lr;  // per epoch
};

Run train(Schedule schedule, const Tensor& x, const Tensor& y, const Tensor& xv, const Tensor& yv) {
  manual_seed(1);  // same start and same shuffles for every schedule
  nn::Linear model(x.size(1), 1);
  const double lr0 = 0.1;
  optim::SGD opt(model->parameters(), optim::SGDOptions(lr0));
  std::unique_ptr<optim::StepLR> step_lr;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;
  if (schedule == Schedule::Step) step_lr = std::make_unique<optim::StepLR>(opt, 10, 0.1);
  if (schedule == Schedule::Plateau)
    plateau = std::make_unique<optim::ReduceLROnPlateau>(
        opt, optim::ReduceLROnPlateauOptions().factor(0.5).patience(2).min_lr(lr0 / 8));
  Run run;
  const int64_t n = x.size(0), batch = 8;
  for (int epoch = 0; epoch < 30; ++epoch) {
    run.lr.push_back(opt.param_groups()[0].options().get_lr());  // the lr used during this epoch
    Tensor order = randperm(n);
    for (int64_t s = 0; s < n; s += batch) {
      Tensor idx = order.narrow(0, s, std::min(batch, n - s));
      Tensor loss = F::mse_loss(model->forward(x.index_select(0, idx)), y.index_select(0, idx));
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    NoGradGuard no_grad;
    run.val_loss.push_back(F::mse_loss(model->forward(xv), yv).item<double>());
    if (step_lr) step_lr->step();                     // once per epoch, after the optimizer steps
    if (plateau) plateau->step(run.val_loss.back());  // needs the monitored metric
  }
  return run;
}

int reductions(const std::vector<double>& lr) {
  int r = 0;
  for (size_t i = 1; i < lr.size(); ++i) r += lr[i] < lr[i - 1];
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);
  Tensor w = randn({8, 1});
  auto make = [&](int64_t n, Tensor& x, Tensor& y) {
    x = randn({n, 8});
    y = x.matmul(w) + randn({n, 1}) * 0.5;
  };
  Tensor x, y, xv, yv;
  make(800, x, y);
  make(400, xv, yv);
  {
    NoGradGuard no_grad;  // the best a linear model can do on the validation set: the noise, 0.25
    std::printf("validation MSE of the true weights: %.4f\n", F::mse_loss(xv.matmul(w), yv).item<double>());
  }
  const std::vector<std::pair<Schedule, std::string>> schedules = {
      {Schedule::Constant, "constant"}, {Schedule::Step, "step decay"}, {Schedule::Plateau, "on plateau"}};
  std::vector<Run> runs;
  std::printf("schedule     val MSE at epoch 5     10     20     30   reductions  final lr\n");
  for (auto& [schedule, name] : schedules) {
    runs.push_back(train(schedule, x, y, xv, yv));
    const Run& r = runs.back();
    std::printf("%-11s %18.4f %6.4f %6.4f %6.4f %12d  %8.5f\n", name.c_str(), r.val_loss[4], r.val_loss[9],
                r.val_loss[19], r.val_loss[29], reductions(r.lr), r.lr.back());
  }
  const Run& plateau = runs[2];
  std::printf("ReduceLROnPlateau lowered the lr before epochs:");
  for (size_t i = 1; i < plateau.lr.size(); ++i)
    if (plateau.lr[i] < plateau.lr[i - 1]) std::printf(" %zu", i + 1);
  std::printf("\n");
  claims.check(runs[1].val_loss.back() < runs[0].val_loss.back(), "step decay ends below the constant lr");
  claims.check(runs[2].val_loss.back() < runs[0].val_loss.back(), "reduce-on-plateau ends below the constant lr");
  claims.check(reductions(runs[1].lr) == 2, "StepLR reduced the lr twice (x0.1)");
  const int pr = reductions(runs[2].lr);
  claims.check(pr >= 2 && pr <= 3, "ReduceLROnPlateau reduced the lr 2 or 3 times (x0.5)");

  report::ChartOptions o;
  o.x_label = "epoch";
  o.log_y = true;
  std::vector<report::Series> loss, lr;
  for (size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> epochs;
    for (size_t e = 1; e <= runs[i].lr.size(); ++e) epochs.push_back(double(e));
    loss.push_back({schedules[i].second, epochs, runs[i].val_loss});
    lr.push_back({schedules[i].second, epochs, runs[i].lr});
  }
  o.title = "Validation loss";
  o.y_label = "MSE";
  guide::write_svg(args, "lr_decay_loss.svg", report::line_chart(loss, o));
  o.title = "Learning rate";
  o.y_label = "lr";
  o.step = true;
  guide::write_svg(args, "lr_decay_lr.svg", report::line_chart(lr, o));
  return claims.exit_code();
}
