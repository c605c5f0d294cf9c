// Max pooling CPU kernels (2-D, with indices), forward and backward, for NCHW and channels-last
// (NHWC) activations.
//
// Fast kernels pick the loop order from the memory format: NCHW walks one (n, c) plane at a time
// (planes in parallel); NHWC keeps the channel loop innermost so each window step is a contiguous
// vector over C (images in parallel). 2x2 stride-2 windows have AVX-512 forms. Reference kernels are
// one plain loop per output element over the tensors' own strides; tests compare the two.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <limits>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu_backend.h"
#include "cpu_features.h"
#include "descent/backend/parallel.h"
#include "window.h"
#include "pool_geometry.h"

namespace descent::backend::cpu {
namespace {

using namespace pooling;

// Indices share the pooled tensor's shape and memory layout.
void check_indices(const Tensor& indices, const Tensor& out, const char* kernel) {
  const MemoryFormat f = is_cl(out) ? MemoryFormat::ChannelsLast : MemoryFormat::Contiguous;
  DESCENT_CHECK(indices.dtype() == DType::Int64 && indices.sizes() == out.sizes() && indices.is_contiguous(f), kernel,
                ": indices must be int64, dense, with the pooled tensor's shape ", out.sizes(), " and layout; got ",
                indices.dtype(), " ", indices.sizes(), " strides ", indices.strides());
}

// ---- window arithmetic ----
// Max pooling rows covered by output row o: start, end (exclusive) and the first in-range tap.
struct Taps {
  int64_t first, step, last;  // input coordinates first, first+step, ... < last
};
inline Taps max_taps(int64_t o, int64_t s, int64_t p, int64_t k, int64_t d, int64_t in) {
  int64_t start = o * s - p;
  const int64_t end = std::min(start + (k - 1) * d + 1, in);
  while (start < 0) start += d;
  return {start, d, end};
}

template <typename T>
inline bool better(T v, T best) {
  return v > best || std::isnan(v);
}

// A data-dependent select the compiler cannot turn back into a branch: random inputs make the
// max-pooling comparison a coin flip, and mispredicted branches dominated the indexed kernels.
template <typename T>
inline void update_max(T v, int64_t idx, T& best, int64_t& bi) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const bool upd = (v > best) | (v != v);
  const U mu = U(0) - U(upd);
  const uint64_t mi = uint64_t(0) - uint64_t(upd);
  best = std::bit_cast<T>(U((std::bit_cast<U>(v) & mu) | (std::bit_cast<U>(best) & ~mu)));
  bi = int64_t((uint64_t(idx) & mi) | (uint64_t(bi) & ~mi));
}

// max with NaN winning, without a branch (vectorisable): values-only pooling uses it.
template <typename T>
inline T nan_max(T v, T best) {
  return ((v > best) | (v != v)) ? v : best;
}

// Max pooling of one NCHW plane with the taps outermost and the output columns innermost, so the
// inner loop is a branch-free vector loop. Each output still sees its taps in PyTorch's order (rows,
// then columns), so ties and NaNs pick the same index.
template <typename T, bool kIdx>
void max_plane(const T* xp, T* yp, int64_t* ip, const PGeom& g, const Window2d& w) {
  for (int64_t oh = 0; oh < g.Ho; ++oh) {
    T* yr = yp + oh * g.Wo;
    int64_t* ir = kIdx ? ip + oh * g.Wo : nullptr;
    const Taps th = max_taps(oh, w.sh, w.ph, w.kh, w.dh, g.H);
    for (int64_t ow = 0; ow < g.Wo; ++ow) {
      yr[ow] = -std::numeric_limits<T>::infinity();
      if constexpr (kIdx) ir[ow] = th.first * g.W + max_taps(ow, w.sw, w.pw, w.kw, w.dw, g.W).first;
    }
    for (int64_t ih = th.first; ih < th.last; ih += th.step)
      for (int64_t j = 0; j < w.kw; ++j) {
        int64_t lo, hi;
        valid_range(g.Wo, g.W, w.sw, w.pw, j * w.dw, lo, hi);
        const int64_t base = ih * g.W - w.pw + j * w.dw;  // input index of output column 0
        const T* src = xp + base;
        const int64_t sw = w.sw;
        if constexpr (kIdx) {
          for (int64_t ow = lo; ow < hi; ++ow) update_max(src[ow * sw], base + ow * sw, yr[ow], ir[ow]);
        } else if (sw == 1) {
          for (int64_t ow = lo; ow < hi; ++ow) yr[ow] = nan_max(src[ow], yr[ow]);
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) yr[ow] = nan_max(src[ow * sw], yr[ow]);
        }
      }
  }
}

