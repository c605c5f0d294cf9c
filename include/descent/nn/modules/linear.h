#pragma once
// Linear, Bilinear, Identity, Flatten, Unflatten.
#include "descent/nn/module.h"

namespace descent::nn {

struct LinearOptions {
  LinearOptions(int64_t in, int64_t out) : in_features_(in), out_features_(out) {}
  LinearOptions& bias(bool b) { bias_ = b; return *this; }
  int64_t in_features_, out_features_;
  bool bias_ = true;
};

/// y = x W^T + b over the last dim. Weight [out, in], bias [out]; both U(-1/sqrt(in), 1/sqrt(in)).
class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in, int64_t out) : LinearImpl(LinearOptions(in, out)) {}
  explicit LinearImpl(const LinearOptions& o);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t flops(const Shape& in, const Shape& out) const override;
  LinearOptions options;
  Tensor weight, bias;
};
DESCENT_MODULE(Linear);

struct BilinearOptions {
  BilinearOptions(int64_t in1, int64_t in2, int64_t out) : in1_features_(in1), in2_features_(in2), out_features_(out) {}
  BilinearOptions& bias(bool b) { bias_ = b; return *this; }
  int64_t in1_features_, in2_features_, out_features_;
  bool bias_ = true;
};

/// y_o = x1^T W_o x2 + b_o. Weight [out, in1, in2]; init U(-1/sqrt(in1), 1/sqrt(in1)).
class BilinearImpl : public Module {
 public:
  BilinearImpl(int64_t in1, int64_t in2, int64_t out) : BilinearImpl(BilinearOptions(in1, in2, out)) {}
  explicit BilinearImpl(const BilinearOptions& o);
  Tensor forward(const Tensor& x1, const Tensor& x2);
  void reset_parameters();
  std::string extra_repr() const override;
  BilinearOptions options;
  Tensor weight, bias;
};
DESCENT_MODULE(Bilinear);

class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
  int64_t flops(const Shape&, const Shape&) const override { return 0; }
};
DESCENT_MODULE(Identity);

/// Flattens dims start_dim..end_dim (default 1..-1: keep the batch dim).
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override { return x.flatten(start_dim, end_dim); }
  std::string extra_repr() const override;
  int64_t flops(const Shape&, const Shape&) const override { return 0; }
  int64_t start_dim, end_dim;
};
DESCENT_MODULE(Flatten);

/// Splits dim into sizes.
class UnflattenImpl : public Module {
 public:
  UnflattenImpl(int64_t dim, Shape sizes) : Module("Unflatten"), dim(dim), sizes(std::move(sizes)) {}
  Tensor forward(const Tensor& x) override { return x.unflatten(dim, sizes); }
  std::string extra_repr() const override;
  int64_t flops(const Shape&, const Shape&) const override { return 0; }
  int64_t dim;
  Shape sizes;
};
class Unflatten : public ModuleHolder<UnflattenImpl> {
 public:
  using ModuleHolder<UnflattenImpl>::ModuleHolder;
  Unflatten(int64_t dim, std::initializer_list<int64_t> sizes) : ModuleHolder(dim, Shape(sizes)) {}
};

}  // namespace descent::nn
