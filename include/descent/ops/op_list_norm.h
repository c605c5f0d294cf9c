#pragma once
// Part of the central op list (ops/op_list.h): normalisation, embedding and recurrent layers. X(name, differentiable).
#define DESCENT_NORM_OPS(X)
