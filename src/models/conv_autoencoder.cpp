#include "descent/models/conv_autoencoder.h"

#include <sstream>

#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/batchnorm.h"
#include "descent/nn/modules/conv.h"
#include "descent/nn/modules/linear.h"

namespace descent::models {

ConvAutoencoderImpl::ConvAutoencoderImpl(const ConvAutoencoderOptions& o) : nn::Module("ConvAutoencoder"), options(o) {
  DESCENT_CHECK(o.in_channels_ > 0, "ConvAutoencoder: in_channels must be positive, got ", o.in_channels_);
  DESCENT_CHECK(o.height_ > 0 && o.width_ > 0, "ConvAutoencoder: image height and width must be positive, got ",
                o.height_, " x ", o.width_);
  DESCENT_CHECK(!o.channels_.empty(), "ConvAutoencoder: channels must name at least one conv block");
  for (size_t i = 0; i < o.channels_.size(); ++i)
    DESCENT_CHECK(o.channels_[i] > 0, "ConvAutoencoder: channels[", i, "] must be positive, got ", o.channels_[i]);
  DESCENT_CHECK(o.latent_ > 0, "ConvAutoencoder: latent must be positive, got ", o.latent_);

  // Spatial sizes before each encoder block and after the last: s -> floor((s + 2 - 3) / 2) + 1.
  std::vector<int64_t> hs = {o.height_}, ws = {o.width_};
  for (size_t i = 0; i < o.channels_.size(); ++i) {
    hs.push_back((hs.back() - 1) / 2 + 1);
    ws.push_back((ws.back() - 1) / 2 + 1);
  }
  h_ = hs.back();
  w_ = ws.back();
  const int64_t k = int64_t(o.channels_.size());
  const int64_t flat = o.channels_.back() * h_ * w_;

  encoder = register_module("encoder", nn::Sequential());
  int64_t c_in = o.in_channels_;
  for (int64_t c : o.channels_) {
    encoder->push_back(nn::Conv2d(nn::Conv2dOptions(c_in, c, 3).stride(2).padding(1).bias(!o.batch_norm_)));
    if (o.batch_norm_) encoder->push_back(nn::BatchNorm2d(c));
    encoder->push_back(nn::ReLU());
    c_in = c;
  }
  encoder->push_back(nn::Flatten());
  encoder->push_back(nn::Linear(flat, o.latent_));

  decoder_fc = register_module("decoder_fc", nn::Sequential());
  decoder_fc->push_back(nn::Linear(o.latent_, flat));
  decoder_fc->push_back(nn::ReLU());
  decoder_fc->push_back(nn::Unflatten(1, Shape{o.channels_.back(), h_, w_}));

  decoder = register_module("decoder", nn::Sequential());
  for (int64_t i = k - 1; i >= 0; --i) {
    const int64_t c = o.channels_[size_t(i)];
    const int64_t c_out = i > 0 ? o.channels_[size_t(i - 1)] : o.in_channels_;
    const bool last = i == 0;
    // ConvTranspose2d(3, stride 2, padding 1) gives 2 s - 1 + output_padding; aim at the mirror's input size.
    const int64_t oph = hs[size_t(i)] - (2 * hs[size_t(i + 1)] - 1), opw = ws[size_t(i)] - (2 * ws[size_t(i + 1)] - 1);
    decoder->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(c, c_out, 3)
                                               .stride(2)
                                               .padding(1)
                                               .output_padding({oph, opw})
                                               .bias(last || !o.batch_norm_)));
    if (last) {
      decoder->push_back(nn::Sigmoid());
    } else {
      if (o.batch_norm_) decoder->push_back(nn::BatchNorm2d(c_out));
      decoder->push_back(nn::ReLU());
    }
  }
}

void ConvAutoencoderImpl::check_input(const Tensor& x) const {
  DESCENT_CHECK(x.dim() == 4 && x.size(1) == options.in_channels_ && x.size(2) == options.height_ &&
                    x.size(3) == options.width_,
                "ConvAutoencoder: expected input [N, ", options.in_channels_, ", ", options.height_, ", ",
                options.width_, "] (in_channels, height, width), got ", x.sizes());
}

Tensor ConvAutoencoderImpl::encode(const Tensor& x) {
  check_input(x);
  return encoder(x);
}

Tensor ConvAutoencoderImpl::decode(const Tensor& z) {
  DESCENT_CHECK(z.dim() == 2 && z.size(1) == options.latent_, "ConvAutoencoder: decode expects [N, ", options.latent_,
                "] (latent), got ", z.sizes());
  return decoder(decoder_fc(z));
}

Tensor ConvAutoencoderImpl::forward(const Tensor& x) { return decode(encode(x)); }

std::string ConvAutoencoderImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_channels=" << options.in_channels_ << ", image=" << options.height_ << "x" << options.width_
     << ", channels=[";
  for (size_t i = 0; i < options.channels_.size(); ++i) os << (i ? ", " : "") << options.channels_[i];
  os << "], latent=" << options.latent_ << ", batch_norm=" << (options.batch_norm_ ? "true" : "false");
  return os.str();
}

}  // namespace descent::models
