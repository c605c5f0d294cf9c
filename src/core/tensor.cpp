// Tensor metadata and element access (the autograd accessors of Tensor are in
// src/autograd/tensor_autograd.cpp: core does not depend on autograd).
#include "descent/core/tensor.h"

#include <cmath>
#include <limits>

namespace descent {

std::ostream& operator<<(std::ostream& os, Device d) {
  switch (d.type) {
    case DeviceType::CPU: return os << "cpu";
  }
  return os << "unknown";
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = ndim == 0 ? 1 : ndim;  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  DESCENT_CHECK(dim >= -n && dim < n, op, ": dimension out of range (expected to be in range of [", -n, ", ",
                n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape st(sizes.size(), 1);
  int64_t acc = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    st[i] = acc;
    // Empty tensors may have huge other dims; their strides must still be representable.
    DESCENT_CHECK(!__builtin_mul_overflow(acc, std::max<int64_t>(sizes[i], 1), &acc), "shape ", sizes,
                  " is too large: its strides overflow int64");
  }
  return st;
}

Shape channels_last_strides(const Shape& s) {
  DESCENT_CHECK(s.size() == 4, "channels_last needs a 4-D tensor (N, C, H, W), got shape ", s);
  const int64_t C = std::max<int64_t>(s[1], 1), H = std::max<int64_t>(s[2], 1), W = std::max<int64_t>(s[3], 1);
  return Shape{H * W * C, 1, W * C, C};
}

int64_t shape_numel(const Shape& sizes) {
  int64_t n = 1;
  for (auto s : sizes) {
    DESCENT_CHECK(s >= 0, "negative dimension ", s, " in shape ", sizes);
    if (s != 0 && n > std::numeric_limits<int64_t>::max() / s) DESCENT_FAIL("shape ", sizes, " has too many elements");
    n *= s;
  }
  return n;
}

int64_t Tensor::size(int64_t d) const { return sizes()[size_t(wrap_dim(d, dim(), "size"))]; }
int64_t Tensor::stride(int64_t d) const { return strides()[size_t(wrap_dim(d, dim(), "stride"))]; }

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (auto s : sizes()) n *= s;
  return n;
}

bool Tensor::is_contiguous(MemoryFormat fmt) const {
  const TensorImpl& t = checked();
  if (numel() == 0) return true;
  if (fmt == MemoryFormat::ChannelsLast) {
    if (t.sizes.size() != 4) return false;
    Shape want = channels_last_strides(t.sizes);
    for (size_t i = 0; i < 4; ++i)
      if (t.sizes[i] != 1 && t.strides[i] != want[i]) return false;
    return true;
  }
  int64_t expected = 1;
  for (size_t i = t.sizes.size(); i-- > 0;) {
    if (t.sizes[i] == 1) continue;
    if (t.strides[i] != expected) return false;
    expected *= t.sizes[i];
  }
  return true;
}

MemoryFormat Tensor::suggest_memory_format() const {
  if (dim() == 4 && !is_contiguous() && is_contiguous(MemoryFormat::ChannelsLast)) return MemoryFormat::ChannelsLast;
  if (dim() == 4 && size(1) > 1 && stride(1) == 1 && is_contiguous(MemoryFormat::ChannelsLast))
    return MemoryFormat::ChannelsLast;
  return MemoryFormat::Contiguous;
}

bool Tensor::is_non_overlapping_and_dense() const {
  if (is_contiguous() || is_contiguous(MemoryFormat::ChannelsLast)) return true;
  // Sort dims by stride and check they tile memory exactly.
  const int64_t nd = dim();
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < nd; ++i)
    if (size(i) != 1) perm.push_back(i);
  std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return stride(a) < stride(b); });
  int64_t expected = 1;
  for (auto d : perm) {
    if (stride(d) != expected) return false;
    expected *= size(d);
  }
  return true;
}

void* Tensor::raw_data() const {
  const TensorImpl& t = checked();
  return static_cast<char*>(t.storage->data()) + t.offset * static_cast<int64_t>(itemsize(t.dtype));
}

namespace {
template <typename T>
T read_as(const Tensor& t, int64_t offset_elems) {
  T out{};
  DESCENT_DISPATCH_ALL(t.dtype(), "item", [&] {
    const scalar_t v = static_cast<const scalar_t*>(t.raw_data())[offset_elems];
    if constexpr (std::is_same_v<T, bool>) out = v != scalar_t(0);
    else out = static_cast<T>(v);
  });
  return out;
}
}  // namespace

template <typename T>
T Tensor::item() const {
  DESCENT_CHECK(numel() == 1, "item: a tensor with ", numel(), " elements (shape ", sizes(),
                ") cannot be converted to a scalar");
  return read_as<T>(*this, 0);
}

Scalar Tensor::item() const {
  switch (dtype()) {
    case DType::Bool: return Scalar(item<bool>());
    case DType::Float32:
    case DType::Float64: return Scalar(item<double>());
    default: return Scalar(item<int64_t>());
  }
}

template <typename T>
T Tensor::at(std::initializer_list<int64_t> index) const {
  DESCENT_CHECK(static_cast<int64_t>(index.size()) == dim(), "at: got ", index.size(), " indices for a ", dim(),
                "-d tensor of shape ", sizes());
  int64_t off = 0, d = 0;
  for (int64_t i : index) {
    const int64_t s = size(d);
    DESCENT_CHECK(i >= -s && i < s, "at: index ", i, " is out of bounds for dimension ", d, " with size ", s);
    off += (i < 0 ? i + s : i) * stride(d);
    ++d;
  }
  return read_as<T>(*this, off);
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  std::vector<T> out;
  const int64_t n = numel();
  out.reserve(size_t(n));
  const int64_t nd = dim();
  std::vector<int64_t> idx(size_t(nd), 0);
  int64_t off = 0;
  for (int64_t k = 0; k < n; ++k) {
    out.push_back(read_as<T>(*this, off));
    for (int64_t j = nd - 1; j >= 0; --j) {
      off += stride(j);
      if (++idx[size_t(j)] < size(j)) break;
      off -= stride(j) * size(j);
      idx[size_t(j)] = 0;
    }
  }
  return out;
}

#define DESCENT_INSTANTIATE(T)                                            \
  template T Tensor::item<T>() const;                                     \
  template T Tensor::at<T>(std::initializer_list<int64_t>) const;         \
  template std::vector<T> Tensor::to_vector<T>() const;
DESCENT_INSTANTIATE(bool)
DESCENT_INSTANTIATE(uint8_t)
DESCENT_INSTANTIATE(int32_t)
DESCENT_INSTANTIATE(int64_t)
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

uint64_t Tensor::_version() const { return checked().storage->version(); }

}  // namespace descent
