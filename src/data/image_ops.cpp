// Single-image kernels (resize, crop, flip, rotate, grayscale, to_tensor, normalize).
//
// They live here as plain loops rather than in the backend: they act on one uint8 or float image
// outside autograd, and they run on DataLoader worker threads, which must not take the intra-op
// thread pool from the training thread. A batched, differentiable interpolate belongs in
// backend/ + ops/ when a model needs it.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "descent/core/error.h"
#include "descent/data/transforms.h"
#include "descent/ops/ops.h"

namespace descent::data::image {
namespace {

// An image as planes: element (c, y, x) is at base[c * cs + y * rs + x * ps].
struct Layout {
  int64_t c = 1, h = 0, w = 0;
  bool hwc = false;         // uint8 images are [H, W, C]; floating ones [C, H, W]
  bool channel_dim = true;  // false for [H, W]
  int64_t cs() const { return hwc ? 1 : h * w; }
  int64_t rs() const { return hwc ? w * c : w; }
  int64_t ps() const { return hwc ? c : 1; }
  Shape shape() const {
    if (!channel_dim) return {h, w};
    return hwc ? Shape{h, w, c} : Shape{c, h, w};
  }
};

Layout layout_of(const Tensor& img, const char* op) {
  DESCENT_CHECK(img.defined(), op, ": image is undefined");
  const DType t = img.dtype();
  DESCENT_CHECK(t == kUInt8 || is_floating(t), op, ": expected a uint8 [H, W, C] / [H, W] image or a floating [C, H, W] / [H, W] tensor, got dtype ", t);
  DESCENT_CHECK(img.dim() == 2 || img.dim() == 3, op, ": expected an image of 2 or 3 dims (uint8 [H, W, C], floating [C, H, W], or [H, W]), got shape ", img.sizes());
  Layout l;
  l.hwc = t == kUInt8;
  if (img.dim() == 2) {
    l.channel_dim = false;
    l.h = img.size(0);
    l.w = img.size(1);
  } else if (l.hwc) {
    l.h = img.size(0);
    l.w = img.size(1);
    l.c = img.size(2);
  } else {
    l.c = img.size(0);
    l.h = img.size(1);
    l.w = img.size(2);
  }
  return l;
}

Layout with_size(Layout l, int64_t h, int64_t w) {
  l.h = h;
  l.w = w;
  return l;
}

// Stores a float result into T: uint8 rounds half to even (torch.round) and saturates.
template <typename T>
T store(double v) {
  if constexpr (std::is_same_v<T, uint8_t>) return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0, 255.0));
  else return static_cast<T>(v);
}

// Runs f.template operator()<T>() with T the image's element type (uint8, float, double).
template <typename F>
void dispatch_image(DType t, const char* op, F&& f) {
  switch (t) {
    case kUInt8: f.template operator()<uint8_t>(); break;
    case kFloat32: f.template operator()<float>(); break;
    case kFloat64: f.template operator()<double>(); break;
    default: DESCENT_FAIL(op, ": unsupported dtype ", t);
  }
}

Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.contiguous(); }

// Interpolation happens in float for uint8 and float32 (PyTorch's opmath), in double for float64.
template <typename T>
using Math = std::conditional_t<std::is_same_v<T, double>, double, float>;

// PyTorch's compute_indices_weights_linear for align_corners=False without a scale factor.
template <typename M>
void linear_taps(int64_t in, int64_t out, std::vector<int64_t>& i0, std::vector<int64_t>& i1, std::vector<M>& l0,
                 std::vector<M>& l1) {
  const M scale = static_cast<M>(in) / static_cast<M>(out);
  for (int64_t d = 0; d < out; ++d) {
    const M src = std::max(scale * (static_cast<M>(d) + M(0.5)) - M(0.5), M(0));
    const int64_t a = static_cast<int64_t>(src);
    const int64_t b = a + (a < in - 1 ? 1 : 0);
    const M lam = std::clamp(src - static_cast<M>(a), M(0), M(1));
    i0.push_back(a);
    i1.push_back(b);
    l1.push_back(lam);
    l0.push_back(M(1) - lam);
  }
}

}  // namespace

