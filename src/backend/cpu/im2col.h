#pragma once
// Lowering a convolution to GEMM (private to src/backend/cpu): the geometry of one call, and
// im2col / col2im for NCHW (one image and group: cols [Cg*kh*kw, Ho*Wo]) and NHWC (one image:
// cols [Ho*Wo, G*kh*kw*Cg]) activations, with the AVX-512 flat form for unit-stride "same"-width
// convolutions (FlatCols). conv.cpp chooses between these, Winograd and the reference loops.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "cpu_features.h"
#include "window.h"

namespace descent::backend::cpu {

/// One convolution: N images of C x H x W, O output channels of Ho x Wo, G groups of Cg inputs and
/// Og outputs, a kh x kw window with strides, leading padding and dilation.
struct Geom {
  int64_t N, C, H, W, O, Ho, Wo, G, Cg, Og, kh, kw, sh, sw, ph, pw, dh, dw;
  bool cl;  // activations are channels-last
  int64_t kk() const { return kh * kw; }
  bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
};

// ---- NCHW im2col / col2im for one image and one group: cols [Cg*kh*kw, Ho*Wo], rows ld apart ----
// Rows are short (Wo elements), so plain loops the compiler vectorises beat memcpy/memset calls.
template <typename T>
void im2col_nchw(const T* x, T* cols, const Geom& g, int64_t ld) {
  const int64_t HoWo = g.Ho * g.Wo, Wo = g.Wo, sw = g.sw;
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t i = 0; i < g.kh; ++i) {
      int64_t oh_lo, oh_hi;
      valid_range(g.Ho, g.H, g.sh, g.ph, i * g.dh, oh_lo, oh_hi);
      for (int64_t j = 0; j < g.kw; ++j) {
        T* row = cols + ((c * g.kh + i) * g.kw + j) * ld;
        int64_t ow_lo, ow_hi;
        valid_range(g.Wo, g.W, g.sw, g.pw, j * g.dw, ow_lo, ow_hi);
        for (int64_t p = 0; p < oh_lo * Wo; ++p) row[p] = T(0);
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
          T* r = row + oh * Wo;
          const T* src = x + (c * g.H + oh * g.sh - g.ph + i * g.dh) * g.W - g.pw + j * g.dw;
          for (int64_t ow = 0; ow < ow_lo; ++ow) r[ow] = T(0);
          if (sw == 1) {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) r[ow] = src[ow];
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) r[ow] = src[ow * sw];
          }
          for (int64_t ow = ow_hi; ow < Wo; ++ow) r[ow] = T(0);
        }
        for (int64_t p = oh_hi * Wo; p < HoWo; ++p) row[p] = T(0);
      }
    }
}

// ---- Flat AVX-512 im2col / col2im: float, unit strides, Wo == W (e.g. 3x3 "same" convolutions) ----
// Then the cols row of tap (c, i, j), read as one flat run of Ho*Wo positions p = oh*W + ow, is the
// input plane shifted by (i*dh - ph)*W + (j*dw - pw): src[p] = x_c[p + shift]. It only needs zeros
// where the tap falls into the padding: columns ow outside the tap's valid range (where the flat
// shift wraps into the neighbouring row) and rows oh outside it. Those are fixed per tap, so one
// call precomputes a 16-lane mask per (tap, 16-position chunk); each chunk of a row is then one
// masked load (masked-off lanes read nothing: no fault even where the address lies outside the
// plane) and one store, instead of the general loops' per-output-row set-up (rows are 14 or 28 long
// here, so that set-up dominated). col2im adds the chunks back with masked loads and stores.
class FlatCols {
 public:
  FlatCols(const Geom& g, bool is_float) : g_(g) {
#if defined(__x86_64__) && defined(__GNUC__)
    ok_ = is_float && g.sh == 1 && g.sw == 1 && g.Wo == g.W && cpu_avx512();
#endif
    if (ok_) tables_ = tables_for(g);
  }
  /// True when this geometry takes the flat path (float callers only).
  bool ok() const { return ok_; }
  void im2col(const float* x, float* cols, int64_t ld) const;
  void col2im(const float* cols, float* dx, int64_t ld) const;

