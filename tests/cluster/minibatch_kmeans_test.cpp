// MiniBatchKMeans: the per-center learning-rate update by hand, fits on tensors and DataLoaders,
// determinism, bad input.
#include <gtest/gtest.h>

#include <set>

#include "descent/cluster/kmeans.h"
#include "descent/cluster/minibatch_kmeans.h"
#include "descent/data/data.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace descent::cluster;

namespace {

Tensor col(const std::vector<double>& v) { return from_vector(v, {int64_t(v.size()), 1}); }

// `per` points around each of four 3-D centers (std 0.3).
Tensor four_blobs(int64_t per, uint64_t seed) {
  Generator g(seed);
  Tensor centers = tensor({{0.0, 0.0, 0.0}, {5.0, 0.0, 0.0}, {0.0, 5.0, 0.0}, {0.0, 0.0, 5.0}}, kFloat64);
  Tensor idx = arange(4 * per, kInt64).div(per).floor().to(kInt64);
  // Interleave the blobs so that a sequential loader sees all of them early.
  Tensor order = randperm(4 * per, kInt64, &g);
  return centers.index_select(0, idx.index_select(0, order)) + randn({4 * per, 3}, kFloat64, &g).mul(0.3);
}

}  // namespace

TEST(MiniBatchKMeans, PerCenterLearningRateByHand) {
  MiniBatchKMeans m(MiniBatchKMeansOptions(2).seed(0));
  // First call: k-means++ on {0, 10} must take both points; the step then gives each center its own
  // point (counts 1, centers unchanged).
  m.partial_fit(col({0.0, 10.0}));
  auto c = test_util::vec(m.centers());
  std::sort(c.begin(), c.end());
  EXPECT_EQ(c, (std::vector<double>{0.0, 10.0}));
  EXPECT_EQ(m.counts(), (std::vector<double>{1.0, 1.0}));
  const int64_t a = m.predict(col({0.0})).to_vector<int64_t>()[0], b = 1 - a;
  // 2 joins center 0: (0 * 1 + 2) / 2 = 1.
  m.partial_fit(col({2.0}));
  EXPECT_DOUBLE_EQ(m.centers().at<double>({a, 0}), 1.0);
  EXPECT_DOUBLE_EQ(m.centers().at<double>({b, 0}), 10.0);
  // 4 joins center 1 (weight 2): (1 * 2 + 4) / 3 = 2; 13 joins 10 (weight 1): (10 + 13) / 2 = 11.5.
  m.partial_fit(col({4.0, 13.0}));
  EXPECT_DOUBLE_EQ(m.centers().at<double>({a, 0}), 2.0);
  EXPECT_DOUBLE_EQ(m.centers().at<double>({b, 0}), 11.5);
  EXPECT_EQ(m.counts()[size_t(a)], 3.0);
  EXPECT_EQ(m.counts()[size_t(b)], 2.0);
  EXPECT_EQ(m.n_steps(), 3);
}

TEST(MiniBatchKMeans, FitTensorCloseToKMeans) {
  Tensor x = four_blobs(250, 4);
  MiniBatchKMeans m(MiniBatchKMeansOptions(4).batch_size(64).max_iter(20).seed(1));
  m.fit(x);
  KMeans km(KMeansOptions(4).n_init(3).seed(1));
  km.fit(x);
  EXPECT_LT(m.inertia(), km.inertia() * 1.05);
  EXPECT_EQ(m.labels().sizes(), (Shape{1000}));
  EXPECT_NEAR(m.score(x), m.inertia(), 1e-9 * m.inertia());
  EXPECT_EQ(m.transform(x).sizes(), (Shape{1000, 4}));
  // Same seed, same result; also with another thread count.
  MiniBatchKMeans again(MiniBatchKMeansOptions(4).batch_size(64).max_iter(20).seed(1).threads(1));
  again.fit(x);
  EXPECT_TRUE(equal(again.centers(), m.centers()));
  EXPECT_GT(m.n_steps(), 0);
}

