// Average pooling CPU kernels (count_include_pad, divisor override) and adaptive average pooling,
// forward and backward, for NCHW and channels-last (NHWC) activations. Loop orders as in
// pool_max.cpp; reference kernels are one plain loop per output element.
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
#include "pool_geometry.h"

namespace descent::backend::cpu {
namespace {

using namespace pooling;

// ---- window arithmetic ----
struct AvgWin {
  int64_t h0, h1, w0, w1;  // clipped to the input
  int64_t divisor;
};
inline AvgWin avg_window(int64_t oh, int64_t ow, const Window2d& w, int64_t H, int64_t W, bool include_pad,
                         int64_t divisor) {
  int64_t h0 = oh * w.sh - w.ph, w0 = ow * w.sw - w.pw;
  int64_t h1 = std::min(h0 + w.kh, H + w.ph), w1 = std::min(w0 + w.kw, W + w.pw);
  const int64_t pool = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, H), w1 = std::min(w1, W);
  const int64_t d = divisor > 0 ? divisor : include_pad ? pool : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, d};
}

/// Average pooling's window at output (oh, ow).
struct SlidingWindow {
  const Window2d& w;
  bool include_pad;
  int64_t divisor;
  AvgWin operator()(const PGeom& g, int64_t oh, int64_t ow) const {
    return avg_window(oh, ow, w, g.H, g.W, include_pad, divisor);
  }
};

inline int64_t ad_start(int64_t a, int64_t out, int64_t in) { return (a / out) * in + ((a % out) * in) / out; }
inline int64_t ad_end(int64_t a, int64_t out, int64_t in) { return 1 + ((a + 1) * in - 1) / out; }

/// Adaptive average pooling's window at output (oh, ow): PyTorch's start/end rule, divided by its area.
struct AdaptiveWindow {
  AvgWin operator()(const PGeom& g, int64_t oh, int64_t ow) const {
    const int64_t h0 = ad_start(oh, g.Ho, g.H), h1 = ad_end(oh, g.Ho, g.H);
    const int64_t w0 = ad_start(ow, g.Wo, g.W), w1 = ad_end(ow, g.Wo, g.W);
    return {h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
  }
};

// Mean pooling over the windows win(g, oh, ow) gives: average pooling's sliding windows or adaptive
// pooling's ones. One loop nest per layout serves both.
template <typename T, typename Win>
void mean_fwd(const Tensor& in, const Tensor& out, Win win, bool ref, const char* kernel) {
  const PGeom g = make_pgeom(in, out, kernel);
  const T* x = static_cast<const T*>(in.raw_data());
  T* y = static_cast<T*>(out.raw_data());
  if (ref || !g.cl) {
    // NCHW fast and reference share this loop; the reference addresses through the strides.
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        const int64_t n = nc / g.C, c = nc % g.C;
        for (int64_t oh = 0; oh < g.Ho; ++oh)
          for (int64_t ow = 0; ow < g.Wo; ++ow) {
            const AvgWin a = win(g, oh, ow);
            double s = 0;
            for (int64_t ih = a.h0; ih < a.h1; ++ih)
              for (int64_t iw = a.w0; iw < a.w1; ++iw)
                s += double(ref ? x[in.stride(0) * n + in.stride(1) * c + in.stride(2) * ih + in.stride(3) * iw]
                                : x[(nc * g.H + ih) * g.W + iw]);
            const T v = T(s / double(a.divisor));
            if (ref)
              y[out.stride(0) * n + out.stride(1) * c + out.stride(2) * oh + out.stride(3) * ow] = v;
            else
              y[(nc * g.Ho + oh) * g.Wo + ow] = v;
          }
      }
    });
    return;
  }
  parallel_for(0, g.N * g.Ho, 1, [&](int64_t lo, int64_t hi) {
    std::vector<double> acc(size_t(g.C));
    for (int64_t nh = lo; nh < hi; ++nh) {
      const int64_t n = nh / g.Ho, oh = nh % g.Ho;
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        const AvgWin a = win(g, oh, ow);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t ih = a.h0; ih < a.h1; ++ih)
          for (int64_t iw = a.w0; iw < a.w1; ++iw) {
            const T* xp = x + at(g, n, 0, ih, iw, g.H, g.W);
            for (int64_t c = 0; c < g.C; ++c) acc[size_t(c)] += double(xp[c]);
          }
        T* yp = y + at(g, n, 0, oh, ow, g.Ho, g.Wo);
        for (int64_t c = 0; c < g.C; ++c) yp[c] = T(acc[size_t(c)] / double(a.divisor));
      }
    }
  });
}

