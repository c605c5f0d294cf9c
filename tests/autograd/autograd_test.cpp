// Autograd semantics: accumulation, retain_graph, freed graphs, detach, NoGradGuard, leaves,
// grad_fn names, explicit gradients, in-place rules and version checks, views, retain_grad.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace test_util;

TEST(Autograd, LeafGradAccumulatesAcrossBackwardCalls) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (x * x).sum().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{2, 4}));
  (x * 3).sum().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{5, 7}));
  x.zero_grad(false);
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{0, 0}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SecondBackwardThroughFreedGraphThrows) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = (x.exp() * x).sum();
  y.backward();
  std::string msg = error_of([&] { y.backward(); });
  EXPECT_NE(msg.find("second time"), std::string::npos) << msg;
}

TEST(Autograd, RetainGraphAllowsSecondBackward) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = (x.exp()).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_NEAR(x.grad().at<double>({0}), 2 * std::exp(1.0), 1e-12);
}

TEST(Autograd, ExplicitGradientForNonScalar) {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 2;
  EXPECT_NE(error_of([&] { y.backward(); }).find("scalar outputs"), std::string::npos);
  y.backward(tensor({1.0, 0.5, 0.0}, kFloat64));
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{2, 1, 0}));
}

TEST(Autograd, LeavesGradFnAndRequiresGrad) {
  Tensor x = randn({3}).requires_grad_();
  Tensor c = randn({3});
  EXPECT_TRUE(x.is_leaf());
  EXPECT_TRUE(c.is_leaf());
  EXPECT_FALSE(c.requires_grad());
  Tensor y = x * c;
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(y.grad_fn_name(), "MulBackward");
  EXPECT_EQ((x + c).grad_fn_name(), "AddBackward");
  EXPECT_EQ(x.sum().grad_fn_name(), "SumBackward");
  EXPECT_EQ(x.grad_fn_name(), "");
  EXPECT_FALSE((c * 2).requires_grad());
  EXPECT_THROW(y.requires_grad_(false), Error);
  EXPECT_THROW(tensor({1, 2}).requires_grad_(), Error);
}

TEST(Autograd, DetachAndNoGradGuard) {
  Tensor x = randn({3}).requires_grad_();
  Tensor d = (x * 2).detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  {
    NoGradGuard g;
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_FALSE(GradMode::is_enabled());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  Tensor z = x * 2;
  z.detach_();
  EXPECT_FALSE(z.requires_grad());
}

TEST(Autograd, DetachSharesStorage) {
  Tensor x = zeros({3}).requires_grad_();
  Tensor d = x.detach();
  d.fill_(2.0);
  EXPECT_FLOAT_EQ(x.at<float>({1}), 2.0f);
}

TEST(Autograd, BroadcastGradientsReduceToInputShape) {
  Tensor a = ones({3, 1}, kFloat64).requires_grad_();
  Tensor b = ones({4}, kFloat64).requires_grad_();
  (a * b).sum().backward();
  EXPECT_EQ(a.grad().sizes(), (Shape{3, 1}));
  EXPECT_EQ(vec(a.grad()), (std::vector<double>{4, 4, 4}));
  EXPECT_EQ(vec(b.grad()), (std::vector<double>{3, 3, 3, 3}));
}

TEST(Autograd, GradientThroughViewsReachesBase) {
  Tensor x = arange(6.0, kFloat64).requires_grad_();
  Tensor v = x.view({2, 3}).t().select(0, 1);  // elements 1 and 4
  (v * v).sum().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{0, 2, 0, 0, 8, 0}));
}

TEST(Autograd, InPlaceOnLeafRequiringGradThrows) {
  Tensor x = randn({3}).requires_grad_();
  std::string msg = error_of([&] { x.add_(1.0); });
  EXPECT_NE(msg.find("leaf"), std::string::npos) << msg;
  EXPECT_THROW(x.narrow(0, 0, 1).mul_(2.0), Error);
  {
    NoGradGuard g;
    x.add_(1.0);  // allowed without grad mode (optimizer updates)
  }
}

