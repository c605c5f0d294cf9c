// 2-D convolution CPU kernels: forward, backward-input and backward-weight, for NCHW and
// channels-last (NHWC) activations, with stride, leading padding, dilation and groups.
//
// Fast kernels, chosen by shape:
//   * float 3x3 (NCHW or NHWC), unit stride and dilation, no groups, >= 8 channels each way, >= 8 images:
//     Winograd F(2x2, 3x3) for the forward, the input gradient and the weight gradient
//     (winograd.h: 2.25x fewer multiply-adds);
//   * otherwise the convolution is lowered to GEMM (im2col / col2im in im2col.h, + CBLAS):
//       NCHW, per block of images and group g: y_g[Og, nb*Ho*Wo] = W_g[Og, Cg*kh*kw] @ cols[Cg*kh*kw, nb*Ho*Wo]
//       NHWC, per block of images:             y[P, O] (P = pixels) = cols[P, G*kh*kw*Cg] @ W'^T,
//                                              W' = weight as [O, kh, kw, Cg]
//     with an AVX-512 im2col for unit-stride "same"-width convolutions (FlatCols). A 1x1 kernel with
//     unit stride and no padding needs no im2col: the input already is `cols`.
// Reference kernels are plain loops over logical indices (any strides) accumulating in double;
// tests compare the two on random shapes, also with the AVX kernels ruled out (DESCENT_CPU_ISA).
#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "blas.h"
#include "cpu_features.h"
#include "im2col.h"
#include "scratch.h"
#include "winograd.h"
#include "cpu_backend.h"
#include "descent/backend/parallel.h"

