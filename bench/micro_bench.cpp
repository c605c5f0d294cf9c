// Google Benchmark microbenchmarks for the foundation: the per-op overhead of a tiny add and
// float32 GEMM through descent::mm next to the same GEMM called on OpenBLAS directly, so that
// any overhead descent adds on top of the BLAS shows up as the gap between the two.
//
//   descent_micro_bench [--threads=N] [Google Benchmark flags]   (or DESCENT_BENCH_THREADS=N)
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdio>
#include <exception>
#include <string>

#include "bench_threads.h"
#include "descent/descent.h"

namespace {

// a + b on two 64-element float32 tensors with grad mode off: measures dispatch overhead.
void BM_small_add(benchmark::State& state) {
  descent::NoGradGuard no_grad;
  const descent::Tensor a = descent::randn({64});
  const descent::Tensor b = descent::randn({64});
  for (auto _ : state) {
    descent::Tensor c = a + b;
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_small_add)->Name("small_add")->Unit(benchmark::kMicrosecond);

void set_gflops(benchmark::State& state, int64_t n) {
  // Shown as "GFLOP=<x>/s": GFLOP per iteration times iterations over elapsed (real) seconds.
  state.counters["GFLOP"] =
      benchmark::Counter(2.0 * double(n) * double(n) * double(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// C = A B through descent::mm (allocates C each call, as torch::mm does in the references).
void BM_sgemm_descent(benchmark::State& state) {
  const int64_t n = state.range(0);
  const descent::Tensor a = descent::randn({n, n});
  const descent::Tensor b = descent::randn({n, n});
  for (auto _ : state) {
    descent::Tensor c = descent::mm(a, b);
    benchmark::DoNotOptimize(c);
  }
  set_gflops(state, n);
}

// The same product straight into OpenBLAS with a preallocated C: the ceiling descent::mm aims at.
void BM_sgemm_openblas(benchmark::State& state) {
  const int64_t n = state.range(0);
  const descent::Tensor a = descent::randn({n, n});
  const descent::Tensor b = descent::randn({n, n});
  descent::Tensor c = descent::zeros({n, n});
  const float* ap = a.data_ptr<float>();
  const float* bp = b.data_ptr<float>();
  float* cp = c.data_ptr<float>();
  const int ni = static_cast<int>(n);
  // descent keeps OpenBLAS serial (it threads the calls itself); the direct call gets OpenBLAS's
  // own threads, as many as descent has.
  openblas_set_num_threads(descent::get_num_threads());
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, ap, ni, bp, ni, 0.0f, cp, ni);
    benchmark::ClobberMemory();
  }
  openblas_set_num_threads(1);
  set_gflops(state, n);
}

// Real time, not CPU time: the BLAS works on its own threads, which the main thread's CPU
// clock does not see.
BENCHMARK(BM_sgemm_descent)->Name("sgemm")->Arg(256)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sgemm_openblas)->Name("openblas_sgemm")->Arg(256)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  try {
    threads = descent_bench::take_threads(argc, argv, /*allow_bare_number=*/false);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descent_micro_bench: %s\n", e.what());
    return 2;
  }
  descent::set_num_threads(threads);  // descent's threads; OpenBLAS runs serially inside them
  benchmark::AddCustomContext("descent_threads", std::to_string(descent::get_num_threads()));
  benchmark::AddCustomContext("openblas_threads_direct_calls", std::to_string(descent::get_num_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
