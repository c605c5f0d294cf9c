#pragma once
// Functional forms of the recurrent layers: single steps (cells) and whole multi-layer,
// bidirectional sequences with optional per-sequence lengths. Weight layouts and gate orders are
// PyTorch's: LSTM rows i, f, g, o; GRU rows r, z, n.
#include <optional>
#include <tuple>
#include <vector>

#include "descent/core/tensor.h"

namespace descent::nn::functional {

/// One Elman step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh); x [N, I] or [I], hx [N, H] or [H]
/// (undefined: zeros), w_ih [H, I], w_hh [H, H], biases [H] optional.
Tensor rnn_tanh_cell(const Tensor& x, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
/// As rnn_tanh_cell with relu in place of tanh.
Tensor rnn_relu_cell(const Tensor& x, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
/// One LSTM step; gates = x W_ih^T + b_ih + h W_hh^T + b_hh split into i, f, g, o ([4H] rows):
/// c' = sigmoid(f) * c + sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c'). hx = (h, c), either
/// may be undefined (zeros). Returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const std::tuple<Tensor, Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
/// One GRU step (rows r, z, n of the [3H, *] weights), PyTorch's formula:
///   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
///   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
Tensor gru_cell(const Tensor& x, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());

/// Which recurrence a multi-layer network runs.
enum class RNNMode { RnnTanh, RnnRelu, Lstm, Gru };

/// The weights of one layer in one direction (biases may be undefined).
struct RNNWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

/// Settings of a multi-layer recurrent network (see rnn()).
struct RNNFuncOptions {
  explicit RNNFuncOptions(RNNMode mode) : mode_(mode) {}
  RNNFuncOptions& num_layers(int64_t n) { num_layers_ = n; return *this; }
  RNNFuncOptions& bidirectional(bool b) { bidirectional_ = b; return *this; }
  /// Input and output are [N, L, *] instead of [L, N, *] (hidden states are never batch-first).
  RNNFuncOptions& batch_first(bool b) { batch_first_ = b; return *this; }
  /// Dropout probability on the outputs of every layer but the last, applied only when training.
  RNNFuncOptions& dropout(double p) { dropout_ = p; return *this; }
  RNNFuncOptions& training(bool t) { training_ = t; return *this; }
  RNNMode mode_;
  int64_t num_layers_ = 1;
  bool bidirectional_ = false, batch_first_ = false;
  double dropout_ = 0.0;
  bool training_ = false;
};

/// Output of rnn(): the top layer's outputs and every layer's final states.
struct RNNResult {
  /// [L, N, D*H] ([N, L, D*H] if batch_first, [L, D*H] for unbatched input); D = 2 if bidirectional.
  Tensor output;
  /// Final hidden state [num_layers*D, N, H], ordered layer 0 forward, layer 0 reverse, layer 1, ...
  Tensor h_n;
  /// Final cell state (LSTM only; undefined otherwise), laid out as h_n.
  Tensor c_n;
};

/// Runs a multi-layer (optionally bidirectional) recurrent network over a sequence.
/// input [L, N, I] ([N, L, I] if batch_first, or unbatched [L, I]); weights: num_layers*D entries
/// ordered as h_n; h0, c0 [num_layers*D, N, H] (undefined: zeros; c0 for LSTM only).
/// lengths (int64 [N], each in 1..L): sequence n is only lengths[n] long, as a packed sequence in
/// PyTorch: outputs at steps t >= lengths[n] are zero, the forward direction's final state is the
/// one at step lengths[n] - 1, and the reverse direction starts at step lengths[n] - 1.
RNNResult rnn(const Tensor& input, const std::vector<RNNWeights>& weights, const RNNFuncOptions& options,
              const Tensor& h0 = Tensor(), const Tensor& c0 = Tensor(), const Tensor& lengths = Tensor());

}  // namespace descent::nn::functional