namespace descent::backend::cpu {
namespace {

// Upper bound on the elements of one im2col buffer in the NHWC kernels (images are blocked so the
// buffer stays near the L2/L3 working-set size). Fixed, so results do not depend on thread count.
constexpr int64_t kColsBudget = int64_t(1) << 21;
// Images per partial sum in the NCHW weight gradient (fixed for thread-count-independent results).
constexpr int64_t kWeightGradBlock = 8;

// NCHW images are spread over threads, small blocks of them (forward, backward-input) or single
// images (weight gradient) with their im2col and GEMM serial on one thread (the columns stay in
// that core's cache between the two), when there are kPerImageMin images or more, or one image's
// GEMM is below kGemmSerialMnk (blas.h). Otherwise, a few big images, blocks of images go through
// one GEMM each, cut into panels across the threads by gemm_rowmajor. The choice depends on the
// shapes only, never on the thread count, so neither do the results.
// (Measured on the CNN's 32->64 3x3 layer at batch 128, 2 threads: forward 4.8 -> 4.0 ms and
// backward 11.3 -> 9.2 ms per image instead of in blocks.)
constexpr int64_t kPerImageMin = 8;
bool per_image(const Geom& g) {
  return g.N >= kPerImageMin || double(g.Og) * double(g.Ho * g.Wo) * double(g.Cg * g.kk()) <= kGemmSerialMnk;
}

// NHWC when the tensor is dense channels-last and not also row-major (where both hold, e.g. C = 1,
// the two layouts address memory identically and either path is right).
bool is_cl(const Tensor& t) { return !t.is_contiguous() && t.is_contiguous(MemoryFormat::ChannelsLast); }

bool pick_cl(const Tensor& a, const Tensor& b) {
  const bool a_amb = a.is_contiguous() && a.is_contiguous(MemoryFormat::ChannelsLast);
  return a_amb ? is_cl(b) : is_cl(a);
}

void check_act(const Tensor& t, bool cl, const char* kernel, const char* what) {
  DESCENT_CHECK(t.dim() == 4, kernel, ": ", what, " must be 4-D, got shape ", t.sizes());
  DESCENT_CHECK(cl ? t.is_contiguous(MemoryFormat::ChannelsLast) : t.is_contiguous(), kernel, ": ", what,
                " must be dense ", cl ? "channels-last" : "NCHW", " like the other activations (shape ", t.sizes(),
                ", strides ", t.strides(), ")");
}

// Validates one call and returns its geometry; `x` is the input-side activation [N, C, H, W] and
// `y` the output-side one [N, O, Ho, Wo].
Geom make_geom(const Tensor& x, const Tensor& y, const Tensor& weight, const Window2d& w, int64_t groups,
               const char* kernel) {
  Geom g{};
  g.cl = pick_cl(x, y);
  check_act(x, g.cl, kernel, "input");
  check_act(y, g.cl, kernel, "output");
  DESCENT_CHECK(weight.dim() == 4 && weight.is_contiguous(), kernel, ": weight must be contiguous 4-D, got shape ",
                weight.sizes());
  DESCENT_CHECK(x.dtype() == y.dtype() && x.dtype() == weight.dtype() && is_floating(x.dtype()), kernel,
                ": expected one float dtype, got ", x.dtype(), ", ", y.dtype(), " and weight ", weight.dtype());
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = y.size(1), g.Ho = y.size(2), g.Wo = y.size(3);
  g.G = groups;
  DESCENT_CHECK(groups > 0 && g.C % groups == 0 && g.O % groups == 0, kernel, ": groups ", groups,
                " must divide channels ", g.C, " and ", g.O);
  g.Cg = g.C / groups, g.Og = g.O / groups;
  g.kh = w.kh, g.kw = w.kw, g.sh = w.sh, g.sw = w.sw, g.ph = w.ph, g.pw = w.pw, g.dh = w.dh, g.dw = w.dw;
  DESCENT_CHECK(y.size(0) == g.N && weight.size(0) == g.O && weight.size(1) == g.Cg && weight.size(2) == g.kh &&
                    weight.size(3) == g.kw,
                kernel, ": inconsistent shapes: input ", x.sizes(), ", output ", y.sizes(), ", weight ",
                weight.sizes(), ", groups ", groups);
  DESCENT_CHECK(g.kh > 0 && g.kw > 0 && g.sh > 0 && g.sw > 0 && g.dh > 0 && g.dw > 0 && g.ph >= 0 && g.pw >= 0, kernel,
                ": bad window");
  return g;
}

template <typename T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  gemm_rowmajor(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Images per NHWC block: as many as fit kColsBudget (at least one).
int64_t nhwc_block(const Geom& g) {
  const int64_t per_image = std::max<int64_t>(1, g.Ho * g.Wo * g.kk() * g.C);
  return std::clamp<int64_t>(kColsBudget / per_image, 1, std::max<int64_t>(g.N, 1));
}

// ---- NCHW, blocks of images: one GEMM per block and group over the images' columns side by side ----
// cols [K, nb*Ho*Wo] (image k's columns start at k*Ho*Wo); the GEMM result [Og, nb*Ho*Wo] is copied
// back to the images' planes. With few images, blocks as wide as kColsBudget allows (their GEMMs
// are cut into panels across the threads); see nchw_images_per_block for the per-thread blocks.
int64_t nchw_block(const Geom& g) {
  const int64_t per_image = std::max<int64_t>(1, g.Cg * g.kk() * g.Ho * g.Wo);
  return std::clamp<int64_t>(kColsBudget / per_image, 1, std::max<int64_t>(g.N, 1));
}

// Runs fn(k) for k in [0, nb) across threads.
template <typename Fn>
void each(int64_t nb, Fn&& fn) {
  parallel_for(0, nb, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) fn(k);
  });
}

// Images per block when blocks are spread over threads (per_image): about a megabyte of columns,
// which stays in a core's L2 between im2col and the GEMM, and at most kThreadBlockMax images so
// a batch still makes enough blocks for the threads. A wider GEMM runs faster than per-image
// ones (forward of the CNN's 32->64 layer: 168 vs 142 GFLOP/s in blocks of 4 images).
constexpr int64_t kThreadCols = int64_t(1) << 18;
constexpr int64_t kThreadBlockMax = 8;

// Images per block: per-thread blocks (above) or, for a few big images, blocks as wide as
// kColsBudget allows, each GEMM cut into panels across the threads. Pointwise convolutions go one
// image at a time with no im2col (the input planes are the columns), and so do those with fewer
// than kBlockMinK columns rows (the CNN's first layer, 1 channel x 3x3: its GEMM gains nothing from
// width and the block would pay the copy back; 0.55 vs 0.80 ms at batch 128).
constexpr int64_t kBlockMinK = 32;
int64_t nchw_images_per_block(const Geom& g) {
  const int64_t per = std::max<int64_t>(1, g.Cg * g.kk() * g.Ho * g.Wo);
  if (per_image(g))
    return g.pointwise() || g.Cg * g.kk() < kBlockMinK ? 1 : std::clamp<int64_t>(kThreadCols / per, 1, kThreadBlockMax);
  return nchw_block(g);
}

// Runs block(n0, nb, scratch...) over the batch: per-thread blocks spread over the pool, each
// task with its own scratch (nested each() / gemm() calls then run on that thread), or big blocks
// one after another on the calling thread, their loops and GEMMs spread over the pool.
template <typename T, typename Fn>
void for_each_block(const Geom& g, int64_t B, size_t scratch_a, size_t scratch_b, Fn&& block) {
  const int64_t nblocks = (g.N + B - 1) / B;
  auto run = [&](int64_t lo, int64_t hi) {
    Scratch<T> sa(scratch_a), sb(scratch_b);
    for (int64_t blk = lo; blk < hi; ++blk) block(blk * B, std::min(B, g.N - blk * B), sa.data(), sb.data());
  };
  if (per_image(g)) parallel_for(0, nblocks, 1, run);
  else run(0, nblocks);
}

// Forward of images [n0, n0 + nb), every group: cols [K, nb*HoWo] (image k's columns at k*HoWo),
// one GEMM into tmp [Og, nb*HoWo], copied to the images' planes with the bias. One image writes
// its planes directly (bias first, then the GEMM adds).
template <typename T>
void fwd_block(const FlatCols& flat, const T* x, const T* w, const T* b, T* y, const Geom& g, int64_t n0, int64_t nb,
               T* cols, T* tmp) {
  const int64_t HW = g.H * g.W, HoWo = g.Ho * g.Wo, K = g.Cg * g.kk(), ld = nb * HoWo;
  const bool direct = g.pointwise() && nb == 1;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    const T* src = x + n0 * g.C * HW + gi * g.Cg * HW;
    if (!direct) each(nb, [&](int64_t k) { im2col(flat, src + k * g.C * HW, cols + k * HoWo, g, ld); });
    const T* wg = w + gi * g.Og * K;
    if (nb == 1) {
      T* yg = y + (n0 * g.O + gi * g.Og) * HoWo;
      if (b)
        for (int64_t o = 0; o < g.Og; ++o) std::fill(yg + o * HoWo, yg + (o + 1) * HoWo, b[gi * g.Og + o]);
      gemm<T>(false, false, g.Og, HoWo, K, T(1), wg, K, direct ? src : cols, HoWo, b ? T(1) : T(0), yg, HoWo);
      continue;
    }
    gemm<T>(false, false, g.Og, ld, K, T(1), wg, K, cols, ld, T(0), tmp, ld);
    each(nb, [&](int64_t k) {
      for (int64_t o = 0; o < g.Og; ++o) {
        const T* from = tmp + o * ld + k * HoWo;
        T* to = y + ((n0 + k) * g.O + gi * g.Og + o) * HoWo;
        const T bv = b ? b[gi * g.Og + o] : T(0);
        for (int64_t p = 0; p < HoWo; ++p) to[p] = from[p] + bv;
      }
    });
  }
}