TEST(Autograd, ModifyingASavedTensorIsCaughtAtBackward) {
  Tensor x = randn({3}, kFloat64).requires_grad_();
  Tensor y = x.exp();  // saves its output
  Tensor z = y.sum();
  y.mul_(2.0);
  std::string msg = error_of([&] { z.backward(); });
  EXPECT_NE(msg.find("modified by an in-place operation"), std::string::npos) << msg;
  EXPECT_NE(msg.find("version"), std::string::npos) << msg;
}

TEST(Autograd, VersionCounterIsSharedByViews) {
  Tensor x = zeros({4});
  Tensor v = x.narrow(0, 1, 2);
  const uint64_t v0 = x._version();
  v.add_(1.0);
  EXPECT_EQ(x._version(), v0 + 1);
  EXPECT_EQ(v._version(), x._version());
}

TEST(Autograd, InPlaceOnNonLeafRewritesHistory) {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 2;
  y.mul_(x);  // y = 2x^2, dy/dx = 4x
  EXPECT_EQ(y.grad_fn_name(), "CopyBackwards");
  y.sum().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{4, 8, 12}));
  // As in PyTorch, y.mul_(y) saves y for backward and then overwrites it: caught at backward.
  Tensor z = x * 2;
  z.mul_(z);
  EXPECT_THROW(z.sum().backward(), Error);
}

TEST(Autograd, InPlaceOnViewUpdatesBaseHistory) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).requires_grad_();
  Tensor w = tensor({10.0}, kFloat64).requires_grad_();
  Tensor y = x * 1;
  y.narrow(0, 1, 2).mul_(w);  // y = [x0, 10 x1, 10 x2, x3]
  EXPECT_EQ(y.grad_fn_name(), "CopySlices");
  y.sum().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{1, 10, 10, 1}));
  EXPECT_EQ(vec(w.grad()), (std::vector<double>{5}));
}

TEST(Autograd, RetainGradOnNonLeaf) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x * 3;
  h.retain_grad();
  (h * h).sum().backward();
  ASSERT_TRUE(h.grad().defined());
  EXPECT_EQ(vec(h.grad()), (std::vector<double>{6, 12}));
  Tensor h2 = x * 3;
  (h2 * h2).sum().backward();
  EXPECT_FALSE(h2.grad().defined());
}

TEST(Autograd, GradFunctionDoesNotTouchDotGrad) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = (x * x * x).sum();
  auto g = grad({y}, {x});
  EXPECT_EQ(vec(g[0]), (std::vector<double>{3, 12}));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, MixedDtypeGradientsComeBackInInputDtype) {
  Tensor a = ones({2}, kFloat32).requires_grad_();
  Tensor b = ones({2}, kFloat64).requires_grad_();
  Tensor y = (a * b).sum();
  EXPECT_EQ(y.dtype(), kFloat64);
  y.backward();
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_EQ(b.grad().dtype(), kFloat64);
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  Tensor x = tensor({2.0}, kFloat64).requires_grad_();
  Tensor a = x * 3, b = x.exp();
  (a * b).sum().backward();  // d/dx 3x e^x = 3e^x + 3x e^x
  EXPECT_NEAR(x.grad().item<double>(), 3 * std::exp(2.0) * 3, 1e-9);
}

TEST(Autograd, BackwardOnTensorWithoutHistoryThrows) {
  Tensor x = randn({1});
  std::string msg = error_of([&] { x.backward(); });
  EXPECT_NE(msg.find("does not require grad"), std::string::npos) << msg;
}

TEST(Autograd, MaxWithIndicesRoutesGradientToArgmax) {
  Tensor x = tensor({{1.0, 5.0, 3.0}, {7.0, 2.0, 7.0}}, kFloat64).requires_grad_();
  auto [v, i] = x.max(1);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  v.sum().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{0, 1, 0, 1, 0, 0}));
}

TEST(Autograd, AmaxSplitsTiesEvenly) {
  Tensor x = tensor({7.0, 2.0, 7.0}, kFloat64).requires_grad_();
  x.amax().backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{0.5, 0, 0.5}));
}