 private:
  // Per tap: its flat shift and its masks, nchunk per tap. They depend on the geometry only, and
  // building them walks every position of every tap (as long as a batch-1 im2col), so each thread
  // keeps the last few geometries' tables.
  struct Tables {
    int64_t key[10];
    int64_t nchunk;
    std::vector<uint16_t> masks;
    std::vector<int64_t> shifts;
  };
  static std::shared_ptr<const Tables> tables_for(const Geom& g) {
    const int64_t key[10] = {g.H, g.W, g.Ho, g.Wo, g.kh, g.kw, g.ph, g.pw, g.dh, g.dw};
    thread_local std::vector<std::shared_ptr<const Tables>> cache;
    for (const auto& t : cache)
      if (std::equal(key, key + 10, t->key)) return t;
    auto t = std::make_shared<Tables>();
    std::copy(key, key + 10, t->key);
    const int64_t HoWo = g.Ho * g.Wo;
    t->nchunk = (HoWo + 15) / 16;
    t->masks.assign(size_t(g.kk() * t->nchunk), 0);
    t->shifts.resize(size_t(g.kk()));
    for (int64_t i = 0; i < g.kh; ++i) {
      int64_t oh_lo, oh_hi, ow_lo, ow_hi;
      valid_range(g.Ho, g.H, 1, g.ph, i * g.dh, oh_lo, oh_hi);
      for (int64_t j = 0; j < g.kw; ++j) {
        valid_range(g.Wo, g.W, 1, g.pw, j * g.dw, ow_lo, ow_hi);
        const int64_t tap = i * g.kw + j;
        t->shifts[size_t(tap)] = (i * g.dh - g.ph) * g.W + (j * g.dw - g.pw);
        uint16_t* m = t->masks.data() + tap * t->nchunk;
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh)
          for (int64_t p = oh * g.Wo + ow_lo; p < oh * g.Wo + ow_hi; ++p) m[p / 16] |= uint16_t(1u << (p % 16));
      }
    }
    if (cache.size() >= 8) cache.erase(cache.begin());
    cache.push_back(t);
    return t;
  }

  Geom g_;
  bool ok_ = false;
  std::shared_ptr<const Tables> tables_;
};

// The im2col / col2im of one image and group: the flat AVX-512 form where it applies, else the
// general loops.
template <typename T>
void im2col(const FlatCols& flat, const T* x, T* cols, const Geom& g, int64_t ld) {
  if constexpr (std::is_same_v<T, float>)
    if (flat.ok()) return flat.im2col(x, cols, ld);
  im2col_nchw(x, cols, g, ld);
}

// dx (one image, one group, zeroed by the caller) += col2im(cols).
template <typename T>
void col2im_nchw(const T* cols, T* dx, const Geom& g, int64_t ld);

template <typename T>
void col2im(const FlatCols& flat, const T* cols, T* dx, const Geom& g, int64_t ld) {
  if constexpr (std::is_same_v<T, float>)
    if (flat.ok()) return flat.col2im(cols, dx, ld);
  col2im_nchw(cols, dx, g, ld);
}

template <typename T>
void col2im_nchw(const T* cols, T* dx, const Geom& g, int64_t ld) {
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t i = 0; i < g.kh; ++i) {
      int64_t oh_lo, oh_hi;
      valid_range(g.Ho, g.H, g.sh, g.ph, i * g.dh, oh_lo, oh_hi);
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* row = cols + ((c * g.kh + i) * g.kw + j) * ld;
        int64_t ow_lo, ow_hi;
        valid_range(g.Wo, g.W, g.sw, g.pw, j * g.dw, ow_lo, ow_hi);
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
          const T* r = row + oh * g.Wo;
          T* dst = dx + (c * g.H + oh * g.sh - g.ph + i * g.dh) * g.W - g.pw + j * g.dw;
          if (g.sw == 1) {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow] += r[ow];
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow * g.sw] += r[ow];
          }
        }
      }
    }
}

