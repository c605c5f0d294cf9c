#pragma once
// Embedding, EmbeddingBag.
#include <optional>

#include "descent/nn/functional/embedding.h"
#include "descent/nn/module.h"

namespace descent::nn {

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  /// This row is initialised to zeros and gets no gradient (negative counts from the end).
  EmbeddingOptions& padding_idx(std::optional<int64_t> p) { padding_idx_ = p; return *this; }
  /// Rows looked up are renormalised in place to at most this norm_type-norm.
  EmbeddingOptions& max_norm(std::optional<double> m) { max_norm_ = m; return *this; }
  EmbeddingOptions& norm_type(double p) { norm_type_ = p; return *this; }
  int64_t num_embeddings_, embedding_dim_;
  std::optional<int64_t> padding_idx_;
  std::optional<double> max_norm_;
  double norm_type_ = 2.0;
};

/// A lookup table: integer indices of any shape -> rows of weight [num_embeddings, embedding_dim]
/// (init N(0, 1), padding row zero). Output shape: input shape + [embedding_dim].
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingImpl(const EmbeddingOptions& o);
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape&, const Shape&) const override { return 0; }
  EmbeddingOptions options;
  Tensor weight;
};
DESCENT_MODULE(Embedding);

struct EmbeddingBagOptions {
  EmbeddingBagOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EmbeddingBagOptions& mode(functional::EmbeddingBagMode m) { mode_ = m; return *this; }
  /// Entries equal to this index are left out of their bag (initialised to a zero row).
  EmbeddingBagOptions& padding_idx(std::optional<int64_t> p) { padding_idx_ = p; return *this; }
  EmbeddingBagOptions& max_norm(std::optional<double> m) { max_norm_ = m; return *this; }
  EmbeddingBagOptions& norm_type(double p) { norm_type_ = p; return *this; }
  /// offsets carry a final entry equal to the number of indices (CSR layout).
  EmbeddingBagOptions& include_last_offset(bool b) { include_last_offset_ = b; return *this; }
  int64_t num_embeddings_, embedding_dim_;
  functional::EmbeddingBagMode mode_ = functional::EmbeddingBagMode::Mean;
  std::optional<int64_t> padding_idx_;
  std::optional<double> max_norm_;
  double norm_type_ = 2.0;
  bool include_last_offset_ = false;
};

/// Sums or means of bags of embeddings (functional::embedding_bag); weight init N(0, 1).
class EmbeddingBagImpl : public Module {
 public:
  EmbeddingBagImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingBagImpl(EmbeddingBagOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingBagImpl(const EmbeddingBagOptions& o);
  /// 2-D input [B, L]: each row is one bag.
  Tensor forward(const Tensor& input) override;
  /// 1-D input with offsets [B] (bag starts), optional per_sample_weights (mode sum).
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = Tensor());
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape&, const Shape&) const override { return 0; }
  EmbeddingBagOptions options;
  Tensor weight;
};
DESCENT_MODULE(EmbeddingBag);

}  // namespace descent::nn
