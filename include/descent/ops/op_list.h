#pragma once
// The central op list. Every op descent exposes is named here once; X(name, differentiable).
// tests/autograd/gradcheck_table_test.cpp fails when a differentiable op has no gradcheck entry.
// The tensor-core ops are listed below; each neural-network op family keeps its part of the list
// in its own header (op_list_<family>.h), joined here.
#include "descent/core/op_names.h"
#include "descent/ops/op_list_activation.h"
#include "descent/ops/op_list_conv.h"
#include "descent/ops/op_list_loss.h"
#include "descent/ops/op_list_norm.h"

#define DESCENT_OP_LIST(X) DESCENT_CORE_OPS(X) DESCENT_ACTIVATION_OPS(X) DESCENT_CONV_OPS(X) \
  DESCENT_LOSS_OPS(X) DESCENT_NORM_OPS(X)

#define DESCENT_CORE_OPS(X)                                                                   \
  /* element-wise, binary */                                                                  \
  X(add, 1) X(sub, 1) X(mul, 1) X(div, 1) X(pow, 1) X(pow_scalar, 1) X(minimum, 1)            \
  X(maximum, 1) X(where, 1)                                                                   \
  /* element-wise, unary */                                                                   \
  DESCENT_UNARY_MATH_OPS(X) X(clamp, 1)                                                       \
  /* comparisons and logic (no gradient) */                                                   \
  DESCENT_COMPARISON_OPS(X) DESCENT_LOGICAL_BINARY_OPS(X) DESCENT_UNARY_PREDICATE_OPS(X)      \
  /* reductions */                                                                            \
  X(sum, 1) X(mean, 1) X(prod, 1) X(max, 1) X(min, 1) X(max_dim, 1) X(min_dim, 1) X(amax, 1)  \
  X(amin, 1) X(argmax, 0) X(argmin, 0) X(var, 1) X(std, 1) X(logsumexp, 1) X(norm, 1)         \
  X(all, 0) X(any, 0) X(cumsum, 1)                                                            \
  /* views */                                                                                 \
  X(view, 1) X(reshape, 1) X(flatten, 1) X(unflatten, 1) X(squeeze, 1) X(unsqueeze, 1)        \
  X(permute, 1) X(transpose, 1) X(t, 1) X(narrow, 1) X(slice, 1) X(select, 1) X(expand, 1)    \
  X(broadcast_to, 1) X(as_strided, 1) X(split, 1) X(chunk, 1) X(unbind, 1) X(movedim, 1)      \
  /* copies */                                                                                \
  X(cat, 1) X(stack, 1) X(index_select, 1) X(gather, 1) X(scatter, 1) X(scatter_add, 1)       \
  X(masked_fill, 1) X(masked_select, 1) X(repeat, 1) X(flip, 1) X(clone, 1) X(contiguous, 1)  \
  X(to_dtype, 1)                                                                              \
  /* linear algebra */                                                                        \
  X(matmul, 1) X(mm, 1) X(bmm, 1) X(addmm, 1) X(outer, 1) X(dot, 1)                           \
  /* in-place */                                                                              \
  X(add_, 1) X(sub_, 1) X(mul_, 1) X(div_, 1) X(copy_, 1) X(clamp_, 1) X(masked_fill_, 1)

namespace descent {
/// Names of all ops in the central list, and whether each is differentiable.
struct OpInfo {
  const char* name;
  bool differentiable;
};
inline constexpr OpInfo kOpList[] = {
#define DESCENT_OP_INFO(n, d) OpInfo{#n, d != 0},
    DESCENT_OP_LIST(DESCENT_OP_INFO)
#undef DESCENT_OP_INFO
};
}  // namespace descent
