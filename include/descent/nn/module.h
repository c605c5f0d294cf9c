#pragma once
// Module: the base of every layer and model. Owns named parameters, buffers and child modules,
// knows train/eval mode, and gives state_dict / load_state_dict with PyTorch's dotted names
// ("features.0.weight"). Layers are used through holders, as in libtorch: `nn::Linear fc(3, 4);
// fc->weight; fc(x)`.
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/nn/ordered_dict.h"

namespace descent::nn {

/// name -> tensor, in registration order (parameters first, then buffers, per module, depth first).
using StateDict = OrderedDict<Tensor>;

/// What load_state_dict found: keys the module has that the dict lacks, and the reverse.
struct LoadReport {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
  bool ok() const { return missing_keys.empty() && unexpected_keys.empty(); }
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The layer's type name, e.g. "Linear".
  const std::string& type_name() const { return type_name_; }

  /// Applies the module to one tensor. Modules with other signatures add their own forward.
  virtual Tensor forward(const Tensor& x);
  /// forward() plus bookkeeping (summary recording). Holders and containers call this.
  Tensor call(const Tensor& x);
  /// True while summary() records the layers on this thread (containers then call every child in
  /// order, one row each).
  static bool recording_summary();

  /// Registers a parameter (requires_grad set as given) and returns a reference to the stored handle.
  Tensor& register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  /// Registers a buffer (state saved in state_dict but not trained, e.g. running_mean).
  Tensor& register_buffer(const std::string& name, Tensor t);
  /// Registers a child module under name.
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    register_module_impl(name, m);
    return m;
  }
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  H register_module(const std::string& name, H holder) {
    register_module_impl(name, holder.ptr());
    return holder;
  }
  /// Replaces a registered child (e.g. to swap a layer).
  void replace_module(const std::string& name, std::shared_ptr<Module> m);

  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::shared_ptr<Module>> named_children() const;
  /// All modules in the tree, depth first (this one first unless include_self is false).
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true);
  OrderedDict<std::shared_ptr<Module>> named_modules(const std::string& prefix = "", bool include_self = true);

  /// Switches this module and its children to training (true) or evaluation (false) mode.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Clears the gradients of all parameters (to undefined, or to zeros).
  void zero_grad(bool set_to_none = true);
  /// Converts floating parameters and buffers to dtype, keeping their identity (in place).
  void to(DType dtype);
  /// Calls fn on every module of the tree, children before parents (as PyTorch's apply).
  void apply(const std::function<void(Module&)>& fn);

  /// Parameters and buffers by dotted name (copies share storage with the module's tensors).
  StateDict state_dict() const;
  /// Copies values in by name. strict: missing or unexpected keys throw (naming them); otherwise
  /// they are reported. A shape mismatch always throws naming the key and both shapes.
  LoadReport load_state_dict(const StateDict& dict, bool strict = true);

  /// One-line description of the layer's settings, e.g. "in_features=3, out_features=4, bias=true".
  virtual std::string extra_repr() const { return ""; }
  /// The module tree, PyTorch style.
  void pretty_print(std::ostream& os, int indent = 0) const;
  /// Floating-point operations for one forward pass producing `out` from `in` (multiply-add = 2).
  virtual int64_t flops(const Shape& in, const Shape& out) const;

 protected:
  bool training_ = true;

 private:
  void register_module_impl(const std::string& name, std::shared_ptr<Module> m);
  void collect(const std::string& prefix, bool recurse, bool params, OrderedDict<Tensor>& out) const;

  std::string type_name_;
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  OrderedDict<std::shared_ptr<Module>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

/// A shared handle to a module implementation, as libtorch's ModuleHolder: `Linear` holds a
/// `LinearImpl`. Copying the holder shares the module.
template <typename Impl>
class ModuleHolder {
 public:
  using ImplType = Impl;
  /// Constructs the module from the arguments (or default-constructs it).
  template <typename... Args>
    requires(std::is_constructible_v<Impl, Args...> &&
             !(sizeof...(Args) == 1 && (std::is_base_of_v<ModuleHolder, std::decay_t<Args>> && ...)))
  explicit ModuleHolder(Args&&... args) : impl_(std::make_shared<Impl>(std::forward<Args>(args)...)) {}
  /// An empty holder, to be assigned later.
  ModuleHolder(std::nullptr_t) {}
  ModuleHolder(std::shared_ptr<Impl> p) : impl_(std::move(p)) {}

  Impl* operator->() const { return checked(); }
  Impl& operator*() const { return *checked(); }
  Impl* get() const { return impl_.get(); }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }
  explicit operator bool() const { return impl_ != nullptr; }

  /// Calls the module: one tensor goes through Module::call; other signatures to forward().
  /// Indexing forwarded to the module (Sequential, ModuleList, ModuleDict).
  template <typename Arg>
  decltype(auto) operator[](Arg&& a) const {
    return (*checked())[std::forward<Arg>(a)];
  }

  template <typename... Args>
  decltype(auto) operator()(Args&&... args) const {
    if constexpr (sizeof...(Args) == 1 && (std::is_convertible_v<Args, const Tensor&> && ...))
      return checked()->call(std::forward<Args>(args)...);
    else
      return checked()->forward(std::forward<Args>(args)...);
  }

 private:
  Impl* checked() const {
    DESCENT_CHECK(impl_ != nullptr, "use of an empty module holder");
    return impl_.get();
  }
  std::shared_ptr<Impl> impl_;
};

/// Defines `Name` as the holder of `NameImpl`.
#define DESCENT_MODULE(Name)                                 \
  class Name : public ::descent::nn::ModuleHolder<Name##Impl> { \
   public:                                                   \
    using ::descent::nn::ModuleHolder<Name##Impl>::ModuleHolder; \
  }

/// One row of a model summary.
struct SummaryRow {
  std::string name, type;
  Shape output_shape;
  int64_t params = 0;
  int64_t flops = 0;
};
struct Summary {
  std::vector<SummaryRow> rows;
  int64_t total_params = 0, trainable_params = 0, total_flops = 0;
  Shape input_shape, output_shape;
  /// A printable table.
  std::string to_string() const;
};
/// Runs one forward pass (no grad, eval mode kept as is) on zeros of `input_shape` and records
/// every module's output shape, parameter count and FLOPs.
Summary summary(Module& model, const Shape& input_shape, DType dtype = DType::Float32);
template <typename H, typename = decltype(std::declval<H>().ptr())>
Summary summary(const H& holder, const Shape& input_shape, DType dtype = DType::Float32) {
  return summary(*holder.ptr(), input_shape, dtype);
}

}  // namespace descent::nn
