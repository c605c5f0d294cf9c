// The builtin models (include/descent/models): output shapes, parameter counts against hand counts
// (what PyTorch gives for the same layers), gradients reaching every parameter, padding invariance of
// the text models, a short training run, state_dict round trips, summaries and bad-shape errors.
#include <gtest/gtest.h>

#include <sstream>

#include "descent/models/models.h"
#include "test_util.h"

using namespace descent;
using namespace descent::models;

namespace {

int64_t count_params(nn::Module& m) {
  int64_t n = 0;
  for (auto& p : m.parameters()) n += p.numel();
  return n;
}

// Parameters of a 3x3 conv without bias followed by BatchNorm2d (weight, bias).
int64_t conv_bn(int64_t in, int64_t out, int64_t k = 3) { return in * out * k * k + 2 * out; }
int64_t linear(int64_t in, int64_t out) { return in * out + out; }
// One direction of one GRU layer: weight_ih [3H, in], weight_hh [3H, H], bias_ih and bias_hh [3H].
int64_t gru_layer(int64_t in, int64_t h) { return 3 * h * in + 3 * h * h + 6 * h; }

// Cross-entropy on (x, y) backpropagated once: every parameter must get a defined, non-zero gradient.
void expect_grads_everywhere(nn::Module& model, const Tensor& x, const Tensor& y) {
  model.train();
  model.zero_grad();
  nn::CrossEntropyLoss ce;
  Tensor loss = ce(model.forward(x), y);
  loss.backward();
  for (auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << " got no gradient";
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0) << name << " got an all-zero gradient";
  }
}

// Full-batch Adam on a tiny synthetic set; returns {loss before, loss after}.
std::pair<double, double> train_steps(nn::Module& model, const Tensor& x, const Tensor& y, int steps, double lr = 1e-2) {
  nn::CrossEntropyLoss ce;
  optim::Adam opt(model.parameters(), optim::AdamOptions(lr));
  auto eval_loss = [&] {
    NoGradGuard ng;
    model.eval();
    double l = ce(model.forward(x), y).item<double>();
    model.train();
    return l;
  };
  const double before = eval_loss();
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Tensor loss = ce(model.forward(x), y);
    loss.backward();
    opt.step();
  }
  return {before, eval_loss()};
}

// Copies a's state into b (after a's running stats moved) and expects equal eval-mode outputs.
void expect_state_dict_round_trip(nn::Module& a, nn::Module& b, const Tensor& x) {
  {
    NoGradGuard ng;
    a.train();
    a.forward(x);  // moves BatchNorm running stats away from their initial values
  }
  a.eval();
  b.eval();
  NoGradGuard ng;
  Tensor ya = a.forward(x);
  EXPECT_FALSE(allclose(ya, b.forward(x), 1e-5, 1e-6)) << "the two models start out equal: test is vacuous";
  nn::LoadReport rep = b.load_state_dict(a.state_dict());
  EXPECT_TRUE(rep.ok());
  EXPECT_TRUE(allclose(ya, b.forward(x), 1e-5, 1e-6));
  EXPECT_EQ(a.state_dict().size(), b.state_dict().size());
}

