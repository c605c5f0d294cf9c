// Gradcheck for the activation, softmax, dropout and loss families (ops/op_list_activation.h,
// ops/op_list_loss.h): float64, tiny sizes, with non-contiguous and channels-last inputs, every
// reduction, ignore_index, label smoothing, probability targets and K-dim cross entropy.
#include <gtest/gtest.h>

#include <functional>

#include "descent/descent.h"
#include "gradcheck_registry.h"

using namespace descent;
namespace F = descent::nn::functional;
using nn::Reduction;

namespace {
using namespace gradcheck_table;
using V = const std::vector<Tensor>&;

Tensor idx(const NestedList& l) { return tensor(l, kInt64); }
/// Probabilities in [0.1, 0.9): away from BCE's clamps.
Tensor PROB(const Shape& s) { return leaf(rand(s, kFloat64) * 0.8 + 0.1); }
/// Rows of a probability distribution over dim 1 (a constant).
Tensor DIST(const Shape& s) { return C(F::softmax(randn(s, kFloat64), 1)); }

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};
std::string rname(Reduction r) { return nn::to_string(r); }
}  // namespace

DESCENT_GRADCHECK_CASES(activation_op_cases) {
  auto entry = [&](std::string op, std::string variant, Fn fn, std::vector<Tensor> inputs) {
    c.push_back({std::move(op), std::move(variant), std::move(fn), std::move(inputs)});
  };

  // Element-wise activations: inputs spread over both sides of every knot (x4), plain and non-contiguous.
  struct A {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
  };
  const A acts[] = {
      {"relu6", [](const Tensor& x) { return F::relu6(x * 4 + 2); }},
      {"leaky_relu", [](const Tensor& x) { return F::leaky_relu(x, 0.2); }},
      {"elu", [](const Tensor& x) { return F::elu(x * 2, 1.3); }},
      {"selu", [](const Tensor& x) { return F::selu(x * 2); }},
      {"gelu", [](const Tensor& x) { return F::gelu(x * 3); }},
      {"silu", [](const Tensor& x) { return F::silu(x * 3); }},
      {"mish", [](const Tensor& x) { return F::mish(x * 3); }},
      {"hardtanh", [](const Tensor& x) { return F::hardtanh(x * 2, -1.5, 0.5); }},
      {"hardsigmoid", [](const Tensor& x) { return F::hardsigmoid(x * 4); }},
      {"hardswish", [](const Tensor& x) { return F::hardswish(x * 4); }},
      {"softplus", [](const Tensor& x) { return F::softplus(x * 3); }},
      {"softsign", [](const Tensor& x) { return F::softsign(x * 3); }},
  };
  for (const A& a : acts) {
    auto f = a.f;
    entry(a.name, "plain", [f](V x) { return f(x[0]); }, {R({2, 5})});
    entry(a.name, "noncontig", [f](V x) { return f(x[0]); }, {NC({3, 4})});
  }
  entry("gelu", "tanh", [](V x) { return F::gelu(x[0] * 3, "tanh"); }, {R({2, 5})});
  entry("gelu", "tanh 0-d", [](V x) { return F::gelu(x[0], "tanh"); }, {R({})});
  entry("softplus", "beta threshold", [](V x) { return F::softplus(x[0] * 3, 2.0, 3.0); }, {R({3, 4})});
  entry("leaky_relu", "channels-last", [](V x) { return F::leaky_relu(x[0], 0.1) * 1.5; }, {CL({2, 3, 2, 2})});

  // prelu: input and slopes
  entry("prelu", "per channel", [](V x) { return F::prelu(x[0], x[1]); }, {R({2, 3, 4}), R({3})});
  entry("prelu", "shared", [](V x) { return F::prelu(x[0], x[1]); }, {NC({4, 3}), R({1})});
  entry("prelu", "1-d input", [](V x) { return F::prelu(x[0], x[1]); }, {R({5}), R({1})});
  entry("prelu", "channels-last", [](V x) { return F::prelu(x[0], x[1]); }, {CL({2, 3, 2, 2}), R({3})});

  // softmax family: every dim, non-contiguous, channels-last, dtype cast
  entry("softmax", "dim 1", [](V x) { return F::softmax(x[0], 1); }, {R({3, 4})});
  entry("softmax", "dim 0 noncontig", [](V x) { return F::softmax(x[0], 0); }, {NC({3, 4})});
  entry("softmax", "3-d last", [](V x) { return F::softmax(x[0] * 3, -1); }, {R({2, 2, 3})});
  entry("softmax", "channels-last", [](V x) { return F::softmax(x[0], 1); }, {CL({2, 3, 2, 2})});
  entry("softmax", "dtype", [](V x) { return F::softmax(x[0], 1, kFloat64); }, {R({2, 3})});
  entry("log_softmax", "dim 1", [](V x) { return F::log_softmax(x[0], 1); }, {R({3, 4})});
  entry("log_softmax", "dim 0 noncontig", [](V x) { return F::log_softmax(x[0], 0); }, {NC({3, 4})});
  entry("log_softmax", "large", [](V x) { return F::log_softmax(x[0] * 50, -1); }, {R({2, 4})});
  entry("log_softmax", "channels-last", [](V x) { return F::log_softmax(x[0], 1); }, {CL({2, 3, 2, 2})});

  // dropout: a fresh generator with a fixed seed gives every call the same mask
  entry("dropout", "p 0.4", [](V x) {
    Generator g(7);
    return F::dropout(x[0], 0.4, true, &g);
  }, {R({4, 5})});
  entry("dropout", "noncontig", [](V x) {
    Generator g(8);
    return F::dropout(x[0], 0.5, true, &g);
  }, {NC({3, 4})});
  entry("dropout", "eval", [](V x) { return F::dropout(x[0], 0.5, false) * 2; }, {R({3})});
  entry("dropout2d", "4-d", [](V x) {
    Generator g(9);
    return F::dropout2d(x[0], 0.5, true, &g);
  }, {R({2, 3, 2, 2})});
  entry("dropout2d", "3-d channels-last source", [](V x) {
    Generator g(10);
    return F::dropout2d(x[0].select(0, 1), 0.3, true, &g);
  }, {CL({2, 4, 2, 2})});
}

