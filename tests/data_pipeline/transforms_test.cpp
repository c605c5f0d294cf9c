// Transforms: values against hand-derived PyTorch/torchvision results.
#include <cmath>

#include "data_test_util.h"
#include "test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using test_util::expect_values;

namespace {
Tensor u8(const std::vector<uint8_t>& v, const Shape& shape) { return from_vector(v, shape); }
}  // namespace

TEST(Transforms, ToTensorScalesAndMovesChannelsFirst) {
  // [H=1, W=2, C=3] pixels (0, 51, 255) and (255, 102, 0).
  Tensor img = u8({0, 51, 255, 255, 102, 0}, {1, 2, 3});
  Tensor t = ToTensor()(img);
  EXPECT_EQ(t.sizes(), Shape({3, 1, 2}));
  EXPECT_EQ(t.dtype(), kFloat32);
  expect_values(t, {0, 1, 0.2, 0.4, 1, 0});
  Tensor gray = ToTensor()(u8({0, 255, 128, 64}, {2, 2}));
  EXPECT_EQ(gray.sizes(), Shape({1, 2, 2}));
  expect_values(gray, {0, 1, 128 / 255.0, 64 / 255.0});
  EXPECT_NE(error_of([] { ToTensor()(zeros({2, 2})); }).find("uint8"), std::string::npos);
  EXPECT_NE(error_of([] { ToTensor()(zeros({2, 2, 2, 2}, kUInt8)); }).find("shape [2, 2, 2, 2]"), std::string::npos);
}

TEST(Transforms, NormalizeAndComputedStats) {
  Tensor x = tensor({{{0.0, 1.0}}, {{2.0, 4.0}}});  // [2, 1, 2]
  expect_values(Normalize({0.5, 2.0}, {0.5, 2.0})(x), {-1, 1, 0, 1});
  expect_values(Normalize({1.0}, {2.0})(x), {-0.5, 0, 0.5, 1.5});
  EXPECT_NE(error_of([&] { Normalize({1, 2, 3}, {1, 1, 1})(x); }).find("3 means"), std::string::npos);
  EXPECT_NE(error_of([] { Normalize({0}, {0}); }).find("non-zero"), std::string::npos);
  EXPECT_NE(error_of([] { Normalize({0}, {1})(zeros({2, 2}, kUInt8)); }).find("ToTensor"), std::string::npos);

  // Stats of a dataset: per channel over all samples and pixels (population std).
  Tensor data = rand({40, 2, 3, 3}) * tensor({1.0, 5.0}).reshape({1, 2, 1, 1}) + tensor({0.0, 10.0}).reshape({1, 2, 1, 1});
  TensorDataset ds(data);
  ChannelStats s = compute_mean_std(ds);
  ASSERT_EQ(s.mean.size(), 2u);
  Tensor perm = data.transpose(0, 1).reshape({2, -1}).to(kFloat64);
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(s.mean[size_t(c)], perm[c].mean().item<double>(), 1e-9);
    EXPECT_NEAR(s.std[size_t(c)], perm[c].std({}, 0).item<double>(), 1e-9);
  }
  // Normalizing with them gives zero mean and unit std.
  MapDataset normed(std::make_shared<TensorDataset>(data), Normalize(s.mean, s.std));
  ChannelStats n = compute_mean_std(normed);
  EXPECT_NEAR(n.mean[0], 0, 1e-6);
  EXPECT_NEAR(n.std[1], 1, 1e-6);
  EXPECT_NE(error_of([] { compute_mean_std(TensorDataset(zeros({0, 1, 2, 2}))); }).find("empty"), std::string::npos);
}

