#pragma once
// The intra-op thread pool. parallel_for splits [begin, end) into at most num_threads chunks of at
// least `grain` iterations, so small work stays on the calling thread and pays no wake-up.
#include <cstdint>
#include <functional>

namespace descent {

/// Number of threads intra-op parallelism uses (default: hardware concurrency, or DESCENT_NUM_THREADS).
int get_num_threads();
/// Sets descent's thread count. OpenBLAS itself runs single-threaded: descent splits large GEMMs
/// across its own pool (backend/cpu/blas.cpp), so idle BLAS threads never spin next to it and
/// results do not depend on the thread count. Code calling cblas directly gets one BLAS thread
/// unless it calls openblas_set_num_threads itself.
void set_num_threads(int n);
/// True inside a parallel_for body (nested parallel_for calls then run inline).
bool in_parallel_region();

namespace detail {
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
}

/// Calls fn(chunk_begin, chunk_end) over [begin, end); chunks are at least `grain` long.
/// Exceptions thrown by any chunk are rethrown in the caller after all chunks finish.
/// Work of at most `grain` iterations runs inline without touching the pool (or a std::function).
template <typename F>
inline void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& fn) {
  if (end <= begin) return;
  if (end - begin <= (grain < 1 ? 1 : grain) || in_parallel_region()) {
    fn(begin, end);
    return;
  }
  detail::parallel_for_impl(begin, end, grain, std::function<void(int64_t, int64_t)>(std::ref(fn)));
}

}  // namespace descent
