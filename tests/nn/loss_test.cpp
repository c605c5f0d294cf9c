// Losses: PyTorch golden values (forward and input/target gradients for every reduction and
// option), modules, stability for huge logits and probabilities of exactly 0 and 1, and errors
// for wrong shapes, dtypes and class indices.
#include <gtest/gtest.h>

#include <cmath>

#include "activation_loss_golden.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace test_util;
namespace F = descent::nn::functional;
using nn::Reduction;
using nn_golden::Inputs;
using nn_golden::json;
using nn_golden::opt;
using nn_golden::reduction;

TEST(LossGolden, MatchesPyTorch) {
  auto x = [](const Inputs& in) { return in.at("input"); };
  auto t = [](const Inputs& in) { return in.at("target"); };
  std::map<std::string, nn_golden::OpFn> ops = {
      {"mse_loss", [&](const Inputs& in, const json& a) { return F::mse_loss(x(in), t(in), reduction(a)); }},
      {"l1_loss", [&](const Inputs& in, const json& a) { return F::l1_loss(x(in), t(in), reduction(a)); }},
      {"smooth_l1_loss",
       [&](const Inputs& in, const json& a) {
         return F::smooth_l1_loss(x(in), t(in), reduction(a), a.value("beta", 1.0));
       }},
      {"huber_loss",
       [&](const Inputs& in, const json& a) {
         return F::huber_loss(x(in), t(in), reduction(a), a.value("delta", 1.0));
       }},
      {"binary_cross_entropy",
       [&](const Inputs& in, const json& a) {
         return F::binary_cross_entropy(x(in), t(in), opt(in, "weight"), reduction(a));
       }},
      {"binary_cross_entropy_with_logits",
       [&](const Inputs& in, const json& a) {
         return F::binary_cross_entropy_with_logits(x(in), t(in), opt(in, "weight"), reduction(a),
                                                    opt(in, "pos_weight"));
       }},
      {"cross_entropy",
       [&](const Inputs& in, const json& a) {
         return F::cross_entropy(x(in), t(in), opt(in, "weight"), a.value("ignore_index", int64_t(-100)),
                                 reduction(a), a.value("label_smoothing", 0.0));
       }},
      {"nll_loss",
       [&](const Inputs& in, const json& a) {
         return F::nll_loss(x(in), t(in), opt(in, "weight"), a.value("ignore_index", int64_t(-100)), reduction(a));
       }},
      {"kl_div",
       [&](const Inputs& in, const json& a) {
         return F::kl_div(x(in), t(in), reduction(a), a.value("log_target", false));
       }},
      {"cosine_embedding_loss",
       [&](const Inputs& in, const json& a) {
         return F::cosine_embedding_loss(in.at("input1"), in.at("input2"), t(in), a.value("margin", 0.0),
                                         reduction(a));
       }},
      {"margin_ranking_loss",
       [&](const Inputs& in, const json& a) {
         return F::margin_ranking_loss(in.at("input1"), in.at("input2"), t(in), a.value("margin", 0.0),
                                       reduction(a));
       }},
  };
  EXPECT_EQ(nn_golden::run_cases(ops), 71);
}

// ---- modules ----

