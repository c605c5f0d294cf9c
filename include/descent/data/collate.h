#pragma once
// Collate: turns the examples of one batch into batched tensors.
#include <cstdint>
#include <functional>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/data/dataset.h"

namespace descent::data {

/// A batch: N examples stacked along a new first dimension.
struct Batch {
  /// [N, ...] inputs (padded to the longest for pad_collate).
  Tensor data;
  /// [N, ...] targets, or undefined when the examples have none.
  Tensor target;
  /// [N] int64 true lengths (pad_collate only; undefined otherwise).
  Tensor lengths;
  /// The dataset index of each example, in batch order.
  std::vector<int64_t> indices;
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

/// Builds a batch from examples (and their dataset indices, for error messages and Batch::indices).
using CollateFn = std::function<Batch(std::vector<Example>& examples, const std::vector<int64_t>& indices)>;

/// Stacks data and targets (each must have one shape and dtype across the batch; a clear error
/// names the first mismatching sample). Channels-last 3-D samples give a channels-last [N,C,H,W] batch.
Batch stack_collate(std::vector<Example>& examples, const std::vector<int64_t>& indices);

/// Pads variable-length sequences: data of shape [L_i, ...] (trailing dims equal) becomes
/// [N, max L_i, ...] filled with padding_value past each length, plus lengths [N] int64.
/// Targets are stacked as in stack_collate.
Batch pad_collate(std::vector<Example>& examples, const std::vector<int64_t>& indices, double padding_value = 0.0);

/// A CollateFn that pads with the given value.
CollateFn pad_collate_fn(double padding_value = 0.0);

/// Stacks same-shape, same-dtype tensors along a new first dim with plain copies (no thread pool),
/// so that DataLoader workers can call it. `what` and `indices` name samples in errors.
Tensor stack_samples(const std::vector<Tensor>& items, const std::vector<int64_t>& indices, const char* what);

}  // namespace descent::data
