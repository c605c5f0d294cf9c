// Guide section 11, convolution. A 3x3 kernel slides over the image; each output pixel is the sum
// of the 9 pixels under the kernel times the kernel's weights:
//   out[i][j] = sum_{u, v = 0..2} image[i + u][j + v] * k[u][v]
// (what deep-learning libraries call convolution is this cross-correlation: the kernel is not
// flipped). Done by hand with loops and by nn::Conv2d given the same kernel as its weight.
// Then a small CNN (Conv2d 1 -> 8, 5x5, ReLU, 2x2 max-pool, Linear) learns its own kernels on
// Fashion-MNIST (6000 training images, 2 epochs; a synthetic stripes-and-blobs set when the dataset
// is not installed, or when DESCENT_GUIDE_SYNTHETIC=1); its 8 first-layer filters are drawn as an image grid.
// Claims checked: the hand convolution equals Conv2d within 1e-5 (on a small test image and on the
// figure's image); the vertical-edge kernel fires on vertical edges only; the CNN's test accuracy
// is >= 75%.
//
//   ./build/release/examples/guide/guide_convolution [--out DIR]
#include <cstdlib>
#include <filesystem>

#include "descent/data/data.h"
#include "guide_util.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

// The convolution by hand: image [H, W], kernel [3, 3] -> [H - 2, W - 2] (no padding, stride 1).
Tensor convolve_by_hand(const Tensor& image, const Tensor& kernel) {
  const int64_t H = image.size(0), W = image.size(1);
  auto img = image.contiguous().to_vector<float>();
  auto k = kernel.contiguous().to_vector<float>();
  std::vector<float> out;
  for (int64_t i = 0; i + 3 <= H; ++i)
    for (int64_t j = 0; j + 3 <= W; ++j) {
      float s = 0;
      for (int64_t u = 0; u < 3; ++u)
        for (int64_t v = 0; v < 3; ++v) s += img[(i + u) * W + (j + v)] * k[u * 3 + v];
      out.push_back(s);
    }
  return from_vector(out, {H - 2, W - 2});
}

// The same with nn::Conv2d: one input channel, one output channel, our kernel as its weight.
Tensor convolve_with_conv2d(const Tensor& image, const Tensor& kernel) {
  nn::Conv2d conv(nn::Conv2dOptions(1, 1, 3).bias(false));
  {
    NoGradGuard no_grad;
    conv->weight.copy_(kernel.view({1, 1, 3, 3}));  // weight is [out C, in C, kH, kW]
  }
  NoGradGuard no_grad;
  return conv->forward(image.view({1, 1, image.size(0), image.size(1)})).view({image.size(0) - 2, image.size(1) - 2});
}