// Winograd F(2x2, 3x3) (winograd.h) for float 3x3 convolutions (NCHW or channels-last) with unit
// stride and dilation, no groups, at least 8 channels in and out, and enough images to spread over
// the threads.
template <typename T>
bool winograd_ok(const Geom& g) {
  return std::is_same_v<T, float> && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 &&
         g.dw == 1 && g.G == 1 && g.C >= 8 && g.O >= 8 && per_image(g);
}

template <typename T>
void conv_fwd_nchw(const T* x, const T* w, const T* b, T* y, const Geom& g) {
  const FlatCols flat(g, std::is_same_v<T, float>);
  const int64_t HoWo = g.Ho * g.Wo, K = g.Cg * g.kk(), B = nchw_images_per_block(g);
  const bool direct = g.pointwise() && B == 1;
  for_each_block<T>(g, B, direct ? 0 : size_t(K * B * HoWo), B == 1 ? 0 : size_t(g.Og * B * HoWo),
                    [&](int64_t n0, int64_t nb, T* cols, T* tmp) { fwd_block(flat, x, w, b, y, g, n0, nb, cols, tmp); });
}

// dyb [Og, nb*Ho*Wo] <- group gi of grad_out for images n0 .. n0+nb.
template <typename T>
void gather_grad_out(const T* dy, T* dyb, int64_t n0, int64_t nb, int64_t gi, const Geom& g) {
  const int64_t HoWo = g.Ho * g.Wo, ld = nb * HoWo;
  each(nb, [&](int64_t k) {
    for (int64_t o = 0; o < g.Og; ++o)
      std::memcpy(dyb + o * ld + k * HoWo, dy + ((n0 + k) * g.O + gi * g.Og + o) * HoWo, size_t(HoWo) * sizeof(T));
  });
}

