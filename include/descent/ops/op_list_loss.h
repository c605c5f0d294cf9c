#pragma once
// Part of the central op list (ops/op_list.h): losses. X(name, differentiable).
#define DESCENT_LOSS_OPS(X)                                                                   \
  X(mse_loss, 1) X(l1_loss, 1) X(smooth_l1_loss, 1) X(huber_loss, 1) X(binary_cross_entropy, 1) \
  X(binary_cross_entropy_with_logits, 1) X(cross_entropy, 1) X(nll_loss, 1) X(kl_div, 1)      \
  X(cosine_embedding_loss, 1) X(margin_ranking_loss, 1)
