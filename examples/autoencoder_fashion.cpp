// A convolutional autoencoder (models::ConvAutoencoder) trained with MSE on Fashion-MNIST; then
// KMeans (k = 10, n_init 4) on its bottleneck features of the 10,000 test images against KMeans on
// their raw pixels, each scored by the adjusted Rand index against the true classes. Writes
// OUT/report.html (the scores and input / reconstruction pairs) and OUT/reconstructions.svg.
//
//   ./build/release/examples/autoencoder_fashion [--data DIR] [--out DIR] [--epochs 5]
//       [--train-samples 60000] [--latent 10] [--quick] [--quiet]
//
// --quick (and a missing data folder) uses small synthetic images of Fashion-MNIST's shape instead
// (a random template per class plus noise), so that the example runs anywhere.
// On Fashion-MNIST, exits 1 when the bottleneck's ARI is not higher than the raw pixels' (the
// synthetic data only exercises the pipeline).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "descent/cluster/kmeans.h"
#include "descent/cluster/metrics.h"
#include "descent/data/data.h"
#include "descent/descent.h"
#include "example_util.h"
#include "descent/models/conv_autoencoder.h"
#include "descent/report/html.h"
#include "descent/report/svg.h"
#include "descent/train/train.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

using example::arg;
using example::flag;

