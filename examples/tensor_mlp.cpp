// A two-layer perceptron written with the tensor API alone (no nn modules): it learns XOR and a
// noisy three-arm 2-D spiral with mini-batch SGD + momentum, printing the loss as it goes.
// Exit status 0 only when both final losses are below the bounds stated in main().
//
//   ./build/release/examples/tensor_mlp [--quiet]
#include <cmath>
#include <cstdio>
#include <cstring>

#include "descent/descent.h"

using namespace descent;

namespace {

struct Mlp {
  Tensor w1, b1, w2, b2;
  Mlp(int64_t in, int64_t hidden, int64_t out) {
    // Kaiming-uniform style init for the ReLU layer, small init for the output layer.
    const double a1 = std::sqrt(6.0 / double(in)), a2 = std::sqrt(1.0 / double(hidden));
    w1 = (rand({in, hidden}) * 2 - 1).mul(a1).requires_grad_();
    b1 = zeros({hidden}).requires_grad_();
    w2 = (rand({hidden, out}) * 2 - 1).mul(a2).requires_grad_();
    b2 = zeros({out}).requires_grad_();
  }
  std::vector<Tensor> params() const { return {w1, b1, w2, b2}; }
  Tensor forward(const Tensor& x) const { return (x.matmul(w1) + b1).relu().matmul(w2) + b2; }
};

// Mean cross-entropy of logits [N, K] against class indices [N], computed stably with logsumexp.
Tensor cross_entropy(const Tensor& logits, const Tensor& y) {
  Tensor picked = logits.gather(1, y.unsqueeze(1)).squeeze(1);
  return (logits.logsumexp({1}) - picked).mean();
}

double accuracy(const Tensor& logits, const Tensor& y) {
  return logits.argmax(1).eq(y).to(kFloat64).mean().item<double>();
}

struct Result {
  double loss, acc;
};

Result train(Mlp& m, const Tensor& x, const Tensor& y, int epochs, int64_t batch, double lr, bool quiet,
             const char* name) {
  std::vector<Tensor> velocity;
  for (auto& p : m.params()) velocity.push_back(zeros_like(p));
  const int64_t n = x.size(0);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    Tensor perm = randperm(n);
    for (int64_t s = 0; s < n; s += batch) {
      Tensor idx = perm.narrow(0, s, std::min(batch, n - s));
      Tensor loss = cross_entropy(m.forward(x.index_select(0, idx)), y.index_select(0, idx));
      loss.backward();
      NoGradGuard no_grad;
      auto ps = m.params();
      for (size_t i = 0; i < ps.size(); ++i) {  // SGD with momentum 0.9
        velocity[i].mul_(0.9).add_(ps[i].grad());
        ps[i].sub_(velocity[i], lr);
        ps[i].zero_grad();
      }
    }
    if (!quiet && (epoch % (epochs / 5) == 0 || epoch == 1)) {
      NoGradGuard no_grad;
      Tensor logits = m.forward(x);
      std::printf("%-7s epoch %4d  loss %.4f  accuracy %.3f\n", name, epoch, cross_entropy(logits, y).item<double>(),
                  accuracy(logits, y));
    }
  }
  NoGradGuard no_grad;
  Tensor logits = m.forward(x);
  return {cross_entropy(logits, y).item<double>(), accuracy(logits, y)};
}

// Three interleaved spiral arms with Gaussian noise: class k has points at angle t*4 + k*2pi/3.
void make_spiral(int64_t per_class, Tensor& x, Tensor& y) {
  const int64_t K = 3;
  Tensor t = linspace(0.0, 1.0, per_class).repeat({K});                     // radius in [0, 1]
  Tensor k = arange(K).unsqueeze(1).expand({K, per_class}).reshape({-1});   // class ids
  Tensor angle = t * 4.0 + k.to(kFloat32) * (2.0 * M_PI / 3.0) + randn({K * per_class}) * 0.2;
  x = stack({t * sin(angle), t * cos(angle)}, 1);
  y = k;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quiet = argc > 1 && std::strcmp(argv[1], "--quiet") == 0;
  manual_seed(0);
  // XOR: four points, not linearly separable.
  Tensor xx = tensor({{0.0, 0.0}, {0.0, 1.0}, {1.0, 0.0}, {1.0, 1.0}});
  Tensor xy = tensor({0, 1, 1, 0});
  Mlp xor_net(2, 16, 2);
  Result rx = train(xor_net, xx, xy, 300, 4, 0.1, quiet, "xor");

  Tensor sx, sy;
  make_spiral(200, sx, sy);
  Mlp spiral_net(2, 64, 3);
  Result rs = train(spiral_net, sx, sy, 300, 32, 0.05, quiet, "spiral");

  // The stated bounds (also checked by ctest).
  const double xor_bound = 0.05, spiral_bound = 0.2;
  std::printf("xor:    final loss %.4f (bound %.2f), accuracy %.3f\n", rx.loss, xor_bound, rx.acc);
  std::printf("spiral: final loss %.4f (bound %.2f), accuracy %.3f\n", rs.loss, spiral_bound, rs.acc);
  const bool ok = rx.loss < xor_bound && rs.loss < spiral_bound;
  std::printf("%s\n", ok ? "both networks learned their task" : "FAILED: a loss stayed above its bound");
  return ok ? 0 : 1;
}
