// The augmentations of semi-supervised learning's strong views and of training in general:
// RandomErasing (Cutout), ColorJitter, SpecAugment's FrequencyMasking / TimeMasking, TimeShift and
// GaussianNoise (see transforms.h). Every random draw comes from the sample's SampleRng, so the
// result does not depend on the number of loader threads.
#include <algorithm>
#include <cmath>

#include "descent/core/error.h"
#include "descent/data/transforms.h"
#include "descent/ops/ops.h"

namespace descent::data {
namespace {

void check_floating(const Tensor& x, const char* what) {
  DESCENT_CHECK(x.defined() && is_floating(x.dtype()), what, ": expects a floating tensor, got ",
                x.defined() ? detail::str_cat(x.dtype()) : std::string("undefined"), " (apply ToTensor first)");
}

// A contiguous float64 copy of a floating tensor (results go back with .to(x.dtype())).
Tensor floating_copy(const Tensor& x, const char* what) {
  check_floating(x, what);
  return x.to(DType::Float64).contiguous().clone();
}

// Sets [lo, lo + width) along axis `axis` (of a contiguous tensor) to value.
void fill_band(Tensor& t, int64_t axis, int64_t lo, int64_t width, double value) {
  if (width <= 0) return;
  t.narrow(axis, lo, width).fill_(value);
}

// Masks of SpecAugment along axis (-2: frequency, -1: time).
Tensor mask_bands(const Tensor& x, SampleRng& rng, int64_t axis, int64_t max_width, int64_t count, double value,
                  const char* what) {
  DESCENT_CHECK(x.defined() && x.dim() >= 2, what, ": expects a spectrogram [..., F, T], got ",
                x.defined() ? detail::str_cat("shape ", x.sizes()) : std::string("undefined"));
  Tensor y = floating_copy(x, what);
  const int64_t n = y.size(axis);
  for (int64_t k = 0; k < count; ++k) {
    const int64_t width = std::min(n, rng.randint(0, max_width + 1));
    const int64_t lo = rng.randint(0, n - width + 1);
    fill_band(y, axis, lo, width, value);
  }
  return y.to(x.dtype());
}

}  // namespace

RandomErasing::RandomErasing(double p, double scale_min, double scale_max, double ratio_min, double ratio_max, double value)
    : p_(p), scale_min_(scale_min), scale_max_(scale_max), ratio_min_(ratio_min), ratio_max_(ratio_max), value_(value) {
  DESCENT_CHECK(p >= 0 && p <= 1, "RandomErasing: p must be in [0, 1], got ", p);
  DESCENT_CHECK(scale_min > 0 && scale_min <= scale_max && scale_max <= 1, "RandomErasing: scale must satisfy ",
                "0 < min <= max <= 1, got [", scale_min, ", ", scale_max, "]");
  DESCENT_CHECK(ratio_min > 0 && ratio_min <= ratio_max && std::isfinite(ratio_max), "RandomErasing: ratio must ",
                "satisfy 0 < min <= max, got [", ratio_min, ", ", ratio_max, "]");
  DESCENT_CHECK(std::isfinite(value), "RandomErasing: value must be finite");
}

Tensor RandomErasing::apply(const Tensor& x, SampleRng& rng) const {
  DESCENT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), "RandomErasing: expected an image [C, H, W] or [H, W], got ",
                x.defined() ? detail::str_cat("shape ", x.sizes()) : std::string("undefined"));
  if (!rng.bernoulli(p_)) return x;
  const int64_t h = x.size(-2), w = x.size(-1);
  const double area = double(h * w);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(scale_min_, scale_max_);
    const double ratio = std::exp(rng.uniform(std::log(ratio_min_), std::log(ratio_max_)));
    const int64_t eh = int64_t(std::llround(std::sqrt(target * ratio))), ew = int64_t(std::llround(std::sqrt(target / ratio)));
    if (eh < 1 || ew < 1 || eh > h || ew > w) continue;
    const int64_t top = rng.randint(0, h - eh + 1), left = rng.randint(0, w - ew + 1);
    Tensor y = floating_copy(x, "RandomErasing");
    y.narrow(-2, top, eh).narrow(-1, left, ew).fill_(value_);
    return y.to(x.dtype());
  }
  return x;
}

