#pragma once
// The autograd graph: each op that records history creates a Node whose apply() maps the
// gradients of its outputs to the gradients of its inputs; edges point at the nodes that
// produced those inputs (or at a leaf's AccumulateGrad).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/tensor.h"

namespace descent {

class Node;

/// A link to input `input_nr` of node `fn` (fn null: the input needs no gradient).
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

/// Shape and dtype of one output of a node, used to materialise zero gradients.
struct OutputMeta {
  Shape sizes;
  DType dtype = DType::Float32;
};

/// A backward function in the graph.
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node() = default;
  /// Gradients w.r.t. the inputs (one per next edge) given gradients w.r.t. the outputs.
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;
  /// "MulBackward", "AccumulateGrad", ...
  virtual std::string name() const = 0;
  /// Frees saved tensors after a backward without retain_graph.
  virtual void release_variables() {}

  std::vector<Edge> next_edges;
  std::vector<OutputMeta> outputs;
  /// Creation order; later nodes run first among ready ones.
  uint64_t sequence_nr;
  /// Non-leaf outputs whose .grad should be kept (Tensor::retain_grad).
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained_grads;
};

/// A tensor saved for backward plus the version it had, so in-place edits are caught.
class SavedTensor {
 public:
  SavedTensor() = default;
  /// Saves a detached alias of t (no reference to t's grad_fn, so no cycles).
  explicit SavedTensor(const Tensor& t);
  /// The saved tensor; throws if it was modified in place since it was saved, or released.
  Tensor get(const char* node_name) const;
  bool defined() const { return saved_; }
  void reset() { data_ = Tensor(); released_ = true; }

 private:
  Tensor data_;
  uint64_t version_ = 0;
  bool saved_ = false;
  bool released_ = false;
};

/// A node whose backward is a closure; saved state lives in the closure and is dropped by
/// release_variables() (after which apply throws the "backward a second time" error).
class FunctionNode final : public Node {
 public:
  using BackwardFn = std::function<std::vector<Tensor>(std::vector<Tensor>&)>;
  FunctionNode(std::string name, BackwardFn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) override;
  std::string name() const override { return name_; }
  void release_variables() override { fn_ = nullptr; }

 private:
  std::string name_;
  BackwardFn fn_;
};

/// Adds incoming gradients into a leaf's .grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

namespace autograd {

/// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);
/// The edge a gradient for `t` should flow into (its grad_fn, its AccumulateGrad, or none).
Edge gradient_edge(const Tensor& t);
/// Wires node into the graph: edges from inputs, node becomes grad_fn of outputs.
void set_history(const std::shared_ptr<Node>& node, const std::vector<const Tensor*>& inputs,
                 const std::vector<Tensor*>& outputs);
/// Records a closure-backed op: `backward` receives grads of outputs and returns one gradient
/// per input (undefined where none). No-op unless grad mode is on and an input requires grad.
void record(const char* name, const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs,
            FunctionNode::BackwardFn backward);
/// Sums grad down to `shape` (undoes broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& shape);
/// Marks `view` as a differentiable view of `base` (for in-place ops on views).
void mark_view(Tensor& view, const Tensor& base);
/// After an in-place op wrote into `self`: rewires self's history to `node` (whose input 0 was
/// self's old value), handling views of a tracked base with a CopySlices node.
void rebase_history(Tensor& self, const std::shared_ptr<Node>& node);
/// Throws if self is a leaf that requires grad (or a view of one) while grad mode is on.
void check_inplace(const Tensor& self, const char* op);

}  // namespace autograd

/// Runs backward from roots with the given root gradients.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph);

/// d(outputs)/d(inputs) as in torch.autograd.grad: returns gradients without touching .grad.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool allow_unused = false);

}  // namespace descent
