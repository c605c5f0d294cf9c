#pragma once
// Functional forms of the embedding layers: embedding and embedding_bag.
#include <optional>

#include "descent/core/tensor.h"

namespace descent::nn::functional {

/// Rows of weight [V, D] picked by the integer indices in input (any shape): output input.shape + [D].
/// padding_idx (negative counts from V): that row gets no gradient. max_norm: before the lookup,
/// every referenced row whose norm_type-norm exceeds max_norm is rescaled in place (no autograd)
/// to norm max_norm (scale max_norm / (norm + 1e-7)), as PyTorch.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0);

/// How embedding_bag reduces the rows of one bag.
enum class EmbeddingBagMode { Sum, Mean };

/// Options of embedding_bag beyond input, weight and offsets.
struct EmbeddingBagFuncOptions {
  EmbeddingBagFuncOptions& mode(EmbeddingBagMode m) { mode_ = m; return *this; }
  /// Weights [n] multiplying each looked-up row (mode Sum only; differentiable).
  EmbeddingBagFuncOptions& per_sample_weights(const Tensor& w) { per_sample_weights_ = w; return *this; }
  /// offsets has B + 1 entries, the last being the number of indices.
  EmbeddingBagFuncOptions& include_last_offset(bool b) { include_last_offset_ = b; return *this; }
  EmbeddingBagFuncOptions& padding_idx(std::optional<int64_t> p) { padding_idx_ = p; return *this; }
  EmbeddingBagFuncOptions& max_norm(std::optional<double> m) { max_norm_ = m; return *this; }
  EmbeddingBagFuncOptions& norm_type(double p) { norm_type_ = p; return *this; }
  EmbeddingBagMode mode_ = EmbeddingBagMode::Mean;
  Tensor per_sample_weights_;
  bool include_last_offset_ = false;
  std::optional<int64_t> padding_idx_;
  std::optional<double> max_norm_;
  double norm_type_ = 2.0;
};

/// Sums or means of bags of embedding rows without materialising the [n, D] lookups' graph.
/// input 1-D [n] with offsets [B] (start of each bag; offsets[0] == 0, non-decreasing), or 2-D
/// [B, L] without offsets (each row one bag). Output [B, D]. Entries equal to padding_idx are left
/// out of the bag (and out of the count for Mean); an empty bag gives zeros.
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets = Tensor(),
                     const EmbeddingBagFuncOptions& options = {});

}  // namespace descent::nn::functional
