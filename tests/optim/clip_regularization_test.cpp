// clip_grad_norm_ / clip_grad_value_ against PyTorch, and the L2 penalty versus weight decay.
#include <limits>

#include "optim_test_util.h"

using namespace optim_test;
using descent::DType;
using descent::Tensor;

namespace {

std::vector<Tensor> golden_clip_params() {
  const json& c = golden()["clip"];
  std::vector<Tensor> ps;
  for (size_t i = 0; i < c["grads"].size(); ++i) {
    const descent::Shape shape = shape_from(c["shapes"][i]);
    Tensor p = descent::zeros(shape, DType::Float64).requires_grad_();
    p.set_grad(tensor_from(c["grads"][i], shape, DType::Float64));
    ps.push_back(p);
  }
  return ps;
}

TEST(ClipGradNorm, MatchesPyTorch) {
  for (const auto& c : golden()["clip"]["norm"]) {
    const double p = c["norm_type"].is_string() ? std::numeric_limits<double>::infinity() : c["norm_type"].get<double>();
    const double max_norm = c["max_norm"].get<double>();
    SCOPED_TRACE("norm_type " + std::to_string(p) + " max_norm " + std::to_string(max_norm));
    std::vector<Tensor> ps = golden_clip_params();
    Tensor extra = descent::zeros({2}, DType::Float64).requires_grad_();  // no grad: ignored
    ps.push_back(extra);
    const double total = optim::clip_grad_norm_(ps, max_norm, p);
    EXPECT_NEAR(total, c["total_norm"].get<double>(), 1e-12 * c["total_norm"].get<double>());
    for (size_t i = 0; i < c["grads"].size(); ++i)
      expect_close(ps[i].grad().to_vector<double>(), c["grads"][i].get<std::vector<double>>(), 1e-12, 1e-15,
                   "grad " + std::to_string(i));
    EXPECT_FALSE(extra.grad().defined());
  }
}

TEST(ClipGradNorm, Float32AndSingleTensor) {
  Tensor p = descent::zeros({2}).requires_grad_();
  p.set_grad(descent::tensor({3.0, 4.0}));
  EXPECT_FLOAT_EQ(optim::clip_grad_norm_(p, 1.0), 5.0);
  const auto g = p.grad().to_vector<float>();
  EXPECT_NEAR(g[0], 0.6, 1e-6);
  EXPECT_NEAR(g[1], 0.8, 1e-6);
}

TEST(ClipGradNorm, NoGradientsGiveZero) {
  Tensor p = descent::zeros({2}).requires_grad_();
  EXPECT_EQ(optim::clip_grad_norm_(std::vector<Tensor>{p}, 1.0), 0.0);
  EXPECT_EQ(optim::clip_grad_norm_(std::vector<Tensor>{}, 1.0), 0.0);
}

TEST(ClipGradNorm, NonFiniteNorms) {
  Tensor p = descent::zeros({2}).requires_grad_();
  p.set_grad(descent::tensor({std::numeric_limits<double>::infinity(), 1.0}));
  const std::string msg = [&] {
    try {
      optim::clip_grad_norm_(p, 1.0, 2.0, /*error_if_nonfinite=*/true);
    } catch (const descent::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(msg.find("non-finite"), std::string::npos) << msg;
  // Without the flag the gradients are scaled by the non-finite norm, as in PyTorch.
  EXPECT_TRUE(std::isinf(optim::clip_grad_norm_(p, 1.0)));
  EXPECT_EQ(p.grad().to_vector<float>()[1], 0.0f);
  EXPECT_THROW(optim::clip_grad_norm_(p, 1.0, 0.0), descent::Error);
  EXPECT_THROW(optim::clip_grad_norm_(p, 1.0, -1.0), descent::Error);
}

TEST(ClipGradValue, MatchesPyTorch) {
  const json& v = golden()["clip"]["value"];
  std::vector<Tensor> ps = golden_clip_params();
  optim::clip_grad_value_(ps, v["clip_value"].get<double>());
  for (size_t i = 0; i < ps.size(); ++i)
    expect_close(ps[i].grad().to_vector<double>(), v["grads"][i].get<std::vector<double>>(), 0, 0, "grad");
  EXPECT_THROW(optim::clip_grad_value_(ps, -1.0), descent::Error);
}

// ---- L2 penalty vs weight decay ----

TEST(L2Penalty, IsAlphaTimesSumOfSquares) {
  Tensor w = descent::tensor({1.0, -2.0}, DType::Float64).requires_grad_();
  Tensor b = descent::tensor({3.0}, DType::Float64).requires_grad_();
  Tensor pen = optim::l2_penalty({w, b}, 0.5);
  EXPECT_EQ(pen.dim(), 0);
  EXPECT_DOUBLE_EQ(pen.item<double>(), 0.5 * (1 + 4 + 9));
  pen.backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{1.0, -2.0}));  // 2 * alpha * w
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{3.0}));
  EXPECT_THROW(optim::l2_penalty({}, 0.1), descent::Error);
  EXPECT_THROW(optim::l2_penalty({descent::arange(3)}, 0.1), descent::Error);
}