// The common 2x2 window with stride 2, no padding or dilation, every window inside the plane (no
// ceil_mode overhang): each output compares its four taps in PyTorch's order (row 0 left, right,
// row 1 left, right) without the general loop's window arithmetic.
bool is_2x2_s2(const PGeom& g, const Window2d& w) {
  return w.kh == 2 && w.kw == 2 && w.sh == 2 && w.sw == 2 && w.ph == 0 && w.pw == 0 && w.dh == 1 && w.dw == 1 &&
         2 * g.Ho <= g.H && 2 * g.Wo <= g.W;
}

template <typename T, bool kIdx>
void max_plane_2x2(const T* xp, T* yp, int64_t* ip, const PGeom& g) {
  for (int64_t oh = 0; oh < g.Ho; ++oh) {
    const T* r0 = xp + 2 * oh * g.W;
    const T* r1 = r0 + g.W;
    T* yr = yp + oh * g.Wo;
    if constexpr (kIdx) {
      int64_t* ir = ip + oh * g.Wo;
      const int64_t base = 2 * oh * g.W;
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        // The first tap always wins against the initial -inf (or equals it, keeping its index).
        const int64_t i0 = base + 2 * ow;
        T best = r0[2 * ow];
        int64_t bi = i0;
        update_max(r0[2 * ow + 1], i0 + 1, best, bi);
        update_max(r1[2 * ow], i0 + g.W, best, bi);
        update_max(r1[2 * ow + 1], i0 + g.W + 1, best, bi);
        yr[ow] = best;
        ir[ow] = bi;
      }
    } else {
      for (int64_t ow = 0; ow < g.Wo; ++ow)
        yr[ow] = nan_max(r1[2 * ow + 1], nan_max(r1[2 * ow], nan_max(r0[2 * ow + 1], r0[2 * ow])));
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12 warns about the _mm512_undefined_* placeholders inside its own intrinsics headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// AVX-512 form of max_plane_2x2 for float32, picked at run time (the library is built for plain
// x86-64). 16 outputs per step: the two input rows' 32 floats are split into even and odd
// columns, the four taps compared in the same order with the same NaN rule, and the winning tap
// (0..3) turned into the flat index i0 + {0, 1, W, W + 1}. Rows shorter than 16 outputs use masks.
__attribute__((target("avx512f"))) void max_plane_2x2_avx512(const float* xp, float* yp, int64_t* ip,
                                                              const PGeom& g) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i lane2 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i offW = _mm512_set1_epi32(int32_t(g.W));
  for (int64_t oh = 0; oh < g.Ho; ++oh) {
    const float* r0 = xp + 2 * oh * g.W;
    const float* r1 = r0 + g.W;
    float* yr = yp + oh * g.Wo;
    int64_t* ir = ip ? ip + oh * g.Wo : nullptr;
    const int64_t base = 2 * oh * g.W;
    for (int64_t ow = 0; ow < g.Wo; ow += 16) {
      const int64_t n = std::min<int64_t>(16, g.Wo - ow), m2 = 2 * n;  // outputs, input floats per row
      const __mmask16 klo = __mmask16(m2 >= 16 ? 0xffff : (1u << m2) - 1);
      const __mmask16 khi = __mmask16(m2 <= 16 ? 0 : m2 >= 32 ? 0xffff : (1u << (m2 - 16)) - 1);
      const __mmask16 kout = __mmask16(n >= 16 ? 0xffff : (1u << n) - 1);
      const __m512 a0 = _mm512_maskz_loadu_ps(klo, r0 + 2 * ow), a1 = _mm512_maskz_loadu_ps(khi, r0 + 2 * ow + 16);
      const __m512 b0 = _mm512_maskz_loadu_ps(klo, r1 + 2 * ow), b1 = _mm512_maskz_loadu_ps(khi, r1 + 2 * ow + 16);
      const __m512 t[4] = {_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1),
                           _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1)};
      __m512 best = t[0];
      __m512i tap = _mm512_setzero_si512();
      for (int k = 1; k < 4; ++k) {
        const __mmask16 upd = _mm512_cmp_ps_mask(t[k], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(t[k], t[k], _CMP_UNORD_Q);
        best = _mm512_mask_blend_ps(upd, best, t[k]);
        tap = _mm512_mask_blend_epi32(upd, tap, _mm512_set1_epi32(k));
      }
      _mm512_mask_storeu_ps(yr + ow, kout, best);
      if (!ir) continue;
      // offset within the window: (tap & 1) + (tap >> 1) * W, plus 2 * lane
      const __m512i off = _mm512_add_epi32(
          _mm512_add_epi32(_mm512_and_si512(tap, _mm512_set1_epi32(1)),
                           _mm512_mullo_epi32(_mm512_srli_epi32(tap, 1), offW)),
          lane2);
      const __m512i b64 = _mm512_set1_epi64(base + 2 * ow);
      const __m512i lo = _mm512_add_epi64(b64, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(off)));
      const __m512i hi = _mm512_add_epi64(b64, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(off, 1)));
      _mm512_mask_storeu_epi64(ir + ow, __mmask8(kout & 0xff), lo);
      _mm512_mask_storeu_epi64(ir + ow + 8, __mmask8(kout >> 8), hi);
    }
  }
}

