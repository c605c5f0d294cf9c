// View ops (share storage; gradients flow back to the base) and shape-changing copies
// (cat, stack, repeat, flip).
#include <algorithm>
#include <numeric>

#include "common.h"

namespace descent {
using autograd::any_requires_grad;
using autograd::record;
using ops::be;
using ops::raw_view;

namespace {
using Grads = std::vector<Tensor>;

// Creates the view, records its backward and marks it as a view of x.
template <typename F>
Tensor make_view(const Tensor& x, const Shape& sizes, const Shape& strides, int64_t offset, const char* name, F bw) {
  Tensor out = raw_view(x, sizes, strides, offset);
  if (any_requires_grad({&x})) {
    record(name, {&x}, {&out}, [bw = std::move(bw)](Grads& g) { return Grads{bw(g[0])}; });
    autograd::mark_view(out, x);
  }
  return out;
}

Shape infer_size(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      DESCENT_CHECK(infer < 0, op, ": only one dimension can be inferred (shape ", shape, ")");
      infer = static_cast<int64_t>(i);
    } else {
      DESCENT_CHECK(shape[i] >= 0, op, ": invalid shape dimension ", shape[i], " in ", shape);
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    DESCENT_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape, " is invalid for input of size ", numel);
    out[size_t(infer)] = numel / known;
  } else {
    DESCENT_CHECK(known == numel, op, ": shape ", shape, " is invalid for input of size ", numel);
  }
  return out;
}

// Strides that let `x` be viewed as `shape` without a copy (PyTorch's computeStride), if any.
std::optional<Shape> view_strides(const Tensor& x, const Shape& shape) {
  if (x.is_contiguous()) return contiguous_strides(shape);
  const Shape& os = x.sizes();
  const Shape& ost = x.strides();
  Shape ns(shape.size(), 0);
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk = ost.back(), tnum = 1, vnum = 1;
  for (int64_t td = static_cast<int64_t>(os.size()) - 1; td >= 0; --td) {
    tnum *= os[size_t(td)];
    if (td == 0 || (os[size_t(td - 1)] != 1 && ost[size_t(td - 1)] != tnum * chunk)) {
      while (view_d >= 0 && (vnum < tnum || shape[size_t(view_d)] == 1)) {
        ns[size_t(view_d)] = vnum * chunk;
        vnum *= shape[size_t(view_d)];
        --view_d;
      }
      if (vnum != tnum) return std::nullopt;
      if (td > 0) {
        chunk = ost[size_t(td - 1)];
        tnum = 1;
        vnum = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

Tensor reshape_view(const Tensor& x, const Shape& shape, const Shape& st, const char* name) {
  Shape in = x.sizes();
  return make_view(x, shape, st, x.storage_offset(), name, [in](const Tensor& g) { return g.reshape(in); });
}
}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  Shape s = infer_size(shape, numel(), "view");
  auto st = view_strides(*this, s);
  DESCENT_CHECK(st.has_value(), "view: size ", s, " is not compatible with input tensor's size ", sizes(),
                " and stride ", strides(),
                " (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  return reshape_view(*this, s, *st, "ViewBackward");
}

Tensor Tensor::view_as(const Tensor& o) const { return view(o.sizes()); }

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = infer_size(shape, numel(), "reshape");
  if (auto st = view_strides(*this, s)) return reshape_view(*this, s, *st, "ViewBackward");
  return contiguous().view(s);
}

Tensor Tensor::reshape_as(const Tensor& o) const { return reshape(o.sizes()); }

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = wrap_dim(start, dim(), "flatten");
  end = wrap_dim(end, dim(), "flatten");
  DESCENT_CHECK(start <= end, "flatten: start_dim (", start, ") cannot come after end_dim (", end, ")");
  Shape s;
  for (int64_t i = 0; i < start; ++i) s.push_back(size(i));
  int64_t m = 1;
  for (int64_t i = start; i <= end; ++i) m *= size(i);
  s.push_back(m);
  for (int64_t i = end + 1; i < dim(); ++i) s.push_back(size(i));
  return reshape(s);
}

Tensor Tensor::unflatten(int64_t d, const Shape& sz) const {
  d = wrap_dim(d, dim(), "unflatten");
  DESCENT_CHECK(!sz.empty(), "unflatten: sizes must be non-empty");
  Shape inner = infer_size(sz, size(d), "unflatten");
  Shape s;
  for (int64_t i = 0; i < d; ++i) s.push_back(size(i));
  for (auto v : inner) s.push_back(v);
  for (int64_t i = d + 1; i < dim(); ++i) s.push_back(size(i));
  return view(s);
}

Tensor Tensor::squeeze() const {
  Shape s, st;
  for (int64_t i = 0; i < dim(); ++i)
    if (size(i) != 1) {
      s.push_back(size(i));
      st.push_back(stride(i));
    }
  return reshape_view(*this, s, st, "SqueezeBackward");
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d, dim(), "squeeze");
  if (dim() == 0 || size(d) != 1) return reshape_view(*this, sizes(), strides(), "SqueezeBackward");
  Shape s = sizes(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return reshape_view(*this, s, st, "SqueezeBackward");
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = sizes(), st = strides();
  const int64_t ns = d < dim() ? size(d) * stride(d) : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, ns);
  return reshape_view(*this, s, st, "UnsqueezeBackward");
}

