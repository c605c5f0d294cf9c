#pragma once
// Part of the central op list (ops/op_list.h): activations, softmax/log_softmax, dropout. X(name, differentiable).
#define DESCENT_ACTIVATION_OPS(X)                                                              \
  X(relu6, 1) X(leaky_relu, 1) X(prelu, 1) X(elu, 1) X(selu, 1) X(gelu, 1) X(silu, 1)          \
  X(mish, 1) X(hardtanh, 1) X(hardsigmoid, 1) X(hardswish, 1) X(softplus, 1) X(softsign, 1)    \
  X(softmax, 1) X(log_softmax, 1) X(dropout, 1) X(dropout2d, 1)