Tensor to_tensor(const Tensor& img) {
  DESCENT_CHECK(img.defined() && img.dtype() == kUInt8, "ToTensor: expected a uint8 image ([H, W, C] or [H, W]), got ",
                img.defined() ? detail::str_cat("dtype ", img.dtype(), " shape ", img.sizes()) : std::string("undefined"));
  const Layout l = layout_of(img, "ToTensor");
  const Tensor src = dense(img);
  Tensor out = empty({l.c, l.h, l.w}, kFloat32);
  const uint8_t* s = src.data_ptr<uint8_t>();
  float* d = out.data_ptr<float>();
  const int64_t hw = l.h * l.w;
  for (int64_t p = 0; p < hw; ++p)
    for (int64_t c = 0; c < l.c; ++c) d[c * hw + p] = static_cast<float>(s[p * l.c + c]) / 255.0f;
  return out;
}

Tensor normalize(const Tensor& img, const std::vector<double>& mean, const std::vector<double>& std) {
  DESCENT_CHECK(img.defined() && is_floating(img.dtype()), "Normalize: expected a floating tensor (use ToTensor first), got ",
                img.defined() ? detail::str_cat("dtype ", img.dtype()) : std::string("undefined"));
  DESCENT_CHECK(img.dim() >= 2, "Normalize: expected a [C, H, W] or [H, W] tensor, got shape ", img.sizes());
  const int64_t c = img.dim() == 2 ? 1 : img.size(0);
  DESCENT_CHECK((mean.size() == 1 || int64_t(mean.size()) == c) && (std.size() == 1 || int64_t(std.size()) == c),
                "Normalize: ", mean.size(), " means and ", std.size(), " stds for a tensor of ", c, " channels (shape ",
                img.sizes(), ")");
  const Tensor src = dense(img);
  Tensor out = empty(src.sizes(), src.dtype());
  const int64_t per = src.numel() / std::max<int64_t>(c, 1);
  dispatch_image(src.dtype(), "Normalize", [&]<typename T>() {
    const T* s = src.data_ptr<T>();
    T* d = out.data_ptr<T>();
    for (int64_t ch = 0; ch < c; ++ch) {
      const T m = static_cast<T>(mean[mean.size() == 1 ? 0 : size_t(ch)]);
      const T inv = static_cast<T>(1.0 / std[std.size() == 1 ? 0 : size_t(ch)]);
      for (int64_t i = ch * per; i < (ch + 1) * per; ++i) d[i] = (s[i] - m) * inv;
    }
  });
  return out;
}

Tensor resize(const Tensor& img, int64_t height, int64_t width) {
  const Layout l = layout_of(img, "Resize");
  DESCENT_CHECK(height >= 1 && width >= 1, "Resize: output size must be positive, got ", height, " x ", width);
  DESCENT_CHECK(l.h >= 1 && l.w >= 1, "Resize: cannot resize an empty image of shape ", img.sizes());
  const Layout o = with_size(l, height, width);
  const Tensor src = dense(img);
  Tensor out = empty(o.shape(), img.dtype());
  dispatch_image(img.dtype(), "Resize", [&]<typename T>() {
    using M = Math<T>;
    std::vector<int64_t> y0, y1, x0, x1;
    std::vector<M> wy0, wy1, wx0, wx1;
    linear_taps<M>(l.h, height, y0, y1, wy0, wy1);
    linear_taps<M>(l.w, width, x0, x1, wx0, wx1);
    const T* s = src.data_ptr<T>();
    T* d = out.data_ptr<T>();
    for (int64_t c = 0; c < l.c; ++c) {
      const T* sp = s + c * l.cs();
      T* dp = d + c * o.cs();
      for (int64_t y = 0; y < height; ++y) {
        const T* r0 = sp + y0[size_t(y)] * l.rs();
        const T* r1 = sp + y1[size_t(y)] * l.rs();
        const M a = wy0[size_t(y)], b = wy1[size_t(y)];
        for (int64_t x = 0; x < width; ++x) {
          const int64_t p0 = x0[size_t(x)] * l.ps(), p1 = x1[size_t(x)] * l.ps();
          const M u = wx0[size_t(x)], v = wx1[size_t(x)];
          const M val = a * (u * M(r0[p0]) + v * M(r0[p1])) + b * (u * M(r1[p0]) + v * M(r1[p1]));
          dp[y * o.rs() + x * o.ps()] = store<T>(val);
        }
      }
    }
  });
  return out;
}

