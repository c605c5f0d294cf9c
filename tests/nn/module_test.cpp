// Module mechanics: registration, dotted names, train/eval, state_dict round trips, to(dtype),
// apply, printing, summary; containers; Linear/Bilinear/Flatten/Unflatten/Identity; init.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace test_util;
namespace F = descent::nn::functional;

namespace {
struct NetImpl : nn::Module {
  NetImpl() : nn::Module("Net") {
    features = register_module("features", nn::Sequential(nn::Linear(4, 8), nn::Functional([](const Tensor& x) {
                                                            return x.relu();
                                                          }),
                                                          nn::Linear(8, 3)));
    scale = register_parameter("scale", ones({1}));
    register_buffer("steps", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) override { return features(x) * scale; }
  nn::Sequential features{nullptr};
  Tensor scale;
};
DESCENT_MODULE(Net);

}  // namespace

TEST(Module, NamedParametersUseDottedPaths) {
  Net net;
  auto names = net->named_parameters().keys();
  std::vector<std::string> want = {"scale", "features.0.weight", "features.0.bias", "features.2.weight",
                                   "features.2.bias"};
  EXPECT_EQ(names, want);
  EXPECT_EQ(net->parameters().size(), 5u);
  EXPECT_EQ(net->parameters(false).size(), 1u);
  EXPECT_EQ(net->named_buffers().keys(), std::vector<std::string>{"steps"});
  for (auto& p : net->parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(net->children().size(), 1u);
  EXPECT_EQ(net->named_modules().keys(),
            (std::vector<std::string>{"", "features", "features.0", "features.1", "features.2"}));
}

TEST(Module, StateDictOrderAndRoundTrip) {
  manual_seed(0);
  Net a, b;
  auto sd = a->state_dict();
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"scale", "steps", "features.0.weight", "features.0.bias",
                                                 "features.2.weight", "features.2.bias"}));
  EXPECT_FALSE(equal(a->features->ptr_as<nn::LinearImpl>(0)->weight, b->features->ptr_as<nn::LinearImpl>(0)->weight));
  auto rep = b->load_state_dict(sd);
  EXPECT_TRUE(rep.ok());
  Tensor x = randn({2, 4});
  EXPECT_TRUE(equal(a(x), b(x)));
  // load keeps the parameter's identity (optimizers hold handles)
  Tensor w = b->features->ptr_as<nn::LinearImpl>(0)->weight;
  EXPECT_TRUE(w.is_same(b->named_parameters()["features.0.weight"]));
}

TEST(Module, LoadStateDictStrictAndNonStrict) {
  Net net;
  auto sd = net->state_dict();
  nn::StateDict partial;
  for (auto& [k, v] : sd)
    if (k != "scale") partial.insert(k, v);
  partial.insert("extra.weight", zeros({1}));
  std::string msg = error_of([&] { net->load_state_dict(partial); });
  EXPECT_NE(msg.find("missing key(s): \"scale\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected key(s): \"extra.weight\""), std::string::npos) << msg;
  auto rep = net->load_state_dict(partial, /*strict=*/false);
  EXPECT_EQ(rep.missing_keys, std::vector<std::string>{"scale"});
  EXPECT_EQ(rep.unexpected_keys, std::vector<std::string>{"extra.weight"});
  nn::StateDict bad = net->state_dict();
  bad["features.0.weight"] = zeros({3, 3});
  msg = error_of([&] { net->load_state_dict(bad); });
  EXPECT_NE(msg.find("size mismatch for features.0.weight"), std::string::npos) << msg;
}

TEST(Module, TrainEvalZeroGradToApply) {
  Net net;
  EXPECT_TRUE(net->is_training());
  net->eval();
  EXPECT_FALSE(net->features->is_training());
  net->train();
  EXPECT_TRUE(net->features[0]->is_training());
  net(randn({3, 4})).sum().backward();
  for (auto& p : net->parameters()) EXPECT_TRUE(p.grad().defined());
  net->zero_grad();
  for (auto& p : net->parameters()) EXPECT_FALSE(p.grad().defined());
  Tensor w = net->features->ptr_as<nn::LinearImpl>(0)->weight;
  net->to(kFloat64);
  EXPECT_EQ(w.dtype(), kFloat64);  // same handle, new dtype
  EXPECT_EQ(net(randn({2, 4}, kFloat64)).dtype(), kFloat64);
  int count = 0;
  net->apply([&](nn::Module&) { ++count; });
  EXPECT_EQ(count, 5);
}

TEST(Module, PrettyPrintAndSummary) {
  Net net;
  std::ostringstream os;
  os << *net;
  EXPECT_NE(os.str().find("(0): Linear(in_features=4, out_features=8, bias=true)"), std::string::npos) << os.str();
  auto s = nn::summary(net, {5, 4});
  EXPECT_EQ(s.output_shape, (Shape{5, 3}));
  EXPECT_EQ(s.total_params, 4 * 8 + 8 + 8 * 3 + 3 + 1);
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0].name, "features.0");
  EXPECT_EQ(s.rows[0].output_shape, (Shape{5, 8}));
  EXPECT_EQ(s.rows[0].flops, 2 * 5 * 8 * 4);
  EXPECT_NE(s.to_string().find("total parameters: 68"), std::string::npos) << s.to_string();
}

