#pragma once
// Part of the central op list (ops/op_list.h): losses. X(name, differentiable).
#define DESCENT_LOSS_OPS(X)