TEST(LossModules, MatchFunctional) {
  manual_seed(8);
  Tensor x = randn({4, 3}), y = randn({4, 3});
  EXPECT_TRUE(equal(nn::MSELoss()(x, y), F::mse_loss(x, y)));
  EXPECT_TRUE(equal(nn::MSELoss(Reduction::Sum)(x, y), F::mse_loss(x, y, Reduction::Sum)));
  EXPECT_TRUE(equal(nn::L1Loss(nn::L1LossOptions().reduction(Reduction::None))(x, y), F::l1_loss(x, y, Reduction::None)));
  EXPECT_TRUE(equal(nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(0.5))(x, y), F::smooth_l1_loss(x, y, Reduction::Mean, 0.5)));
  EXPECT_TRUE(equal(nn::HuberLoss(nn::HuberLossOptions().delta(2.0))(x, y), F::huber_loss(x, y, Reduction::Mean, 2.0)));
  Tensor p = rand({4, 3}), q = rand({4, 3});
  Tensor w = tensor({1.0, 2.0, 0.5});
  EXPECT_TRUE(equal(nn::BCELoss(nn::BCELossOptions().weight(w))(p, q), F::binary_cross_entropy(p, q, w)));
  EXPECT_TRUE(equal(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(w))(x, q),
                    F::binary_cross_entropy_with_logits(x, q, {}, Reduction::Mean, w)));
  Tensor cls = tensor({0, 2, 1, 2});
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(w).ignore_index(1).label_smoothing(0.1));
  EXPECT_TRUE(equal(ce(x, cls), F::cross_entropy(x, cls, w, 1, Reduction::Mean, 0.1)));
  nn::NLLLoss nll(nn::NLLLossOptions().weight(w).reduction(Reduction::Sum));
  EXPECT_TRUE(equal(nll(F::log_softmax(x, 1), cls), F::nll_loss(F::log_softmax(x, 1), cls, w, -100, Reduction::Sum)));
  Tensor lp = F::log_softmax(x, 1), tp = F::softmax(y, 1);
  EXPECT_TRUE(equal(nn::KLDivLoss(nn::KLDivLossOptions().reduction(Reduction::BatchMean))(lp, tp),
                    F::kl_div(lp, tp, Reduction::BatchMean)));
  EXPECT_TRUE(equal(nn::KLDivLoss(nn::KLDivLossOptions().log_target(true))(lp, F::log_softmax(y, 1)),
                    F::kl_div(lp, F::log_softmax(y, 1), Reduction::Mean, true)));
  Tensor pm = tensor({1.0, -1.0, 1.0, -1.0});
  EXPECT_TRUE(equal(nn::CosineEmbeddingLoss(nn::CosineEmbeddingLossOptions().margin(0.2))(x, y, pm),
                    F::cosine_embedding_loss(x, y, pm, 0.2)));
  Tensor a = randn({4}), b = randn({4});
  EXPECT_TRUE(equal(nn::MarginRankingLoss(nn::MarginRankingLossOptions().margin(0.5))(a, b, pm),
                    F::margin_ranking_loss(a, b, pm, 0.5)));
}

TEST(LossModules, WeightsAreBuffers) {
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(tensor({1.0, 2.0})));
  EXPECT_EQ(ce->state_dict().keys(), std::vector<std::string>{"weight"});
  EXPECT_TRUE(ce->parameters().empty());
  nn::BCEWithLogitsLoss b(nn::BCEWithLogitsLossOptions().weight(ones({3})).pos_weight(ones({3})));
  EXPECT_EQ(b->state_dict().keys(), (std::vector<std::string>{"weight", "pos_weight"}));
  EXPECT_TRUE(nn::MSELoss()->state_dict().empty());
  // to(dtype) converts the class weight with the module
  ce->to(kFloat64);
  EXPECT_EQ(ce->weight.dtype(), kFloat64);
  Tensor x = randn({2, 2}, kFloat64);
  EXPECT_NO_THROW(ce(x, tensor({0, 1})));
  std::ostringstream os;
  os << *ce;
  EXPECT_NE(os.str().find("CrossEntropyLoss(reduction=mean, ignore_index=-100, label_smoothing=0)"), std::string::npos)
      << os.str();
}

TEST(LossModules, OptionsAreValidated) {
  EXPECT_NE(error_of([] { nn::CrossEntropyLossOptions().label_smoothing(1.5); }).find("between 0.0 and 1.0"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::HuberLossOptions().delta(0); }).find("positive"), std::string::npos);
  EXPECT_NE(error_of([] { nn::SmoothL1LossOptions().beta(-1); }).find("non-negative"), std::string::npos);
  EXPECT_NE(error_of([] { nn::MSELossOptions().reduction(Reduction::BatchMean); }).find("KLDivLoss"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::NLLLoss(nn::NLLLossOptions().weight(ones({2, 2}))); }).find("1-D"), std::string::npos);
  // a loss module needs both arguments
  EXPECT_NE(error_of([] { nn::MSELoss()(randn({2})); }).find("no single-tensor forward"), std::string::npos);
}

