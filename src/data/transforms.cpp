#include "descent/data/transforms.h"

#include <cmath>

#include "descent/core/error.h"

namespace descent::data {

Tensor Transform::operator()(const Tensor& x) const {
  if (SampleRng* rng = current_sample_rng()) return apply(x, *rng);
  SampleRng rng(0, 0, 0);
  return apply(x, rng);
}

Tensor Compose::apply(const Tensor& x, SampleRng& rng) const {
  Tensor y = x;
  for (const auto& t : transforms_) {
    DESCENT_CHECK(static_cast<bool>(t), "Compose: a transform is empty");
    y = t(y, rng);
  }
  return y;
}

Tensor ToTensor::apply(const Tensor& x, SampleRng&) const { return image::to_tensor(x); }

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  DESCENT_CHECK(!mean_.empty() && !std_.empty(), "Normalize: mean and std must not be empty");
  DESCENT_CHECK(mean_.size() == std_.size() || mean_.size() == 1 || std_.size() == 1, "Normalize: ", mean_.size(),
                " means but ", std_.size(), " stds");
  for (size_t c = 0; c < std_.size(); ++c)
    DESCENT_CHECK(std::isfinite(std_[c]) && std_[c] != 0.0, "Normalize: std of channel ", c, " is ", std_[c],
                  "; it must be finite and non-zero");
  for (size_t c = 0; c < mean_.size(); ++c)
    DESCENT_CHECK(std::isfinite(mean_[c]), "Normalize: mean of channel ", c, " is ", mean_[c]);
}

Tensor Normalize::apply(const Tensor& x, SampleRng&) const { return image::normalize(x, mean_, std_); }

ChannelStats compute_mean_std(const Dataset& dataset, int64_t max_samples) {
  const int64_t n = max_samples < 0 ? dataset.size() : std::min(max_samples, dataset.size());
  DESCENT_CHECK(n > 0, "compute_mean_std: the dataset is empty");
  std::vector<double> mean, m2;
  std::vector<int64_t> count;
  for (int64_t i = 0; i < n; ++i) {
    const Tensor x = dataset.get(i).data;
    DESCENT_CHECK(x.defined() && is_floating(x.dtype()) && x.dim() >= 2, "compute_mean_std: example ", i,
                  " has ", x.defined() ? detail::str_cat("dtype ", x.dtype(), " shape ", x.sizes()) : std::string("no data"),
                  "; expected a floating [C, H, W] or [H, W] tensor (apply ToTensor first)");
    const int64_t c = x.dim() == 2 ? 1 : x.size(0);
    if (i == 0) {
      mean.assign(size_t(c), 0.0);
      m2.assign(size_t(c), 0.0);
      count.assign(size_t(c), 0);
    }
    DESCENT_CHECK(c == int64_t(mean.size()), "compute_mean_std: example ", i, " has ", c, " channels but example 0 has ",
                  mean.size());
    const std::vector<double> v = x.contiguous().to_vector<double>();
    const int64_t per = int64_t(v.size()) / c;
    if (per == 0) continue;
    for (int64_t ch = 0; ch < c; ++ch) {
      const double* p = v.data() + ch * per;
      double s = 0;
      for (int64_t k = 0; k < per; ++k) s += p[k];
      const double mu = s / double(per);
      double q = 0;
      for (int64_t k = 0; k < per; ++k) q += (p[k] - mu) * (p[k] - mu);
      // Chan et al.: merge (count, mean, M2) of the running total and this sample.
      const double na = double(count[size_t(ch)]), nb = double(per), nt = na + nb;
      const double delta = mu - mean[size_t(ch)];
      mean[size_t(ch)] += delta * nb / nt;
      m2[size_t(ch)] += q + delta * delta * na * nb / nt;
      count[size_t(ch)] += per;
    }
  }
  ChannelStats out;
  for (size_t ch = 0; ch < mean.size(); ++ch) {
    out.mean.push_back(mean[ch]);
    out.std.push_back(count[ch] ? std::sqrt(m2[ch] / double(count[ch])) : 0.0);
  }
  return out;
}

Resize::Resize(int64_t size) : h_(size), w_(size), smaller_edge_(true) {
  DESCENT_CHECK(size >= 1, "Resize: size must be positive, got ", size);
}

