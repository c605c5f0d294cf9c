#pragma once
// The backend interface: the only door from ops/ to kernels. Ops validate arguments, compute
// output shapes and dtypes, allocate outputs, and call one of these. Inputs arrive already
// broadcast (expanded views with zero strides) and in the compute dtype unless stated.
#include <cstdint>
#include <optional>

#include "descent/core/op_names.h"
#include "descent/core/scalar.h"
#include "descent/core/tensor.h"

namespace descent::backend {

// Op codes named as the ops they compute (core/op_names.h lists them once).
#define DESCENT_BACKEND_OP_CODE(name, differentiable) name,
enum class UnaryOp : uint8_t {
  DESCENT_UNARY_MATH_OPS(DESCENT_BACKEND_OP_CODE)
  erf,  // for GELU (no op of its own)
  // predicates: output dtype bool
  DESCENT_UNARY_PREDICATE_OPS(DESCENT_BACKEND_OP_CODE)
};
enum class BinaryOp : uint8_t {
  add, sub, mul, div, pow, minimum, maximum,
  relu_backward,  // out = b > 0 ? a : 0 (a: gradient, b: relu's output): one pass instead of compare + where
  // comparisons and logic: output dtype bool
  DESCENT_COMPARISON_OPS(DESCENT_BACKEND_OP_CODE)
  DESCENT_LOGICAL_BINARY_OPS(DESCENT_BACKEND_OP_CODE)
};
#undef DESCENT_BACKEND_OP_CODE
enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, All, Any };

/// Which of a kernel's two implementations to run: the optimised one, or the plain loop it is tested against.
enum class KernelImpl : uint8_t { Fast, Reference };

/// A 2-D sliding window (convolution or pooling): kernel, stride, leading (top/left) padding and
/// dilation per spatial dim. Trailing padding is implied by the output size the caller allocates,
/// so asymmetric padding needs no extra field.
/// Coefficients of one Adam step (backend adam_step), per element with g = grad:
///   p *= decay                                       (AdamW's decoupled weight decay; 1 for Adam)
///   d = sign * g + l2 * p                            (sign -1 maximizes; l2: Adam's coupled weight decay)
///   m = beta1 * m + (1 - beta1) * d;  v = beta2 * v + (1 - beta2) * d * d
///   vmax = max(vmax, v) when amsgrad, and v' = vmax or v
///   p -= step * m / (sqrt(v') + eps_hat)
/// where step = lr * sqrt(1 - beta2^t) / (1 - beta1^t) and eps_hat = eps * sqrt(1 - beta2^t), which
/// equals PyTorch's lr / (1 - beta1^t) * m / (sqrt(v' / (1 - beta2^t)) + eps) up to rounding.
struct AdamUpdate {
  double decay, sign, l2, beta1, beta2, step, eps_hat;
  bool amsgrad;
};

