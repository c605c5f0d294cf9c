// Dropout and channel dropout (nn::functional). The mask is drawn once per forward and saved:
// backward is g * mask, with mask already holding 0 or 1 / (1 - p).
#include "descent/nn/functional/dropout.h"

#include "../../ops/common.h"

namespace descent::nn::functional {
namespace {

void check_dropout_args(const Tensor& x, double p, const char* op) {
  DESCENT_CHECK(x.defined(), op, ": input is an undefined tensor");
  DESCENT_CHECK(p >= 0.0 && p <= 1.0, op, ": dropout probability has to be between 0 and 1, but got ", p);
  DESCENT_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", x.dtype());
}

// x * mask, mask of mask_shape (broadcasting against x) holding 0 or 1 / (1 - p).
Tensor apply_mask(const Tensor& x, double p, const Shape& mask_shape, Generator* gen, const char* node) {
  Tensor mask, out;
  {
    NoGradGuard ng;
    const double scale = p >= 1.0 ? 0.0 : 1.0 / (1.0 - p);
    Tensor keep = rand(mask_shape, x.dtype(), gen) < (1.0 - p);
    mask = keep.to(x.dtype()) * scale;
    out = x * mask;
  }
  if (autograd::any_requires_grad({&x})) {
    SavedTensor sm(mask);
    autograd::record(node, {&x}, {&out}, [sm, node](std::vector<Tensor>& g) {
      return std::vector<Tensor>{g[0] * sm.get(node)};
    });
  }
  return out;
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  check_dropout_args(x, p, "dropout");
  if (!training || p == 0.0) return x;
  return apply_mask(x, p, x.sizes(), gen, "DropoutBackward");
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen) {
  check_dropout_args(x, p, "dropout2d");
  DESCENT_CHECK(x.dim() == 3 || x.dim() == 4, "dropout2d: expected a 4-D input [N, C, H, W] or a 3-D input [C, H, W], ",
                "got shape ", x.sizes());
  if (!training || p == 0.0) return x;
  Shape ms = x.sizes();
  for (int64_t d = x.dim() - 2; d < x.dim(); ++d) ms[size_t(d)] = 1;
  return apply_mask(x, p, ms, gen, "Dropout2dBackward");
}

}  // namespace descent::nn::functional
