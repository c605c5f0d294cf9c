// Graph nodes, saved tensors, history recording and the in-place rules (version checks,
// leaf protection, CopySlices for in-place ops on views).
#include "descent/autograd/node.h"

#include <atomic>

#include "descent/autograd/grad_mode.h"

namespace descent {
namespace {
std::atomic<uint64_t> g_next_sequence{0};

Tensor alias_of(const Tensor& t) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->sizes = t.sizes();
  impl->strides = t.strides();
  impl->offset = t.storage_offset();
  impl->dtype = t.dtype();
  impl->device = t.device();
  return Tensor(std::move(impl));
}

std::string describe(const Tensor& t) { return detail::str_cat("[", dtype_name(t.dtype()), " ", t.sizes(), "]"); }
}  // namespace

Node::Node() : sequence_nr(g_next_sequence.fetch_add(1)) {}

SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  data_ = alias_of(t);
  version_ = t._version();
  saved_ = true;
}

Tensor SavedTensor::get(const char* node_name) const {
  DESCENT_CHECK(!released_, "Trying to backward through the graph a second time (or to use saved tensors after "
                            "they were freed) in ", node_name, ". Pass retain_graph=true to the first backward.");
  if (!saved_) return Tensor();
  DESCENT_CHECK(data_.storage()->version() == version_,
                "one of the tensors needed for gradient computation has been modified by an in-place operation: ",
                describe(data_), " is at version ", data_.storage()->version(), "; expected version ", version_,
                " (saved by ", node_name, ")");
  return data_;
}

std::vector<Tensor> FunctionNode::apply(std::vector<Tensor>&& grad_outputs) {
  DESCENT_CHECK(fn_ != nullptr, "Trying to backward through the graph a second time (", name_,
                " has already freed its saved tensors). Pass retain_graph=true to the first backward.");
  return fn_(grad_outputs);
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = grads.empty() ? Tensor() : grads[0];
  if (!g.defined()) return {};
  AutogradMeta& m = leaf_->meta();
  if (g.dtype() != leaf_->dtype) g = g.to(leaf_->dtype);
  if (!m.grad) {
    // Keep our own dense copy: the incoming gradient may alias a saved or expanded tensor.
    Tensor own = g.clone(MemoryFormat::Contiguous);
    m.grad = own.impl_ptr();
  } else {
    Tensor cur(m.grad);
    cur.add_(g);
  }
  return {};
}

namespace autograd {

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (auto* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.impl()->autograd) return {};
  AutogradMeta& m = *t.impl()->autograd;
  if (m.grad_fn) return {m.grad_fn, m.output_nr};
  if (!m.requires_grad) return {};
  auto acc = m.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    acc->outputs.push_back({t.sizes(), t.dtype()});
    m.grad_accumulator = acc;
  }
  return {acc, 0};
}

void set_history(const std::shared_ptr<Node>& node, const std::vector<const Tensor*>& inputs,
                 const std::vector<Tensor*>& outputs) {
  node->next_edges.clear();
  node->next_edges.reserve(inputs.size());
  for (auto* t : inputs) node->next_edges.push_back(t ? gradient_edge(*t) : Edge{});
  node->outputs.clear();
  for (uint32_t i = 0; i < outputs.size(); ++i) {
    Tensor* o = outputs[i];
    node->outputs.push_back({o->sizes(), o->dtype()});
    AutogradMeta& m = o->impl()->meta();
    m.requires_grad = true;
    m.grad_fn = node;
    m.output_nr = i;
  }
}

void record(const char* name, const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs,
            FunctionNode::BackwardFn backward) {
  if (!GradMode::is_enabled()) return;
  bool any = false;
  for (auto* t : inputs) any = any || (t && t->defined() && t->requires_grad());
  if (!any) return;
  auto node = std::make_shared<FunctionNode>(name, std::move(backward));
  set_history(node, inputs, outputs);
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (!grad.defined() || grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  DESCENT_CHECK(lead >= 0, "sum_to: gradient of shape ", grad.sizes(), " cannot be reduced to ", shape);
  Dims dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i)
    if (shape[size_t(i)] == 1 && grad.size(lead + i) != 1) dims.push_back(lead + i);
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  if (lead > 0 || r.sizes() != shape) r = r.reshape(shape);
  return r;
}

