// descent's figures for the end-to-end bench spec (../shared/bench/SPEC.md), printed the way the
// reference programs print theirs, one JSON object per line: {"bench": NAME, "value": X}, with
// the same NAMEs, so bench/run.sh parses all three programs alike.
//
//   descent_spec_bench [threads] [--threads=N] [--only=LIST] [--accuracy]
//
//   threads      default 2, or DESCENT_BENCH_THREADS=N
//   --only=LIST  comma-separated subset of: mlp, cnn, sgemm, small_add (default: all, in that order);
//                `mlp` / `cnn` are the training run followed by the inference figures, `cnn_train` /
//                `mlp_train` the training run alone (run.sh uses `--only=cnn_train` with 1 thread for
//                the 2-thread/1-thread scaling)
//   --accuracy   the accuracy runs instead (mlp_acc: 10 epochs, cnn_acc: 5 epochs, seed 0): prints
//                {mlp,cnn}_test_acc_{10,5}ep and their _seconds, as torch_ref.py accuracy does
//
// Work, as in libtorch_ref.cpp: Fashion-MNIST from Debian's dataset-fashion-mnist through
// data::FashionMNIST, pixels / 255 as float32, the models with nn modules, nn::CrossEntropyLoss,
// optim::SGD(lr 0.05, momentum 0.9) for the MLP and optim::Adam(lr 1e-3) for the CNN, batch 128
// picked from a randperm with index_select. Training: 20 warm-up batches, then 469 (mlp) or 200
// (cnn) timed ones. Inference: eval mode, NoGradGuard, one test image per call, 50 warm-up calls
// then 500 timed; 10k: the whole test set in one call after a 1000-image warm-up.
//
// Peak resident memory of each training run ({mlp,cnn}_train_peak_rss_mib): the kernel's
// high-water mark (VmHWM) reset just before the run (/proc/self/clear_refs "5") and read after it,
// so it covers the data already loaded plus what the run itself allocates.
//
// sgemm alternates descent and OpenBLAS batches and keeps the best of each (openblas_sgemm_N is
// the ceiling for sgemm_N); small_add prints the median of 5 batches of 20000 calls.
#include <cblas.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_threads.h"
#include "descent/data/data.h"
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

// OpenBLAS called directly runs on its own `threads` threads (descent keeps OpenBLAS serial and
// threads its calls itself, see src/backend/cpu/blas.h), so it is switched on around its batches.
void bench_sgemm(int64_t n, int threads) {
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
  openblas_set_num_threads(threads);
  via_blas();
  openblas_set_num_threads(1);
  // descent and OpenBLAS batches alternate, so a disturbance from other work on the machine
  // hits both alike, and the best batch of each is kept: noise only ever slows a batch down.
  constexpr int kRepeats = 5;
  double t_descent = 1e300, t_blas = 1e300;
  for (int r = 0; r < kRepeats; ++r) {
    double t0 = now();
    for (int i = 0; i < reps; ++i) via_descent();
    t_descent = std::min(t_descent, now() - t0);
    openblas_set_num_threads(threads);
    t0 = now();
    for (int i = 0; i < reps; ++i) via_blas();
    t_blas = std::min(t_blas, now() - t0);
    openblas_set_num_threads(1);
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


// ---------------- Fashion-MNIST and the two models ----------------

struct Data {
  descent::Tensor xtr, ytr, xte, yte;  // images [N, 28, 28] float32 in [0, 1], labels [N] int64
};

Data load_data() {
  namespace data = descent::data;
  data::FashionMNIST train(data::FashionMNIST::kDefaultRoot, true), test(data::FashionMNIST::kDefaultRoot, false);
  return {train.images().to(descent::kFloat32) / 255.0, train.targets(), test.images().to(descent::kFloat32) / 255.0,
          test.targets()};
}

descent::nn::Sequential make_mlp() {
  namespace nn = descent::nn;
  return nn::Sequential(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 256), nn::ReLU(), nn::Linear(256, 10));
}

descent::nn::Sequential make_cnn() {
  namespace nn = descent::nn;
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Flatten(), nn::Linear(3136, 128), nn::ReLU(), nn::Linear(128, 10));
}

// One model of the spec: its layers, optimizer and input shape.
struct Setup {
  const char* name;
  descent::nn::Sequential model;
  std::unique_ptr<descent::optim::Optimizer> opt;
  descent::Shape shape;
};

Setup make_setup(bool cnn) {
  namespace optim = descent::optim;
  Setup s{cnn ? "cnn" : "mlp", cnn ? make_cnn() : make_mlp(), nullptr, {}};
  if (cnn) {
    s.opt = std::make_unique<optim::Adam>(s.model->parameters(), optim::AdamOptions(1e-3));
    s.shape = {-1, 1, 28, 28};
  } else {
    s.opt = std::make_unique<optim::SGD>(s.model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    s.shape = {-1, 784};
  }
  return s;
}

// One optimisation step on the examples `idx` of (x, y).
void train_step(Setup& s, const descent::nn::CrossEntropyLoss& criterion, const descent::Tensor& x,
                const descent::Tensor& y, const descent::Tensor& idx) {
  s.opt->zero_grad();
  descent::Tensor loss = criterion(s.model(x.index_select(0, idx)), y.index_select(0, idx));
  loss.backward();
  s.opt->step();
}

// The kernel's peak-RSS mark: reset to the current RSS, and read (MiB). Falls back to getrusage's
// whole-process peak where /proc/self/clear_refs is not writable.
void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}
double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:  1234 kB"
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

