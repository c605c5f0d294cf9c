// KMeans: hand-computed cases, Lloyd's monotone inertia, determinism over thread counts, empty
// clusters, bad input.
#include <gtest/gtest.h>

#include <set>

#include "descent/cluster/kmeans.h"
#include "descent/descent.h"
#include "test_util.h"

using namespace descent;
using namespace descent::cluster;

namespace {

// `per` points around each of the given 2-D centers (normal noise of std `spread`).
Tensor blobs(int64_t per, const std::vector<std::pair<double, double>>& at, double spread = 0.5, uint64_t seed = 1) {
  Generator g(seed);
  std::vector<double> v;
  for (auto [cx, cy] : at)
    for (int64_t i = 0; i < per; ++i) {
      v.push_back(cx + spread * Generator::normal(seed, g.reserve(1)));
      v.push_back(cy + spread * Generator::normal(seed, g.reserve(1)));
    }
  return from_vector(v, {int64_t(at.size()) * per, 2});
}

// A float64 column [N, 1].
Tensor col(const std::vector<double>& v) { return from_vector(v, {int64_t(v.size()), 1}); }

const std::vector<std::pair<double, double>> kThree = {{0, 0}, {10, 0}, {0, 10}};

}  // namespace

TEST(KMeans, HandComputedTwoClusters) {
  // Two obvious groups on a line: {0, 1, 2} and {10, 11}; centers 1 and 10.5,
  // inertia (1 + 0 + 1) + (0.25 + 0.25) = 2.5.
  Tensor x = col({0.0, 1.0, 2.0, 10.0, 11.0});
  KMeans km(KMeansOptions(2).n_init(3).seed(0));
  km.fit(x);
  auto c = test_util::vec(km.centers());
  std::sort(c.begin(), c.end());
  EXPECT_NEAR(c[0], 1.0, 1e-12);
  EXPECT_NEAR(c[1], 10.5, 1e-12);
  EXPECT_NEAR(km.inertia(), 2.5, 1e-12);
  auto l = km.labels().to_vector<int64_t>();
  EXPECT_EQ(l[0], l[1]);
  EXPECT_EQ(l[1], l[2]);
  EXPECT_EQ(l[3], l[4]);
  EXPECT_NE(l[0], l[3]);
  EXPECT_EQ(km.centers().dtype(), kFloat64);
  EXPECT_EQ(km.labels().dtype(), kInt64);
  // predict / transform on new points: distances are Euclidean.
  Tensor d = km.transform(col({1.0, 10.0}));
  ASSERT_EQ(d.sizes(), (Shape{2, 2}));
  Tensor p = km.predict(col({1.0, 10.0}));
  EXPECT_EQ(p.to_vector<int64_t>()[0], l[0]);
  EXPECT_EQ(p.to_vector<int64_t>()[1], l[3]);
  EXPECT_NEAR(d.at<double>({0, l[0]}), 0.0, 1e-12);
  EXPECT_NEAR(d.at<double>({0, l[3]}), 9.5, 1e-12);
  EXPECT_NEAR(km.score(x), 2.5, 1e-12);
}

TEST(KMeans, GivenCentersOneLloydStep) {
  // From centers 0 and 5 on {0, 1, 2, 10, 11}: step 1 assigns {0,1,2} -> 0, {10,11} -> 1, giving
  // centers 1 and 10.5; step 2 changes no label, so it stops after 2 iterations.
  Tensor x = col({0.0, 1.0, 2.0, 10.0, 11.0});
  KMeans km(KMeansOptions(2));
  km.set_init_centers(col({0.0, 5.0}));
  km.fit(x);
  test_util::expect_values(km.centers(), {1.0, 10.5}, 1e-12);
  EXPECT_EQ(km.labels().to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(km.n_iter(), 2);
  // max_iter 1: one update, then labels recomputed against the final centers.
  KMeans one(KMeansOptions(2).max_iter(1));
  one.set_init_centers(col({0.0, 1.5}));
  one.fit(x);
  // Step 1: {0} -> 0 and {1, 2, 10, 11} -> 1: centers 0 and 6; then 2 is nearer 0 than 6.
  test_util::expect_values(one.centers(), {0.0, 6.0}, 1e-12);
  EXPECT_EQ(one.labels().to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 1, 1}));
  EXPECT_NEAR(one.inertia(), 0 + 1 + 4 + 16 + 25, 1e-12);
  EXPECT_EQ(one.n_iter(), 1);
}