Tensor Tensor::permute(const Dims& dims) const {
  DESCENT_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: number of dims don't match (got ", dims.size(),
                " dims for a ", dim(), "-d tensor)");
  Shape s, st;
  Dims inv(dims.size(), 0);
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim(), "permute");
    DESCENT_CHECK(!seen[size_t(d)], "permute: dim ", d, " repeated in ", Shape(dims.begin(), dims.end()));
    seen[size_t(d)] = true;
    s.push_back(size(d));
    st.push_back(stride(d));
    inv[size_t(d)] = static_cast<int64_t>(i);
  }
  return make_view(*this, s, st, storage_offset(), "PermuteBackward", [inv](const Tensor& g) { return g.permute(inv); });
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  if (dim() == 0) return reshape_view(*this, sizes(), strides(), "TransposeBackward");
  d0 = wrap_dim(d0, dim(), "transpose");
  d1 = wrap_dim(d1, dim(), "transpose");
  Shape s = sizes(), st = strides();
  std::swap(s[size_t(d0)], s[size_t(d1)]);
  std::swap(st[size_t(d0)], st[size_t(d1)]);
  return make_view(*this, s, st, storage_offset(), "TransposeBackward",
                   [d0, d1](const Tensor& g) { return g.transpose(d0, d1); });
}

