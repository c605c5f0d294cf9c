#include "descent/optim/optimizer.h"

#include <charconv>
#include <set>
#include <typeinfo>

#include "descent/autograd/grad_mode.h"
#include "descent/ops/ops.h"

namespace descent::optim {

double OptimizerOptions::get_momentum() const {
  DESCENT_FAIL("these optimizer options have no momentum");
}

void OptimizerOptions::set_momentum(double) { DESCENT_FAIL("these optimizer options have no momentum"); }

ParamGroup::ParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}

ParamGroup::ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options)
    : params_(std::move(params)), options_(options.clone()) {}

ParamGroup::ParamGroup(const ParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr), extras_(other.extras_) {}

ParamGroup& ParamGroup::operator=(const ParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
    extras_ = other.extras_;
  }
  return *this;
}

OptimizerOptions& ParamGroup::options() {
  DESCENT_CHECK(options_ != nullptr, "param group has no options yet (they are set when it joins an optimizer)");
  return *options_;
}

const OptimizerOptions& ParamGroup::options() const {
  DESCENT_CHECK(options_ != nullptr, "param group has no options yet (they are set when it joins an optimizer)");
  return *options_;
}

namespace detail {
void check_option(bool ok, const char* optimizer, const char* option, double value, const char* rule) {
  DESCENT_CHECK(ok, optimizer, ": invalid ", option, " ", value, " (", rule, ")");
}
}  // namespace detail

Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups, const OptimizerOptions& defaults)
    : name_(std::move(name)), defaults_(defaults.clone()) {
  defaults_->validate();
  size_t total = 0;
  for (const auto& g : groups) total += g.params().size();
  DESCENT_CHECK(total > 0, name_, ": got an empty parameter list");
  for (const auto& g : groups) add_param_group(g);
}

void Optimizer::add_param_group(const ParamGroup& group) {
  ParamGroup g = group;
  const size_t index = groups_.size();
  if (!g.has_options()) {
    g.set_options(defaults_->clone());
  } else {
    const OptimizerOptions& o = g.options();
    DESCENT_CHECK(typeid(o) == typeid(*defaults_), name_, ": param group ", index,
                  " has options of another optimizer (", typeid(o).name(), ")");
    o.validate();
  }
  std::set<const TensorImpl*> seen;
  for (const auto& other : groups_)
    for (const auto& p : other.params()) seen.insert(p.impl());
  for (size_t i = 0; i < g.params().size(); ++i) {
    const Tensor& p = g.params()[i];
    DESCENT_CHECK(p.defined(), name_, ": param group ", index, " parameter ", i, " is an undefined tensor");
    DESCENT_CHECK(p.is_floating_point(), name_, ": param group ", index, " parameter ", i,
                  " has dtype ", p.dtype(), "; only floating-point tensors can be optimized");
    DESCENT_CHECK(p.is_leaf() || p.retains_grad(), name_, ": param group ", index, " parameter ", i,
                  " is not a leaf tensor (it has grad_fn ", p.grad_fn_name(), ")");
    DESCENT_CHECK(seen.insert(p.impl()).second, name_, ": param group ", index, " parameter ", i,
                  " (shape ", p.sizes(), ") appears more than once among the optimizer's parameter groups");
  }
  groups_.push_back(std::move(g));
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const auto& g : groups_) out.insert(out.end(), g.params().begin(), g.params().end());
  return out;
}

const ParamState* Optimizer::state(const Tensor& p) const {
  auto it = state_.find(p.impl());
  return it == state_.end() ? nullptr : &it->second;
}

Tensor Optimizer::step(const std::function<Tensor()>& closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard enable;
    loss = closure();
  }
  NoGradGuard no_grad;
  for (auto& g : groups_) {
    const OptimizerOptions& opts = g.options();
    for (auto& p : g.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      DESCENT_CHECK(grad.sizes() == p.sizes(), name_, ".step: gradient shape ", grad.sizes(),
                    " does not match parameter shape ", p.sizes());
      update(p, grad, state_[p.impl()], opts);
    }
  }
  return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_)
    for (auto& p : g.params()) p.zero_grad(set_to_none);
}

namespace {

std::string group_key(size_t g, const std::string& name) { return "param_groups." + std::to_string(g) + "." + name; }
std::string state_key(size_t i, const std::string& name) { return "state." + std::to_string(i) + "." + name; }

// Splits "state.<i>.<rest>" into (i, rest); false when key does not have that form.
bool parse_indexed(const std::string& key, const std::string& prefix, size_t& index, std::string& rest) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  const char* begin = key.data() + prefix.size();
  const char* end = key.data() + key.size();
  auto [ptr, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '.') return false;
  rest.assign(ptr + 1, end);
  return !rest.empty();
}

}  // namespace