// ---- values beyond the golden file ----

TEST(Loss, ReductionsAgree) {
  manual_seed(9);
  Tensor x = randn({3, 5}), y = randn({3, 5});
  for (auto f : {+[](const Tensor& a, const Tensor& b, Reduction r) { return F::mse_loss(a, b, r); },
                 +[](const Tensor& a, const Tensor& b, Reduction r) { return F::l1_loss(a, b, r); },
                 +[](const Tensor& a, const Tensor& b, Reduction r) { return F::smooth_l1_loss(a, b, r); },
                 +[](const Tensor& a, const Tensor& b, Reduction r) { return F::huber_loss(a, b, r, 0.5); },
                 +[](const Tensor& a, const Tensor& b, Reduction r) {
                   return F::binary_cross_entropy_with_logits(a, b.sigmoid(), {}, r);
                 }}) {
    Tensor none = f(x, y, Reduction::None);
    EXPECT_EQ(none.sizes(), x.sizes());
    EXPECT_NEAR(f(x, y, Reduction::Sum).item<double>(), none.sum().item<double>(), 1e-4);
    EXPECT_NEAR(f(x, y, Reduction::Mean).item<double>(), none.mean().item<double>(), 1e-5);
  }
  // smooth_l1 with beta 0 is l1; huber = beta * smooth_l1 with beta = delta
  EXPECT_TRUE(allclose(F::smooth_l1_loss(x, y, Reduction::None, 0.0), F::l1_loss(x, y, Reduction::None)));
  EXPECT_TRUE(allclose(F::huber_loss(x, y, Reduction::None, 0.5), F::smooth_l1_loss(x, y, Reduction::None, 0.5) * 0.5));
}

TEST(Loss, CrossEntropyIsLogSoftmaxPlusNll) {
  manual_seed(10);
  Tensor x = randn({6, 4, 3}), w = rand({4}) + 0.5;
  Tensor t = tensor({{0, 1, 3}, {2, 2, 1}, {3, -100, 0}, {1, 1, 1}, {0, 3, 2}, {-100, -100, 2}});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    EXPECT_TRUE(allclose(F::cross_entropy(x, t, w, -100, r), F::nll_loss(F::log_softmax(x, 1), t, w, -100, r), 1e-5,
                         1e-6));
  // one-hot probability targets give the index-target loss
  Tensor idx = tensor({0, 3, 1});
  Tensor logits = randn({3, 4});
  Tensor onehot = zeros({3, 4}).scatter(1, idx.unsqueeze(1), 1.0);
  EXPECT_TRUE(allclose(F::cross_entropy(logits, onehot), F::cross_entropy(logits, idx)));
  // everything ignored: mean is 0/0 as PyTorch, sum is 0
  Tensor ign = full({3}, int64_t(-100));
  EXPECT_TRUE(std::isnan(F::cross_entropy(logits, ign).item<float>()));
  EXPECT_EQ(F::cross_entropy(logits, ign, {}, -100, Reduction::Sum).item<float>(), 0.0f);
  // ... but no input took part, so the gradient is zero (as PyTorch's backward), never NaN.
  for (double eps : {0.0, 0.1}) {
    Tensor x = logits.clone().requires_grad_();
    F::cross_entropy(x, ign, {}, -100, Reduction::Mean, eps).backward();
    EXPECT_TRUE(equal(x.grad(), zeros_like(x))) << "label_smoothing " << eps;
    Tensor lp = F::log_softmax(logits, 1).detach().requires_grad_();
    F::nll_loss(lp, ign, tensor({1.0f, 2.0f, 3.0f, 4.0f}), -100, Reduction::Mean).backward();
    EXPECT_TRUE(equal(lp.grad(), zeros_like(lp)));
  }
}

