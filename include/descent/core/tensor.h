#pragma once
// Tensor: a view onto shared storage (sizes + strides + offset + dtype + device) with optional
// autograd history. Copying a Tensor copies the handle, not the data (as in PyTorch).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/dtype.h"
#include "descent/core/error.h"
#include "descent/core/op_names.h"
#include "descent/core/scalar.h"
#include "descent/core/small_vector.h"
#include "descent/core/storage.h"

namespace descent {

class Node;
class Tensor;
class Generator;
struct TensorImpl;

/// Where a tensor's memory lives. Only CPU exists today; the enum leaves room for CUDA.
enum class DeviceType : uint8_t { CPU = 0 };
struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const Device&) const = default;
};
inline constexpr Device kCPU{};
std::ostream& operator<<(std::ostream& os, Device d);

/// Memory layout request for contiguous(): row-major, NHWC for 4-D (logical NCHW), or keep the input's.
enum class MemoryFormat : uint8_t { Contiguous, ChannelsLast, Preserve };

/// Per-tensor autograd state, created only for tensors that take part in autograd.
struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::shared_ptr<TensorImpl> grad;
  std::weak_ptr<Node> grad_accumulator;
  /// For differentiable views: the tensor this one is a view of (the root of the view chain).
  std::shared_ptr<TensorImpl> view_base;
};

/// The data behind a Tensor handle.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape sizes;
  Shape strides;
  int64_t offset = 0;
  DType dtype = DType::Float32;
  Device device{};
  std::unique_ptr<AutogradMeta> autograd;

  AutogradMeta& meta() {
    if (!autograd) autograd = std::make_unique<AutogradMeta>();
    return *autograd;
  }
};

/// dtype and requires_grad for factories; implicitly built from a DType.
struct TensorOptions {
  std::optional<DType> dtype_;
  bool requires_grad_ = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}
  TensorOptions& dtype(DType d) { dtype_ = d; return *this; }
  TensorOptions& requires_grad(bool r = true) { requires_grad_ = r; return *this; }
  DType dtype_or(DType d) const { return dtype_.value_or(d); }
};