// Backward of one plane where every index lies in its own 2x2 block (output (oh, ow) owns input
// rows 2oh, 2oh+1 and columns 2ow, 2ow+1), as a 2x2 / stride-2 pool produces: then each input
// element receives the gradient of at most one output, so the plane is written once, block by
// block, the gradient at the index and 0 at the other three, instead of zero-filled and then
// scattered into. Returns false, having written part of the plane, as soon as an index lies
// outside its block (another pooling window); the caller then redoes the plane the general way.
// Inputs past 2*Ho rows or 2*Wo columns receive 0.
__attribute__((target("avx512f"))) bool max_bwd_plane_2x2_avx512(const float* gp, const int64_t* ip, float* dp,
                                                                  const PGeom& g) {
  // Interleave two 16-lane vectors a, b into a0 b0 a1 b1 ... (low 16 and high 16 results).
  const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ihi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const __m512i two_lane = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  const __m512i step16 = _mm512_set1_epi64(16);
  const __m512i one = _mm512_set1_epi64(1), w64 = _mm512_set1_epi64(g.W), w1 = _mm512_set1_epi64(g.W + 1);
  for (int64_t oh = 0; oh < g.Ho; ++oh) {
    float* r0 = dp + 2 * oh * g.W;
    float* r1 = r0 + g.W;
    const float* gr = gp + oh * g.Wo;
    const int64_t* ir = ip + oh * g.Wo;
    for (int64_t ow = 0; ow < g.Wo; ow += 16) {
      const int64_t n = std::min<int64_t>(16, g.Wo - ow), m2 = 2 * n;
      const __mmask16 kout = __mmask16(n >= 16 ? 0xffff : (1u << n) - 1);
      const __mmask16 klo = __mmask16(m2 >= 16 ? 0xffff : (1u << m2) - 1);
      const __mmask16 khi = __mmask16(m2 <= 16 ? 0 : m2 >= 32 ? 0xffff : (1u << (m2 - 16)) - 1);
      // Top-left corner of each output's block: 2oh*W + 2(ow + lane).
      const __m512i e_lo = _mm512_add_epi64(_mm512_set1_epi64(2 * oh * g.W + 2 * ow), two_lane);
      const __m512i e_hi = _mm512_add_epi64(e_lo, step16);
      const __m512i x_lo = _mm512_maskz_loadu_epi64(__mmask8(kout & 0xff), ir + ow);
      const __m512i x_hi = _mm512_maskz_loadu_epi64(__mmask8(kout >> 8), ir + ow + 8);
      const __m512i d_lo = _mm512_sub_epi64(x_lo, e_lo), d_hi = _mm512_sub_epi64(x_hi, e_hi);
#define DESCENT_TAP(off) \
  __mmask16(_mm512_cmpeq_epi64_mask(d_lo, off) | (unsigned(_mm512_cmpeq_epi64_mask(d_hi, off)) << 8))
      const __mmask16 t0 = DESCENT_TAP(_mm512_setzero_si512()), t1 = DESCENT_TAP(one), t2 = DESCENT_TAP(w64),
                      t3 = DESCENT_TAP(w1);
#undef DESCENT_TAP
      if (__mmask16(t0 | t1 | t2 | t3) != kout) return false;
      const __m512 gv = _mm512_maskz_loadu_ps(kout, gr + ow);
      const __m512 v0 = _mm512_maskz_mov_ps(t0, gv), v1 = _mm512_maskz_mov_ps(t1, gv);
      const __m512 v2 = _mm512_maskz_mov_ps(t2, gv), v3 = _mm512_maskz_mov_ps(t3, gv);
      _mm512_mask_storeu_ps(r0 + 2 * ow, klo, _mm512_permutex2var_ps(v0, ilo, v1));
      _mm512_mask_storeu_ps(r0 + 2 * ow + 16, khi, _mm512_permutex2var_ps(v0, ihi, v1));
      _mm512_mask_storeu_ps(r1 + 2 * ow, klo, _mm512_permutex2var_ps(v2, ilo, v3));
      _mm512_mask_storeu_ps(r1 + 2 * ow + 16, khi, _mm512_permutex2var_ps(v2, ihi, v3));
    }
    for (int64_t w = 2 * g.Wo; w < g.W; ++w) r0[w] = r1[w] = 0.f;
  }
  std::fill(dp + 2 * g.Ho * g.W, dp + g.H * g.W, 0.f);
  return true;
}

