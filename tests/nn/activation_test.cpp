// Activations, softmax family and dropout: PyTorch golden values (forward and input/weight
// gradients), modules, dropout train/eval behaviour and scaling, stability and error messages.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>

#include "activation_loss_golden.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace test_util;
namespace F = descent::nn::functional;
using nn_golden::Inputs;
using nn_golden::json;

TEST(ActivationGolden, MatchesPyTorch) {
  auto x = [](const Inputs& in) { return in.at("input"); };
  std::map<std::string, nn_golden::OpFn> ops = {
      {"relu", [&](const Inputs& in, const json&) { return relu(x(in)); }},
      {"sigmoid", [&](const Inputs& in, const json&) { return sigmoid(x(in)); }},
      {"tanh", [&](const Inputs& in, const json&) { return tanh(x(in)); }},
      {"relu6", [&](const Inputs& in, const json&) { return F::relu6(x(in)); }},
      {"leaky_relu",
       [&](const Inputs& in, const json& a) { return F::leaky_relu(x(in), a.value("negative_slope", 0.01)); }},
      {"prelu", [&](const Inputs& in, const json&) { return F::prelu(x(in), in.at("weight")); }},
      {"elu", [&](const Inputs& in, const json& a) { return F::elu(x(in), a.value("alpha", 1.0)); }},
      {"selu", [&](const Inputs& in, const json&) { return F::selu(x(in)); }},
      {"gelu", [&](const Inputs& in, const json& a) { return F::gelu(x(in), a.value("approximate", "none")); }},
      {"silu", [&](const Inputs& in, const json&) { return F::silu(x(in)); }},
      {"mish", [&](const Inputs& in, const json&) { return F::mish(x(in)); }},
      {"hardtanh",
       [&](const Inputs& in, const json& a) {
         return F::hardtanh(x(in), a.value("min_val", -1.0), a.value("max_val", 1.0));
       }},
      {"hardsigmoid", [&](const Inputs& in, const json&) { return F::hardsigmoid(x(in)); }},
      {"hardswish", [&](const Inputs& in, const json&) { return F::hardswish(x(in)); }},
      {"softplus",
       [&](const Inputs& in, const json& a) {
         return F::softplus(x(in), a.value("beta", 1.0), a.value("threshold", 20.0));
       }},
      {"softsign", [&](const Inputs& in, const json&) { return F::softsign(x(in)); }},
      {"softmax", [&](const Inputs& in, const json& a) { return F::softmax(x(in), a.at("dim").get<int64_t>()); }},
      {"log_softmax",
       [&](const Inputs& in, const json& a) { return F::log_softmax(x(in), a.at("dim").get<int64_t>()); }},
  };
  EXPECT_EQ(nn_golden::run_cases(ops), 28);
}

// Every activation module computes its functional form (and the module's settings reach it).
TEST(ActivationModules, MatchFunctional) {
  manual_seed(3);
  Tensor x = randn({2, 3, 4}) * 3;
  EXPECT_TRUE(equal(nn::ReLU()(x), relu(x)));
  EXPECT_TRUE(equal(nn::ReLU6()(x), F::relu6(x)));
  EXPECT_TRUE(equal(nn::LeakyReLU(0.2)(x), F::leaky_relu(x, 0.2)));
  EXPECT_TRUE(equal(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.3))(x), F::leaky_relu(x, 0.3)));
  EXPECT_TRUE(equal(nn::ELU(nn::ELUOptions().alpha(0.5))(x), F::elu(x, 0.5)));
  EXPECT_TRUE(equal(nn::SELU()(x), F::selu(x)));
  EXPECT_TRUE(equal(nn::GELU()(x), F::gelu(x)));
  EXPECT_TRUE(equal(nn::GELU("tanh")(x), F::gelu(x, "tanh")));
  EXPECT_TRUE(equal(nn::SiLU()(x), F::silu(x)));
  EXPECT_TRUE(equal(nn::Mish()(x), F::mish(x)));
  EXPECT_TRUE(equal(nn::Sigmoid()(x), sigmoid(x)));
  EXPECT_TRUE(equal(nn::Tanh()(x), tanh(x)));
  EXPECT_TRUE(equal(nn::Hardtanh(nn::HardtanhOptions().min_val(-2).max_val(3))(x), F::hardtanh(x, -2, 3)));
  EXPECT_TRUE(equal(nn::Hardsigmoid()(x), F::hardsigmoid(x)));
  EXPECT_TRUE(equal(nn::Hardswish()(x), F::hardswish(x)));
  EXPECT_TRUE(equal(nn::Softplus(nn::SoftplusOptions().beta(2).threshold(4))(x), F::softplus(x, 2, 4)));
  EXPECT_TRUE(equal(nn::Softsign()(x), F::softsign(x)));
  EXPECT_TRUE(equal(nn::Softmax(1)(x), F::softmax(x, 1)));
  EXPECT_TRUE(equal(nn::LogSoftmax(-1)(x), F::log_softmax(x, -1)));
}

