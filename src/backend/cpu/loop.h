#pragma once
// Strided element loops shared by the CPU kernels. A loop over N operands of one shape is
// reordered (output's largest stride outermost), adjacent dims are merged where every operand
// allows it, and the flat range is split across threads. The kernel body sees runs of the
// innermost dimension: (pointers, byte strides, count), so a contiguous run is a plain array loop
// the compiler can vectorise.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>

#include "descent/backend/parallel.h"
#include "descent/core/tensor.h"

namespace descent::backend::cpu {

inline constexpr int64_t kGrain = 32768;
inline constexpr int kMaxDims = 16;

template <int N>
struct LoopPlan {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];  // bytes; dim ndim-1 is the innermost
  int64_t numel = 1;
};

template <int N>
LoopPlan<N> make_plan(const Shape& shape, const std::array<const Tensor*, N>& ops) {
  LoopPlan<N> p;
  int nd = static_cast<int>(shape.size());
  DESCENT_CHECK(nd <= kMaxDims, "tensors of more than ", kMaxDims, " dims are not supported (got ", nd, ")");
  // Order dims by operand 0's stride, largest first, ties keep their order.
  int order[kMaxDims];
  const Shape& s0 = ops[0]->strides();
  int64_t key[kMaxDims];
  // Stable insertion sort (a handful of dims): std::stable_sort allocates a buffer on every call,
  // which showed up in the per-op overhead of small tensors.
  for (int k = 0; k < nd; ++k) {
    const int64_t kv = shape[k] == 1 ? INT64_MAX : std::abs(s0[k]);
    int j = k;
    for (; j > 0 && key[j - 1] < kv; --j) key[j] = key[j - 1], order[j] = order[j - 1];
    key[j] = kv, order[j] = k;
  }
  int m = 0;
  for (int k = 0; k < nd; ++k) {
    int d = order[k];
    if (shape[d] == 1) continue;
    p.sizes[m] = shape[d];
    for (int i = 0; i < N; ++i)
      p.strides[i][m] = ops[i]->strides()[d] * static_cast<int64_t>(ops[i]->element_size());
    ++m;
  }
  // Merge dim j into j-1 when every operand steps uniformly across both.
  int w = 0;
  for (int j = 0; j < m; ++j) {
    if (w > 0) {
      bool ok = true;
      for (int i = 0; i < N; ++i)
        if (p.strides[i][w - 1] != p.strides[i][j] * p.sizes[j]) { ok = false; break; }
      if (ok) {
        p.sizes[w - 1] *= p.sizes[j];
        for (int i = 0; i < N; ++i) p.strides[i][w - 1] = p.strides[i][j];
        continue;
      }
    }
    p.sizes[w] = p.sizes[j];
    for (int i = 0; i < N; ++i) p.strides[i][w] = p.strides[i][j];
    ++w;
  }
  if (w == 0) {  // scalar or all-ones shape: one element
    p.sizes[0] = 1;
    for (int i = 0; i < N; ++i) p.strides[i][0] = 0;
    w = 1;
  }
  p.ndim = w;
  p.numel = 1;
  for (int j = 0; j < w; ++j) p.numel *= p.sizes[j];
  if (shape_numel(shape) == 0) p.numel = 0;
  return p;
}

/// Runs body(char* ptrs[N], const int64_t inner_strides[N], int64_t n) over all elements.
template <int N, typename Body>
void for_each(const Shape& shape, const std::array<const Tensor*, N>& ops, int64_t grain, Body&& body) {
  LoopPlan<N> p = make_plan<N>(shape, ops);
  if (p.numel == 0) return;
  std::array<char*, N> base;
  for (int i = 0; i < N; ++i)
    base[i] = static_cast<char*>(ops[i]->raw_data());
  const int nd = p.ndim;
  const int64_t inner = p.sizes[nd - 1];
  int64_t inner_strides[N];
  for (int i = 0; i < N; ++i) inner_strides[i] = p.strides[i][nd - 1];

  auto run = [&](int64_t begin, int64_t end) {
    // multi-index of `begin`
    int64_t idx[kMaxDims];
    int64_t rem = begin;
    for (int j = nd - 1; j >= 0; --j) {
      idx[j] = rem % p.sizes[j];
      rem /= p.sizes[j];
    }
    char* ptr[N];
    for (int i = 0; i < N; ++i) {
      int64_t off = 0;
      for (int j = 0; j < nd; ++j) off += idx[j] * p.strides[i][j];
      ptr[i] = base[i] + off;
    }
    int64_t pos = begin;
    while (pos < end) {
      int64_t n = std::min(inner - idx[nd - 1], end - pos);
      body(ptr, inner_strides, n);
      pos += n;
      // advance the multi-index by n (n ends the inner run or the range)
      idx[nd - 1] += n;
      for (int i = 0; i < N; ++i) ptr[i] += n * inner_strides[i];
      for (int j = nd - 1; j > 0 && idx[j] == p.sizes[j]; --j) {
        idx[j] = 0;
        ++idx[j - 1];
        for (int i = 0; i < N; ++i) ptr[i] += p.strides[i][j - 1] - p.sizes[j] * p.strides[i][j];
      }
    }
  };
  parallel_for(0, p.numel, grain, run);
}

}  // namespace descent::backend::cpu