// Backward-input of images [n0, n0 + nb), every group: dcols [K, nb*HoWo] = W_g^T @ dy (the
// images' dy gathered side by side into dyb, or read in place for one image), then each image's
// planes zeroed and col2im'ed. A pointwise image gets its gradient from the GEMM directly.
template <typename T>
void bwd_input_block(const FlatCols& flat, const T* dy, const T* w, T* dx, const Geom& g, int64_t n0, int64_t nb,
                     T* dcols, T* dyb) {
  const int64_t HW = g.H * g.W, HoWo = g.Ho * g.Wo, K = g.Cg * g.kk(), ld = nb * HoWo;
  const bool direct = g.pointwise() && nb == 1;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    const T* dyg = dy + (n0 * g.O + gi * g.Og) * HoWo;
    if (nb > 1) {
      gather_grad_out(dy, dyb, n0, nb, gi, g);
      dyg = dyb;
    }
    T* dxg = dx + n0 * g.C * HW + gi * g.Cg * HW;
    gemm<T>(true, false, K, ld, g.Og, T(1), w + gi * g.Og * K, K, dyg, ld, T(0), direct ? dxg : dcols, ld);
    if (direct) continue;
    each(nb, [&](int64_t k) {
      T* dxk = dxg + k * g.C * HW;
      std::fill(dxk, dxk + g.Cg * HW, T(0));
      col2im(flat, dcols + k * HoWo, dxk, g, ld);
    });
  }
}

template <typename T>
void conv_bwd_input_nchw(const T* dy, const T* w, T* dx, const Geom& g) {
  const FlatCols flat(g, std::is_same_v<T, float>);
  const int64_t HoWo = g.Ho * g.Wo, K = g.Cg * g.kk(), B = nchw_images_per_block(g);
  const bool direct = g.pointwise() && B == 1;
  for_each_block<T>(g, B, direct ? 0 : size_t(K * B * HoWo), B == 1 ? 0 : size_t(g.Og * B * HoWo),
                    [&](int64_t n0, int64_t nb, T* dcols, T* dyb) {
                      bwd_input_block(flat, dy, w, dx, g, n0, nb, dcols, dyb);
                    });
}

// dw (zeroed) += per block; the blocks depend only on the shapes, so the sum order does too.
template <typename T>
void conv_bwd_weight_nchw_blocked(const T* dy, const T* x, T* dw, const Geom& g) {
  const FlatCols flat(g, std::is_same_v<T, float>);
  const int64_t HW = g.H * g.W, HoWo = g.Ho * g.Wo, K = g.Cg * g.kk(), B = nchw_block(g);
  Scratch<T> cols(size_t(K * B * HoWo)), dyb(size_t(g.Og * B * HoWo));
  for (int64_t n0 = 0; n0 < g.N; n0 += B) {
    const int64_t nb = std::min(B, g.N - n0), ld = nb * HoWo;
    for (int64_t gi = 0; gi < g.G; ++gi) {
      each(nb, [&](int64_t k) { im2col(flat, x + (n0 + k) * g.C * HW + gi * g.Cg * HW, cols.data() + k * HoWo, g, ld); });
      gather_grad_out(dy, dyb.data(), n0, nb, gi, g);
      gemm<T>(false, true, g.Og, K, ld, T(1), dyb.data(), ld, cols.data(), ld, T(1), dw + gi * g.Og * K, K);
    }
  }
}

// Sum of n contiguous values: 16 running sums (vectorisable) then the tail; a fixed order.
template <typename T>
T run_sum(const T* p, int64_t n) {
  T acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) acc[k] += p[i + k];
  T s = 0;
  for (; i < n; ++i) s += p[i];
  for (int k = 0; k < 16; ++k) s += acc[k];
  return s;
}

// db[O] = sum of dy over images and positions, for the paths that do not fold it into their own
// pass over dy: NCHW one channel per task (each image's plane summed by run_sum, the images in
// order), NHWC image by image.
template <typename T>
void bias_grad(const T* dy, T* db, const Geom& g) {
  const int64_t HoWo = g.Ho * g.Wo;
  if (!g.cl) {
    parallel_for(0, g.O, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        T s = 0;
        for (int64_t n = 0; n < g.N; ++n) s += run_sum(dy + (n * g.O + o) * HoWo, HoWo);
        db[o] = s;
      }
    });
    return;
  }
  // Channels-last: fixed chunks of images summed into their own partials, then the partials in order.
  constexpr int64_t kChunk = 8;
  const int64_t nchunks = (g.N + kChunk - 1) / kChunk;
  Scratch<T> partial(size_t(nchunks * g.O));
  parallel_for(0, nchunks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) {
      T* acc = partial.data() + k * g.O;
      std::fill(acc, acc + g.O, T(0));
      for (int64_t n = k * kChunk; n < std::min(g.N, (k + 1) * kChunk); ++n)
        for (int64_t p = 0; p < HoWo; ++p) {
          const T* row = dy + (n * HoWo + p) * g.O;
          for (int64_t o = 0; o < g.O; ++o) acc[o] += row[o];
        }
    }
  });
  std::fill(db, db + g.O, T(0));
  for (int64_t k = 0; k < nchunks; ++k)
    for (int64_t o = 0; o < g.O; ++o) db[o] += partial.data()[k * g.O + o];
}

