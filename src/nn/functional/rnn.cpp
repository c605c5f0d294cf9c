// Recurrent networks composed from core ops. The input projection x W_ih^T + b_ih of a whole
// layer is one GEMM over all L*N rows; only h W_hh^T + b_hh runs per step. Variable lengths mask
// each step with where(), so states freeze after a sequence's end and padded outputs are zero.
#include "descent/nn/functional/rnn.h"

#include <algorithm>
#include <string>

#include "descent/autograd/grad_mode.h"
#include "descent/nn/functional/linear.h"
#include "descent/ops/ops.h"

namespace descent::nn::functional {
namespace {

int64_t gate_count(RNNMode m) { return m == RNNMode::Lstm ? 4 : m == RNNMode::Gru ? 3 : 1; }
const char* mode_name(RNNMode m) {
  switch (m) {
    case RNNMode::RnnTanh: return "RNN_TANH";
    case RNNMode::RnnRelu: return "RNN_RELU";
    case RNNMode::Lstm: return "LSTM";
    case RNNMode::Gru: return "GRU";
  }
  return "RNN";
}

// One step given the input part of the gates xg = x W_ih^T + b_ih [N, G*H] and the state.
// Writes the new h (and c for LSTM).
void step(RNNMode mode, const Tensor& xg, const Tensor& h, const Tensor& c, const RNNWeights& w, Tensor& h_new,
          Tensor& c_new) {
  Tensor hg = linear(h, w.w_hh, w.b_hh);
  switch (mode) {
    case RNNMode::RnnTanh: h_new = descent::tanh(xg + hg); break;
    case RNNMode::RnnRelu: h_new = descent::relu(xg + hg); break;
    case RNNMode::Lstm: {
      auto g = (xg + hg).chunk(4, -1);
      c_new = descent::sigmoid(g[1]) * c + descent::sigmoid(g[0]) * descent::tanh(g[2]);
      h_new = descent::sigmoid(g[3]) * descent::tanh(c_new);
      break;
    }
    case RNNMode::Gru: {
      auto a = xg.chunk(3, -1), b = hg.chunk(3, -1);
      Tensor r = descent::sigmoid(a[0] + b[0]), z = descent::sigmoid(a[1] + b[1]);
      Tensor n = descent::tanh(a[2] + r * b[2]);
      h_new = n + z * (h - n);  // (1 - z) * n + z * h
      break;
    }
  }
}

void check_cell(const char* op, const Tensor& x, const Tensor& hx, const RNNWeights& w, int64_t gates) {
  DESCENT_CHECK(x.defined() && (x.dim() == 1 || x.dim() == 2), op, ": input must be [N, I] or [I], got ",
                x.defined() ? "shape " : "an undefined tensor", x.defined() ? x.sizes() : Shape{});
  DESCENT_CHECK(w.w_ih.defined() && w.w_ih.dim() == 2 && w.w_hh.defined() && w.w_hh.dim() == 2 &&
                    w.w_hh.size(0) == gates * w.w_hh.size(1) && w.w_ih.size(0) == w.w_hh.size(0),
                op, ": expected weight_ih [", gates, "*H, I] and weight_hh [", gates, "*H, H], got ",
                w.w_ih.defined() ? w.w_ih.sizes() : Shape{}, " and ", w.w_hh.defined() ? w.w_hh.sizes() : Shape{});
  DESCENT_CHECK(x.size(-1) == w.w_ih.size(1), op, ": input of shape ", x.sizes(), " does not match weight_ih of shape ",
                w.w_ih.sizes(), " (expected last dim ", w.w_ih.size(1), ")");
  const int64_t H = w.w_hh.size(1);
  Shape hs = x.dim() == 2 ? Shape{x.size(0), H} : Shape{H};
  if (hx.defined())
    DESCENT_CHECK(hx.sizes() == hs, op, ": hidden state of shape ", hx.sizes(), " does not match input of shape ",
                  x.sizes(), " (expected ", hs, ")");
}

Tensor state_or_zeros(const Tensor& s, const Tensor& x, int64_t H) {
  if (s.defined()) return s;
  return zeros(x.dim() == 2 ? Shape{x.size(0), H} : Shape{H}, x.dtype());
}

// Inverted dropout on the output of an inner layer (active only while training).
Tensor layer_dropout(const Tensor& x, double p) {
  if (p >= 1.0) return x * 0.0;
  Tensor keep;
  {
    NoGradGuard ng;
    keep = (rand_like(x) < (1.0 - p)).to(x.dtype()) / (1.0 - p);
  }
  return x * keep;
}

}  // namespace

Tensor rnn_tanh_cell(const Tensor& x, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  RNNWeights w{w_ih, w_hh, b_ih, b_hh};
  check_cell("rnn_tanh_cell", x, hx, w, 1);
  Tensor h_new, c_new;
  step(RNNMode::RnnTanh, linear(x, w_ih, b_ih), state_or_zeros(hx, x, w_hh.size(1)), Tensor(), w, h_new, c_new);
  return h_new;
}

Tensor rnn_relu_cell(const Tensor& x, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  RNNWeights w{w_ih, w_hh, b_ih, b_hh};
  check_cell("rnn_relu_cell", x, hx, w, 1);
  Tensor h_new, c_new;
  step(RNNMode::RnnRelu, linear(x, w_ih, b_ih), state_or_zeros(hx, x, w_hh.size(1)), Tensor(), w, h_new, c_new);
  return h_new;
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const std::tuple<Tensor, Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  RNNWeights w{w_ih, w_hh, b_ih, b_hh};
  check_cell("lstm_cell", x, std::get<0>(hx), w, 4);
  check_cell("lstm_cell", x, std::get<1>(hx), w, 4);
  const int64_t H = w_hh.size(1);
  Tensor h_new, c_new;
  step(RNNMode::Lstm, linear(x, w_ih, b_ih), state_or_zeros(std::get<0>(hx), x, H), state_or_zeros(std::get<1>(hx), x, H),
       w, h_new, c_new);
  return {h_new, c_new};
}

Tensor gru_cell(const Tensor& x, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  RNNWeights w{w_ih, w_hh, b_ih, b_hh};
  check_cell("gru_cell", x, hx, w, 3);
  Tensor h_new, c_new;
  step(RNNMode::Gru, linear(x, w_ih, b_ih), state_or_zeros(hx, x, w_hh.size(1)), Tensor(), w, h_new, c_new);
  return h_new;
}

RNNResult rnn(const Tensor& input, const std::vector<RNNWeights>& weights, const RNNFuncOptions& o, const Tensor& h0,
              const Tensor& c0, const Tensor& lengths) {
  const std::string op = mode_name(o.mode_);
  const bool lstm = o.mode_ == RNNMode::Lstm;
  DESCENT_CHECK(o.num_layers_ >= 1, op, ": num_layers must be at least 1, got ", o.num_layers_);
  DESCENT_CHECK(o.dropout_ >= 0.0 && o.dropout_ <= 1.0, op, ": dropout must be in [0, 1], got ", o.dropout_);
  DESCENT_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3), op,
                ": expected input of 3 dims ", (o.batch_first_ ? "[N, L, I]" : "[L, N, I]"), " or 2 dims [L, I], got ",
                input.defined() ? "shape " : "an undefined tensor", input.defined() ? input.sizes() : Shape{});
  DESCENT_CHECK(input.is_floating_point(), op, ": input dtype must be floating point, got ", input.dtype());
  const int64_t D = o.bidirectional_ ? 2 : 1, G = gate_count(o.mode_);
  DESCENT_CHECK(static_cast<int64_t>(weights.size()) == o.num_layers_ * D, op, ": expected ", o.num_layers_ * D,
                " sets of weights (num_layers * directions), got ", weights.size());
  DESCENT_CHECK(!c0.defined() || lstm, op, ": a cell state c0 is only used by LSTM");

  const bool unbatched = input.dim() == 2;
  const Tensor x = unbatched ? input.unsqueeze(1) : o.batch_first_ ? input.transpose(0, 1) : input;  // [L, N, I]
  const int64_t L = x.size(0), N = x.size(1);
  const int64_t H = weights[0].w_hh.defined() && weights[0].w_hh.dim() == 2 ? weights[0].w_hh.size(1) : 0;
  for (int64_t l = 0; l < o.num_layers_; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const RNNWeights& w = weights[size_t(l * D + d)];
      const int64_t in = l == 0 ? x.size(2) : D * H;
      const Shape wih{G * H, in}, whh{G * H, H}, b{G * H};
      const std::string where_ = "layer " + std::to_string(l) + (d ? " (reverse)" : "");
      DESCENT_CHECK(w.w_ih.defined() && w.w_ih.sizes() == wih, op, ": weight_ih of ", where_, " must have shape ", wih,
                    ", got ", w.w_ih.defined() ? w.w_ih.sizes() : Shape{}, " (input of shape ", input.sizes(), ")");
      DESCENT_CHECK(w.w_hh.defined() && w.w_hh.sizes() == whh, op, ": weight_hh of ", where_, " must have shape ", whh,
                    ", got ", w.w_hh.defined() ? w.w_hh.sizes() : Shape{});
      for (const Tensor* t : {&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh}) {
        if (!t->defined()) continue;
        if (t == &w.b_ih || t == &w.b_hh)
          DESCENT_CHECK(t->sizes() == b, op, ": bias of ", where_, " must have shape ", b, ", got ", t->sizes());
        DESCENT_CHECK(t->dtype() == input.dtype(), op, ": weights of ", where_, " have dtype ", t->dtype(),
                      " but the input has dtype ", input.dtype());
      }
    }

  const Shape hs = unbatched ? Shape{o.num_layers_ * D, H} : Shape{o.num_layers_ * D, N, H};
  for (const Tensor* s : {&h0, &c0})
    if (s->defined()) {
      DESCENT_CHECK(s->sizes() == hs, op, ": expected ", (s == &h0 ? "h0" : "c0"), " of shape ", hs, " for input of shape ",
                    input.sizes(), ", got ", s->sizes());
      DESCENT_CHECK(s->dtype() == input.dtype(), op, ": ", (s == &h0 ? "h0" : "c0"), " has dtype ", s->dtype(),
                    " but the input has dtype ", input.dtype());
    }
  const Tensor h0b = h0.defined() && unbatched ? h0.unsqueeze(1) : h0;
  const Tensor c0b = c0.defined() && unbatched ? c0.unsqueeze(1) : c0;

  // Per-step validity masks [N, 1] for the steps some sequence does not reach.
  int64_t full = L;  // steps before `full` are valid for every sequence
  std::vector<Tensor> valid;
  if (lengths.defined()) {
    DESCENT_CHECK(lengths.dtype() == DType::Int64 || lengths.dtype() == DType::Int32, op,
                  ": lengths must be an integer tensor, got ", lengths.dtype());
    DESCENT_CHECK(lengths.numel() == N && lengths.dim() <= 1, op, ": lengths of shape ", lengths.sizes(),
                  " must hold one length per sequence (", N, ") for input of shape ", input.sizes());
    Tensor len = lengths.reshape({N}).to(DType::Int64);
    for (int64_t v : len.to_vector<int64_t>())
      DESCENT_CHECK(v >= 1 && v <= L, op, ": every length must be in [1, ", L, "] (the sequence length of input of shape ",
                    input.sizes(), "), got ", v);
    full = N == 0 ? L : len.min().item<int64_t>();
    valid.resize(size_t(L));
    for (int64_t t = full; t < L; ++t) valid[size_t(t)] = (len > t).view({N, 1});
  }

  Tensor layer_in = x;
  std::vector<Tensor> hn, cn;
  for (int64_t l = 0; l < o.num_layers_; ++l) {
    std::vector<Tensor> dir_out;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      const RNNWeights& w = weights[size_t(k)];
      Tensor h = h0b.defined() ? h0b[k] : zeros({N, H}, x.dtype());
      Tensor c = lstm ? (c0b.defined() ? c0b[k] : zeros({N, H}, x.dtype())) : Tensor();
      const int64_t in = layer_in.size(2);
      Tensor xg = linear(layer_in.reshape({L * N, in}), w.w_ih, w.b_ih).view({L, N, G * H});
      std::vector<Tensor> outs(static_cast<size_t>(L));
      for (int64_t s = 0; s < L; ++s) {
        const int64_t t = d == 0 ? s : L - 1 - s;
        Tensor h_new, c_new;
        step(o.mode_, xg[t], h, c, w, h_new, c_new);
        if (t >= full) {
          const Tensor& m = valid[size_t(t)];
          outs[size_t(t)] = descent::where(m, h_new, 0.0);
          h = descent::where(m, h_new, h);
          if (lstm) c = descent::where(m, c_new, c);
        } else {
          outs[size_t(t)] = h_new;
          h = h_new;
          c = c_new;
        }
      }
      dir_out.push_back(L > 0 ? stack(outs, 0) : zeros({0, N, H}, x.dtype()));
      hn.push_back(h);
      if (lstm) cn.push_back(c);
    }
    layer_in = D == 2 ? cat(dir_out, 2) : dir_out[0];
    if (o.training_ && o.dropout_ > 0.0 && l + 1 < o.num_layers_) layer_in = layer_dropout(layer_in, o.dropout_);
  }

  RNNResult r;
  r.output = unbatched ? layer_in.squeeze(1) : o.batch_first_ ? layer_in.transpose(0, 1) : layer_in;
  r.h_n = stack(hn, 0);
  if (lstm) r.c_n = stack(cn, 0);
  if (unbatched) {
    r.h_n = r.h_n.squeeze(1);
    if (lstm) r.c_n = r.c_n.squeeze(1);
  }
  return r;
}

}  // namespace descent::nn::functional
