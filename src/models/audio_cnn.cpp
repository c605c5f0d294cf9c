#include "descent/models/audio_cnn.h"

#include <sstream>

#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/batchnorm.h"
#include "descent/nn/modules/conv.h"

namespace descent::models {

AudioCNNImpl::AudioCNNImpl(const AudioCNNOptions& o) : nn::Module("AudioCNN"), options(o) {
  DESCENT_CHECK(o.in_channels_ > 0, "AudioCNN: in_channels must be positive, got ", o.in_channels_);
  DESCENT_CHECK(o.num_classes_ > 0, "AudioCNN: num_classes must be positive, got ", o.num_classes_);
  DESCENT_CHECK(!o.channels_.empty(), "AudioCNN: channels must name at least one conv block");
  DESCENT_CHECK(o.channels_.size() < 31, "AudioCNN: at most 30 conv blocks, got ", o.channels_.size());
  for (size_t i = 0; i < o.channels_.size(); ++i)
    DESCENT_CHECK(o.channels_[i] > 0, "AudioCNN: channels[", i, "] must be positive, got ", o.channels_[i]);
  DESCENT_CHECK(o.dropout_ >= 0.0 && o.dropout_ < 1.0, "AudioCNN: dropout must be in [0, 1), got ", o.dropout_);
  features = register_module("features", nn::Sequential());
  int64_t c_in = o.in_channels_;
  for (int64_t c : o.channels_) {
    features->push_back(nn::Conv2d(nn::Conv2dOptions(c_in, c, 3).padding(1).bias(false)));
    features->push_back(nn::BatchNorm2d(c));
    features->push_back(nn::ReLU());
    features->push_back(nn::MaxPool2d(2));
    c_in = c;
  }
  pool = register_module("pool", nn::AdaptiveAvgPool2d(1));
  flatten = register_module("flatten", nn::Flatten());
  if (o.dropout_ > 0.0) dropout = register_module("dropout", nn::Dropout(o.dropout_));
  fc = register_module("fc", nn::Linear(c_in, o.num_classes_));
}

Tensor AudioCNNImpl::forward(const Tensor& x) {
  const int64_t min_size = int64_t(1) << options.channels_.size();
  DESCENT_CHECK(x.dim() == 4 && x.size(1) == options.in_channels_, "AudioCNN: expected a spectrogram [N, ",
                options.in_channels_, ", n_mels, frames] (in_channels=", options.in_channels_, "), got ", x.sizes());
  DESCENT_CHECK(x.size(2) >= min_size && x.size(3) >= min_size, "AudioCNN: expected a spectrogram [N, ",
                options.in_channels_, ", n_mels, frames] with n_mels and frames >= ", min_size, " (",
                options.channels_.size(), " conv blocks each halve them), got ", x.sizes());
  Tensor h = flatten(pool(features(x)));
  if (dropout) h = dropout(h);
  return fc(h);
}

std::string AudioCNNImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_channels=" << options.in_channels_ << ", num_classes=" << options.num_classes_ << ", channels=[";
  for (size_t i = 0; i < options.channels_.size(); ++i) os << (i ? ", " : "") << options.channels_[i];
  os << "], dropout=" << options.dropout_;
  return os.str();
}

}  // namespace descent::models