// Channels-last 2x2 / stride-2 max with indices for one output row (n, oh), AVX-512, 16 channels per
// step: the four taps of an output are four contiguous channel vectors, compared in the same order
// with the same NaN rule as max_plane_2x2; each tap's flat index h * W + w is the same for every
// channel, so the winner's index is a blend of four broadcasts.
__attribute__((target("avx512f"))) void max_row_2x2_nhwc_avx512(const float* xn, float* yr, int64_t* ir,
                                                                 int64_t oh, const PGeom& g) {
  const int64_t C = g.C;
  for (int64_t ow = 0; ow < g.Wo; ++ow) {
    const float* p[4];
    p[0] = xn + ((2 * oh) * g.W + 2 * ow) * C, p[1] = p[0] + C, p[2] = p[0] + g.W * C, p[3] = p[2] + C;
    const int64_t base = 2 * oh * g.W + 2 * ow;
    const __m512i idx[4] = {_mm512_set1_epi64(base), _mm512_set1_epi64(base + 1), _mm512_set1_epi64(base + g.W),
                            _mm512_set1_epi64(base + g.W + 1)};
    float* y = yr + ow * C;
    int64_t* iy = ir + ow * C;
    for (int64_t c = 0; c < C; c += 16) {
      const __mmask16 m = C - c >= 16 ? __mmask16(0xffff) : __mmask16((1u << (C - c)) - 1);
      __m512 best = _mm512_maskz_loadu_ps(m, p[0] + c);
      __m512i lo = idx[0], hi = idx[0];
      for (int k = 1; k < 4; ++k) {
        const __m512 v = _mm512_maskz_loadu_ps(m, p[k] + c);
        const __mmask16 upd = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        best = _mm512_mask_blend_ps(upd, best, v);
        lo = _mm512_mask_blend_epi64(__mmask8(upd & 0xff), lo, idx[k]);
        hi = _mm512_mask_blend_epi64(__mmask8(upd >> 8), hi, idx[k]);
      }
      _mm512_mask_storeu_ps(y + c, m, best);
      _mm512_mask_storeu_epi64(iy + c, __mmask8(m & 0xff), lo);
      _mm512_mask_storeu_epi64(iy + c + 8, __mmask8(m >> 8), hi);
    }
  }
}

