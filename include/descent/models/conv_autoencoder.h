#pragma once
// ConvAutoencoder: a convolutional autoencoder for images (config name "conv_autoencoder"), trained
// to reproduce its input (MSE against the input); its bottleneck vector serves as learned features
// (e.g. for KMeans).
//
//   encoder: per entry c of channels: Conv2d(c_prev, c, 3, stride 2, padding 1) -> (BatchNorm2d(c)) -> ReLU,
//            then Flatten -> Linear(c_last * H' * W', latent)                              (the bottleneck)
//   decoder: Linear(latent, c_last * H' * W') -> ReLU -> Unflatten to [c_last, H', W'],
//            per block in reverse: ConvTranspose2d(c, c_prev, 3, stride 2, padding 1, output_padding 0 or 1)
//            -> (BatchNorm2d) -> ReLU, the last one to in_channels -> Sigmoid
//
// Each stride-2 convolution maps a size s to floor((s - 1) / 2) + 1 (28 -> 14 -> 7); each transposed
// convolution picks its output_padding so that the decoder gives back exactly the size its mirror
// took in, so any H x W works (odd sizes too). The Sigmoid output matches inputs scaled to [0, 1]
// (ToTensor). With batch_norm the convolutions have no bias. Defaults: channels {32, 64}, latent 32,
// BatchNorm.
//
// Input [N, in_channels, height, width] float; forward gives the reconstruction of the same shape,
// encode() the bottleneck [N, latent], decode() maps [N, latent] back to images.
// State-dict names: "encoder.<i>.weight", "decoder_fc.<i>.weight", "decoder.<i>.weight".
#include <vector>

#include "descent/nn/modules/sequential.h"

namespace descent::models {

/// Options of ConvAutoencoder: `ConvAutoencoderOptions(1).image_size(28, 28).channels({32, 64}).latent(32)`.
struct ConvAutoencoderOptions {
  explicit ConvAutoencoderOptions(int64_t in_channels = 1) : in_channels_(in_channels) {}
  ConvAutoencoderOptions& in_channels(int64_t c) { in_channels_ = c; return *this; }
  /// Input image height and width in pixels (default 28 x 28); they fix the bottleneck Linear's size.
  ConvAutoencoderOptions& image_size(int64_t height, int64_t width) { height_ = height; width_ = width; return *this; }
  ConvAutoencoderOptions& height(int64_t h) { height_ = h; return *this; }
  ConvAutoencoderOptions& width(int64_t w) { width_ = w; return *this; }
  /// Output channels of each stride-2 encoder block (default {32, 64}); each halves H and W (rounding up).
  ConvAutoencoderOptions& channels(std::vector<int64_t> c) { channels_ = std::move(c); return *this; }
  /// Size of the bottleneck vector (default 32).
  ConvAutoencoderOptions& latent(int64_t d) { latent_ = d; return *this; }
  /// BatchNorm2d after every convolution but the last transposed one (default true).
  ConvAutoencoderOptions& batch_norm(bool b) { batch_norm_ = b; return *this; }
  int64_t in_channels_;
  int64_t height_ = 28, width_ = 28;
  std::vector<int64_t> channels_ = {32, 64};
  int64_t latent_ = 32;
  bool batch_norm_ = true;
};

class ConvAutoencoderImpl : public nn::Module {
 public:
  /// Throws descent::Error naming the option at fault (non-positive sizes, no channels).
  explicit ConvAutoencoderImpl(const ConvAutoencoderOptions& o = ConvAutoencoderOptions());
  /// [N, in_channels, height, width] -> reconstruction of the same shape, in (0, 1).
  Tensor forward(const Tensor& x) override;
  /// [N, in_channels, height, width] -> bottleneck [N, latent].
  Tensor encode(const Tensor& x);
  /// [N, latent] -> images [N, in_channels, height, width] in (0, 1).
  Tensor decode(const Tensor& z);
  std::string extra_repr() const override;
  /// Spatial size [H', W'] at the bottleneck's convolutional end.
  std::vector<int64_t> bottleneck_size() const { return {h_, w_}; }
  ConvAutoencoderOptions options;
  nn::Sequential encoder{nullptr}, decoder_fc{nullptr}, decoder{nullptr};

 private:
  void check_input(const Tensor& x) const;
  int64_t h_ = 0, w_ = 0;
};
DESCENT_MODULE(ConvAutoencoder);

}  // namespace descent::models