// ================= fast forward =================
template <typename T>
void conv_fwd_fast(const Tensor& in, const Tensor& weight, const Tensor& bias, const Tensor& out, const Geom& g) {
  const T* x = static_cast<const T*>(in.raw_data());
  const T* w = static_cast<const T*>(weight.raw_data());
  const T* b = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
  T* y = static_cast<T*>(out.raw_data());
  const int64_t HW = g.H * g.W, HoWo = g.Ho * g.Wo, K = g.Cg * g.kk();
  if (out.numel() == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_ok<T>(g)) {
      const std::vector<float> U = winograd_filters(w, g.O, g.C, false);
      return winograd_conv3x3(x, U.data(), b, y, g.N, g.C, g.H, g.W, g.O, g.Ho, g.Wo, g.ph, g.pw, g.cl);
    }
  }
  if (!g.cl) return conv_fwd_nchw(x, w, b, y, g);
  // NHWC
  const bool direct = g.pointwise();
  std::vector<T> wk = direct ? std::vector<T>() : weight_to_khwc(w, g);
  const T* wp = direct ? w : wk.data();
  const int64_t rowlen = g.kk() * g.C;
  const int64_t B = nhwc_block(g);
  Scratch<T> cols(direct ? 0 : size_t(B * HoWo * rowlen));
  for (int64_t n0 = 0; n0 < g.N; n0 += B) {
    const int64_t nb = std::min(B, g.N - n0), P = nb * HoWo;
    const T* cp = x + n0 * HW * g.C;
    if (!direct) {
      parallel_for(0, nb, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t k = lo; k < hi; ++k) im2col_nhwc(x + (n0 + k) * HW * g.C, cols.data() + k * HoWo * rowlen, g);
      });
      cp = cols.data();
    }
    T* yb = y + n0 * HoWo * g.O;
    T beta = 0;
    if (b) {
      for (int64_t p = 0; p < P; ++p) std::copy(b, b + g.O, yb + p * g.O);
      beta = 1;
    }
    const int64_t ldc = direct ? g.C : rowlen;
    for (int64_t gi = 0; gi < g.G; ++gi)
      gemm<T>(false, true, P, g.Og, K, T(1), cp + gi * K, ldc, wp + gi * g.Og * K, K, beta, yb + gi * g.Og, g.O);
  }
}

// ================= fast backward-input =================
template <typename T>
void conv_bwd_input_fast(const Tensor& grad_out, const Tensor& weight, const Tensor& grad_in, const Geom& g) {
  const T* dy = static_cast<const T*>(grad_out.raw_data());
  const T* w = static_cast<const T*>(weight.raw_data());
  T* dx = static_cast<T*>(grad_in.raw_data());
  const int64_t HW = g.H * g.W, HoWo = g.Ho * g.Wo, K = g.Cg * g.kk();
  if (grad_in.numel() == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_ok<T>(g)) {
      // dx = conv(dy, W') with W'[c][o] = W[o][c] rotated 180 degrees and padding 2 - p.
      const std::vector<float> U = winograd_filters(w, g.O, g.C, true);
      return winograd_conv3x3(dy, U.data(), nullptr, dx, g.N, g.O, g.Ho, g.Wo, g.C, g.H, g.W, 2 - g.ph, 2 - g.pw,
                              g.cl);
    }
  }
  if (!g.cl) return conv_bwd_input_nchw(dy, w, dx, g);
  const bool direct = g.pointwise();
  std::vector<T> wk = direct ? std::vector<T>() : weight_to_khwc(w, g);
  const T* wp = direct ? w : wk.data();
  const int64_t rowlen = g.kk() * g.C;
  const int64_t B = nhwc_block(g);
  Scratch<T> cols(direct ? 0 : size_t(B * HoWo * rowlen));
  for (int64_t n0 = 0; n0 < g.N; n0 += B) {
    const int64_t nb = std::min(B, g.N - n0), P = nb * HoWo;
    T* target = direct ? dx + n0 * HW * g.C : cols.data();
    const int64_t ldc = direct ? g.C : rowlen;
    for (int64_t gi = 0; gi < g.G; ++gi)
      gemm<T>(false, false, P, K, g.Og, T(1), dy + n0 * HoWo * g.O + gi * g.Og, g.O, wp + gi * g.Og * K, K, T(0),
              target + gi * K, ldc);
    if (!direct) {
      parallel_for(0, nb, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t k = lo; k < hi; ++k) {
          T* dxn = dx + (n0 + k) * HW * g.C;
          std::fill(dxn, dxn + HW * g.C, T(0));
          col2im_nhwc(cols.data() + k * HoWo * rowlen, dxn, g);
        }
      });
    }
  }
}

