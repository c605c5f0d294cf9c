// Factories and type promotion.
#include <cmath>
#include <functional>
#include <limits>

#include "common.h"

namespace descent {
using ops::be;

namespace {
Tensor finish(Tensor t, const TensorOptions& opts) {
  if (opts.requires_grad_) t.requires_grad_(true);
  return t;
}
DType scalar_default(Scalar v) {
  if (v.is_bool()) return DType::Bool;
  if (v.is_integral()) return DType::Int64;
  return default_dtype();
}
}  // namespace

Tensor empty_strided(const Shape& sizes, const Shape& strides, TensorOptions opts) {
  DESCENT_CHECK(sizes.size() == strides.size(), "empty_strided: ", sizes.size(), " sizes but ", strides.size(),
                " strides");
  const DType dt = opts.dtype_or(default_dtype());
  const int64_t n = shape_numel(sizes);
  int64_t span = n == 0 ? 0 : 1;
  for (size_t i = 0; i < sizes.size() && n > 0; ++i) {
    DESCENT_CHECK(strides[i] >= 0, "empty_strided: negative stride ", strides[i]);
    span += (sizes[i] - 1) * strides[i];
  }
  DESCENT_CHECK(span <= std::numeric_limits<int64_t>::max() / static_cast<int64_t>(itemsize(dt)),
                "empty: shape ", sizes, " needs more memory than can be addressed");
  const size_t nbytes = static_cast<size_t>(span) * itemsize(dt);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(nbytes);
  impl->sizes = sizes;
  impl->strides = strides;
  impl->dtype = dt;
  return finish(Tensor(std::move(impl)), opts);
}

Tensor empty(const Shape& sizes, TensorOptions opts) {
  shape_numel(sizes);  // validates
  return empty_strided(sizes, contiguous_strides(sizes), opts);
}

Tensor full(const Shape& sizes, Scalar value, TensorOptions opts) {
  TensorOptions o = opts;
  o.requires_grad_ = false;
  if (!o.dtype_) o.dtype_ = scalar_default(value);
  Tensor t = empty(sizes, o);
  if (t.numel() > 0) be(t).fill(t, value);
  return finish(t, opts);
}

Tensor zeros(const Shape& sizes, TensorOptions opts) {
  if (!opts.dtype_) opts.dtype_ = default_dtype();
  return full(sizes, 0, opts);
}
Tensor ones(const Shape& sizes, TensorOptions opts) {
  if (!opts.dtype_) opts.dtype_ = default_dtype();
  return full(sizes, 1, opts);
}

namespace {
TensorOptions like_opts(const Tensor& t, TensorOptions opts) {
  if (!opts.dtype_) opts.dtype_ = t.dtype();
  return opts;
}
}  // namespace

Tensor empty_like(const Tensor& t, TensorOptions opts) {
  opts = like_opts(t, opts);
  Tensor r = ops::empty_like_layout(t.sizes(), *opts.dtype_, t);
  return finish(r, opts);
}
Tensor zeros_like(const Tensor& t, TensorOptions opts) { return full_like(t, 0, opts); }
Tensor ones_like(const Tensor& t, TensorOptions opts) { return full_like(t, 1, opts); }
Tensor full_like(const Tensor& t, Scalar value, TensorOptions opts) {
  opts = like_opts(t, opts);
  TensorOptions o = opts;
  o.requires_grad_ = false;
  Tensor r = empty_like(t, o);
  if (r.numel() > 0) be(r).fill(r, value);
  return finish(r, opts);
}
Tensor rand_like(const Tensor& t, TensorOptions opts, Generator* gen) { return rand(t.sizes(), like_opts(t, opts), gen); }
Tensor randn_like(const Tensor& t, TensorOptions opts, Generator* gen) { return randn(t.sizes(), like_opts(t, opts), gen); }

Tensor arange(Scalar end, TensorOptions opts) { return arange(0, end, 1, opts); }

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions opts) {
  const bool fp = start.is_floating() || end.is_floating() || step.is_floating();
  const DType dt = opts.dtype_or(fp ? default_dtype() : DType::Int64);
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  DESCENT_CHECK(st != 0.0, "arange: step must be nonzero");
  DESCENT_CHECK(std::isfinite(s) && std::isfinite(e), "arange: unsupported range ", s, " -> ", e);
  DESCENT_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound and larger bound inconsistent with step sign");
  const double nd = std::ceil((e - s) / st);
  DESCENT_CHECK(nd < 9.0e15, "arange: too many elements");
  const int64_t n = static_cast<int64_t>(nd);
  TensorOptions o = opts;
  o.dtype_ = dt;
  o.requires_grad_ = false;
  Tensor t = empty({n}, o);
  DESCENT_DISPATCH_NUMERIC(dt, "arange", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    if (!fp && !std::is_floating_point_v<scalar_t>) {
      const int64_t si = start.to_int(), sti = step.to_int();
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(si + i * sti);
    } else {
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(s + double(i) * st);
    }
  });
  return finish(t, opts);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions opts) {
  DESCENT_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  TensorOptions o = opts;
  o.dtype_ = opts.dtype_or(default_dtype());
  o.requires_grad_ = false;
  Tensor t = empty({steps}, o);
  const double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  DESCENT_DISPATCH_NUMERIC(*o.dtype_, "linspace", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    // Symmetric evaluation (from both ends) as PyTorch does, so the last value is exactly `end`.
    // One step is `start` (torch.linspace(a, b, 1) == [a]), which the end-anchored half would miss.
    const int64_t half = steps == 1 ? 1 : steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<scalar_t>(i < half ? start + step * double(i) : end - step * double(steps - 1 - i));
  });
  return finish(t, opts);
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions opts) {
  const int64_t cols = m.value_or(n);
  DESCENT_CHECK(n >= 0 && cols >= 0, "eye: sizes must be non-negative, got ", n, " x ", cols);
  TensorOptions o = opts;
  o.requires_grad_ = false;
  Tensor t = zeros({n, cols}, o);
  for (int64_t i = 0; i < std::min(n, cols); ++i) ops::raw_view(t, {}, {}, i * cols + i).fill_(1);
  return finish(t, opts);
}

