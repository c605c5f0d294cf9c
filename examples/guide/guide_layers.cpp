// Guide section 4, neurons and layers. A neuron computes a weighted sum of its inputs plus a bias,
// then a point-wise activation: h_j = relu(sum_i x_i W[j, i] + b[j]). A layer is many neurons at
// once, i.e. a matrix product: H = relu(X W^T + b). A 2-layer MLP is two such layers.
// The same network is written three ways: one neuron by a plain loop, the whole network from
// tensor ops (matmul, +, relu), and with nn::Linear modules holding the very same weights.
// Claims checked: the loop neuron matches the matrix (1e-5); the tensor-op MLP output equals the
// nn::Linear MLP output exactly (bit for bit), and so do the gradients of every weight.
//
//   ./build/release/examples/guide/guide_layers [--out DIR]
#include <sstream>

#include "guide_util.h"

using namespace descent;

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);

  const int64_t N = 5, D = 4, H = 8, K = 3;  // batch, inputs, hidden neurons, outputs
  Tensor x = randn({N, D});

  // The module version: Linear(4 -> 8), ReLU, Linear(8 -> 3).
  nn::Linear fc1(D, H), fc2(H, K);
  int64_t count = 0;
  for (auto& item : nn::Sequential(fc1, nn::ReLU(), fc2)->named_parameters()) {
    std::ostringstream shape;
    shape << item.second.sizes();
    std::printf("parameter %-10s shape %s\n", item.first.c_str(), shape.str().c_str());
    count += item.second.numel();
  }
  std::printf("parameters: %lld = 4*8 + 8 + 8*3 + 3\n", static_cast<long long>(count));
  Tensor out_modules = fc2->forward(fc1->forward(x).relu());

  // The tensor-op version, on copies of the same weights (fresh leaves with their own gradients).
  Tensor w1 = fc1->weight.detach().clone().requires_grad_(), b1 = fc1->bias.detach().clone().requires_grad_();
  Tensor w2 = fc2->weight.detach().clone().requires_grad_(), b2 = fc2->bias.detach().clone().requires_grad_();
  Tensor hidden = (x.matmul(w1.t()) + b1).relu();  // [N, H]: 8 neurons for each of the 5 rows
  Tensor out_ops = hidden.matmul(w2.t()) + b2;      // [N, K]

  // One neuron by hand: hidden neuron j = 2 of row n = 0.
  double sum = fc1->bias[2].item<double>();
  for (int64_t i = 0; i < D; ++i) sum += x[0][i].item<double>() * fc1->weight[2][i].item<double>();
  const double neuron = std::max(sum, 0.0);
  std::printf("neuron 2 of row 0: loop %.6f, matrix %.6f\n", neuron, hidden[0][2].item<double>());
  claims.check(std::abs(neuron - hidden[0][2].item<double>()) < 1e-5, "a neuron is one entry of relu(X W^T + b)");

  std::printf("output of row 0: modules [%.6f %.6f %.6f]\n", out_modules[0][0].item<double>(),
              out_modules[0][1].item<double>(), out_modules[0][2].item<double>());
  std::printf("output of row 0: ops     [%.6f %.6f %.6f]\n", out_ops[0][0].item<double>(), out_ops[0][1].item<double>(),
              out_ops[0][2].item<double>());
  const double max_diff = (out_modules - out_ops).abs().max().item<double>();
  std::printf("largest difference over all %lld outputs: %g\n", static_cast<long long>(N * K), max_diff);
  claims.check(equal(out_modules, out_ops), "the tensor-op MLP equals the nn::Linear MLP exactly");

  // Same gradients too: backpropagate the same loss through both.
  out_modules.square().sum().backward();
  out_ops.square().sum().backward();
  const bool same_grads = equal(fc1->weight.grad(), w1.grad()) && equal(fc1->bias.grad(), b1.grad()) &&
                          equal(fc2->weight.grad(), w2.grad()) && equal(fc2->bias.grad(), b2.grad());
  claims.check(same_grads, "their gradients are equal too, for every weight and bias");
  (void)args;
  return claims.exit_code();
}
