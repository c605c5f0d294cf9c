#include "descent/models/cnn.h"

#include <sstream>

#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/batchnorm.h"
#include "descent/nn/modules/conv.h"
#include "descent/nn/modules/dropout.h"
#include "descent/nn/modules/linear.h"
#include "descent/nn/modules/pooling.h"

namespace descent::models {

CNNImpl::CNNImpl(const CNNOptions& o) : nn::Module("CNN"), options(o) {
  DESCENT_CHECK(o.in_channels_ > 0, "CNN: in_channels must be positive, got ", o.in_channels_);
  DESCENT_CHECK(o.num_classes_ > 0, "CNN: num_classes must be positive, got ", o.num_classes_);
  DESCENT_CHECK(o.height_ > 0 && o.width_ > 0, "CNN: image height and width must be positive, got ", o.height_, " x ",
                o.width_);
  DESCENT_CHECK(!o.channels_.empty(), "CNN: channels must name at least one conv block");
  for (size_t i = 0; i < o.channels_.size(); ++i)
    DESCENT_CHECK(o.channels_[i] > 0, "CNN: channels[", i, "] must be positive, got ", o.channels_[i]);
  DESCENT_CHECK(o.hidden_ > 0, "CNN: hidden must be positive, got ", o.hidden_);
  DESCENT_CHECK(o.dropout_ >= 0.0 && o.dropout_ < 1.0, "CNN: dropout must be in [0, 1), got ", o.dropout_);
  const int64_t k = int64_t(o.channels_.size());
  DESCENT_CHECK((o.height_ >> k) > 0 && (o.width_ >> k) > 0, "CNN: a ", o.height_, " x ", o.width_,
                " image is too small for ", k, " conv blocks (each halves H and W); need at least ", int64_t(1) << k,
                " x ", int64_t(1) << k);

  features = register_module("features", nn::Sequential());
  int64_t c_in = o.in_channels_;
  auto conv_bn_relu = [&](int64_t in, int64_t out) {
    features->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(!o.batch_norm_)));
    if (o.batch_norm_) features->push_back(nn::BatchNorm2d(out));
    features->push_back(nn::ReLU());
  };
  for (int64_t c : o.channels_) {
    conv_bn_relu(c_in, c);
    if (o.double_conv_) conv_bn_relu(c, c);
    features->push_back(nn::MaxPool2d(2));
    c_in = c;
  }
  classifier = register_module("classifier", nn::Sequential());
  classifier->push_back(nn::Flatten());
  classifier->push_back(nn::Linear(c_in * (o.height_ >> k) * (o.width_ >> k), o.hidden_));
  classifier->push_back(nn::ReLU());
  if (o.dropout_ > 0.0) classifier->push_back(nn::Dropout(o.dropout_));
  classifier->push_back(nn::Linear(o.hidden_, o.num_classes_));
}

Tensor CNNImpl::forward(const Tensor& x) {
  DESCENT_CHECK(x.dim() == 4 && x.size(1) == options.in_channels_ && x.size(2) == options.height_ &&
                    x.size(3) == options.width_,
                "CNN: expected input [N, ", options.in_channels_, ", ", options.height_, ", ", options.width_,
                "] (in_channels, height, width), got ", x.sizes());
  Tensor h = options.channels_last_ ? x.contiguous(MemoryFormat::ChannelsLast) : x;
  return classifier(features(h));
}

std::string CNNImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_channels=" << options.in_channels_ << ", num_classes=" << options.num_classes_
     << ", image=" << options.height_ << "x" << options.width_ << ", channels=[";
  for (size_t i = 0; i < options.channels_.size(); ++i) os << (i ? ", " : "") << options.channels_[i];
  os << "], batch_norm=" << (options.batch_norm_ ? "true" : "false")
     << ", double_conv=" << (options.double_conv_ ? "true" : "false") << ", hidden=" << options.hidden_
     << ", dropout=" << options.dropout_ << ", channels_last=" << (options.channels_last_ ? "true" : "false");
  return os.str();
}

}  // namespace descent::models
