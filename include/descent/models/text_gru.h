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
// Output [N, num_classes] logits. State-dict names "embedding.weight", "gru.weight_ih_l0", "fc.weight".
// nn::summary lists the Embedding and Linear rows; the GRU (called with lengths, not through the
// one-tensor call path) has no row of its own, but its parameters are in the totals.
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
  nn::GRU gru{nullptr};
  /// Empty when dropout is 0.
  nn::Dropout dropout{nullptr};
  nn::Linear fc{nullptr};
};
DESCENT_MODULE(TextGRU);

}  // namespace descent::models
