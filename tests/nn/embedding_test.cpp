// Embedding and EmbeddingBag: golden values from PyTorch, init, padding_idx, max_norm, bags
// (offsets, 2-D input, empty bags, per-sample weights), errors.
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
Tensor idx(const NestedList& l) { return tensor(l, kInt64); }

const DType kBoth[] = {kFloat32, kFloat64};

G::TensorMap lookup(nn::Module& m, const G::TensorMap& in) { return {{"output", m.call(in.at("input"))}}; }

G::TensorMap bag(nn::Module& m, const G::TensorMap& in) {
  auto& b = dynamic_cast<nn::EmbeddingBagImpl&>(m);
  Tensor offsets = in.count("offsets") ? in.at("offsets") : Tensor();
  Tensor psw = in.count("per_sample_weights") ? in.at("per_sample_weights") : Tensor();
  return {{"output", offsets.defined() ? b.forward(in.at("input"), offsets, psw) : b.forward(in.at("input"))}};
}

nn::EmbeddingBagOptions bag_options(const std::string& name) {
  const auto& o = G::options(name);
  return nn::EmbeddingBagOptions(o.at("num_embeddings").get<int64_t>(), o.at("embedding_dim").get<int64_t>())
      .mode(o.at("mode").get<std::string>() == "sum" ? F::EmbeddingBagMode::Sum : F::EmbeddingBagMode::Mean)
      .padding_idx(o.at("padding_idx").get<int64_t>());
}
}  // namespace

// ---- golden values ----

TEST(EmbeddingGolden, PaddingIdx) {
  for (DType dt : kBoth) {
    nn::Embedding emb(nn::EmbeddingOptions(6, 3).padding_idx(1));
    G::run_case("embedding_padding", *emb.ptr(), dt, lookup);
  }
}

TEST(EmbeddingGolden, MaxNormRenormalisesInPlace) {
  for (DType dt : kBoth) {
    nn::Embedding emb(nn::EmbeddingOptions(5, 3).max_norm(1.0));
    G::run_case("embedding_max_norm", *emb.ptr(), dt, lookup);  // state_after holds the renormalised rows
  }
}

TEST(EmbeddingGolden, BagSumWithOffsetsAndPerSampleWeights) {
  for (DType dt : kBoth) {
    nn::EmbeddingBag b(bag_options("embeddingbag_sum"));
    G::run_case("embeddingbag_sum", *b.ptr(), dt, bag);
  }
}

TEST(EmbeddingGolden, BagMean2d) {
  for (DType dt : kBoth) {
    nn::EmbeddingBag b(bag_options("embeddingbag_mean_2d"));
    G::run_case("embeddingbag_mean_2d", *b.ptr(), dt, bag);
  }
}

// ---- Embedding behaviour ----

TEST(Embedding, InitIsStandardNormalWithZeroPaddingRow) {
  manual_seed(0);
  nn::Embedding emb(nn::EmbeddingOptions(2000, 8).padding_idx(-1));
  EXPECT_EQ(emb->options.padding_idx_, 1999);  // stored non-negative, as PyTorch
  EXPECT_TRUE(equal(emb->weight[1999], zeros({8})));
  Tensor w = emb->weight.narrow(0, 0, 1999);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(w.std().item<double>(), 1.0, 0.02);
  EXPECT_EQ(emb->named_parameters().keys(), std::vector<std::string>{"weight"});
}