Tensor crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width) {
  const Layout l = layout_of(img, "crop");
  DESCENT_CHECK(height >= 0 && width >= 0, "crop: size must be non-negative, got ", height, " x ", width);
  const Layout o = with_size(l, height, width);
  const Tensor src = dense(img);
  Tensor out = empty(o.shape(), img.dtype());
  const size_t es = img.element_size();
  if (out.nbytes()) std::memset(out.raw_data(), 0, out.nbytes());  // all-zero bytes are 0 for every dtype
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  // Rows and columns of the window that fall inside the image; the rest stays zero.
  const int64_t y_lo = std::max<int64_t>(0, -top), y_hi = std::min<int64_t>(height, l.h - top);
  const int64_t x_lo = std::max<int64_t>(0, -left), x_hi = std::min<int64_t>(width, l.w - left);
  if (y_lo >= y_hi || x_lo >= x_hi) return out;
  for (int64_t c = 0; c < (l.hwc ? 1 : l.c); ++c)  // HWC rows hold all channels: copy them whole
    for (int64_t y = y_lo; y < y_hi; ++y) {
      const int64_t px = l.hwc ? l.c : 1;
      const char* from = s + es * size_t(c * l.cs() + (y + top) * l.rs() + (x_lo + left) * px);
      char* to = d + es * size_t(c * o.cs() + y * o.rs() + x_lo * px);
      std::memcpy(to, from, es * size_t((x_hi - x_lo) * px));
    }
  return out;
}

Tensor center_crop(const Tensor& img, int64_t height, int64_t width) {
  const Layout l = layout_of(img, "CenterCrop");
  DESCENT_CHECK(height >= 1 && width >= 1, "CenterCrop: size must be positive, got ", height, " x ", width);
  // torchvision: zero-pad (floor half before) when the crop is larger, else top = round((H - h) / 2)
  // with Python's round (half to even).
  auto offset = [](int64_t in, int64_t out) -> int64_t {
    if (out > in) return -((out - in) / 2);
    const int64_t d = in - out, q = d / 2;
    return (d % 2 == 1 && q % 2 == 1) ? q + 1 : q;
  };
  return crop(img, offset(l.h, height), offset(l.w, width), height, width);
}

Tensor hflip(const Tensor& img) {
  const Layout l = layout_of(img, "hflip");
  const Tensor src = dense(img);
  Tensor out = empty(l.shape(), img.dtype());
  const size_t es = img.element_size();
  const size_t px = es * size_t(l.ps());
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  const size_t pixel_bytes = l.hwc ? px : es;
  for (int64_t c = 0; c < (l.hwc ? 1 : l.c); ++c)
    for (int64_t y = 0; y < l.h; ++y) {
      const char* row = s + es * size_t(c * l.cs() + y * l.rs());
      char* orow = d + es * size_t(c * l.cs() + y * l.rs());
      for (int64_t x = 0; x < l.w; ++x)
        std::memcpy(orow + size_t(x) * pixel_bytes, row + size_t(l.w - 1 - x) * pixel_bytes, pixel_bytes);
    }
  return out;
}

