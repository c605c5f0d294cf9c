// BatchNorm1d/2d, LayerNorm, GroupNorm: golden values from PyTorch (forward, input and parameter
// gradients, running statistics), running-stat updates, eval mode, channels-last, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.h"
#include "norm_rnn_golden.h"
#include "test_util.h"

using namespace descent;
namespace F = descent::nn::functional;
namespace G = norm_rnn_golden;
using test_util::error_of;

namespace {
nn::BatchNormOptions bn_options(const std::string& name) {
  const auto& o = G::options(name);
  nn::BatchNormOptions opt(o.at("num_features").get<int64_t>());
  if (o.contains("momentum"))
    opt.momentum(o.at("momentum").is_null() ? std::nullopt : std::optional<double>(o.at("momentum").get<double>()));
  if (o.contains("eps")) opt.eps(o.at("eps").get<double>());
  if (o.contains("affine")) opt.affine(o.at("affine").get<bool>());
  return opt;
}

G::TensorMap one(nn::Module& m, const G::TensorMap& in) { return {{"output", m.call(in.at("input"))}}; }

const DType kBoth[] = {kFloat32, kFloat64};
}  // namespace

// ---- golden values ----

TEST(NormGolden, BatchNorm1dTrain) {
  for (DType dt : kBoth) {
    nn::BatchNorm1d bn(bn_options("batchnorm1d_train"));
    G::run_case("batchnorm1d_train", *bn.ptr(), dt, one);
  }
}

TEST(NormGolden, BatchNorm1dEval3d) {
  for (DType dt : kBoth) {
    nn::BatchNorm1d bn(bn_options("batchnorm1d_eval_3d"));
    G::run_case("batchnorm1d_eval_3d", *bn.ptr(), dt, one);
  }
}

TEST(NormGolden, BatchNorm2dCumulativeMomentum) {
  for (DType dt : kBoth) {
    nn::BatchNorm2d bn(bn_options("batchnorm2d_train_cumulative"));
    G::run_case("batchnorm2d_train_cumulative", *bn.ptr(), dt, one);
  }
}

TEST(NormGolden, BatchNorm2dChannelsLastMatchesAndKeepsLayout) {
  for (DType dt : kBoth) {
    nn::BatchNorm2d bn(bn_options("batchnorm2d_train_cumulative"));
    auto to_cl = [](G::TensorMap& in) {
      in["input"] = in["input"].detach().contiguous(MemoryFormat::ChannelsLast).requires_grad_();
    };
    auto out = G::run_case("batchnorm2d_train_cumulative", *bn.ptr(), dt, one, to_cl);
    EXPECT_TRUE(out["output"].is_contiguous(MemoryFormat::ChannelsLast));
    EXPECT_FALSE(out["output"].is_contiguous());
  }
}

TEST(NormGolden, BatchNorm2dNoAffine) {
  for (DType dt : kBoth) {
    nn::BatchNorm2d bn(bn_options("batchnorm2d_no_affine_train"));
    EXPECT_TRUE(bn->parameters().empty());
    G::run_case("batchnorm2d_no_affine_train", *bn.ptr(), dt, one);
  }
}

TEST(NormGolden, LayerNorm) {
  for (DType dt : kBoth) {
    nn::LayerNorm ln({3, 4});
    G::run_case("layernorm", *ln.ptr(), dt, one);
  }
}

TEST(NormGolden, GroupNorm) {
  for (DType dt : kBoth) {
    nn::GroupNorm gn(2, 4);
    G::run_case("groupnorm", *gn.ptr(), dt, one);
  }
}

// ---- BatchNorm behaviour ----