// ================= fast backward-weight =================
template <typename T>
void conv_bwd_weight_fast(const Tensor& grad_out, const Tensor& in, const Tensor& grad_weight, const Tensor& grad_bias,
                          const Geom& g) {
  const T* dy = static_cast<const T*>(grad_out.raw_data());
  const T* x = static_cast<const T*>(in.raw_data());
  T* dw = static_cast<T*>(grad_weight.raw_data());
  T* db = grad_bias.defined() ? static_cast<T*>(grad_bias.raw_data()) : nullptr;
  const int64_t HW = g.H * g.W, HoWo = g.Ho * g.Wo, K = g.Cg * g.kk();
  const int64_t wsize = g.O * K;
  std::fill(dw, dw + wsize, T(0));
  if (db) std::fill(db, db + g.O, T(0));
  if (g.N == 0 || HoWo == 0 || wsize == 0) return;
  const FlatCols flat(g, std::is_same_v<T, float> && !g.cl);
  const bool direct = g.pointwise();
  if (!g.cl && !per_image(g)) {
    if (db) bias_grad(dy, db, g);
    return conv_bwd_weight_nchw_blocked(dy, x, dw, g);
  }
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_ok<T>(g)) {
      if (db) bias_grad(dy, db, g);
      return winograd_conv3x3_weight_grad(x, dy, dw, g.N, g.C, g.H, g.W, g.O, g.Ho, g.Wo, g.ph, g.pw, g.cl);
    }
  }
  if (!g.cl) {
    // Fixed blocks of images, each summed into its own partial, then the partials in order. The
    // bias gradient rides along: each image's dy planes are summed while they are in cache for
    // the GEMM, into the block's partial [wsize, wsize + O).
    const int64_t nblocks = (g.N + kWeightGradBlock - 1) / kWeightGradBlock, psize = wsize + (db ? g.O : 0);
    Scratch<T> partial(size_t(nblocks * psize));
    parallel_for(0, nblocks, 1, [&](int64_t lo, int64_t hi) {
      Scratch<T> cols(direct ? 0 : size_t(K * HoWo));
      for (int64_t blk = lo; blk < hi; ++blk) {
        T* acc = partial.data() + blk * psize;
        const int64_t n_end = std::min(g.N, (blk + 1) * kWeightGradBlock);
        for (int64_t n = blk * kWeightGradBlock; n < n_end; ++n) {
          if (db) {
            T* accb = acc + wsize;
            const bool first = n == blk * kWeightGradBlock;
            for (int64_t o = 0; o < g.O; ++o) {
              const T s = run_sum(dy + (n * g.O + o) * HoWo, HoWo);
              accb[o] = first ? s : accb[o] + s;
            }
          }
          for (int64_t gi = 0; gi < g.G; ++gi) {
            const T* src = x + n * g.C * HW + gi * g.Cg * HW;
            if (!direct) im2col(flat, src, cols.data(), g, HoWo);
            // Transposed: dW_g^T[K, Og] += cols[K, HoWo] @ dy_g^T (about a fifth faster in
            // OpenBLAS than dW_g[Og, K] += dy_g @ cols^T for the CNN's 32->64 layer).
            const T beta = n == blk * kWeightGradBlock ? T(0) : T(1);
            gemm<T>(false, true, K, g.Og, HoWo, T(1), direct ? src : cols.data(), HoWo,
                    dy + n * g.O * HoWo + gi * g.Og * HoWo, HoWo, beta, acc + gi * g.Og * K, g.Og);
          }
        }
      }
    });
    // The partials in block order; each holds dW_g^T [K, Og] per group.
    for (int64_t blk = 0; blk < nblocks; ++blk) {
      const T* p = partial.data() + blk * psize;
      for (int64_t gi = 0; gi < g.G; ++gi)
        for (int64_t k = 0; k < K; ++k)
          for (int64_t o = 0; o < g.Og; ++o) dw[(gi * g.Og + o) * K + k] += p[gi * g.Og * K + k * g.Og + o];
      if (db)
        for (int64_t o = 0; o < g.O; ++o) db[o] += p[wsize + o];
    }
    return;
  }
  if (db) bias_grad(dy, db, g);
  // NHWC: dW'_g[Og, kk*Cg] += dy_g^T[Og, P] @ cols_g[P, kk*Cg] over image blocks.
  std::vector<T> wk(direct ? 0 : size_t(wsize), T(0));
  T* wp = direct ? dw : wk.data();
  const int64_t rowlen = g.kk() * g.C;
  const int64_t B = nhwc_block(g);
  Scratch<T> cols(direct ? 0 : size_t(B * HoWo * rowlen));
  for (int64_t n0 = 0; n0 < g.N; n0 += B) {
    const int64_t nb = std::min(B, g.N - n0), P = nb * HoWo;
    const T* cp = x + n0 * HW * g.C;
    if (!direct) {
      parallel_for(0, nb, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t k = lo; k < hi; ++k) im2col_nhwc(x + (n0 + k) * HW * g.C, cols.data() + k * HoWo * rowlen, g);
      });
      cp = cols.data();
    }
    const int64_t lda = direct ? g.C : rowlen;
    for (int64_t gi = 0; gi < g.G; ++gi)
      gemm<T>(true, false, g.Og, K, P, T(1), dy + n0 * HoWo * g.O + gi * g.Og, g.O, cp + gi * K, lda, T(1),
              wp + gi * g.Og * K, K);
  }
  if (!direct)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t c = 0; c < g.Cg; ++c)
        for (int64_t k = 0; k < g.kk(); ++k) dw[(o * g.Cg + c) * g.kk() + k] = wk[size_t((o * g.kk() + k) * g.Cg + c)];
}

