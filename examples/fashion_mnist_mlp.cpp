// The main job until the Trainer and the `descent` CLI exist: a 784-256-10 MLP written with the
// tensor API alone, trained with mini-batch SGD (momentum 0.9) on Fashion-MNIST from Debian's
// dataset-fashion-mnist package, evaluated on the 10,000 test images, with a Markdown report.
//
//   ./build/release/examples/fashion_mnist_mlp [--epochs N] [--data DIR] [--out DIR]
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "descent/descent.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

const char* kClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// Reads a whole gzip (or plain) file; throws naming the file when it is missing or unreadable.
std::vector<uint8_t> read_gz(const fs::path& p) {
  DESCENT_CHECK(fs::exists(p), "Fashion-MNIST file ", p.string(),
                " not found: install Debian's dataset-fashion-mnist package (scripts/install-deps.sh) or pass --data DIR");
  gzFile f = gzopen(p.c_str(), "rb");
  DESCENT_CHECK(f != nullptr, "cannot open ", p.string());
  std::vector<uint8_t> buf;
  uint8_t tmp[1 << 16];
  int n;
  while ((n = gzread(f, tmp, sizeof tmp)) > 0) buf.insert(buf.end(), tmp, tmp + n);
  int err = 0;
  const char* msg = gzerror(f, &err);
  gzclose(f);
  DESCENT_CHECK(n == 0 && err == Z_OK, "error reading ", p.string(), ": ", msg);
  return buf;
}

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// An IDX file as a uint8 tensor of its stated shape; the header is checked against the file size.
Tensor read_idx(const fs::path& p) {
  std::vector<uint8_t> b = read_gz(p);
  DESCENT_CHECK(b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0x08, p.string(),
                ": not an unsigned-byte IDX file (bad magic)");
  const int nd = b[3];
  DESCENT_CHECK(nd >= 1 && nd <= 4 && b.size() >= 4 + 4 * size_t(nd), p.string(), ": bad IDX header");
  Shape shape;
  uint64_t count = 1;
  for (int i = 0; i < nd; ++i) {
    shape.push_back(be32(&b[4 + 4 * size_t(i)]));
    count *= uint64_t(shape.back());
  }
  DESCENT_CHECK(count == b.size() - 4 - 4 * size_t(nd), p.string(), ": header says ", count,
                " bytes of data but the file has ", b.size() - 4 - 4 * size_t(nd));
  Tensor t = empty(shape, kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), b.data() + 4 + 4 * nd, count);
  return t;
}

struct Net {
  Tensor w1, b1, w2, b2;
  explicit Net(int64_t hidden) {
    // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
    auto U = [](Shape s, int64_t fan_in) {
      double a = 1.0 / std::sqrt(double(fan_in));
      return (rand(s) * (2 * a) - a).requires_grad_();
    };
    w1 = U({784, hidden}, 784);
    b1 = U({hidden}, 784);
    w2 = U({hidden, 10}, hidden);
    b2 = U({10}, hidden);
  }
  std::vector<Tensor> params() const { return {w1, b1, w2, b2}; }
  Tensor forward(const Tensor& x) const { return (x.matmul(w1) + b1).relu().matmul(w2) + b2; }
};

Tensor cross_entropy(const Tensor& logits, const Tensor& y) {
  return (logits.logsumexp({1}) - logits.gather(1, y.unsqueeze(1)).squeeze(1)).mean();
}

std::string arg(int argc, char** argv, const char* name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return def;
}

}  // namespace

