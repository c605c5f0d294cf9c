// Gradcheck for the normalisation, embedding and recurrent family: the primitive ops join the
// table (ops/op_list_norm.h), and every layer's forward is checked w.r.t. its input and all of its
// parameters (float64, tiny sizes).
#include <gtest/gtest.h>

#include <functional>

#include "descent/descent.h"
#include "gradcheck_registry.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {
using namespace gradcheck_table;
using V = const std::vector<Tensor>&;

Tensor idx(const NestedList& l) { return tensor(l, kInt64); }

// The padding row's value reaches the output but gets no gradient (as in PyTorch), so finite
// differences only agree once the padded positions are masked out of the checked output.
Tensor without_padding(const Tensor& out, const Tensor& i, int64_t pad) {
  return out * (i != pad).unsqueeze(-1).to(out.dtype());
}
}  // namespace

DESCENT_GRADCHECK_CASES(norm_op_cases) {
  auto entry = [&](std::string op, std::string variant, Fn fn, std::vector<Tensor> inputs) {
    c.push_back({std::move(op), std::move(variant), std::move(fn), std::move(inputs)});
  };

  // ---- batch_norm (train: batch statistics; eval: running statistics) ----
  entry("batch_norm", "train 2-d affine", [](V x) { return F::batch_norm(x[0], {}, {}, x[1], x[2], true); },
        {R({4, 3}), R({3}), R({3})});
  entry("batch_norm", "train 3-d no affine", [](V x) { return F::batch_norm(x[0], {}, {}, {}, {}, true, 0.1, 1e-3); },
        {R({2, 3, 3})});
  entry("batch_norm", "train 4-d with running stats", [](V x) {
    Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);  // fresh each call: updates do not leak
    return F::batch_norm(x[0], rm, rv, x[1], x[2], true, 0.3);
  }, {R({2, 2, 2, 3}), R({2}), R({2})});
  entry("batch_norm", "train channels-last", [](V x) { return F::batch_norm(x[0], {}, {}, x[1], x[2], true); },
        {CL({2, 3, 2, 2}), R({3}), R({3})});
  entry("batch_norm", "train noncontig", [](V x) { return F::batch_norm(x[0], {}, {}, x[1], {}, true); },
        {NC({3, 2, 2}), R({2})});
  entry("batch_norm", "eval", [](V x) { return F::batch_norm(x[0], x[3], x[4], x[1], x[2], false); },
        {R({3, 2, 2}), R({2}), R({2}), C(randn({2}, kFloat64)), C(rand({2}, kFloat64) + 0.5)});
  entry("batch_norm", "eval channels-last", [](V x) { return F::batch_norm(x[0], x[2], x[3], x[1], {}, false); },
        {CL({2, 2, 2, 2}), R({2}), C(randn({2}, kFloat64)), C(rand({2}, kFloat64) + 0.5)});

  // ---- layer_norm ----
  entry("layer_norm", "two dims affine", [](V x) { return F::layer_norm(x[0], {3, 4}, x[1], x[2]); },
        {R({2, 3, 4}), R({3, 4}), R({3, 4})});
  entry("layer_norm", "last dim no affine", [](V x) { return F::layer_norm(x[0], {4}, {}, {}, 1e-3); }, {NC({3, 4})});
  entry("layer_norm", "no leading dims", [](V x) { return F::layer_norm(x[0], {2, 3}, x[1], x[2]); },
        {R({2, 3}), R({2, 3}), R({2, 3})});

  // ---- group_norm ----
  entry("group_norm", "3-d affine", [](V x) { return F::group_norm(x[0], 2, x[1], x[2]); },
        {R({2, 4, 3}), R({4}), R({4})});
  entry("group_norm", "channels-last", [](V x) { return F::group_norm(x[0], 3, x[1], x[2]); },
        {CL({2, 6, 2, 2}), R({6}), R({6})});
  entry("group_norm", "2-d one group per channel", [](V x) { return F::group_norm(x[0], 4, x[1], {}); },
        {R({3, 4}), R({4})});
  entry("group_norm", "noncontig no affine", [](V x) { return F::group_norm(x[0], 1, {}, {}, 1e-3); },
        {NC({2, 3, 2})});

  // ---- embedding ----
  entry("embedding", "repeated indices", [](V x) { return F::embedding(idx({{1, 3, 1}, {0, 3, 3}}), x[0]); },
        {R({5, 2})});
  entry("embedding", "padding_idx", [](V x) {
    Tensor i = idx({0, 2, 4, 0, 2});
    return without_padding(F::embedding(i, x[0], 0), i, 0);
  }, {R({5, 3})});
  entry("embedding", "negative padding_idx", [](V x) {
    Tensor i = idx({{4}, {1}});
    return without_padding(F::embedding(i, x[0], -1), i, 4);
  }, {R({5, 3})});

  // ---- embedding_bag ----
  entry("embedding_bag", "sum offsets", [](V x) {
    return F::embedding_bag(idx({1, 2, 4, 4, 3, 0}), x[0], idx({0, 2, 5}),
                            F::EmbeddingBagFuncOptions().mode(F::EmbeddingBagMode::Sum));
  }, {R({5, 3})});
  entry("embedding_bag", "mean with empty bag and padding", [](V x) {
    return F::embedding_bag(idx({1, 2, 0, 4, 0, 3}), x[0], idx({0, 3, 3, 5}),
                            F::EmbeddingBagFuncOptions().mode(F::EmbeddingBagMode::Mean).padding_idx(0));
  }, {R({5, 3})});
  entry("embedding_bag", "2-d input mean", [](V x) { return F::embedding_bag(idx({{1, 2, 3}, {3, 3, 0}}), x[0]); },
        {R({4, 2})});
  entry("embedding_bag", "per_sample_weights", [](V x) {
    return F::embedding_bag(idx({1, 2, 4, 2, 0}), x[0], idx({0, 2, 5}),
                            F::EmbeddingBagFuncOptions().mode(F::EmbeddingBagMode::Sum).per_sample_weights(x[1]).padding_idx(4));
  }, {R({5, 3}), R({5})});
}