// Channels-last form of max_bwd_plane_2x2_avx512 for one image [H, W, C]: every output's 16-channel
// index vector is matched against its block's four flat positions and the gradient written to the
// four input pixels (0 where another tap won). False, part-written, when an index leaves its block.
__attribute__((target("avx512f"))) bool max_bwd_image_2x2_nhwc_avx512(const float* gn, const int64_t* in_, float* dn,
                                                                       const PGeom& g) {
  const int64_t C = g.C;
  for (int64_t oh = 0; oh < g.Ho; ++oh) {
    for (int64_t ow = 0; ow < g.Wo; ++ow) {
      const int64_t base = 2 * oh * g.W + 2 * ow;
      const __m512i b0 = _mm512_set1_epi64(base), b1 = _mm512_set1_epi64(base + 1), b2 = _mm512_set1_epi64(base + g.W),
                    b3 = _mm512_set1_epi64(base + g.W + 1);
      const float* gp = gn + (oh * g.Wo + ow) * C;
      const int64_t* ip = in_ + (oh * g.Wo + ow) * C;
      float* d0 = dn + base * C;
      float *d1 = d0 + C, *d2 = d0 + g.W * C, *d3 = d2 + C;
      for (int64_t c = 0; c < C; c += 16) {
        const __mmask16 m = C - c >= 16 ? __mmask16(0xffff) : __mmask16((1u << (C - c)) - 1);
        const __m512i lo = _mm512_maskz_loadu_epi64(__mmask8(m & 0xff), ip + c);
        const __m512i hi = _mm512_maskz_loadu_epi64(__mmask8(m >> 8), ip + c + 8);
#define DESCENT_TAP(b) __mmask16(_mm512_cmpeq_epi64_mask(lo, b) | (unsigned(_mm512_cmpeq_epi64_mask(hi, b)) << 8))
        const __mmask16 t0 = DESCENT_TAP(b0), t1 = DESCENT_TAP(b1), t2 = DESCENT_TAP(b2), t3 = DESCENT_TAP(b3);
#undef DESCENT_TAP
        if (__mmask16((t0 | t1 | t2 | t3) & m) != m) return false;
        const __m512 gv = _mm512_maskz_loadu_ps(m, gp + c);
        _mm512_mask_storeu_ps(d0 + c, m, _mm512_maskz_mov_ps(t0, gv));
        _mm512_mask_storeu_ps(d1 + c, m, _mm512_maskz_mov_ps(t1, gv));
        _mm512_mask_storeu_ps(d2 + c, m, _mm512_maskz_mov_ps(t2, gv));
        _mm512_mask_storeu_ps(d3 + c, m, _mm512_maskz_mov_ps(t3, gv));
      }
    }
    // Columns past 2 * Wo of this block row receive nothing.
    for (int64_t r = 2 * oh; r < 2 * oh + 2; ++r)
      std::fill(dn + (r * g.W + 2 * g.Wo) * C, dn + (r + 1) * g.W * C, 0.f);
  }
  std::fill(dn + 2 * g.Ho * g.W * C, dn + g.H * g.W * C, 0.f);
  return true;
}

#pragma GCC diagnostic pop

bool has_avx512() { return cpu_avx512(); }
#else
inline bool has_avx512() { return false; }
inline void max_plane_2x2_avx512(const float*, float*, int64_t*, const PGeom&) {}
inline bool max_bwd_plane_2x2_avx512(const float*, const int64_t*, float*, const PGeom&) { return false; }
inline void max_row_2x2_nhwc_avx512(const float*, float*, int64_t*, int64_t, const PGeom&) {}
inline bool max_bwd_image_2x2_nhwc_avx512(const float*, const int64_t*, float*, const PGeom&) { return false; }
#endif

// The 2x2 / stride-2 plane kernel for T, vectorised where the CPU allows.
template <typename T, bool kIdx>
void max_plane_2x2_best(const T* xp, T* yp, int64_t* ip, const PGeom& g) {
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512()) return max_plane_2x2_avx512(xp, yp, kIdx ? ip : nullptr, g);
  }
  max_plane_2x2<T, kIdx>(xp, yp, ip, g);
}

// Values only (indices undefined): no index bookkeeping, branch-free maxima.
template <typename T>
void max_fwd_values(const T* x, T* y, const PGeom& g, const Window2d& w) {
  constexpr T lowest = -std::numeric_limits<T>::infinity();
  if (!g.cl) {
    const bool k2 = is_2x2_s2(g, w);
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        if (k2) max_plane_2x2_best<T, false>(x + nc * g.H * g.W, y + nc * g.Ho * g.Wo, nullptr, g);
        else max_plane<T, false>(x + nc * g.H * g.W, y + nc * g.Ho * g.Wo, nullptr, g, w);
      }
    });
    return;
  }
  parallel_for(0, g.N * g.Ho, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t nh = lo; nh < hi; ++nh) {
      const int64_t n = nh / g.Ho, oh = nh % g.Ho;
      const T* xn = x + n * g.H * g.W * g.C;
      const Taps th = max_taps(oh, w.sh, w.ph, w.kh, w.dh, g.H);
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        const Taps tw = max_taps(ow, w.sw, w.pw, w.kw, w.dw, g.W);
        T* yp = y + at(g, n, 0, oh, ow, g.Ho, g.Wo);
        for (int64_t c = 0; c < g.C; ++c) yp[c] = lowest;
        for (int64_t ih = th.first; ih < th.last; ih += th.step)
          for (int64_t iw = tw.first; iw < tw.last; iw += tw.step) {
            const T* xp = xn + (ih * g.W + iw) * g.C;
            for (int64_t c = 0; c < g.C; ++c) yp[c] = nan_max(xp[c], yp[c]);
          }
      }
    }
  });
}

