// Collate copies with memcpy rather than ops::stack/cat: it runs on DataLoader worker threads,
// which should not take the intra-op thread pool from the training thread.
#include "descent/data/collate.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "descent/core/error.h"
#include "descent/ops/ops.h"

namespace descent::data {
namespace {

// HWC-dense strides of a logical [C, H, W] tensor (what ToChannelsLast produces).
bool is_channels_last_3d(const Tensor& t) {
  if (t.dim() != 3) return false;
  const int64_t c = t.size(0), w = t.size(2);
  return t.stride(0) == 1 && t.stride(2) == c && t.stride(1) == w * c;
}

// Copies the n-th item's elements (contiguous in `fmt` order) into dst.
void copy_dense(const Tensor& item, void* dst, MemoryFormat fmt) {
  Tensor src = item;
  if (fmt == MemoryFormat::Contiguous && !src.is_contiguous()) src = src.contiguous();
  if (src.nbytes()) std::memcpy(dst, src.raw_data(), src.nbytes());
}

std::string sample_name(const std::vector<int64_t>& indices, size_t k) {
  std::ostringstream os;
  os << "sample " << k;
  if (k < indices.size()) os << " (dataset index " << indices[k] << ")";
  return os.str();
}

template <typename T>
void fill_with(void* p, int64_t n, double v) {
  std::fill_n(static_cast<T*>(p), n, static_cast<T>(v));
}

void fill_raw(const Tensor& t, double v) {
  const int64_t n = t.numel();
  DESCENT_DISPATCH_ALL(t.dtype(), "pad_collate", [&] { fill_with<scalar_t>(t.raw_data(), n, v); });
}

Tensor stack_targets(std::vector<Example>& examples, const std::vector<int64_t>& indices) {
  size_t defined = 0;
  for (auto& e : examples) defined += e.target.defined();
  if (defined == 0) return Tensor();
  for (size_t k = 0; k < examples.size(); ++k)
    DESCENT_CHECK(examples[k].target.defined(), "collate: ", sample_name(indices, k),
                  " has no target but others in the batch have one");
  std::vector<Tensor> ts;
  ts.reserve(examples.size());
  for (auto& e : examples) ts.push_back(e.target);
  return stack_samples(ts, indices, "target");
}

}  // namespace

Tensor stack_samples(const std::vector<Tensor>& items, const std::vector<int64_t>& indices, const char* what) {
  DESCENT_CHECK(!items.empty(), "collate: the batch is empty");
  const Tensor& first = items[0];
  DESCENT_CHECK(first.defined(), "collate: ", sample_name(indices, 0), " has undefined ", what);
  for (size_t k = 1; k < items.size(); ++k) {
    DESCENT_CHECK(items[k].defined(), "collate: ", sample_name(indices, k), " has undefined ", what);
    DESCENT_CHECK(items[k].dtype() == first.dtype(), "collate: ", sample_name(indices, k), " has ", what, " of dtype ",
                  items[k].dtype(), " but ", sample_name(indices, 0), " has ", first.dtype());
    DESCENT_CHECK(items[k].sizes() == first.sizes(), "collate: ", sample_name(indices, k), " has ", what,
                  " of shape ", items[k].sizes(), " but ", sample_name(indices, 0), " has ", first.sizes(),
                  "; samples of different sizes need a Resize/CenterCrop transform, or pad_collate for sequences");
  }
  Shape out_shape{static_cast<int64_t>(items.size())};
  for (int64_t s : first.sizes()) out_shape.push_back(s);
  // Channels-last samples (and not also row-major, as when C == 1) make a channels-last batch.
  bool channels_last = !first.is_contiguous();
  for (const Tensor& t : items) channels_last = channels_last && is_channels_last_3d(t);
  const MemoryFormat fmt = channels_last ? MemoryFormat::ChannelsLast : MemoryFormat::Contiguous;
  Tensor out = channels_last ? empty_strided(out_shape, channels_last_strides(out_shape), first.dtype())
                             : empty(out_shape, first.dtype());
  const size_t bytes = first.nbytes();
  char* dst = static_cast<char*>(out.raw_data());
  for (size_t k = 0; k < items.size(); ++k) copy_dense(items[k], dst + k * bytes, fmt);
  return out;
}

Batch stack_collate(std::vector<Example>& examples, const std::vector<int64_t>& indices) {
  DESCENT_CHECK(!examples.empty(), "collate: the batch is empty");
  Batch b;
  std::vector<Tensor> data;
  data.reserve(examples.size());
  for (auto& e : examples) data.push_back(e.data);
  b.data = stack_samples(data, indices, "data");
  b.target = stack_targets(examples, indices);
  b.indices = indices;
  return b;
}

Batch pad_collate(std::vector<Example>& examples, const std::vector<int64_t>& indices, double padding_value) {
  DESCENT_CHECK(!examples.empty(), "pad_collate: the batch is empty");
  const Tensor& first = examples[0].data;
  DESCENT_CHECK(first.defined() && first.dim() >= 1, "pad_collate: ", sample_name(indices, 0),
                " needs data with a length dimension, got ",
                first.defined() ? detail::str_cat("shape ", first.sizes()) : std::string("undefined data"));
  Shape inner_shape;
  for (int64_t d = 1; d < first.dim(); ++d) inner_shape.push_back(first.size(d));
  int64_t max_len = 0;
  std::vector<int64_t> lengths;
  for (size_t k = 0; k < examples.size(); ++k) {
    const Tensor& t = examples[k].data;
    DESCENT_CHECK(t.defined() && t.dim() == first.dim(), "pad_collate: ", sample_name(indices, k), " has data of ",
                  t.defined() ? t.dim() : 0, " dims but ", sample_name(indices, 0), " has ", first.dim());
    DESCENT_CHECK(t.dtype() == first.dtype(), "pad_collate: ", sample_name(indices, k), " has dtype ", t.dtype(),
                  " but ", sample_name(indices, 0), " has ", first.dtype());
    for (int64_t d = 1; d < t.dim(); ++d)
      DESCENT_CHECK(t.size(d) == first.size(d), "pad_collate: ", sample_name(indices, k), " has shape ", t.sizes(),
                    " but ", sample_name(indices, 0), " has ", first.sizes(), "; only the first dimension may differ");
    lengths.push_back(t.size(0));
    max_len = std::max(max_len, t.size(0));
  }
  Shape out_shape{static_cast<int64_t>(examples.size()), max_len};
  for (int64_t s : inner_shape) out_shape.push_back(s);
  Tensor out = empty(out_shape, first.dtype());
  fill_raw(out, padding_value);
  const size_t row_bytes = size_t(shape_numel(inner_shape)) * first.element_size();
  char* dst = static_cast<char*>(out.raw_data());
  for (size_t k = 0; k < examples.size(); ++k)
    copy_dense(examples[k].data, dst + k * size_t(max_len) * row_bytes, MemoryFormat::Contiguous);
  Batch b;
  b.data = out;
  b.lengths = from_vector(lengths);
  b.target = stack_targets(examples, indices);
  b.indices = indices;
  return b;
}

CollateFn pad_collate_fn(double padding_value) {
  return [padding_value](std::vector<Example>& ex, const std::vector<int64_t>& idx) {
    return pad_collate(ex, idx, padding_value);
  };
}

}  // namespace descent::data
