#pragma once
// AudioCNN: the builtin classifier for log-mel spectrograms (config name "audio_cnn" / "audio-cnn").
//
//   features: per entry c of channels: Conv2d(c_prev, c, 3, padding 1, no bias) -> BatchNorm2d(c) -> ReLU
//             -> MaxPool2d(2)
//   head:     AdaptiveAvgPool2d(1) -> Flatten -> (Dropout(p)) -> Linear(c_last, num_classes)
//
// The global average pool makes the model independent of the clip length: input
// [N, in_channels, n_mels, frames] with any n_mels and frames >= 2^k (k = channels.size(), the pools'
// total downsampling); output [N, num_classes] logits. State-dict names "features.<i>.weight", "fc.weight".
#include <vector>

#include "descent/nn/modules/dropout.h"
#include "descent/nn/modules/linear.h"
#include "descent/nn/modules/pooling.h"
#include "descent/nn/modules/sequential.h"

namespace descent::models {

/// Options of AudioCNN: `AudioCNNOptions(1, 8).channels({16, 32, 64}).dropout(0.2)`.
struct AudioCNNOptions {
  AudioCNNOptions(int64_t in_channels = 1, int64_t num_classes = 2)
      : in_channels_(in_channels), num_classes_(num_classes) {}
  AudioCNNOptions& in_channels(int64_t c) { in_channels_ = c; return *this; }
  AudioCNNOptions& num_classes(int64_t k) { num_classes_ = k; return *this; }
  /// Output channels of each conv block (default {16, 32, 64}); each block halves n_mels and frames.
  AudioCNNOptions& channels(std::vector<int64_t> c) { channels_ = std::move(c); return *this; }
  /// Dropout probability before the Linear (default 0.2; 0: no Dropout layer).
  AudioCNNOptions& dropout(double p) { dropout_ = p; return *this; }
  int64_t in_channels_, num_classes_;
  std::vector<int64_t> channels_ = {16, 32, 64};
  double dropout_ = 0.2;
};

class AudioCNNImpl : public nn::Module {
 public:
  AudioCNNImpl(int64_t in_channels, int64_t num_classes) : AudioCNNImpl(AudioCNNOptions(in_channels, num_classes)) {}
  /// Throws descent::Error naming the option at fault.
  explicit AudioCNNImpl(const AudioCNNOptions& o = {});
  /// [N, in_channels, n_mels, frames] -> [N, num_classes]; a wrong rank, channel count or a spectrogram
  /// smaller than 2^k in either dim is an Error naming the expected and actual shapes.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  AudioCNNOptions options;
  nn::Sequential features{nullptr};
  nn::AdaptiveAvgPool2d pool{nullptr};
  nn::Flatten flatten{nullptr};
  /// Empty when dropout is 0.
  nn::Dropout dropout{nullptr};
  nn::Linear fc{nullptr};
};
DESCENT_MODULE(AudioCNN);

}  // namespace descent::models
