#include "descent/nn/modules/sequential.h"

#include "descent/nn/modules/module_list.h"

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

Tensor SequentialImpl::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& m : modules_) y = m->call(y);
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