// Synthetic classes: a random template per class plus noise.
std::pair<Tensor, Tensor> template_data(int64_t n, const Shape& sample, int64_t classes, double noise = 0.3) {
  Shape tshape{classes};
  for (auto d : sample) tshape.push_back(d);
  Tensor templates = randn(tshape);
  Tensor y = randint(0, classes, {n});
  Shape xshape{n};
  for (auto d : sample) xshape.push_back(d);
  Tensor x = templates.index_select(0, y) + randn(xshape) * noise;
  return {x, y};
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace

// ---------------------------------------------------------------- MLP

TEST(MLP, ShapesParamsAndPrint) {
  MLP m(784, 10);  // 784-256-256-10 as PyTorch's nn.Sequential of Linears
  EXPECT_EQ(count_params(*m), linear(784, 256) + linear(256, 256) + linear(256, 10));
  EXPECT_EQ(count_params(*m), 269322);
  EXPECT_EQ(m(randn({3, 1, 28, 28})).sizes(), Shape({3, 10}));
  EXPECT_EQ(m(randn({3, 784})).sizes(), Shape({3, 10}));
  const std::string s = printed(*m);
  EXPECT_NE(s.find("MLP("), std::string::npos) << s;
  EXPECT_NE(s.find("Linear(in_features=784, out_features=256"), std::string::npos) << s;
  EXPECT_TRUE(m->state_dict().contains("layers.1.weight"));
  nn::Summary sum = nn::summary(m, {1, 1, 28, 28});
  EXPECT_EQ(sum.output_shape, Shape({1, 10}));
  EXPECT_EQ(sum.total_params, 269322);
  EXPECT_EQ(sum.rows.size(), 6u);  // Flatten, Linear, ReLU, Linear, ReLU, Linear
  EXPECT_EQ(sum.rows[1].flops, 2 * 784 * 256);

  MLP bn(MLPOptions(20, 3).hidden({16, 8}).batch_norm(true).dropout(0.3).activation("gelu"));
  EXPECT_EQ(count_params(*bn), linear(20, 16) + 2 * 16 + linear(16, 8) + 2 * 8 + linear(8, 3));
  EXPECT_EQ(bn->named_buffers().size(), 6u);  // running_mean, running_var, num_batches_tracked x 2
  MLP lin(MLPOptions(5, 1).hidden({}));
  EXPECT_EQ(count_params(*lin), 6);
}

TEST(MLP, EveryActivation) {
  for (const std::string& a : nn::activation_names()) {
    MLP m(MLPOptions(6, 2).hidden({4}).activation(a));
    EXPECT_EQ(m(randn({2, 6})).sizes(), Shape({2, 2})) << a;
  }
  EXPECT_ERROR_MENTIONS(MLP(MLPOptions(6, 2).activation("relu7")), "one of relu, relu6, leaky_relu");
  EXPECT_ERROR_MENTIONS(MLP(MLPOptions(6, 2).dropout(1.0)), "dropout");
  EXPECT_ERROR_MENTIONS(MLP(MLPOptions(6, 2).hidden({4, 0})), "hidden[1]");
  EXPECT_ERROR_MENTIONS(MLP(MLPOptions(0, 2)), "in_features");
}

TEST(MLP, GradsTrainingStateDictErrors) {
  manual_seed(1);
  auto [x, y] = template_data(64, {12}, 3);
  MLP m(MLPOptions(12, 3).hidden({32, 16}).batch_norm(true).dropout(0.1));
  expect_grads_everywhere(*m, x, y);
  auto [before, after] = train_steps(*m, x, y, 40);
  EXPECT_LT(after, 0.5 * before);
  MLP other(MLPOptions(12, 3).hidden({32, 16}).batch_norm(true).dropout(0.1));
  expect_state_dict_round_trip(*m, *other, x);
  EXPECT_ERROR_MENTIONS(m(randn({4, 13})), "MLP: expected input [N, 12]");
  EXPECT_ERROR_MENTIONS(m(randn({4, 13})), "got [4, 13]");
  EXPECT_ERROR_MENTIONS(m(randn({12})), "MLP");
}

// ---------------------------------------------------------------- CNN

TEST(CNN, ShapesAndParamCounts) {
  CNN plain(CNNOptions(1, 10).batch_norm(false));  // the SPEC CNN: 421,642 parameters in PyTorch
  EXPECT_EQ(count_params(*plain), (1 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + linear(3136, 128) + linear(128, 10));
  EXPECT_EQ(count_params(*plain), 421642);
  CNN m;  // defaults: BatchNorm, convs without bias
  EXPECT_EQ(count_params(*m), conv_bn(1, 32) + conv_bn(32, 64) + linear(3136, 128) + linear(128, 10));
  EXPECT_EQ(m(randn({2, 1, 28, 28})).sizes(), Shape({2, 10}));

  CNN dbl(CNNOptions(3, 5).image_size(32, 24).channels({8, 16, 16}).double_conv(true).hidden(20));
  // 32x24 -> 16x12 -> 8x6 -> 4x3
  EXPECT_EQ(count_params(*dbl), conv_bn(3, 8) + conv_bn(8, 8) + conv_bn(8, 16) + conv_bn(16, 16) + conv_bn(16, 16) +
                                    conv_bn(16, 16) + linear(16 * 4 * 3, 20) + linear(20, 5));
  EXPECT_EQ(dbl(randn({2, 3, 32, 24})).sizes(), Shape({2, 5}));
  EXPECT_TRUE(m->state_dict().contains("features.0.weight"));
  EXPECT_TRUE(m->state_dict().contains("classifier.1.weight"));
  EXPECT_NE(printed(*m).find("CNN("), std::string::npos);
  // 28 -> 14 -> 7 -> 3 with three blocks
  CNN three(CNNOptions(1, 10).channels({4, 4, 4}));
  EXPECT_EQ(three->classifier->ptr_as<nn::LinearImpl>(1)->options.in_features_, 4 * 3 * 3);
}

TEST(CNN, ChannelsLastMatchesNCHW) {
  manual_seed(2);
  CNN m;
  CNN cl(CNNOptions().channels_last(true));
  cl->load_state_dict(m->state_dict());
  m->eval();
  cl->eval();
  Tensor x = randn({3, 1, 28, 28});
  NoGradGuard ng;
  Tensor y = m(x);
  EXPECT_TRUE(allclose(y, m(x.contiguous(MemoryFormat::ChannelsLast)), 1e-4, 1e-5));
  EXPECT_TRUE(allclose(y, cl(x), 1e-4, 1e-5));
}

TEST(CNN, SummaryGradsTrainingStateDictErrors) {
  manual_seed(3);
  CNN m(CNNOptions(1, 4).image_size(12, 12).channels({4, 8}).hidden(16));
  nn::Summary s = nn::summary(m, {1, 1, 12, 12});
  EXPECT_EQ(s.output_shape, Shape({1, 4}));
  EXPECT_EQ(s.total_params, count_params(*m));
  EXPECT_GT(s.total_flops, 2 * (12 * 12 * 4 * 9));
  EXPECT_EQ(s.rows.front().name, "features.0");
  EXPECT_EQ(s.rows.front().output_shape, Shape({1, 4, 12, 12}));

  auto [x, y] = template_data(48, {1, 12, 12}, 4);
  expect_grads_everywhere(*m, x, y);
  auto [before, after] = train_steps(*m, x, y, 30, 3e-3);
  EXPECT_LT(after, 0.5 * before);
  CNN other(CNNOptions(1, 4).image_size(12, 12).channels({4, 8}).hidden(16));
  expect_state_dict_round_trip(*m, *other, x);

  EXPECT_ERROR_MENTIONS(m(randn({2, 3, 12, 12})), "CNN: expected input [N, 1, 12, 12]");
  EXPECT_ERROR_MENTIONS(m(randn({2, 3, 12, 12})), "got [2, 3, 12, 12]");
  EXPECT_ERROR_MENTIONS(m(randn({2, 1, 14, 12})), "got [2, 1, 14, 12]");
  EXPECT_ERROR_MENTIONS(m(randn({1, 12, 12})), "CNN: expected input");
  EXPECT_ERROR_MENTIONS(CNN(CNNOptions().image_size(3, 28).channels({8, 8})), "too small");
  EXPECT_ERROR_MENTIONS(CNN(CNNOptions().channels({})), "channels");
}

// ---------------------------------------------------------------- ResNetSmall

TEST(ResNetSmall, ShapesParamsNames) {
  ResNetSmall m;  // widths {16, 32, 64}, one BasicBlock per stage, 1 channel, 10 classes
  const int64_t expected = conv_bn(1, 16) +                                         // stem
                           conv_bn(16, 16) * 2 +                                    // layer1
                           conv_bn(16, 32) + conv_bn(32, 32) + conv_bn(16, 32, 1) +  // layer2 + projection
                           conv_bn(32, 64) + conv_bn(64, 64) + conv_bn(32, 64, 1) +  // layer3 + projection
                           linear(64, 10);
  EXPECT_EQ(count_params(*m), expected);
  EXPECT_EQ(count_params(*m), 77754);
  EXPECT_EQ(m(randn({2, 1, 28, 28})).sizes(), Shape({2, 10}));
  EXPECT_EQ(m(randn({1, 1, 5, 9})).sizes(), Shape({1, 10}));  // any image size
  auto sd = m->state_dict();
  for (const char* k : {"stem.0.weight", "layer1.0.conv1.weight", "layer1.0.bn2.running_var",
                        "layer2.0.downsample.0.weight", "layer3.0.downsample.1.bias", "fc.weight"})
    EXPECT_TRUE(sd.contains(k)) << k;
  EXPECT_FALSE(sd.contains("layer1.0.downsample.0.weight"));  // identity shortcut

  ResNetSmall two(ResNetSmallOptions(3, 7).widths({8, 16}).blocks_per_stage(2));
  EXPECT_EQ(count_params(*two), conv_bn(3, 8) + 4 * conv_bn(8, 8) + conv_bn(8, 16) + 3 * conv_bn(16, 16) +
                                    conv_bn(8, 16, 1) + linear(16, 7));
  nn::Summary s = nn::summary(two, {1, 3, 16, 16});
  EXPECT_EQ(s.output_shape, Shape({1, 7}));
  EXPECT_EQ(s.total_params, count_params(*two));
  EXPECT_NE(printed(*two).find("in_channels=8, out_channels=16, stride=2"), std::string::npos);
}

TEST(ResNetSmall, ChannelsLastGradsTrainingStateDictErrors) {
  manual_seed(4);
  ResNetSmallOptions o = ResNetSmallOptions(1, 3).widths({4, 8});
  ResNetSmall m(o);
  auto [x, y] = template_data(32, {1, 8, 8}, 3);
  {
    m->eval();
    NoGradGuard ng;
    EXPECT_TRUE(allclose(m(x), m(x.contiguous(MemoryFormat::ChannelsLast)), 1e-4, 1e-5));
  }
  expect_grads_everywhere(*m, x, y);
  auto [before, after] = train_steps(*m, x, y, 30, 1e-2);
  EXPECT_LT(after, 0.5 * before);
  ResNetSmall other(o);
  expect_state_dict_round_trip(*m, *other, x);
  EXPECT_ERROR_MENTIONS(m(randn({2, 3, 8, 8})), "ResNetSmall: expected input [N, 1, H, W]");
  EXPECT_ERROR_MENTIONS(m(randn({2, 3, 8, 8})), "got [2, 3, 8, 8]");
  EXPECT_ERROR_MENTIONS(m(randn({8, 8})), "ResNetSmall");
  EXPECT_ERROR_MENTIONS(ResNetSmall(ResNetSmallOptions().blocks_per_stage(0)), "blocks_per_stage");
}

// ---------------------------------------------------------------- AudioCNN

TEST(AudioCNN, AnyFramesParamsErrors) {
  AudioCNN m(1, 5);  // channels {16, 32, 64}
  EXPECT_EQ(count_params(*m), conv_bn(1, 16) + conv_bn(16, 32) + conv_bn(32, 64) + linear(64, 5));
  EXPECT_EQ(m(randn({2, 1, 64, 101})).sizes(), Shape({2, 5}));
  EXPECT_EQ(m(randn({2, 1, 40, 8})).sizes(), Shape({2, 5}));
  EXPECT_EQ(m(randn({1, 1, 64, 8}).contiguous(MemoryFormat::ChannelsLast)).sizes(), Shape({1, 5}));
  nn::Summary s = nn::summary(m, {1, 1, 32, 50});
  EXPECT_EQ(s.output_shape, Shape({1, 5}));
  EXPECT_EQ(s.total_params, count_params(*m));
  EXPECT_ERROR_MENTIONS(m(randn({2, 2, 64, 64})), "AudioCNN: expected a spectrogram [N, 1, n_mels, frames]");
  EXPECT_ERROR_MENTIONS(m(randn({2, 2, 64, 64})), "got [2, 2, 64, 64]");
  EXPECT_ERROR_MENTIONS(m(randn({64, 64})), "AudioCNN");
  EXPECT_ERROR_MENTIONS(m(randn({2, 1, 64, 7})), ">= 8");
}

TEST(AudioCNN, GradsTrainingStateDict) {
  manual_seed(5);
  AudioCNNOptions o = AudioCNNOptions(1, 3).channels({4, 8}).dropout(0.1);
  AudioCNN m(o);
  auto [x, y] = template_data(30, {1, 16, 20}, 3);
  expect_grads_everywhere(*m, x, y);
  auto [before, after] = train_steps(*m, x, y, 40, 1e-2);
  EXPECT_LT(after, 0.5 * before);
  AudioCNN other(o);
  expect_state_dict_round_trip(*m, *other, x);
}

// ---------------------------------------------------------------- text models

namespace {

// Token rows of the given lengths (ids 1..vocab-1) right-padded with 0 to L.
Tensor padded_tokens(const std::vector<int64_t>& lengths, int64_t L, int64_t vocab) {
  const int64_t n = int64_t(lengths.size());
  Tensor ids = randint(1, vocab, {n, L});
  std::vector<int64_t> mask(size_t(n * L), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < lengths[size_t(i)]; ++t) mask[size_t(i * L + t)] = 1;
  return ids.mul(from_vector(mask, {n, L}));
}

// Synthetic text: the class decides which half of the vocabulary most tokens come from.
std::pair<Tensor, Tensor> text_data(int64_t n, int64_t L, int64_t vocab) {
  Tensor y = randint(0, 2, {n});
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < n; ++i) lengths.push_back(2 + i % (L - 1));
  Tensor x = padded_tokens(lengths, L, vocab / 2);  // ids in 1 .. vocab/2 - 1 (0 where padded)
  Tensor shift = y.reshape({n, 1}).mul(vocab / 2 - 1) * x.ne(0).to(DType::Int64);
  return {x + shift, y};
}

}  // namespace

TEST(TextEmbeddingBag, ShapesParamsPaddingInvariance) {
  manual_seed(6);
  TextEmbeddingBag m(TextEmbeddingBagOptions(50, 4).embed_dim(8));
  EXPECT_EQ(count_params(*m), 50 * 8 + linear(8, 4));
  Tensor x = padded_tokens({3, 5, 1}, 6, 50);
  Tensor y = m(x);
  EXPECT_EQ(y.sizes(), Shape({3, 4}));
  Tensor more = cat({x, zeros({3, 9}, DType::Int64)}, 1);
  EXPECT_TRUE(allclose(y, m(more), 1e-5, 1e-6));
  nn::Summary s = nn::summary(m, {2, 7}, DType::Int64);
  EXPECT_EQ(s.output_shape, Shape({2, 4}));
  EXPECT_EQ(s.total_params, count_params(*m));
  EXPECT_ERROR_MENTIONS(m(randn({2, 6})), "TextEmbeddingBag: expected int64 token ids [N, L], got float32 [2, 6]");
  EXPECT_ERROR_MENTIONS(m(zeros({6}, DType::Int64)), "got int64 [6]");
  EXPECT_ERROR_MENTIONS(TextEmbeddingBag(TextEmbeddingBagOptions(10, 2).padding_idx(10)), "padding_idx");
}

TEST(TextEmbeddingBag, GradsTrainingStateDict) {
  manual_seed(7);
  auto [x, y] = text_data(40, 8, 40);
  TextEmbeddingBag m(TextEmbeddingBagOptions(40, 2).embed_dim(8));
  expect_grads_everywhere(*m, x, y);
  auto [before, after] = train_steps(*m, x, y, 40, 5e-2);
  EXPECT_LT(after, 0.5 * before);
  TextEmbeddingBag other(TextEmbeddingBagOptions(40, 2).embed_dim(8));
  expect_state_dict_round_trip(*m, *other, x);
}

TEST(TextGRU, ShapesParams) {
  TextGRU uni(TextGRUOptions(30, 3).embed_dim(8).hidden(6));
  EXPECT_EQ(count_params(*uni), 30 * 8 + gru_layer(8, 6) + linear(6, 3));
  TextGRU bi(TextGRUOptions(30, 3).embed_dim(8).hidden(6).num_layers(2).bidirectional(true).dropout(0.2));
  EXPECT_EQ(count_params(*bi), 30 * 8 + 2 * gru_layer(8, 6) + 2 * gru_layer(12, 6) + linear(12, 3));
  EXPECT_TRUE(bi->state_dict().contains("gru.weight_hh_l1_reverse"));
  Tensor x = padded_tokens({4, 2}, 5, 30);
  EXPECT_EQ(uni(x).sizes(), Shape({2, 3}));
  EXPECT_EQ(bi(x).sizes(), Shape({2, 3}));
  test_util::expect_values(uni->lengths_of(tensor({{3, 4, 0, 0}, {0, 0, 0, 0}, {5, 0, 7, 0}, {1, 1, 1, 1}})),
                           {2, 1, 3, 4});
  // An all-padding row counts as one step of the padding token: finite logits, no error.
  Tensor empty_row = zeros({1, 5}, DType::Int64);
  EXPECT_TRUE(bi(empty_row).isfinite().all().item<bool>());
  nn::Summary s = nn::summary(bi, {2, 5}, DType::Int64);
  EXPECT_EQ(s.output_shape, Shape({2, 3}));
  EXPECT_EQ(s.total_params, count_params(*bi));
  ASSERT_EQ(s.rows.size(), 4u);  // embedding, gru, dropout, fc
  EXPECT_EQ(s.rows[1].name, "gru");
  EXPECT_EQ(s.rows[1].output_shape, Shape({2, 12}));
  EXPECT_EQ(s.rows[1].params, 2 * gru_layer(8, 6) + 2 * gru_layer(12, 6));
  // Per step: 2 directions x (2 * 3H * (in + H) + 10H), layer inputs 8 then 12; 2 x 5 steps.
  EXPECT_EQ(s.rows[1].flops, 2 * 5 * 2 * ((6 * 6 * (8 + 6) + 60) + (6 * 6 * (12 + 6) + 60)));
  EXPECT_NE(printed(*bi).find("TextGRU("), std::string::npos);
}

TEST(TextGRU, PaddingNeverChangesLogits) {
  manual_seed(8);
  for (bool bidir : {false, true}) {
    for (int64_t layers : {1, 2}) {
      TextGRU m(TextGRUOptions(25, 4).embed_dim(6).hidden(5).num_layers(layers).bidirectional(bidir).dropout(0.3));
      m->eval();
      Tensor x = padded_tokens({5, 1, 3}, 5, 25);
      Tensor y = m(x);
      Tensor more = cat({x, zeros({3, 11}, DType::Int64)}, 1);
      EXPECT_TRUE(allclose(y, m(more), 1e-5, 1e-6)) << "bidirectional=" << bidir << " layers=" << layers;
      // Row by row, alone and unpadded, as well.
      for (int64_t i = 0; i < 3; ++i) {
        const int64_t len = std::vector<int64_t>{5, 1, 3}[size_t(i)];
        Tensor alone = m(x.narrow(0, i, 1).narrow(1, 0, len));
        EXPECT_TRUE(allclose(alone, y.narrow(0, i, 1), 1e-5, 1e-6)) << "row " << i;
      }
    }
  }
}

TEST(TextGRU, GradsTrainingStateDictErrors) {
  manual_seed(9);
  auto [x, y] = text_data(32, 8, 30);
  TextGRUOptions o = TextGRUOptions(30, 2).embed_dim(8).hidden(8).bidirectional(true).num_layers(2).dropout(0.1);
  TextGRU m(o);
  expect_grads_everywhere(*m, x, y);
  auto [before, after] = train_steps(*m, x, y, 40, 2e-2);
  EXPECT_LT(after, 0.5 * before);
  TextGRU other(o);
  expect_state_dict_round_trip(*m, *other, x);
  EXPECT_ERROR_MENTIONS(m(randn({2, 6})), "TextGRU: expected int64 token ids [N, L]");
  EXPECT_ERROR_MENTIONS(m(randn({2, 6})), "got float32 [2, 6]");
  EXPECT_ERROR_MENTIONS(m(zeros({2, 0}, DType::Int64)), "got int64 [2, 0]");
  EXPECT_ERROR_MENTIONS(TextGRU(TextGRUOptions(10, 2).num_layers(0)), "num_layers");
}
