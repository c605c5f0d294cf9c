// The intra-op thread pool: parallel_for covers every index exactly once, keeps small ranges on
// the calling thread, propagates exceptions, runs nested calls inline, serves concurrent callers,
// and reductions give bitwise identical results for any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "descent/descent.h"

using namespace descent;

namespace {

// Restores the thread count a test changed.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

struct Chunk {
  int64_t b, e;
};

// Runs parallel_for and records every chunk and how often each index was visited.
struct Coverage {
  std::vector<std::atomic<int>> hits;
  std::mutex mu;
  std::vector<Chunk> chunks;
  std::atomic<int> out_of_range{0};
  explicit Coverage(int64_t n) : hits(static_cast<size_t>(n)) {}

  void run(int64_t begin, int64_t end, int64_t grain) {
    parallel_for(begin, end, grain, [&](int64_t b, int64_t e) {
      if (b < begin || e > end || b >= e) out_of_range++;
      {
        std::lock_guard<std::mutex> g(mu);
        chunks.push_back({b, e});
      }
      for (int64_t i = b; i < e && i >= begin && i < end; ++i) hits[size_t(i - begin)]++;
    });
  }
};

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

}  // namespace

TEST(ParallelFor, CoversEveryIndexExactlyOnce) {
  ThreadCountGuard guard;
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> cases = {
      {0, 1, 1},     {0, 2, 1},          {0, 100, 1},     {0, 1000, 7},   {5, 1005, 100},  {-50, 50, 10},
      {0, 17, 16},   {0, 32, 16},        {0, 33, 16},     {0, 11, 10},    {0, 22, 7},      {3, 4, 1000},
      {0, 10, 0},    {0, 10, -5},        {0, 100000, 1},  {0, 100000, 32768}, {7, 65543, 4096}};
  for (int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    for (auto [begin, end, grain] : cases) {
      Coverage c(end - begin);
      c.run(begin, end, grain);
      SCOPED_TRACE(testing::Message() << "threads " << threads << ", [" << begin << ", " << end << "), grain "
                                      << grain);
      EXPECT_EQ(c.out_of_range.load(), 0);
      int64_t wrong = 0;
      for (auto& h : c.hits) wrong += h.load() != 1;
      EXPECT_EQ(wrong, 0);
      EXPECT_LE(c.chunks.size(), size_t(threads));
      // Chunks are at least `grain` long (a range shorter than grain is one chunk).
      const int64_t g = std::max<int64_t>(grain, 1);
      for (const Chunk& ch : c.chunks)
        EXPECT_GE(ch.e - ch.b, std::min(g, end - begin)) << "chunk [" << ch.b << ", " << ch.e << ")";
    }
  }
}

TEST(ParallelFor, EmptyRangeCallsNothing) {
  int calls = 0;
  parallel_for(5, 5, 1, [&](int64_t, int64_t) { ++calls; });
  parallel_for(10, 3, 1, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelFor, SmallRangesRunOnTheCallingThread) {
  ThreadCountGuard guard;
  set_num_threads(2);
  const std::thread::id caller = std::this_thread::get_id();
  for (auto [n, grain] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {10, 10}, {5, 10}, {4096, 4096}, {100, 1000}}) {
    int calls = 0;
    bool inside = true, same_thread = false;
    parallel_for(0, n, grain, [&](int64_t b, int64_t e) {
      ++calls;
      inside = in_parallel_region();
      same_thread = std::this_thread::get_id() == caller;
      EXPECT_EQ(b, 0);
      EXPECT_EQ(e, n);
    });
    EXPECT_EQ(calls, 1) << "n " << n << ", grain " << grain;
    EXPECT_FALSE(inside) << "n " << n << ", grain " << grain;
    EXPECT_TRUE(same_thread);
  }
  EXPECT_FALSE(in_parallel_region());
}

TEST(ParallelFor, LargeRangesRunInAParallelRegion) {
  ThreadCountGuard guard;
  set_num_threads(2);
  std::atomic<int> chunks{0}, inside{0};
  parallel_for(0, 1000, 1, [&](int64_t, int64_t) {
    chunks++;
    inside += in_parallel_region() ? 1 : 0;
  });
  EXPECT_EQ(chunks.load(), 2);
  EXPECT_EQ(inside.load(), 2);
  EXPECT_FALSE(in_parallel_region());  // reset after the call
  set_num_threads(1);
  std::atomic<int> one{0};
  parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) {
    one++;
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 1000);
  });
  EXPECT_EQ(one.load(), 1);
  EXPECT_EQ(get_num_threads(), 1);
}

TEST(ParallelFor, ExceptionsPropagateToTheCaller) {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    auto throw_at = [](int64_t k) {
      return [k](int64_t b, int64_t e) {
        if (b <= k && k < e) throw std::runtime_error("chunk failed at " + std::to_string(k));
      };
    };
    try {
      parallel_for(0, 1000, 1, throw_at(700));
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "chunk failed at 700");
    }
    EXPECT_THROW(parallel_for(0, 1000, 1, throw_at(0)), std::runtime_error);
    EXPECT_THROW(parallel_for(0, 10, 100, throw_at(3)), std::runtime_error);  // inline path
    // Every chunk throwing: one exception comes back, no crash.
    EXPECT_THROW(parallel_for(0, 1000, 1, [](int64_t, int64_t) { throw std::runtime_error("all"); }),
                 std::runtime_error);
    // descent::Error keeps its type.
    EXPECT_THROW(parallel_for(0, 1000, 1, [](int64_t b, int64_t) { DESCENT_CHECK(b != 0, "first chunk"); }), Error);
    EXPECT_FALSE(in_parallel_region());
    // The pool still works afterwards.
    Coverage c(5000);
    c.run(0, 5000, 1);
    int64_t wrong = 0;
    for (auto& h : c.hits) wrong += h.load() != 1;
    EXPECT_EQ(wrong, 0);
  }
}

