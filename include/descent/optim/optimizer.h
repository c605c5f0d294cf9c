#pragma once
// Optimizer: the base of SGD, Adam, AdamW, RMSprop and Adagrad. Parameters live in groups, each
// with its own options (lr, weight_decay, ...); per-parameter state (momentum buffers, moment
// estimates, step counts) is kept by the optimizer and round-trips through state_dict(), so a
// resumed run takes bit-identical steps. Semantics follow PyTorch 1.13's torch.optim.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/core/options.h"
#include "descent/core/ordered_dict.h"
#include "descent/core/scalar_state.h"

namespace descent::optim {

/// Named numbers and strings (core's ScalarState): a scheduler's state_dict, and the non-tensor
/// part of an optimizer's.
using descent::ScalarState;

/// An optimizer's state_dict: scalars and strings (ScalarState) plus tensors by name, so that the
/// io layer can write the tensors to safetensors and the rest to JSON metadata. Key scheme:
///   strings["optimizer"]                      "SGD", "Adam", ...
///   scalars["num_param_groups"]
///   scalars["param_groups.<g>.num_params"]    group g holds the next num_params parameters
///   scalars["param_groups.<g>.<option>"]      lr, momentum, betas.0, ... (bools as 0/1)
///   scalars["param_groups.<g>.<extra>"]       scheduler bookkeeping (initial_lr, max_lr, ...)
///   scalars["state.<i>.step"]                 i = parameter index over all groups, in order
///   tensors["state.<i>.<buffer>"]             exp_avg, momentum_buffer, ...
struct OptimizerState : ScalarState {
  OrderedDict<Tensor> tensors;
};

/// The options of one parameter group. Each optimizer derives its own (SGDOptions, ...) with
/// chainable setters that validate their argument.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  /// The learning rate (schedulers read and write it through these).
  virtual double get_lr() const = 0;
  /// Sets the learning rate without validation: schedulers may extrapolate, as in PyTorch.
  virtual void set_lr(double lr) = 0;
  /// Whether the group has a momentum-like coefficient that OneCycleLR can cycle: momentum for
  /// SGD and RMSprop, beta1 for Adam and AdamW.
  virtual bool has_momentum() const { return false; }
  virtual double get_momentum() const;
  virtual void set_momentum(double momentum);
  /// Checks relations between options (e.g. nesterov needs momentum > 0); throws descent::Error.
  virtual void validate() const {}
  /// The options as named numbers (bools as 0/1), for state_dict.
  virtual std::vector<std::pair<std::string, double>> to_scalars() const = 0;
  /// Reads back what to_scalars wrote; `get` throws when a name is missing.
  virtual void from_scalars(const std::function<double(const std::string&)>& get) = 0;
};

/// Parameters that share options. Without options the optimizer's defaults are used.
class ParamGroup {
 public:
  ParamGroup(std::vector<Tensor> params);
  ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options);
  ParamGroup(const ParamGroup& other);
  ParamGroup& operator=(const ParamGroup& other);
  ParamGroup(ParamGroup&&) = default;
  ParamGroup& operator=(ParamGroup&&) = default;

  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }
  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  /// The options as the optimizer's own type, e.g. group.options_as<SGDOptions>().
  template <typename O>
  O& options_as() {
    auto* o = dynamic_cast<O*>(&options());
    DESCENT_CHECK(o != nullptr, "param group options are not of the requested type");
    return *o;
  }
  /// Per-group numbers kept by schedulers (initial_lr, max_lr, min_lr, ...), as PyTorch keeps
  /// them in the group dict; saved in state_dict.
  std::map<std::string, double>& extras() { return extras_; }
  const std::map<std::string, double>& extras() const { return extras_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
  std::map<std::string, double> extras_;
};

/// What an optimizer keeps for one parameter.
struct ParamState {
  /// Updates applied to this parameter so far.
  int64_t step = 0;
  /// Buffers shaped like the parameter (exp_avg, momentum_buffer, ...).
  std::map<std::string, Tensor> buffers;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Updates every parameter that has a gradient (others are skipped), without recording
  /// autograd history. `closure`, if given, is called first with grad enabled (it should
  /// recompute the loss and its gradients); its result is returned.
  Tensor step(const std::function<Tensor()>& closure = nullptr);
  /// Clears the gradients of all parameters: to undefined (default), or to zeros in place.
  void zero_grad(bool set_to_none = true);
  /// Adds parameters with their own options (or the defaults). A parameter may be in one group
  /// only; parameters must be floating-point leaves.
  void add_param_group(const ParamGroup& group);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// The options new groups get when they bring none.
  const OptimizerOptions& defaults() const { return *defaults_; }
  /// "SGD", "Adam", ...
  const std::string& name() const { return name_; }
  /// All parameters, group after group.
  std::vector<Tensor> parameters() const;
  /// The state of p (nullptr before p's first update or if p is not optimized here).
  const ParamState* state(const Tensor& p) const;

  /// A deep copy of options, extras and per-parameter state (see OptimizerState's keys).
  OptimizerState state_dict() const;
  /// Restores what state_dict() returned (tensors are copied, converted to each parameter's
  /// dtype). The optimizer must have the same kind and group sizes; any mismatch throws a
  /// descent::Error naming the key, and leaves the optimizer unchanged.
  void load_state_dict(const OptimizerState& state);

 protected:
  /// `defaults` must be of the optimizer's own options type; groups without options get a copy.
  Optimizer(std::string name, std::vector<ParamGroup> groups, const OptimizerOptions& defaults);
  /// Updates one parameter in place from its gradient (called with grad mode off).
  virtual void update(Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) = 0;

 private:
  std::string name_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

namespace detail {
/// Throws descent::Error "<optimizer>: invalid <option> <value> (<rule>)" unless ok.
void check_option(bool ok, const char* optimizer, const char* option, double value, const char* rule);
}  // namespace detail

}  // namespace descent::optim
