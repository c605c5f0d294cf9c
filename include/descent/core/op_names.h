#pragma once
// The regular element-wise ops, each named once: X(name, differentiable). These lists declare the
// free functions (ops/ops.h), the Tensor methods (core/tensor.h, ops/tensor_methods.cpp), the
// backend's op codes (backend::UnaryOp, backend::BinaryOp) and their part of the central op list
// (ops/op_list.h, which the gradcheck and value-test coverage checks read). Pure macros, so the
// core layer can hold them without depending on ops.

/// One tensor in, one out, same shape: Tensor name(const Tensor&) and Tensor::name().
#define DESCENT_UNARY_MATH_OPS(X)                                                                  \
  X(neg, 1) X(abs, 1) X(sign, 1) X(exp, 1) X(log, 1) X(log1p, 1) X(expm1, 1) X(sqrt, 1) X(rsqrt, 1) \
  X(square, 1) X(reciprocal, 1) X(sigmoid, 1) X(tanh, 1) X(relu, 1) X(sin, 1) X(cos, 1)             \
  X(floor, 1) X(ceil, 1) X(round, 1)

/// Unary predicates: a bool tensor of the same shape.
#define DESCENT_UNARY_PREDICATE_OPS(X) X(logical_not, 0) X(isnan, 0) X(isinf, 0) X(isfinite, 0)

/// Comparisons, broadcasting to a bool tensor: name(a, b), Tensor::name(Tensor) and Tensor::name(Scalar).
#define DESCENT_COMPARISON_OPS(X) X(eq, 0) X(ne, 0) X(lt, 0) X(le, 0) X(gt, 0) X(ge, 0)

/// Logic on truth values, broadcasting to a bool tensor: name(a, b) and Tensor::name(Tensor).
#define DESCENT_LOGICAL_BINARY_OPS(X) X(logical_and, 0) X(logical_or, 0) X(logical_xor, 0)
