#pragma once
// RNN (tanh / relu), LSTM, GRU: multi-layer, optionally bidirectional recurrent layers with
// PyTorch's parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse),
// gate orders (LSTM i, f, g, o; GRU r, z, n) and init U(-1/sqrt(hidden), 1/sqrt(hidden)).
//
// Calling: `auto [out, h_n] = rnn(x);`, `auto [out, h_n] = gru(x, h0, lengths);`,
// `auto [out, state] = lstm(x, std::make_tuple(h0, c0)); auto [h_n, c_n] = state;`.
// x is [L, N, input_size] ([N, L, input_size] with batch_first, or unbatched [L, input_size]);
// out is [L, N, D*hidden] (D = 2 when bidirectional); h_n, c_n are [num_layers*D, N, hidden]
// (never batch-first). lengths (int64 [N], values 1..L) makes variable-length batches behave as
// PyTorch's packed sequences: outputs past a sequence's end are zero and h_n / c_n hold each
// sequence's state at its last valid step.
#include <optional>
#include <tuple>
#include <vector>

#include "descent/nn/functional/rnn.h"
#include "descent/nn/module.h"

namespace descent::nn {

/// Settings shared by RNN, LSTM and GRU; setters return the derived options type.
template <typename Self>
struct RecurrentOptions {
  RecurrentOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  Self& num_layers(int64_t n) { num_layers_ = n; return self(); }
  /// Biases b_ih and b_hh in every layer.
  Self& bias(bool b) { bias_ = b; return self(); }
  /// Input and output are [N, L, *].
  Self& batch_first(bool b) { batch_first_ = b; return self(); }
  /// Dropout probability on the outputs of every layer but the last (training only).
  Self& dropout(double p) { dropout_ = p; return self(); }
  Self& bidirectional(bool b) { bidirectional_ = b; return self(); }
  int64_t input_size_, hidden_size_;
  int64_t num_layers_ = 1;
  bool bias_ = true, batch_first_ = false;
  double dropout_ = 0.0;
  bool bidirectional_ = false;

 private:
  Self& self() { return static_cast<Self&>(*this); }
};

enum class RNNNonlinearity { Tanh, ReLU };

struct RNNOptions : RecurrentOptions<RNNOptions> {
  using RecurrentOptions::RecurrentOptions;
  RNNOptions& nonlinearity(RNNNonlinearity n) { nonlinearity_ = n; return *this; }
  RNNNonlinearity nonlinearity_ = RNNNonlinearity::Tanh;
};
struct LSTMOptions : RecurrentOptions<LSTMOptions> {
  using RecurrentOptions::RecurrentOptions;
};
struct GRUOptions : RecurrentOptions<GRUOptions> {
  using RecurrentOptions::RecurrentOptions;
};

/// Parameters and the sequence loop shared by RNN, LSTM and GRU.
class RNNImplBase : public Module {
 public:
  /// Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();
  /// The weights of layer l, direction d (0 forward, 1 reverse) at index l * D + d.
  std::vector<functional::RNNWeights> all_weights() const;
  std::string extra_repr() const override;
  int64_t input_size, hidden_size, num_layers;
  bool bias, batch_first, bidirectional;
  double dropout;

 protected:
  RNNImplBase(const char* name, functional::RNNMode mode, int64_t input_size, int64_t hidden_size, int64_t num_layers,
              bool bias, bool batch_first, double dropout, bool bidirectional);
  functional::RNNResult run(const Tensor& input, const Tensor& h0, const Tensor& c0, const Tensor& lengths) const;
  functional::RNNMode mode_;
  std::vector<functional::RNNWeights> weights_;
};

/// Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.
class RNNImpl : public RNNImplBase {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& o);
  /// (output, h_n); hx = h0 (undefined: zeros); lengths optional.
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = Tensor(), const Tensor& lengths = Tensor());
  std::string extra_repr() const override;
  RNNOptions options;
};

/// LSTM with gates i, f, g, o: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).
class LSTMImpl : public RNNImplBase {
 public:
  LSTMImpl(int64_t input_size, int64_t hidden_size) : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& o);
  /// (output, (h_n, c_n)); hx = (h0, c0) (nullopt: zeros); lengths optional.
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& input,
                                                         std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt,
                                                         const Tensor& lengths = Tensor());
  LSTMOptions options;
};

/// GRU: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h_t = (1 - z) * n + z * h_{t-1}.
class GRUImpl : public RNNImplBase {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& o);
  /// (output, h_n); hx = h0 (undefined: zeros); lengths optional.
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = Tensor(), const Tensor& lengths = Tensor());
  GRUOptions options;
};

/// Holders whose call operator always goes to forward() (the layers return tuples, so the
/// single-tensor Module::call path does not apply).
#define DESCENT_RECURRENT_MODULE(Name)                                         \
  class Name : public ::descent::nn::ModuleHolder<Name##Impl> {                \
   public:                                                                     \
    using ::descent::nn::ModuleHolder<Name##Impl>::ModuleHolder;               \
    template <typename... Args>                                                \
    auto operator()(Args&&... args) const {                                    \
      return (*this)->forward(std::forward<Args>(args)...);                    \
    }                                                                          \
  }
DESCENT_RECURRENT_MODULE(RNN);
DESCENT_RECURRENT_MODULE(LSTM);
DESCENT_RECURRENT_MODULE(GRU);
#undef DESCENT_RECURRENT_MODULE

}  // namespace descent::nn
