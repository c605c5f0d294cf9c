#pragma once
// Sequential: children applied one after another ("0", "1", ... as names).
#include <functional>

#include "descent/nn/module.h"

namespace descent::nn {

/// Wraps a function as a module (no parameters), e.g. Functional([](Tensor x) { return x.relu(); }).
class FunctionalImpl : public Module {
 public:
  explicit FunctionalImpl(std::function<Tensor(const Tensor&)> fn, std::string name = "Functional")
      : Module(std::move(name)), fn_(std::move(fn)) {}
  Tensor forward(const Tensor& x) override { return fn_(x); }

 private:
  std::function<Tensor(const Tensor&)> fn_;
};
DESCENT_MODULE(Functional);

/// Applies its modules in order. One reordering with identical results: a ReLU directly followed
/// by a MaxPool2d runs as the MaxPool2d then the ReLU (same values and gradients, a quarter of the
/// ReLU's work for a 2x2 pool); summary() still sees the written order.
class SequentialImpl : public Module {
 public:
  SequentialImpl() : Module("Sequential") {}
  /// Sequential(Linear(3, 4), ReLU(), Linear(4, 1)).
  template <typename... Ms>
    requires(sizeof...(Ms) > 0)
  explicit SequentialImpl(Ms&&... ms) : Module("Sequential") {
    (push_back(std::forward<Ms>(ms)), ...);
  }
  /// Appends a module under the next index.
  void push_back(std::shared_ptr<Module> m) { push_back(std::to_string(size()), std::move(m)); }
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  void push_back(const H& holder) {
    push_back(std::shared_ptr<Module>(holder.ptr()));
  }
  /// Appends a function as a Functional module.
  void push_back(std::function<Tensor(const Tensor&)> fn) {
    push_back(std::make_shared<FunctionalImpl>(std::move(fn)));
  }
  /// Appends under an explicit name.
  void push_back(const std::string& name, std::shared_ptr<Module> m);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  /// The i-th module (negative counts from the end).
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
DESCENT_MODULE(Sequential);

}  // namespace descent::nn
