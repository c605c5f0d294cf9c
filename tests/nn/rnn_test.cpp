// RNN, LSTM, GRU: golden values from PyTorch (incl. packed sequences via lengths), parameter names
// and init, shapes (batch_first, bidirectional, unbatched), lengths masking, dropout, errors.
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

Tensor opt_input(const G::TensorMap& in, const char* k) { return in.count(k) ? in.at(k) : Tensor(); }

template <typename Opt>
Opt recurrent_options(const std::string& name) {
  const auto& o = G::options(name);
  Opt opt(o.at("input_size").get<int64_t>(), o.at("hidden_size").get<int64_t>());
  if (o.contains("num_layers")) opt.num_layers(o.at("num_layers").get<int64_t>());
  if (o.contains("bidirectional")) opt.bidirectional(o.at("bidirectional").get<bool>());
  if (o.contains("batch_first")) opt.batch_first(o.at("batch_first").get<bool>());
  return opt;
}

G::TensorMap run_rnn(nn::Module& m, const G::TensorMap& in) {
  Tensor x = in.at("input"), h0 = opt_input(in, "h0"), lengths = opt_input(in, "lengths");
  if (auto* lstm = dynamic_cast<nn::LSTMImpl*>(&m)) {
    std::optional<std::tuple<Tensor, Tensor>> hx;
    if (h0.defined()) hx = std::make_tuple(h0, in.at("c0"));
    auto [out, state] = lstm->forward(x, hx, lengths);
    return {{"output", out}, {"h_n", std::get<0>(state)}, {"c_n", std::get<1>(state)}};
  }
  if (auto* gru = dynamic_cast<nn::GRUImpl*>(&m)) {
    auto [out, h] = gru->forward(x, h0, lengths);
    return {{"output", out}, {"h_n", h}};
  }
  auto [out, h] = dynamic_cast<nn::RNNImpl&>(m).forward(x, h0, lengths);
  return {{"output", out}, {"h_n", h}};
}
}  // namespace

// ---- golden values ----

TEST(RNNGolden, TanhTwoLayers) {
  for (DType dt : kBoth) {
    nn::RNN rnn(recurrent_options<nn::RNNOptions>("rnn_tanh_2layer"));
    G::run_case("rnn_tanh_2layer", *rnn.ptr(), dt, run_rnn);
  }
}

TEST(RNNGolden, ReluBidirectionalBatchFirst) {
  for (DType dt : kBoth) {
    nn::RNN rnn(recurrent_options<nn::RNNOptions>("rnn_relu_bidirectional").nonlinearity(nn::RNNNonlinearity::ReLU));
    G::run_case("rnn_relu_bidirectional", *rnn.ptr(), dt, run_rnn);
  }
}

TEST(RNNGolden, LSTMBidirectionalTwoLayers) {
  for (DType dt : kBoth) {
    nn::LSTM lstm(recurrent_options<nn::LSTMOptions>("lstm_bidirectional_2layer"));
    G::run_case("lstm_bidirectional_2layer", *lstm.ptr(), dt, run_rnn);
  }
}

TEST(RNNGolden, LSTMLengthsMatchPackedSequences) {
  for (DType dt : kBoth) {
    nn::LSTM lstm(recurrent_options<nn::LSTMOptions>("lstm_lengths"));
    G::run_case("lstm_lengths", *lstm.ptr(), dt, run_rnn);
  }
}

TEST(RNNGolden, GRUTwoLayers) {
  for (DType dt : kBoth) {
    nn::GRU gru(recurrent_options<nn::GRUOptions>("gru_2layer"));
    G::run_case("gru_2layer", *gru.ptr(), dt, run_rnn);
  }
}

TEST(RNNGolden, GRULengthsBidirectional) {
  for (DType dt : kBoth) {
    nn::GRU gru(recurrent_options<nn::GRUOptions>("gru_lengths_bidirectional"));
    G::run_case("gru_lengths_bidirectional", *gru.ptr(), dt, run_rnn);
  }
}

// ---- parameters ----

