#pragma once
// ResNetSmall: a small ResNet for small images (config name "resnet_small" / "resnet-small"), in the
// style of torchvision's ResNet with BasicBlocks but with a 3x3 stride-1 stem and no stem pooling, so
// 28 x 28 or 32 x 32 inputs keep their resolution in the first stage:
//
//   stem:    Conv2d(in_channels, w0, 3, padding 1, no bias) -> BatchNorm2d(w0) -> ReLU
//   layer<s> (s = 1..S, widths w_{s-1}): blocks_per_stage BasicBlocks; the first block of every stage
//            but the first has stride 2 and a 1x1 stride-2 projection (Conv2d no bias + BatchNorm2d)
//   head:    AdaptiveAvgPool2d(1) -> Flatten -> Linear(w_last, num_classes)
//
// Input [N, in_channels, H, W] float (any H, W >= 1; NCHW or channels-last, kept through the convolutions);
// output [N, num_classes] logits. State-dict names as torchvision: "layer1.0.conv1.weight",
// "layer2.0.downsample.0.weight", "fc.weight".
#include <vector>

#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/batchnorm.h"
#include "descent/nn/modules/conv.h"
#include "descent/nn/modules/linear.h"
#include "descent/nn/modules/pooling.h"
#include "descent/nn/modules/sequential.h"

namespace descent::models {

/// ResNet's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), both convs 3x3 without bias;
/// shortcut = downsample(x) (1x1 conv with the stride + BatchNorm) when the stride or width changes, else x.
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(int64_t in_channels, int64_t out_channels, int64_t stride = 1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t in_channels, out_channels, stride;
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  nn::ReLU relu{nullptr};
  /// Empty when the shortcut is the identity.
  nn::Sequential downsample{nullptr};
};
DESCENT_MODULE(BasicBlock);

/// Options of ResNetSmall: `ResNetSmallOptions(3, 10).widths({16, 32, 64}).blocks_per_stage(2)`.
struct ResNetSmallOptions {
  ResNetSmallOptions(int64_t in_channels = 1, int64_t num_classes = 10)
      : in_channels_(in_channels), num_classes_(num_classes) {}
  ResNetSmallOptions& in_channels(int64_t c) { in_channels_ = c; return *this; }
  ResNetSmallOptions& num_classes(int64_t k) { num_classes_ = k; return *this; }
  /// Channels of each stage (default {16, 32, 64}); stages after the first halve H and W.
  ResNetSmallOptions& widths(std::vector<int64_t> w) { widths_ = std::move(w); return *this; }
  /// BasicBlocks per stage (default 1).
  ResNetSmallOptions& blocks_per_stage(int64_t b) { blocks_per_stage_ = b; return *this; }
  int64_t in_channels_, num_classes_;
  std::vector<int64_t> widths_ = {16, 32, 64};
  int64_t blocks_per_stage_ = 1;
};

class ResNetSmallImpl : public nn::Module {
 public:
  ResNetSmallImpl(int64_t in_channels, int64_t num_classes)
      : ResNetSmallImpl(ResNetSmallOptions(in_channels, num_classes)) {}
  /// Throws descent::Error naming the option at fault.
  explicit ResNetSmallImpl(const ResNetSmallOptions& o = {});
  /// [N, in_channels, H, W] -> [N, num_classes]; another rank or channel count is an Error naming both shapes.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  ResNetSmallOptions options;
  nn::Sequential stem{nullptr};
  /// layer1, layer2, ... (one Sequential of BasicBlocks per width).
  std::vector<nn::Sequential> stages;
  nn::AdaptiveAvgPool2d avgpool{nullptr};
  nn::Flatten flatten{nullptr};
  nn::Linear fc{nullptr};
};
DESCENT_MODULE(ResNetSmall);

}  // namespace descent::models
