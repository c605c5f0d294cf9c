// The autograd accessors of Tensor (requires_grad, grad, detach, grad_fn, retain_grad, views'
// bases): declared with the rest of Tensor in core/tensor.h, defined here, so that core compiles
// without the autograd layer above it (as PyTorch keeps its TensorImpl free of autograd).
#include "descent/autograd/grad_mode.h"
#include "descent/autograd/node.h"
#include "descent/core/tensor.h"

namespace descent {

bool Tensor::requires_grad() const {
  const TensorImpl& t = checked();
  return t.autograd && t.autograd->requires_grad;
}

Tensor& Tensor::requires_grad_(bool r) {
  TensorImpl& t = checked();
  DESCENT_CHECK(!r || is_floating(t.dtype), "requires_grad_: only floating-point tensors can require gradients (got ",
                dtype_name(t.dtype), ")");
  DESCENT_CHECK(is_leaf() || r, "requires_grad_: you can only change requires_grad of leaf tensors; use detach() "
                                 "to get a tensor without history");
  t.meta().requires_grad = r;
  return *this;
}

Tensor Tensor::grad() const {
  const TensorImpl& t = checked();
  if (!t.autograd || !t.autograd->grad) return Tensor();
  return Tensor(t.autograd->grad);
}

void Tensor::set_grad(const Tensor& g) {
  if (g.defined())
    DESCENT_CHECK(g.sizes() == sizes(), "set_grad: gradient shape ", g.sizes(), " does not match tensor shape ",
                  sizes());
  checked().meta().grad = g.defined() ? g.impl_ptr() : nullptr;
}

void Tensor::zero_grad(bool set_to_none) {
  TensorImpl& t = checked();
  if (!t.autograd || !t.autograd->grad) return;
  if (set_to_none) t.autograd->grad.reset();
  else Tensor(t.autograd->grad).zero_();
}

Tensor Tensor::detach() const {
  const TensorImpl& t = checked();
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage;
  impl->sizes = t.sizes;
  impl->strides = t.strides;
  impl->offset = t.offset;
  impl->dtype = t.dtype;
  impl->device = t.device;
  return Tensor(std::move(impl));
}

Tensor& Tensor::detach_() {
  TensorImpl& t = checked();
  if (t.autograd) {
    t.autograd->grad_fn.reset();
    t.autograd->requires_grad = false;
    t.autograd->view_base.reset();
    t.autograd->output_nr = 0;
  }
  return *this;
}

bool Tensor::is_leaf() const {
  const TensorImpl& t = checked();
  return !t.autograd || !t.autograd->grad_fn;
}

std::shared_ptr<Node> Tensor::grad_fn() const {
  const TensorImpl& t = checked();
  return t.autograd ? t.autograd->grad_fn : nullptr;
}

std::string Tensor::grad_fn_name() const {
  auto f = grad_fn();
  return f ? f->name() : std::string();
}

uint32_t Tensor::output_nr() const {
  const TensorImpl& t = checked();
  return t.autograd ? t.autograd->output_nr : 0;
}

void Tensor::retain_grad() {
  TensorImpl& t = checked();
  DESCENT_CHECK(requires_grad(), "retain_grad: called on a tensor that does not require grad");
  if (is_leaf()) return;  // leaves keep .grad anyway
  AutogradMeta& m = t.meta();
  if (m.retains_grad) return;
  m.retains_grad = true;
  m.grad_fn->retained_grads.emplace_back(m.output_nr, impl_);
}

bool Tensor::retains_grad() const {
  const TensorImpl& t = checked();
  return t.autograd && t.autograd->retains_grad;
}

bool Tensor::is_view() const {
  const TensorImpl& t = checked();
  return t.autograd && t.autograd->view_base != nullptr;
}

Tensor Tensor::_base() const {
  const TensorImpl& t = checked();
  if (!t.autograd || !t.autograd->view_base) return Tensor();
  return Tensor(t.autograd->view_base);
}

}  // namespace descent
