#include "descent/models/resnet_small.h"

#include <sstream>

#include "descent/ops/ops.h"

namespace descent::models {

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride)
    : nn::Module("BasicBlock"), in_channels(in), out_channels(out), stride(stride) {
  DESCENT_CHECK(in > 0 && out > 0 && stride > 0, "BasicBlock: channels and stride must be positive, got in=", in,
                ", out=", out, ", stride=", stride);
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
  bn1 = register_module("bn1", nn::BatchNorm2d(out));
  relu = register_module("relu", nn::ReLU());
  conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
  bn2 = register_module("bn2", nn::BatchNorm2d(out));
  if (stride != 1 || in != out)
    downsample = register_module(
        "downsample", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                     nn::BatchNorm2d(out)));
}

Tensor BasicBlockImpl::forward(const Tensor& x) {
  Tensor out = relu(bn1(conv1(x)));
  out = bn2(conv2(out));
  return relu(out + (downsample ? downsample(x) : x));
}

std::string BasicBlockImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_channels=" << in_channels << ", out_channels=" << out_channels << ", stride=" << stride;
  return os.str();
}

ResNetSmallImpl::ResNetSmallImpl(const ResNetSmallOptions& o) : nn::Module("ResNetSmall"), options(o) {
  DESCENT_CHECK(o.in_channels_ > 0, "ResNetSmall: in_channels must be positive, got ", o.in_channels_);
  DESCENT_CHECK(o.num_classes_ > 0, "ResNetSmall: num_classes must be positive, got ", o.num_classes_);
  DESCENT_CHECK(!o.widths_.empty(), "ResNetSmall: widths must name at least one stage");
  for (size_t i = 0; i < o.widths_.size(); ++i)
    DESCENT_CHECK(o.widths_[i] > 0, "ResNetSmall: widths[", i, "] must be positive, got ", o.widths_[i]);
  DESCENT_CHECK(o.blocks_per_stage_ > 0, "ResNetSmall: blocks_per_stage must be positive, got ", o.blocks_per_stage_);

  const int64_t w0 = o.widths_[0];
  stem = register_module("stem", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(o.in_channels_, w0, 3).padding(1).bias(false)),
                                                nn::BatchNorm2d(w0), nn::ReLU()));
  int64_t c = w0;
  for (size_t s = 0; s < o.widths_.size(); ++s) {
    nn::Sequential stage;
    for (int64_t b = 0; b < o.blocks_per_stage_; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      stage->push_back(BasicBlock(c, o.widths_[s], stride));
      c = o.widths_[s];
    }
    stages.push_back(register_module("layer" + std::to_string(s + 1), stage));
  }
  avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(1));
  flatten = register_module("flatten", nn::Flatten());
  fc = register_module("fc", nn::Linear(c, o.num_classes_));
}

Tensor ResNetSmallImpl::forward(const Tensor& x) {
  DESCENT_CHECK(x.dim() == 4 && x.size(1) == options.in_channels_, "ResNetSmall: expected input [N, ",
                options.in_channels_, ", H, W] (in_channels=", options.in_channels_, "), got ", x.sizes());
  Tensor h = stem(x);
  for (auto& stage : stages) h = stage(h);
  return fc(flatten(avgpool(h)));
}

std::string ResNetSmallImpl::extra_repr() const {
  std::ostringstream os;
  os << "in_channels=" << options.in_channels_ << ", num_classes=" << options.num_classes_ << ", widths=[";
  for (size_t i = 0; i < options.widths_.size(); ++i) os << (i ? ", " : "") << options.widths_[i];
  os << "], blocks_per_stage=" << options.blocks_per_stage_;
  return os.str();
}

}  // namespace descent::models
