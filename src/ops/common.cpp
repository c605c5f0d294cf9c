#include "common.h"

#include <algorithm>

namespace descent::ops {

Tensor raw_view(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->sizes = sizes;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = t.dtype();
  impl->device = t.device();
  return Tensor(std::move(impl));
}

Tensor raw_expand(const Tensor& t, const Shape& sizes) {
  if (t.sizes() == sizes) return t;
  const int64_t nd = static_cast<int64_t>(sizes.size()), td = t.dim();
  DESCENT_CHECK(nd >= td, "expand: cannot expand shape ", t.sizes(), " to ", sizes);
  Shape st(sizes.size(), 0);
  for (int64_t i = nd - 1; i >= 0; --i) {
    const int64_t j = i - (nd - td);
    if (j < 0) continue;
    const int64_t ts = t.size(j);
    DESCENT_CHECK(ts == sizes[size_t(i)] || ts == 1, "expand: the expanded size of the tensor (", sizes[size_t(i)],
                  ") must match the existing size (", ts, ") at non-singleton dimension ", i, ". Target sizes: ", sizes,
                  ". Tensor sizes: ", t.sizes());
    st[size_t(i)] = ts == 1 && sizes[size_t(i)] != 1 ? 0 : t.stride(j);
  }
  return raw_view(t, sizes, st, t.storage_offset());
}

Tensor raw_cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty_like_layout(t.sizes(), dtype, t);
  be(t).copy(out, t);
  return out;
}

Tensor empty_like_layout(const Shape& sizes, DType dtype, const Tensor& like) {
  // Cheap tests first: most calls (1-D or contiguous `like`) never compare the shapes.
  if (like.defined() && like.dim() > 1 && !like.is_contiguous() && like.sizes() == sizes &&
      like.is_non_overlapping_and_dense())
    return empty_strided(sizes, like.strides(), dtype);
  return empty(sizes, dtype);
}

bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage()) return false;
  if (a.numel() == 0 || b.numel() == 0) return false;
  auto extent = [](const Tensor& t) {
    int64_t lo = t.storage_offset(), hi = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) {
      const int64_t span = (t.size(d) - 1) * t.stride(d);
      if (span < 0) lo += span;
      else hi += span;
    }
    return std::pair<int64_t, int64_t>(lo, hi);
  };
  auto [alo, ahi] = extent(a);
  auto [blo, bhi] = extent(b);
  return !(ahi < blo || bhi < alo);
}

Dims normalize_dims(const Dims& dims, int64_t ndim, const char* op) {
  Dims out;
  if (dims.empty()) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (auto d : dims) {
    int64_t w = wrap_dim(d, ndim, op);
    if (ndim == 0) continue;
    DESCENT_CHECK(std::find(out.begin(), out.end(), w) == out.end(), op, ": dim ", w,
                  " appears multiple times in the list of dims");
    out.push_back(w);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape keepdim_shape(const Shape& sizes, const Dims& dims) {
  Shape s = sizes;
  for (auto d : dims) s[size_t(d)] = 1;
  return s;
}

Shape reduced_shape(const Shape& sizes, const Dims& dims, bool keepdim) {
  if (keepdim) return keepdim_shape(sizes, dims);
  Shape s;
  for (int64_t i = 0; i < static_cast<int64_t>(sizes.size()); ++i)
    if (std::find(dims.begin(), dims.end(), i) == dims.end()) s.push_back(sizes[size_t(i)]);
  return s;
}

Tensor expand_reduced_grad(const Tensor& g, const Shape& in_sizes, const Dims& dims, bool keepdim) {
  Tensor r = g;
  if (!keepdim) r = r.reshape(keepdim_shape(in_sizes, dims));
  return r.expand(in_sizes);
}

void check_can_cast(DType from, DType to, const char* op) {
  DESCENT_CHECK(dtype_category(from) <= dtype_category(to), op, ": result type ", dtype_name(from),
                " can't be cast to the desired output type ", dtype_name(to));
}

Tensor& assign_inplace(Tensor& self, const Tensor& r, const char* op) {
  (void)op;
  return self.copy_(r);
}

}  // namespace descent::ops