template <typename T>
void max_fwd(const Tensor& in, const Tensor& out, const Tensor& indices, const Window2d& w, bool ref) {
  const PGeom g = make_pgeom(in, out, "max_pool2d kernel");
  const T* x = static_cast<const T*>(in.raw_data());
  T* y = static_cast<T*>(out.raw_data());
  if (!indices.defined() && !ref) return max_fwd_values(x, y, g, w);
  int64_t* ix = indices.defined() ? static_cast<int64_t*>(indices.raw_data()) : nullptr;
  if (ref) {
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        const int64_t n = nc / g.C, c = nc % g.C;
        for (int64_t oh = 0; oh < g.Ho; ++oh)
          for (int64_t ow = 0; ow < g.Wo; ++ow) {
            const Taps th = max_taps(oh, w.sh, w.ph, w.kh, w.dh, g.H), tw = max_taps(ow, w.sw, w.pw, w.kw, w.dw, g.W);
            T best = -std::numeric_limits<T>::infinity();
            int64_t bi = th.first * g.W + tw.first;
            for (int64_t ih = th.first; ih < th.last; ih += th.step)
              for (int64_t iw = tw.first; iw < tw.last; iw += tw.step) {
                const T v = x[in.stride(0) * n + in.stride(1) * c + in.stride(2) * ih + in.stride(3) * iw];
                if (better(v, best)) best = v, bi = ih * g.W + iw;
              }
            const int64_t o = out.stride(0) * n + out.stride(1) * c + out.stride(2) * oh + out.stride(3) * ow;
            y[o] = best;
            if (ix)
              ix[indices.stride(0) * n + indices.stride(1) * c + indices.stride(2) * oh + indices.stride(3) * ow] = bi;
          }
      }
    });
    return;
  }
  if (!g.cl) {
    const bool k2 = is_2x2_s2(g, w);
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        if (k2) max_plane_2x2_best<T, true>(x + nc * g.H * g.W, y + nc * g.Ho * g.Wo, ix + nc * g.Ho * g.Wo, g);
        else max_plane<T, true>(x + nc * g.H * g.W, y + nc * g.Ho * g.Wo, ix + nc * g.Ho * g.Wo, g, w);
      }
    });
    return;
  }
  bool k2 = false;
  if constexpr (std::is_same_v<T, float>) k2 = has_avx512() && is_2x2_s2(g, w);
  parallel_for(0, g.N * g.Ho, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t nh = lo; nh < hi; ++nh) {
      const int64_t n = nh / g.Ho, oh = nh % g.Ho;
      const T* xn = x + n * g.H * g.W * g.C;
      if constexpr (std::is_same_v<T, float>) {
        if (k2) {
          max_row_2x2_nhwc_avx512(xn, y + at(g, n, 0, oh, 0, g.Ho, g.Wo), ix + at(g, n, 0, oh, 0, g.Ho, g.Wo), oh, g);
          continue;
        }
      }
      const Taps th = max_taps(oh, w.sh, w.ph, w.kh, w.dh, g.H);
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        const Taps tw = max_taps(ow, w.sw, w.pw, w.kw, w.dw, g.W);
        T* yp = y + at(g, n, 0, oh, ow, g.Ho, g.Wo);
        int64_t* ip = ix + at(g, n, 0, oh, ow, g.Ho, g.Wo);
        const int64_t i0 = th.first * g.W + tw.first;
        for (int64_t c = 0; c < g.C; ++c) yp[c] = -std::numeric_limits<T>::infinity(), ip[c] = i0;
        for (int64_t ih = th.first; ih < th.last; ih += th.step)
          for (int64_t iw = tw.first; iw < tw.last; iw += tw.step) {
            const T* xp = xn + (ih * g.W + iw) * g.C;
            const int64_t idx = ih * g.W + iw;
            for (int64_t c = 0; c < g.C; ++c) update_max(xp[c], idx, yp[c], ip[c]);
          }
      }
    }
  });
}

