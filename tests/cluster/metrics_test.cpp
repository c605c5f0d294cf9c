// Clustering metrics against hand-computed values and scikit-learn's (golden file); KMeans against
// scikit-learn from the same initial centers.
#include <gtest/gtest.h>

#include "descent/cluster/kmeans.h"
#include "descent/cluster/metrics.h"
#include "descent/descent.h"
#include "golden.h"
#include "test_util.h"

using namespace descent;
using namespace descent::cluster;
using cluster_test::golden;

namespace {
Tensor ints(std::vector<int64_t> v) { return from_vector(v, {int64_t(v.size())}); }
}  // namespace

TEST(ClusterMetrics, HandComputed) {
  // true {0,0,1,1}, pred {0,0,0,1}: contingency [[2,0],[1,1]].
  Tensor t = ints({0, 0, 1, 1}), p = ints({0, 0, 0, 1});
  // Purity: cluster 0 holds {0,0,1} (2 of class 0), cluster 1 holds {1}: (2 + 1) / 4.
  EXPECT_DOUBLE_EQ(purity(t, p), 0.75);
  // Pairs: tp = 1 ((0,1)), fp = 2, fn = 1, tn = 2 (ordered pairs doubled: scikit-learn's counts);
  // ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)) with the doubled counts
  // 2, 4, 2, 4: 2 (8 - 8) / (...) = 0.
  EXPECT_NEAR(adjusted_rand_index(t, p), 0.0, 1e-15);
  // MI = sum p_ij log(p_ij / (p_i p_j)): 0.5 log(0.5 / (0.5 * 0.75)) + 0.25 log(0.25 / (0.5 * 0.75))
  //      + 0.25 log(0.25 / (0.5 * 0.25)).
  const double mi = 0.5 * std::log(0.5 / 0.375) + 0.25 * std::log(0.25 / 0.375) + 0.25 * std::log(2.0);
  EXPECT_NEAR(mutual_info(t, p), mi, 1e-15);
  const double ht = std::log(2.0), hp = -(0.75 * std::log(0.75) + 0.25 * std::log(0.25));
  EXPECT_NEAR(normalized_mutual_info(t, p), mi / (0.5 * (ht + hp)), 1e-15);
  // Identical partitions up to renaming.
  EXPECT_DOUBLE_EQ(adjusted_rand_index(ints({3, 3, 5, 5, 9}), ints({1, 1, 0, 0, 7})), 1.0);
  EXPECT_DOUBLE_EQ(normalized_mutual_info(ints({3, 3, 5, 5, 9}), ints({1, 1, 0, 0, 7})), 1.0);
  // Inertia: rows (0,0), (2,0), (10,0) with centers (1,0), (10,0): 1 + 1 + 0.
  Tensor x = tensor({{0.0, 0.0}, {2.0, 0.0}, {10.0, 0.0}});
  EXPECT_DOUBLE_EQ(inertia(x, tensor({{1.0, 0.0}, {10.0, 0.0}}), ints({0, 0, 1})), 2.0);
  // Silhouette of 1-D points {0, 1} and {5}: a singleton scores 0; for 0: a = 1, b = 5 -> 0.8;
  // for 1: a = 1, b = 4 -> 0.75.
  Tensor s = silhouette_samples(tensor({{0.0}, {1.0}, {5.0}}), ints({0, 0, 1}));
  test_util::expect_values(s, {0.8, 0.75, 0.0}, 1e-6);
  EXPECT_NEAR(silhouette_score(tensor({{0.0}, {1.0}, {5.0}}), ints({0, 0, 1})), (0.8 + 0.75) / 3, 1e-6);
}

TEST(ClusterMetrics, LabelingsMatchScikitLearn) {
  for (const auto& c : golden()["labelings"]) {
    const std::string name = c["name"];
    Tensor t = cluster_test::i64(c["true"]), p = cluster_test::i64(c["pred"]);
    EXPECT_NEAR(adjusted_rand_index(t, p), c["ari"].get<double>(), 1e-12) << name;
    EXPECT_NEAR(mutual_info(t, p), c["mi"].get<double>(), 1e-12) << name;
    EXPECT_NEAR(normalized_mutual_info(t, p), c["nmi"].get<double>(), 1e-12) << name;
    EXPECT_NEAR(purity(t, p), c["purity"].get<double>(), 1e-12) << name;
  }
}

