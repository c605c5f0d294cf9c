#pragma once
// Transforms of single samples, composable with Compose (torchvision.transforms).
//
// Image layout rule: a uint8 image is pixels as decoded, [H, W, C] or [H, W]; a floating image is a
// tensor as models take it, [C, H, W] or [H, W]. ToTensor turns the first into the second.
// Geometric transforms accept both and keep the dtype and layout.
//
// Random transforms draw from the SampleRng passed in; inside a DataLoader (through MapDataset)
// that is the current sample's stream, so augmentations do not depend on the worker count.
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/data/dataset.h"
#include "descent/data/sample_rng.h"

namespace descent::data {

/// Base of the transforms: apply() does the work; operator() makes them TensorTransforms.
class Transform {
 public:
  virtual ~Transform() = default;
  virtual Tensor apply(const Tensor& x, SampleRng& rng) const = 0;
  Tensor operator()(const Tensor& x, SampleRng& rng) const { return apply(x, rng); }
  /// With the current sample's SampleRng, or SampleRng(0, 0, 0) outside a loader.
  Tensor operator()(const Tensor& x) const;
};

/// Applies transforms in order.
class Compose : public Transform {
 public:
  Compose(std::initializer_list<TensorTransform> transforms) : transforms_(transforms) {}
  explicit Compose(std::vector<TensorTransform> transforms) : transforms_(std::move(transforms)) {}
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  std::vector<TensorTransform> transforms_;
};

/// uint8 [H, W, C] -> float32 [C, H, W] in [0, 1] (x / 255); uint8 [H, W] -> float32 [1, H, W].
class ToTensor : public Transform {
 public:
  Tensor apply(const Tensor& x, SampleRng& rng) const override;
};

/// (x - mean[c]) / std[c] per channel of a floating [C, ...] tensor; one mean/std serves all channels.
class Normalize : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  std::vector<double> mean_, std_;
};

/// Per-channel mean and standard deviation over every element of every sample.
struct ChannelStats {
  std::vector<double> mean;
  std::vector<double> std;
};
/// Mean and population std (divisor count) per channel of the floating [C, ...] data of a dataset
/// (e.g. after ToTensor), from the first max_samples examples (all when negative). Accumulates in
/// float64 with Chan's parallel update, so large datasets lose no precision.
ChannelStats compute_mean_std(const Dataset& dataset, int64_t max_samples = -1);

/// Bilinear resize as PyTorch interpolate(mode="bilinear", align_corners=False, antialias=False).
class Resize : public Transform {
 public:
  /// The smaller edge becomes `size`, the other keeps the aspect ratio (int(size * long / short)).
  explicit Resize(int64_t size);
  /// Exactly height x width.
  Resize(int64_t height, int64_t width);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t h_, w_;
  bool smaller_edge_;
};

/// The central height x width region (torchvision: top = round((H - h) / 2)); zero-padded if larger.
class CenterCrop : public Transform {
 public:
  explicit CenterCrop(int64_t size) : CenterCrop(size, size) {}
  CenterCrop(int64_t height, int64_t width);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t h_, w_;
};

/// A random height x width crop after zero-padding each side by `padding` pixels.
class RandomCrop : public Transform {
 public:
  explicit RandomCrop(int64_t size, int64_t padding = 0) : RandomCrop(size, size, padding) {}
  RandomCrop(int64_t height, int64_t width, int64_t padding);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t h_, w_, padding_;
};

/// Mirrors left-right with probability p.
class RandomHorizontalFlip : public Transform {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  double p_;
};

/// Rotates by an angle uniform in [-degrees, degrees] (counter-clockwise for positive angles) about
/// the image centre, bilinear, zero outside the image.
class RandomRotation : public Transform {
 public:
  explicit RandomRotation(double degrees) : RandomRotation(-degrees, degrees) {}
  RandomRotation(double min_degrees, double max_degrees);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  double lo_, hi_;
};