TEST(Transforms, ResizeMatchesPyTorchBilinear) {
  // F.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False) of [[1, 2], [3, 4]].
  Tensor x = tensor({{{1.0, 2.0}, {3.0, 4.0}}});
  expect_values(Resize(4, 4)(x), {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0});
  // Downscaling 4x4 -> 2x2 averages 2x2 blocks (antialias=False samples at the block centres).
  expect_values(Resize(2, 2)(arange(0, 16, 1, kFloat32).reshape({1, 4, 4})), {2.5, 4.5, 10.5, 12.5});
  // A non-integer ratio: 3 -> 2 samples at 0.25 and 1.75.
  expect_values(image::resize(tensor({{0.0, 10.0, 20.0}}), 1, 2), {2.5, 17.5});
  // uint8 [H, W, C]: computed in float, rounded half to even; channels stay separate.
  Tensor px = u8({0, 100, 255, 50}, {1, 2, 2});
  Tensor r = Resize(1, 4)(px);
  EXPECT_EQ(r.sizes(), Shape({1, 4, 2}));
  EXPECT_EQ(r.dtype(), kUInt8);
  expect_values(r, {0, 100, 64, 88, 191, 62, 255, 50});
  // Smaller edge: [3, 4, 8] -> short side 2, long side int(2 * 8 / 4) = 4.
  EXPECT_EQ(Resize(2)(zeros({3, 4, 8})).sizes(), Shape({3, 2, 4}));
  EXPECT_EQ(Resize(3)(zeros({10, 7}, kUInt8)).sizes(), Shape({4, 3}));
  // Identity size is exact.
  Tensor y = rand({3, 5, 6});
  EXPECT_TRUE(equal(Resize(5, 6)(y), y));
  EXPECT_NE(error_of([] { Resize(0, 2); }).find("positive"), std::string::npos);
  EXPECT_NE(error_of([] { Resize(2, 2)(zeros({2, 2}, kInt64)); }).find("int64"), std::string::npos);
}

TEST(Transforms, CentreAndRandomCrops) {
  Tensor img = arange(0, 25, 1, kFloat32).reshape({1, 5, 5});
  // torchvision: top = left = round((5 - 2) / 2) = round(1.5) = 2.
  expect_values(CenterCrop(2)(img), {12, 13, 17, 18});
  expect_values(CenterCrop(3)(img), {6, 7, 8, 11, 12, 13, 16, 17, 18});
  // round(2.5) = 2 (half to even): 7 -> 2 starts at 2.
  expect_values(CenterCrop(2)(arange(0, 49, 1, kFloat32).reshape({1, 7, 7})), {16, 17, 23, 24});
  // A crop larger than the image zero-pads (floor of the padding before).
  expect_values(CenterCrop(4)(tensor({{{1.0, 2.0}, {3.0, 4.0}}})), {0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0});
  expect_values(CenterCrop(3)(tensor({{{1.0, 2.0}, {3.0, 4.0}}})), {1, 2, 0, 3, 4, 0, 0, 0, 0});
  // uint8 HWC keeps channels together.
  Tensor hwc = arange(0, 18, 1, kUInt8).reshape({3, 3, 2});
  expect_values(CenterCrop(1)(hwc), {8, 9});

  // RandomCrop with padding: always one of the shifted windows of the zero-padded image.
  Tensor im = rand({2, 6, 6});
  RandomCrop rc(6, 2);
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (uint64_t s = 0; s < 200; ++s) {
    SampleRng rng(s, 0, 0);
    Tensor out = rc(im, rng);
    bool found = false;
    for (int64_t t = -2; t <= 2 && !found; ++t)
      for (int64_t l = -2; l <= 2 && !found; ++l)
        if (equal(out, image::crop(im, t, l, 6, 6))) {
          found = true;
          offsets.insert({t, l});
        }
    EXPECT_TRUE(found);
  }
  EXPECT_EQ(offsets.size(), 25u);
  SampleRng rng(0, 0, 0);
  EXPECT_TRUE(equal(RandomCrop(6)(im, rng), im));
  EXPECT_NE(error_of([&] { RandomCrop(9, 1)(im, rng); }).find("larger than the padded image 8 x 8"), std::string::npos);
}