TEST(ClusterMetrics, SilhouetteMatchesScikitLearn) {
  const auto& g = golden()["silhouette"];
  Tensor x = cluster_test::matrix(g), labels = cluster_test::i64(g["labels"]);
  test_util::expect_values(silhouette_samples(x, labels), g["samples"].get<std::vector<double>>(), 1e-10);
  EXPECT_NEAR(silhouette_score(x, labels), g["score"].get<double>(), 1e-12);
  // Float32 input gives about the same.
  EXPECT_NEAR(silhouette_score(x.to(kFloat32), labels), g["score"].get<double>(), 1e-6);
}

TEST(ClusterMetrics, SilhouetteSampled) {
  Generator gen(3);
  Tensor x = randn({400, 3}, kFloat64, &gen);
  Tensor labels = (x.select(1, 0) > 0).to(kInt64);
  const double exact = silhouette_score(x, labels, SilhouetteOptions().sample_size(0));
  const double a = silhouette_score(x, labels, SilhouetteOptions().sample_size(150).seed(1));
  const double b = silhouette_score(x, labels, SilhouetteOptions().sample_size(150).seed(1));
  const double c = silhouette_score(x, labels, SilhouetteOptions().sample_size(150).seed(2));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NEAR(a, exact, 0.1);
  // sample_size >= N scores everything.
  EXPECT_EQ(silhouette_score(x, labels, SilhouetteOptions().sample_size(400)), exact);
}

TEST(ClusterMetrics, BadInput) {
  EXPECT_ERROR_MENTIONS(adjusted_rand_index(ints({0, 1}), ints({0, 1, 2})), "3");
  EXPECT_ERROR_MENTIONS(purity(ints({0, 1}), tensor({{0, 1}})), "1-D");
  EXPECT_ERROR_MENTIONS(normalized_mutual_info(tensor({0.5, 1.0}), ints({0, 1})), "integers");
  EXPECT_ERROR_MENTIONS(silhouette_score(tensor({{0.0}, {1.0}, {2.0}}), ints({0, 0, 0})), "number of labels is 1");
  EXPECT_ERROR_MENTIONS(silhouette_score(tensor({{0.0}, {1.0}, {2.0}}), ints({0, 1, 2})), "number of labels is 3");
  EXPECT_ERROR_MENTIONS(silhouette_samples(tensor({{0.0}, {1.0}, {2.0}}), ints({0, 1})), "labels has 2");
  EXPECT_ERROR_MENTIONS(inertia(tensor({{0.0}, {1.0}}), tensor({{0.0}}), ints({0, 1})), "out of range");
  EXPECT_ERROR_MENTIONS(inertia(tensor({{0.0}, {1.0}}), tensor({{0.0, 1.0}}), ints({0, 0})), "features");
  EXPECT_ERROR_MENTIONS(SilhouetteOptions o; silhouette_score(tensor({{0.0}, {1.0}, {2.0}}), ints({0, 0, 1}),
                                                               o.sample_size(-1)), "sample_size");
}

TEST(KMeansGolden, MatchesScikitLearnFromTheSameCenters) {
  const auto& g = golden()["kmeans"];
  Tensor x = cluster_test::matrix(g);
  const int64_t d = x.size(1);
  for (const auto& c : g["cases"]) {
    const std::string name = c["name"];
    const auto init = c["init"].get<std::vector<double>>();
    const int64_t k = int64_t(init.size()) / d;
    KMeans km{KMeansOptions(k)};
    km.set_init_centers(from_vector(init, {k, d}));
    km.fit(x);
    test_util::expect_values(km.centers(), c["centers"].get<std::vector<double>>(), 1e-9);
    EXPECT_EQ(km.labels().to_vector<int64_t>(), c["labels"].get<std::vector<int64_t>>()) << name;
    EXPECT_NEAR(km.inertia(), c["inertia"].get<double>(), 1e-9 * c["inertia"].get<double>()) << name;
    EXPECT_EQ(km.n_iter(), c["n_iter"].get<int64_t>()) << name;
    EXPECT_NEAR(cluster::inertia(x, km.centers(), km.labels()), km.inertia(), 1e-9 * km.inertia()) << name;
  }
}