struct Window2d {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

/// Kernels for one device.
class Backend {
 public:
  virtual ~Backend() = default;
  /// out[...] = value.
  virtual void fill(const Tensor& out, Scalar value) = 0;
  /// dst[...] = cast(src[...]); src has dst's shape (possibly expanded), any dtype.
  virtual void copy(const Tensor& dst, const Tensor& src) = 0;
  /// out = op(in); in and out have the same shape and dtype (bool out for predicates).
  virtual void unary(UnaryOp op, const Tensor& in, const Tensor& out) = 0;
  /// out = op(a, b); a and b have out's shape and share a dtype (bool out for comparisons).
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  /// out = a + alpha * b (fused axpy form of add/sub).
  virtual void add_scaled(const Tensor& a, const Tensor& b, Scalar alpha, const Tensor& out) = 0;
  /// out = cond ? a : b; cond is bool.
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  /// out = clamp(in, lo, hi).
  virtual void clamp(const Tensor& in, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& out) = 0;
  /// out (keepdim shape) = reduction of in over `dims` (sorted, non-negative). Sum/Prod
  /// accumulate in out's dtype (at least double precision internally for floats).
  virtual void reduce(ReduceOp op, const Tensor& in, const Dims& dims, const Tensor& out) = 0;
  /// Max or min along dim with the index of the first extreme (NaN counts as the extreme).
  virtual void arg_reduce(bool is_max, const Tensor& in, int64_t dim, const Tensor& values,
                          const Tensor& indices) = 0;
  /// Inclusive prefix sum along dim.
  virtual void cumsum(const Tensor& in, int64_t dim, const Tensor& out) = 0;
  /// out[M,N] = alpha * a[M,K] @ b[K,N] + beta * out. Any strides; float dtypes go to BLAS.
  virtual void gemm(const Tensor& a, const Tensor& b, const Tensor& out, double alpha, double beta) = 0;
  /// out = in.index_select(dim, index); index is int64 1-D and already range-checked.
  virtual void index_select(const Tensor& in, int64_t dim, const Tensor& index, const Tensor& out) = 0;
  /// out = in.gather(dim, index); index is int64 and range-checked.
  virtual void gather(const Tensor& in, int64_t dim, const Tensor& index, const Tensor& out) = 0;
  /// out.scatter_(dim, index, src) or scatter_add_ when accumulate.
  virtual void scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate) = 0;
  /// Writes the elements of in where mask is true, in row-major order, into 1-D out (sized by the caller).
  virtual void masked_select(const Tensor& in, const Tensor& mask, const Tensor& out) = 0;
  /// Fills out with uniform [lo, hi) numbers from counters offset.. of seed.
  virtual void uniform(const Tensor& out, double lo, double hi, uint64_t seed, uint64_t offset) = 0;
  /// Fills out with normal(mean, std) numbers from counters offset.. of seed.
  virtual void normal(const Tensor& out, double mean, double std, uint64_t seed, uint64_t offset) = 0;
  /// Fills out with integers uniform in [lo, hi).
  virtual void randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset) = 0;

  // ---- convolution and pooling (nn/functional/conv.cpp, nn/functional/pool.cpp) ----
  // Activations are 4-D [N, C, H, W], dense in NCHW or channels-last (NHWC) memory, and all
  // activations of one call share that format; weights are contiguous [O, C/groups, kh, kw];
  // float32 or float64. Outputs are allocated by the caller and fully overwritten.
  /// out[N, O, Ho, Wo] = conv(in[N, C, H, W], weight) + bias (bias [O] or undefined).
  virtual void conv2d(const Tensor& in, const Tensor& weight, const Tensor& bias, const Tensor& out,
                      const Window2d& w, int64_t groups, KernelImpl impl = KernelImpl::Fast) = 0;
  /// grad_in[N, C, H, W] = d conv / d in, applied to grad_out[N, O, Ho, Wo] (the transposed convolution).
  virtual void conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& grad_in,
                                     const Window2d& w, int64_t groups, KernelImpl impl = KernelImpl::Fast) = 0;
  /// grad_weight[O, C/groups, kh, kw] = sum over N, Ho, Wo of grad_out x the input patch; and, when
  /// grad_bias [O] is defined, grad_bias = sum of grad_out over N, Ho, Wo (in the same pass over grad_out).
  virtual void conv2d_backward_weight(const Tensor& grad_out, const Tensor& in, const Tensor& grad_weight,
                                      const Tensor& grad_bias, const Window2d& w, int64_t groups,
                                      KernelImpl impl = KernelImpl::Fast) = 0;
  /// out = windowed max of in (padding acts as -inf); indices (int64, out's shape and format) hold
  /// the flat position h * W + w of each maximum in its input plane. NaN wins. Undefined indices:
  /// values only (inference needs no indices and skips their bookkeeping).
  virtual void max_pool2d(const Tensor& in, const Tensor& out, const Tensor& indices, const Window2d& w,
                          KernelImpl impl = KernelImpl::Fast) = 0;
  /// grad_in = 0, then grad_in[n, c, indices[n, c, i, j]] += grad_out[n, c, i, j].
  virtual void max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& grad_in,
                                   KernelImpl impl = KernelImpl::Fast) = 0;
  /// out = windowed mean of in (dilation must be 1). The divisor is `divisor` when > 0, else the
  /// window size clipped to the padded input (count_include_pad) or to the input.
  virtual void avg_pool2d(const Tensor& in, const Tensor& out, const Window2d& w, bool count_include_pad,
                          int64_t divisor, KernelImpl impl = KernelImpl::Fast) = 0;
  /// grad_in = the adjoint of avg_pool2d applied to grad_out.
  virtual void avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_in, const Window2d& w,
                                   bool count_include_pad, int64_t divisor, KernelImpl impl = KernelImpl::Fast) = 0;
  /// out[N, C, Ho, Wo]: mean of in over rows floor(i*H/Ho) .. ceil((i+1)*H/Ho), same for columns.
  virtual void adaptive_avg_pool2d(const Tensor& in, const Tensor& out, KernelImpl impl = KernelImpl::Fast) = 0;
  /// grad_in = the adjoint of adaptive_avg_pool2d applied to grad_out.
  virtual void adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_in,
                                            KernelImpl impl = KernelImpl::Fast) = 0;

  // ---- batch normalisation (nn/functional/normalization.cpp) ----
  // x is [N, C, *] (at least 2-D), float32 or float64, dense in row-major memory or, for 4-D,
  // channels-last; every activation of one call (x, y, grad_out, grad_in) has x's shape, dtype and
  // memory format. Per-channel vectors are [C] in x's dtype (any stride); weight and bias may be
  // undefined (1 and 0). Sums accumulate in double; M = numel / C values per channel. Results do
  // not depend on the thread count.
  /// mean[c] and biased var[c] of x over every dim but 1 (two passes: mean, then squared deviations).
  virtual void batch_norm_stats(const Tensor& x, const Tensor& mean, const Tensor& var,
                                KernelImpl impl = KernelImpl::Fast) = 0;
  /// y = (x - mean[c]) * (invstd[c] * weight[c]) + bias[c].
  virtual void batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& invstd, const Tensor& weight,
                                  const Tensor& bias, const Tensor& y, KernelImpl impl = KernelImpl::Fast) = 0;
  /// sum_dy[c] = sum of grad_out, sum_dy_xhat[c] = sum of grad_out * (x - mean[c]) * invstd[c]
  /// (the bias and weight gradients); either output may be undefined.
  virtual void batch_norm_backward_reduce(const Tensor& grad_out, const Tensor& x, const Tensor& mean,
                                          const Tensor& invstd, const Tensor& sum_dy, const Tensor& sum_dy_xhat,
                                          KernelImpl impl = KernelImpl::Fast) = 0;
  /// With batch statistics (sums given): grad_in = invstd * weight * (grad_out - (sum_dy + xhat *
  /// sum_dy_xhat) / M), xhat = (x - mean) * invstd. With fixed statistics (sums undefined; x and
  /// mean unused): grad_in = invstd * weight * grad_out.
  virtual void batch_norm_backward_input(const Tensor& grad_out, const Tensor& x, const Tensor& mean,
                                         const Tensor& invstd, const Tensor& weight, const Tensor& sum_dy,
                                         const Tensor& sum_dy_xhat, const Tensor& grad_in,
                                         KernelImpl impl = KernelImpl::Fast) = 0;

  // ---- optimizer updates (optim/adam.cpp) ----
  /// One Adam / AdamW step over a parameter, in place and in one pass (AdamUpdate says the
  /// coefficients). param, grad, exp_avg, exp_avg_sq (and max_exp_avg_sq when amsgrad) are
  /// contiguous, of one shape and one float dtype; the caller checks, and runs its tensor-op form
  /// otherwise.
  virtual void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                         const Tensor& max_exp_avg_sq, const AdamUpdate& u) = 0;
};

/// The backend serving a device.
Backend& get(Device device);

}  // namespace descent::backend