TEST(Transforms, FlipRotateGrayscaleChannelsLast) {
  Tensor img = arange(0, 6, 1, kFloat32).reshape({1, 2, 3});
  expect_values(image::hflip(img), {2, 1, 0, 5, 4, 3});
  expect_values(image::hflip(u8({1, 2, 3, 4, 5, 6}, {1, 3, 2})), {5, 6, 3, 4, 1, 2});
  RandomHorizontalFlip always(1.0), never(0.0);
  SampleRng rng(1, 2, 3);
  EXPECT_TRUE(equal(always(img, rng), image::hflip(img)));
  EXPECT_TRUE(equal(never(img, rng), img));

  // Rotation: 0 is the identity; 90 degrees counter-clockwise is np.rot90.
  Tensor sq = arange(0, 9, 1, kFloat32).reshape({1, 3, 3});
  EXPECT_TRUE(equal(image::rotate(sq, 0), sq));
  expect_values(image::rotate(sq, 90), {2, 5, 8, 1, 4, 7, 0, 3, 6}, 1e-5);
  expect_values(image::rotate(sq, 180), {8, 7, 6, 5, 4, 3, 2, 1, 0}, 1e-5);
  // 45 degrees on a 5x5 image of ones: the corner samples (2, 2 - 2 sqrt 2), a 0.17 weight inside.
  Tensor r45 = image::rotate(ones({1, 5, 5}), 45);
  EXPECT_NEAR(r45.at<float>({0, 0, 0}), 3.0 - 2.0 * std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(r45.at<float>({0, 2, 2}), 1.0, 1e-6);
  // RandomRotation draws its angle from the sample's stream: repeatable per (seed, epoch, position).
  RandomRotation rot(10);
  Tensor big = rand({3, 8, 8});
  SampleRng r1(4, 0, 1), r2(4, 0, 1), r3(4, 0, 2);
  EXPECT_TRUE(equal(rot(big, r1), rot(big, r2)));
  EXPECT_FALSE(equal(rot(big, r1), rot(big, r3)));
  EXPECT_EQ(image::rotate(u8({0, 255, 255, 0}, {2, 2}), 90).dtype(), kUInt8);

  // ITU-R 601-2 luma.
  Tensor rgb = u8({255, 0, 0, 10, 20, 30}, {1, 2, 3});
  Tensor g = Grayscale()(rgb);
  EXPECT_EQ(g.sizes(), Shape({1, 2, 1}));
  expect_values(g, {76, 18});  // 76.245 and 18.15, rounded
  Tensor f = tensor({{{1.0}}, {{0.5}}, {{0.25}}});  // [3, 1, 1]
  expect_values(Grayscale()(f), {0.299 + 0.2935 + 0.0285});
  EXPECT_EQ(Grayscale(3)(f).sizes(), Shape({3, 1, 1}));
  EXPECT_NE(error_of([] { Grayscale()(zeros({4, 2, 2})); }).find("1 or 3 channels"), std::string::npos);

  Tensor x = rand({3, 4, 5});
  Tensor cl = ToChannelsLast()(x);
  EXPECT_EQ(cl.sizes(), x.sizes());
  EXPECT_EQ(cl.strides(), Shape({1, 15, 3}));
  EXPECT_TRUE(equal(cl.contiguous(), x));
  EXPECT_NE(error_of([] { ToChannelsLast()(zeros({2, 2, 3}, kUInt8)); }).find("after ToTensor"), std::string::npos);
}

TEST(Transforms, ComposeAppliesInOrder) {
  Tensor img = u8({0, 255, 51, 102}, {2, 2});
  Compose c({ToTensor(), Normalize({0.5}, {0.5}), CenterCrop(1)});
  Tensor y = c(img);
  EXPECT_EQ(y.sizes(), Shape({1, 1, 1}));
  // round((2 - 1) / 2) = 0: the top-left pixel, 0 -> (0 - 0.5) / 0.5.
  expect_values(y, {-1.0});
  std::vector<TensorTransform> list = {ToTensor(), [](const Tensor& t, SampleRng&) { return t * 2.0; }};
  expect_values(Compose(list)(img), {0, 2, 0.4, 0.8}, 1e-6);
}

// ---- augmentations (semi-supervised strong views) ----

namespace {
// The number of elements of t equal to v.
int64_t count_equal(const Tensor& t, double v) { return t.eq(v).to(kInt64).sum().item<int64_t>(); }
}  // namespace

TEST(Transforms, RandomErasingErasesOneRectangle) {
  Tensor img = full({3, 16, 20}, 0.5);
  SampleRng rng(1, 2, 3);
  int64_t erased_images = 0;
  for (int k = 0; k < 50; ++k) {
    Tensor y = RandomErasing(1.0, 0.05, 0.25, 0.5, 2.0, -1.0)(img, rng);
    EXPECT_EQ(y.sizes(), img.sizes());
    const int64_t n = count_equal(y, -1.0);
    ASSERT_EQ(n % 3, 0);  // every channel of the same pixels
    const int64_t area = n / 3;
    EXPECT_GE(area, 1);
    EXPECT_LE(area, int64_t(0.25 * 320 * 1.3) + 8);  // the scale bound, with rounding of the sides
    erased_images += area > 0;
    // One rectangle: its rows and columns span exactly the erased area.
    Tensor mask = y.select(0, 0).eq(-1.0);
    const int64_t rows = mask.any(1).to(kInt64).sum().item<int64_t>(), cols = mask.any(0).to(kInt64).sum().item<int64_t>();
    EXPECT_EQ(rows * cols, area);
  }
  EXPECT_EQ(erased_images, 50);
  EXPECT_TRUE(equal(RandomErasing(0.0)(img, rng), img));  // p = 0: untouched
  EXPECT_NE(error_of([] { RandomErasing(1.5); }).find("p must be in [0, 1]"), std::string::npos);
  EXPECT_NE(error_of([] { RandomErasing(0.5, 0.5, 0.1); }).find("scale"), std::string::npos);
}

TEST(Transforms, ColorJitterBrightnessAndContrast) {
  Tensor img = from_vector(std::vector<float>{0.2f, 0.4f, 0.6f, 0.8f}, {1, 2, 2});
  SampleRng rng(4, 5, 6);
  for (int k = 0; k < 20; ++k) {
    // Contrast alone keeps the mean (0.5) and scales the deviations by one factor c.
    Tensor y = ColorJitter(0.0, 0.5, false)(img, rng);
    EXPECT_NEAR(y.mean().item<double>(), 0.5, 1e-6);
    const double c = (y.flatten()[3].item<double>() - 0.5) / 0.3;
    EXPECT_GE(c, 0.5 - 1e-6);
    EXPECT_LE(c, 1.5 + 1e-6);
    expect_values(y, {0.5 - 0.3 * c, 0.5 - 0.1 * c, 0.5 + 0.1 * c, 0.5 + 0.3 * c}, 1e-5);
    // Brightness alone multiplies by one factor in [0.6, 1.4], clamped to [0, 1].
    Tensor z = ColorJitter(0.4, 0.0)(img, rng);
    const double b = z.flatten()[0].item<double>() / 0.2;
    EXPECT_GE(b, 0.6 - 1e-6);
    EXPECT_LE(b, 1.4 + 1e-6);
    EXPECT_LE(z.max().item<double>(), 1.0);
  }
  EXPECT_TRUE(equal(ColorJitter()(img, rng), img));
  EXPECT_NE(error_of([] { ColorJitter(-1); }).find("brightness"), std::string::npos);
}

TEST(Transforms, SpecAugmentMasksAndTimeShift) {
  Tensor spec = arange(1, 1 + 2 * 8 * 12, 1, TensorOptions().dtype(kFloat32)).reshape({2, 8, 12});  // no zeros
  SampleRng rng(7, 8, 9);
  for (int k = 0; k < 30; ++k) {
    Tensor f = FrequencyMasking(3)(spec, rng);
    const int64_t zeros_f = count_equal(f, 0.0);
    EXPECT_EQ(zeros_f % (2 * 12), 0);  // whole frequency rows of every channel
    EXPECT_LE(zeros_f / 24, 3);
    Tensor t = TimeMasking(4, 2)(spec, rng);
    const int64_t zeros_t = count_equal(t, 0.0);
    EXPECT_EQ(zeros_t % (2 * 8), 0);  // whole time columns
    EXPECT_LE(zeros_t / 16, 8);
  }
  // TimeShift rolls: the same values, moved along the last axis.
  Tensor wave = arange(0, 10, 1, TensorOptions().dtype(kFloat32)).reshape({1, 10});
  bool moved = false;
  for (int k = 0; k < 20; ++k) {
    Tensor y = TimeShift(3)(wave, rng);
    const int64_t first = y.flatten()[0].item<int64_t>();
    const int64_t shift = (10 - first) % 10;
    EXPECT_TRUE(shift <= 3 || shift >= 7) << first;
    for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(y.flatten()[i].item<int64_t>(), (first + i) % 10);
    moved = moved || first != 0;
  }
  EXPECT_TRUE(moved);
  // Gaussian noise: the right spread, and the same noise for the same sample stream.
  Tensor z = zeros({20000});
  SampleRng a(1, 1, 1), b(1, 1, 1);
  Tensor n1 = GaussianNoise(0.5)(z, a), n2 = GaussianNoise(0.5)(z, b);
  EXPECT_TRUE(equal(n1, n2));
  EXPECT_NEAR(n1.std().item<double>(), 0.5, 0.02);
  EXPECT_NE(error_of([] { GaussianNoise(0.1)(zeros({3}, kInt64)); }).find("floating"), std::string::npos);
}