// n images [1, 28, 28] in [0, 1] from 10 random class templates (seed 0), each shifted by up to 3
// pixels and noised (N(0, 0.3^2)): pixel distances mix shift and class, features can undo the shift.
std::pair<Tensor, Tensor> synthetic(int64_t n, uint64_t seed) {
  Generator tg(0), g(seed);
  Tensor templates = (rand({10, 1, 28, 28}, {}, &tg) > 0.6).to(DType::Float32);
  Tensor y = randint(0, 10, {n}, {}, &g);
  Tensor shifts = randint(-3, 4, {n, 2}, {}, &g);
  auto yv = y.to_vector<int64_t>();
  auto sv = shifts.to_vector<int64_t>();
  std::vector<Tensor> imgs;
  for (int64_t i = 0; i < n; ++i)
    imgs.push_back(data::image::crop(templates.select(0, yv[size_t(i)]), sv[size_t(2 * i)], sv[size_t(2 * i + 1)], 28, 28));
  Tensor x = (stack(imgs, 0) + randn({n, 1, 28, 28}, {}, &g) * 0.3).clamp(0.0, 1.0);
  return {x, y};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string root = arg(argc, argv, "--data", data::FashionMNIST::kDefaultRoot);
  const fs::path out = arg(argc, argv, "--out", "runs/autoencoder_fashion");
  const bool quiet = flag(argc, argv, "--quiet");
  const bool quick = flag(argc, argv, "--quick") ||
                     !fs::exists(fs::path(root) / "train-labels-idx1-ubyte.gz");
  const int64_t epochs = std::stoll(arg(argc, argv, "--epochs", quick ? "4" : "5"));
  const int64_t n_train = std::stoll(arg(argc, argv, "--train-samples", quick ? "2000" : "60000"));
  const int64_t latent = std::stoll(arg(argc, argv, "--latent", "10"));
  DESCENT_CHECK(epochs >= 1 && n_train >= 1 && latent >= 1, "--epochs, --train-samples and --latent must be >= 1");
  manual_seed(0);

  // Training images (targets: the images themselves) and the test images with their classes.
  Tensor train_x, test_x, test_y;
  if (quick) {
    std::printf("%s: synthetic 28x28 images (%lld train, 2000 test)\n",
                flag(argc, argv, "--quick") ? "--quick" : "no Fashion-MNIST data", (long long)n_train);
    train_x = synthetic(n_train, 1).first;
    std::tie(test_x, test_y) = synthetic(2000, 2);
  } else {
    data::FashionMNIST train_set(root, true), test_set(root, false);
    const int64_t n = std::min<int64_t>(n_train, train_set.size());
    train_x = train_set.images().narrow(0, 0, n).unsqueeze(1).to(DType::Float32) / 255.0;
    test_x = test_set.images().unsqueeze(1).to(DType::Float32) / 255.0;
    test_y = test_set.targets();
  }
  auto train_ds = std::make_shared<data::TensorDataset>(train_x, train_x);
  data::DataLoader train_loader(train_ds, data::DataLoaderOptions().batch_size(128).shuffle(true).seed(0));

  models::ConvAutoencoder ae(models::ConvAutoencoderOptions(1).channels({16, 32}).latent(latent));
  if (!quiet) std::printf("%s\n", nn::summary(ae, {1, 1, 28, 28}).to_string().c_str());
  optim::Adam opt(ae->parameters(), optim::AdamOptions(2e-3));
  train::Trainer trainer(train::TrainerOptions().epochs(epochs).task(train::Task::Regression).metrics({}));
  if (!quiet) trainer.add_callback(std::make_shared<train::ProgressBar>(stdout));
  auto t0 = std::chrono::steady_clock::now();
  train::History h = trainer.fit(ae, nn::MSELoss(), opt, train_loader);
  const double train_s = seconds_since(t0);
  std::printf("autoencoder: %lld epochs on %lld images, MSE %.5f -> %.5f (%.1f s)\n", (long long)epochs,
              (long long)train_x.size(0), h.epochs.front().train_loss, h.epochs.back().train_loss, train_s);

  // Bottleneck features and reconstructions of the test images.
  Tensor features, recon;
  double test_mse = 0;
  {
    NoGradGuard no_grad;
    ae->eval();
    std::vector<Tensor> zs;
    for (int64_t s = 0; s < test_x.size(0); s += 1000) {
      Tensor xb = test_x.narrow(0, s, std::min<int64_t>(1000, test_x.size(0) - s));
      zs.push_back(ae->encode(xb));
    }
    features = cat(zs, 0);
    recon = ae(test_x.narrow(0, 0, 16));
    test_mse = nn::MSELoss()(ae->decode(features.narrow(0, 0, 1000)), test_x.narrow(0, 0, 1000)).item<double>();
  }

  auto kmeans_ari = [&](const Tensor& x, double& secs) {
    auto t = std::chrono::steady_clock::now();
    cluster::KMeans km(cluster::KMeansOptions(10).n_init(4).seed(0));
    Tensor labels = km.fit_predict(x);
    secs = seconds_since(t);
    return cluster::adjusted_rand_index(test_y, labels);
  };
  double raw_s, ae_s;
  const double ari_raw = kmeans_ari(test_x.flatten(1), raw_s);
  const double ari_ae = kmeans_ari(features, ae_s);
  std::printf("KMeans (k=10, n_init 4) on %lld test images: ARI raw pixels (784-d) %.4f (%.1f s), "
              "autoencoder bottleneck (%lld-d) %.4f (%.1f s)\n",
              (long long)test_x.size(0), ari_raw, raw_s, (long long)latent, ari_ae, ae_s);

  // Input / reconstruction pairs: rows of 8 inputs, each followed by the row of their reconstructions.
  std::vector<Tensor> cells;
  std::vector<std::string> captions;
  auto yv = test_y.to_vector<int64_t>();
  for (int64_t row = 0; row < 2; ++row) {
    for (int64_t i = row * 8; i < row * 8 + 8; ++i) {
      cells.push_back(test_x.select(0, i));
      captions.push_back(quick ? "class " + std::to_string(yv[size_t(i)])
                               : std::string(data::FashionMNIST::kClasses[size_t(yv[size_t(i)])]));
    }
    for (int64_t i = row * 8; i < row * 8 + 8; ++i) {
      cells.push_back(recon.select(0, i));
      captions.push_back("reconstruction");
    }
  }
  report::ImageGridOptions grid;
  grid.title = "Test images (rows 1, 3) and their reconstructions (rows 2, 4)";
  grid.columns = 8;
  grid.image_size = 56;
  grid.cell_width = 100;
  const std::string svg = report::image_grid(stack(cells, 0), captions, grid);
  fs::create_directories(out);
  std::ofstream((out / "reconstructions.svg").string(), std::ios::binary) << svg;
  char ari_raw_s[32], ari_ae_s[32], mse_s[32];
  std::snprintf(ari_raw_s, sizeof ari_raw_s, "%.4f", ari_raw);
  std::snprintf(ari_ae_s, sizeof ari_ae_s, "%.4f", ari_ae);
  std::snprintf(mse_s, sizeof mse_s, "%.5f", test_mse);
  report::HtmlReport html("Convolutional autoencoder on Fashion-MNIST");
  html.subtitle(quick ? "synthetic images (--quick)" : "Fashion-MNIST, " + std::to_string(train_x.size(0)) +
                                                            " training images, 10,000 test images");
  html.summary({{"epochs", std::to_string(epochs)},
                {"latent size", std::to_string(latent)},
                {"test MSE (first 1000)", mse_s},
                {"ARI, KMeans on raw pixels", ari_raw_s},
                {"ARI, KMeans on the bottleneck", ari_ae_s}});
  html.section("Reconstructions").svg(svg, "Inputs and the autoencoder's reconstructions (sigmoid output)");
  html.write((out / "report.html").string());
  std::printf("report: %s\n", fs::absolute(out / "report.html").c_str());

  const bool ok = ari_ae > ari_raw;
  std::printf("%s%s\n", ok ? "the bottleneck features cluster better than raw pixels"
                           : "the bottleneck features do not cluster better than raw pixels",
              quick ? " (synthetic data: not checked)" : "");
  return ok || quick ? 0 : 1;
} catch (const descent::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