// ---- layers: forward w.r.t. input and every parameter ----
namespace {

// Checks fn(input) against finite differences w.r.t. the extra inputs and the module's parameters
// (which gradcheck perturbs in place, so the module sees the perturbation).
void check_layer(nn::Module& m, const std::vector<Tensor>& extra, const std::function<Tensor(V)>& fn,
                 double atol = 1e-5, double rtol = 1e-3) {
  std::vector<Tensor> inputs = extra;
  for (auto& p : m.parameters()) inputs.push_back(p);
  GradcheckResult r = gradcheck(fn, inputs, 1e-6, atol, rtol);
  EXPECT_TRUE(r.ok) << m.type_name() << ": " << r.message;
}

Tensor flat_all(std::initializer_list<Tensor> ts) {
  std::vector<Tensor> parts;
  for (auto& t : ts) parts.push_back(t.reshape({-1}));
  return cat(parts, 0);
}

template <typename H>
H float64(H h) {
  h->to(kFloat64);
  return h;
}

// Parameters perturbed away from the defaults (1 and 0) so every term of the formula matters.
void randomise(nn::Module& m) {
  NoGradGuard ng;
  for (auto& p : m.parameters()) p.copy_(randn(p.sizes(), kFloat64));
}
}  // namespace

TEST(GradcheckLayers, BatchNorm1dTrain) {
  manual_seed(1);
  auto bn = float64(nn::BatchNorm1d(3));
  randomise(*bn.ptr());
  check_layer(*bn.ptr(), {R({4, 3})}, [&](V x) { return bn(x[0]); });
  check_layer(*bn.ptr(), {R({3, 3, 2})}, [&](V x) { return bn(x[0]); });
}

TEST(GradcheckLayers, BatchNorm1dEval) {
  manual_seed(2);
  auto bn = float64(nn::BatchNorm1d(3));
  randomise(*bn.ptr());
  {
    NoGradGuard ng;
    bn->running_mean.copy_(randn({3}, kFloat64));
    bn->running_var.copy_(rand({3}, kFloat64) + 0.5);
  }
  bn->eval();
  check_layer(*bn.ptr(), {R({4, 3})}, [&](V x) { return bn(x[0]); });
}

TEST(GradcheckLayers, BatchNorm2dChannelsLast) {
  manual_seed(3);
  auto bn = float64(nn::BatchNorm2d(nn::BatchNormOptions(3).momentum(std::nullopt)));
  randomise(*bn.ptr());
  check_layer(*bn.ptr(), {CL({2, 3, 2, 2})}, [&](V x) { return bn(x[0]); });
  bn->eval();
  check_layer(*bn.ptr(), {CL({2, 3, 2, 2})}, [&](V x) { return bn(x[0]); });
}

TEST(GradcheckLayers, LayerNorm) {
  manual_seed(4);
  auto ln = float64(nn::LayerNorm({2, 3}));
  randomise(*ln.ptr());
  check_layer(*ln.ptr(), {R({2, 2, 3})}, [&](V x) { return ln(x[0]); });
}

TEST(GradcheckLayers, GroupNorm) {
  manual_seed(5);
  auto gn = float64(nn::GroupNorm(2, 4));
  randomise(*gn.ptr());
  check_layer(*gn.ptr(), {R({2, 4, 3})}, [&](V x) { return gn(x[0]); });
}