// Copies / zeroes of a few elements (the NHWC im2col moves Cg at a time: 3 for an RGB input). A
// memcpy / memset call costs more than such a copy, so counts up to 8 use constant sizes, which
// the compiler turns into plain moves.
template <typename T, int64_t N>
inline void copy_n_const(T* d, const T* s) {
  std::memcpy(d, s, size_t(N) * sizeof(T));
}
template <typename T>
inline void copy_small(T* d, const T* s, int64_t n) {
  switch (n) {
    case 1: return copy_n_const<T, 1>(d, s);
    case 2: return copy_n_const<T, 2>(d, s);
    case 3: return copy_n_const<T, 3>(d, s);
    case 4: return copy_n_const<T, 4>(d, s);
    case 8: return copy_n_const<T, 8>(d, s);
    default: std::memcpy(d, s, size_t(n) * sizeof(T));
  }
}
template <typename T>
inline void fill_zero_small(T* d, int64_t n) {
  if (n <= 4) {
    for (int64_t i = 0; i < 4; ++i)
      if (i < n) d[i] = T(0);
    return;
  }
  std::memset(d, 0, size_t(n) * sizeof(T));
}

// ---- NHWC im2col / col2im for one image: cols [Ho*Wo, G, kh, kw, Cg] (row length G*kh*kw*Cg = kk*C) ----
template <typename T>
void im2col_nhwc(const T* x, T* cols, const Geom& g) {
  const int64_t rowlen = g.kk() * g.C;
  // Without groups and with unit column dilation, the kw taps of one kernel row are kw * C
  // consecutive inputs: one copy per kernel row where the whole row lies inside the image.
  const bool rows = g.G == 1 && g.dw == 1;
  const int64_t span = g.kw * g.C;
  for (int64_t oh = 0; oh < g.Ho; ++oh)
    for (int64_t ow = 0; ow < g.Wo; ++ow) {
      T* row = cols + (oh * g.Wo + ow) * rowlen;
      const int64_t iw0 = ow * g.sw - g.pw;
      if (rows && iw0 >= 0 && iw0 + g.kw <= g.W) {
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          T* dst = row + i * span;
          if (ih < 0 || ih >= g.H) std::memset(dst, 0, size_t(span) * sizeof(T));
          else std::memcpy(dst, x + (ih * g.W + iw0) * g.C, size_t(span) * sizeof(T));
        }
        continue;
      }
      for (int64_t gi = 0; gi < g.G; ++gi)
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t iw = ow * g.sw - g.pw + j * g.dw;
            T* dst = row + ((gi * g.kh + i) * g.kw + j) * g.Cg;
            if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W)
              fill_zero_small(dst, g.Cg);
            else
              copy_small(dst, x + (ih * g.W + iw) * g.C + gi * g.Cg, g.Cg);
          }
        }
    }
}

template <typename T>
void col2im_nhwc(const T* cols, T* dx, const Geom& g) {
  const int64_t rowlen = g.kk() * g.C;
  for (int64_t oh = 0; oh < g.Ho; ++oh)
    for (int64_t ow = 0; ow < g.Wo; ++ow) {
      const T* row = cols + (oh * g.Wo + ow) * rowlen;
      for (int64_t gi = 0; gi < g.G; ++gi)
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t iw = ow * g.sw - g.pw + j * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            const T* src = row + ((gi * g.kh + i) * g.kw + j) * g.Cg;
            T* dst = dx + (ih * g.W + iw) * g.C + gi * g.Cg;
            for (int64_t c = 0; c < g.Cg; ++c) dst[c] += src[c];
          }
        }
    }
}

// weight [O, Cg, kh, kw] <-> W' [O, kh, kw, Cg] (the NHWC kernels' row order).
template <typename T>
std::vector<T> weight_to_khwc(const T* w, const Geom& g) {
  std::vector<T> out(size_t(g.O * g.Cg * g.kk()));
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.Cg; ++c)
      for (int64_t k = 0; k < g.kk(); ++k) out[size_t((o * g.kk() + k) * g.Cg + c)] = w[(o * g.Cg + c) * g.kk() + k];
  return out;
}

}  // namespace descent::backend::cpu