// ================= reference kernels =================
// Element accessor over a 4-D tensor's own strides.
template <typename T>
struct View4 {
  T* p;
  int64_t s0, s1, s2, s3;
  explicit View4(const Tensor& t)
      : p(static_cast<T*>(t.raw_data())), s0(t.stride(0)), s1(t.stride(1)), s2(t.stride(2)), s3(t.stride(3)) {}
  T& operator()(int64_t a, int64_t b, int64_t c, int64_t d) const { return p[a * s0 + b * s1 + c * s2 + d * s3]; }
};

template <typename T>
void conv_fwd_ref(const Tensor& in, const Tensor& weight, const Tensor& bias, const Tensor& out, const Geom& g) {
  View4<const T> x(in), w(weight);
  View4<T> y(out);
  const T* b = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
  parallel_for(0, g.N * g.O, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t no = lo; no < hi; ++no) {
      const int64_t n = no / g.O, o = no % g.O, gi = o / g.Og;
      for (int64_t oh = 0; oh < g.Ho; ++oh)
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          double acc = b ? double(b[o]) : 0.0;
          for (int64_t c = 0; c < g.Cg; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t ih = oh * g.sh - g.ph + i * g.dh, iw = ow * g.sw - g.pw + j * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                acc += double(x(n, gi * g.Cg + c, ih, iw)) * double(w(o, c, i, j));
              }
          y(n, o, oh, ow) = T(acc);
        }
    }
  });
}

template <typename T>
void conv_bwd_input_ref(const Tensor& grad_out, const Tensor& weight, const Tensor& grad_in, const Geom& g) {
  View4<const T> dy(grad_out), w(weight);
  View4<T> dx(grad_in);
  // Gather form: each input element sums the outputs whose window covers it.
  parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t nc = lo; nc < hi; ++nc) {
      const int64_t n = nc / g.C, c = nc % g.C, gi = c / g.Cg, cg = c % g.Cg;
      for (int64_t ih = 0; ih < g.H; ++ih)
        for (int64_t iw = 0; iw < g.W; ++iw) {
          double acc = 0;
          for (int64_t i = 0; i < g.kh; ++i) {
            const int64_t th = ih + g.ph - i * g.dh;
            if (th < 0 || th % g.sh != 0 || th / g.sh >= g.Ho) continue;
            for (int64_t j = 0; j < g.kw; ++j) {
              const int64_t tw = iw + g.pw - j * g.dw;
              if (tw < 0 || tw % g.sw != 0 || tw / g.sw >= g.Wo) continue;
              for (int64_t o = gi * g.Og; o < (gi + 1) * g.Og; ++o)
                acc += double(dy(n, o, th / g.sh, tw / g.sw)) * double(w(o, cg, i, j));
            }
          }
          dx(n, c, ih, iw) = T(acc);
        }
    }
  });
}

