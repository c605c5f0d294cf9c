#include "descent/models/text_gru.h"

#include <sstream>

#include "descent/ops/ops.h"

namespace descent::models {

MaskedGRUImpl::MaskedGRUImpl(const nn::GRUOptions& o) : nn::Module("MaskedGRU"), gru(o) {
  // The GRU's own parameter handles, registered here too: one TensorImpl each, so to(), load_state_dict()
  // and the optimizer all act on the tensors the GRU computes with.
  for (auto& [name, p] : gru->named_parameters()) register_parameter(name, p);
}

void MaskedGRUImpl::train(bool on) {
  nn::Module::train(on);
  gru->train(on);
}

Tensor MaskedGRUImpl::forward(const Tensor& x_and_mask) {
  const int64_t E = gru->input_size;
  DESCENT_CHECK(x_and_mask.dim() == 3 && x_and_mask.size(2) == E + 1, "MaskedGRU: expected [N, L, ", E + 1,
                "] (input_size features plus the mask), got ", x_and_mask.sizes());
  const int64_t N = x_and_mask.size(0), D = gru->bidirectional ? 2 : 1, H = gru->hidden_size;
  Tensor x = x_and_mask.narrow(2, 0, E);
  Tensor lengths = x_and_mask.select(2, E).detach().sum({1}).round().to(DType::Int64).clamp_min(1);
  auto [out, h_n] = gru(x, Tensor(), lengths);
  // h_n [num_layers * D, N, H]: the last layer's D rows, as [N, D * H] (forward first).
  return h_n.narrow(0, (gru->num_layers - 1) * D, D).permute({1, 0, 2}).reshape({N, D * H});
}

std::string MaskedGRUImpl::extra_repr() const { return gru->extra_repr(); }

int64_t MaskedGRUImpl::flops(const Shape& in, const Shape&) const {
  if (in.size() != 3) return 0;
  const int64_t D = gru->bidirectional ? 2 : 1, H = gru->hidden_size;
  int64_t per_step = 0;
  for (int64_t l = 0; l < gru->num_layers; ++l) {
    const int64_t input = l == 0 ? gru->input_size : D * H;
    per_step += D * (2 * 3 * H * (input + H) + 10 * H);
  }
  return in[0] * in[1] * per_step;
}

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
  gru = register_module("gru", MaskedGRU(nn::GRUOptions(o.embed_dim_, o.hidden_)
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
  const int64_t L = tokens.size(1);
  Tensor emb = embedding(tokens);  // [N, L, E]
  // 1 on the steps before each row's length, 0 after: the GRU reads the lengths from this feature.
  Tensor mask = arange(0, L, 1, DType::Int64).lt(lengths_of(tokens).unsqueeze(1)).to(emb.dtype()).unsqueeze(2);
  Tensor h = gru(cat({emb, mask}, 2));  // [N, D * hidden]
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
