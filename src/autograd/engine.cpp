// The backward engine: discovers the graph reachable from the roots, counts dependencies, then
// runs nodes in an order where each node runs after every node that feeds it a gradient
// (latest-created first among the ready ones), summing gradients that meet at a node.
#include <map>
#include <queue>
#include <unordered_map>

#include "descent/autograd/grad_mode.h"
#include "descent/autograd/node.h"

namespace descent {
namespace {

struct CaptureKey {
  Node* node;
  uint32_t input_nr;
  bool operator<(const CaptureKey& o) const { return node != o.node ? node < o.node : input_nr < o.input_nr; }
};

void accumulate(std::vector<Tensor>& buf, uint32_t i, const Tensor& g) {
  if (buf.size() <= i) buf.resize(i + 1);
  if (!buf[i].defined()) buf[i] = g;
  else buf[i] = buf[i].add(g);
}

// Runs the graph. With `captures`, gradients arriving at those (node, input) slots are returned
// instead of being accumulated into leaves (torch.autograd.grad).
std::vector<Tensor> execute(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph,
                            const std::vector<Edge>* captures) {
  DESCENT_CHECK(grad_roots.size() == roots.size(), "backward: ", roots.size(), " outputs but ", grad_roots.size(),
                " gradients");
  NoGradGuard no_grad;
  std::unordered_map<Node*, int> deps;
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::vector<std::shared_ptr<Node>> stack;
  std::unordered_map<Node*, bool> seen;

  std::vector<Edge> root_edges;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    DESCENT_CHECK(r.defined(), "backward: output ", i, " is an undefined tensor");
    Edge e = autograd::gradient_edge(r);
    DESCENT_CHECK(e.valid(), "backward: element ", i,
                  " of the outputs does not require grad and has no grad_fn (was it computed under NoGradGuard, or "
                  "from tensors without requires_grad?)");
    Tensor g = grad_roots[i];
    DESCENT_CHECK(g.sizes() == r.sizes(), "backward: gradient of shape ", g.sizes(), " does not match output shape ",
                  r.sizes());
    root_edges.push_back(e);
    if (!seen[e.fn.get()]) {
      seen[e.fn.get()] = true;
      stack.push_back(e.fn);
    }
  }
  // Dependency counts over the reachable graph.
  std::vector<std::shared_ptr<Node>> all;
  while (!stack.empty()) {
    auto n = stack.back();
    stack.pop_back();
    all.push_back(n);
    for (auto& e : n->next_edges) {
      if (!e.valid()) continue;
      deps[e.fn.get()]++;
      if (!seen[e.fn.get()]) {
        seen[e.fn.get()] = true;
        stack.push_back(e.fn);
      }
    }
  }
  std::map<CaptureKey, size_t> capture_index;
  std::vector<Tensor> captured;
  if (captures) {
    captured.resize(captures->size());
    for (size_t i = 0; i < captures->size(); ++i)
      if ((*captures)[i].valid()) capture_index[{(*captures)[i].fn.get(), (*captures)[i].input_nr}] = i;
  }
  auto cmp = [](const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) { return a->sequence_nr < b->sequence_nr; };
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, decltype(cmp)> ready(cmp);
  for (size_t i = 0; i < roots.size(); ++i) accumulate(buffers[root_edges[i].fn.get()], root_edges[i].input_nr, grad_roots[i]);
  for (size_t i = 0; i < roots.size(); ++i) {
    Node* n = root_edges[i].fn.get();
    if (deps[n] == 0 && !buffers[n].empty()) {
      ready.push(root_edges[i].fn);
      deps[n] = -1;  // queued
    }
  }
  while (!ready.empty()) {
    auto node = ready.top();
    ready.pop();
    std::vector<Tensor> grads = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    grads.resize(node->outputs.size());
    for (auto& [idx, weak] : node->retained_grads) {
      auto impl = weak.lock();
      if (!impl || idx >= grads.size() || !grads[idx].defined()) continue;
      AutogradMeta& m = impl->meta();
      if (!m.grad) m.grad = grads[idx].clone(MemoryFormat::Contiguous).impl_ptr();
      else m.grad = Tensor(m.grad).add(grads[idx]).impl_ptr();
    }
    bool is_acc = dynamic_cast<AccumulateGrad*>(node.get()) != nullptr;
    if (captures) {
      for (uint32_t k = 0; k < grads.size(); ++k) {
        auto it = capture_index.find({node.get(), k});
        if (it != capture_index.end()) captured[it->second] = grads[k];
      }
      if (is_acc) continue;  // autograd.grad never touches .grad
    }
    // Missing output gradients become zeros so nodes always see defined tensors.
    const Tensor* some = nullptr;
    for (auto& g : grads)
      if (!some && g.defined()) some = &g;
    std::vector<Tensor> outs;
    if (some) {
      for (size_t k = 0; k < grads.size(); ++k)
        if (!grads[k].defined()) grads[k] = some->new_zeros(node->outputs[k].sizes, node->outputs[k].dtype);
      outs = node->apply(std::move(grads));
    }
    if (!retain_graph) node->release_variables();
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      if (i < outs.size() && outs[i].defined()) {
        const Tensor& g = outs[i];
        if (e.input_nr < e.fn->outputs.size()) {
          const OutputMeta& om = e.fn->outputs[e.input_nr];
          DESCENT_CHECK(g.sizes() == om.sizes, "autograd: ", node->name(), " returned a gradient of shape ", g.sizes(),
                        " for input ", i, " of shape ", om.sizes, " (internal error)");
        }
        if (e.input_nr < e.fn->outputs.size() && g.dtype() != e.fn->outputs[e.input_nr].dtype)
          accumulate(buffers[e.fn.get()], e.input_nr, g.to(e.fn->outputs[e.input_nr].dtype));
        else
          accumulate(buffers[e.fn.get()], e.input_nr, g);
      }
      if (--deps[e.fn.get()] == 0) {
        ready.push(e.fn);
        deps[e.fn.get()] = -1;
      }
    }
  }
  return captured;
}

std::vector<Tensor> default_root_grads(const std::vector<Tensor>& roots, const std::vector<Tensor>& given) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i < given.size() && given[i].defined()) {
      out.push_back(given[i]);
      continue;
    }
    DESCENT_CHECK(roots[i].numel() == 1, "backward: grad can be implicitly created only for scalar outputs; output ",
                  i, " has shape ", roots[i].sizes(), " (pass an explicit gradient)");
    out.push_back(roots[i].new_ones(roots[i].sizes()));
  }
  return out;
}

}  // namespace

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph) {
  execute(roots, default_root_grads(roots, grad_roots), retain_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool allow_unused) {
  std::vector<Edge> caps;
  for (size_t i = 0; i < inputs.size(); ++i) {
    DESCENT_CHECK(inputs[i].requires_grad(), "grad: input ", i, " does not require grad");
    caps.push_back(autograd::gradient_edge(inputs[i]));
  }
  auto res = execute(outputs, default_root_grads(outputs, grad_outputs), retain_graph, &caps);
  for (size_t i = 0; i < res.size(); ++i)
    DESCENT_CHECK(allow_unused || res[i].defined(), "grad: input ", i,
                  " was not used in the graph (pass allow_unused=true to get an undefined gradient)");
  return res;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  run_backward({*this}, {gradient}, retain_graph);
}

}  // namespace descent
