#include "descent/nn/functional/linear.h"

#include "descent/ops/ops.h"

namespace descent::nn::functional {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  DESCENT_CHECK(weight.dim() == 2, "linear: weight must be 2-D [out, in], got shape ", weight.sizes());
  DESCENT_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input of shape ", x.sizes(),
                " does not match weight of shape ", weight.sizes(), " (expected last dim ", weight.size(1), ")");
  if (bias.defined())
    DESCENT_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias of shape ", bias.sizes(),
                  " does not match weight of shape ", weight.sizes());
  if (x.dim() == 2 && bias.defined()) return addmm(bias, x, weight.t());
  Tensor y = matmul(x, weight.t());
  return bias.defined() ? y + bias : y;
}

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias) {
  DESCENT_CHECK(weight.dim() == 3, "bilinear: weight must be 3-D [out, in1, in2], got shape ", weight.sizes());
  DESCENT_CHECK(x1.dim() >= 1 && x1.size(-1) == weight.size(1), "bilinear: input1 of shape ", x1.sizes(),
                " does not match weight ", weight.sizes());
  DESCENT_CHECK(x2.dim() >= 1 && x2.size(-1) == weight.size(2), "bilinear: input2 of shape ", x2.sizes(),
                " does not match weight ", weight.sizes());
  DESCENT_CHECK(Shape(x1.sizes().begin(), x1.sizes().end() - 1) == Shape(x2.sizes().begin(), x2.sizes().end() - 1),
                "bilinear: inputs must agree in their leading dims, got ", x1.sizes(), " and ", x2.sizes());
  Shape lead(x1.sizes().begin(), x1.sizes().end() - 1);
  const int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  Tensor a = x1.reshape({-1, in1}), b = x2.reshape({-1, in2});
  // (a W_o) for every o: [N, out*in2] via one GEMM, then the dot with b.
  Tensor aw = mm(a, weight.permute({1, 0, 2}).reshape({in1, out * in2})).view({-1, out, in2});
  Tensor y = (aw * b.unsqueeze(1)).sum({2});
  if (bias.defined()) y = y + bias;
  lead.push_back(out);
  return y.reshape(lead);
}

}  // namespace descent::nn::functional