TEST(ParallelFor, NestedCallsRunInline) {
  ThreadCountGuard guard;
  set_num_threads(2);
  const int64_t outer = 8, inner = 500;
  std::vector<std::atomic<int>> hits(size_t(outer * inner));
  std::atomic<int> inner_calls{0}, inner_outside{0};
  parallel_for(0, outer, 1, [&](int64_t ob, int64_t oe) {
    for (int64_t i = ob; i < oe; ++i) {
      parallel_for(0, inner, 1, [&](int64_t b, int64_t e) {
        inner_calls++;
        if (!in_parallel_region()) inner_outside++;
        for (int64_t j = b; j < e; ++j) hits[size_t(i * inner + j)]++;
      });
    }
  });
  int64_t wrong = 0;
  for (auto& h : hits) wrong += h.load() != 1;
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(inner_calls.load(), outer);  // one inline call per outer iteration
  EXPECT_EQ(inner_outside.load(), 0);
}

TEST(ParallelFor, ConcurrentCallersBothComplete) {
  ThreadCountGuard guard;
  set_num_threads(2);
  const int64_t n = 200000;
  Coverage a(n), b(n);
  std::thread t1([&] {
    for (int r = 0; r < 20; ++r) parallel_for(0, n, 1000, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) a.hits[size_t(i)] += r == 0 ? 1 : 0;
      });
  });
  std::thread t2([&] {
    for (int r = 0; r < 20; ++r) parallel_for(0, n, 1000, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) b.hits[size_t(i)] += r == 0 ? 1 : 0;
      });
  });
  t1.join();
  t2.join();
  int64_t wrong = 0;
  for (int64_t i = 0; i < n; ++i) wrong += (a.hits[size_t(i)].load() != 1) + (b.hits[size_t(i)].load() != 1);
  EXPECT_EQ(wrong, 0);
}

TEST(ParallelFor, SumIsBitwiseIdenticalForOneAndTwoThreads) {
  ThreadCountGuard guard;
  Generator g(42);
  Tensor x = randn({(1 << 20) + 123}, kFloat32, &g);
  Tensor m = x.narrow(0, 0, 1024 * 1000).view({1024, 1000});
  struct Results {
    float all, mean, strided;
    std::vector<float> rows, cols, cum;
  };
  auto compute = [&] {
    Results r;
    r.all = x.sum().item<float>();
    r.mean = x.mean().item<float>();
    r.strided = x.slice(0, 0, x.size(0), 3).sum().item<float>();
    r.rows = m.sum({1}).to_vector<float>();
    r.cols = m.sum({0}).to_vector<float>();
    r.cum = m.cumsum(0).select(0, 1023).to_vector<float>();
    return r;
  };
  set_num_threads(1);
  const Results one = compute();
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    const Results r = compute();
    EXPECT_EQ(bits(r.all), bits(one.all)) << threads << " threads: " << r.all << " vs " << one.all;
    EXPECT_EQ(bits(r.mean), bits(one.mean));
    EXPECT_EQ(bits(r.strided), bits(one.strided));
    EXPECT_EQ(r.rows, one.rows);
    EXPECT_EQ(r.cols, one.cols);
    EXPECT_EQ(r.cum, one.cum);
  }
  // And the value is right: the float32 sum agrees with a float64 reference.
  const double ref = x.to(kFloat64).sum().item<double>();
  EXPECT_NEAR(one.all, ref, 1e-3 * std::max(1.0, std::abs(ref)));
}

TEST(ParallelFor, SetNumThreads) {
  ThreadCountGuard guard;
  set_num_threads(3);
  EXPECT_EQ(get_num_threads(), 3);
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  EXPECT_THROW(set_num_threads(0), Error);
  EXPECT_THROW(set_num_threads(-2), Error);
  EXPECT_EQ(get_num_threads(), 1);
}

TEST(ParallelFor, AwakeAndSleepingWorkersBothServeLoops) {
  // Workers spin for a while after a loop, then sleep: loops back to back find them awake, loops
  // after a pause must wake them. Either way every index is covered once. On every third call the
  // first chunk waits (up to 2 s) for the second to start: the caller is busy in the first, so only
  // a worker can take the second, and a lost wake-up would show as a call run by one thread.
  ThreadCountGuard guard;
  set_num_threads(2);
  int waited = 0, two_threads = 0;
  for (int call = 0; call < 60; ++call) {
    if (call % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // workers fall asleep
    const bool wait = call % 3 == 0;
    std::vector<std::atomic<int>> hits(64);
    std::atomic<int> started{0};
    std::mutex mu;
    std::vector<std::thread::id> ids;
    parallel_for(0, 64, 32, [&](int64_t lo, int64_t hi) {
      {
        std::lock_guard<std::mutex> g(mu);
        ids.push_back(std::this_thread::get_id());
      }
      ++started;
      if (wait) {
        const auto t0 = std::chrono::steady_clock::now();
        while (started.load() < 2 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2)) {
        }
      }
      for (int64_t i = lo; i < hi; ++i) hits[size_t(i)]++;
    });
    for (int i = 0; i < 64; ++i) ASSERT_EQ(hits[size_t(i)].load(), 1) << "call " << call << " index " << i;
    if (wait) {
      ++waited;
      if (ids.size() == 2 && ids[0] != ids[1]) ++two_threads;
    }
  }
  EXPECT_EQ(two_threads, waited);
}