Tensor rand(const Shape& sizes, TensorOptions opts, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  TensorOptions o = opts;
  o.dtype_ = opts.dtype_or(default_dtype());
  o.requires_grad_ = false;
  DESCENT_CHECK(is_floating(*o.dtype_), "rand: expected a floating dtype, got ", dtype_name(*o.dtype_));
  Tensor t = empty(sizes, o);
  const uint64_t n = static_cast<uint64_t>(t.numel());
  const uint64_t off = g.reserve(n);
  if (n) be(t).uniform(t, 0.0, 1.0, g.seed(), off);
  return finish(t, opts);
}

Tensor randn(const Shape& sizes, TensorOptions opts, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  TensorOptions o = opts;
  o.dtype_ = opts.dtype_or(default_dtype());
  o.requires_grad_ = false;
  DESCENT_CHECK(is_floating(*o.dtype_), "randn: expected a floating dtype, got ", dtype_name(*o.dtype_));
  Tensor t = empty(sizes, o);
  const uint64_t n = static_cast<uint64_t>(t.numel());
  const uint64_t off = g.reserve(n);
  if (n) be(t).normal(t, 0.0, 1.0, g.seed(), off);
  return finish(t, opts);
}

Tensor randint(int64_t low, int64_t high, const Shape& sizes, TensorOptions opts, Generator* gen) {
  DESCENT_CHECK(high > low, "randint: expected low < high, got low=", low, ", high=", high);
  Generator& g = gen ? *gen : default_generator();
  TensorOptions o = opts;
  o.dtype_ = opts.dtype_or(DType::Int64);
  Tensor t = empty(sizes, o);
  const uint64_t n = static_cast<uint64_t>(t.numel());
  const uint64_t off = g.reserve(n);
  if (n) be(t).randint(t, low, high, g.seed(), off);
  return t;
}

Tensor randperm(int64_t n, TensorOptions opts, Generator* gen) {
  DESCENT_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Generator& g = gen ? *gen : default_generator();
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
  // Fisher-Yates with one counter block per swap: independent of threads.
  const uint64_t off = g.reserve(uint64_t(n));
  for (int64_t i = n - 1; i > 0; --i) {
    auto w = Generator::philox(g.seed(), off + uint64_t(i));
    const int64_t j = static_cast<int64_t>(((uint64_t(w[0]) << 32) | w[1]) % uint64_t(i + 1));
    std::swap(p[size_t(i)], p[size_t(j)]);
  }
  Tensor t = from_vector(p);
  return opts.dtype_ ? t.to(*opts.dtype_) : t;
}

template <typename T>
Tensor from_vector(const std::vector<T>& data, const Shape& shape, TensorOptions opts) {
  Shape s = shape.empty() ? Shape{static_cast<int64_t>(data.size())} : shape;
  DESCENT_CHECK(shape_numel(s) == static_cast<int64_t>(data.size()), "from_vector: ", data.size(),
                " values do not fill shape ", s);
  TensorOptions o = opts;
  o.dtype_ = dtype_of<T>;
  o.requires_grad_ = false;
  Tensor t = empty(s, o);
  if (!data.empty()) {
    if constexpr (std::is_same_v<T, bool>) {
      bool* p = t.data_ptr<bool>();
      for (size_t i = 0; i < data.size(); ++i) p[i] = data[i];
    } else {
      std::copy(data.begin(), data.end(), t.data_ptr<T>());
    }
  }
  if (opts.dtype_ && *opts.dtype_ != dtype_of<T>) t = t.to(*opts.dtype_);
  return finish(t, opts);
}
template Tensor from_vector<bool>(const std::vector<bool>&, const Shape&, TensorOptions);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&, TensorOptions);
template Tensor from_vector<int32_t>(const std::vector<int32_t>&, const Shape&, TensorOptions);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&, TensorOptions);
template Tensor from_vector<float>(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, TensorOptions);