void mark_view(Tensor& view, const Tensor& base) {
  if (!base.defined() || !base.impl()->autograd) return;
  const AutogradMeta& bm = *base.impl()->autograd;
  std::shared_ptr<TensorImpl> root = bm.view_base ? bm.view_base : base.impl_ptr();
  if (!(bm.requires_grad || bm.view_base)) return;
  view.impl()->meta().view_base = root;
}

void check_inplace(const Tensor& self, const char* op) {
  if (!GradMode::is_enabled() || !self.impl()->autograd) return;
  const AutogradMeta& m = *self.impl()->autograd;
  DESCENT_CHECK(!(m.requires_grad && !m.grad_fn && !m.view_base), op,
                ": a leaf tensor that requires grad is being used in an in-place operation; wrap it in "
                "NoGradGuard or use an out-of-place op");
  if (m.view_base) {
    const TensorImpl& b = *m.view_base;
    bool base_leaf_req = b.autograd && b.autograd->requires_grad && !b.autograd->grad_fn;
    DESCENT_CHECK(!base_leaf_req, op,
                  ": a view of a leaf tensor that requires grad is being used in an in-place operation");
  }
}

namespace {

// Gradient routing for an in-place op applied to a view: the base's new history.
class CopySlices final : public Node {
 public:
  CopySlices(Shape sizes, Shape strides, int64_t rel_offset, std::shared_ptr<Node> fn)
      : sizes_(std::move(sizes)), strides_(std::move(strides)), rel_offset_(rel_offset), fn_(std::move(fn)) {}
  std::string name() const override { return "CopySlices"; }
  void release_variables() override { fn_->release_variables(); }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    Tensor g = grads[0];
    Tensor result = g.clone(MemoryFormat::Contiguous);
    Tensor slice = result.as_strided(sizes_, strides_, rel_offset_);
    std::vector<Tensor> in{slice.clone(MemoryFormat::Contiguous)};
    std::vector<Tensor> res = fn_->apply(std::move(in));
    if (!res.empty() && res[0].defined()) slice.copy_(res[0]);
    else slice.zero_();
    std::vector<Tensor> out{result};
    for (size_t i = 1; i < res.size(); ++i) out.push_back(res[i]);
    return out;
  }

 private:
  Shape sizes_, strides_;
  int64_t rel_offset_;
  std::shared_ptr<Node> fn_;
};

}  // namespace

void rebase_history(Tensor& self, const std::shared_ptr<Node>& node) {
  AutogradMeta& m = self.impl()->meta();
  if (!m.view_base) {
    m.grad_fn = node;
    m.output_nr = 0;
    m.requires_grad = true;
    if (node->outputs.empty()) node->outputs.push_back({self.sizes(), self.dtype()});
    return;
  }
  Tensor base(m.view_base);
  DESCENT_CHECK(base.is_contiguous(), "in-place operation on a view of a non-contiguous tensor that takes part in "
                                      "autograd is not supported; call contiguous() on the base first");
  auto cs = std::make_shared<CopySlices>(self.sizes(), self.strides(), self.storage_offset() - base.storage_offset(),
                                         node);
  cs->next_edges.push_back(gradient_edge(base));
  for (size_t i = 1; i < node->next_edges.size(); ++i) cs->next_edges.push_back(node->next_edges[i]);
  cs->outputs.push_back({base.sizes(), base.dtype()});
  AutogradMeta& bm = base.impl()->meta();
  bm.grad_fn = cs;
  bm.output_nr = 0;
  bm.requires_grad = true;
  // The view's own history is now "a strided slice of the base".
  Shape vs = self.sizes(), vst = self.strides();
  int64_t off = self.storage_offset() - base.storage_offset();
  Shape bs = base.sizes();
  DType bd = base.dtype();
  auto view_node = std::make_shared<FunctionNode>("AsStridedBackward", [vs, vst, off, bs, bd](std::vector<Tensor>& g) {
    Tensor r = g[0].new_zeros(bs, bd);
    r.as_strided(vs, vst, off).copy_(g[0]);
    return std::vector<Tensor>{r};
  });
  view_node->next_edges.push_back({cs, 0});
  view_node->outputs.push_back({self.sizes(), self.dtype()});
  m.grad_fn = view_node;
  m.output_nr = 0;
  m.requires_grad = true;
}

}  // namespace autograd
}  // namespace descent
