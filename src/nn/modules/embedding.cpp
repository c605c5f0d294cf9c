#include "descent/nn/modules/embedding.h"

#include <sstream>

#include "descent/autograd/grad_mode.h"
#include "descent/nn/init.h"
#include "descent/ops/ops.h"

namespace descent::nn {
namespace {
void check_sizes(const char* name, int64_t num, int64_t dim, std::optional<int64_t>& padding_idx) {
  DESCENT_CHECK(num > 0 && dim >= 0, name, ": num_embeddings must be positive and embedding_dim non-negative, got ", num,
                " and ", dim);
  if (padding_idx) {
    DESCENT_CHECK(*padding_idx >= -num && *padding_idx < num, name, ": padding_idx ", *padding_idx,
                  " is out of range for ", num, " embeddings");
    if (*padding_idx < 0) padding_idx = *padding_idx + num;  // stored non-negative, as PyTorch
  }
}

void init_rows(Tensor& weight, std::optional<int64_t> padding_idx) {
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard ng;
    weight.select(0, *padding_idx).zero_();
  }
}

void repr_common(std::ostream& os, int64_t num, int64_t dim, std::optional<int64_t> pad, std::optional<double> max_norm,
                 double norm_type) {
  os << num << ", " << dim;
  if (pad) os << ", padding_idx=" << *pad;
  if (max_norm) os << ", max_norm=" << *max_norm;
  if (norm_type != 2.0) os << ", norm_type=" << norm_type;
}
}  // namespace

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& o) : Module("Embedding"), options(o) {
  check_sizes("Embedding", o.num_embeddings_, o.embedding_dim_, options.padding_idx_);
  weight = register_parameter("weight", empty({o.num_embeddings_, o.embedding_dim_}));
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() { init_rows(weight, options.padding_idx_); }

Tensor EmbeddingImpl::forward(const Tensor& input) {
  return functional::embedding(input, weight, options.padding_idx_, options.max_norm_, options.norm_type_);
}

std::string EmbeddingImpl::extra_repr() const {
  std::ostringstream os;
  repr_common(os, options.num_embeddings_, options.embedding_dim_, options.padding_idx_, options.max_norm_,
              options.norm_type_);
  return os.str();
}

EmbeddingBagImpl::EmbeddingBagImpl(const EmbeddingBagOptions& o) : Module("EmbeddingBag"), options(o) {
  check_sizes("EmbeddingBag", o.num_embeddings_, o.embedding_dim_, options.padding_idx_);
  weight = register_parameter("weight", empty({o.num_embeddings_, o.embedding_dim_}));
  reset_parameters();
}

void EmbeddingBagImpl::reset_parameters() { init_rows(weight, options.padding_idx_); }

Tensor EmbeddingBagImpl::forward(const Tensor& input) { return forward(input, Tensor(), Tensor()); }

Tensor EmbeddingBagImpl::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  functional::EmbeddingBagFuncOptions fo;
  fo.mode(options.mode_)
      .per_sample_weights(per_sample_weights)
      .include_last_offset(options.include_last_offset_)
      .padding_idx(options.padding_idx_)
      .max_norm(options.max_norm_)
      .norm_type(options.norm_type_);
  return functional::embedding_bag(input, weight, offsets, fo);
}

std::string EmbeddingBagImpl::extra_repr() const {
  std::ostringstream os;
  repr_common(os, options.num_embeddings_, options.embedding_dim_, options.padding_idx_, options.max_norm_,
              options.norm_type_);
  os << ", mode=" << (options.mode_ == functional::EmbeddingBagMode::Sum ? "sum" : "mean");
  if (options.include_last_offset_) os << ", include_last_offset=true";
  return os.str();
}

}  // namespace descent::nn
