#include "descent/nn/modules/rnn.h"

#include <cmath>
#include <sstream>

#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {
using functional::RNNMode;

RNNImplBase::RNNImplBase(const char* name, RNNMode mode, int64_t input_size_, int64_t hidden_size_, int64_t num_layers_,
                         bool bias_, bool batch_first_, double dropout_, bool bidirectional_)
    : Module(name),
      input_size(input_size_),
      hidden_size(hidden_size_),
      num_layers(num_layers_),
      bias(bias_),
      batch_first(batch_first_),
      bidirectional(bidirectional_),
      dropout(dropout_),
      mode_(mode) {
  DESCENT_CHECK(input_size > 0 && hidden_size > 0, name, ": input_size and hidden_size must be positive, got ", input_size,
                " and ", hidden_size);
  DESCENT_CHECK(num_layers >= 1, name, ": num_layers must be at least 1, got ", num_layers);
  DESCENT_CHECK(dropout >= 0.0 && dropout <= 1.0, name, ": dropout must be in [0, 1], got ", dropout);
  const int64_t G = mode == RNNMode::Lstm ? 4 : mode == RNNMode::Gru ? 3 : 1;
  const int64_t D = bidirectional ? 2 : 1;
  for (int64_t l = 0; l < num_layers; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const int64_t in = l == 0 ? input_size : D * hidden_size;
      functional::RNNWeights w;
      w.w_ih = register_parameter("weight_ih" + sfx, empty({G * hidden_size, in}));
      w.w_hh = register_parameter("weight_hh" + sfx, empty({G * hidden_size, hidden_size}));
      if (bias) {
        w.b_ih = register_parameter("bias_ih" + sfx, empty({G * hidden_size}));
        w.b_hh = register_parameter("bias_hh" + sfx, empty({G * hidden_size}));
      }
      weights_.push_back(w);
    }
  reset_parameters();
}

void RNNImplBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(hidden_size));
  for (Tensor& p : parameters(false)) init::uniform_(p, -bound, bound);
}

std::vector<functional::RNNWeights> RNNImplBase::all_weights() const { return weights_; }

functional::RNNResult RNNImplBase::run(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                       const Tensor& lengths) const {
  functional::RNNFuncOptions fo(mode_);
  fo.num_layers(num_layers).bidirectional(bidirectional).batch_first(batch_first).dropout(dropout).training(is_training());
  if (input.defined() && (input.dim() == 2 || input.dim() == 3))
    DESCENT_CHECK(input.size(-1) == input_size, type_name(), ": expected input with ", input_size,
                  " features in the last dim, got input of shape ", input.sizes());
  return functional::rnn(input, weights_, fo, h0, c0, lengths);
}

std::string RNNImplBase::extra_repr() const {
  std::ostringstream os;
  os << input_size << ", " << hidden_size;
  if (num_layers != 1) os << ", num_layers=" << num_layers;
  if (!bias) os << ", bias=false";
  if (batch_first) os << ", batch_first=true";
  if (dropout != 0.0) os << ", dropout=" << dropout;
  if (bidirectional) os << ", bidirectional=true";
  return os.str();
}

RNNImpl::RNNImpl(const RNNOptions& o)
    : RNNImplBase("RNN", o.nonlinearity_ == RNNNonlinearity::Tanh ? RNNMode::RnnTanh : RNNMode::RnnRelu, o.input_size_,
                  o.hidden_size_, o.num_layers_, o.bias_, o.batch_first_, o.dropout_, o.bidirectional_),
      options(o) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const Tensor& hx, const Tensor& lengths) {
  auto r = run(input, hx, Tensor(), lengths);
  return {r.output, r.h_n};
}

std::string RNNImpl::extra_repr() const {
  std::string s = RNNImplBase::extra_repr();
  if (options.nonlinearity_ == RNNNonlinearity::ReLU) s += ", nonlinearity=relu";
  return s;
}

LSTMImpl::LSTMImpl(const LSTMOptions& o)
    : RNNImplBase("LSTM", RNNMode::Lstm, o.input_size_, o.hidden_size_, o.num_layers_, o.bias_, o.batch_first_,
                  o.dropout_, o.bidirectional_),
      options(o) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 std::optional<std::tuple<Tensor, Tensor>> hx,
                                                                 const Tensor& lengths) {
  Tensor h0, c0;
  if (hx) std::tie(h0, c0) = *hx;
  auto r = run(input, h0, c0, lengths);
  return {r.output, {r.h_n, r.c_n}};
}

GRUImpl::GRUImpl(const GRUOptions& o)
    : RNNImplBase("GRU", RNNMode::Gru, o.input_size_, o.hidden_size_, o.num_layers_, o.bias_, o.batch_first_, o.dropout_,
                  o.bidirectional_),
      options(o) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& hx, const Tensor& lengths) {
  auto r = run(input, hx, Tensor(), lengths);
  return {r.output, r.h_n};
}

}  // namespace descent::nn
