#pragma once
// Scratch buffers for the CPU kernels (private to src/backend/cpu).
#include <cstddef>

#include "descent/core/storage.h"

namespace descent::backend::cpu {

// A scratch buffer from the caching allocator, left uninitialised: every use overwrites it fully,
// and zeroing 8 MB of im2col columns per call (std::vector's value-initialisation) cost as much as
// the copy into them.
template <typename T>
class Scratch {
 public:
  explicit Scratch(size_t n) : n_(n), p_(n ? static_cast<T*>(alloc_bytes(n * sizeof(T))) : nullptr) {}
  ~Scratch() {
    if (p_) free_bytes(p_, n_ * sizeof(T));
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() const { return p_; }

 private:
  size_t n_;
  T* p_;
};

}  // namespace descent::backend::cpu