template <typename T>
void conv_bwd_weight_ref(const Tensor& grad_out, const Tensor& in, const Tensor& grad_weight, const Tensor& grad_bias,
                         const Geom& g) {
  View4<const T> dy(grad_out), x(in);
  View4<T> dw(grad_weight);
  T* db = grad_bias.defined() ? static_cast<T*>(grad_bias.raw_data()) : nullptr;
  parallel_for(0, g.O, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o) {
      const int64_t gi = o / g.Og;
      if (db) {
        double acc = 0;
        for (int64_t n = 0; n < g.N; ++n)
          for (int64_t oh = 0; oh < g.Ho; ++oh)
            for (int64_t ow = 0; ow < g.Wo; ++ow) acc += double(dy(n, o, oh, ow));
        db[o] = T(acc);
      }
      for (int64_t c = 0; c < g.Cg; ++c)
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            double acc = 0;
            for (int64_t n = 0; n < g.N; ++n)
              for (int64_t oh = 0; oh < g.Ho; ++oh) {
                const int64_t ih = oh * g.sh - g.ph + i * g.dh;
                if (ih < 0 || ih >= g.H) continue;
                for (int64_t ow = 0; ow < g.Wo; ++ow) {
                  const int64_t iw = ow * g.sw - g.pw + j * g.dw;
                  if (iw < 0 || iw >= g.W) continue;
                  acc += double(dy(n, o, oh, ow)) * double(x(n, gi * g.Cg + c, ih, iw));
                }
              }
            dw(o, c, i, j) = T(acc);
          }
    }
  });
}

}  // namespace

void CpuBackend::conv2d(const Tensor& in, const Tensor& weight, const Tensor& bias, const Tensor& out,
                        const Window2d& w, int64_t groups, KernelImpl impl) {
  const Geom g = make_geom(in, out, weight, w, groups, "conv2d kernel");
  if (bias.defined())
    DESCENT_CHECK(bias.dim() == 1 && bias.size(0) == g.O && bias.is_contiguous() && bias.dtype() == in.dtype(),
                  "conv2d kernel: bias must be contiguous [", g.O, "] of dtype ", in.dtype(), ", got ", bias.sizes(),
                  " ", bias.dtype());
  const bool ref = impl == KernelImpl::Reference;
  if (in.dtype() == DType::Float32)
    ref ? conv_fwd_ref<float>(in, weight, bias, out, g) : conv_fwd_fast<float>(in, weight, bias, out, g);
  else
    ref ? conv_fwd_ref<double>(in, weight, bias, out, g) : conv_fwd_fast<double>(in, weight, bias, out, g);
}

void CpuBackend::conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& grad_in,
                                       const Window2d& w, int64_t groups, KernelImpl impl) {
  const Geom g = make_geom(grad_in, grad_out, weight, w, groups, "conv2d_backward_input kernel");
  const bool ref = impl == KernelImpl::Reference;
  if (grad_in.dtype() == DType::Float32)
    ref ? conv_bwd_input_ref<float>(grad_out, weight, grad_in, g) : conv_bwd_input_fast<float>(grad_out, weight, grad_in, g);
  else
    ref ? conv_bwd_input_ref<double>(grad_out, weight, grad_in, g)
        : conv_bwd_input_fast<double>(grad_out, weight, grad_in, g);
}

void CpuBackend::conv2d_backward_weight(const Tensor& grad_out, const Tensor& in, const Tensor& grad_weight,
                                        const Tensor& grad_bias, const Window2d& w, int64_t groups, KernelImpl impl) {
  const Geom g = make_geom(in, grad_out, grad_weight, w, groups, "conv2d_backward_weight kernel");
  DESCENT_CHECK(!grad_bias.defined() || (grad_bias.dim() == 1 && grad_bias.size(0) == g.O &&
                                         grad_bias.is_contiguous() && grad_bias.dtype() == in.dtype()),
                "conv2d_backward_weight kernel: grad_bias must be contiguous [", g.O, "] of dtype ", in.dtype(),
                ", got ", grad_bias.sizes(), " ", grad_bias.dtype());
  const bool ref = impl == KernelImpl::Reference;
  if (in.dtype() == DType::Float32)
    ref ? conv_bwd_weight_ref<float>(grad_out, in, grad_weight, grad_bias, g)
        : conv_bwd_weight_fast<float>(grad_out, in, grad_weight, grad_bias, g);
  else
    ref ? conv_bwd_weight_ref<double>(grad_out, in, grad_weight, grad_bias, g)
        : conv_bwd_weight_fast<double>(grad_out, in, grad_weight, grad_bias, g);
}

}  // namespace descent::backend::cpu