TEST(Module, RegistrationErrors) {
  nn::Module m;
  m.register_parameter("w", zeros({2}));
  EXPECT_THROW(m.register_parameter("w", zeros({2})), Error);
  EXPECT_THROW(m.register_buffer("w", zeros({2})), Error);
  EXPECT_THROW(m.register_parameter("a.b", zeros({2})), Error);
  EXPECT_THROW(m.forward(zeros({2})), Error);
  nn::Linear empty_holder{nullptr};
  EXPECT_THROW(empty_holder->forward(zeros({2})), Error);
}

TEST(Containers, SequentialModuleListModuleDict) {
  nn::Sequential seq(nn::Linear(2, 3), nn::Identity(), nn::Flatten());
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq(zeros({4, 2})).sizes(), (Shape{4, 3}));
  EXPECT_THROW(seq[5], Error);
  EXPECT_EQ(seq[-1]->type_name(), "Flatten");
  nn::Sequential copy = seq;  // a holder copy shares the module
  EXPECT_EQ(copy.get(), seq.get());
  nn::ModuleList list(nn::Linear(1, 1), nn::Linear(1, 2));
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ(list->named_parameters().keys()[2], "1.weight");
  nn::ModuleDict dict;
  dict->insert("enc", nn::Linear(2, 2));
  EXPECT_TRUE(dict->contains("enc"));
  EXPECT_THROW((*dict)["dec"], Error);
}

TEST(Linear, DefaultInitMatchesPyTorchBounds) {
  manual_seed(3);
  nn::Linear fc(400, 50);
  const double bound = 1.0 / std::sqrt(400.0);
  EXPECT_LE(fc->weight.abs().max().item<double>(), bound);
  EXPECT_GT(fc->weight.abs().max().item<double>(), 0.95 * bound);
  EXPECT_LE(fc->bias.abs().max().item<double>(), bound);
  EXPECT_EQ(fc->weight.sizes(), (Shape{50, 400}));
  // U(-b, b) has variance b^2 / 3.
  EXPECT_NEAR(fc->weight.var().item<double>(), bound * bound / 3, 0.05 * bound * bound / 3);
}

TEST(Linear, ForwardMatchesFormulaAndAnyLeadingDims) {
  nn::Linear fc(3, 2);
  Tensor x = randn({4, 5, 3});
  Tensor want = matmul(x, fc->weight.t()) + fc->bias;
  EXPECT_TRUE(allclose(fc(x), want, 1e-5, 1e-6));
  EXPECT_THROW(fc(randn({4, 2})), Error);
  nn::Linear nb(nn::LinearOptions(3, 2).bias(false));
  EXPECT_FALSE(nb->bias.defined());
  EXPECT_EQ(nb->parameters().size(), 1u);
}

TEST(Linear, Gradcheck) {
  nn::Linear fc(3, 2);
  fc->to(kFloat64);
  Tensor x = randn({4, 3}, kFloat64).requires_grad_();
  auto r = gradcheck([&](const std::vector<Tensor>& v) { return F::linear(v[0], v[1], v[2]); },
                     {x, fc->weight, fc->bias});
  EXPECT_TRUE(r.ok) << r.message;
  Tensor x3 = randn({2, 2, 3}, kFloat64).requires_grad_();
  r = gradcheck([&](const std::vector<Tensor>& v) { return F::linear(v[0], v[1], v[2]); }, {x3, fc->weight, fc->bias});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Bilinear, ValuesAndGradcheck) {
  nn::Bilinear bl(2, 3, 4);
  bl->to(kFloat64);
  Tensor x1 = randn({5, 2}, kFloat64).requires_grad_(), x2 = randn({5, 3}, kFloat64).requires_grad_();
  Tensor y = bl->forward(x1, x2);
  EXPECT_EQ(y.sizes(), (Shape{5, 4}));
  // y[n, o] = sum_ij x1[n,i] W[o,i,j] x2[n,j] + b[o]
  double want = bl->bias.at<double>({1});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) want += x1.at<double>({3, i}) * bl->weight.at<double>({1, i, j}) * x2.at<double>({3, j});
  EXPECT_NEAR(y.at<double>({3, 1}), want, 1e-12);
  auto r = gradcheck([](const std::vector<Tensor>& v) { return F::bilinear(v[0], v[1], v[2], v[3]); },
                     {x1, x2, bl->weight, bl->bias});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(FlattenUnflatten, Shapes) {
  nn::Flatten f;
  EXPECT_EQ(f(zeros({2, 3, 4})).sizes(), (Shape{2, 12}));
  nn::Unflatten u(1, {3, 4});
  EXPECT_EQ(u(zeros({2, 12})).sizes(), (Shape{2, 3, 4}));
}

