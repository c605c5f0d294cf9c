#include "descent/nn/init.h"

#include <cmath>
#include <vector>

#include "descent/autograd/grad_mode.h"
#include "descent/ops/ops.h"

namespace descent::nn::init {

double calculate_gain(const std::string& nl, double param) {
  if (nl == "linear" || nl == "conv1d" || nl == "conv2d" || nl == "conv3d" || nl == "conv_transpose1d" ||
      nl == "conv_transpose2d" || nl == "conv_transpose3d" || nl == "sigmoid")
    return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nl == "selu") return 3.0 / 4.0;
  DESCENT_FAIL("calculate_gain: unsupported nonlinearity '", nl,
               "'; one of linear, conv1d, conv2d, conv3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  DESCENT_CHECK(t.dim() >= 2, "fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape ",
                t.sizes(), ")");
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, double a, double b, Generator* gen) {
  NoGradGuard ng;
  t.uniform_(a, b, gen);
  return t;
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  NoGradGuard ng;
  t.normal_(mean, std, gen);
  return t;
}

Tensor& constant_(Tensor& t, double value) {
  NoGradGuard ng;
  t.fill_(value);
  return t;
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& eye_(Tensor& t) {
  DESCENT_CHECK(t.dim() == 2, "eye_: only 2-D tensors are supported, got shape ", t.sizes());
  NoGradGuard ng;
  t.copy_(eye(t.size(0), t.size(1), t.dtype()));
  return t;
}

Tensor& xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / double(fi + fo));
  return uniform_(t, -a, a, gen);
}

Tensor& xavier_normal_(Tensor& t, double gain, Generator* gen) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / double(fi + fo)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, FanMode mode, const std::string& nl) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  const int64_t fan = mode == FanMode::FanIn ? fi : fo;
  DESCENT_CHECK(fan > 0, "kaiming init: fan of a tensor with shape ", t.sizes(), " is zero");
  return calculate_gain(nl, a) / std::sqrt(double(fan));
}
}  // namespace

Tensor& kaiming_uniform_(Tensor& t, double a, FanMode mode, const std::string& nl, Generator* gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nl);
  return uniform_(t, -bound, bound, gen);
}

Tensor& kaiming_normal_(Tensor& t, double a, FanMode mode, const std::string& nl, Generator* gen) {
  return normal_(t, 0.0, kaiming_std(t, a, mode, nl), gen);
}

Tensor& orthogonal_(Tensor& t, double gain, Generator* gen) {
  DESCENT_CHECK(t.dim() >= 2, "orthogonal_: only tensors with 2 or more dimensions are supported, got shape ",
                t.sizes());
  if (t.numel() == 0) return t;
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  Tensor flat = randn({rows, cols}, DType::Float64, gen);
  const bool transposed = rows < cols;
  if (transposed) flat = flat.t();
  Tensor a = flat.contiguous();
  const int64_t m = a.size(0), n = a.size(1);  // m >= n
  std::vector<double> A = a.to_vector<double>();
  // Modified Gram-Schmidt on the columns: Q has orthonormal columns and R a positive diagonal,
  // which is the sign-normalised QR PyTorch uses (q * sign(diag(r))).
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += A[size_t(i * n + k)] * A[size_t(i * n + j)];
      for (int64_t i = 0; i < m; ++i) A[size_t(i * n + j)] -= dot * A[size_t(i * n + k)];
    }
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += A[size_t(i * n + j)] * A[size_t(i * n + j)];
    norm = std::sqrt(norm);
    DESCENT_CHECK(norm > 0, "orthogonal_: degenerate random matrix");
    for (int64_t i = 0; i < m; ++i) A[size_t(i * n + j)] /= norm;
  }
  Tensor q = from_vector(A, {m, n});
  if (transposed) q = q.t();
  NoGradGuard ng;
  t.view({rows, cols}).copy_(q * gain);
  return t;
}

}  // namespace descent::nn::init
