// Guide section 12, learning without (many) labels.
//  (a) Clustering: k-means finds K centres so that each point is close to its centre. Lloyd's loop:
//      assign every point to its nearest centre, move every centre to the mean of its points, repeat.
//      Written here in a few tensor ops, then with cluster::KMeans (k-means++ starts, best of 4)
//      on 4 Gaussian blobs; the inertia (sum of squared distances to the centres) for K = 1..8
//      shows the "elbow" at the true K.
//  (b) Semi-supervised: two interleaved half-moons, 1000 points of which only 20 are labelled.
//      A network trained on the 20 alone draws a rough boundary; pseudo-labelling
//      (train::fit_pseudo_label) then labels the unlabelled points it is >= 99% sure of and
//      trains again on all of them, round after round.
// Claims checked: the tensor-op Lloyd loop and KMeans reach the same inertia from the same start
// centres; KMeans recovers the blobs (adjusted Rand index >= 0.95); the inertia drops by less than
// 30% from K = 4 to K = 5 (the elbow); pseudo-labelling beats the 20-label model on the test set.
//
//   ./build/release/examples/guide/guide_unsupervised [--out DIR]
#include "descent/cluster/kmeans.h"
#include "descent/cluster/metrics.h"
#include "descent/data/data.h"
#include "descent/train/semi_supervised.h"
#include "guide_util.h"

using namespace descent;