namespace {
void nested_shape(const NestedList& l, size_t depth, Shape& shape, DType& kind, int64_t& leaf_depth) {
  if (l.is_scalar()) {
    if (leaf_depth < 0) leaf_depth = static_cast<int64_t>(depth);
    DESCENT_CHECK(static_cast<int64_t>(depth) == leaf_depth && depth == shape.size(),
                  "tensor: nested lists have inconsistent depth");
    kind = promote_types(kind, l.scalar().kind());
    return;
  }
  const int64_t n = static_cast<int64_t>(l.items().size());
  if (depth == shape.size()) shape.push_back(n);
  else DESCENT_CHECK(shape[depth] == n, "tensor: expected a list of length ", shape[depth], " at depth ", depth,
                     ", got ", n, " (rows must have equal lengths)");
  DESCENT_CHECK(leaf_depth < 0 || static_cast<int64_t>(depth) < leaf_depth, "tensor: nested lists have inconsistent depth");
  for (auto& it : l.items()) nested_shape(it, depth + 1, shape, kind, leaf_depth);
}
void nested_flatten(const NestedList& l, std::vector<double>& out) {
  if (l.is_scalar()) out.push_back(l.scalar().to_double());
  else for (auto& it : l.items()) nested_flatten(it, out);
}
}  // namespace

Tensor tensor(const NestedList& values, TensorOptions opts) {
  Shape shape;
  DType kind = DType::Bool;
  int64_t leaf_depth = -1;
  nested_shape(values, 0, shape, kind, leaf_depth);
  // No number at all (an empty list) gives the default float dtype, as torch.tensor([]) does.
  const DType inferred = (kind == DType::Float64 || leaf_depth < 0) ? default_dtype() : kind;
  Tensor t;
  if (inferred == DType::Int64) {  // integers copied exactly (doubles lose precision above 2^53)
    std::vector<int64_t> iv;
    std::function<void(const NestedList&)> rec = [&](const NestedList& l) {
      if (l.is_scalar()) iv.push_back(l.scalar().to_int());
      else for (auto& it : l.items()) rec(it);
    };
    rec(values);
    t = from_vector(iv, {static_cast<int64_t>(iv.size())});
  } else {
    std::vector<double> flat;
    nested_flatten(values, flat);
    t = from_vector(flat, {static_cast<int64_t>(flat.size())});
  }
  t = t.view(shape).to(opts.dtype_or(inferred));
  if (opts.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor scalar_tensor(Scalar value, TensorOptions opts) {
  if (!opts.dtype_) opts.dtype_ = scalar_default(value);
  return full({}, value, opts);
}

Tensor from_blob(void* data, const Shape& sizes, DType dtype, const Shape& strides, std::function<void(void*)> deleter) {
  DESCENT_CHECK(data != nullptr || shape_numel(sizes) == 0, "from_blob: null data pointer");
  Shape st = strides.empty() ? contiguous_strides(sizes) : strides;
  DESCENT_CHECK(st.size() == sizes.size(), "from_blob: ", sizes.size(), " sizes but ", st.size(), " strides");
  int64_t span = shape_numel(sizes) == 0 ? 0 : 1;
  for (size_t i = 0; i < sizes.size() && span; ++i) span += (sizes[i] - 1) * st[i];
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(data, static_cast<size_t>(span) * itemsize(dtype), std::move(deleter));
  impl->sizes = sizes;
  impl->strides = st;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

namespace {
// PyTorch's category-aware combination (c10 ResultTypeState).
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (is_floating(*higher)) return higher;
  if (*higher == DType::Bool || (lower && is_floating(*lower)))
    return lower ? promote_types(*higher, *lower) : *higher;
  return higher;
}
void update(std::optional<DType>& slot, DType t) { slot = slot ? promote_types(*slot, t) : t; }
}  // namespace

DType result_type(const Tensor& a, const Tensor& b) {
  std::optional<DType> dimr, zeror;
  update(a.dim() > 0 ? dimr : zeror, a.dtype());
  update(b.dim() > 0 ? dimr : zeror, b.dtype());
  return *combine(dimr, zeror);
}

DType result_type(const Tensor& a, Scalar b) {
  std::optional<DType> dimr, zeror;
  update(a.dim() > 0 ? dimr : zeror, a.dtype());
  DType w = b.is_bool() ? DType::Bool : b.is_integral() ? DType::Int64 : default_dtype();
  return *combine(dimr, combine(zeror, w));
}

}  // namespace descent
