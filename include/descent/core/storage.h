#pragma once
// Storage: a ref-counted, 64-byte-aligned block of bytes shared by every view of it. Blocks come
// from a caching allocator so the training hot path does not hit malloc for each op.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace descent {

/// 64-byte aligned allocation from the process-wide caching allocator.
void* alloc_bytes(size_t nbytes);
/// Returns a block from alloc_bytes to the cache.
void free_bytes(void* p, size_t nbytes);
/// Frees every cached block (for tests and memory-tight code). Each thread also keeps its last few
/// freed small blocks (up to 32 of at most 64 KiB) for lock-free reuse; other threads' are untouched.
void empty_cache();
/// Bytes currently held in the allocator's shared cache (not in use by any tensor; the per-thread
/// small-block fronts are not counted).
size_t cached_bytes();

/// A shared buffer plus the version counter that in-place ops bump (autograd checks it).
class Storage {
 public:
  /// Allocates nbytes (uninitialised) from the caching allocator.
  explicit Storage(size_t nbytes);
  /// Wraps memory owned elsewhere; `deleter` (may be empty) runs when the storage dies.
  Storage(void* data, size_t nbytes, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  bool owned_ = true;
  std::function<void(void*)> deleter_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace descent
