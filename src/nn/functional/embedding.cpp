// Embedding ops: embedding (row lookup) and embedding_bag (sum / mean of bags of rows). Both
// scatter-add their gradient into a dense [V, D] weight gradient.
#include <algorithm>
#include <vector>

#include "../../ops/common.h"
#include "descent/nn/functional/embedding.h"

namespace descent::nn::functional {
using autograd::record;
using ops::be;

namespace {
using Grads = std::vector<Tensor>;

void check_weight(const Tensor& weight, const char* op) {
  DESCENT_CHECK(weight.defined() && weight.dim() == 2, op,
                ": weight must be 2-D [num_embeddings, embedding_dim], got ",
                weight.defined() ? "shape " : "an undefined tensor", weight.defined() ? weight.sizes() : Shape{});
  DESCENT_CHECK(weight.is_floating_point(), op, ": weight dtype must be floating point, got ", weight.dtype());
}

// padding_idx in [0, V), or -1 for none; negative values count from the end, as PyTorch.
int64_t wrap_padding(std::optional<int64_t> p, int64_t V, const char* op) {
  if (!p) return -1;
  DESCENT_CHECK(*p >= -V && *p < V, op, ": padding_idx ", *p, " is out of range for ", V, " embeddings");
  return *p < 0 ? *p + V : *p;
}

// The indices as a contiguous 1-D int64 tensor, each checked to lie in [0, V).
Tensor flat_indices(const Tensor& input, const Tensor& weight, const char* op) {
  DESCENT_CHECK(input.defined(), op, ": input is an undefined tensor");
  DESCENT_CHECK(input.dtype() == DType::Int64 || input.dtype() == DType::Int32, op,
                ": expected integer indices (int64 or int32), got ", input.dtype());
  Tensor idx = input.reshape({input.numel()}).to(DType::Int64).contiguous();
  if (idx.numel() > 0) {
    const int64_t lo = idx.min().item<int64_t>(), hi = idx.max().item<int64_t>();
    DESCENT_CHECK(lo >= 0 && hi < weight.size(0), op, ": index ", (lo < 0 ? lo : hi),
                  " is out of range for an embedding table of ", weight.size(0), " rows (weight shape ",
                  weight.sizes(), ")");
  }
  return idx;
}

// torch.embedding_renorm_: rows referenced by idx whose norm exceeds max_norm are scaled in place
// by max_norm / (norm + 1e-7). Not recorded by autograd.
void renorm_rows(const Tensor& weight, const Tensor& idx, double max_norm, double norm_type) {
  DESCENT_CHECK(max_norm > 0, "embedding: max_norm must be positive, got ", max_norm);
  if (idx.numel() == 0) return;
  NoGradGuard ng;
  std::vector<int64_t> rows = idx.to_vector<int64_t>();
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const int64_t U = static_cast<int64_t>(rows.size()), D = weight.size(1);
  Tensor u = from_vector(rows, {U});
  Tensor sel = weight.index_select(0, u);
  Tensor norms = sel.norm(norm_type, {1}, true);
  sel.mul_(descent::where(norms > max_norm, max_norm / (norms + 1e-7), 1.0));
  if (D > 0) be(weight).scatter(weight, 0, ops::raw_expand(u.view({U, 1}), {U, D}), sel, false);
  weight.storage()->bump_version();
}

// Rows of weight at idx: [n, D], no autograd.
Tensor lookup(const Tensor& weight, const Tensor& idx) {
  Tensor out = empty({idx.numel(), weight.size(1)}, weight.dtype());
  if (out.numel() > 0) {
    Tensor wc;
    {
      NoGradGuard ng;
      wc = weight.contiguous();
    }
    be(weight).index_select(wc, 0, idx, out);
  }
  return out;
}

// dW [V, D] = sum over k of rows[k] into row idx[k].
Tensor scatter_rows(const Tensor& rows, const Tensor& idx, int64_t V) {
  const int64_t n = idx.numel(), D = rows.size(1);
  Tensor gw = zeros({V, D}, rows.dtype());
  if (n > 0 && D > 0) be(rows).scatter(gw, 0, ops::raw_expand(idx.view({n, 1}), {n, D}), rows, true);
  return gw;
}
}  // namespace

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type) {
  check_weight(weight, "embedding");
  const int64_t V = weight.size(0), D = weight.size(1);
  const int64_t pad = wrap_padding(padding_idx, V, "embedding");
  Tensor idx = flat_indices(input, weight, "embedding");
  if (max_norm) renorm_rows(weight, idx, *max_norm, norm_type);
  Shape os = input.sizes();
  os.push_back(D);
  Tensor out = lookup(weight, idx).view(os);
  if (autograd::any_requires_grad({&weight})) {
    const int64_t n = idx.numel();
    record("EmbeddingBackward", {&weight}, {&out}, [idx, V, D, n, pad](Grads& g) {
      Tensor gw = scatter_rows(g[0].reshape({n, D}), idx, V);
      if (pad >= 0) gw.select(0, pad).zero_();
      return Grads{gw};
    });
  }
  return out;
}

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets,
                     const EmbeddingBagFuncOptions& opt) {
  const char* op = "embedding_bag";
  check_weight(weight, op);
  const int64_t V = weight.size(0), D = weight.size(1);
  const int64_t pad = wrap_padding(opt.padding_idx_, V, op);
  DESCENT_CHECK(input.defined() && (input.dim() == 1 || input.dim() == 2), op,
                ": input must be 1-D (with offsets) or 2-D [B, L] (one bag per row), got ",
                input.defined() ? "shape " : "an undefined tensor", input.defined() ? input.sizes() : Shape{});
  Tensor idx = flat_indices(input, weight, op);
  const int64_t n = idx.numel();

  // Bag boundaries: starts[b] .. starts[b + 1].
  std::vector<int64_t> starts;
  if (input.dim() == 2) {
    DESCENT_CHECK(!offsets.defined(), op, ": offsets must be omitted for 2-D input of shape ", input.sizes(),
                  " (each row is a bag)");
    for (int64_t b = 0; b <= input.size(0); ++b) starts.push_back(b * input.size(1));
  } else {
    DESCENT_CHECK(offsets.defined(), op, ": 1-D input of shape ", input.sizes(), " needs offsets");
    DESCENT_CHECK(offsets.dim() == 1 && (offsets.dtype() == DType::Int64 || offsets.dtype() == DType::Int32), op,
                  ": offsets must be a 1-D integer tensor, got shape ", offsets.sizes(), " and dtype ", offsets.dtype());
    starts = offsets.to(DType::Int64).to_vector<int64_t>();
    if (opt.include_last_offset_) {
      DESCENT_CHECK(!starts.empty(), op, ": include_last_offset needs at least one offset");
      DESCENT_CHECK(starts.back() == n, op, ": with include_last_offset the last offset (", starts.back(),
                    ") must equal the number of indices (", n, ")");
    } else {
      starts.push_back(n);
    }
    DESCENT_CHECK(starts.size() == 1 || starts[0] == 0, op, ": offsets[0] must be 0, got ", starts[0]);
    for (size_t b = 0; b + 1 < starts.size(); ++b)
      DESCENT_CHECK(starts[b] <= starts[b + 1] && starts[b + 1] <= n, op, ": offsets must be non-decreasing and at most ",
                    n, " (the number of indices), got offsets[", b, "] = ", starts[b], " and offsets[", b + 1, "] = ",
                    starts[b + 1]);
  }
  const int64_t B = static_cast<int64_t>(starts.size()) - 1;

  const Tensor& psw = opt.per_sample_weights_;
  if (psw.defined()) {
    DESCENT_CHECK(opt.mode_ == EmbeddingBagMode::Sum, op, ": per_sample_weights is only supported for mode sum");
    DESCENT_CHECK(psw.sizes() == input.sizes(), op, ": per_sample_weights of shape ", psw.sizes(),
                  " must have the shape of input ", input.sizes());
    DESCENT_CHECK(psw.dtype() == weight.dtype(), op, ": per_sample_weights has dtype ", psw.dtype(),
                  " but weight has dtype ", weight.dtype());
  }
  if (opt.max_norm_) renorm_rows(weight, idx, *opt.max_norm_, opt.norm_type_);

  // Bag of each index and its factor in the reduction (0 for padding, 1 / count for mean).
  std::vector<int64_t> bag(size_t(n), 0);
  std::vector<double> factor(size_t(n), 1.0);
  {
    const std::vector<int64_t> iv = idx.to_vector<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      int64_t count = 0;
      for (int64_t k = starts[size_t(b)]; k < starts[size_t(b) + 1]; ++k) {
        bag[size_t(k)] = b;
        if (iv[size_t(k)] == pad) factor[size_t(k)] = 0.0;
        else ++count;
      }
      if (opt.mode_ == EmbeddingBagMode::Mean && count > 0)
        for (int64_t k = starts[size_t(b)]; k < starts[size_t(b) + 1]; ++k) factor[size_t(k)] /= double(count);
    }
  }
  const Tensor bag_t = from_vector(bag, {n});
  const Tensor factor_t = from_vector(factor, {n, 1}).to(weight.dtype());

  Tensor out = zeros({B, D}, weight.dtype());
  {
    NoGradGuard ng;
    Tensor rows = lookup(weight, idx);
    rows.mul_(factor_t);
    if (psw.defined()) rows.mul_(psw.reshape({n, 1}));
    if (n > 0 && D > 0) be(weight).scatter(out, 0, ops::raw_expand(bag_t.view({n, 1}), {n, D}), rows, true);
  }

  if (autograd::any_requires_grad({&weight, &psw})) {
    const bool need_w = weight.requires_grad(), need_p = psw.defined() && psw.requires_grad();
    SavedTensor sw(need_p ? weight : Tensor()), sp(need_w && psw.defined() ? psw : Tensor());
    const Shape ps = input.sizes();
    record("EmbeddingBagBackward", {&weight, &psw}, {&out},
           [idx, bag_t, factor_t, sw, sp, V, n, ps, need_w, need_p](Grads& g) {
             const char* nm = "EmbeddingBagBackward";
             Tensor gb = g[0].index_select(0, bag_t);  // the gradient of each index's bag, [n, D]
             Grads res(2);
             if (need_w) {
               Tensor rows = gb * factor_t;
               if (sp.defined()) rows.mul_(sp.get(nm).reshape({n, 1}));
               res[0] = scatter_rows(rows, idx, V);
             }
             if (need_p) res[1] = ((gb * lookup(sw.get(nm), idx)).sum({1}) * factor_t.view({n})).reshape(ps);
             return res;
           });
  }
  return out;
}

}  // namespace descent::nn::functional