ColorJitter::ColorJitter(double brightness, double contrast, bool clamp)
    : brightness_(brightness), contrast_(contrast), clamp_(clamp) {
  DESCENT_CHECK(brightness >= 0 && std::isfinite(brightness) && contrast >= 0 && std::isfinite(contrast),
                "ColorJitter: brightness (", brightness, ") and contrast (", contrast, ") must be finite and >= 0");
}

Tensor ColorJitter::apply(const Tensor& x, SampleRng& rng) const {
  DESCENT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), "ColorJitter: expected an image [C, H, W] or [H, W], got ",
                x.defined() ? detail::str_cat("shape ", x.sizes()) : std::string("undefined"));
  Tensor y = floating_copy(x, "ColorJitter");
  const double b = rng.uniform(std::max(0.0, 1 - brightness_), 1 + brightness_);
  const double c = rng.uniform(std::max(0.0, 1 - contrast_), 1 + contrast_);
  auto brightness = [&] {
    if (brightness_ > 0) y = y * b;
    if (clamp_) y = y.clamp(0.0, 1.0);
  };
  auto contrast = [&] {
    if (contrast_ <= 0) return;
    // The mean of the grayscale image (ITU-R 601-2 luma for 3 channels, the plain mean otherwise).
    double mean;
    if (y.dim() == 3 && y.size(0) == 3)
      mean = (y.select(0, 0) * 0.299 + y.select(0, 1) * 0.587 + y.select(0, 2) * 0.114).mean().item<double>();
    else
      mean = y.mean().item<double>();
    y = y * c + (1 - c) * mean;
    if (clamp_) y = y.clamp(0.0, 1.0);
  };
  if (rng.bernoulli(0.5)) {
    brightness();
    contrast();
  } else {
    contrast();
    brightness();
  }
  return y.to(x.dtype());
}

BandMasking::BandMasking(int64_t axis, int64_t max_width, int64_t count, double value, const char* what)
    : axis_(axis), max_width_(max_width), count_(count), value_(value), what_(what) {
  DESCENT_CHECK(axis == -1 || axis == -2, what, ": axis must be -2 (frequency) or -1 (time), got ", axis);
  DESCENT_CHECK(max_width >= 0 && count >= 0 && std::isfinite(value), what, ": max_width (", max_width, ") and count (",
                count, ") must be >= 0 and value finite");
}

Tensor BandMasking::apply(const Tensor& x, SampleRng& rng) const {
  return mask_bands(x, rng, axis_, max_width_, count_, value_, what_);
}

TimeShift::TimeShift(int64_t max_shift) : max_shift_(max_shift) {
  DESCENT_CHECK(max_shift >= 0, "TimeShift: max_shift must be >= 0, got ", max_shift);
}

Tensor TimeShift::apply(const Tensor& x, SampleRng& rng) const {
  DESCENT_CHECK(x.defined() && x.dim() >= 1, "TimeShift: expects a tensor with a time axis");
  const int64_t n = x.size(-1);
  if (n == 0) return x;
  const int64_t shift = rng.randint(-max_shift_, max_shift_ + 1);
  const int64_t s = ((shift % n) + n) % n;  // to the right, wrapping
  if (s == 0) return x;
  return cat({x.narrow(-1, n - s, s), x.narrow(-1, 0, n - s)}, x.dim() - 1);
}

GaussianNoise::GaussianNoise(double std) : std_(std) {
  DESCENT_CHECK(std >= 0 && std::isfinite(std), "GaussianNoise: std must be finite and >= 0, got ", std);
}

Tensor GaussianNoise::apply(const Tensor& x, SampleRng& rng) const {
  check_floating(x, "GaussianNoise");
  if (std_ == 0) return x;
  Tensor y = floating_copy(x, "GaussianNoise");
  double* p = y.data_ptr<double>();
  // Box-Muller from the sample's stream.
  for (int64_t i = 0; i < y.numel(); i += 2) {
    const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1)) * std_;
    p[i] += r * std::cos(2 * M_PI * u2);
    if (i + 1 < y.numel()) p[i + 1] += r * std::sin(2 * M_PI * u2);
  }
  return y.to(x.dtype());
}

}  // namespace descent::data