TEST(KMeans, FindsSeparatedBlobs) {
  Tensor x = blobs(50, kThree);
  for (const char* init : {"k-means++", "random"}) {
    KMeans km(KMeansOptions(3).init(init).n_init(4).seed(3));
    Tensor labels = km.fit_predict(x);
    auto l = labels.to_vector<int64_t>();
    for (int b = 0; b < 3; ++b) {
      std::set<int64_t> s(l.begin() + b * 50, l.begin() + (b + 1) * 50);
      EXPECT_EQ(s.size(), 1u) << init << " blob " << b;
    }
    std::set<int64_t> all(l.begin(), l.end());
    EXPECT_EQ(all.size(), 3u) << init;
    // Inertia is about 150 points * 2 dims * 0.25 variance.
    EXPECT_LT(km.inertia(), 150 * 2 * 0.25 * 1.5) << init;
  }
}

TEST(KMeans, InertiaNeverIncreasesOverLloydSteps) {
  Tensor x = randn({600, 5}, kFloat64, nullptr);
  Generator g(7);
  x = randn({600, 5}, kFloat64, &g);
  double prev = 1e300;
  for (int64_t it = 1; it <= 15; ++it) {
    KMeans km(KMeansOptions(8).init("random").max_iter(it).tol(0.0).seed(11));
    km.fit(x);
    EXPECT_LE(km.inertia(), prev * (1 + 1e-12)) << "after " << it << " iterations";
    prev = km.inertia();
  }
}

TEST(KMeans, SameSeedSameResultForAnyThreadCount) {
  Generator g(5);
  Tensor x = randn({3000, 17}, kFloat32, &g);
  Tensor ref_c, ref_l;
  double ref_inertia = 0;
  for (int threads : {1, 2, 3}) {
    KMeans km(KMeansOptions(7).n_init(2).seed(42).threads(threads));
    km.fit(x);
    if (threads == 1) {
      ref_c = km.centers();
      ref_l = km.labels();
      ref_inertia = km.inertia();
      continue;
    }
    EXPECT_TRUE(equal(km.centers(), ref_c)) << threads << " threads";
    EXPECT_TRUE(equal(km.labels(), ref_l)) << threads << " threads";
    EXPECT_EQ(km.inertia(), ref_inertia) << threads << " threads";
  }
  // A different seed gives a different start (and here a different result).
  KMeans other(KMeansOptions(7).n_init(1).seed(43));
  other.fit(x);
  KMeans same(KMeansOptions(7).n_init(1).seed(43));
  same.fit(x);
  EXPECT_TRUE(equal(other.centers(), same.centers()));
}

TEST(KMeans, EmptyClusterRelocatedToFarthestPoint) {
  // Start with a center (100) that attracts no point: scikit-learn moves it to the point farthest
  // from its center. Step 1: all points go to center 0 (at 0); the farthest is 11, which becomes
  // cluster 1 alone; cluster 0 is the mean of {0, 1, 2, 10} = 3.25.
  Tensor x = col({0.0, 1.0, 2.0, 10.0, 11.0});
  KMeans km(KMeansOptions(2).max_iter(1));
  km.set_init_centers(col({0.0, 100.0}));
  km.fit(x);
  test_util::expect_values(km.centers(), {3.25, 11.0}, 1e-12);
  // Labels are recomputed against the final centers: 10 is nearer 11.
  EXPECT_EQ(km.labels().to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 1, 1}));
  // Run to convergence: the usual two clusters.
  KMeans full(KMeansOptions(2));
  full.set_init_centers(col({0.0, 100.0}));
  full.fit(x);
  test_util::expect_values(full.centers(), {1.0, 10.5}, 1e-12);
}

