// Guide section 3, classification: predict a discrete class and how sure the model is.
//  (a) binary: two 2-D blobs, a linear model gives one logit z; sigmoid(z) = P(class 1); the loss
//      is the binary cross-entropy (BCE) -[t log p + (1 - t) log(1 - p)];
//  (b) multi-class: three blobs, the model gives K = 3 logits; softmax turns them into K
//      probabilities that sum to 1; the loss is the cross-entropy -log p[true class].
// Claims checked: both reach >= 95% training accuracy; BCE on sigmoid(z) equals the fused
// binary_cross_entropy_with_logits(z); cross_entropy equals -mean(log softmax[true class]);
// each probability row sums to 1.
//
//   ./build/release/examples/guide/guide_classification [--out DIR]
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

// n points around each centre (Gaussian, std 0.6): data [K n, 2], labels [K n] int64.
void blobs(const std::vector<std::pair<double, double>>& centres, int64_t n, Tensor& x, Tensor& labels) {
  std::vector<Tensor> xs, ys;
  for (size_t k = 0; k < centres.size(); ++k) {
    xs.push_back(randn({n, 2}) * 0.6 + tensor({centres[k].first, centres[k].second}));
    ys.push_back(full({n}, int64_t(k), kInt64));
  }
  x = cat(xs);
  labels = cat(ys);
}

void train(nn::Module& model, const std::function<Tensor()>& loss_fn, int steps) {
  optim::SGD opt(model.parameters(), optim::SGDOptions(0.5));
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    loss_fn().backward();
    opt.step();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);

  // (a) binary.
  std::printf("== (a) binary: sigmoid + binary cross-entropy ==\n");
  Tensor x2, y2;
  blobs({{-1.5, -1.0}, {1.5, 1.0}}, 100, x2, y2);
  Tensor t = y2.to(kFloat32).unsqueeze(1);  // BCE wants float targets shaped like the logits
  nn::Linear logit(2, 1);
  train(*logit, [&] { return F::binary_cross_entropy_with_logits(logit->forward(x2), t); }, 200);
  {
    NoGradGuard no_grad;
    Tensor z = logit->forward(x2);
    Tensor p = z.sigmoid();
    const double bce = F::binary_cross_entropy(p, t).item<double>();
    const double bce_logits = F::binary_cross_entropy_with_logits(z, t).item<double>();
    const double acc = p.gt(0.5).to(kInt64).squeeze(1).eq(y2).to(kFloat64).mean().item<double>();
    std::printf("BCE(sigmoid(z)) %.6f, BCE with logits %.6f, accuracy %.3f\n", bce, bce_logits, acc);
    claims.check(std::abs(bce - bce_logits) < 1e-6, "BCE on sigmoid(z) equals binary_cross_entropy_with_logits(z)");
    claims.check(acc >= 0.95, "the binary classifier gets >= 95% right");
    // P(class 1) along the line from one centre to the other.
    Tensor s = linspace(-3.0, 3.0, 7);
    Tensor line = stack({s * 1.5 / 1.8, s * 1.0 / 1.8}, 1);
    auto probs = guide::values(logit->forward(line).sigmoid());
    std::printf("P(class 1) from the class-0 side to the class-1 side:");
    for (double v : probs) std::printf(" %.3f", v);
    std::printf("\n");
    report::ChartOptions o;
    o.title = "Binary: sigmoid(z) = P(class 1) along the line between the blobs";
    o.x_label = "position along the line (0 = the boundary region)";
    o.y_label = "P(class 1)";
    Tensor fine = linspace(-3.0, 3.0, 61);
    Tensor fine_line = stack({fine * 1.5 / 1.8, fine * 1.0 / 1.8}, 1);
    guide::write_svg(args, "classification_sigmoid.svg",
                     report::line_chart({{"sigmoid(z)", guide::values(fine), guide::values(logit->forward(fine_line).sigmoid())}}, o));
  }

  // (b) three classes.
  std::printf("== (b) multi-class: softmax + cross-entropy ==\n");
  Tensor x3, y3;
  blobs({{-2.0, 0.0}, {2.0, 0.0}, {0.0, 2.5}}, 100, x3, y3);
  nn::Linear logits3(2, 3);
  train(*logits3, [&] { return F::cross_entropy(logits3->forward(x3), y3); }, 300);
  {
    NoGradGuard no_grad;
    Tensor z = logits3->forward(x3);
    Tensor p = F::softmax(z, 1);
    const double ce = F::cross_entropy(z, y3).item<double>();
    const double by_hand = -F::log_softmax(z, 1).gather(1, y3.unsqueeze(1)).mean().item<double>();
    const double acc = z.argmax(1).eq(y3).to(kFloat64).mean().item<double>();
    const double worst_sum = (p.sum({1}) - 1).abs().max().item<double>();
    std::printf("cross-entropy %.6f, -mean log softmax[true] %.6f, accuracy %.3f\n", ce, by_hand, acc);
    claims.check(std::abs(ce - by_hand) < 1e-6, "cross_entropy(z, y) = -mean(log softmax(z)[y])");
    claims.check(acc >= 0.95, "the 3-class classifier gets >= 95% right");
    claims.check(worst_sum < 1e-6, "every row of softmax probabilities sums to 1");
    std::printf("point          logits                    probabilities          class\n");
    Tensor probe = tensor({{-2.0, 0.0}, {0.0, 0.8}, {0.1, 2.4}});
    Tensor pz = logits3->forward(probe), pp = F::softmax(pz, 1);
    for (int64_t i = 0; i < 3; ++i) {
      auto l = guide::values(pz[i]), q = guide::values(pp[i]), xy = guide::values(probe[i]);
      std::printf("(%4.1f, %4.1f)  [%6.2f %6.2f %6.2f]  [%.3f %.3f %.3f]  %lld\n", xy[0], xy[1], l[0], l[1], l[2], q[0],
                  q[1], q[2], static_cast<long long>(pz[i].argmax().item<int64_t>()));
    }
    report::ChartOptions o;
    o.title = "Three classes, coloured by the predicted class (argmax of softmax)";
    o.x_label = "x1";
    o.y_label = "x2";
    auto pred = z.argmax(1).to_vector<int64_t>();
    guide::write_svg(args, "classification_softmax.svg",
                     report::cluster_scatter(guide::values(x3.select(1, 0)), guide::values(x3.select(1, 1)), pred,
                                             {"class 0", "class 1", "class 2"}, o));
  }
  return claims.exit_code();
}