TEST(Loss, IgnoredTargetsGetNoGradientEvenWithInfiniteLogProbs) {
  const double ninf = -std::numeric_limits<double>::infinity();
  Tensor lp = tensor({{ninf, 0.0}, {-0.5, -1.0}}).requires_grad_();
  Tensor l = F::nll_loss(lp, tensor({0, 1}), {}, 0);
  EXPECT_FLOAT_EQ(l.item<float>(), 1.0f);
  l.backward();
  expect_values(lp.grad(), {0, 0, 0, -1});
}

// ---- stability ----

TEST(LossStability, HugeLogitsStayFinite) {
  Tensor x = tensor({{1e4, -1e4, 0.0}, {-1e4, 1e4, 5e3}, {1e4, 1e4, -1e4}}).requires_grad_();
  Tensor cls = tensor({1, 1, 2});
  Tensor probs = tensor({{0.2, 0.3, 0.5}, {0.0, 1.0, 0.0}, {0.5, 0.5, 0.0}});
  std::vector<std::pair<std::string, std::function<Tensor()>>> losses = {
      {"cross_entropy", [&] { return F::cross_entropy(x, cls); }},
      {"cross_entropy smoothing", [&] { return F::cross_entropy(x, cls, {}, -100, Reduction::Mean, 0.1); }},
      {"cross_entropy probs", [&] { return F::cross_entropy(x, probs); }},
      {"bce_with_logits", [&] { return F::binary_cross_entropy_with_logits(x, probs); }},
      {"bce_with_logits pos_weight",
       [&] { return F::binary_cross_entropy_with_logits(x, probs, {}, Reduction::Sum, tensor({2.0, 0.5, 1.0})); }},
  };
  for (auto& [name, f] : losses) {
    x.zero_grad();
    Tensor l = f();
    EXPECT_TRUE(std::isfinite(l.item<double>())) << name << ": " << l;
    l.backward();
    EXPECT_TRUE(isfinite(x.grad()).all().item<bool>()) << name << ": " << x.grad();
  }
  // the exact values: the wrong class by 2e4 costs 2e4; a certain right answer costs 0
  expect_values(F::cross_entropy(x, cls, {}, -100, Reduction::None), {2e4, 0.0, 2e4 + std::log(2.0)}, 1e-2);
  expect_values(F::binary_cross_entropy_with_logits(tensor({1e4, -1e4, 1e4}), tensor({1.0, 0.0, 0.0}), {},
                                                   Reduction::None),
                {0.0, 0.0, 1e4}, 1e-2);
}

TEST(LossStability, BCEWithProbabilitiesZeroAndOne) {
  Tensor p = tensor({0.0, 1.0, 0.0, 1.0, 0.5}).requires_grad_();
  Tensor t = tensor({0.0, 1.0, 1.0, 0.0, 0.5});
  Tensor l = F::binary_cross_entropy(p, t, {}, Reduction::None);
  // exact hits cost 0; certain misses cost the clamp, 100
  expect_values(l, {0.0, 0.0, 100.0, 100.0, std::log(2.0)}, 1e-4);
  l.sum().backward();
  EXPECT_FALSE(isnan(p.grad()).any().item<bool>()) << p.grad();
  EXPECT_TRUE(isfinite(p.grad()).all().item<bool>()) << p.grad();
  EXPECT_EQ(p.grad().at<float>({0}), 0.0f);
  EXPECT_EQ(p.grad().at<float>({1}), 0.0f);
  // the module, mean reduction, target gradient too
  Tensor tg = t.detach().requires_grad_();
  Tensor m = nn::BCELoss()(p, tg);
  EXPECT_TRUE(std::isfinite(m.item<double>()));
  m.backward();
  EXPECT_TRUE(isfinite(tg.grad()).all().item<bool>());
}

// ---- errors ----

