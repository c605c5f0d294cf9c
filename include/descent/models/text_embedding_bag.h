#pragma once
// TextEmbeddingBag: a bag-of-words text classifier, fastText style (config name "text_embedding_bag" /
// "text-embedding-bag"):
//
//   EmbeddingBag(vocab_size, embed_dim, mode mean, padding_idx) -> Linear(embed_dim, num_classes)
//
// Input [N, L] int64 token ids padded with padding_idx; each row's embedding is the mean of its
// non-padding tokens (padding is left out of the sum and the count, so the amount of padding never
// changes the result; an all-padding row gives zeros). Output [N, num_classes] logits.
// State-dict names "embedding.weight", "fc.weight", "fc.bias".
#include "descent/nn/modules/embedding.h"
#include "descent/nn/modules/linear.h"

namespace descent::models {

/// Options of TextEmbeddingBag: `TextEmbeddingBagOptions(20000, 4).embed_dim(64).padding_idx(0)`.
struct TextEmbeddingBagOptions {
  TextEmbeddingBagOptions(int64_t vocab_size, int64_t num_classes) : vocab_size_(vocab_size), num_classes_(num_classes) {}
  /// Width of the token embeddings (default 64).
  TextEmbeddingBagOptions& embed_dim(int64_t d) { embed_dim_ = d; return *this; }
  /// The padding token id (default 0), in [0, vocab_size).
  TextEmbeddingBagOptions& padding_idx(int64_t p) { padding_idx_ = p; return *this; }
  int64_t vocab_size_, num_classes_;
  int64_t embed_dim_ = 64;
  int64_t padding_idx_ = 0;
};

class TextEmbeddingBagImpl : public nn::Module {
 public:
  TextEmbeddingBagImpl(int64_t vocab_size, int64_t num_classes)
      : TextEmbeddingBagImpl(TextEmbeddingBagOptions(vocab_size, num_classes)) {}
  /// Throws descent::Error naming the option at fault.
  explicit TextEmbeddingBagImpl(const TextEmbeddingBagOptions& o);
  /// [N, L] int64 -> [N, num_classes]; another rank or dtype is an Error naming the model and both shapes.
  Tensor forward(const Tensor& tokens) override;
  std::string extra_repr() const override;
  TextEmbeddingBagOptions options;
  nn::EmbeddingBag embedding{nullptr};
  nn::Linear fc{nullptr};
};
DESCENT_MODULE(TextEmbeddingBag);

}  // namespace descent::models