TEST(ActivationModules, ByNameFromOneTable) {
  manual_seed(4);
  Tensor x = randn({2, 5}) * 3;
  EXPECT_EQ(nn::activation_names().front(), "relu");
  for (const std::string& name : nn::activation_names()) {
    auto m = nn::make_activation(name);
    // The name is the module's type in snake_case: "leaky_relu" -> "LeakyReLU".
    std::string squashed;
    for (char c : name)
      if (c != '_') squashed += c;
    std::string type;
    for (char c : m->type_name()) type += char(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(type, squashed) << name;
    EXPECT_EQ(m->forward(x).sizes(), x.sizes()) << name;
  }
  EXPECT_TRUE(equal(nn::make_activation("gelu")->forward(x), F::gelu(x)));
  EXPECT_ERROR_MENTIONS(nn::make_activation("relu7"), "unknown activation 'relu7'; one of relu, relu6");
}

TEST(ActivationModules, PReLUParameters) {
  nn::PReLU one;
  ASSERT_EQ(one->named_parameters().keys(), std::vector<std::string>{"weight"});
  EXPECT_EQ(one->weight.sizes(), Shape({1}));
  expect_values(one->weight, {0.25});
  nn::PReLU per_channel(nn::PReLUOptions().num_parameters(3).init(0.1));
  expect_values(per_channel->weight, {0.1, 0.1, 0.1});
  Tensor x = tensor({{{-1.0, 2.0}, {-2.0, 1.0}, {-4.0, -1.0}}});  // [1, 3, 2]
  Tensor y = per_channel(x);
  expect_values(y, {-0.1, 2.0, -0.2, 1.0, -0.4, -0.1});
  y.sum().backward();
  expect_values(per_channel->weight.grad(), {-1.0, -2.0, -5.0});
  std::ostringstream os;
  os << *per_channel;
  EXPECT_NE(os.str().find("PReLU(num_parameters=3)"), std::string::npos) << os.str();
  // one slope per channel of a [N, C, ...] input; a mismatch names both counts
  EXPECT_NE(error_of([&] { per_channel(randn({2, 4})); }).find("4 channels"), std::string::npos);
  EXPECT_NE(error_of([] { nn::PReLUOptions().num_parameters(0); }).find("at least 1"), std::string::npos);
}

TEST(ActivationModules, PrintSettings) {
  std::ostringstream os;
  os << *nn::Sequential(nn::LeakyReLU(0.2), nn::GELU("tanh"), nn::Softmax(1), nn::Dropout(0.3)).ptr();
  const std::string s = os.str();
  EXPECT_NE(s.find("LeakyReLU(negative_slope=0.2)"), std::string::npos) << s;
  EXPECT_NE(s.find("GELU(approximate='tanh')"), std::string::npos) << s;
  EXPECT_NE(s.find("Softmax(dim=1)"), std::string::npos) << s;
  EXPECT_NE(s.find("Dropout(p=0.3)"), std::string::npos) << s;
}

TEST(Softmax, StableForHugeLogits) {
  Tensor x = tensor({{1e4, -1e4, 0.0}, {1e4, 1e4, 1e4}}).requires_grad_();
  Tensor y = F::softmax(x, 1);
  expect_values(y, {1.0, 0.0, 0.0, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  Tensor ly = F::log_softmax(x, 1);
  expect_values(ly, {0.0, -2e4, -1e4, -std::log(3.0), -std::log(3.0), -std::log(3.0)}, 1e-2);
  (y * tensor({{1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}})).sum().backward();
  EXPECT_TRUE(isfinite(x.grad()).all().item<bool>());
  x.zero_grad();
  ly.sum().backward();
  EXPECT_TRUE(isfinite(x.grad()).all().item<bool>());
}

TEST(Softmax, RowsSumToOneAndMaskedEntriesAreZero) {
  const double ninf = -std::numeric_limits<double>::infinity();
  Tensor x = tensor({{0.5, ninf, 2.0}, {ninf, 1.0, ninf}});
  Tensor y = F::softmax(x, -1);
  expect_values(y.sum({1}), {1.0, 1.0});
  EXPECT_EQ(y.at<float>({0, 1}), 0.0f);
  expect_values(y.select(0, 1), {0.0, 1.0, 0.0});
  // other dims, a 0-d input, dtype argument, channels-last layout
  expect_values(F::softmax(tensor({{1.0, 2.0}, {3.0, 4.0}}), 0).sum({0}), {1.0, 1.0});
  expect_values(F::softmax(scalar_tensor(3.0), 0), {1.0});
  EXPECT_EQ(F::softmax(tensor({1.0, 2.0, 3.0}), 0, kFloat64).dtype(), kFloat64);
  Tensor cl = randn({2, 3, 2, 2}).contiguous(MemoryFormat::ChannelsLast);
  Tensor s = F::softmax(cl, 1);
  EXPECT_TRUE(allclose(s.contiguous(), F::softmax(cl.contiguous(), 1)));
  EXPECT_TRUE(allclose(F::log_softmax(cl, 1).exp(), s));
}

TEST(Softmax, Errors) {
  EXPECT_NE(error_of([] { F::softmax(randn({2, 3}), 2); }).find("dimension out of range"), std::string::npos);
  EXPECT_NE(error_of([] { F::log_softmax(tensor({1, 2}), 0); }).find("floating-point"), std::string::npos);
  EXPECT_NE(error_of([] { F::softmax(randn({2}), 0, kInt64); }).find("dtype must be floating"), std::string::npos);
}

TEST(Activation, PiecewiseKnotsFollowPyTorch) {
  // relu6 / hardtanh: zero gradient at the clamp bounds; hardswish: one-sided choices at +-3.
  Tensor x = tensor({0.0, 6.0, -1.0, 1.0, -3.0, 3.0}).requires_grad_();
  F::relu6(x).sum().backward();
  expect_values(x.grad(), {0, 0, 0, 1, 0, 1});
  x.zero_grad();
  F::hardtanh(x).sum().backward();
  expect_values(x.grad(), {1, 0, 0, 0, 0, 0});
  x.zero_grad();
  F::hardswish(x).sum().backward();
  expect_values(x.grad(), {0.5, 1, 1.0 / 6, 5.0 / 6, -0.5, 1.5});
}

TEST(Activation, LargeInputsStayFinite) {
  Tensor x = tensor({-1e4, -100.0, 0.0, 100.0, 1e4}).requires_grad_();
  for (auto f : {+[](const Tensor& v) { return F::softplus(v); }, +[](const Tensor& v) { return F::mish(v); },
                 +[](const Tensor& v) { return F::silu(v); }, +[](const Tensor& v) { return F::gelu(v); },
                 +[](const Tensor& v) { return F::gelu(v, "tanh"); }, +[](const Tensor& v) { return F::elu(v); },
                 +[](const Tensor& v) { return F::selu(v); }, +[](const Tensor& v) { return F::softsign(v); }}) {
    x.zero_grad();
    Tensor y = f(x);
    EXPECT_TRUE(isfinite(y).all().item<bool>()) << y;
    y.sum().backward();
    EXPECT_TRUE(isfinite(x.grad()).all().item<bool>()) << x.grad();
  }
  expect_values(F::softplus(tensor({1e4, -1e4})), {1e4, 0.0});
  expect_values(F::mish(tensor({1e4, -1e4})), {1e4, 0.0});
}

TEST(Activation, Errors) {
  EXPECT_NE(error_of([] { F::gelu(randn({2}), "erf"); }).find("approximate must be"), std::string::npos);
  EXPECT_NE(error_of([] { nn::GELU("fast"); }).find("approximate must be"), std::string::npos);
  EXPECT_NE(error_of([] { F::elu(tensor({1, 2})); }).find("expected a floating-point input, got int64"),
            std::string::npos);
  EXPECT_NE(error_of([] { F::prelu(randn({2, 3}), randn({2})); }).find("3 channels"), std::string::npos);
  EXPECT_NE(error_of([] { F::prelu(randn({2, 3}), randn({3}, kFloat64)); }).find("dtype"), std::string::npos);
  EXPECT_NE(error_of([] { F::hardtanh(randn({2}), 1.0, -1.0); }).find("min_val"), std::string::npos);
  EXPECT_NE(error_of([] { nn::Hardtanh(nn::HardtanhOptions().min_val(1).max_val(1)); }).find("greater than"),
            std::string::npos);
  EXPECT_NE(error_of([] { F::softplus(randn({2}), 0.0); }).find("beta"), std::string::npos);
}

TEST(Activation, SavedInputEditedInPlaceIsCaught) {
  Tensor w = randn({3}).requires_grad_();
  Tensor x = w * 1.0;
  Tensor y = F::silu(x);
  x.add_(1.0);
  EXPECT_NE(error_of([&] { y.sum().backward(); }).find("modified by an in-place operation"), std::string::npos);
}

// ---- dropout ----

TEST(Dropout, ZeroesAndScalesWhileTraining) {
  manual_seed(11);
  Tensor x = ones({200, 50});
  Tensor y = F::dropout(x, 0.3);
  auto v = y.to_vector<float>();
  int64_t zeros_n = 0;
  for (float e : v) {
    if (e == 0.0f) ++zeros_n;
    else EXPECT_FLOAT_EQ(e, 1.0f / 0.7f);
  }
  EXPECT_NEAR(double(zeros_n) / double(v.size()), 0.3, 0.02);
  // same seed, same mask
  manual_seed(11);
  EXPECT_TRUE(equal(F::dropout(x, 0.3), y));
  // an explicit generator leaves the default one alone
  Generator g(5);
  Tensor a = F::dropout(x, 0.5, true, &g);
  g.manual_seed(5);
  EXPECT_TRUE(equal(F::dropout(x, 0.5, true, &g), a));
}

TEST(Dropout, GradientUsesTheSameMask) {
  manual_seed(2);
  Tensor x = randn({4, 8}).requires_grad_();
  Tensor y = F::dropout(x, 0.4);
  y.sum().backward();
  Tensor kept = (y != 0).to(kFloat32);
  EXPECT_TRUE(allclose(x.grad(), kept / 0.6f));
}

TEST(Dropout, IdentityInEvalAndEdgeProbabilities) {
  Tensor x = randn({3, 4});
  EXPECT_TRUE(F::dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.0).is_same(x));
  Tensor xg = x.detach().requires_grad_();
  Tensor all = F::dropout(xg, 1.0);
  EXPECT_EQ(all.abs().sum().item<float>(), 0.0f);
  all.sum().backward();
  EXPECT_EQ(xg.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_NE(error_of([&] { F::dropout(x, 1.5); }).find("between 0 and 1"), std::string::npos);
  EXPECT_NE(error_of([&] { F::dropout(x, -0.1); }).find("between 0 and 1"), std::string::npos);
  EXPECT_NE(error_of([] { nn::Dropout(2.0); }).find("between 0 and 1"), std::string::npos);
  EXPECT_NE(error_of([] { F::dropout(tensor({1, 2}), 0.5); }).find("floating-point"), std::string::npos);
}

TEST(Dropout2d, ZeroesWholeChannels) {
  manual_seed(4);
  Tensor x = ones({8, 16, 3, 3});
  Tensor y = F::dropout2d(x, 0.5);
  int64_t dropped = 0;
  for (int64_t n = 0; n < 8; ++n)
    for (int64_t c = 0; c < 16; ++c) {
      Tensor plane = y.select(0, n).select(0, c);
      const float first = plane.at<float>({0, 0});
      EXPECT_TRUE(first == 0.0f || first == 2.0f);
      EXPECT_TRUE(equal(plane, full({3, 3}, first)));
      if (first == 0.0f) ++dropped;
    }
  EXPECT_GT(dropped, 32);
  EXPECT_LT(dropped, 96);
  // unbatched [C, H, W]: one draw per channel; eval: identity
  Tensor u = F::dropout2d(ones({6, 2, 2}), 0.5);
  for (int64_t c = 0; c < 6; ++c) EXPECT_EQ(u.select(0, c).amin().item<float>(), u.select(0, c).amax().item<float>());
  EXPECT_TRUE(F::dropout2d(x, 0.5, false).is_same(x));
  EXPECT_NE(error_of([] { F::dropout2d(ones({2, 3}), 0.5); }).find("4-D input"), std::string::npos);
}

TEST(DropoutModules, ActiveOnlyInTraining) {
  manual_seed(7);
  nn::Dropout d(0.5);
  nn::Dropout2d d2(nn::DropoutOptions(0.25));
  Tensor x = ones({4, 3, 2, 2});
  EXPECT_TRUE(d->is_training());
  Tensor y = d(x);
  EXPECT_FALSE(equal(y, x));
  EXPECT_FALSE(equal(d2(x), x));
  d->eval();
  d2->eval();
  EXPECT_TRUE(equal(d(x), x));
  EXPECT_TRUE(equal(d2(x), x));
  // inside a model: eval() reaches the child
  nn::Sequential net(nn::Linear(4, 4), nn::Dropout(0.5));
  net->eval();
  Tensor z = randn({3, 4});
  EXPECT_TRUE(equal(net(z), net(z)));
  net->train();
  manual_seed(1);
  Tensor t1 = net(z);
  manual_seed(1);
  EXPECT_TRUE(equal(net(z), t1));
}
