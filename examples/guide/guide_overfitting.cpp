// Guide section 8, over-fitting and its cures. A network with far more weights than examples
// (1 -> 64 -> 64 -> 1, 4353 weights, for 16 noisy points of sin(3x)) learns the noise: its
// training loss keeps falling while its validation loss, after a minimum, rises. Four cures, each
// trained from the same start on the same data:
//   L2 regularisation   loss + alpha * sum(w^2) over the weight matrices (optim::l2_penalty);
//   weight decay        the optimizer shrinks every weight a little each step (AdamW's weight_decay);
//   early stopping      keep the weights of the epoch with the lowest validation loss;
//   dropout             zero half the hidden activations at random while training (nn::Dropout).
// Every run reports its final test error (a third, untouched set).
// Claims checked: without a cure the validation loss rises by more than 30% from its minimum while
// the training loss falls; every cure ends with a lower test error than no cure.
//
//   ./build/release/examples/guide/guide_overfitting [--out DIR]
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

struct Curves {
  std::vector<double> step, train, val;
  double final_train = 0, final_val = 0, test = 0;  // of the weights kept at the end
};

enum class Cure { None, L2, WeightDecay, EarlyStopping, Dropout };

nn::Sequential make_model(bool dropout) {
  manual_seed(1);  // the same initial weights for every run
  nn::Sequential m(nn::Linear(1, 64), nn::Tanh());
  if (dropout) m->push_back(nn::Dropout(0.5));
  m->push_back(nn::Linear(64, 64));
  m->push_back(nn::Tanh());
  if (dropout) m->push_back(nn::Dropout(0.5));
  m->push_back(nn::Linear(64, 1));
  return m;
}

Curves run(Cure cure, const Tensor& xt, const Tensor& yt, const Tensor& xv, const Tensor& yv, const Tensor& xs,
           const Tensor& ys, int steps) {
  nn::Sequential model = make_model(cure == Cure::Dropout);
  std::vector<Tensor> weights;  // the matrices only: biases are usually not penalised
  for (auto& [name, p] : model->named_parameters())
    if (name.find("weight") != std::string::npos) weights.push_back(p);
  const double weight_decay = cure == Cure::WeightDecay ? 0.3 : 0.0;
  optim::AdamW opt(model->parameters(), optim::AdamWOptions().lr(0.003).weight_decay(weight_decay));
  auto eval_loss = [&](const Tensor& x, const Tensor& y) {
    NoGradGuard no_grad;
    model->eval();  // dropout off when measuring
    double l = F::mse_loss(model->forward(x), y).item<double>();
    model->train();
    return l;
  };
  Curves c;
  double best_val = INFINITY;
  nn::StateDict best;
  for (int step = 1; step <= steps; ++step) {
    Tensor loss = F::mse_loss(model->forward(xt), yt);
    if (cure == Cure::L2) loss = loss + optim::l2_penalty(weights, 1e-3);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step % 20 == 0) {
      c.step.push_back(step);
      c.train.push_back(eval_loss(xt, yt));
      c.val.push_back(eval_loss(xv, yv));
      if (c.val.back() < best_val) {
        best_val = c.val.back();
        best = nn::StateDict();  // a copy of every weight at the best validation loss so far
        for (auto& [key, value] : model->state_dict()) best.insert(key, value.detach().clone());
      }
    }
  }
  if (cure == Cure::EarlyStopping) model->load_state_dict(best);  // go back to the best epoch
  c.final_train = eval_loss(xt, yt);
  c.final_val = eval_loss(xv, yv);
  c.test = eval_loss(xs, ys);
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);
  auto make = [](int64_t n, Tensor& x, Tensor& y) {
    x = rand({n, 1}) * 2 - 1;
    y = sin(x * 3) + randn({n, 1}) * 0.3;
  };
  Tensor xt, yt, xv, yv, xs, ys;
  make(16, xt, yt);   // training set: tiny
  make(100, xv, yv);  // validation set: watched during training
  make(200, xs, ys);  // test set: measured once at the end
  const int steps = 2000;

  const std::vector<std::pair<Cure, std::string>> cures = {{Cure::None, "no cure"},
                                                           {Cure::L2, "L2 penalty 1e-3"},
                                                           {Cure::WeightDecay, "weight decay 0.3"},
                                                           {Cure::EarlyStopping, "early stopping"},
                                                           {Cure::Dropout, "dropout 0.5"}};
  std::vector<Curves> results;
  std::printf("run               final train  min val (step)  final val  test MSE\n");
  for (auto& [cure, name] : cures) {
    results.push_back(run(cure, xt, yt, xv, yv, xs, ys, steps));
    const Curves& c = results.back();
    size_t best = std::min_element(c.val.begin(), c.val.end()) - c.val.begin();
    std::printf("%-17s %11.4f  %7.4f (%4.0f)  %9.4f  %8.4f\n", name.c_str(), c.final_train, c.val[best], c.step[best],
                c.final_val, c.test);
  }
  const Curves& plain = results[0];
  size_t best = std::min_element(plain.val.begin(), plain.val.end()) - plain.val.begin();
  claims.check(plain.val.back() > 1.3 * plain.val[best] && plain.train.back() < plain.train[best],
               "without a cure, the val loss rises > 30% above its minimum while the train loss keeps falling");
  for (size_t i = 1; i < results.size(); ++i)
    claims.check(results[i].test < plain.test, cures[i].second + " lowers the final test error");

  report::ChartOptions o;
  o.x_label = "step";
  o.y_label = "MSE";
  o.log_y = true;
  for (size_t i = 0; i < results.size(); ++i) {
    o.title = cures[i].second + ": train vs validation loss";
    std::string file = "overfitting_" + std::to_string(i) + ".svg";
    std::vector<report::Series> lines = {{"train", results[i].step, results[i].train},
                                         {"validation", results[i].step, results[i].val}};
    if (cures[i].first == Cure::EarlyStopping) {  // a vertical line where the kept weights come from
      const auto& c = results[i];
      const size_t at = std::min_element(c.val.begin(), c.val.end()) - c.val.begin();
      const double lo = std::min(*std::min_element(c.train.begin(), c.train.end()), c.val[at]);
      const double hi = std::max(*std::max_element(c.train.begin(), c.train.end()),
                                 *std::max_element(c.val.begin(), c.val.end()));
      lines.push_back({"weights kept", {c.step[at], c.step[at]}, {lo, hi}});
    }
    guide::write_svg(args, file, report::line_chart(lines, o));
  }
  std::vector<std::string> names;
  report::Series test{"test MSE", {}, {}};
  for (size_t i = 0; i < results.size(); ++i) {
    names.push_back(cures[i].second);
    test.y.push_back(results[i].test);
  }
  report::ChartOptions b;
  b.title = "Final test error";
  b.y_label = "test MSE";
  guide::write_svg(args, "overfitting_test.svg", report::bar_chart(names, {test}, b));
  return claims.exit_code();
}