TEST(MiniBatchKMeans, StreamsFromDataLoader) {
  Tensor x = four_blobs(250, 5).to(kFloat32);
  auto ds = std::make_shared<data::TensorDataset>(x, zeros({1000}, kInt64));
  Tensor ref_c, ref_l;
  for (int threads : {1, 2}) {
    data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(50).shuffle(true).seed(3));
    MiniBatchKMeans m(MiniBatchKMeansOptions(4).max_iter(3).seed(2).threads(threads));
    m.fit(loader);
    ASSERT_EQ(m.labels().sizes(), (Shape{1000}));
    EXPECT_EQ(m.centers().dtype(), kFloat32);
    auto l = m.labels().to_vector<int64_t>();
    EXPECT_EQ(*std::min_element(l.begin(), l.end()), 0) << "every row labelled";
    // Labels are by dataset index: they agree with predict on the tensor.
    EXPECT_TRUE(equal(m.labels(), m.predict(x)));
    EXPECT_NEAR(m.inertia(), m.score(x), 1e-4 * m.inertia());
    // Four separated blobs: close to the optimum (1000 rows * 3 dims * 0.09).
    EXPECT_LT(m.inertia(), 1000 * 3 * 0.09 * 1.3);
    if (threads == 1) {
      ref_c = m.centers();
      ref_l = m.labels();
    } else {
      EXPECT_TRUE(equal(m.centers(), ref_c));
      EXPECT_TRUE(equal(m.labels(), ref_l));
    }
  }
}

TEST(MiniBatchKMeans, DataLoaderOfImages) {
  // uint8 images [N, 1, 4, 4] through ToTensor-free batches: flattened, computed in float32.
  Generator g(8);
  Tensor imgs = randint(0, 256, {64, 1, 4, 4}, kInt64, &g).to(DType::UInt8);
  auto ds = std::make_shared<data::TensorDataset>(imgs);
  data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(16));
  MiniBatchKMeans m(MiniBatchKMeansOptions(3).max_iter(2).seed(0));
  m.fit(loader);
  EXPECT_EQ(m.centers().sizes(), (Shape{3, 16}));
  EXPECT_EQ(m.labels().sizes(), (Shape{64}));
}

TEST(MiniBatchKMeans, BadInput) {
  EXPECT_ERROR_MENTIONS(MiniBatchKMeans(MiniBatchKMeansOptions(0)), "n_clusters");
  EXPECT_ERROR_MENTIONS(MiniBatchKMeans(MiniBatchKMeansOptions(2).batch_size(0)), "batch_size");
  EXPECT_ERROR_MENTIONS(MiniBatchKMeans(MiniBatchKMeansOptions(2).init("x")), "init");
  EXPECT_ERROR_MENTIONS(MiniBatchKMeans(MiniBatchKMeansOptions(2).reassignment_ratio(-1)), "reassignment_ratio");
  MiniBatchKMeans m(MiniBatchKMeansOptions(3));
  EXPECT_ERROR_MENTIONS(m.fit(col({1.0, 2.0})), "n_clusters = 3");
  EXPECT_ERROR_MENTIONS(m.partial_fit(col({1.0, 2.0})), "at least n_clusters = 3");
  EXPECT_ERROR_MENTIONS(m.predict(col({1.0})), "fit() or partial_fit() first");
  m.partial_fit(col({1.0, 2.0, 3.0}));
  EXPECT_ERROR_MENTIONS(m.partial_fit(tensor({{1.0, 2.0}, {3.0, 4.0}})), "2 features");
  auto ds = std::make_shared<data::TensorDataset>(col({1.0, 2.0}));
  data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(1));
  EXPECT_ERROR_MENTIONS(m.fit(loader), "fewer than n_clusters = 3");
}

TEST(MiniBatchKMeans, StopsEarly) {
  Tensor x = four_blobs(250, 6);
  // max_iter 50 epochs of batch 100 = 500 steps; the smoothed inertia stops improving long before.
  MiniBatchKMeans m(MiniBatchKMeansOptions(4).batch_size(100).max_iter(50).max_no_improvement(3).seed(0));
  m.fit(x);
  EXPECT_LT(m.n_steps(), 500);
  // tol on the center change stops it too.
  MiniBatchKMeans t(MiniBatchKMeansOptions(4).batch_size(100).max_iter(50).max_no_improvement(0).tol(0.01).seed(0));
  t.fit(x);
  EXPECT_LT(t.n_steps(), 500);
  // Neither: all 500 steps.
  MiniBatchKMeans all(MiniBatchKMeansOptions(4).batch_size(100).max_iter(50).max_no_improvement(0).seed(0));
  all.fit(x);
  EXPECT_EQ(all.n_steps(), 500);
}
