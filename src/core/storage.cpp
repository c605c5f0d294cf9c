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

}  // namespace

void* alloc_bytes(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  size_t sz = round_size(nbytes);
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