TEST(Embedding, OutputShapeAppendsEmbeddingDim) {
  nn::Embedding emb(10, 4);
  EXPECT_EQ(emb(idx({{1, 2, 3}, {4, 5, 6}})).sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(emb(scalar_tensor(3, kInt64)).sizes(), (Shape{4}));
  EXPECT_EQ(emb(zeros({0}, kInt64)).sizes(), (Shape{0, 4}));
  EXPECT_TRUE(equal(emb(idx({7})).squeeze(0), emb->weight[7].detach()));
  EXPECT_TRUE(equal(emb(tensor({7}, DType::Int32)), emb(idx({7}))));
}

TEST(Embedding, PaddingRowGetsNoGradientAndRepeatsAccumulate) {
  manual_seed(1);
  nn::Embedding emb(nn::EmbeddingOptions(4, 2).padding_idx(0));
  {
    NoGradGuard ng;
    emb->weight[0].fill_(3.0);  // a non-zero padding row is still looked up as is
  }
  Tensor out = emb(idx({0, 2, 2, 0, 3}));
  EXPECT_TRUE(equal(out[0], full({2}, 3.0f)));
  out.sum().backward();
  EXPECT_TRUE(equal(emb->weight.grad(), tensor({{0.0f, 0.0f}, {0.0f, 0.0f}, {2.0f, 2.0f}, {1.0f, 1.0f}})))
      << emb->weight.grad();
}

TEST(Embedding, MaxNormTouchesOnlyReferencedRows) {
  manual_seed(2);
  nn::Embedding emb(nn::EmbeddingOptions(4, 3).max_norm(0.5));
  {
    NoGradGuard ng;
    emb->weight.copy_(tensor({{3.0, 0.0, 4.0}, {0.1, 0.1, 0.1}, {1.0, 1.0, 1.0}, {0.0, 2.0, 0.0}}));
  }
  Tensor before = emb->weight.detach().clone();
  const uint64_t v = emb->weight._version();
  Tensor out = emb(idx({0, 1, 0}));
  EXPECT_GT(emb->weight._version(), v);
  Tensor w = emb->weight.detach();
  EXPECT_NEAR(w[0].norm().item<double>(), 0.5, 1e-6);  // 5 -> 0.5
  EXPECT_TRUE(allclose(w[0], before[0] * (0.5 / (5.0 + 1e-7))));
  EXPECT_TRUE(equal(w[1], before[1]));  // under max_norm
  EXPECT_TRUE(equal(w[2], before[2]));  // not referenced
  EXPECT_TRUE(equal(w[3], before[3]));
  EXPECT_TRUE(equal(out[0], w[0]));
  // norm_type 1
  nn::Embedding l1(nn::EmbeddingOptions(1, 2).max_norm(1.0).norm_type(1.0));
  {
    NoGradGuard ng;
    l1->weight.copy_(tensor({{1.0, 3.0}}));
  }
  l1(idx({0}));
  EXPECT_NEAR(l1->weight.detach().abs().sum().item<double>(), 1.0, 1e-6);
}

TEST(Embedding, ErrorsNameTheProblem) {
  nn::Embedding emb(5, 3);
  std::string m = error_of([&] { emb(idx({1, 5})); });
  EXPECT_NE(m.find("index 5 is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("[5, 3]"), std::string::npos) << m;
  m = error_of([&] { emb(idx({-1})); });
  EXPECT_NE(m.find("index -1"), std::string::npos) << m;
  m = error_of([&] { emb(tensor({1.0, 2.0})); });
  EXPECT_NE(m.find("integer indices"), std::string::npos) << m;
  m = error_of([&] { nn::Embedding(nn::EmbeddingOptions(5, 3).padding_idx(5)); });
  EXPECT_NE(m.find("padding_idx 5 is out of range"), std::string::npos) << m;
  m = error_of([&] { F::embedding(idx({0}), zeros({5})); });
  EXPECT_NE(m.find("weight must be 2-D"), std::string::npos) << m;
}

// ---- EmbeddingBag behaviour ----

TEST(EmbeddingBag, SumAndMeanMatchPerBagLookups) {
  manual_seed(3);
  Tensor w = randn({6, 2}, kFloat64);
  Tensor input = idx({1, 2, 4, 4, 3, 0}), offsets = idx({0, 2, 2, 5});
  auto opt = F::EmbeddingBagFuncOptions().mode(F::EmbeddingBagMode::Sum);
  Tensor s = F::embedding_bag(input, w, offsets, opt);
  ASSERT_EQ(s.sizes(), (Shape{4, 2}));
  EXPECT_TRUE(allclose(s[0], w[1] + w[2]));
  EXPECT_TRUE(equal(s[1], zeros({2}, kFloat64)));  // empty bag
  EXPECT_TRUE(allclose(s[2], w[4] * 2 + w[3]));
  EXPECT_TRUE(allclose(s[3], w[0]));
  Tensor mean = F::embedding_bag(input, w, offsets, F::EmbeddingBagFuncOptions().padding_idx(4));
  EXPECT_TRUE(allclose(mean[0], (w[1] + w[2]) / 2));
  EXPECT_TRUE(allclose(mean[2], w[3]));  // padding entries leave the bag and the count
  // include_last_offset: the same bags in CSR form
  Tensor csr = F::embedding_bag(input, w, idx({0, 2, 2, 5, 6}), F::EmbeddingBagFuncOptions(opt).include_last_offset(true));
  EXPECT_TRUE(equal(csr, s));
  // 2-D input: one bag per row
  Tensor rows = F::embedding_bag(idx({{1, 2}, {4, 4}}), w, {}, opt);
  EXPECT_TRUE(allclose(rows, stack({w[1] + w[2], w[4] * 2})));
}

TEST(EmbeddingBag, PaddingGradientIsZero) {
  manual_seed(4);
  nn::EmbeddingBag b(nn::EmbeddingBagOptions(4, 2).mode(F::EmbeddingBagMode::Mean).padding_idx(3));
  EXPECT_TRUE(equal(b->weight[3], zeros({2})));
  b->forward(idx({3, 1, 3, 1, 2}), idx({0, 2})).sum().backward();
  Tensor g = b->weight.grad();
  EXPECT_TRUE(equal(g[3], zeros({2})));
  EXPECT_TRUE(allclose(g[1], full({2}, 1.5f)));  // 1 from bag 0 (alone) + 1/2 from bag 1
  EXPECT_TRUE(allclose(g[2], full({2}, 0.5f)));
}

TEST(EmbeddingBag, ErrorsNameTheProblem) {
  Tensor w = zeros({5, 2});
  std::string m = error_of([&] { F::embedding_bag(idx({1, 2}), w, idx({1})); });
  EXPECT_NE(m.find("offsets[0] must be 0"), std::string::npos) << m;
  m = error_of([&] { F::embedding_bag(idx({1, 2, 3}), w, idx({0, 2, 1})); });
  EXPECT_NE(m.find("non-decreasing"), std::string::npos) << m;
  m = error_of([&] { F::embedding_bag(idx({1, 2}), w); });
  EXPECT_NE(m.find("needs offsets"), std::string::npos) << m;
  m = error_of([&] { F::embedding_bag(idx({{1, 2}}), w, idx({0})); });
  EXPECT_NE(m.find("offsets must be omitted"), std::string::npos) << m;
  m = error_of([&] {
    F::embedding_bag(idx({1, 2}), w, idx({0}), F::EmbeddingBagFuncOptions().per_sample_weights(ones({2})));
  });
  EXPECT_NE(m.find("only supported for mode sum"), std::string::npos) << m;
  m = error_of([&] {
    F::embedding_bag(idx({1, 2}), w, idx({0}),
                     F::EmbeddingBagFuncOptions().mode(F::EmbeddingBagMode::Sum).per_sample_weights(ones({3})));
  });
  EXPECT_NE(m.find("per_sample_weights of shape [3]"), std::string::npos) << m;
  m = error_of([&] { F::embedding_bag(idx({7}), w, idx({0})); });
  EXPECT_NE(m.find("index 7 is out of range"), std::string::npos) << m;
  m = error_of([&] { F::embedding_bag(idx({{{1}}}), w); });
  EXPECT_NE(m.find("[1, 1, 1]"), std::string::npos) << m;
}