TEST(KMeans, DuplicatePointsKEqualsN) {
  // Fewer distinct points than clusters: no crash, inertia 0.
  Tensor x = tensor({{1.0, 1.0}, {1.0, 1.0}, {2.0, 2.0}});
  KMeans km(KMeansOptions(3).seed(1));
  km.fit(x);
  EXPECT_NEAR(km.inertia(), 0.0, 1e-12);
}

TEST(KMeans, FlattensImagesAndConvertsDtypes) {
  Generator g(2);
  Tensor x = rand({40, 1, 4, 4}, kFloat32, &g);
  KMeans km(KMeansOptions(3).seed(0));
  km.fit(x);
  EXPECT_EQ(km.centers().sizes(), (Shape{3, 16}));
  EXPECT_EQ(km.centers().dtype(), kFloat32);
  EXPECT_EQ(km.labels().sizes(), (Shape{40}));
  // uint8 input computes in float32.
  KMeans k8(KMeansOptions(2).seed(0));
  k8.fit(col({0, 1, 9, 10}).to(DType::UInt8));
  EXPECT_EQ(k8.centers().dtype(), kFloat32);
  EXPECT_NEAR(k8.inertia(), 1.0, 1e-6);
  // Float32 and float64 agree on the same data.
  KMeans k64(KMeansOptions(3).seed(0));
  k64.fit(x.to(kFloat64));
  EXPECT_NEAR(k64.inertia(), km.inertia(), 1e-4 * km.inertia());
}

TEST(KMeans, BadInput) {
  EXPECT_ERROR_MENTIONS(KMeans(KMeansOptions(0)), "n_clusters");
  EXPECT_ERROR_MENTIONS(KMeans(KMeansOptions(2).init("kmeans")), "init");
  EXPECT_ERROR_MENTIONS(KMeans(KMeansOptions(2).n_init(0)), "n_init");
  EXPECT_ERROR_MENTIONS(KMeans(KMeansOptions(2).max_iter(0)), "max_iter");
  EXPECT_ERROR_MENTIONS(KMeans(KMeansOptions(2).tol(-1)), "tol");
  KMeans km(KMeansOptions(4));
  EXPECT_ERROR_MENTIONS(km.fit(col({1.0, 2.0, 3.0})), "n_clusters = 4");
  EXPECT_ERROR_MENTIONS(km.fit(tensor({1.0, 2.0, 3.0, 4.0, 5.0})), "[N, D]");
  EXPECT_ERROR_MENTIONS(km.fit(tensor({{1.0}, {test_util::kNaN}, {3.0}, {4.0}, {5.0}})), "non-finite");
  EXPECT_ERROR_MENTIONS(km.predict(col({1.0})), "fit() first");
  EXPECT_ERROR_MENTIONS(km.labels(), "fit() first");
  KMeans ok(KMeansOptions(1));
  ok.fit(tensor({{1.0, 2.0}, {3.0, 4.0}}));
  EXPECT_ERROR_MENTIONS(ok.predict(tensor({{1.0, 2.0, 3.0}})), "3 features");
  EXPECT_ERROR_MENTIONS(ok.set_init_centers(tensor({{1.0, 2.0}, {3.0, 4.0}})), "[1, D]");
}

TEST(KMeans, BlockedDistancesMatchBruteForce) {
  // 700 rows: three GEMM blocks of 256, the last one partial.
  Generator g(12);
  Tensor x = randn({700, 9}, kFloat64, &g);
  KMeans km(KMeansOptions(5).seed(4));
  km.fit(x);
  Tensor c = km.centers();
  Tensor brute = (x.unsqueeze(1) - c.unsqueeze(0)).square().sum({2}).sqrt();  // [700, 5]
  EXPECT_TRUE(allclose(km.transform(x), brute, 1e-9, 1e-9));
  EXPECT_TRUE(equal(km.predict(x), brute.argmin(1)));
  EXPECT_TRUE(equal(km.labels(), brute.argmin(1)));
  EXPECT_NEAR(km.inertia(), brute.min(1).first.square().sum().item<double>(), 1e-9 * km.inertia());
}