namespace {

// Lloyd's algorithm in tensor ops: x [N, D], centres [K, D] -> final centres; labels out.
Tensor lloyd(const Tensor& x, Tensor centres, Tensor& labels, int iterations) {
  for (int it = 0; it < iterations; ++it) {
    // Squared distances [N, K] = |x|^2 - 2 x.c + |c|^2, then the nearest centre of each point.
    Tensor d = x.square().sum({1}, true) - 2 * x.matmul(centres.t()) + centres.square().sum({1}).unsqueeze(0);
    labels = d.argmin(1);
    // Each centre moves to the mean of its points: one-hot [N, K]^T x [N, D] / counts.
    Tensor onehot = zeros({x.size(0), centres.size(0)}).scatter(1, labels.unsqueeze(1), 1.0);
    Tensor counts = onehot.sum({0}).unsqueeze(1);
    centres = where(counts.gt(0.0), onehot.t().matmul(x) / counts.clamp_min(1.0), centres);
  }
  return centres;
}

// sklearn's make_moons: class 0 on the upper half circle, class 1 on the shifted lower one, plus noise.
std::shared_ptr<data::TensorDataset> two_moons(int64_t n, double noise, uint64_t seed) {
  Generator gen(seed);
  Tensor a = rand({n}, kFloat64, &gen) * M_PI;
  Tensor i = arange(n).to(kFloat64);
  Tensor inner = i - (i / 2).floor() * 2;  // i mod 2: every other point is class 1
  Tensor px = where(inner.gt(0.0), 1 - a.cos(), a.cos());
  Tensor py = where(inner.gt(0.0), 0.5 - a.sin(), a.sin());
  Tensor x = stack({px, py}, 1) + randn({n, 2}, kFloat64, &gen) * noise;
  return std::make_shared<data::TensorDataset>(x.to(kFloat32), inner.to(kInt64));
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  manual_seed(0);

  // (a) 4 blobs of 100 points.
  std::printf("== (a) k-means on 4 blobs ==\n");
  Tensor true_centres = tensor({{-3.0, -2.0}, {3.0, -2.0}, {0.0, 3.0}, {4.0, 4.0}});
  Tensor blob = (arange(400).to(kFloat64) / 100).floor().to(kInt64);  // 0 0 ... 1 1 ... 3
  Tensor x = true_centres.index_select(0, blob) + randn({400, 2}) * 0.8;

  Tensor start = x.index_select(0, tensor({0, 1, 2, 150}));  // the same start for both (a poor one)
  Tensor lloyd_labels;
  Tensor lloyd_centres = lloyd(x, start, lloyd_labels, 20);
  const double lloyd_inertia = cluster::inertia(x, lloyd_centres, lloyd_labels);
  cluster::KMeans same_start(cluster::KMeansOptions().n_clusters(4));
  same_start.set_init_centers(start).fit(x);
  std::printf("tensor-op Lloyd loop: inertia %.2f; KMeans from the same start: %.2f\n", lloyd_inertia,
              same_start.inertia());
  claims.check(std::abs(lloyd_inertia - same_start.inertia()) < 1e-3 * same_start.inertia(),
               "the tensor-op Lloyd loop and cluster::KMeans agree");

  cluster::KMeans km(cluster::KMeansOptions().n_clusters(4).n_init(4).seed(0));
  Tensor labels = km.fit_predict(x);
  const double ari = cluster::adjusted_rand_index(blob, labels);
  std::printf("KMeans(K=4, k-means++, best of 4): inertia %.2f after %lld iterations, adjusted Rand index %.3f\n",
              km.inertia(), static_cast<long long>(km.n_iter()), ari);
  claims.check(ari >= 0.95, "k-means recovers the 4 blobs (ARI >= 0.95)");
  std::vector<double> inertias;
  std::printf("K        ");
  for (int k = 1; k <= 8; ++k) std::printf("%7d", k);
  std::printf("\ninertia  ");
  for (int k = 1; k <= 8; ++k) {
    cluster::KMeans m(cluster::KMeansOptions().n_clusters(k).n_init(4).seed(0));
    inertias.push_back(m.fit(x).inertia());
    std::printf("%7.0f", inertias.back());
  }
  std::printf("\n");
  claims.check(inertias[4] > 0.7 * inertias[3] && inertias[3] < 0.5 * inertias[2],
               "the elbow: big drops up to K = 4, a small one after");
  {
    // The points coloured by cluster, the centres as a fifth group.
    std::vector<double> px = guide::values(x.select(1, 0)), py = guide::values(x.select(1, 1));
    auto groups = labels.to_vector<int64_t>();
    for (double v : guide::values(km.centers().select(1, 0))) px.push_back(v);
    for (double v : guide::values(km.centers().select(1, 1))) py.push_back(v);
    groups.insert(groups.end(), 4, 4);
    report::ChartOptions o;
    o.title = "k-means clusters (K = 4) and their centres";
    o.x_label = "x1";
    o.y_label = "x2";
    guide::write_svg(args, "unsupervised_kmeans.svg",
                     report::cluster_scatter(px, py, groups, {"cluster 0", "cluster 1", "cluster 2", "cluster 3", "centres"}, o));
    report::ChartOptions e;
    e.title = "Inertia vs K: the elbow at the true K = 4";
    e.x_label = "K";
    e.y_label = "inertia";
    e.markers = true;
    guide::write_svg(args, "unsupervised_elbow.svg",
                     report::line_chart({{"inertia", {1, 2, 3, 4, 5, 6, 7, 8}, inertias}}, e));
  }

  // (b) Two moons, 20 labels.
  std::printf("== (b) semi-supervised: two moons, 20 of 1000 labelled ==\n");
  auto train_set = two_moons(1000, 0.1, 1), test_set = two_moons(2000, 0.1, 2);
  auto parts = train::split_labelled(train_set, 0.02, 3);  // 2%, stratified: 10 of each class
  auto options = train::TrainerOptions().task(train::Task::MultiClass, 2).train_metrics(false);
  auto adam = [](nn::Module& m) { return std::make_unique<optim::Adam>(m.parameters(), optim::AdamOptions(0.01)); };
  auto accuracy = [&](nn::Module& model) {
    data::DataLoader loader(test_set, data::DataLoaderOptions().batch_size(2000));
    return train::Trainer(options).evaluate(model, loader).get("accuracy");
  };
  auto make_model = [] {
    manual_seed(0);  // the same initial weights for both runs
    return nn::Sequential(nn::Linear(2, 32), nn::ReLU(), nn::Linear(32, 32), nn::ReLU(), nn::Linear(32, 2));
  };
  auto base = train::PseudoLabelOptions().epochs(100).batch_size(32).seed(1);
  nn::Sequential supervised = make_model();
  train::fit_pseudo_label(supervised, adam, options, parts.labelled, parts.unlabelled,
                          train::PseudoLabelOptions(base).rounds(0));
  const double acc_supervised = accuracy(*supervised.ptr());
  nn::Sequential semi = make_model();
  auto result = train::fit_pseudo_label(semi, adam, options, parts.labelled, parts.unlabelled,
                                        train::PseudoLabelOptions(base).threshold(0.99).rounds(3));
  const double acc_semi = accuracy(*semi.ptr());
  for (auto& r : result.rounds)
    std::printf("round %lld: %lld labelled + %lld pseudo-labelled (%.3f of them right)\n", static_cast<long long>(r.round),
                static_cast<long long>(r.labelled), static_cast<long long>(r.pseudo_labelled), r.pseudo_accuracy);
  std::printf("test accuracy: 20 labels only %.3f; with pseudo-labels %.3f\n", acc_supervised, acc_semi);
  claims.check(acc_semi > acc_supervised, "pseudo-labelling beats training on the 20 labels alone");
  {
    // Test points coloured by the final model's class; the 20 labelled points on top.
    NoGradGuard no_grad;
    semi->eval();
    Tensor tx = test_set->data().narrow(0, 0, 600);  // 600 of the 2000 test points keep the figure small
    std::vector<double> px = guide::values(tx.select(1, 0)), py = guide::values(tx.select(1, 1));
    auto groups = semi->forward(tx).argmax(1).to_vector<int64_t>();
    for (int64_t i = 0; i < parts.labelled->size(); ++i) {
      auto ex = parts.labelled->get(i);
      px.push_back(ex.data[0].item<double>());
      py.push_back(ex.data[1].item<double>());
      groups.push_back(2 + ex.target.item<int64_t>());
    }
    report::ChartOptions o;
    o.title = "Two moons: classes after pseudo-labelling, and the 20 labels";
    o.x_label = "x1";
    o.y_label = "x2";
    guide::write_svg(args, "unsupervised_semi.svg",
                     report::cluster_scatter(px, py, groups,
                                             {"predicted 0", "predicted 1", "labelled 0", "labelled 1"}, o));
  }
  return claims.exit_code();
}