template <typename T>
void max_bwd(const Tensor& grad_out, const Tensor& indices, const Tensor& grad_in, bool ref) {
  const PGeom g = make_pgeom(grad_in, grad_out, "max_pool2d_backward kernel");
  const T* dy = static_cast<const T*>(grad_out.raw_data());
  const int64_t* ix = static_cast<const int64_t*>(indices.raw_data());
  T* dx = static_cast<T*>(grad_in.raw_data());
  const int64_t plane = g.H * g.W;
  if (ref) {
    // Per (n, c): zero the plane, then scatter.
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        const int64_t n = nc / g.C, c = nc % g.C;
        auto dxe = [&](int64_t h, int64_t w) -> T& {
          return dx[grad_in.stride(0) * n + grad_in.stride(1) * c + grad_in.stride(2) * h + grad_in.stride(3) * w];
        };
        for (int64_t h = 0; h < g.H; ++h)
          for (int64_t w = 0; w < g.W; ++w) dxe(h, w) = T(0);
        for (int64_t oh = 0; oh < g.Ho; ++oh)
          for (int64_t ow = 0; ow < g.Wo; ++ow) {
            const int64_t k = ix[indices.stride(0) * n + indices.stride(1) * c + indices.stride(2) * oh +
                                 indices.stride(3) * ow];
            if (k < 0 || k >= plane) continue;
            dxe(k / g.W, k % g.W) +=
                dy[grad_out.stride(0) * n + grad_out.stride(1) * c + grad_out.stride(2) * oh + grad_out.stride(3) * ow];
          }
      }
    });
    return;
  }
  const int64_t oplane = g.Ho * g.Wo;
  if (!g.cl) {
    bool blocks = false;
    if constexpr (std::is_same_v<T, float>) blocks = has_avx512() && 2 * g.Ho <= g.H && 2 * g.Wo <= g.W;
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        T* dp = dx + nc * plane;
        if constexpr (std::is_same_v<T, float>)
          if (blocks && max_bwd_plane_2x2_avx512(dy + nc * oplane, ix + nc * oplane, dp, g)) continue;
        std::fill(dp, dp + plane, T(0));
        const T* gp = dy + nc * oplane;
        const int64_t* ip = ix + nc * oplane;
        for (int64_t k = 0; k < oplane; ++k)
          if (ip[k] >= 0 && ip[k] < plane) dp[ip[k]] += gp[k];
      }
    });
    return;
  }
  bool blocks = false;
  if constexpr (std::is_same_v<T, float>) blocks = has_avx512() && 2 * g.Ho <= g.H && 2 * g.Wo <= g.W;
  parallel_for(0, g.N, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t n = lo; n < hi; ++n) {
      T* dn = dx + n * plane * g.C;
      const T* gn = dy + n * oplane * g.C;
      const int64_t* in_ = ix + n * oplane * g.C;
      if constexpr (std::is_same_v<T, float>)
        if (blocks && max_bwd_image_2x2_nhwc_avx512(gn, in_, dn, g)) continue;
      std::fill(dn, dn + plane * g.C, T(0));
      for (int64_t k = 0; k < oplane; ++k)
        for (int64_t c = 0; c < g.C; ++c) {
          const int64_t i = in_[k * g.C + c];
          if (i >= 0 && i < plane) dn[i * g.C + c] += gn[k * g.C + c];
        }
    }
  });
}

}  // namespace

void CpuBackend::max_pool2d(const Tensor& in, const Tensor& out, const Tensor& indices, const Window2d& w,
                            KernelImpl impl) {
  if (indices.defined()) check_indices(indices, out, "max_pool2d kernel");
  const bool ref = impl == KernelImpl::Reference;
  if (in.dtype() == DType::Float32) max_fwd<float>(in, out, indices, w, ref);
  else max_fwd<double>(in, out, indices, w, ref);
}

void CpuBackend::max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& grad_in,
                                     KernelImpl impl) {
  check_indices(indices, grad_out, "max_pool2d_backward kernel");
  const bool ref = impl == KernelImpl::Reference;
  if (grad_in.dtype() == DType::Float32) max_bwd<float>(grad_out, indices, grad_in, ref);
  else max_bwd<double>(grad_out, indices, grad_in, ref);
}

}  // namespace descent::backend::cpu
