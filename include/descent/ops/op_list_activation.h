#pragma once
// Part of the central op list (ops/op_list.h): activations, softmax/log_softmax, dropout. X(name, differentiable).
#define DESCENT_ACTIVATION_OPS(X)
