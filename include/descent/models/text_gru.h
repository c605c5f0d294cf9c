#pragma once
// TextGRU: a recurrent text classifier (config name "text_gru" / "text-gru"):
//
//   Embedding(vocab_size, embed_dim, padding_idx) -> GRU(embed_dim, hidden, num_layers, bidirectional,
//   dropout between layers, batch_first) -> last layer's final state h_n (both directions concatenated)
//   -> (Dropout(p)) -> Linear(D * hidden, num_classes)        (D = 2 when bidirectional, else 1)
//
// Input [N, L] int64 token ids, right-padded with padding_idx. Each row's length is one past its last
// non-padding token (at least 1) and goes to the GRU's `lengths`, which behaves as PyTorch's packed
// sequences: the padding is never read, so the same sentence with more padding gives the same logits.
// Output [N, num_classes] logits. State-dict names as PyTorch's nn.GRU held in `self.gru`:
// "embedding.weight", "gru.weight_ih_l0", "gru.bias_hh_l0_reverse", "fc.weight". nn::summary lists the
// Embedding, the GRU (as MaskedGRU, with its FLOPs) and the Linear.
#include "descent/nn/modules/dropout.h"
#include "descent/nn/modules/embedding.h"
#include "descent/nn/modules/linear.h"
#include "descent/nn/modules/rnn.h"

namespace descent::models {

/// Options of TextGRU: `TextGRUOptions(20000, 4).embed_dim(64).hidden(128).bidirectional(true)`.
struct TextGRUOptions {
  TextGRUOptions(int64_t vocab_size, int64_t num_classes) : vocab_size_(vocab_size), num_classes_(num_classes) {}
  /// Width of the token embeddings (default 64).
  TextGRUOptions& embed_dim(int64_t d) { embed_dim_ = d; return *this; }
  /// GRU hidden size per direction (default 64).
  TextGRUOptions& hidden(int64_t h) { hidden_ = h; return *this; }
  /// Stacked GRU layers (default 1).
  TextGRUOptions& num_layers(int64_t n) { num_layers_ = n; return *this; }
  /// Read the sequence both ways (default false).
  TextGRUOptions& bidirectional(bool b) { bidirectional_ = b; return *this; }
  /// Dropout probability between GRU layers and before the Linear (default 0).
  TextGRUOptions& dropout(double p) { dropout_ = p; return *this; }
  /// The padding token id (default 0), in [0, vocab_size).
  TextGRUOptions& padding_idx(int64_t p) { padding_idx_ = p; return *this; }
  int64_t vocab_size_, num_classes_;
  int64_t embed_dim_ = 64, hidden_ = 64, num_layers_ = 1;
  bool bidirectional_ = false;
  double dropout_ = 0.0;
  int64_t padding_idx_ = 0;
};

/// TextGRU's recurrent part as one leaf module, so that nn::summary gives it a row: it holds an nn::GRU
/// (batch_first) and registers that GRU's parameters under their own names (the same tensors).
/// forward takes [N, L, E + 1]: the embedded tokens plus a last feature that is 1 on each row's valid
/// steps (a prefix of length >= 1) and 0 on its padding; it returns the last layer's final state
/// [N, D * hidden] (forward direction first), computed with the GRU's `lengths`.
class MaskedGRUImpl : public nn::Module {
 public:
  explicit MaskedGRUImpl(const nn::GRUOptions& o);
  Tensor forward(const Tensor& x_and_mask) override;
  /// Also switches the held GRU (its dropout between layers).
  void train(bool on = true) override;
  std::string extra_repr() const override;
  /// 2 * 3H * (in + H) per step, layer and direction for the gate products plus ~10 H element-wise.
  int64_t flops(const Shape& in, const Shape& out) const override;
  nn::GRU gru;
};
DESCENT_MODULE(MaskedGRU);

class TextGRUImpl : public nn::Module {
 public:
  TextGRUImpl(int64_t vocab_size, int64_t num_classes) : TextGRUImpl(TextGRUOptions(vocab_size, num_classes)) {}
  /// Throws descent::Error naming the option at fault.
  explicit TextGRUImpl(const TextGRUOptions& o);
  /// [N, L] int64 -> [N, num_classes]; another rank or dtype, or L = 0, is an Error naming the model and shapes.
  Tensor forward(const Tensor& tokens) override;
  /// Each row's length (int64 [N]): one past the last token != padding_idx, at least 1.
  Tensor lengths_of(const Tensor& tokens) const;
  std::string extra_repr() const override;
  TextGRUOptions options;
  nn::Embedding embedding{nullptr};
  MaskedGRU gru{nullptr};
  /// Empty when dropout is 0.
  nn::Dropout dropout{nullptr};
  nn::Linear fc{nullptr};
};
DESCENT_MODULE(TextGRU);

}  // namespace descent::models
