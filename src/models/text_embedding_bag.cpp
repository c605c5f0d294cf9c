#include "descent/models/text_embedding_bag.h"

#include <sstream>

namespace descent::models {

TextEmbeddingBagImpl::TextEmbeddingBagImpl(const TextEmbeddingBagOptions& o)
    : nn::Module("TextEmbeddingBag"), options(o) {
  DESCENT_CHECK(o.vocab_size_ > 0, "TextEmbeddingBag: vocab_size must be positive, got ", o.vocab_size_);
  DESCENT_CHECK(o.num_classes_ > 0, "TextEmbeddingBag: num_classes must be positive, got ", o.num_classes_);
  DESCENT_CHECK(o.embed_dim_ > 0, "TextEmbeddingBag: embed_dim must be positive, got ", o.embed_dim_);
  DESCENT_CHECK(o.padding_idx_ >= 0 && o.padding_idx_ < o.vocab_size_, "TextEmbeddingBag: padding_idx must be in [0, ",
                o.vocab_size_, ") (vocab_size), got ", o.padding_idx_);
  embedding = register_module(
      "embedding", nn::EmbeddingBag(nn::EmbeddingBagOptions(o.vocab_size_, o.embed_dim_)
                                        .mode(nn::functional::EmbeddingBagMode::Mean)
                                        .padding_idx(o.padding_idx_)));
  fc = register_module("fc", nn::Linear(o.embed_dim_, o.num_classes_));
}

Tensor TextEmbeddingBagImpl::forward(const Tensor& tokens) {
  DESCENT_CHECK(tokens.dim() == 2 && tokens.dtype() == DType::Int64,
                "TextEmbeddingBag: expected int64 token ids [N, L], got ", tokens.dtype(), " ", tokens.sizes());
  return fc(embedding(tokens));
}

std::string TextEmbeddingBagImpl::extra_repr() const {
  std::ostringstream os;
  os << "vocab_size=" << options.vocab_size_ << ", embed_dim=" << options.embed_dim_
     << ", num_classes=" << options.num_classes_ << ", padding_idx=" << options.padding_idx_;
  return os.str();
}

}  // namespace descent::models
