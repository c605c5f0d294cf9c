#pragma once
// An insertion-ordered map from names to values, as parameters, buffers and state dicts need.
// A general container, so it lives in core: nn (parameters), optim (optimizer state), io
// (safetensors) and train (callbacks) all use it.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "descent/core/error.h"

namespace descent {

template <typename V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;
  /// Adds key -> value; throws if key exists.
  V& insert(const std::string& key, V value) {
    DESCENT_CHECK(!index_.count(key), "key '", key, "' already exists");
    index_[key] = items_.size();
    items_.emplace_back(key, std::move(value));
    return items_.back().second;
  }
  /// Adds or replaces.
  V& set(const std::string& key, V value) {
    auto it = index_.find(key);
    if (it == index_.end()) return insert(key, std::move(value));
    items_[it->second].second = std::move(value);
    return items_[it->second].second;
  }
  bool contains(const std::string& key) const { return index_.count(key) > 0; }
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  V* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  const V& operator[](const std::string& key) const {
    const V* v = find(key);
    DESCENT_CHECK(v != nullptr, "no entry named '", key, "'");
    return *v;
  }
  V& operator[](const std::string& key) {
    V* v = find(key);
    DESCENT_CHECK(v != nullptr, "no entry named '", key, "'");
    return *v;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (auto& [n, v] : items_) k.push_back(n);
    return k;
  }
  std::vector<V> values() const {
    std::vector<V> out;
    for (auto& [n, v] : items_) out.push_back(v);
    return out;
  }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace descent