/// An n-dimensional strided array with dynamic autograd.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  /// True when both handles refer to the same TensorImpl.
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata ----
  const Shape& sizes() const { return checked().sizes; }
  const Shape& shape() const { return sizes(); }
  const Shape& strides() const { return checked().strides; }
  /// Size of dimension d (negative counts from the end).
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t dim() const { return static_cast<int64_t>(sizes().size()); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const;
  DType dtype() const { return checked().dtype; }
  DType scalar_type() const { return dtype(); }
  Device device() const { return checked().device; }
  int64_t storage_offset() const { return checked().offset; }
  size_t element_size() const { return itemsize(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  const std::shared_ptr<Storage>& storage() const { return checked().storage; }
  bool is_floating_point() const { return is_floating(dtype()); }
  bool is_contiguous(MemoryFormat fmt = MemoryFormat::Contiguous) const;
  /// The memory format a 4-D tensor is dense in (Contiguous or ChannelsLast).
  MemoryFormat suggest_memory_format() const;
  /// True when the tensor covers no element twice (needed for safe in-place writes).
  bool is_non_overlapping_and_dense() const;

  // ---- raw data ----
  /// Pointer to the first element; T must match dtype.
  template <typename T>
  T* data_ptr() const {
    DESCENT_CHECK(dtype_of<T> == dtype(), "data_ptr: tensor has dtype ", dtype(), " but ",
                  dtype_name(dtype_of<T>), " was requested");
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;
  /// Value of a one-element tensor converted to T.
  template <typename T>
  T item() const;
  Scalar item() const;
  /// Element at a full index (one entry per dimension), converted to T.
  template <typename T>
  T at(std::initializer_list<int64_t> index) const;
  /// All elements in row-major order, converted to T.
  template <typename T>
  std::vector<T> to_vector() const;

  // ---- conversion and copies ----
  Tensor to(DType dtype, bool copy = false) const;
  Tensor clone(MemoryFormat fmt = MemoryFormat::Preserve) const;
  Tensor contiguous(MemoryFormat fmt = MemoryFormat::Contiguous) const;
  /// A new row-major tensor of zeros (ones) on this tensor's device, in its dtype unless told
  /// (PyTorch's Tensor.new_zeros / new_ones). Lets layers below ops (autograd) make them through
  /// Tensor alone.
  Tensor new_zeros(const Shape& sizes, std::optional<DType> dtype = std::nullopt) const;
  Tensor new_ones(const Shape& sizes, std::optional<DType> dtype = std::nullopt) const;

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool r = true);
  /// The accumulated gradient (undefined until a backward reaches this leaf).
  Tensor grad() const;
  void set_grad(const Tensor& g);
  /// Clears .grad: set to undefined (set_to_none) or zero it in place.
  void zero_grad(bool set_to_none = true);
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;
  Tensor& detach_();
  bool is_leaf() const;
  std::shared_ptr<Node> grad_fn() const;
  /// Name of grad_fn ("AddBackward", ...), or "" for leaves.
  std::string grad_fn_name() const;
  uint32_t output_nr() const;
  /// Makes a non-leaf keep its .grad after backward.
  void retain_grad();
  bool retains_grad() const;
  /// In-place modification counter shared by all views of the storage.
  uint64_t _version() const;
  /// True when this tensor was created by a view op on another autograd tensor.
  bool is_view() const;
  /// The tensor this one is a view of (undefined if not a view).
  Tensor _base() const;

  // ---- views (share storage) ----
  Tensor view(const Shape& shape) const;
  Tensor view_as(const Tensor& other) const;
  Tensor reshape(const Shape& shape) const;
  Tensor reshape_as(const Tensor& other) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor permute(const Dims& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor movedim(int64_t src, int64_t dst) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  /// Python's t[start:end:step] along dim (end clamps; negative start/end count from the end).
  Tensor slice(int64_t dim, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(const Shape& sizes) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor broadcast_to(const Shape& sizes) const;
  Tensor as_strided(const Shape& sizes, const Shape& strides, std::optional<int64_t> offset = std::nullopt) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(const std::vector<int64_t>& sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;

  // ---- indexing copies ----
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, Scalar value) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor repeat(const Shape& repeats) const;
  Tensor flip(const Dims& dims) const;

  // ---- element-wise ----
  Tensor add(const Tensor& other, Scalar alpha = 1) const;
  Tensor add(Scalar other, Scalar alpha = 1) const;
  Tensor sub(const Tensor& other, Scalar alpha = 1) const;
  Tensor sub(Scalar other, Scalar alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor mul(Scalar other) const;
  Tensor div(const Tensor& other) const;
  Tensor div(Scalar other) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor minimum(const Tensor& other) const;
  Tensor maximum(const Tensor& other) const;
  // neg, abs, exp, ..., round (core/op_names.h)
#define DESCENT_TENSOR_UNARY_METHOD(name, differentiable) Tensor name() const;
  DESCENT_UNARY_MATH_OPS(DESCENT_TENSOR_UNARY_METHOD)
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(Scalar min) const;
  Tensor clamp_max(Scalar max) const;
  // eq, ne, lt, le, gt, ge; logical_and, _or, _xor; logical_not, isnan, isinf, isfinite
#define DESCENT_TENSOR_COMPARISON_METHOD(name, differentiable) \
  Tensor name(const Tensor& o) const;                          \
  Tensor name(Scalar o) const;
#define DESCENT_TENSOR_BINARY_METHOD(name, differentiable) Tensor name(const Tensor& o) const;
  DESCENT_COMPARISON_OPS(DESCENT_TENSOR_COMPARISON_METHOD)
  DESCENT_LOGICAL_BINARY_OPS(DESCENT_TENSOR_BINARY_METHOD)
  DESCENT_UNARY_PREDICATE_OPS(DESCENT_TENSOR_UNARY_METHOD)
#undef DESCENT_TENSOR_UNARY_METHOD
#undef DESCENT_TENSOR_COMPARISON_METHOD
#undef DESCENT_TENSOR_BINARY_METHOD

  // ---- reductions (empty dims = all dims) ----
  Tensor sum(std::optional<DType> dtype = std::nullopt) const;
  Tensor sum(const Dims& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor mean() const;
  Tensor mean(const Dims& dims, bool keepdim = false) const;
  Tensor prod() const;
  Tensor prod(int64_t dim, bool keepdim = false) const;
  /// Max of all elements.
  Tensor max() const;
  /// Max along dim: (values, indices).
  std::pair<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::pair<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor amax(const Dims& dims = {}, bool keepdim = false) const;
  Tensor amin(const Dims& dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var(const Dims& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor std(const Dims& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor logsumexp(const Dims& dims, bool keepdim = false) const;
  /// p-norm over dims (p = 1, 2, or INFINITY).
  Tensor norm(double p = 2.0, const Dims& dims = {}, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor cumsum(int64_t dim) const;

  // ---- linear algebra ----
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& other) const;

  // ---- in-place (bump the version counter) ----
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other, Scalar alpha = 1);
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  Tensor& sub_(Scalar other, Scalar alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  Tensor& pow_(Scalar exponent);
  Tensor& neg_();
  Tensor& exp_();
  Tensor& sqrt_();
  Tensor& relu_();
  Tensor& sigmoid_();
  Tensor& tanh_();
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& zero_();
  Tensor& fill_(Scalar value);
  /// Copies src (broadcast to this shape, any dtype) into this tensor's memory.
  Tensor& copy_(const Tensor& src);
  Tensor& uniform_(double from = 0.0, double to = 1.0, Generator* gen = nullptr);
  Tensor& normal_(double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

 private:
  TensorImpl& checked() const {
    DESCENT_CHECK(impl_ != nullptr, "use of an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
/// The printed form of a tensor, as operator<< writes it.
std::string to_string(const Tensor& t);

/// Normalises a possibly negative dim against ndim, throwing a clear error when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op = "dim");
/// Row-major strides for sizes.
Shape contiguous_strides(const Shape& sizes);
/// NHWC strides for 4-D logical NCHW sizes.
Shape channels_last_strides(const Shape& sizes);
/// Product of sizes (checked against overflow).
int64_t shape_numel(const Shape& sizes);

}  // namespace descent