TEST(RNN, ParameterNamesShapesAndInit) {
  manual_seed(0);
  nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2).bidirectional(true));
  auto names = lstm->named_parameters().keys();
  std::vector<std::string> want;
  for (std::string l : {"l0", "l1"})
    for (std::string s : {"", "_reverse"})
      for (std::string p : {"weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_"}) want.push_back(p + l + s);
  EXPECT_EQ(names, want);
  auto p = lstm->named_parameters();
  EXPECT_EQ(p["weight_ih_l0"].sizes(), (Shape{20, 3}));
  EXPECT_EQ(p["weight_ih_l1_reverse"].sizes(), (Shape{20, 10}));
  EXPECT_EQ(p["weight_hh_l1"].sizes(), (Shape{20, 5}));
  EXPECT_EQ(p["bias_hh_l0_reverse"].sizes(), (Shape{20}));
  const double bound = 1.0 / std::sqrt(5.0);
  for (auto& t : lstm->parameters()) {
    EXPECT_LE(t.abs().max().item<double>(), bound);
    EXPECT_GT(t.abs().max().item<double>(), bound * 0.5);
  }
  nn::GRU gru(nn::GRUOptions(2, 4).bias(false));
  EXPECT_EQ(gru->named_parameters().keys(), (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(gru->named_parameters()["weight_hh_l0"].sizes(), (Shape{12, 4}));
  nn::RNN rnn(2, 4);
  EXPECT_EQ(rnn->named_parameters()["weight_ih_l0"].sizes(), (Shape{4, 2}));
  std::ostringstream os;
  os << *lstm.ptr();
  EXPECT_EQ(os.str(), "LSTM(3, 5, num_layers=2, bidirectional=true)");
}

TEST(RNN, StateDictRoundTrip) {
  manual_seed(1);
  nn::GRU a(nn::GRUOptions(3, 2).num_layers(2)), b(nn::GRUOptions(3, 2).num_layers(2));
  b->load_state_dict(a->state_dict());
  Tensor x = randn({4, 2, 3});
  EXPECT_TRUE(equal(std::get<0>(a(x)), std::get<0>(b(x))));
}

// ---- shapes ----

TEST(RNN, OutputShapes) {
  manual_seed(2);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true));
  auto [out, state] = lstm(randn({2, 5, 3}));
  EXPECT_EQ(out.sizes(), (Shape{2, 5, 8}));
  EXPECT_EQ(std::get<0>(state).sizes(), (Shape{4, 2, 4}));
  EXPECT_EQ(std::get<1>(state).sizes(), (Shape{4, 2, 4}));
  nn::GRU gru(3, 4);
  auto [o2, h2] = gru(randn({5, 2, 3}));
  EXPECT_EQ(o2.sizes(), (Shape{5, 2, 4}));
  EXPECT_EQ(h2.sizes(), (Shape{1, 2, 4}));
  // The last output step is the final hidden state (unidirectional, no lengths).
  EXPECT_TRUE(equal(o2[4], h2[0]));
  // Unbatched input [L, I] gives [L, H] and [layers, H], equal to a batch of one.
  nn::RNN rnn(nn::RNNOptions(3, 4).num_layers(2));
  Tensor x = randn({5, 3}), h0 = randn({2, 4});
  auto [o3, h3] = rnn(x, h0);
  EXPECT_EQ(o3.sizes(), (Shape{5, 4}));
  EXPECT_EQ(h3.sizes(), (Shape{2, 4}));
  auto [o4, h4] = rnn(x.unsqueeze(1), h0.unsqueeze(1));
  EXPECT_TRUE(allclose(o3, o4.squeeze(1)));
  EXPECT_TRUE(allclose(h3, h4.squeeze(1)));
}

TEST(RNN, CellsMatchOneStepOfTheLayer) {
  manual_seed(3);
  nn::LSTM lstm(3, 4);
  Tensor x = randn({1, 2, 3}), h0 = randn({1, 2, 4}), c0 = randn({1, 2, 4});
  auto [out, state] = lstm(x, std::make_tuple(h0, c0));
  auto p = lstm->named_parameters();
  auto [h, c] = F::lstm_cell(x[0], {h0[0], c0[0]}, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]);
  EXPECT_TRUE(allclose(h, std::get<0>(state)[0], 1e-6, 1e-6));
  EXPECT_TRUE(allclose(c, std::get<1>(state)[0], 1e-6, 1e-6));
  nn::GRU gru(3, 4);
  auto q = gru->named_parameters();
  auto [go, gh] = gru(x, h0);
  EXPECT_TRUE(allclose(F::gru_cell(x[0], h0[0], q["weight_ih_l0"], q["weight_hh_l0"], q["bias_ih_l0"], q["bias_hh_l0"]),
                       gh[0], 1e-6, 1e-6));
}

// ---- variable lengths ----

