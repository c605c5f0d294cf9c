#pragma once
// Helpers for writing ops, private to the library: the op families in src/ops and the functional
// ops of nn in src/nn/functional (which sit a layer above). The raw_* functions build tensors
// without recording autograd history: ops use them for internal views and casts, and record
// one node for the op as a whole.
#include "descent/autograd/grad_mode.h"
#include "descent/autograd/node.h"
#include "descent/backend/backend.h"
#include "descent/ops/ops.h"

namespace descent::ops {

inline backend::Backend& be(const Tensor& t) { return backend::get(t.device()); }

/// A new tensor with the given geometry over t's storage, without autograd.
Tensor raw_view(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset);
/// t broadcast to sizes (zero strides), without autograd.
Tensor raw_expand(const Tensor& t, const Shape& sizes);
/// t in dtype (t itself when it already has it), without autograd.
Tensor raw_cast(const Tensor& t, DType dtype);
/// An uninitialised output of `sizes`, laid out like `like` when like has that shape and is dense
/// (so channels-last inputs give channels-last outputs), else row-major.
Tensor empty_like_layout(const Shape& sizes, DType dtype, const Tensor& like);
/// True when a and b may share memory.
bool may_overlap(const Tensor& a, const Tensor& b);
/// The sorted, unique, non-negative form of dims (all dims when empty).
Dims normalize_dims(const Dims& dims, int64_t ndim, const char* op);
/// Sizes with the reduced dims set to 1 (keepdim shape).
Shape keepdim_shape(const Shape& sizes, const Dims& dims);
/// Sizes with the reduced dims removed.
Shape reduced_shape(const Shape& sizes, const Dims& dims, bool keepdim);
/// Gradient of a reduction over dims, broadcast back to the input shape.
Tensor expand_reduced_grad(const Tensor& g, const Shape& in_sizes, const Dims& dims, bool keepdim);
/// Records the history of an in-place op on self: the out-of-place result r (with history) is
/// copied into self's memory and self's history becomes "copy of r".
Tensor& assign_inplace(Tensor& self, const Tensor& r, const char* op);
/// result_type for an in-place op: checks the result can be stored in self's dtype.
void check_can_cast(DType from, DType to, const char* op);

}  // namespace descent::ops
