// Guide section 6, backpropagation: the chain rule applied layer by layer, from the loss back to
// the first weights. A 3 -> 4 -> 2 network (tanh hidden layer, MSE loss) in float64:
//   forward   h = x W1^T + b1,  a = tanh(h),  out = a W2^T + b2,  L = mean((out - y)^2)
//   backward  dout = 2 (out - y) / numel          (dL/dout)
//             dW2 = dout^T a,   db2 = sum_rows dout
//             da  = dout W2,    dh = da * (1 - a^2)   (tanh' = 1 - tanh^2)
//             dW1 = dh^T x,     db1 = sum_rows dh
// Each gradient three ways: these formulas by hand, autograd (loss.backward()), and central finite
// differences (L(w + eps) - L(w - eps)) / (2 eps), one weight at a time.
// Claims checked: for every layer, hand = autograd within 1e-12 and finite differences = autograd
// within 1e-8; descent::gradcheck agrees.
//
//   ./build/release/examples/guide/guide_backprop [--out DIR]
#include "guide_util.h"

using namespace descent;

namespace {

Tensor loss_of(const Tensor& x, const Tensor& y, const Tensor& w1, const Tensor& b1, const Tensor& w2, const Tensor& b2) {
  Tensor a = (x.matmul(w1.t()) + b1).tanh();
  Tensor out = a.matmul(w2.t()) + b2;
  return (out - y).square().mean();
}

// Central differences of the loss with respect to every entry of params[k].
Tensor numeric_grad(const std::function<Tensor()>& loss, Tensor& p, double eps = 1e-6) {
  NoGradGuard no_grad;
  Tensor g = zeros_like(p);
  Tensor flat = p.view({-1}), gflat = g.view({-1});
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double old = flat[i].item<double>();
    flat[i].fill_(old + eps);
    const double up = loss().item<double>();
    flat[i].fill_(old - eps);
    const double down = loss().item<double>();
    flat[i].fill_(old);
    gflat[i].fill_((up - down) / (2 * eps));
  }
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);
  const TensorOptions f64(kFloat64);
  Tensor x = randn({5, 3}, f64), y = randn({5, 2}, f64);
  Tensor w1 = randn({4, 3}, f64).requires_grad_(), b1 = randn({4}, f64).requires_grad_();
  Tensor w2 = randn({2, 4}, f64).requires_grad_(), b2 = randn({2}, f64).requires_grad_();

  // Autograd.
  Tensor loss = loss_of(x, y, w1, b1, w2, b2);
  loss.backward();
  std::printf("loss %.6f\n", loss.item<double>());

  // By hand, layer by layer (no autograd: plain tensors).
  Tensor dW1, db1, dW2, db2;
  {
    NoGradGuard no_grad;
    Tensor a = (x.matmul(w1.t()) + b1).tanh();
    Tensor out = a.matmul(w2.t()) + b2;
    Tensor dout = (out - y) * 2 / double(out.numel());
    dW2 = dout.t().matmul(a);
    db2 = dout.sum({0});
    Tensor dh = dout.matmul(w2) * (1 - a * a);
    dW1 = dh.t().matmul(x);
    db1 = dh.sum({0});
  }

  auto loss_fn = [&] { return loss_of(x, y, w1, b1, w2, b2); };
  struct Row {
    const char* name;
    Tensor* param;
    Tensor hand;
  };
  std::vector<Row> rows = {{"W2 [2, 4]", &w2, dW2}, {"b2 [2]", &b2, db2}, {"W1 [4, 3]", &w1, dW1}, {"b1 [4]", &b1, db1}};
  bool hand_ok = true, numeric_ok = true;
  std::printf("layer      |autograd|   max|hand - autograd|  max|numeric - autograd|\n");
  for (auto& r : rows) {
    Tensor g = r.param->grad();
    Tensor numeric = numeric_grad(loss_fn, *r.param);
    const double d_hand = (r.hand - g).abs().max().item<double>();
    const double d_num = (numeric - g).abs().max().item<double>();
    std::printf("%-10s %10.4f   %20.1e  %22.1e\n", r.name, g.norm().item<double>(), d_hand, d_num);
    hand_ok = hand_ok && d_hand < 1e-12;
    numeric_ok = numeric_ok && d_num < 1e-8;
  }
  claims.check(hand_ok, "every layer: the hand-written chain rule equals autograd within 1e-12");
  claims.check(numeric_ok, "every layer: finite differences equal autograd within 1e-8");

  // The library's own checker does the same for any function of tensors.
  auto result = gradcheck([&](const std::vector<Tensor>& in) { return loss_of(x, y, in[0], in[1], in[2], in[3]); },
                          {w1.detach().requires_grad_(), b1.detach().requires_grad_(), w2.detach().requires_grad_(),
                           b2.detach().requires_grad_()});
  claims.check(result.ok, "descent::gradcheck agrees");
  (void)args;
  return claims.exit_code();
}
