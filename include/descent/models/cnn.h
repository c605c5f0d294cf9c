#pragma once
// CNN: the builtin image classifier (config name "cnn"), the model of the Fashion-MNIST main job.
//
//   features:   per entry c of channels: Conv2d(c_prev, c, 3, padding 1) -> (BatchNorm2d(c)) -> ReLU
//               [-> Conv2d(c, c, 3, padding 1) -> (BatchNorm2d(c)) -> ReLU when double_conv] -> MaxPool2d(2)
//   classifier: Flatten -> Linear(c_last * H' * W', hidden) -> ReLU -> (Dropout(p)) -> Linear(hidden, num_classes)
//
// with H' = floor(H / 2^k), W' = floor(W / 2^k), k = channels.size(). With batch_norm the convolutions
// have no bias (BatchNorm's shift replaces it), as torchvision does. The defaults (channels {32, 64},
// BatchNorm, dropout 0.25, hidden 128) are the SPEC CNN (conv32-pool-conv64-pool-fc128) plus BatchNorm
// and dropout: BatchNorm (fused per-channel kernels) adds about 15% to the training-step time
// (batch 128, Adam; 40% before the fusion) but converges in fewer epochs (88.8% Fashion-MNIST test
// accuracy after one epoch with Adam 1e-3); dropout's cost is within noise; channels-last input was
// not faster on the 2-core test machine, hence off by default.
//
// Input [N, in_channels, height, width] float, NCHW or channels-last (kept through the convolutions);
// channels_last(true) converts an NCHW input to channels-last first. Output [N, num_classes] logits.
// State-dict names: "features.<i>.weight", "classifier.<i>.weight".
#include <vector>

#include "descent/nn/modules/sequential.h"

namespace descent::models {

/// Options of CNN: `CNNOptions(1, 10).image_size(28, 28).channels({32, 64}).batch_norm(true)`.
struct CNNOptions {
  CNNOptions(int64_t in_channels = 1, int64_t num_classes = 10) : in_channels_(in_channels), num_classes_(num_classes) {}
  CNNOptions& in_channels(int64_t c) { in_channels_ = c; return *this; }
  CNNOptions& num_classes(int64_t k) { num_classes_ = k; return *this; }
  /// Input image height and width in pixels (default 28 x 28); they fix the first Linear's size.
  CNNOptions& image_size(int64_t height, int64_t width) { height_ = height; width_ = width; return *this; }
  CNNOptions& height(int64_t h) { height_ = h; return *this; }
  CNNOptions& width(int64_t w) { width_ = w; return *this; }
  /// Output channels of each conv block (default {32, 64}); each block halves H and W.
  CNNOptions& channels(std::vector<int64_t> c) { channels_ = std::move(c); return *this; }
  /// BatchNorm2d after every convolution (default true).
  CNNOptions& batch_norm(bool b) { batch_norm_ = b; return *this; }
  /// Two convolutions per block instead of one (default false).
  CNNOptions& double_conv(bool b) { double_conv_ = b; return *this; }
  /// Width of the hidden Linear layer (default 128).
  CNNOptions& hidden(int64_t h) { hidden_ = h; return *this; }
  /// Dropout probability before the last Linear (default 0.25; 0: no Dropout layer).
  CNNOptions& dropout(double p) { dropout_ = p; return *this; }
  /// Convert NCHW input to channels-last before the convolutions (default false: keep the input's layout).
  CNNOptions& channels_last(bool b) { channels_last_ = b; return *this; }
  int64_t in_channels_, num_classes_;
  int64_t height_ = 28, width_ = 28;
  std::vector<int64_t> channels_ = {32, 64};
  bool batch_norm_ = true, double_conv_ = false;
  int64_t hidden_ = 128;
  double dropout_ = 0.25;
  bool channels_last_ = false;
};

class CNNImpl : public nn::Module {
 public:
  CNNImpl(int64_t in_channels, int64_t num_classes) : CNNImpl(CNNOptions(in_channels, num_classes)) {}
  /// Throws descent::Error naming the option at fault (non-positive sizes, an image too small for the pools).
  explicit CNNImpl(const CNNOptions& o = {});
  /// [N, in_channels, height, width] -> [N, num_classes]; any other shape is an Error naming both shapes.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  CNNOptions options;
  nn::Sequential features{nullptr}, classifier{nullptr};
};
DESCENT_MODULE(CNN);

}  // namespace descent::models
