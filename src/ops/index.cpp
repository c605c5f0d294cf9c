// Index-based copies: index_select, gather, scatter, scatter_add, masked_fill, masked_select.
#include "common.h"

namespace descent {
using autograd::any_requires_grad;
using autograd::record;
using ops::be;

namespace {
using Grads = std::vector<Tensor>;

void check_index_tensor(const Tensor& index, const char* op) {
  DESCENT_CHECK(index.dtype() == DType::Int64 || index.dtype() == DType::Int32, op,
                ": expected an int64 index tensor, got ", index.dtype());
}

// Validates index values are in [0, size) (negative values are not wrapped, as in gather/scatter).
void check_range(const Tensor& index, int64_t size, const char* op, int64_t dim) {
  if (index.numel() == 0) return;
  Tensor i = index.to(DType::Int64);
  const int64_t lo = i.min().item<int64_t>(), hi = i.max().item<int64_t>();
  DESCENT_CHECK(lo >= 0 && hi < size, op, ": index ", (lo < 0 ? lo : hi), " is out of bounds for dimension ", dim,
                " with size ", size);
}

void check_gather_shapes(const Tensor& self, int64_t d, const Tensor& index, const char* op, const Tensor* src) {
  DESCENT_CHECK(index.dim() == std::max<int64_t>(self.dim(), 1) || (self.dim() == 0 && index.dim() <= 1), op,
                ": index tensor must have the same number of dimensions as the input (", index.dim(), " vs ",
                self.dim(), ")");
  for (int64_t k = 0; k < index.dim() && self.dim() > 0; ++k) {
    if (k != d) DESCENT_CHECK(index.size(k) <= self.size(k), op, ": size of index ", index.sizes(),
                              " does not fit the input ", self.sizes(), " at dimension ", k);
    if (src) DESCENT_CHECK(index.size(k) <= src->size(k), op, ": size of index ", index.sizes(),
                           " does not fit the source ", src->sizes(), " at dimension ", k);
  }
}
}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_tensor(index, "index_select");
  DESCENT_CHECK(index.dim() <= 1, "index_select: index must be 0-d or 1-d, got shape ", index.sizes());
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  Tensor xx = x.dim() == 0 ? x.reshape({1}) : x;
  Tensor idx = index.reshape({-1}).to(DType::Int64).contiguous();
  check_range(idx, xx.size(d), "index_select", d);
  Shape s = xx.sizes();
  s[size_t(d)] = idx.numel();
  Tensor out = empty(s, x.dtype());
  Tensor xc = xx.contiguous();
  if (out.numel() > 0) be(x).index_select(xc, d, idx, out);
  if (x.dim() == 0) out = out.reshape(index.dim() == 0 ? Shape{} : Shape{idx.numel()});
  if (any_requires_grad({&x})) {
    Shape xs = x.sizes();
    SavedTensor si(idx);
    record("IndexSelectBackward", {&x}, {&out}, [xs, d, si](Grads& g) {
      Tensor iv = si.get("IndexSelectBackward");
      Shape ws = xs.empty() ? Shape{1} : xs;
      Tensor gg = g[0].reshape(xs.empty() ? Shape{iv.numel()} : g[0].sizes());
      Shape view(ws.size(), 1);
      view[size_t(d)] = iv.numel();
      Tensor ie = iv.view(view).expand(gg.sizes()).contiguous();
      return Grads{zeros(ws, g[0].dtype()).scatter_add(d, ie, gg).reshape(xs)};
    });
  }
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_tensor(index, "gather");
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  check_gather_shapes(x, d, index, "gather", nullptr);
  Tensor idx = index.to(DType::Int64).contiguous();
  check_range(idx, x.dim() == 0 ? 1 : x.size(d), "gather", d);
  Tensor out = empty(index.sizes(), x.dtype());
  if (out.numel() > 0) be(x).gather(x, d, idx, out);
  if (any_requires_grad({&x})) {
    Shape xs = x.sizes();
    SavedTensor si(idx);
    record("GatherBackward", {&x}, {&out}, [xs, d, si](Grads& g) {
      return Grads{zeros(xs, g[0].dtype()).scatter_add(d, si.get("GatherBackward"), g[0])};
    });
  }
  return out;
}

namespace {
Tensor scatter_impl(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, bool add) {
  const char* op = add ? "scatter_add" : "scatter";
  check_index_tensor(index, op);
  const int64_t d = wrap_dim(dim, x.dim(), op);
  check_gather_shapes(x, d, index, op, &src);
  Tensor idx = index.to(DType::Int64).contiguous();
  check_range(idx, x.dim() == 0 ? 1 : x.size(d), op, d);
  Tensor out = x.detach().clone(MemoryFormat::Contiguous);
  Tensor s = ops::raw_cast(src, x.dtype());
  if (idx.numel() > 0) be(x).scatter(out, d, idx, s, add);
  if (any_requires_grad({&x, &src})) {
    SavedTensor si(idx);
    Shape is = idx.sizes();
    record(add ? "ScatterAddBackward" : "ScatterBackward", {&x, &src}, {&out}, [si, d, add, is](Grads& g) {
      Tensor iv = si.get("ScatterBackward");
      Tensor gx = add ? g[0] : g[0].scatter(d, iv, 0.0);
      return Grads{gx, g[0].gather(d, iv)};
    });
  }
  return out;
}
}  // namespace

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(x, dim, index, src, false);
}
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(x, dim, index, src, true);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  DESCENT_CHECK(mask.dtype() == DType::Bool, "masked_fill: expected a bool mask, got ", mask.dtype());
  const Shape shape = broadcast_shapes(x.sizes(), mask.sizes());
  DESCENT_CHECK(!(value.is_floating() && !x.is_floating_point()), "masked_fill: cannot fill a ", x.dtype(),
                " tensor with a floating value");
  Tensor out = ops::empty_like_layout(shape, x.dtype(), x);
  if (out.numel() > 0)
    be(x).where(ops::raw_expand(mask, shape), ops::raw_expand(scalar_tensor(value, x.dtype()), shape),
                ops::raw_expand(x, shape), out);
  if (any_requires_grad({&x})) {
    SavedTensor sm(mask);
    Shape xs = x.sizes();
    record("MaskedFillBackward", {&x}, {&out}, [sm, xs](Grads& g) {
      return Grads{autograd::sum_to(where(sm.get("MaskedFillBackward"), 0.0, g[0]), xs)};
    });
  }
  return out;
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  DESCENT_CHECK(mask.dtype() == DType::Bool, "masked_select: expected a bool mask, got ", mask.dtype());
  const Shape shape = broadcast_shapes(x.sizes(), mask.sizes());
  Tensor xe = ops::raw_expand(x, shape), me = ops::raw_expand(mask, shape);
  const int64_t n = mask.numel() == 0 ? 0 : me.sum().item<int64_t>();
  Tensor out = empty({n}, x.dtype());
  if (n > 0) be(x).masked_select(xe, me, out);
  if (any_requires_grad({&x})) {
    SavedTensor sm(mask);
    Shape xs = x.sizes();
    record("MaskedSelectBackward", {&x}, {&out}, [sm, xs, shape](Grads& g) {
      Tensor m = sm.get("MaskedSelectBackward").expand(shape);
      Tensor lin = masked_select(arange(shape_numel(shape)).view(shape), m);
      Tensor full_g = zeros({shape_numel(shape)}, g[0].dtype()).scatter(0, lin, g[0]).view(shape);
      return Grads{autograd::sum_to(full_g, xs)};
    });
  }
  return out;
}

}  // namespace descent
