#pragma once
// The CPU implementation of backend::Backend (private to src/backend/cpu).
#include "descent/backend/backend.h"

namespace descent::backend::cpu {

class CpuBackend final : public Backend {
 public:
  void fill(const Tensor& out, Scalar value) override;
  void copy(const Tensor& dst, const Tensor& src) override;
  void unary(UnaryOp op, const Tensor& in, const Tensor& out) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void add_scaled(const Tensor& a, const Tensor& b, Scalar alpha, const Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void clamp(const Tensor& in, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& out) override;
  void reduce(ReduceOp op, const Tensor& in, const Dims& dims, const Tensor& out) override;
  void arg_reduce(bool is_max, const Tensor& in, int64_t dim, const Tensor& values, const Tensor& indices) override;
  void cumsum(const Tensor& in, int64_t dim, const Tensor& out) override;
  void gemm(const Tensor& a, const Tensor& b, const Tensor& out, double alpha, double beta) override;
  void index_select(const Tensor& in, int64_t dim, const Tensor& index, const Tensor& out) override;
  void gather(const Tensor& in, int64_t dim, const Tensor& index, const Tensor& out) override;
  void scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate) override;
  void masked_select(const Tensor& in, const Tensor& mask, const Tensor& out) override;
  void uniform(const Tensor& out, double lo, double hi, uint64_t seed, uint64_t offset) override;
  void normal(const Tensor& out, double mean, double std, uint64_t seed, uint64_t offset) override;
  void randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset) override;
  // conv.cpp
  void conv2d(const Tensor& in, const Tensor& weight, const Tensor& bias, const Tensor& out, const Window2d& w,
              int64_t groups, KernelImpl impl) override;
  void conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& grad_in, const Window2d& w,
                             int64_t groups, KernelImpl impl) override;
  void conv2d_backward_weight(const Tensor& grad_out, const Tensor& in, const Tensor& grad_weight,
                              const Tensor& grad_bias, const Window2d& w, int64_t groups, KernelImpl impl) override;
  // pool.cpp
  void max_pool2d(const Tensor& in, const Tensor& out, const Tensor& indices, const Window2d& w,
                  KernelImpl impl) override;
  void max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& grad_in,
                           KernelImpl impl) override;
  void avg_pool2d(const Tensor& in, const Tensor& out, const Window2d& w, bool count_include_pad, int64_t divisor,
                  KernelImpl impl) override;
  void avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_in, const Window2d& w, bool count_include_pad,
                           int64_t divisor, KernelImpl impl) override;
  void adaptive_avg_pool2d(const Tensor& in, const Tensor& out, KernelImpl impl) override;
  void adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_in, KernelImpl impl) override;
  // optim.cpp
  void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const Tensor& max_exp_avg_sq, const AdamUpdate& u) override;
  // batch_norm.cpp
  void batch_norm_stats(const Tensor& x, const Tensor& mean, const Tensor& var, KernelImpl impl) override;
  void batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& invstd, const Tensor& weight,
                          const Tensor& bias, const Tensor& y, KernelImpl impl) override;
  void batch_norm_backward_reduce(const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                                  const Tensor& sum_dy, const Tensor& sum_dy_xhat, KernelImpl impl) override;
  void batch_norm_backward_input(const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                                 const Tensor& weight, const Tensor& sum_dy, const Tensor& sum_dy_xhat,
                                 const Tensor& grad_in, KernelImpl impl) override;
};

}  // namespace descent::backend::cpu