OptimizerState Optimizer::state_dict() const {
  OptimizerState s;
  s.strings["optimizer"] = name_;
  s.scalars["num_param_groups"] = static_cast<double>(groups_.size());
  size_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    s.scalars[group_key(g, "num_params")] = static_cast<double>(group.params().size());
    for (const auto& [k, v] : group.options().to_scalars()) s.scalars[group_key(g, k)] = v;
    for (const auto& [k, v] : group.extras()) s.scalars[group_key(g, k)] = v;
    for (const auto& p : group.params()) {
      if (const ParamState* st = state(p)) {
        s.scalars[state_key(index, "step")] = static_cast<double>(st->step);
        for (const auto& [k, t] : st->buffers) s.tensors.insert(state_key(index, k), t.detach().clone());
      }
      ++index;
    }
  }
  return s;
}

void Optimizer::load_state_dict(const OptimizerState& s) {
  const std::string& kind = s.string("optimizer");
  DESCENT_CHECK(kind == name_, name_, ".load_state_dict: the state is of a ", kind, " optimizer");
  const double ngroups = s.scalar("num_param_groups");
  DESCENT_CHECK(ngroups == static_cast<double>(groups_.size()), name_, ".load_state_dict: the state has ", ngroups,
                " param groups, the optimizer has ", groups_.size());

  // Build everything first so that a bad state leaves the optimizer untouched.
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::vector<std::map<std::string, double>> extras(groups_.size());
  std::vector<const Tensor*> params;  // by global index
  std::vector<size_t> group_of;
  std::set<std::string> used = {"num_param_groups"};
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string nkey = group_key(g, "num_params");
    const double n = s.scalar(nkey);
    used.insert(nkey);
    DESCENT_CHECK(n == static_cast<double>(groups_[g].params().size()), name_, ".load_state_dict: ", nkey, " is ", n,
                  " but the optimizer's group ", g, " has ", groups_[g].params().size(), " parameters");
    for (const auto& p : groups_[g].params()) {
      params.push_back(&p);
      group_of.push_back(g);
    }
    auto opts = groups_[g].options().clone();
    opts->from_scalars([&](const std::string& name) {
      const std::string key = group_key(g, name);
      used.insert(key);
      return s.scalar(key);
    });
    opts->validate();
    options.push_back(std::move(opts));
  }
  // Remaining param_groups.<g>.* scalars are scheduler extras.
  for (const auto& [key, v] : s.scalars) {
    if (used.count(key)) continue;
    size_t g = 0;
    std::string rest;
    if (parse_indexed(key, "param_groups.", g, rest)) {
      DESCENT_CHECK(g < groups_.size(), name_, ".load_state_dict: unexpected key '", key, "'");
      extras[g][rest] = v;
    } else if (!parse_indexed(key, "state.", g, rest) || rest != "step") {
      DESCENT_FAIL(name_, ".load_state_dict: unexpected key '", key, "'");
    }
  }
  NoGradGuard no_grad;
  std::unordered_map<const TensorImpl*, ParamState> state;
  for (const auto& [key, v] : s.scalars) {
    size_t i = 0;
    std::string rest;
    if (!parse_indexed(key, "state.", i, rest)) continue;
    DESCENT_CHECK(i < params.size(), name_, ".load_state_dict: '", key, "' refers to parameter ", i,
                  " but the optimizer has ", params.size());
    DESCENT_CHECK(v >= 0 && v == static_cast<double>(static_cast<int64_t>(v)), name_, ".load_state_dict: '", key,
                  "' must be a non-negative integer, got ", v);
    state[params[i]->impl()].step = static_cast<int64_t>(v);
  }
  for (const auto& [key, t] : s.tensors) {
    size_t i = 0;
    std::string rest;
    DESCENT_CHECK(parse_indexed(key, "state.", i, rest), name_, ".load_state_dict: unexpected tensor '", key, "'");
    DESCENT_CHECK(i < params.size(), name_, ".load_state_dict: '", key, "' refers to parameter ", i,
                  " but the optimizer has ", params.size());
    const Tensor& p = *params[i];
    DESCENT_CHECK(t.defined(), name_, ".load_state_dict: tensor '", key, "' is undefined");
    DESCENT_CHECK(t.sizes() == p.sizes(), name_, ".load_state_dict: '", key, "' has shape ", t.sizes(),
                  " but parameter ", i, " (group ", group_of[i], ") has shape ", p.sizes());
    DESCENT_CHECK(t.is_floating_point(), name_, ".load_state_dict: '", key, "' has dtype ", t.dtype(),
                  "; optimizer state must be floating point");
    DESCENT_CHECK(s.has_scalar(state_key(i, "step")), name_, ".load_state_dict: '", key, "' has no matching '",
                  state_key(i, "step"), "'");
    state[p.impl()].buffers[rest] = t.detach().to(p.dtype(), /*copy=*/true).contiguous();
  }

  for (size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].set_options(std::move(options[g]));
    groups_[g].extras() = std::move(extras[g]);
  }
  state_ = std::move(state);
}

}  // namespace descent::optim
