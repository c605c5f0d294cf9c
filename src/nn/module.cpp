#include "descent/nn/module.h"

#include <iomanip>
#include <map>
#include <sstream>

#include "descent/autograd/grad_mode.h"
#include "descent/ops/ops.h"

namespace descent::nn {
namespace {

// Active summary() recording on this thread, if any.
struct Recorder {
  std::map<const Module*, std::string> names;
  std::vector<SummaryRow> rows;
};
thread_local Recorder* tl_recorder = nullptr;

void check_name(const std::string& name, const char* what) {
  DESCENT_CHECK(!name.empty(), what, " name must not be empty");
  DESCENT_CHECK(name.find('.') == std::string::npos, what, " name '", name, "' must not contain '.'");
}

}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor&) {
  DESCENT_FAIL(type_name_, " has no single-tensor forward; call its forward(...) with the arguments it takes");
}

bool Module::recording_summary() { return tl_recorder != nullptr; }

Tensor Module::call(const Tensor& x) {
  Tensor y = forward(x);
  if (tl_recorder && children_.empty()) {
    SummaryRow r;
    auto it = tl_recorder->names.find(this);
    r.name = it == tl_recorder->names.end() ? "" : it->second;
    r.type = type_name_;
    r.output_shape = y.sizes();
    for (auto& p : parameters(false)) r.params += p.numel();
    r.flops = flops(x.sizes(), y.sizes());
    tl_recorder->rows.push_back(std::move(r));
  }
  return y;
}

Tensor& Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_name(name, "parameter");
  DESCENT_CHECK(!buffers_.contains(name) && !children_.contains(name), "attribute '", name, "' already exists in ",
                type_name_);
  if (t.defined()) {
    DESCENT_CHECK(t.is_leaf(), "parameter '", name, "' must be a leaf tensor (use detach())");
    if (requires_grad) t.requires_grad_(true);
  }
  return parameters_.insert(name, std::move(t));
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  check_name(name, "buffer");
  DESCENT_CHECK(!parameters_.contains(name) && !children_.contains(name), "attribute '", name,
                "' already exists in ", type_name_);
  return buffers_.insert(name, std::move(t));
}

void Module::register_module_impl(const std::string& name, std::shared_ptr<Module> m) {
  check_name(name, "submodule");
  DESCENT_CHECK(m != nullptr, "register_module: '", name, "' is an empty module");
  DESCENT_CHECK(!parameters_.contains(name) && !buffers_.contains(name), "attribute '", name,
                "' already exists in ", type_name_);
  children_.insert(name, std::move(m));
}

void Module::replace_module(const std::string& name, std::shared_ptr<Module> m) {
  DESCENT_CHECK(children_.contains(name), type_name_, " has no submodule named '", name, "'");
  DESCENT_CHECK(m != nullptr, "replace_module: '", name, "' is an empty module");
  children_.set(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool recurse, bool params, OrderedDict<Tensor>& out) const {
  for (auto& [n, t] : params ? parameters_ : buffers_)
    if (t.defined()) out.insert(prefix + n, t);
  if (!recurse) return;
  for (auto& [n, c] : children_) c->collect(prefix + n + ".", true, params, out);
}

std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }
OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<Tensor> out;
  collect("", recurse, true, out);
  return out;
}
std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }
OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<Tensor> out;
  collect("", recurse, false, out);
  return out;
}
std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }
OrderedDict<std::shared_ptr<Module>> Module::named_children() const { return children_; }

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
  return named_modules("", include_self).values();
}

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string& prefix, bool include_self) {
  OrderedDict<std::shared_ptr<Module>> out;
  std::function<void(const std::string&, const std::shared_ptr<Module>&)> rec =
      [&](const std::string& p, const std::shared_ptr<Module>& m) {
        for (auto& [n, c] : m->children_) {
          std::string name = p.empty() ? n : p + "." + n;
          if (!out.contains(name)) out.insert(name, c);
          rec(name, c);
        }
      };
  std::shared_ptr<Module> self;
  try {
    self = shared_from_this();
  } catch (const std::bad_weak_ptr&) {
    // a module on the stack: wrap without ownership
    self = std::shared_ptr<Module>(this, [](Module*) {});
  }
  if (include_self) out.insert(prefix, self);
  rec(prefix, self);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) p.zero_grad(set_to_none);
}

void Module::to(DType dtype) {
  NoGradGuard ng;
  auto convert = [&](Tensor& t) {
    if (!t.defined() || !t.is_floating_point() || t.dtype() == dtype) return;
    // Swap the data behind the same TensorImpl so every handle sees the new dtype.
    Tensor c = t.to(dtype).contiguous();
    TensorImpl* impl = t.impl();
    impl->storage = c.storage();
    impl->dtype = dtype;
    impl->sizes = c.sizes();
    impl->strides = c.strides();
    impl->offset = c.storage_offset();
    if (impl->autograd) impl->autograd->grad.reset();
  };
  for (auto& [n, t] : parameters_) convert(t);
  for (auto& [n, t] : buffers_) convert(t);
  for (auto& [n, c] : children_) c->to(dtype);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [n, c] : children_) c->apply(fn);
  fn(*this);
}

