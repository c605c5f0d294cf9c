#pragma once
// ModuleList and ModuleDict: hold children for a model's own forward to use.
#include "descent/nn/module.h"

namespace descent::nn {

class ModuleListImpl : public Module {
 public:
  ModuleListImpl() : Module("ModuleList") {}
  template <typename... Ms>
    requires(sizeof...(Ms) > 0)
  explicit ModuleListImpl(Ms&&... ms) : Module("ModuleList") {
    (push_back(std::forward<Ms>(ms)), ...);
  }
  void push_back(std::shared_ptr<Module> m);
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  void push_back(const H& holder) {
    push_back(std::shared_ptr<Module>(holder.ptr()));
  }
  size_t size() const { return modules_.size(); }
  std::shared_ptr<Module> operator[](int64_t i) const;
  template <typename T>
  std::shared_ptr<T> ptr_as(int64_t i) const {
    return std::dynamic_pointer_cast<T>((*this)[i]);
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};
DESCENT_MODULE(ModuleList);

class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() : Module("ModuleDict") {}
  void insert(const std::string& key, std::shared_ptr<Module> m);
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  void insert(const std::string& key, const H& holder) {
    insert(key, std::shared_ptr<Module>(holder.ptr()));
  }
  bool contains(const std::string& key) const { return modules_.contains(key); }
  std::shared_ptr<Module> operator[](const std::string& key) const;
  size_t size() const { return modules_.size(); }
  std::vector<std::string> keys() const { return modules_.keys(); }

 private:
  OrderedDict<std::shared_ptr<Module>> modules_;
};
DESCENT_MODULE(ModuleDict);

}  // namespace descent::nn