// Synthetic stand-in for Fashion-MNIST: 4 classes of 28x28 patterns (horizontal stripes, vertical
// stripes, a centred blob, a diagonal bar) at random phase, with noise.
void synthetic_images(int64_t n, Tensor& images, Tensor& labels) {
  labels = randint(0, 4, {n});
  Tensor r = arange(28).to(kFloat32).view({1, 28, 1}), c = arange(28).to(kFloat32).view({1, 1, 28});
  Tensor phase = rand({n, 1, 1}) * 6;
  Tensor cls = labels.view({n, 1, 1});
  Tensor hstripes = ((r + phase) / 3).sin().gt(0.0).to(kFloat32);
  Tensor vstripes = ((c + phase) / 3).sin().gt(0.0).to(kFloat32);
  Tensor blob = ((r - 13.5).square() + (c - 13.5).square()).lt(60.0).to(kFloat32).expand({n, 28, 28});
  Tensor diag = ((r - c + phase - 3).abs()).lt(4.0).to(kFloat32);
  Tensor img = where(cls.eq(int64_t(0)), hstripes,
                     where(cls.eq(int64_t(1)), vstripes, where(cls.eq(int64_t(2)), blob, diag)));
  images = (img * 0.8 + rand({n, 28, 28}) * 0.2).unsqueeze(1);  // [N, 1, 28, 28] in [0, 1]
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);

  // (a) a 3x3 kernel by hand vs Conv2d on a 6x6 image: a bright right half (a vertical edge).
  Tensor image = zeros({6, 6});
  image.narrow(1, 3, 3).fill_(1.0);
  Tensor vertical = tensor({{-1.0, 0.0, 1.0}, {-2.0, 0.0, 2.0}, {-1.0, 0.0, 1.0}});  // Sobel: left-to-right change
  Tensor horizontal = vertical.t().contiguous();                                       // top-to-bottom change
  Tensor by_hand = convolve_by_hand(image, vertical), by_conv = convolve_with_conv2d(image, vertical);
  std::printf("image rows: 0 0 0 1 1 1; vertical-edge kernel [[-1 0 1] [-2 0 2] [-1 0 1]]\n");
  std::printf("by hand, row 0:    ");
  for (double v : guide::values(by_hand[0])) std::printf(" %4.1f", v);
  std::printf("\nwith Conv2d, row 0:");
  for (double v : guide::values(by_conv[0])) std::printf(" %4.1f", v);
  std::printf("\n");
  const double small_gap = (by_hand - by_conv).abs().max().item<double>();
  claims.check(small_gap < 1e-5, "the hand 3x3 convolution equals Conv2d");
  const double h_response = convolve_by_hand(image, horizontal).abs().max().item<double>();
  std::printf("strongest response: vertical-edge kernel %.1f, horizontal-edge kernel %.1f\n",
              by_hand.abs().max().item<double>(), h_response);
  claims.check(by_hand.abs().max().item<double>() == 4.0 && h_response == 0.0,
               "the vertical-edge kernel fires on the vertical edge, the horizontal one does not");

  // (b) the data: Fashion-MNIST when installed, else the synthetic patterns.
  Tensor train_x, train_y, test_x, test_y;
  // DESCENT_GUIDE_SYNTHETIC=1 forces the synthetic set (the tests run both ways).
  const char* force_synthetic = std::getenv("DESCENT_GUIDE_SYNTHETIC");
  const bool fashion = !(force_synthetic && std::string(force_synthetic) == "1") &&
                       std::filesystem::exists(std::string(data::FashionMNIST::kDefaultRoot) + "/train-images-idx3-ubyte.gz") &&
                       std::filesystem::exists(std::string(data::FashionMNIST::kDefaultRoot) + "/t10k-images-idx3-ubyte.gz");
  if (fashion) {
    data::FashionMNIST train_set(data::FashionMNIST::kDefaultRoot, true), test_set(data::FashionMNIST::kDefaultRoot, false);
    train_x = train_set.images().narrow(0, 0, 6000).to(kFloat32).div(255.0).unsqueeze(1);  // uint8 [N, 28, 28] -> [N, 1, 28, 28]
    train_y = train_set.targets().narrow(0, 0, 6000);
    test_x = test_set.images().narrow(0, 0, 1000).to(kFloat32).div(255.0).unsqueeze(1);
    test_y = test_set.targets().narrow(0, 0, 1000);
    std::printf("data: Fashion-MNIST, 6000 training and 1000 test images\n");
  } else {
    synthetic_images(6000, train_x, train_y);
    synthetic_images(1000, test_x, test_y);
    std::printf("data: synthetic patterns (no Fashion-MNIST, or DESCENT_GUIDE_SYNTHETIC=1), 6000 training and 1000 test images\n");
  }

  // The hand convolution on a real picture, for the figure.
  Tensor picture = test_x[0][0];
  Tensor edges_v = convolve_by_hand(picture, vertical), edges_h = convolve_by_hand(picture, horizontal);
  claims.check((edges_v - convolve_with_conv2d(picture, vertical)).abs().max().item<double>() < 1e-5,
               "hand = Conv2d on a 28x28 picture too");
  {
    Tensor centre = picture.narrow(0, 1, 26).narrow(1, 1, 26);  // the pixels the edge maps are centred on
    Tensor grid = stack({centre, edges_v.abs(), edges_h.abs()}).unsqueeze(1);  // [3, 1, 26, 26]
    report::ImageGridOptions g;
    g.title = "A picture and its two 3x3 edge maps";
    g.columns = 3;
    g.image_size = 130;
    g.cell_width = 170;
    guide::write_svg(args, "convolution_edges.svg",
                     report::image_grid(grid, {"input (centre 26x26)", "|vertical-edge kernel|", "|horizontal-edge kernel|"}, g));
  }

  // (c) a small CNN learns its own kernels.
  manual_seed(1);
  nn::Conv2d conv(1, 8, 5);  // 8 learned 5x5 kernels: [8, 1, 5, 5]
  nn::Sequential cnn(conv, nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(),
                     nn::Linear(8 * 12 * 12, 10));
  optim::Adam opt(cnn->parameters(), optim::AdamOptions().lr(2e-3));
  const int64_t n = train_x.size(0), batch = 64;
  for (int epoch = 1; epoch <= 2; ++epoch) {
    Tensor order = randperm(n);
    double total = 0;
    for (int64_t s = 0; s < n; s += batch) {
      Tensor idx = order.narrow(0, s, std::min(batch, n - s));
      Tensor loss = F::cross_entropy(cnn->forward(train_x.index_select(0, idx)), train_y.index_select(0, idx));
      opt.zero_grad();
      loss.backward();
      opt.step();
      total += loss.item<double>() * double(idx.size(0));
    }
    std::printf("epoch %d: training loss %.3f\n", epoch, total / double(n));
  }
  double accuracy;
  {
    NoGradGuard no_grad;
    accuracy = cnn->forward(test_x).argmax(1).eq(test_y).to(kFloat64).mean().item<double>();
  }
  std::printf("test accuracy %.3f\n", accuracy);
  claims.check(accuracy >= 0.75, "the small CNN gets >= 75% of the test images right");
  report::ImageGridOptions g;
  g.title = "The 8 learned 5x5 first-layer filters";
  g.columns = 8;
  g.image_size = 60;
  g.cell_width = 80;
  std::vector<std::string> captions;
  for (int i = 0; i < 8; ++i) captions.push_back("filter " + std::to_string(i));
  guide::write_svg(args, "convolution_filters.svg", report::image_grid(conv->weight.detach(), captions, g));
  return claims.exit_code();
}