Tensor Tensor::t() const {
  DESCENT_CHECK(dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", dim(), "-d");
  return dim() < 2 ? transpose(0, 0) : transpose(0, 1);
}

Tensor Tensor::movedim(int64_t src, int64_t dst) const {
  src = wrap_dim(src, dim(), "movedim");
  dst = wrap_dim(dst, dim(), "movedim");
  Dims order;
  for (int64_t i = 0; i < dim(); ++i)
    if (i != src) order.push_back(i);
  order.insert(order.begin() + dst, src);
  return permute(order);
}

namespace {
// Backward of a strided sub-view: the gradient lands in the selected region of zeros.
struct SubviewGrad {
  Shape in_sizes;
  int64_t dim, start, step;
  bool select;
  Tensor operator()(const Tensor& g) const {
    Tensor r = zeros(in_sizes, g.dtype());
    Tensor region = select ? r.select(dim, start) : r.slice(dim, start, start + (g.size(dim) - 1) * step + 1, step);
    region.copy_(g);
    return r;
  }
};
}  // namespace

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim(), "narrow");
  DESCENT_CHECK(dim() > 0, "narrow: cannot be applied to a 0-dim tensor");
  const int64_t n = size(d);
  DESCENT_CHECK(start >= -n && start <= n, "narrow: start (", start, ") out of range for dimension ", d, " of size ", n);
  if (start < 0) start += n;
  DESCENT_CHECK(length >= 0 && start + length <= n, "narrow: start (", start, ") + length (", length,
                ") exceeds dimension size (", n, ")");
  return slice(d, start, start + length, 1);
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start_in, std::optional<int64_t> end_in, int64_t step) const {
  DESCENT_CHECK(dim() > 0, "slice: cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "slice");
  DESCENT_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = size(d);
  int64_t start = start_in.value_or(0), end = end_in.value_or(n);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  const int64_t len = (end - start + step - 1) / step;
  Shape s = sizes(), st = strides();
  s[size_t(d)] = len;
  st[size_t(d)] = stride(d) * step;
  return make_view(*this, s, st, storage_offset() + start * stride(d), "SliceBackward",
                   SubviewGrad{sizes(), d, start, step, false});
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  DESCENT_CHECK(dim() > 0, "select: cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "select");
  const int64_t n = size(d);
  DESCENT_CHECK(index >= -n && index < n, "select: index ", index, " is out of bounds for dimension ", d,
                " with size ", n);
  if (index < 0) index += n;
  Shape s = sizes(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return make_view(*this, s, st, storage_offset() + index * stride(d), "SelectBackward",
                   SubviewGrad{sizes(), d, index, 1, true});
}

Tensor Tensor::expand(const Shape& sizes_in) const {
  Shape target = sizes_in;
  const int64_t nd = static_cast<int64_t>(target.size());
  DESCENT_CHECK(nd >= dim(), "expand: the number of sizes provided (", nd,
                ") must be greater or equal to the number of dimensions in the tensor (", dim(), ")");
  for (int64_t i = 0; i < nd; ++i) {
    if (target[size_t(i)] != -1) continue;
    const int64_t j = i - (nd - dim());
    DESCENT_CHECK(j >= 0, "expand: -1 is not allowed in a leading, non-existing dimension (", i, ")");
    target[size_t(i)] = size(j);
  }
  Tensor e = ops::raw_expand(*this, target);
  Shape in = sizes();
  return make_view(*this, e.sizes(), e.strides(), storage_offset(), "ExpandBackward",
                   [in](const Tensor& g) { return autograd::sum_to(g, in); });
}

Tensor Tensor::expand_as(const Tensor& o) const { return expand(o.sizes()); }
Tensor Tensor::broadcast_to(const Shape& s) const { return expand(s); }

Tensor Tensor::as_strided(const Shape& sz, const Shape& st, std::optional<int64_t> offset) const {
  DESCENT_CHECK(sz.size() == st.size(), "as_strided: ", sz.size(), " sizes but ", st.size(), " strides");
  const int64_t off = offset.value_or(storage_offset());
  DESCENT_CHECK(off >= 0, "as_strided: negative storage offset ", off);
  int64_t hi = off;
  for (size_t i = 0; i < sz.size(); ++i) {
    DESCENT_CHECK(sz[i] >= 0 && st[i] >= 0, "as_strided: negative size or stride in ", sz, " / ", st);
    if (sz[i] == 0) { hi = -1; break; }
    hi += (sz[i] - 1) * st[i];
  }
  const int64_t cap = static_cast<int64_t>(storage()->nbytes() / element_size());
  DESCENT_CHECK(hi < cap, "as_strided: view of size ", sz, ", stride ", st, " and offset ", off,
                " is out of bounds for storage of ", cap, " elements");
  Shape in = sizes(), in_st = strides();
  const int64_t in_off = storage_offset();
  const bool in_contig = is_contiguous();
  return make_view(*this, sz, st, off, "AsStridedBackward", [in, in_st, in_off, in_contig, sz, st, off](const Tensor& g) {
    DESCENT_CHECK(in_contig, "as_strided: backward needs a contiguous input");
    // Each output element adds its gradient to the input element at the same storage offset.
    const int64_t n = shape_numel(in);
    Tensor lin = arange(n).as_strided(sz, st, off - in_off).reshape({-1});
    return zeros({n}, g.dtype()).scatter_add(0, lin, g.reshape({-1})).view(in);
  });
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
  d = wrap_dim(d, dim(), "split");
  DESCENT_CHECK(split_size > 0 || size(d) == 0, "split: split_size must be positive, got ", split_size);
  std::vector<Tensor> out;
  const int64_t n = size(d);
  if (n == 0) return {*this};
  for (int64_t s = 0; s < n; s += split_size) out.push_back(narrow(d, s, std::min(split_size, n - s)));
  return out;
}

std::vector<Tensor> Tensor::split(const std::vector<int64_t>& sizes_in, int64_t d) const {
  d = wrap_dim(d, dim(), "split");
  int64_t total = 0;
  for (auto s : sizes_in) {
    DESCENT_CHECK(s >= 0, "split: sizes must be non-negative");
    total += s;
  }
  DESCENT_CHECK(total == size(d), "split: sizes sum to ", total, " but dimension ", d, " has size ", size(d));
  std::vector<Tensor> out;
  int64_t o = 0;
  for (auto s : sizes_in) {
    out.push_back(narrow(d, o, s));
    o += s;
  }
  return out;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
  DESCENT_CHECK(chunks > 0, "chunk: chunks must be positive, got ", chunks);
  d = wrap_dim(d, dim(), "chunk");
  const int64_t n = size(d);
  const int64_t each = (n + chunks - 1) / chunks;
  return split(std::max<int64_t>(each, 1), d);
}

std::vector<Tensor> Tensor::unbind(int64_t d) const {
  d = wrap_dim(d, dim(), "unbind");
  std::vector<Tensor> out;
  for (int64_t i = 0; i < size(d); ++i) out.push_back(select(d, i));
  return out;
}

// ---- copies ----

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  DESCENT_CHECK(!ts.empty(), "cat: expected a non-empty list of tensors");
  // Legacy rule kept by PyTorch: 1-D empty tensors are skipped.
  std::vector<const Tensor*> parts;
  for (auto& t : ts) {
    DESCENT_CHECK(t.defined(), "cat: undefined tensor in the list");
    if (!(t.dim() == 1 && t.numel() == 0)) parts.push_back(&t);
  }
  if (parts.empty()) return ts[0].clone();
  const Tensor& ref = *parts[0];
  DESCENT_CHECK(ref.dim() > 0, "cat: zero-dimensional tensor (at position 0) cannot be concatenated");
  const int64_t d = wrap_dim(dim, ref.dim(), "cat");
  DType dt = ref.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = *parts[i];
    DESCENT_CHECK(t.dim() == ref.dim(), "cat: tensors must have the same number of dimensions: got ", ref.dim(),
                  " and ", t.dim(), " (tensor ", i, ")");
    for (int64_t k = 0; k < t.dim(); ++k)
      DESCENT_CHECK(k == d || t.size(k) == ref.size(k), "cat: sizes of tensors must match except in dimension ", d,
                    ". Expected size ", ref.size(k), " but got size ", t.size(k), " for tensor number ", i,
                    " in the list (shapes ", ref.sizes(), " and ", t.sizes(), ")");
    dt = promote_types(dt, t.dtype());
    total += t.size(d);
  }
  Shape s = ref.sizes();
  s[size_t(d)] = total;
  Tensor out = empty(s, dt);
  int64_t off = 0;
  std::vector<int64_t> lens;
  for (auto* t : parts) {
    Shape vs = out.sizes();
    vs[size_t(d)] = t->size(d);
    Tensor region = raw_view(out, vs, out.strides(), off * out.stride(d));
    if (region.numel() > 0) be(out).copy(region, *t);
    lens.push_back(t->size(d));
    off += t->size(d);
  }
  std::vector<Tensor> inputs;
  for (auto* t : parts) inputs.push_back(*t);
  if (any_requires_grad(inputs)) {
    std::vector<const Tensor*> ins(parts.begin(), parts.end());
    record("CatBackward", ins, {&out}, [lens, d](Grads& g) {
      Grads r;
      int64_t o = 0;
      for (auto l : lens) {
        r.push_back(g[0].narrow(d, o, l));
        o += l;
      }
      return r;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& ts, int64_t dim) {
  DESCENT_CHECK(!ts.empty(), "stack: expected a non-empty list of tensors");
  const int64_t d = wrap_dim(dim, ts[0].dim() + 1, "stack");
  std::vector<Tensor> u;
  for (size_t i = 0; i < ts.size(); ++i) {
    DESCENT_CHECK(ts[i].sizes() == ts[0].sizes(), "stack: expects each tensor to be equal size, but got ",
                  ts[0].sizes(), " at entry 0 and ", ts[i].sizes(), " at entry ", i);
    u.push_back(ts[i].unsqueeze(d));
  }
  return cat(u, d);
}

Tensor Tensor::repeat(const Shape& reps) const {
  DESCENT_CHECK(static_cast<int64_t>(reps.size()) >= dim(), "repeat: number of repeat dims (", reps.size(),
                ") can not be smaller than number of dimensions of tensor (", dim(), ")");
  const int64_t lead = static_cast<int64_t>(reps.size()) - dim();
  Shape padded, inter, expanded, final_shape;
  for (int64_t i = 0; i < static_cast<int64_t>(reps.size()); ++i) {
    const int64_t s = i < lead ? 1 : size(i - lead);
    DESCENT_CHECK(reps[size_t(i)] >= 0, "repeat: repeats must be non-negative, got ", reps);
    padded.push_back(s);
    inter.push_back(1);
    inter.push_back(s);
    expanded.push_back(reps[size_t(i)]);
    expanded.push_back(s);
    final_shape.push_back(s * reps[size_t(i)]);
  }
  // clone, not contiguous(): with all repeats 1 the expand is a no-op and contiguous() would return
  // a view of self, but repeat always copies (as in PyTorch).
  return reshape(padded).reshape(inter).expand(expanded).clone(MemoryFormat::Contiguous).view(final_shape);
}

Tensor Tensor::flip(const Dims& dims) const {
  Dims nd = ops::normalize_dims(dims, dim(), "flip");
  if (dims.empty()) nd.clear();
  Shape st = strides();
  int64_t off = storage_offset();
  for (auto d : nd) {
    if (size(d) == 0) continue;
    off += (size(d) - 1) * stride(d);
    st[size_t(d)] = -stride(d);
  }
  Tensor src = raw_view(*this, sizes(), st, off);
  Tensor out = empty(sizes(), dtype());
  if (out.numel() > 0) be(*this).copy(out, src);
  if (any_requires_grad({this})) record("FlipBackward", {this}, {&out}, [nd](Grads& g) { return Grads{g[0].flip(nd)}; });
  return out;
}

}  // namespace descent