TEST(GradcheckLayers, EmbeddingWithPadding) {
  manual_seed(6);
  auto emb = float64(nn::Embedding(nn::EmbeddingOptions(5, 3).padding_idx(2)));
  const Tensor i = idx({{2, 1, 4}, {4, 2, 0}});
  check_layer(*emb.ptr(), {}, [&](V) { return without_padding(emb(i), i, 2); });
}

TEST(GradcheckLayers, EmbeddingBagSumAndMean) {
  manual_seed(7);
  for (auto mode : {F::EmbeddingBagMode::Sum, F::EmbeddingBagMode::Mean}) {
    auto bag = float64(nn::EmbeddingBag(nn::EmbeddingBagOptions(6, 2).mode(mode).padding_idx(0)));
    check_layer(*bag.ptr(), {}, [&](V) { return bag->forward(idx({1, 0, 5, 5, 2, 3}), idx({0, 3, 3, 4})); });
  }
}

TEST(GradcheckLayers, RNNTanhTwoLayers) {
  manual_seed(8);
  auto rnn = float64(nn::RNN(nn::RNNOptions(3, 2).num_layers(2)));
  check_layer(*rnn.ptr(), {R({3, 2, 3}), R({2, 2, 2})}, [&](V x) {
    auto [out, h] = rnn(x[0], x[1]);
    return flat_all({out, h});
  });
}

TEST(GradcheckLayers, RNNReluBidirectionalBatchFirst) {
  manual_seed(9);
  auto rnn = float64(nn::RNN(nn::RNNOptions(2, 3).nonlinearity(nn::RNNNonlinearity::ReLU).bidirectional(true).batch_first(true)));
  check_layer(*rnn.ptr(), {R({2, 3, 2})}, [&](V x) {
    auto [out, h] = rnn(x[0]);
    return flat_all({out, h});
  });
}

TEST(GradcheckLayers, LSTMBidirectionalTwoLayers) {
  manual_seed(10);
  auto lstm = float64(nn::LSTM(nn::LSTMOptions(3, 2).num_layers(2).bidirectional(true)));
  check_layer(*lstm.ptr(), {R({3, 2, 3}), R({4, 2, 2}), R({4, 2, 2})}, [&](V x) {
    auto [out, state] = lstm(x[0], std::make_tuple(x[1], x[2]));
    return flat_all({out, std::get<0>(state), std::get<1>(state)});
  });
}

TEST(GradcheckLayers, LSTMVariableLengths) {
  manual_seed(11);
  auto lstm = float64(nn::LSTM(nn::LSTMOptions(2, 2).bidirectional(true).batch_first(true)));
  const Tensor lengths = idx({3, 1, 2});
  check_layer(*lstm.ptr(), {R({3, 3, 2})}, [&](V x) {
    auto [out, state] = lstm(x[0], std::nullopt, lengths);
    return flat_all({out, std::get<0>(state), std::get<1>(state)});
  });
}

TEST(GradcheckLayers, GRUWithLengthsAndNoBias) {
  manual_seed(12);
  auto gru = float64(nn::GRU(nn::GRUOptions(3, 2).num_layers(2)));
  check_layer(*gru.ptr(), {R({4, 2, 3}), R({2, 2, 2})}, [&](V x) {
    auto [out, h] = gru(x[0], x[1], idx({2, 4}));
    return flat_all({out, h});
  });
  auto gru_nb = float64(nn::GRU(nn::GRUOptions(2, 2).bias(false)));
  check_layer(*gru_nb.ptr(), {R({3, 2})}, [&](V x) {  // unbatched input
    auto [out, h] = gru_nb(x[0]);
    return flat_all({out, h});
  });
}

TEST(GradcheckLayers, Cells) {
  manual_seed(13);
  auto w = [](int64_t r, int64_t c) { return R({r, c}); };
  std::vector<Tensor> in = {R({2, 3}), R({2, 2}), R({2, 2}), w(8, 3), w(8, 2), R({8}), R({8})};
  auto r = gradcheck([](V x) {
    auto [h, c] = F::lstm_cell(x[0], {x[1], x[2]}, x[3], x[4], x[5], x[6]);
    return flat_all({h, c});
  }, in);
  EXPECT_TRUE(r.ok) << r.message;
  std::vector<Tensor> g = {R({2, 3}), R({2, 2}), w(6, 3), w(6, 2), R({6}), R({6})};
  r = gradcheck([](V x) { return F::gru_cell(x[0], x[1], x[2], x[3], x[4], x[5]); }, g);
  EXPECT_TRUE(r.ok) << r.message;
  std::vector<Tensor> t = {R({3}), R({2}), w(2, 3), w(2, 2)};
  r = gradcheck([](V x) { return F::rnn_tanh_cell(x[0], x[1], x[2], x[3]); }, t);
  EXPECT_TRUE(r.ok) << r.message;
}