TEST(LossErrors, ShapesAndDtypes) {
  Tensor x = randn({4, 3});
  EXPECT_NE(error_of([&] { F::mse_loss(x, randn({4, 1})); }).find("target shape [4, 1] does not match input shape [4, 3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::l1_loss(x, randn({4, 3}, kFloat64)); }).find("target dtype float64 does not match"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::mse_loss(tensor({1, 2}), tensor({1, 2})); }).find("floating point"), std::string::npos);
  EXPECT_NE(error_of([&] { F::mse_loss(x, x, Reduction::BatchMean); }).find("batchmean"), std::string::npos);
  EXPECT_NE(error_of([&] { F::binary_cross_entropy(x, rand({4, 3})); }).find("between 0 and 1"), std::string::npos);
  EXPECT_NE(error_of([&] { F::binary_cross_entropy(rand({4, 3}), rand({4, 3}), ones({2})); })
                .find("weight of shape [2] cannot be broadcast to the input shape [4, 3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::binary_cross_entropy_with_logits(x, rand({4, 3}), {}, Reduction::Mean, ones({4})); })
                .find("pos_weight"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::kl_div(x, randn({3, 4})); }).find("does not match input shape"), std::string::npos);
  EXPECT_NE(error_of([&] { F::cosine_embedding_loss(x, randn({4, 2}), ones({4})); }).find("same shape"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::cosine_embedding_loss(x, x, ones({3})); }).find("expected target of shape [4]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::margin_ranking_loss(randn({3}), randn({3}), ones({3, 1})); }).find("same number of dimensions"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::smooth_l1_loss(x, x, Reduction::Mean, -1.0); }).find("beta"), std::string::npos);
  EXPECT_NE(error_of([&] { F::huber_loss(x, x, Reduction::Mean, 0.0); }).find("delta"), std::string::npos);
}

TEST(LossErrors, ClassTargets) {
  Tensor x = randn({4, 3});
  EXPECT_NE(error_of([&] { F::cross_entropy(x, tensor({0, 1, 3, 2})); })
                .find("target class index 3 is out of bounds for 3 classes"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::nll_loss(x, tensor({0, -1, 1, 2})); }).find("target class index -1 is out of bounds"),
            std::string::npos);
  // ignore_index is exempt from the range check
  EXPECT_NO_THROW(F::nll_loss(x, tensor({0, 7, 1, 2}), {}, 7));
  EXPECT_NE(error_of([&] { F::cross_entropy(x, tensor({0, 1, 2})); })
                .find("expected target of shape [4] for input of shape [4, 3], got [3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::nll_loss(randn({2, 3, 5}), tensor({{0, 1}, {1, 2}})); }).find("expected target of shape [2, 5]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::nll_loss(x, tensor({0.0, 1.0, 2.0, 1.0})); }).find("class indices (int64), got float32"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(x, tensor({true, false, true, true})); }).find("got bool"), std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(x, rand({4, 3}, kFloat64)); }).find("probability target dtype float64"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(x, rand({4, 2})); }).find("must have the input's shape"), std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(x, rand({4, 3}), {}, 1); }).find("ignore_index"), std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(x, tensor({0, 1, 2, 1}), ones({4})); }).find("one entry per class (3"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(x, tensor({0, 1, 2, 1}), ones({3}), -100, Reduction::Mean, 1.5); })
                .find("label_smoothing"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::cross_entropy(scalar_tensor(1.0), scalar_tensor(int64_t(0))); }).find("class dimension"),
            std::string::npos);
  Tensor w = ones({3}).requires_grad_();
  EXPECT_NE(error_of([&] { F::cross_entropy(x, tensor({0, 1, 2, 1}), w); }).find("weight.detach()"), std::string::npos);
  // int32 class indices are accepted
  EXPECT_TRUE(allclose(F::cross_entropy(x, tensor({0, 1, 2, 1}).to(kInt32)), F::cross_entropy(x, tensor({0, 1, 2, 1}))));
}