TEST(Init, GainsFansAndDistributions) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("selu"), 0.75);
  EXPECT_THROW(nn::init::calculate_gain("swish"), Error);
  Tensor w = empty({16, 8, 3, 3});
  auto [fi, fo] = nn::init::calculate_fan_in_and_fan_out(w);
  EXPECT_EQ(fi, 72);
  EXPECT_EQ(fo, 144);
  manual_seed(1);
  Tensor big = empty({256, 512});
  nn::init::kaiming_normal_(big, 0.0, nn::init::FanMode::FanIn, "relu");
  EXPECT_NEAR(big.std().item<double>(), std::sqrt(2.0 / 512), 0.002);
  nn::init::xavier_uniform_(big);
  EXPECT_LE(big.abs().max().item<double>(), std::sqrt(6.0 / (256 + 512)));
  nn::init::constant_(big, 0.5);
  EXPECT_EQ(big.min().item<float>(), 0.5f);
  Tensor q = empty({6, 4});
  nn::init::orthogonal_(q);
  EXPECT_TRUE(allclose(q.t().matmul(q), eye(4), 1e-5, 1e-5));
  Tensor q2 = empty({3, 5});
  nn::init::orthogonal_(q2, 2.0);
  EXPECT_TRUE(allclose(q2.matmul(q2.t()), eye(3) * 4, 1e-5, 1e-5));
  Tensor v = empty({3});
  EXPECT_THROW(nn::init::xavier_uniform_(v), Error);
}

namespace {
// Element-wise identical, NaN matching NaN.
void expect_same(const Tensor& a, const Tensor& b, const char* what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const auto va = vec(a), vb = vec(b);
  for (size_t i = 0; i < va.size(); ++i)
    ASSERT_TRUE(va[i] == vb[i] || (std::isnan(va[i]) && std::isnan(vb[i]))) << what << " [" << i << "]: " << va[i]
                                                                            << " vs " << vb[i];
}
}  // namespace

TEST(Containers, SequentialReluThenMaxPoolMatchesTheWrittenOrder) {
  // Sequential runs ReLU -> MaxPool2d as MaxPool2d -> ReLU (fewer elements); values and gradients
  // must be exactly those of the written order: windows all <= 0, zeros, ties, NaN, padding, ceil mode.
  manual_seed(3);
  for (DType dt : {kFloat32, kFloat64})
    for (const auto& opts : {nn::MaxPool2dOptions(2), nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true),
                             nn::MaxPool2dOptions({2, 3}).dilation(2)}) {
      nn::Conv2d conv(nn::Conv2dOptions(2, 3, 3).padding(1));
      conv->to(dt);
      nn::Sequential seq(conv, nn::ReLU(), nn::MaxPool2d(opts));
      Tensor x = randn({2, 2, 9, 8}, dt);
      x.narrow(2, 0, 1).narrow(3, 0, 1).fill_(std::numeric_limits<double>::quiet_NaN());
      x.narrow(2, 4, 2).narrow(3, 0, 4).fill_(-1.0);  // a patch of equal negatives
      Tensor g = randn(seq(x).sizes(), dt);
      Tensor xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
      Tensor ya = seq(xa);
      ya.backward(g);
      const Tensor gw = conv->weight.grad().clone(), gb = conv->bias.grad().clone();
      conv->zero_grad();
      Tensor yb = F::max_pool2d(conv(xb).relu(), opts.kernel_size_, opts.stride_, opts.padding_, opts.dilation_,
                                opts.ceil_mode_);
      yb.backward(g);
      expect_same(ya, yb, "output");
      expect_same(xa.grad(), xb.grad(), "input grad");
      expect_same(gw, conv->weight.grad(), "weight grad");
      expect_same(gb, conv->bias.grad(), "bias grad");
    }
  // Directly on data with ties: equal negatives, zeros, equal positives, NaN.
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = randn({1, 2, 6, 6}, dt);
    x.narrow(2, 0, 2).narrow(3, 0, 2).fill_(-1.0);
    x.narrow(2, 0, 2).narrow(3, 2, 2).fill_(0.0);
    x.narrow(2, 2, 2).narrow(3, 0, 2).fill_(0.5);
    x.narrow(2, 2, 1).narrow(3, 2, 1).fill_(std::numeric_limits<double>::quiet_NaN());
    nn::Sequential seq(nn::ReLU(), nn::MaxPool2d(2));
    Tensor xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
    Tensor g = randn({1, 2, 3, 3}, dt);
    Tensor ya = seq(xa), yb = F::max_pool2d(xb.relu(), 2);
    ya.backward(g);
    yb.backward(g);
    expect_same(ya, yb, "output (ties)");
    expect_same(xa.grad(), xb.grad(), "input grad (ties)");
  }
  // summary() records the layers in their written order.
  nn::Sequential seq(nn::ReLU(), nn::MaxPool2d(2));
  auto s = nn::summary(seq, {1, 1, 4, 4});
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].type, "ReLU");
  EXPECT_EQ(s.rows[0].output_shape, (Shape{1, 1, 4, 4}));
}
