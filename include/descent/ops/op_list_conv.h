#pragma once
// Part of the central op list (ops/op_list.h): convolution and pooling. X(name, differentiable).
#define DESCENT_CONV_OPS(X)
