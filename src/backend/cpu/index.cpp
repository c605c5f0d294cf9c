// Indexing CPU kernels: index_select, gather, scatter(_add), masked_select. Inputs to the first
// three are contiguous (ops make them so); indices are range-checked by the caller.
#include <cstring>
#include <vector>

#include "cpu_backend.h"
#include "loop.h"

namespace descent::backend::cpu {
namespace {

int64_t prod(const Shape& s, int64_t b, int64_t e) {
  int64_t p = 1;
  for (int64_t i = b; i < e; ++i) p *= s[size_t(i)];
  return p;
}

// Calls f(offset_a, offset_b, offset_c, coord_at_dim) for every multi-index of `shape`, where the
// offsets use the given element strides.
template <typename F>
void walk(const Shape& shape, const Shape& sa, const Shape& sb, const Shape& sc, int64_t dim, F f) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t n = shape_numel(shape);
  if (n == 0) return;
  std::vector<int64_t> idx(size_t(nd), 0);
  int64_t oa = 0, ob = 0, oc = 0;
  for (int64_t k = 0; k < n; ++k) {
    f(oa, ob, oc, nd ? idx[size_t(dim)] : 0);
    for (int64_t j = nd - 1; j >= 0; --j) {
      oa += sa[size_t(j)];
      ob += sb[size_t(j)];
      oc += sc[size_t(j)];
      if (++idx[size_t(j)] < shape[size_t(j)]) break;
      oa -= sa[size_t(j)] * shape[size_t(j)];
      ob -= sb[size_t(j)] * shape[size_t(j)];
      oc -= sc[size_t(j)] * shape[size_t(j)];
      idx[size_t(j)] = 0;
    }
  }
}

}  // namespace

void CpuBackend::index_select(const Tensor& in, int64_t dim, const Tensor& index, const Tensor& out) {
  const int64_t outer = prod(in.sizes(), 0, dim), inner = prod(in.sizes(), dim + 1, in.dim());
  const int64_t L = in.size(dim), n = index.numel();
  const size_t es = in.element_size();
  const char* src = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  const int64_t* ip = index.data_ptr<int64_t>();
  parallel_for(0, outer * n, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / n, j = t % n;
      std::memcpy(dst + size_t((o * n + j) * inner) * es, src + size_t((o * L + ip[j]) * inner) * es, size_t(inner) * es);
    }
  });
}

void CpuBackend::gather(const Tensor& in, int64_t dim, const Tensor& index, const Tensor& out) {
  const int64_t* ip = index.data_ptr<int64_t>();
  const int64_t ds = in.stride(dim);
  DESCENT_DISPATCH_ALL(in.dtype(), "gather", [&] {
    const scalar_t* src = static_cast<const scalar_t*>(in.raw_data());
    scalar_t* dst = static_cast<scalar_t*>(out.raw_data());
    Shape sin = in.strides();
    sin[size_t(dim)] = 0;  // the coordinate along dim comes from the index
    walk(index.sizes(), out.strides(), index.strides(), sin, dim, [&](int64_t oo, int64_t io, int64_t so, int64_t) {
      dst[oo] = src[so + ip[io] * ds];
    });
  });
}

void CpuBackend::scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate) {
  const int64_t* ip = index.data_ptr<int64_t>();
  const int64_t ds = out.stride(dim);
  DESCENT_DISPATCH_ALL(out.dtype(), "scatter", [&] {
    const scalar_t* sp = static_cast<const scalar_t*>(src.raw_data());
    scalar_t* dst = static_cast<scalar_t*>(out.raw_data());
    Shape sout = out.strides();
    sout[size_t(dim)] = 0;
    walk(index.sizes(), sout, index.strides(), src.strides(), dim, [&](int64_t oo, int64_t io, int64_t so, int64_t) {
      scalar_t& d = dst[oo + ip[io] * ds];
      if (accumulate) {
        if constexpr (std::is_same_v<scalar_t, bool>) d = d || sp[so];
        else d = static_cast<scalar_t>(d + sp[so]);
      } else {
        d = sp[so];
      }
    });
  });
}

void CpuBackend::masked_select(const Tensor& in, const Tensor& mask, const Tensor& out) {
  const size_t es = in.element_size();
  const char* src = static_cast<const char*>(in.raw_data());
  const bool* mp = mask.data_ptr<bool>();
  char* dst = static_cast<char*>(out.raw_data());
  int64_t k = 0;
  walk(in.sizes(), in.strides(), mask.strides(), in.strides(), 0, [&](int64_t io, int64_t mo, int64_t, int64_t) {
    if (mp[mo]) std::memcpy(dst + size_t(k++) * es, src + size_t(io) * es, es);
  });
}

}  // namespace descent::backend::cpu
