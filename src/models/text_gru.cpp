#include "descent/models/text_gru.h"

#include <sstream>

#include "descent/ops/ops.h"

namespace descent::models {

TextGRUImpl::TextGRUImpl(const TextGRUOptions& o) : nn::Module("TextGRU"), options(o) {
  DESCENT_CHECK(o.vocab_size_ > 0, "TextGRU: vocab_size must be positive, got ", o.vocab_size_);
  DESCENT_CHECK(o.num_classes_ > 0, "TextGRU: num_classes must be positive, got ", o.num_classes_);
  DESCENT_CHECK(o.embed_dim_ > 0, "TextGRU: embed_dim must be positive, got ", o.embed_dim_);
  DESCENT_CHECK(o.hidden_ > 0, "TextGRU: hidden must be positive, got ", o.hidden_);
  DESCENT_CHECK(o.num_layers_ > 0, "TextGRU: num_layers must be positive, got ", o.num_layers_);
  DESCENT_CHECK(o.dropout_ >= 0.0 && o.dropout_ < 1.0, "TextGRU: dropout must be in [0, 1), got ", o.dropout_);
  DESCENT_CHECK(o.padding_idx_ >= 0 && o.padding_idx_ < o.vocab_size_, "TextGRU: padding_idx must be in [0, ",
                o.vocab_size_, ") (vocab_size), got ", o.padding_idx_);
  embedding = register_module(
      "embedding", nn::Embedding(nn::EmbeddingOptions(o.vocab_size_, o.embed_dim_).padding_idx(o.padding_idx_)));
  gru = register_module("gru", nn::GRU(nn::GRUOptions(o.embed_dim_, o.hidden_)
                                           .num_layers(o.num_layers_)
                                           .bidirectional(o.bidirectional_)
                                           .dropout(o.num_layers_ > 1 ? o.dropout_ : 0.0)
                                           .batch_first(true)));
  if (o.dropout_ > 0.0) dropout = register_module("dropout", nn::Dropout(o.dropout_));
  fc = register_module("fc", nn::Linear((o.bidirectional_ ? 2 : 1) * o.hidden_, o.num_classes_));
}

Tensor TextGRUImpl::lengths_of(const Tensor& tokens) const {
  const int64_t L = tokens.size(1);
  // (position + 1) where the token is not padding, else 0; the row maximum is one past the last real token.
  Tensor pos = arange(1, L + 1, 1, DType::Int64);
  return tokens.ne(options.padding_idx_).to(DType::Int64).mul(pos).amax({1}).clamp_min(1);
}

Tensor TextGRUImpl::forward(const Tensor& tokens) {
  DESCENT_CHECK(tokens.dim() == 2 && tokens.dtype() == DType::Int64 && tokens.size(1) > 0,
                "TextGRU: expected int64 token ids [N, L] with L >= 1, got ", tokens.dtype(), " ", tokens.sizes());
  const int64_t N = tokens.size(0), D = options.bidirectional_ ? 2 : 1;
  Tensor emb = embedding(tokens);  // [N, L, E]
  auto [out, h_n] = gru(emb, Tensor(), lengths_of(tokens));
  // h_n [num_layers * D, N, hidden]: the last layer's D rows, as [N, D * hidden] (forward first).
  Tensor h = h_n.narrow(0, (options.num_layers_ - 1) * D, D).permute({1, 0, 2}).reshape({N, D * options.hidden_});
  if (dropout) h = dropout(h);
  return fc(h);
}

std::string TextGRUImpl::extra_repr() const {
  std::ostringstream os;
  os << "vocab_size=" << options.vocab_size_ << ", embed_dim=" << options.embed_dim_ << ", hidden=" << options.hidden_
     << ", num_layers=" << options.num_layers_ << ", bidirectional=" << (options.bidirectional_ ? "true" : "false")
     << ", dropout=" << options.dropout_ << ", num_classes=" << options.num_classes_
     << ", padding_idx=" << options.padding_idx_;
  return os.str();
}

}  // namespace descent::models
