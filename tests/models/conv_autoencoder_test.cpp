// ConvAutoencoder (include/descent/models/conv_autoencoder.h): shapes for even and odd image sizes,
// the bottleneck, output range, parameter count, summary and printing, state-dict names, a short
// MSE training run, bad options and inputs.
#include <gtest/gtest.h>

#include <sstream>

#include "descent/descent.h"
#include "descent/models/conv_autoencoder.h"
#include "test_util.h"

using namespace descent;
using namespace descent::models;

TEST(ConvAutoencoder, ShapesBottleneckAndRange) {
  manual_seed(0);
  ConvAutoencoder ae;  // 1 x 28 x 28, channels {32, 64}, latent 32
  Tensor x = rand({4, 1, 28, 28});
  Tensor y = ae(x);
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_GT(y.min().item<double>(), 0.0);
  EXPECT_LT(y.max().item<double>(), 1.0);
  EXPECT_EQ(ae->encode(x).sizes(), Shape({4, 32}));
  EXPECT_EQ(ae->decode(ae->encode(x)).sizes(), x.sizes());
  EXPECT_EQ(ae->bottleneck_size(), (std::vector<int64_t>{7, 7}));
  // Odd sizes and three stages: 3 x 17 x 23 -> 9 x 12 -> 5 x 6 -> 3 x 3 and back exactly.
  ConvAutoencoder odd(ConvAutoencoderOptions(3).image_size(17, 23).channels({8, 16, 16}).latent(5).batch_norm(false));
  Tensor xo = rand({2, 3, 17, 23});
  EXPECT_EQ(odd(xo).sizes(), xo.sizes());
  EXPECT_EQ(odd->encode(xo).sizes(), Shape({2, 5}));
  EXPECT_EQ(odd->bottleneck_size(), (std::vector<int64_t>{3, 3}));
}

TEST(ConvAutoencoder, ParameterCountSummaryAndPrinting) {
  ConvAutoencoder ae(ConvAutoencoderOptions(1).channels({8, 16}).latent(10));
  // encoder: conv 1->8 (no bias) + BN, conv 8->16 + BN, Linear(16*7*7, 10); decoder: Linear(10, 784) ,
  // convT 16->8 (no bias) + BN, convT 8->1 with bias.
  const int64_t expected = (1 * 8 * 9 + 16) + (8 * 16 * 9 + 32) + (784 * 10 + 10) + (10 * 784 + 784) +
                           (16 * 8 * 9 + 16) + (8 * 1 * 9 + 1);
  int64_t n = 0;
  for (auto& p : ae->parameters()) n += p.numel();
  EXPECT_EQ(n, expected);
  nn::Summary s = nn::summary(ae, {2, 1, 28, 28});
  EXPECT_EQ(s.total_params, expected);
  EXPECT_EQ(s.output_shape, Shape({2, 1, 28, 28}));
  EXPECT_NE(s.to_string().find("ConvTranspose2d"), std::string::npos);
  std::ostringstream os;
  os << *ae;
  EXPECT_NE(os.str().find("in_channels=1, image=28x28, channels=[8, 16], latent=10, batch_norm=true"),
            std::string::npos)
      << os.str();
  auto sd = ae->state_dict();
  EXPECT_NE(sd.find("encoder.0.weight"), nullptr);
  EXPECT_NE(sd.find("encoder.7.weight"), nullptr);  // the bottleneck Linear
  EXPECT_NE(sd.find("decoder_fc.0.weight"), nullptr);
  EXPECT_NE(sd.find("decoder.3.bias"), nullptr);  // the last transposed conv keeps its bias
}

TEST(ConvAutoencoder, MSETrainingReducesTheReconstructionError) {
  manual_seed(0);
  // 64 images made of 4 random templates: an autoencoder with latent 4 can learn them.
  Tensor templates = rand({4, 1, 16, 16});
  Tensor x = templates.index_select(0, randint(0, 4, {64}));
  ConvAutoencoder ae(ConvAutoencoderOptions(1).image_size(16, 16).channels({8, 16}).latent(4));
  optim::Adam opt(ae->parameters(), optim::AdamOptions(1e-2));
  nn::MSELoss mse;
  auto eval = [&] {
    NoGradGuard ng;
    ae->eval();
    double l = mse(ae(x), x).item<double>();
    ae->train();
    return l;
  };
  const double before = eval();
  for (int s = 0; s < 150; ++s) {
    opt.zero_grad();
    Tensor loss = mse(ae(x), x);
    loss.backward();
    opt.step();
  }
  const double after = eval();
  EXPECT_LT(after, 0.25 * before) << before << " -> " << after;
}

TEST(ConvAutoencoder, BadOptionsAndInputs) {
  EXPECT_ERROR_MENTIONS(ConvAutoencoder(ConvAutoencoderOptions(0)), "in_channels");
  EXPECT_ERROR_MENTIONS(ConvAutoencoder(ConvAutoencoderOptions(1).latent(0)), "latent");
  EXPECT_ERROR_MENTIONS(ConvAutoencoder(ConvAutoencoderOptions(1).channels({})), "channels");
  EXPECT_ERROR_MENTIONS(ConvAutoencoder(ConvAutoencoderOptions(1).channels({8, -1})), "channels[1]");
  EXPECT_ERROR_MENTIONS(ConvAutoencoder(ConvAutoencoderOptions(1).image_size(0, 5)), "height and width");
  ConvAutoencoder ae;
  EXPECT_ERROR_MENTIONS(ae(zeros({2, 3, 28, 28})), "[2, 3, 28, 28]");
  EXPECT_ERROR_MENTIONS(ae(zeros({1, 28, 28})), "expected input [N, 1, 28, 28]");
  EXPECT_ERROR_MENTIONS(ae->decode(zeros({2, 7})), "latent");
}
