// descent's figures for the end-to-end bench spec (../shared/bench/SPEC.md), printed the way the
// reference programs print theirs, one JSON object per line: {"bench": NAME, "value": X}, with
// the same NAMEs, so bench/run.sh parses all three programs alike. Only figures descent can
// produce today: small_add_overhead_us, sgemm_N_gflops, and openblas_sgemm_N_gflops (the same
// product called on OpenBLAS directly, the ceiling for sgemm_N). The mlp/cnn figures need nn
// layers and come with a later issue.
//
//   descent_spec_bench [threads] [--threads=N]     (default 2, or DESCENT_BENCH_THREADS=N)
//
// Method: as in the references (warm-up, then timed batches of the same size), but repeated:
// sgemm alternates descent and OpenBLAS batches and keeps the best of each; small_add prints the
// median of 5 batches of 20000 calls. Both damp the noise of a shared machine.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <vector>

#include "bench_threads.h"
#include "descent/descent.h"

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds of `repeats` runs of fn().
double median_seconds(int repeats, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = now();
    fn();
    t.push_back(now() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void emit(const char* name, double value, int decimals) {
  std::printf("{\"bench\": \"%s\", \"value\": %.*f}\n", name, decimals, value);
  std::fflush(stdout);
}

// Keeps the compiler from dropping a result it cannot see used.
volatile float g_sink = 0.0f;

void bench_sgemm(int64_t n) {
  const descent::Tensor a = descent::randn({n, n});
  const descent::Tensor b = descent::randn({n, n});
  descent::Tensor c = descent::zeros({n, n});
  const float* ap = a.data_ptr<float>();
  const float* bp = b.data_ptr<float>();
  float* cp = c.data_ptr<float>();
  const int ni = static_cast<int>(n);
  auto via_descent = [&] { g_sink = descent::mm(a, b).data_ptr<float>()[0]; };
  auto via_blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, ap, ni, bp, ni, 0.0f, cp, ni);
    g_sink = cp[0];
  };

  const double flop = 2.0 * double(n) * double(n) * double(n);
  // The references' batch: about 2 GFLOP of work, at least 3 products.
  const int reps = std::max(3, int(2e9 / flop));
  via_descent();  // warm-up
  via_blas();
  // descent and OpenBLAS batches alternate, so a disturbance from other work on the machine
  // hits both alike, and the best batch of each is kept: noise only ever slows a batch down.
  constexpr int kRepeats = 5;
  double t_descent = 1e300, t_blas = 1e300;
  for (int r = 0; r < kRepeats; ++r) {
    double t0 = now();
    for (int i = 0; i < reps; ++i) via_descent();
    t_descent = std::min(t_descent, now() - t0);
    t0 = now();
    for (int i = 0; i < reps; ++i) via_blas();
    t_blas = std::min(t_blas, now() - t0);
  }
  char name[64];
  std::snprintf(name, sizeof name, "sgemm_%lld_gflops", static_cast<long long>(n));
  emit(name, flop * reps / t_descent / 1e9, 1);
  std::snprintf(name, sizeof name, "openblas_sgemm_%lld_gflops", static_cast<long long>(n));
  emit(name, flop * reps / t_blas / 1e9, 1);
}

void bench_small_add() {
  descent::NoGradGuard no_grad;
  const descent::Tensor a = descent::randn({64});
  const descent::Tensor b = descent::randn({64});
  for (int i = 0; i < 1000; ++i) g_sink = (a + b).data_ptr<float>()[0];  // warm-up
  constexpr int kCalls = 20000, kRepeats = 5;
  const double t = median_seconds(kRepeats, [&] {
    for (int i = 0; i < kCalls; ++i) {
      descent::Tensor c = a + b;
      (void)c;
    }
  });
  emit("small_add_overhead_us", t / kCalls * 1e6, 3);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int threads = descent_bench::take_threads(argc, argv, /*allow_bare_number=*/true);
    if (argc > 1) {
      std::fprintf(stderr, "descent_spec_bench: unexpected argument '%s'\nusage: descent_spec_bench [threads] [--threads=N]\n", argv[1]);
      return 2;
    }
    descent::set_num_threads(threads);  // also sets OpenBLAS's thread count
    std::fprintf(stderr, "descent_spec_bench: %d descent threads, %d OpenBLAS threads\n", descent::get_num_threads(),
                 openblas_get_num_threads());
    for (int64_t n : {256, 1024, 2048}) bench_sgemm(n);
    bench_small_add();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descent_spec_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
