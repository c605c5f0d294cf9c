#pragma once
// Part of the central op list (ops/op_list.h): normalisation, embedding and recurrent layers. X(name, differentiable).
// Recurrent layers are compositions of core ops (linear, sigmoid, tanh, where, ...) and need no entry.
#define DESCENT_NORM_OPS(X) \
  X(batch_norm, 1) X(layer_norm, 1) X(group_norm, 1) X(embedding, 1) X(embedding_bag, 1)
