// The caching allocator: freed blocks are kept in per-size free lists (sizes rounded up to a
// small set of classes) and handed out again, up to a cap on cached bytes. Blocks above
// kMaxCachedBlock go straight back to the system: those are data sets and whole-data-set
// intermediates (Fashion-MNIST's training images as float32 are 188 MB), not the per-step
// activations the cache is for, and caching them kept hundreds of MB resident for nothing.
#include "descent/core/storage.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "descent/core/error.h"

namespace descent {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxCached = size_t(512) << 20;      // 512 MiB
constexpr size_t kMaxCachedBlock = size_t(32) << 20;  // 32 MiB

size_t round_size(size_t n) {
  if (n <= 4096) return (n + kAlign - 1) / kAlign * kAlign;
  // classes: 2^k and 1.5 * 2^k
  size_t p = 4096;
  while (p < n) {
    if (p + p / 2 >= n) return p + p / 2;
    p *= 2;
  }
  return p;
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_lists;
  size_t cached = 0;
  ~Cache() {
    for (auto& [sz, v] : free_lists)
      for (void* p : v) std::free(p);
  }
};

Cache& cache() {
  static Cache* c = new Cache();  // leaked on purpose: storages may die after static destruction
  return *c;
}

// A per-thread front for small blocks: the last few freed blocks of at most kLocalMaxBlock bytes,
// reused without the global mutex (whose lock and unlock were an eighth of a 64-element add).
// Returned to the global cache when the thread ends.
constexpr size_t kLocalMaxBlock = size_t(64) << 10;
constexpr int kLocalSlots = 32;
struct LocalCache {
  size_t size[kLocalSlots];
  void* ptr[kLocalSlots];
  int n = 0;
  void* take(size_t sz) {
    for (int i = n - 1; i >= 0; --i)
      if (size[i] == sz) {
        void* p = ptr[i];
        --n;
        size[i] = size[n], ptr[i] = ptr[n];
        return p;
      }
    return nullptr;
  }
  bool put(void* p, size_t sz) {
    if (n == kLocalSlots) return false;
    size[n] = sz, ptr[n] = p, ++n;
    return true;
  }
  void flush();
  ~LocalCache() { flush(); }
};
thread_local LocalCache tl_cache;

void LocalCache::flush() {
  if (n == 0) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  for (int i = 0; i < n; ++i) {
    if (c.cached + size[i] > kMaxCached) {
      std::free(ptr[i]);
    } else {
      c.free_lists[size[i]].push_back(ptr[i]);
      c.cached += size[i];
    }
  }
  n = 0;
}

}  // namespace

void* alloc_bytes(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  size_t sz = round_size(nbytes);
  if (sz <= kLocalMaxBlock) {
    if (void* p = tl_cache.take(sz)) return p;
  }
  if (sz > kMaxCachedBlock) {
    sz = (nbytes + kAlign - 1) / kAlign * kAlign;  // never cached, so no size class
  } else {
    Cache& c = cache();
    std::lock_guard<std::mutex> g(c.mu);
    auto it = c.free_lists.find(sz);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= sz;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, sz);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlign, sz);
  }
  DESCENT_CHECK(p != nullptr, "out of memory allocating ", nbytes, " bytes");
  return p;
}

void free_bytes(void* p, size_t nbytes) {
  if (!p) return;
  if (nbytes == 0) nbytes = 1;
  const size_t sz = round_size(nbytes);
  if (sz <= kLocalMaxBlock && tl_cache.put(p, sz)) return;
  if (sz > kMaxCachedBlock) {
    std::free(p);
    return;
  }
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  if (c.cached + sz > kMaxCached) {
    std::free(p);
    return;
  }
  c.free_lists[sz].push_back(p);
  c.cached += sz;
}

void empty_cache() {
  tl_cache.flush();
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  for (auto& [sz, v] : c.free_lists)
    for (void* p : v) std::free(p);
  c.free_lists.clear();
  c.cached = 0;
}

size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  return c.cached;
}

Storage::Storage(size_t nbytes) : data_(alloc_bytes(nbytes)), nbytes_(nbytes), owned_(true) {}

Storage::Storage(void* data, size_t nbytes, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), owned_(false), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (owned_) free_bytes(data_, nbytes_);
  else if (deleter_) deleter_(data_);
}

}  // namespace descent
