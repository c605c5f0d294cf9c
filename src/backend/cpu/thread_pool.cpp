// A fixed pool of worker threads serving parallel_for. One parallel_for runs on the pool at a
// time; a second caller (another user thread, or a nested call) runs its loop inline instead,
// which keeps DataLoader worker threads and nested kernels free of deadlocks.
//
// Hand-off. A worker that finishes a loop spins for a while (kSpin, with pause instructions)
// watching for the next one before it sleeps on a condition variable, and the caller spins on the
// count of unfinished tasks before it sleeps in turn. Waking a sleeping thread through the kernel
// takes about 9 us on these machines, longer than many of a training step's kernels and far longer
// than a batch-1 layer; back-to-back loops (a training step, a batch-1 forward) instead find the
// workers awake and start in well under a microsecond. The condition variables are touched only
// when a thread is actually asleep (sleepers_, caller_asleep_), so a busy pool takes no lock and
// makes no system call per loop.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "descent/backend/parallel.h"
#include "descent/core/error.h"

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace descent {
namespace {

thread_local bool tl_in_parallel = false;

// How long an idle thread keeps watching before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done() or kSpin has passed; true when done() became true.
template <typename Pred>
bool spin_until(Pred&& done) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() - start > kSpin) return done();
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int nthreads) : nthreads_(nthreads) {
    for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this] { worker_loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_.store(true);
    }
    cv_start_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return nthreads_; }

  // Runs task(i) for i in [0, ntasks) on the pool and the caller; returns after all finish.
  void run(int ntasks, const std::function<void(int)>& task) {
    error_ = nullptr;
    remaining_.store(ntasks);
    task_.store(&task);
    // next_ takes the new generation's tag before ntasks_ grows: a worker still leaving the last
    // loop has read either the old next_ with the old ntasks_ (nothing left to claim), or a value
    // its compare-exchange or its tag check rejects. Never an index of the old loop against the new
    // task count.
    const uint64_t gen = generation_.load() + 1;
    next_.store((gen & 0xffffffffu) << 32);
    ntasks_.store(ntasks);
    // Publishing the generation releases everything above to the workers. Sleepers are counted
    // before they re-check the generation under mu_ (both sides seq_cst): either a worker going to
    // sleep sees this generation, or this sees it counted and wakes it.
    generation_.store(gen);
    if (sleepers_.load() > 0) {
      { std::lock_guard<std::mutex> g(mu_); }
      cv_start_.notify_all();
    }
    work(gen);
    if (!spin_until([&] { return remaining_.load() == 0; })) {
      std::unique_lock<std::mutex> lk(mu_);
      caller_asleep_.store(true);
      cv_done_.wait(lk, [&] { return remaining_.load() == 0; });
      caller_asleep_.store(false);
    }
    task_.store(nullptr);
    if (error_) std::rethrow_exception(error_);
  }

  std::mutex dispatch_mu;  // held by the one caller using the pool

 private:
  // Claims task indices of generation `gen` until none is left; a worker that wakes late for an
  // old generation claims nothing from a newer one.
  void work(uint64_t gen) {
    tl_in_parallel = true;
    for (;;) {
      uint64_t c = next_.load();
      if ((c >> 32) != (gen & 0xffffffffu) || static_cast<int>(c & 0xffffffffu) >= ntasks_.load()) break;
      if (!next_.compare_exchange_weak(c, c + 1)) continue;
      int i = static_cast<int>(c & 0xffffffffu);
      try {
        (*task_.load())(i);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu_);
        if (!error_) error_ = std::current_exception();
      }
      // The last task wakes the caller if it went to sleep (it sets caller_asleep_ and re-checks
      // remaining_ under mu_, so this either finds it asleep or it finds remaining_ at 0).
      if (remaining_.fetch_sub(1) == 1 && caller_asleep_.load()) {
        { std::lock_guard<std::mutex> g(mu_); }
        cv_done_.notify_all();
      }
    }
    tl_in_parallel = false;
  }
  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      if (!spin_until([&] { return generation_.load() != seen || stop_.load(); })) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1);
        cv_start_.wait(lk, [&] { return stop_.load() || generation_.load() != seen; });
        sleepers_.fetch_sub(1);
      }
      if (stop_.load()) return;
      seen = generation_.load();
      work(seen);
    }
  }

  int nthreads_;
  std::vector<std::thread> workers_;
  // What a worker reads to start, on one cache line: one transfer from the caller's core.
  alignas(64) std::atomic<uint64_t> generation_{0};
  std::atomic<const std::function<void(int)>*> task_{nullptr};
  std::atomic<int> ntasks_{0};
  std::atomic<bool> stop_{false};
  // Claimed task indices and unfinished tasks, each on its own line (written by every thread).
  alignas(64) std::atomic<uint64_t> next_{0};
  alignas(64) std::atomic<int> remaining_{0};
  alignas(64) std::atomic<int> sleepers_{0};  // workers asleep on cv_start_
  std::atomic<bool> caller_asleep_{false};     // the caller asleep on cv_done_
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  std::exception_ptr error_;
};

int default_threads() {
  if (const char* e = std::getenv("DESCENT_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

std::mutex g_pool_mu;
std::shared_ptr<ThreadPool> g_pool;

std::shared_ptr<ThreadPool> pool() {
  std::lock_guard<std::mutex> g(g_pool_mu);
  if (!g_pool) {
    int n = default_threads();
    if (openblas_set_num_threads) openblas_set_num_threads(1);  // see backend/cpu/blas.h
    g_pool = std::make_shared<ThreadPool>(n);
  }
  return g_pool;
}

}  // namespace

int get_num_threads() { return pool()->size(); }

void set_num_threads(int n) {
  DESCENT_CHECK(n >= 1, "set_num_threads: expected a positive thread count, got ", n);
  std::lock_guard<std::mutex> g(g_pool_mu);
  if (g_pool && g_pool->size() == n) return;
  g_pool = std::make_shared<ThreadPool>(n);
  // descent threads its BLAS calls itself (backend/cpu/blas.h): OpenBLAS's own threads would
  // yield-spin between calls and compete with the pool for the cores.
  if (openblas_set_num_threads) openblas_set_num_threads(1);
}

bool in_parallel_region() { return tl_in_parallel; }

void detail::parallel_for_impl(int64_t begin, int64_t end, int64_t grain,
                               const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  int64_t n = end - begin;
  grain = std::max<int64_t>(grain, 1);
  if (tl_in_parallel || n <= grain) {
    fn(begin, end);
    return;
  }
  auto p = pool();
  // At most n / grain chunks of near-equal size, so that every chunk has at least `grain`
  // iterations (ceil(n / grain) chunks of ceil(n / nchunks) could be shorter, e.g. n = 11, grain = 10).
  int64_t nchunks = std::min<int64_t>(p->size(), n / grain);
  if (nchunks <= 1) {
    fn(begin, end);
    return;
  }
  std::unique_lock<std::mutex> lk(p->dispatch_mu, std::try_to_lock);
  if (!lk.owns_lock()) {  // another thread is using the pool: run here
    fn(begin, end);
    return;
  }
  const int64_t q = n / nchunks, r = n % nchunks;  // the first r chunks get q + 1 iterations
  auto chunk_begin = [&](int64_t i) { return begin + i * q + std::min(i, r); };
  std::function<void(int)> task = [&](int i) {
    int64_t b = chunk_begin(i);
    int64_t e = chunk_begin(i + 1);
    if (b < e) fn(b, e);
  };
  p->run(static_cast<int>(nchunks), task);
}

}  // namespace descent