TEST(BatchNorm, DefaultsFollowPyTorch) {
  nn::BatchNorm2d bn(4);
  EXPECT_EQ(bn->state_dict().keys(),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_TRUE(equal(bn->weight, ones({4})));
  EXPECT_TRUE(equal(bn->bias, zeros({4})));
  EXPECT_TRUE(equal(bn->running_mean, zeros({4})));
  EXPECT_TRUE(equal(bn->running_var, ones({4})));
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  EXPECT_EQ(bn->named_parameters().keys(), (std::vector<std::string>{"weight", "bias"}));
  std::ostringstream os;
  os << *bn.ptr();
  EXPECT_NE(os.str().find("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)"),
            std::string::npos)
      << os.str();
}

TEST(BatchNorm, RunningStatsUpdateWithBiasedNormAndUnbiasedRunningVar) {
  manual_seed(0);
  nn::BatchNorm1d bn(nn::BatchNormOptions(3).momentum(0.25));
  Tensor x = randn({5, 3, 2}, kFloat64);
  bn->to(kFloat64);
  Tensor y = bn(x);
  Tensor mean = x.mean({0, 2});
  Tensor var_b = x.var({0, 2}, 0), var_u = x.var({0, 2}, 1);
  EXPECT_TRUE(allclose(bn->running_mean, mean * 0.25, 1e-12, 1e-12));
  EXPECT_TRUE(allclose(bn->running_var, var_u * 0.25 + 0.75, 1e-12, 1e-12));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  Tensor want = (x - mean.view({1, 3, 1})) / (var_b.view({1, 3, 1}) + 1e-5).sqrt();
  EXPECT_TRUE(allclose(y, want, 1e-10, 1e-10));
}

TEST(BatchNorm, EvalUsesRunningStatsAndLeavesThemAlone) {
  manual_seed(1);
  nn::BatchNorm1d bn(2);
  {
    NoGradGuard ng;
    bn->running_mean.copy_(tensor({0.5, -1.0}));
    bn->running_var.copy_(tensor({4.0, 0.25}));
    bn->weight.copy_(tensor({2.0, 1.0}));
    bn->bias.copy_(tensor({0.0, 1.0}));
  }
  bn->eval();
  Tensor x = tensor({{1.5, 0.0}, {0.5, -1.0}});
  Tensor y = bn(x);
  const double s0 = 2.0 / std::sqrt(4.0 + 1e-5), s1 = 1.0 / std::sqrt(0.25 + 1e-5);
  EXPECT_TRUE(allclose(y, tensor({{1.0 * s0, 1.0 * s1 + 1.0}, {0.0, 1.0}}), 1e-6, 1e-6)) << y;
  EXPECT_TRUE(equal(bn->running_mean, tensor({0.5, -1.0})));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  // A single sample is fine in eval mode.
  EXPECT_NO_THROW(bn(tensor({{1.0, 2.0}})));
}

TEST(BatchNorm, CumulativeAverageWhenMomentumIsNone) {
  manual_seed(2);
  nn::BatchNorm1d bn(nn::BatchNormOptions(2).momentum(std::nullopt));
  bn->to(kFloat64);
  std::vector<Tensor> means;
  for (int i = 0; i < 3; ++i) {
    Tensor x = randn({4, 2}, kFloat64) + double(i);
    means.push_back(x.mean({0}));
    bn(x);
  }
  EXPECT_TRUE(allclose(bn->running_mean, (means[0] + means[1] + means[2]) / 3.0, 1e-12, 1e-12));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 3);
}