StateDict Module::state_dict() const {
  StateDict out;
  std::function<void(const Module&, const std::string&)> rec = [&](const Module& m, const std::string& p) {
    for (auto& [n, t] : m.parameters_)
      if (t.defined()) out.insert(p + n, t.detach());
    for (auto& [n, t] : m.buffers_)
      if (t.defined()) out.insert(p + n, t.detach());
    for (auto& [n, c] : m.children_) rec(*c, p + n + ".");
  };
  rec(*this, "");
  return out;
}

LoadReport Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict own = state_dict();
  LoadReport rep;
  for (auto& [k, v] : own)
    if (!dict.contains(k)) rep.missing_keys.push_back(k);
  for (auto& [k, v] : dict)
    if (!own.contains(k)) rep.unexpected_keys.push_back(k);
  if (strict && !rep.ok()) {
    std::ostringstream os;
    os << "load_state_dict: error(s) in loading state_dict for " << type_name_ << ":";
    if (!rep.missing_keys.empty()) {
      os << " missing key(s):";
      for (auto& k : rep.missing_keys) os << " \"" << k << "\"";
      os << ".";
    }
    if (!rep.unexpected_keys.empty()) {
      os << " unexpected key(s):";
      for (auto& k : rep.unexpected_keys) os << " \"" << k << "\"";
      os << ".";
    }
    DESCENT_FAIL(os.str());
  }
  for (auto& [k, v] : own) {  // check every shape before copying anything
    const Tensor* src = dict.find(k);
    if (src) DESCENT_CHECK(src->sizes() == v.sizes(), "load_state_dict: size mismatch for ", k,
                           ": copying a tensor of shape ", src->sizes(), ", the shape in the model is ", v.sizes());
  }
  NoGradGuard ng;
  for (auto& [k, v] : own) {
    const Tensor* src = dict.find(k);
    if (src) {
      Tensor dst = v;
      dst.copy_(*src);
    }
  }
  return rep;
}

int64_t Module::flops(const Shape&, const Shape& out) const {
  // Element-wise layers: about one operation per output element.
  return children_.empty() ? shape_numel(out) : 0;
}

void Module::pretty_print(std::ostream& os, int indent) const {
  os << type_name_ << "(";
  if (children_.empty()) {
    os << extra_repr() << ")";
    return;
  }
  const std::string extra = extra_repr();
  if (!extra.empty()) os << "\n" << std::string(size_t(indent + 2), ' ') << extra;
  for (auto& [n, c] : children_) {
    os << "\n" << std::string(size_t(indent + 2), ' ') << "(" << n << "): ";
    c->pretty_print(os, indent + 2);
  }
  os << "\n" << std::string(size_t(indent), ' ') << ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  m.pretty_print(os, 0);
  return os;
}

Summary summary(Module& model, const Shape& input_shape, DType dtype) {
  Recorder rec;
  for (auto& [n, m] : model.named_modules()) rec.names[m.get()] = n.empty() ? "(model)" : n;
  Summary s;
  s.input_shape = input_shape;
  {
    NoGradGuard ng;
    Recorder* prev = tl_recorder;
    tl_recorder = &rec;
    try {
      Tensor y = model.call(zeros(input_shape, dtype));
      s.output_shape = y.sizes();
    } catch (...) {
      tl_recorder = prev;
      throw;
    }
    tl_recorder = prev;
  }
  s.rows = std::move(rec.rows);
  for (auto& p : model.parameters()) {
    s.total_params += p.numel();
    if (p.requires_grad()) s.trainable_params += p.numel();
  }
  for (auto& r : s.rows) s.total_flops += r.flops;
  return s;
}

std::string Summary::to_string() const {
  std::ostringstream os;
  auto shape_str = [](const Shape& s) {
    std::ostringstream o;
    o << s;
    return o.str();
  };
  size_t wn = 5, wt = 4, ws = 12;
  for (auto& r : rows) {
    wn = std::max(wn, r.name.size());
    wt = std::max(wt, r.type.size());
    ws = std::max(ws, shape_str(r.output_shape).size());
  }
  os << std::left << std::setw(int(wn) + 2) << "layer" << std::setw(int(wt) + 2) << "type" << std::setw(int(ws) + 2)
     << "output shape" << std::right << std::setw(12) << "params" << std::setw(16) << "FLOPs" << "\n";
  os << std::string(wn + wt + ws + 6 + 28, '-') << "\n";
  for (auto& r : rows)
    os << std::left << std::setw(int(wn) + 2) << r.name << std::setw(int(wt) + 2) << r.type << std::setw(int(ws) + 2)
       << shape_str(r.output_shape) << std::right << std::setw(12) << r.params << std::setw(16) << r.flops << "\n";
  os << std::string(wn + wt + ws + 6 + 28, '-') << "\n";
  os << "input " << shape_str(input_shape) << " -> output " << shape_str(output_shape) << "\n";
  os << "total parameters: " << total_params << " (trainable " << trainable_params << ")\n";
  os << "total FLOPs per forward: " << total_flops << "\n";
  return os.str();
}

}  // namespace descent::nn