Resize::Resize(int64_t height, int64_t width) : h_(height), w_(width), smaller_edge_(false) {
  DESCENT_CHECK(height >= 1 && width >= 1, "Resize: size must be positive, got ", height, " x ", width);
}

Tensor Resize::apply(const Tensor& x, SampleRng&) const {
  if (!smaller_edge_) return image::resize(x, h_, w_);
  DESCENT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), "Resize: expected an image of 2 or 3 dims, got ",
                x.defined() ? detail::str_cat("shape ", x.sizes()) : std::string("undefined"));
  const bool hwc = x.dtype() == kUInt8 || x.dim() == 2;
  const int64_t h = hwc ? x.size(0) : x.size(1), w = hwc ? x.size(1) : x.size(2);
  DESCENT_CHECK(h >= 1 && w >= 1, "Resize: cannot resize an empty image of shape ", x.sizes());
  // torchvision: the short side becomes size, the long one int(size * long / short).
  const int64_t shorter = std::min(h, w), longer = std::max(h, w);
  const int64_t new_long = static_cast<int64_t>(double(h_) * double(longer) / double(shorter));
  return w <= h ? image::resize(x, new_long, h_) : image::resize(x, h_, new_long);
}

CenterCrop::CenterCrop(int64_t height, int64_t width) : h_(height), w_(width) {
  DESCENT_CHECK(height >= 1 && width >= 1, "CenterCrop: size must be positive, got ", height, " x ", width);
}

Tensor CenterCrop::apply(const Tensor& x, SampleRng&) const { return image::center_crop(x, h_, w_); }

RandomCrop::RandomCrop(int64_t height, int64_t width, int64_t padding) : h_(height), w_(width), padding_(padding) {
  DESCENT_CHECK(height >= 1 && width >= 1, "RandomCrop: size must be positive, got ", height, " x ", width);
  DESCENT_CHECK(padding >= 0, "RandomCrop: padding must be non-negative, got ", padding);
}

Tensor RandomCrop::apply(const Tensor& x, SampleRng& rng) const {
  DESCENT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), "RandomCrop: expected an image of 2 or 3 dims, got ",
                x.defined() ? detail::str_cat("shape ", x.sizes()) : std::string("undefined"));
  const bool hwc = x.dtype() == kUInt8 || x.dim() == 2;
  const int64_t h = (hwc ? x.size(0) : x.size(1)) + 2 * padding_, w = (hwc ? x.size(1) : x.size(2)) + 2 * padding_;
  DESCENT_CHECK(h_ <= h && w_ <= w, "RandomCrop: crop ", h_, " x ", w_, " is larger than the padded image ", h, " x ",
                w, " (shape ", x.sizes(), ", padding ", padding_, ")");
  const int64_t top = rng.randint(0, h - h_ + 1), left = rng.randint(0, w - w_ + 1);
  return image::crop(x, top - padding_, left - padding_, h_, w_);
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  DESCENT_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Tensor RandomHorizontalFlip::apply(const Tensor& x, SampleRng& rng) const {
  return rng.bernoulli(p_) ? image::hflip(x) : x;
}

RandomRotation::RandomRotation(double min_degrees, double max_degrees) : lo_(min_degrees), hi_(max_degrees) {
  DESCENT_CHECK(std::isfinite(lo_) && std::isfinite(hi_) && lo_ <= hi_, "RandomRotation: bad angle range [", lo_,
                ", ", hi_, "]");
}

Tensor RandomRotation::apply(const Tensor& x, SampleRng& rng) const { return image::rotate(x, rng.uniform(lo_, hi_)); }

Tensor ToChannelsLast::apply(const Tensor& x, SampleRng&) const { return image::to_channels_last(x); }

Grayscale::Grayscale(int num_output_channels) : out_channels_(num_output_channels) {
  DESCENT_CHECK(num_output_channels == 1 || num_output_channels == 3, "Grayscale: num_output_channels must be 1 or 3, got ",
                num_output_channels);
}

Tensor Grayscale::apply(const Tensor& x, SampleRng&) const { return image::to_grayscale(x, out_channels_); }

}  // namespace descent::data
