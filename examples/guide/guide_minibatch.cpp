// Guide section 7, mini-batch stochastic gradient descent. One epoch = one pass over the data:
//   shuffle the example order; cut it into batches of B; for each batch: forward, loss averaged
//   over the batch, backward, optimizer step (w -= lr * grad), zero the gradients.
// A linear model on 1000 examples of 8 features, trained for 10 epochs with the same learning rate
// and batch sizes 8, 64 and 1000 (full batch). Small batches take many cheap, noisy steps per epoch;
// the full batch takes one exact step per epoch, so it needs many more epochs.
// The same loop over data::DataLoader gives the same number and sizes of batches.
// Claims checked: after one epoch the loss is lower with B = 8 than with B = 64 and lower with
// B = 64 than with the full batch; after 10 the full batch is still 4x worse; the per-step loss is
// noisier with B = 8 than with B = 64;
// the DataLoader yields ceil(1000 / 64) = 16 batches, the last of 40 examples.
//
//   ./build/release/examples/guide/guide_minibatch [--out DIR]
#include "descent/data/data.h"
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

struct Run {
  std::vector<double> epoch_loss;  // full-data loss after each epoch (index 0: before training)
  std::vector<double> step_loss;   // the batch loss of every step
};

Run train(const Tensor& x, const Tensor& y, int64_t batch, int epochs, double lr) {
  manual_seed(1);  // the same initial weights and shuffles for every batch size
  nn::Linear model(x.size(1), 1);
  optim::SGD opt(model->parameters(), optim::SGDOptions(lr));
  auto full_loss = [&] {
    NoGradGuard no_grad;
    return F::mse_loss(model->forward(x), y).item<double>();
  };
  Run run;
  run.epoch_loss.push_back(full_loss());
  const int64_t n = x.size(0);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    Tensor order = randperm(n);                                      // 1. shuffle
    for (int64_t start = 0; start < n; start += batch) {             // 2. batch
      Tensor idx = order.narrow(0, start, std::min(batch, n - start));
      Tensor xb = x.index_select(0, idx), yb = y.index_select(0, idx);
      Tensor loss = F::mse_loss(model->forward(xb), yb);            // 3. loss averaged over the batch
      opt.zero_grad();
      loss.backward();                                               // 4. backward
      opt.step();                                                    // 5. step
      run.step_loss.push_back(loss.item<double>());
    }
    run.epoch_loss.push_back(full_loss());
  }
  return run;
}

// Mean absolute change of the loss from one step to the next: how jumpy the curve is.
double jitter(const std::vector<double>& v, size_t from) {
  double s = 0;
  for (size_t i = from + 1; i < v.size(); ++i) s += std::abs(v[i] - v[i - 1]);
  return s / double(v.size() - from - 1);
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);
  const int64_t n = 1000, d = 8;
  Tensor x = randn({n, d});
  Tensor w = randn({d, 1});
  Tensor y = x.matmul(w) + randn({n, 1}) * 0.5;  // noise variance 0.25: the best reachable loss

  const int epochs = 10;
  const double lr = 0.02;
  std::vector<int64_t> batch_sizes = {8, 64, n};
  std::vector<Run> runs;
  std::printf("batch  steps/epoch  loss after epoch 1    2    5   10\n");
  for (int64_t b : batch_sizes) {
    runs.push_back(train(x, y, b, epochs, lr));
    const auto& e = runs.back().epoch_loss;
    std::printf("%5lld  %11lld  %15.3f %6.3f %6.3f %6.3f\n", static_cast<long long>(b),
                static_cast<long long>((n + b - 1) / b), e[1], e[2], e[5], e[10]);
  }
  claims.check(runs[0].epoch_loss[1] < runs[1].epoch_loss[1] && runs[1].epoch_loss[1] < runs[2].epoch_loss[1],
               "after one epoch: the smaller the batch (the more steps), the lower the loss");
  claims.check(runs[2].epoch_loss[epochs] > 4 * runs[1].epoch_loss[epochs],
               "after 10 epochs the full batch (10 steps) is still far behind");
  // Noise: compare the step-to-step jumps once both have settled (the last 100 steps).
  const double j8 = jitter(runs[0].step_loss, runs[0].step_loss.size() - 100);
  const double j64 = jitter(runs[1].step_loss, runs[1].step_loss.size() - 100);
  std::printf("mean |loss change| per step over the last 100 steps: B=8 %.3f, B=64 %.3f\n", j8, j64);
  claims.check(j8 > j64, "the batch loss is noisier with B = 8 than with B = 64");

  // The same loop with the data pipeline: TensorDataset + DataLoader do steps 1 and 2.
  auto dataset = std::make_shared<data::TensorDataset>(x, y);
  data::DataLoader loader(dataset, data::DataLoaderOptions().batch_size(64).shuffle(true).seed(0));
  int64_t batches = 0, last = 0;
  for (auto& batch : loader) {
    ++batches;
    last = batch.size();
  }
  std::printf("DataLoader(batch_size 64, shuffle): %lld batches per epoch, the last of %lld examples\n",
              static_cast<long long>(batches), static_cast<long long>(last));
  claims.check(batches == 16 && last == 40, "DataLoader: 16 batches, the last one partial (40 = 1000 - 15 * 64)");

  report::ChartOptions o;
  o.title = "Full-data loss per epoch, same learning rate";
  o.x_label = "epoch";
  o.y_label = "MSE";
  o.log_y = true;
  o.markers = true;
  std::vector<report::Series> s;
  for (size_t i = 0; i < runs.size(); ++i)
    s.push_back({"batch " + std::to_string(batch_sizes[i]), {}, runs[i].epoch_loss});
  guide::write_svg(args, "minibatch_epochs.svg", report::line_chart(s, o));

  // The first 3 epochs of B = 64 (48 steps) against the same examples seen by B = 8 (375 steps).
  o.title = "Batch loss at every step (x: examples seen)";
  o.x_label = "examples seen";
  o.markers = false;
  std::vector<report::Series> steps;
  for (size_t i = 0; i < 2; ++i) {
    report::Series t{"batch " + std::to_string(batch_sizes[i]), {}, {}};
    for (size_t k = 0; k < runs[i].step_loss.size() && double(k + 1) * double(batch_sizes[i]) <= 3.0 * double(n); ++k) {
      t.x.push_back(double(k + 1) * double(batch_sizes[i]));
      t.y.push_back(runs[i].step_loss[k]);
    }
    steps.push_back(t);
  }
  guide::write_svg(args, "minibatch_steps.svg", report::line_chart(steps, o));
  return claims.exit_code();
}