TEST(BatchNorm, WithoutRunningStatsUsesBatchStatsInEval) {
  manual_seed(3);
  nn::BatchNorm1d bn(nn::BatchNormOptions(3).track_running_stats(false));
  EXPECT_TRUE(bn->buffers().empty());
  EXPECT_EQ(bn->state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  Tensor x = randn({6, 3});
  Tensor yt = bn(x);
  bn->eval();
  EXPECT_TRUE(allclose(bn(x), yt, 1e-6, 1e-6));
}

TEST(BatchNorm, StableForLargeOffsets) {
  // Two-pass statistics: a float32 batch around 1e3 normalises like the float64 reference.
  manual_seed(4);
  Tensor x64 = randn({64, 2}, kFloat64) + 1000.0;
  Tensor x32 = x64.to(kFloat32);
  Tensor y32 = F::batch_norm(x32, {}, {}, {}, {}, true);
  Tensor y64 = F::batch_norm(x32.to(kFloat64), {}, {}, {}, {}, true);
  EXPECT_TRUE(allclose(y32, y64, 1e-3, 1e-3));
  EXPECT_NEAR(y32.to(kFloat64).var({0}, 0).max().item<double>(), 1.0, 1e-3);
}

TEST(BatchNorm, ChannelsLastGradientMatchesContiguous) {
  manual_seed(5);
  Tensor x = randn({2, 3, 2, 2}, kFloat64);
  Tensor xa = x.clone().requires_grad_(), xb = x.contiguous(MemoryFormat::ChannelsLast).requires_grad_();
  Tensor w = randn({3}, kFloat64), gy = randn({2, 3, 2, 2}, kFloat64);
  (F::batch_norm(xa, {}, {}, w, {}, true) * gy).sum().backward();
  Tensor yb = F::batch_norm(xb, {}, {}, w, {}, true);
  EXPECT_TRUE(yb.is_contiguous(MemoryFormat::ChannelsLast));
  (yb * gy).sum().backward();
  EXPECT_TRUE(allclose(xa.grad(), xb.grad(), 1e-12, 1e-12));
}

TEST(BatchNorm, ErrorsNameShapes) {
  nn::BatchNorm1d bn1(3);
  nn::BatchNorm2d bn2(3);
  std::string m = error_of([&] { bn1(zeros({1, 3})); });
  EXPECT_NE(m.find("more than 1 value per channel"), std::string::npos) << m;
  EXPECT_NE(m.find("[1, 3]"), std::string::npos) << m;
  m = error_of([&] { bn1(zeros({4, 5})); });
  EXPECT_NE(m.find("3 channels"), std::string::npos) << m;
  EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  m = error_of([&] { bn1(zeros({2, 3, 2, 2})); });
  EXPECT_NE(m.find("BatchNorm1d: expected 2-D"), std::string::npos) << m;
  m = error_of([&] { bn2(zeros({2, 3, 4})); });
  EXPECT_NE(m.find("BatchNorm2d: expected 4-D"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 3, 4]"), std::string::npos) << m;
  m = error_of([&] { F::batch_norm(zeros({2, 3}), {}, {}, {}, {}, false); });
  EXPECT_NE(m.find("required when not training"), std::string::npos) << m;
  m = error_of([&] { F::batch_norm(zeros({2, 3}), {}, {}, ones({4}), {}, true); });
  EXPECT_NE(m.find("weight of shape [4]"), std::string::npos) << m;
  m = error_of([&] { F::batch_norm(zeros({2, 3}), {}, {}, ones({3}, kFloat64), {}, true); });
  EXPECT_NE(m.find("dtype"), std::string::npos) << m;
  m = error_of([&] { F::batch_norm(zeros({2, 3}, kInt64), {}, {}, {}, {}, true); });
  EXPECT_NE(m.find("floating point"), std::string::npos) << m;
  EXPECT_THROW(nn::BatchNorm1d(0), Error);
}

TEST(BatchNorm, ToFloat64KeepsBufferHandles) {
  nn::BatchNorm1d bn(2);
  Tensor rm = bn->running_mean;
  bn->to(kFloat64);
  EXPECT_EQ(bn->running_mean.dtype(), kFloat64);
  EXPECT_TRUE(rm.is_same(bn->running_mean) || rm.dtype() == kFloat64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  bn(randn({3, 2}, kFloat64));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
}

// ---- LayerNorm / GroupNorm behaviour ----

TEST(LayerNorm, NormalisesTrailingDims) {
  manual_seed(6);
  nn::LayerNorm ln({4});
  Tensor x = randn({3, 4}) * 5 + 2;
  Tensor y = ln(x);
  EXPECT_TRUE(allclose(y.mean({1}), zeros({3}), 1e-5, 1e-5));
  EXPECT_TRUE(allclose(y.var({1}, 0), ones({3}), 1e-3, 1e-3));
  EXPECT_EQ(ln->state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  nn::LayerNorm plain(nn::LayerNormOptions({4}).elementwise_affine(false));
  EXPECT_TRUE(plain->parameters().empty());
  EXPECT_TRUE(allclose(plain(x), y, 1e-6, 1e-6));
}

TEST(LayerNorm, ErrorsNameShapes) {
  nn::LayerNorm ln({3, 4});
  std::string m = error_of([&] { ln(zeros({2, 4, 3})); });
  EXPECT_NE(m.find("normalized_shape [3, 4]"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 4, 3]"), std::string::npos) << m;
  m = error_of([&] { F::layer_norm(zeros({2, 4}), {4}, ones({3})); });
  EXPECT_NE(m.find("weight of shape [3]"), std::string::npos) << m;
  EXPECT_THROW(nn::LayerNorm(nn::LayerNormOptions({})), Error);
}

TEST(GroupNorm, MatchesPerGroupStandardisation) {
  manual_seed(7);
  Tensor x = randn({2, 6, 3}, kFloat64);
  Tensor y = F::group_norm(x, 3);
  Tensor xr = x.reshape({2, 3, 6});
  Tensor want = ((xr - xr.mean({2}, true)) / (xr.var({2}, 0, true) + 1e-5).sqrt()).reshape({2, 6, 3});
  EXPECT_TRUE(allclose(y, want, 1e-12, 1e-12));
  // channels-last input keeps its layout and its values
  Tensor x4 = randn({2, 4, 2, 3}, kFloat64);
  Tensor y4 = F::group_norm(x4.contiguous(MemoryFormat::ChannelsLast), 2);
  EXPECT_TRUE(y4.is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_TRUE(allclose(y4, F::group_norm(x4, 2), 1e-12, 1e-12));
}

TEST(GroupNorm, ErrorsNameShapes) {
  EXPECT_THROW(nn::GroupNorm(3, 4), Error);
  nn::GroupNorm gn(2, 4);
  std::string m = error_of([&] { gn(zeros({2, 6, 3})); });
  EXPECT_NE(m.find("[2, 6, 3]"), std::string::npos) << m;
  m = error_of([&] { F::group_norm(zeros({2, 6}), 4); });
  EXPECT_NE(m.find("divisible by num_groups 4"), std::string::npos) << m;
}
