#pragma once
// Part of the central op list (ops/op_list.h): convolution and pooling. X(name, differentiable).
#define DESCENT_CONV_OPS(X)                                                                        \
  X(conv1d, 1) X(conv2d, 1) X(conv_transpose2d, 1)                                                 \
  X(max_pool1d, 1) X(max_pool1d_with_indices, 1) X(max_pool2d, 1) X(max_pool2d_with_indices, 1)    \
  X(avg_pool1d, 1) X(avg_pool2d, 1) X(adaptive_avg_pool1d, 1) X(adaptive_avg_pool2d, 1)