int main(int argc, char** argv) try {
  const int epochs = std::stoi(arg(argc, argv, "--epochs", "10"));
  const fs::path data = arg(argc, argv, "--data", "/usr/share/datasets/fashion-mnist");
  const fs::path out = arg(argc, argv, "--out", "runs/fashion_mnist_mlp");
  DESCENT_CHECK(epochs >= 1 && epochs <= 1000, "--epochs must be in 1..1000, got ", epochs);
  manual_seed(0);

  Tensor xtr = read_idx(data / "train-images-idx3-ubyte.gz").reshape({-1, 784}).to(kFloat32) / 255.0;
  Tensor ytr = read_idx(data / "train-labels-idx1-ubyte.gz").to(kInt64);
  Tensor xte = read_idx(data / "t10k-images-idx3-ubyte.gz").reshape({-1, 784}).to(kFloat32) / 255.0;
  Tensor yte = read_idx(data / "t10k-labels-idx1-ubyte.gz").to(kInt64);
  DESCENT_CHECK(xtr.size(0) == ytr.size(0) && xte.size(0) == yte.size(0), "image and label counts differ");
  std::printf("Fashion-MNIST: %lld training and %lld test images, %d threads\n", (long long)xtr.size(0),
              (long long)xte.size(0), get_num_threads());

  Net net(256);
  std::vector<Tensor> vel;
  for (auto& p : net.params()) vel.push_back(zeros_like(p));
  const int64_t n = xtr.size(0), batch = 128;
  const double lr = 0.05;
  std::vector<double> epoch_loss;
  auto t0 = std::chrono::steady_clock::now();
  for (int e = 1; e <= epochs; ++e) {
    Tensor perm = randperm(n);
    double total = 0;
    int64_t batches = 0;
    for (int64_t s = 0; s < n; s += batch) {
      Tensor idx = perm.narrow(0, s, std::min(batch, n - s));
      Tensor loss = cross_entropy(net.forward(xtr.index_select(0, idx)), ytr.index_select(0, idx));
      loss.backward();
      NoGradGuard ng;
      auto ps = net.params();
      for (size_t i = 0; i < ps.size(); ++i) {
        vel[i].mul_(0.9).add_(ps[i].grad());
        ps[i].sub_(vel[i], lr);
        ps[i].zero_grad();
      }
      total += loss.item<double>();
      ++batches;
    }
    epoch_loss.push_back(total / double(batches));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("epoch %d/%d  train loss %.4f  (%.1f s, %.0f samples/s)\n", e, epochs, epoch_loss.back(), secs,
                double(n) * e / secs);
  }
  const double train_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  NoGradGuard ng;
  Tensor pred = net.forward(xte).argmax(1);
  const double acc = pred.eq(yte).to(kFloat64).mean().item<double>();
  // Confusion matrix: rows are true classes, columns predicted ones.
  Tensor cm = zeros({100}, kInt64).scatter_add(0, yte * 10 + pred, ones({yte.size(0)}, kInt64)).view({10, 10});
  std::printf("test accuracy %.2f%% after %d epochs (%.1f s of training)\n", 100 * acc, epochs, train_secs);

  fs::create_directories(out);
  const fs::path report = out / "report.md";
  std::ofstream r(report);
  DESCENT_CHECK(r.good(), "cannot write ", report.string());
  r << "# Fashion-MNIST MLP (tensor API)\n\n"
    << "Model 784-256-ReLU-10, SGD lr " << lr << " momentum 0.9, batch " << batch << ", " << epochs << " epochs, "
    << get_num_threads() << " threads.\n\n"
    << "**Test accuracy: " << 100 * acc << "%** on " << yte.size(0) << " images; training took " << train_secs
    << " s.\n\n| epoch | train loss |\n|---|---|\n";
  for (size_t e = 0; e < epoch_loss.size(); ++e) r << "| " << e + 1 << " | " << epoch_loss[e] << " |\n";
  r << "\n## Per-class accuracy\n\n| class | accuracy |\n|---|---|\n";
  for (int64_t k = 0; k < 10; ++k) {
    const double row = double(cm[k].sum().item<int64_t>());
    r << "| " << kClasses[k] << " | " << (row > 0 ? 100.0 * double(cm.at<int64_t>({k, k})) / row : 0.0) << "% |\n";
  }
  r << "\n## Confusion matrix (rows: true, columns: predicted)\n\n```\n";
  for (int64_t k = 0; k < 10; ++k) {
    for (int64_t j = 0; j < 10; ++j) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%6lld", (long long)cm.at<int64_t>({k, j}));
      r << buf;
    }
    r << "   " << kClasses[k] << "\n";
  }
  r << "```\n";
  std::printf("report: %s\n", fs::absolute(report).c_str());
  return 0;
} catch (const descent::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
