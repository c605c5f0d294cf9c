#include "descent/nn/modules/sequential.h"

#include <typeinfo>

#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/module_list.h"
#include "descent/nn/modules/pooling.h"

namespace descent::nn {
namespace {
int64_t wrap_index(int64_t i, size_t n, const char* what) {
  const int64_t s = static_cast<int64_t>(n);
  DESCENT_CHECK(i >= -s && i < s, what, ": index ", i, " is out of range for ", s, " modules");
  return i < 0 ? i + s : i;
}
}  // namespace

void SequentialImpl::push_back(const std::string& name, std::shared_ptr<Module> m) {
  register_module(name, m);
  modules_.push_back(std::move(m));
}

// ReLU followed by MaxPool2d runs as MaxPool2d followed by ReLU: ReLU is monotone, so
// max(relu(x)) = relu(max(x)) for every window (NaN included), the pool picks the same positions,
// and the gradients agree too (a window whose maximum is <= 0 passes no gradient either way). The
// ReLU then works on a quarter of the elements for a 2x2 pool, forward and backward; in the bench
// CNN that is a 3.2M-element ReLU per batch instead of 12.8M-element ReLU passes (a fusion of two
// layers without a fused kernel). Only exact ReLU and MaxPool2d modules (not subclasses), and
// never while summary() records the layers in order.
namespace {
bool swaps_with_next(const std::shared_ptr<Module>& a, const std::shared_ptr<Module>& b) {
  return typeid(*a) == typeid(ReLUImpl) && typeid(*b) == typeid(MaxPool2dImpl);
}
}  // namespace

Tensor SequentialImpl::forward(const Tensor& x) {
  Tensor y = x;
  const bool may_swap = !recording_summary();
  for (size_t i = 0; i < modules_.size(); ++i) {
    if (may_swap && i + 1 < modules_.size() && swaps_with_next(modules_[i], modules_[i + 1])) {
      y = modules_[i]->call(modules_[i + 1]->call(y));
      ++i;
      continue;
    }
    y = modules_[i]->call(y);
  }
  return y;
}

std::shared_ptr<Module> SequentialImpl::operator[](int64_t i) const {
  return modules_[size_t(wrap_index(i, modules_.size(), "Sequential"))];
}

void ModuleListImpl::push_back(std::shared_ptr<Module> m) {
  register_module(std::to_string(modules_.size()), m);
  modules_.push_back(std::move(m));
}

std::shared_ptr<Module> ModuleListImpl::operator[](int64_t i) const {
  return modules_[size_t(wrap_index(i, modules_.size(), "ModuleList"))];
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> m) {
  register_module(key, m);
  modules_.insert(key, std::move(m));
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const auto* m = modules_.find(key);
  DESCENT_CHECK(m != nullptr, "ModuleDict: no module named '", key, "'");
  return *m;
}

}  // namespace descent::nn
