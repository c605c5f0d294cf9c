#pragma once
// A vector with inline storage for small sizes: tensor shapes and strides live here without
// touching the heap for up to N dimensions.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <vector>

namespace descent {

template <typename T, size_t N>
class SmallVector {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(size_t n, T v = T()) { resize(n, v); }
  SmallVector(std::initializer_list<T> il) { assign(il.begin(), il.end()); }
  template <typename It, typename = decltype(*std::declval<It>())>
  SmallVector(It b, It e) { assign(b, e); }
  SmallVector(const std::vector<T>& v) { assign(v.begin(), v.end()); }
  SmallVector(const SmallVector& o) { assign(o.begin(), o.end()); }
  SmallVector(SmallVector&& o) noexcept { move_from(std::move(o)); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) { release(); move_from(std::move(o)); }
    return *this;
  }
  ~SmallVector() { release(); }

  template <typename It>
  void assign(It b, It e) {
    size_t n = static_cast<size_t>(std::distance(b, e));
    size_ = 0;
    reserve(n);
    std::copy(b, e, ptr());
    size_ = n;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr(); }
  const T* data() const { return ptr(); }
  T* begin() { return ptr(); }
  T* end() { return ptr() + size_; }
  const T* begin() const { return ptr(); }
  const T* end() const { return ptr() + size_; }
  T& operator[](size_t i) { return ptr()[i]; }
  const T& operator[](size_t i) const { return ptr()[i]; }
  T& back() { return ptr()[size_ - 1]; }
  const T& back() const { return ptr()[size_ - 1]; }
  T& front() { return ptr()[0]; }
  const T& front() const { return ptr()[0]; }
  void push_back(T v) {
    reserve(size_ + 1);
    ptr()[size_++] = v;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  void resize(size_t n, T v = T()) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) ptr()[i] = v;
    size_ = n;
  }
  void insert(const T* pos, T v) {
    size_t idx = static_cast<size_t>(pos - ptr());
    reserve(size_ + 1);
    for (size_t i = size_; i > idx; --i) ptr()[i] = ptr()[i - 1];
    ptr()[idx] = v;
    ++size_;
  }
  void erase(const T* pos) {
    size_t idx = static_cast<size_t>(pos - ptr());
    for (size_t i = idx; i + 1 < size_; ++i) ptr()[i] = ptr()[i + 1];
    --size_;
  }
  void reserve(size_t n) {
    if (n <= cap_) return;
    size_t nc = std::max(n, cap_ * 2);
    T* p = new T[nc];
    std::copy(ptr(), ptr() + size_, p);
    if (heap_) delete[] heap_;
    heap_ = p;
    cap_ = nc;
  }
  std::vector<T> vec() const { return std::vector<T>(begin(), end()); }
  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

 private:
  T* ptr() { return heap_ ? heap_ : inline_; }
  const T* ptr() const { return heap_ ? heap_ : inline_; }
  void release() {
    if (heap_) delete[] heap_;
    heap_ = nullptr;
    cap_ = N;
    size_ = 0;
  }
  void move_from(SmallVector&& o) {
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      size_ = o.size_;
      o.heap_ = nullptr;
      o.cap_ = N;
      o.size_ = 0;
    } else {
      std::copy(o.inline_, o.inline_ + o.size_, inline_);
      size_ = o.size_;
      o.size_ = 0;
    }
  }
  T inline_[N] = {};
  T* heap_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = N;
};

/// Sizes or strides of a tensor.
using Shape = SmallVector<int64_t, 6>;
/// A list of dimension indices (may be negative: counted from the end).
using Dims = SmallVector<int64_t, 6>;

inline std::ostream& operator<<(std::ostream& os, const Shape& s) {
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os << ']';
}

}  // namespace descent