/// Erases a random rectangle of a floating [C, H, W] (or [H, W]) image with probability p, as
/// torchvision's RandomErasing (Zhong et al. 2017; with p = 1 and a fixed scale, Cutout): its area
/// is a fraction in [scale_min, scale_max] of the image and its aspect ratio log-uniform in
/// [ratio_min, ratio_max], up to 10 tries to fit, every channel set to `value`.
class RandomErasing : public Transform {
 public:
  explicit RandomErasing(double p = 0.5, double scale_min = 0.02, double scale_max = 0.33, double ratio_min = 0.3,
                         double ratio_max = 3.3, double value = 0.0);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  double p_, scale_min_, scale_max_, ratio_min_, ratio_max_, value_;
};

/// Random brightness and contrast of a floating [C, H, W] (or [H, W]) image, as torchvision's
/// ColorJitter: brightness multiplies by b, contrast blends with the mean of the grayscale image
/// (c x + (1 - c) mean), b and c uniform in [max(0, 1 - brightness), 1 + brightness] and
/// [max(0, 1 - contrast), 1 + contrast], in random order; the result is clamped to [0, 1] when
/// `clamp` (pixels in [0, 1]; leave it off for normalised images).
class ColorJitter : public Transform {
 public:
  explicit ColorJitter(double brightness = 0.0, double contrast = 0.0, bool clamp = true);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  double brightness_, contrast_;
  bool clamp_;
};

/// SpecAugment masks (Park et al. 2019) of a floating spectrogram [..., F, T] (torchaudio's
/// FrequencyMasking / TimeMasking): `count` bands of width uniform in [0, max_width] at random
/// positions along the frequency (axis -2) or time (axis -1) axis are set to `value`.
class BandMasking : public Transform {
 public:
  /// axis -2 (frequency) or -1 (time); `what` names the transform in errors.
  BandMasking(int64_t axis, int64_t max_width, int64_t count, double value, const char* what);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t axis_, max_width_, count_;
  double value_;
  const char* what_;
};
class FrequencyMasking : public BandMasking {
 public:
  explicit FrequencyMasking(int64_t max_width, int64_t count = 1, double value = 0.0)
      : BandMasking(-2, max_width, count, value, "FrequencyMasking") {}
};
class TimeMasking : public BandMasking {
 public:
  explicit TimeMasking(int64_t max_width, int64_t count = 1, double value = 0.0)
      : BandMasking(-1, max_width, count, value, "TimeMasking") {}
};

/// Rolls a floating tensor along its last axis (time, for waveforms [C, N] and spectrograms
/// [..., F, T]) by a whole number of steps uniform in [-max_shift, max_shift], wrapping around.
class TimeShift : public Transform {
 public:
  explicit TimeShift(int64_t max_shift);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t max_shift_;
};

/// Adds Gaussian noise N(0, std^2) to a floating tensor, drawn from the sample's stream.
class GaussianNoise : public Transform {
 public:
  explicit GaussianNoise(double std);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  double std_;
};

/// A floating [C, H, W] tensor with channels-last memory (strides [1, W*C, C]); the logical shape
/// is unchanged, and stack_collate turns such samples into a channels-last [N, C, H, W] batch.
class ToChannelsLast : public Transform {
 public:
  Tensor apply(const Tensor& x, SampleRng& rng) const override;
};

/// RGB -> luma with ITU-R 601-2 weights L = 0.299 R + 0.587 G + 0.114 B, as 1 or 3 (repeated)
/// channels; a one-channel image is passed through (or repeated). uint8 results are rounded.
class Grayscale : public Transform {
 public:
  explicit Grayscale(int num_output_channels = 1);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int out_channels_;
};

/// Single-image functions behind the transforms (same layout rule; plain loops, no thread pool).
namespace image {
Tensor to_tensor(const Tensor& img);
Tensor normalize(const Tensor& img, const std::vector<double>& mean, const std::vector<double>& std);
Tensor resize(const Tensor& img, int64_t height, int64_t width);
/// The height x width window whose top-left corner is (top, left); pixels outside the image are 0.
Tensor crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width);
Tensor center_crop(const Tensor& img, int64_t height, int64_t width);
Tensor hflip(const Tensor& img);
/// Counter-clockwise by `degrees` about the centre ((W-1)/2, (H-1)/2), bilinear, zero fill.
Tensor rotate(const Tensor& img, double degrees);
Tensor to_grayscale(const Tensor& img, int num_output_channels = 1);
Tensor to_channels_last(const Tensor& img);
}  // namespace image

}  // namespace descent::data