Tensor rotate(const Tensor& img, double degrees) {
  const Layout l = layout_of(img, "rotate");
  DESCENT_CHECK(std::isfinite(degrees), "rotate: angle must be finite, got ", degrees);
  const Tensor src = dense(img);
  Tensor out = empty(l.shape(), img.dtype());
  // Output pixel (x, y) samples the input at R(angle) applied about the centre: the inverse map
  // of a counter-clockwise rotation on screen (y down), as torchvision's rotate + grid_sample
  // (bilinear, align_corners=False, zeros outside).
  const double a = degrees * 3.14159265358979323846 / 180.0;
  const double ca = std::cos(a), sa = std::sin(a);
  const double cx = 0.5 * double(l.w - 1), cy = 0.5 * double(l.h - 1);
  dispatch_image(img.dtype(), "rotate", [&]<typename T>() {
    const T* s = src.data_ptr<T>();
    T* d = out.data_ptr<T>();
    auto at = [&](int64_t c, int64_t y, int64_t x) -> double {
      if (y < 0 || y >= l.h || x < 0 || x >= l.w) return 0.0;
      return double(s[c * l.cs() + y * l.rs() + x * l.ps()]);
    };
    for (int64_t y = 0; y < l.h; ++y)
      for (int64_t x = 0; x < l.w; ++x) {
        const double dx = double(x) - cx, dy = double(y) - cy;
        const double ix = ca * dx - sa * dy + cx, iy = sa * dx + ca * dy + cy;
        const double fx = std::floor(ix), fy = std::floor(iy);
        const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
        const double wx = ix - fx, wy = iy - fy;
        for (int64_t c = 0; c < l.c; ++c) {
          const double v = (1 - wy) * ((1 - wx) * at(c, y0, x0) + wx * at(c, y0, x0 + 1)) +
                           wy * ((1 - wx) * at(c, y0 + 1, x0) + wx * at(c, y0 + 1, x0 + 1));
          d[c * l.cs() + y * l.rs() + x * l.ps()] = store<T>(v);
        }
      }
  });
  return out;
}

Tensor to_grayscale(const Tensor& img, int num_output_channels) {
  const Layout l = layout_of(img, "Grayscale");
  DESCENT_CHECK(num_output_channels == 1 || num_output_channels == 3, "Grayscale: num_output_channels must be 1 or 3, got ",
                num_output_channels);
  DESCENT_CHECK(l.c == 1 || l.c == 3, "Grayscale: expected 1 or 3 channels, got shape ", img.sizes());
  Layout o = l;
  o.c = num_output_channels;
  o.channel_dim = l.channel_dim || num_output_channels == 3;
  const Tensor src = dense(img);
  Tensor out = empty(o.shape(), img.dtype());
  dispatch_image(img.dtype(), "Grayscale", [&]<typename T>() {
    const T* s = src.data_ptr<T>();
    T* d = out.data_ptr<T>();
    for (int64_t y = 0; y < l.h; ++y)
      for (int64_t x = 0; x < l.w; ++x) {
        const T* p = s + y * l.rs() + x * l.ps();
        T v;
        if (l.c == 1) v = p[0];
        else
          v = store<T>(0.299 * double(p[0]) + 0.587 * double(p[l.cs()]) + 0.114 * double(p[2 * l.cs()]));
        for (int64_t c = 0; c < o.c; ++c) d[c * o.cs() + y * o.rs() + x * o.ps()] = v;
      }
  });
  return out;
}

Tensor to_channels_last(const Tensor& img) {
  DESCENT_CHECK(img.defined() && is_floating(img.dtype()) && img.dim() == 3,
                "ToChannelsLast: expected a floating [C, H, W] tensor (after ToTensor), got ",
                img.defined() ? detail::str_cat("dtype ", img.dtype(), " shape ", img.sizes()) : std::string("undefined"));
  const int64_t c = img.size(0), h = img.size(1), w = img.size(2);
  Tensor out = empty_strided({c, h, w}, {1, w * c, c}, img.dtype());
  const Tensor src = dense(img);
  dispatch_image(img.dtype(), "ToChannelsLast", [&]<typename T>() {
    const T* s = src.data_ptr<T>();
    T* d = out.data_ptr<T>();
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p) d[p * c + ch] = s[ch * h * w + p];
  });
  return out;
}

}  // namespace descent::data::image