// mlp_train / cnn_train as libtorch_ref.cpp runs them: a randperm of the training set, batch i is
// positions (i % 468) * 128 .. + 128 of it; 20 warm-up batches, then `timed` batches.
void bench_train(Setup& s, const Data& d) {
  const descent::Tensor x = d.xtr.reshape(s.shape);
  const descent::nn::CrossEntropyLoss criterion;
  const descent::Tensor perm = descent::randperm(x.size(0));
  const int timed = std::strcmp(s.name, "cnn") == 0 ? 200 : 469;
  reset_peak_rss();
  double t0 = 0;
  int64_t seen = 0;
  for (int i = 0; i < timed + 20; ++i) {
    if (i == 20) t0 = now(), seen = 0;
    const descent::Tensor idx = perm.narrow(0, (i % 468) * 128, 128);
    train_step(s, criterion, x, d.ytr, idx);
    seen += idx.size(0);
  }
  const double secs = now() - t0;
  std::string name = std::string(s.name) + "_train_samples_per_s";
  emit(name.c_str(), double(seen) / secs, 1);
  name = std::string(s.name) + "_train_peak_rss_mib";
  emit(name.c_str(), peak_rss_mib(), 1);
}

void bench_infer(Setup& s, const Data& d) {
  s.model->eval();
  descent::NoGradGuard no_grad;
  const descent::Tensor xte = d.xte.reshape(s.shape);
  const descent::Tensor xb = xte.narrow(0, 0, 1);
  for (int i = 0; i < 50; ++i) g_sink = s.model(xb).data_ptr<float>()[0];
  double t0 = now();
  constexpr int kCalls = 500;
  for (int i = 0; i < kCalls; ++i) g_sink = s.model(xb).data_ptr<float>()[0];
  std::string name = std::string(s.name) + "_infer_batch1_us";
  emit(name.c_str(), (now() - t0) / kCalls * 1e6, 1);
  g_sink = s.model(xte.narrow(0, 0, 1000)).data_ptr<float>()[0];
  t0 = now();
  g_sink = s.model(xte).data_ptr<float>()[0];
  name = std::string(s.name) + "_infer_10k_samples_per_s";
  emit(name.c_str(), double(xte.size(0)) / (now() - t0), 1);
  s.model->train();
}

// The accuracy runs as torch_ref.py accuracy: `epochs` shuffled epochs of batches of 128 (the
// last one 96), then test accuracy in eval mode.
void bench_accuracy(bool cnn, const Data& d) {
  Setup s = make_setup(cnn);
  const int epochs = cnn ? 5 : 10;
  const descent::Tensor x = d.xtr.reshape(s.shape);
  const descent::nn::CrossEntropyLoss criterion;
  const int64_t n = x.size(0), batch = 128;
  const double t0 = now();
  for (int e = 0; e < epochs; ++e) {
    const descent::Tensor perm = descent::randperm(n);
    for (int64_t b = 0; b < n; b += batch) train_step(s, criterion, x, d.ytr, perm.narrow(0, b, std::min(batch, n - b)));
  }
  const double secs = now() - t0;
  s.model->eval();
  descent::NoGradGuard no_grad;
  const double acc = s.model(d.xte.reshape(s.shape)).argmax(1).eq(d.yte).to(descent::kFloat64).mean().item<double>();
  const std::string name = std::string(s.name) + "_test_acc_" + std::to_string(epochs) + "ep";
  emit(name.c_str(), acc, 4);
  emit((name + "_seconds").c_str(), secs, 1);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int threads = descent_bench::take_threads(argc, argv, /*allow_bare_number=*/true);
    const char* usage = "usage: descent_spec_bench [threads] [--threads=N] [--only=LIST] [--accuracy]\n";
    std::set<std::string> only;
    bool accuracy = false;
    for (int i = 1; i < argc; ++i) {
      if (std::strncmp(argv[i], "--only=", 7) == 0) {
        std::stringstream ss(argv[i] + 7);
        for (std::string item; std::getline(ss, item, ',');) {
          static const std::set<std::string> known = {"mlp", "cnn", "mlp_train", "cnn_train", "sgemm", "small_add"};
          if (!known.count(item)) {
            std::fprintf(stderr, "descent_spec_bench: unknown figure group '%s' in --only\n%s", item.c_str(), usage);
            return 2;
          }
          only.insert(item);
        }
      } else if (std::strcmp(argv[i], "--accuracy") == 0) {
        accuracy = true;
      } else {
        std::fprintf(stderr, "descent_spec_bench: unexpected argument '%s'\n%s", argv[i], usage);
        return 2;
      }
    }
    auto want = [&](const char* g) { return only.empty() || only.count(g) > 0; };
    descent::set_num_threads(threads);  // descent's GEMMs run on these threads, OpenBLAS itself serially
    std::fprintf(stderr, "descent_spec_bench: %d descent threads (OpenBLAS serial inside them: %d)\n",
                 descent::get_num_threads(), openblas_get_num_threads());
    descent::manual_seed(0);
    if (accuracy) {
      const Data d = load_data();
      bench_accuracy(false, d);
      bench_accuracy(true, d);
      return 0;
    }
    for (bool cnn : {false, true}) {
      const std::string name = cnn ? "cnn" : "mlp";
      const bool full = want(name.c_str()), train_only = only.count(name + "_train") > 0;
      if (!full && !train_only) continue;
      static const Data d = load_data();
      Setup s = make_setup(cnn);
      bench_train(s, d);
      if (full) bench_infer(s, d);
    }
    if (want("sgemm"))
      for (int64_t n : {256, 1024, 2048}) bench_sgemm(n, threads);
    if (want("small_add")) bench_small_add();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descent_spec_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