DESCENT_GRADCHECK_CASES(loss_op_cases) {
  auto entry = [&](std::string op, std::string variant, Fn fn, std::vector<Tensor> inputs) {
    c.push_back({std::move(op), std::move(variant), std::move(fn), std::move(inputs)});
  };

  // ---- regression losses: input and target, every reduction, non-contiguous ----
  for (Reduction r : kReductions) {
    const std::string v = rname(r);
    entry("mse_loss", v, [r](V x) { return F::mse_loss(x[0], x[1], r); }, {R({3, 4}), R({3, 4})});
    entry("l1_loss", v, [r](V x) { return F::l1_loss(x[0], x[1], r); }, {R({3, 4}), R({3, 4})});
    entry("smooth_l1_loss", v, [r](V x) { return F::smooth_l1_loss(x[0], x[1], r, 0.8); }, {R({3, 4}), R({3, 4})});
    entry("huber_loss", v, [r](V x) { return F::huber_loss(x[0], x[1], r, 0.6); }, {R({3, 4}), R({3, 4})});
  }
  entry("mse_loss", "noncontig", [](V x) { return F::mse_loss(x[0], x[1]); }, {NC({3, 4}), STEP({3, 4})});
  entry("l1_loss", "noncontig", [](V x) { return F::l1_loss(x[0], x[1], Reduction::Sum); }, {NC({3, 4}), R({3, 4})});
  entry("smooth_l1_loss", "beta 0", [](V x) { return F::smooth_l1_loss(x[0], x[1], Reduction::Mean, 0.0); },
        {R({5}), R({5})});
  entry("huber_loss", "noncontig", [](V x) { return F::huber_loss(x[0], x[1], Reduction::None, 1.5); },
        {NC({2, 3}), NC({2, 3})});

  // ---- binary cross-entropy ----
  for (Reduction r : kReductions) {
    const std::string v = rname(r);
    entry("binary_cross_entropy", v, [r](V x) { return F::binary_cross_entropy(x[0], x[1], {}, r); },
          {PROB({3, 4}), PROB({3, 4})});
    entry("binary_cross_entropy_with_logits", v,
          [r](V x) { return F::binary_cross_entropy_with_logits(x[0] * 3, x[1], {}, r); }, {R({3, 4}), PROB({3, 4})});
    entry("binary_cross_entropy_with_logits", v + " weight pos_weight",
          [r](V x) { return F::binary_cross_entropy_with_logits(x[0] * 3, x[1], x[2], r, x[3]); },
          {R({3, 4}), PROB({3, 4}), PROB({4}), PROB({4})});
  }
  entry("binary_cross_entropy", "weight noncontig", [](V x) { return F::binary_cross_entropy(x[0], x[1], x[2]); },
        {leaf(NC({4, 3}).sigmoid()), PROB({4, 3}), PROB({3})});
  entry("binary_cross_entropy_with_logits", "pos_weight only noncontig",
        [](V x) { return F::binary_cross_entropy_with_logits(x[0], x[1], {}, Reduction::Sum, x[2]); },
        {NC({4, 3}), PROB({4, 3}), PROB({3})});

  // ---- cross entropy: class indices ----
  Tensor t4 = idx({0, 2, 1, 2});
  Tensor t4_ign = idx({0, 2, -100, 1});
  Tensor t4_ign1 = idx({1, 2, 0, 1});
  for (Reduction r : kReductions) {
    const std::string v = rname(r);
    entry("cross_entropy", v, [r, t4](V x) { return F::cross_entropy(x[0], t4, {}, -100, r); }, {R({4, 3})});
    entry("cross_entropy", v + " weight ignore_index",
          [r, t4_ign1](V x) { return F::cross_entropy(x[0], t4_ign1, x[1], 1, r); }, {R({4, 3}), C(rand({3}, kFloat64) + 0.5)});
    entry("cross_entropy", v + " label smoothing weight ignore",
          [r, t4_ign](V x) { return F::cross_entropy(x[0], t4_ign, x[1], -100, r, 0.2); },
          {R({4, 3}), C(rand({3}, kFloat64) + 0.5)});
    entry("nll_loss", v, [r, t4](V x) { return F::nll_loss(x[0], t4, {}, -100, r); }, {R({4, 3})});
    entry("nll_loss", v + " weight ignore_index",
          [r, t4_ign](V x) { return F::nll_loss(x[0], t4_ign, x[1], -100, r); }, {R({4, 3}), C(rand({3}, kFloat64) + 0.5)});
  }
  entry("cross_entropy", "noncontig", [t4](V x) { return F::cross_entropy(x[0], t4); }, {NC({4, 3})});
  entry("cross_entropy", "label smoothing only", [t4](V x) { return F::cross_entropy(x[0], t4, {}, -100, Reduction::Mean, 0.3); },
        {R({4, 3})});
  entry("cross_entropy", "unbatched", [](V x) { return F::cross_entropy(x[0], idx(2), {}, -100, Reduction::Mean, 0.1); },
        {R({4})});
  Tensor tk = idx({{{0, 2}, {1, -100}}, {{2, 2}, {0, 1}}});
  entry("cross_entropy", "K-dim", [tk](V x) { return F::cross_entropy(x[0], tk); }, {R({2, 3, 2, 2})});
  entry("cross_entropy", "K-dim channels-last weight smoothing none",
        [tk](V x) { return F::cross_entropy(x[0], tk, x[1], -100, Reduction::None, 0.1); },
        {CL({2, 3, 2, 2}), C(rand({3}, kFloat64) + 0.5)});
  entry("cross_entropy", "3-d sum", [](V x) { return F::cross_entropy(x[0], idx({{0, 3, 1}, {2, 2, 0}}), {}, -100, Reduction::Sum); },
        {R({2, 4, 3})});
  entry("nll_loss", "K-dim noncontig", [tk](V x) { return F::nll_loss(x[0].permute({0, 3, 1, 2}), tk); },
        {R({2, 2, 2, 3})});
  entry("nll_loss", "unbatched", [](V x) { return F::nll_loss(x[0], idx(1)); }, {R({3})});

  // ---- cross entropy: class probabilities (input and target) ----
  for (Reduction r : kReductions) {
    const std::string v = rname(r);
    entry("cross_entropy", v + " probs", [r](V x) { return F::cross_entropy(x[0], x[1], {}, -100, r); },
          {R({4, 3}), leaf(DIST({4, 3}))});
    entry("cross_entropy", v + " probs weight smoothing",
          [r](V x) { return F::cross_entropy(x[0], x[1], x[2], -100, r, 0.15); },
          {R({4, 3}), leaf(DIST({4, 3})), C(rand({3}, kFloat64) + 0.5)});
  }
  entry("cross_entropy", "K-dim probs noncontig", [](V x) { return F::cross_entropy(x[0], x[1]); },
        {NC({2, 3, 2}), DIST({2, 3, 2})});

  // ---- kl_div ----
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum, Reduction::BatchMean}) {
    const std::string v = rname(r);
    entry("kl_div", v, [r](V x) { return F::kl_div(x[0], x[1], r); }, {R({3, 4}), P({3, 4})});
    entry("kl_div", v + " log_target", [r](V x) { return F::kl_div(x[0], x[1], r, true); }, {R({3, 4}), R({3, 4})});
  }
  entry("kl_div", "noncontig", [](V x) { return F::kl_div(x[0], x[1], Reduction::BatchMean); }, {NC({3, 4}), PNC({3, 4})});

  // ---- pair losses ----
  Tensor y4 = tensor({1.0, -1.0, 1.0, -1.0}, kFloat64);
  for (Reduction r : kReductions) {
    const std::string v = rname(r);
    entry("cosine_embedding_loss", v, [r, y4](V x) { return F::cosine_embedding_loss(x[0], x[1], y4, -0.5, r); },
          {R({4, 3}), R({4, 3})});
    entry("margin_ranking_loss", v, [r, y4](V x) { return F::margin_ranking_loss(x[0], x[1], y4, 0.7, r); },
          {R({4}), R({4})});
  }
  entry("cosine_embedding_loss", "1-d noncontig", [](V x) {
    return F::cosine_embedding_loss(x[0].select(1, 0), x[1], scalar_tensor(1.0, kFloat64));
  }, {NC({4, 2}), R({4})});
  entry("margin_ranking_loss", "broadcast 2-d", [](V x) {
    return F::margin_ranking_loss(x[0], x[1], tensor({{1.0, -1.0, 1.0}}, kFloat64), 0.5, Reduction::Sum);
  }, {R({2, 3}), NC({2, 3})});
}