TEST(RNN, LengthsZeroPaddedOutputsAndTakeStatesAtTheLastValidStep) {
  manual_seed(4);
  nn::LSTM lstm(nn::LSTMOptions(2, 3).bidirectional(true).batch_first(true));
  Tensor x = randn({3, 5, 2});
  const std::vector<int64_t> lens = {5, 2, 4};
  auto [out, state] = lstm(x, std::nullopt, idx({5, 2, 4}));
  auto [h_n, c_n] = state;
  for (int64_t n = 0; n < 3; ++n) {
    const int64_t L = lens[size_t(n)];
    // Each sequence alone, cut to its length, gives the same outputs and states.
    auto [o1, s1] = lstm(x.narrow(0, n, 1).narrow(1, 0, L));
    EXPECT_TRUE(allclose(out.narrow(0, n, 1).narrow(1, 0, L), o1, 1e-5, 1e-6)) << "sequence " << n;
    EXPECT_TRUE(allclose(h_n.narrow(1, n, 1), std::get<0>(s1), 1e-5, 1e-6)) << "sequence " << n;
    EXPECT_TRUE(allclose(c_n.narrow(1, n, 1), std::get<1>(s1), 1e-5, 1e-6)) << "sequence " << n;
    if (L < 5) {
      EXPECT_TRUE(equal(out[n].narrow(0, L, 5 - L), zeros({5 - L, 6}))) << "sequence " << n;
    }
  }
  // Gradients do not flow into the padded steps.
  Tensor xg = x.clone().requires_grad_();
  std::get<0>(lstm(xg, std::nullopt, idx({5, 2, 4}))).sum().backward();
  EXPECT_TRUE(equal(xg.grad()[1].narrow(0, 2, 3), zeros({3, 2})));
  EXPECT_GT(xg.grad()[1].narrow(0, 0, 2).abs().sum().item<double>(), 0.0);
}

TEST(RNN, FullLengthsEqualNoLengths) {
  manual_seed(5);
  nn::RNN rnn(nn::RNNOptions(2, 3).num_layers(2).bidirectional(true));
  Tensor x = randn({4, 2, 2});
  auto [a, ha] = rnn(x);
  auto [b, hb] = rnn(x, Tensor(), idx({4, 4}));
  EXPECT_TRUE(equal(a, b));
  EXPECT_TRUE(equal(ha, hb));
}

// ---- dropout ----

TEST(RNN, DropoutBetweenLayersOnlyWhileTraining) {
  manual_seed(6);
  nn::GRU gru(nn::GRUOptions(3, 8).num_layers(2).dropout(0.5));
  Tensor x = randn({4, 2, 3});
  auto [t1, ht1] = gru(x);
  auto [t2, ht2] = gru(x);
  EXPECT_FALSE(equal(t1, t2));  // different masks
  gru->eval();
  auto [e1, he1] = gru(x);
  auto [e2, he2] = gru(x);
  EXPECT_TRUE(equal(e1, e2));
  EXPECT_FALSE(equal(t1, e1));
  // The first layer's state is computed before any dropout.
  EXPECT_TRUE(allclose(ht1[0], he1[0]));
  // A single layer has nothing to drop between.
  nn::GRU one(nn::GRUOptions(3, 8).dropout(0.5));
  auto [a, ha] = one(x);
  one->eval();
  auto [b, hb] = one(x);
  EXPECT_TRUE(equal(a, b));
}

// ---- errors ----

TEST(RNN, ErrorsNameShapes) {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  std::string m = error_of([&] { lstm(zeros({5, 2, 4})); });
  EXPECT_NE(m.find("expected input with 3 features"), std::string::npos) << m;
  EXPECT_NE(m.find("[5, 2, 4]"), std::string::npos) << m;
  m = error_of([&] { lstm(zeros({5, 2, 3}), std::make_tuple(zeros({1, 2, 4}), zeros({2, 2, 4}))); });
  EXPECT_NE(m.find("h0 of shape [2, 2, 4]"), std::string::npos) << m;
  EXPECT_NE(m.find("got [1, 2, 4]"), std::string::npos) << m;
  m = error_of([&] { lstm(zeros({5, 2, 3}), std::nullopt, idx({5, 6})); });
  EXPECT_NE(m.find("every length must be in [1, 5]"), std::string::npos) << m;
  m = error_of([&] { lstm(zeros({5, 2, 3}), std::nullopt, idx({5})); });
  EXPECT_NE(m.find("one length per sequence (2)"), std::string::npos) << m;
  m = error_of([&] { lstm(zeros({5, 2, 3}), std::nullopt, idx({0, 5})); });
  EXPECT_NE(m.find("got 0"), std::string::npos) << m;
  m = error_of([&] { lstm(zeros({5, 2, 3, 1})); });
  EXPECT_NE(m.find("expected input of 3 dims"), std::string::npos) << m;
  m = error_of([&] { lstm(zeros({5, 2, 3}, kFloat64)); });
  EXPECT_NE(m.find("dtype"), std::string::npos) << m;
  EXPECT_THROW(nn::GRU(nn::GRUOptions(3, 4).dropout(1.5)), Error);
  EXPECT_THROW(nn::RNN(nn::RNNOptions(3, 0)), Error);
  m = error_of([&] { F::gru_cell(zeros({2, 3}), zeros({2, 5}), zeros({12, 3}), zeros({12, 4})); });
  EXPECT_NE(m.find("hidden state of shape [2, 5]"), std::string::npos) << m;
  // The single-tensor Module::call path is not used by recurrent layers: it names the way out.
  m = error_of([&] { lstm->call(zeros({5, 2, 3})); });
  EXPECT_NE(m.find("no single-tensor forward"), std::string::npos) << m;
}
