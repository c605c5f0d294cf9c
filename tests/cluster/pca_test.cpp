// PCA against scikit-learn (golden file) and properties of the large-D solver.
#include <gtest/gtest.h>

#include "descent/cluster/pca.h"
#include "descent/descent.h"
#include "golden.h"
#include "test_util.h"

using namespace descent;
using namespace descent::cluster;
using cluster_test::golden;

TEST(PCA, MatchesScikitLearn) {
  const auto& g = golden()["pca"];
  Tensor x = cluster_test::matrix(g);
  PCA pca(PCAOptions(2));
  Tensor z = pca.fit_transform(x);
  test_util::expect_values(pca.mean(), g["mean"].get<std::vector<double>>(), 1e-12);
  test_util::expect_values(pca.components(), g["components"].get<std::vector<double>>(), 1e-9);
  test_util::expect_values(pca.explained_variance(), g["explained_variance"].get<std::vector<double>>(), 1e-9);
  test_util::expect_values(pca.explained_variance_ratio(), g["explained_variance_ratio"].get<std::vector<double>>(), 1e-10);
  test_util::expect_values(z, g["transform"].get<std::vector<double>>(), 1e-9);
  EXPECT_EQ(z.sizes(), (Shape{x.size(0), 2}));
}

TEST(PCA, SubspaceIterationAgreesWithJacobi) {
  // D = 100 > 64 takes the subspace iteration: a planted 3-D structure plus small noise.
  Generator gen(9);
  Tensor basis = randn({3, 100}, kFloat64, &gen);
  Tensor scale = tensor({5.0, 3.0, 2.0}, kFloat64);
  Tensor x = randn({500, 3}, kFloat64, &gen).mul(scale).mm(basis) + randn({500, 100}, kFloat64, &gen).mul(0.05);
  PCA pca(PCAOptions(3));
  pca.fit(x);
  // Components are orthonormal.
  Tensor gram = pca.components().mm(pca.components().t());
  EXPECT_TRUE(allclose(gram, eye(3, std::nullopt, kFloat64), 1e-9, 1e-9)) << gram;
  // Each eigenpair satisfies C v = lambda v.
  Tensor xc = x - x.mean({0});
  Tensor cov = xc.t().mm(xc).div(499.0);
  for (int64_t k = 0; k < 3; ++k) {
    Tensor v = pca.components().select(0, k);
    Tensor cv = cov.matmul(v);
    const double lambda = pca.explained_variance().at<double>({k});
    EXPECT_TRUE(allclose(cv, v.mul(lambda), 1e-6, 1e-8)) << "component " << k;
  }
  // Variances decrease; ratios sum to less than 1 and explain nearly everything here.
  auto var = test_util::vec(pca.explained_variance());
  EXPECT_GT(var[0], var[1]);
  EXPECT_GT(var[1], var[2]);
  const double total = pca.explained_variance_ratio().sum().item<double>();
  EXPECT_GT(total, 0.97);
  EXPECT_LE(total, 1.0 + 1e-12);
  // Round trip through the 3-D subspace loses only the noise.
  Tensor back = pca.inverse_transform(pca.transform(x));
  EXPECT_LT((back - x).abs().max().item<double>(), 0.5);
}

TEST(PCA, FloatInputAndImages) {
  Generator gen(1);
  Tensor x = rand({30, 1, 3, 3}, kFloat32, &gen);
  PCA pca(PCAOptions(2));
  Tensor z = pca.fit_transform(x);
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_EQ(z.sizes(), (Shape{30, 2}));
  EXPECT_EQ(pca.components().sizes(), (Shape{2, 9}));
}

TEST(PCA, BadInput) {
  EXPECT_ERROR_MENTIONS(PCA(PCAOptions(0)), "n_components");
  PCA pca(PCAOptions(3));
  EXPECT_ERROR_MENTIONS(pca.fit(tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 7.0}})), "min(n_samples, n_features) = 2");
  EXPECT_ERROR_MENTIONS(pca.transform(tensor({{1.0, 2.0}})), "fit() first");
  PCA ok(PCAOptions(1));
  ok.fit(tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 7.0}}));
  EXPECT_ERROR_MENTIONS(ok.transform(tensor({{1.0, 2.0, 3.0}})), "3 features");
  EXPECT_ERROR_MENTIONS(ok.fit(tensor({{1.0, 2.0}})), "at least 2 samples");
}