template <typename T, typename Win>
void mean_bwd(const Tensor& grad_out, const Tensor& grad_in, Win win, bool ref, const char* kernel) {
  const PGeom g = make_pgeom(grad_in, grad_out, kernel);
  const T* dy = static_cast<const T*>(grad_out.raw_data());
  T* dx = static_cast<T*>(grad_in.raw_data());
  if (ref || !g.cl) {
    parallel_for(0, g.N * g.C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        const int64_t n = nc / g.C, c = nc % g.C;
        auto dxe = [&](int64_t h, int64_t ww) -> T& {
          return ref ? dx[grad_in.stride(0) * n + grad_in.stride(1) * c + grad_in.stride(2) * h + grad_in.stride(3) * ww]
                     : dx[(nc * g.H + h) * g.W + ww];
        };
        for (int64_t h = 0; h < g.H; ++h)
          for (int64_t ww = 0; ww < g.W; ++ww) dxe(h, ww) = T(0);
        for (int64_t oh = 0; oh < g.Ho; ++oh)
          for (int64_t ow = 0; ow < g.Wo; ++ow) {
            const AvgWin a = win(g, oh, ow);
            const T gv = ref ? dy[grad_out.stride(0) * n + grad_out.stride(1) * c + grad_out.stride(2) * oh +
                                  grad_out.stride(3) * ow]
                             : dy[(nc * g.Ho + oh) * g.Wo + ow];
            const T v = T(double(gv) / double(a.divisor));
            for (int64_t ih = a.h0; ih < a.h1; ++ih)
              for (int64_t iw = a.w0; iw < a.w1; ++iw) dxe(ih, iw) += v;
          }
      }
    });
    return;
  }
  parallel_for(0, g.N, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t n = lo; n < hi; ++n) {
      T* dn = dx + n * g.H * g.W * g.C;
      std::fill(dn, dn + g.H * g.W * g.C, T(0));
      for (int64_t oh = 0; oh < g.Ho; ++oh)
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          const AvgWin a = win(g, oh, ow);
          const T* gp = dy + at(g, n, 0, oh, ow, g.Ho, g.Wo);
          const T inv = T(1.0 / double(a.divisor));
          for (int64_t ih = a.h0; ih < a.h1; ++ih)
            for (int64_t iw = a.w0; iw < a.w1; ++iw) {
              T* dp = dx + at(g, n, 0, ih, iw, g.H, g.W);
              for (int64_t c = 0; c < g.C; ++c) dp[c] += gp[c] * inv;
            }
        }
    }
  });
}

}  // namespace

void CpuBackend::avg_pool2d(const Tensor& in, const Tensor& out, const Window2d& w, bool count_include_pad,
                            int64_t divisor, KernelImpl impl) {
  const bool ref = impl == KernelImpl::Reference;
  const SlidingWindow win{w, count_include_pad, divisor};
  if (in.dtype() == DType::Float32) mean_fwd<float>(in, out, win, ref, "avg_pool2d kernel");
  else mean_fwd<double>(in, out, win, ref, "avg_pool2d kernel");
}

void CpuBackend::avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_in, const Window2d& w,
                                     bool count_include_pad, int64_t divisor, KernelImpl impl) {
  const bool ref = impl == KernelImpl::Reference;
  const SlidingWindow win{w, count_include_pad, divisor};
  if (grad_in.dtype() == DType::Float32) mean_bwd<float>(grad_out, grad_in, win, ref, "avg_pool2d_backward kernel");
  else mean_bwd<double>(grad_out, grad_in, win, ref, "avg_pool2d_backward kernel");
}

void CpuBackend::adaptive_avg_pool2d(const Tensor& in, const Tensor& out, KernelImpl impl) {
  const bool ref = impl == KernelImpl::Reference;
  if (in.dtype() == DType::Float32) mean_fwd<float>(in, out, AdaptiveWindow{}, ref, "adaptive_avg_pool2d kernel");
  else mean_fwd<double>(in, out, AdaptiveWindow{}, ref, "adaptive_avg_pool2d kernel");
}

void CpuBackend::adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_in, KernelImpl impl) {
  const bool ref = impl == KernelImpl::Reference;
  if (grad_in.dtype() == DType::Float32)
    mean_bwd<float>(grad_out, grad_in, AdaptiveWindow{}, ref, "adaptive_avg_pool2d_backward kernel");
  else
    mean_bwd<double>(grad_out, grad_in, AdaptiveWindow{}, ref, "adaptive_avg_pool2d_backward kernel");
}

}  // namespace descent::backend::cpu