// A small least-squares problem: loss = mean((x W^T + b - y)^2), float64.
struct Problem {
  Tensor x = descent::tensor({{0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}, {-0.2, 0.8, 1.1}, {1.0, 1.0, -1.0}}, DType::Float64);
  Tensor y = descent::tensor({{1.0, 0.0}, {-1.0, 2.0}, {0.5, 0.5}, {0.0, -1.0}}, DType::Float64);
  Tensor w0 = descent::tensor({{0.3, -0.2, 0.1}, {0.5, 0.4, -0.6}}, DType::Float64);
  Tensor b0 = descent::tensor({0.05, -0.1}, DType::Float64);
  Tensor loss(const Tensor& w, const Tensor& b) const { return (x.matmul(w.t()) + b - y).square().mean(); }
};

// Trains for `steps` steps; alpha > 0 adds l2_penalty(params, alpha) to the loss.
template <typename Make>
std::vector<Tensor> train(Make make, double alpha, int steps = 25) {
  Problem pb;
  Tensor w = pb.w0.clone().requires_grad_(), b = pb.b0.clone().requires_grad_();
  auto opt = make(std::vector<Tensor>{w, b});
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Tensor loss = pb.loss(w, b);
    if (alpha > 0) loss = loss + optim::l2_penalty({w, b}, alpha);
    loss.backward();
    opt.step();
  }
  return {w.detach(), b.detach()};
}

double max_abs_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
  return d;
}

TEST(L2Penalty, EqualsWeightDecayForSGD) {
  const double wd = 0.1;
  // l2_penalty(alpha) has gradient 2 alpha w, so weight_decay wd matches alpha = wd / 2.
  auto with_wd = train([&](auto p) { return optim::SGD(p, optim::SGDOptions(0.1).weight_decay(wd)); }, 0);
  auto with_l2 = train([&](auto p) { return optim::SGD(p, optim::SGDOptions(0.1)); }, wd / 2);
  auto plain = train([&](auto p) { return optim::SGD(p, optim::SGDOptions(0.1)); }, 0);
  EXPECT_LT(max_abs_diff(with_wd, with_l2), 1e-12);
  EXPECT_GT(max_abs_diff(with_wd, plain), 1e-3);  // the term does something
  // With momentum too: the gradient is all SGD sees.
  auto m_wd = train([&](auto p) { return optim::SGD(p, optim::SGDOptions(0.1).momentum(0.9).weight_decay(wd)); }, 0);
  auto m_l2 = train([&](auto p) { return optim::SGD(p, optim::SGDOptions(0.1).momentum(0.9)); }, wd / 2);
  EXPECT_LT(max_abs_diff(m_wd, m_l2), 1e-12);
}

TEST(L2Penalty, DiffersFromDecoupledWeightDecayForAdam) {
  const double wd = 0.1;
  auto adam_l2 = train([&](auto p) { return optim::Adam(p, optim::AdamOptions(0.05)); }, wd / 2);
  auto adamw = train([&](auto p) { return optim::AdamW(p, optim::AdamWOptions(0.05).weight_decay(wd)); }, 0);
  auto adam = train([&](auto p) { return optim::Adam(p, optim::AdamOptions(0.05)); }, 0);
  // torch.optim.Adam's weight_decay is itself the coupled L2 form (g += wd * p), so it agrees with
  // the explicit term ...
  auto adam_wd = train([&](auto p) { return optim::Adam(p, optim::AdamOptions(0.05).weight_decay(wd)); }, 0);
  EXPECT_LT(max_abs_diff(adam_wd, adam_l2), 1e-10);
  // ... but under Adam an L2 term is not weight decay: its gradient is rescaled by the adaptive
  // denominator, while AdamW shrinks the weights directly (p *= 1 - lr wd). The two differ.
  EXPECT_GT(max_abs_diff(adam_l2, adamw), 1e-3);
  EXPECT_GT(max_abs_diff(adam_l2, adam), 1e-3);
  EXPECT_GT(max_abs_diff(adamw, adam), 1e-3);
}

}  // namespace
