// Uses the installed package: a tensor op and a backward pass, a DataLoader from descent_data and
// a metric from descent_train, a KMeans fit from descent_cluster.
#include <descent/cluster/cluster.h>
#include <descent/data/data.h>
#include <descent/descent.h>
#include <descent/train/train.h>

#include <cmath>
#include <iostream>

int main() {
  using namespace descent;
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::cout << x.grad() << "\n";
  // The data pipeline library: batches of a TensorDataset.
  auto ds = std::make_shared<data::TensorDataset>(arange(0, 6, 1, kFloat32).reshape({3, 2}), arange(3));
  int64_t batches = 0;
  data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(2));
  for (auto& batch : loader) batches += batch.size() > 0;
  // The training library: a streaming metric.
  train::Accuracy acc;
  acc.update(tensor({{0.9, 0.1}, {0.2, 0.8}}), arange(2));
  const bool acc_ok = acc.compute().at(0).second == 1.0;
  // The clustering library: two obvious clusters.
  cluster::KMeans km(cluster::KMeansOptions(2).seed(0));
  km.fit(tensor({{0.0}, {1.0}, {10.0}, {11.0}}));
  const bool km_ok = std::abs(km.inertia() - 1.0) < 1e-5;
  return x.grad().at<float>({2}) == 6.0f && batches == 2 && acc_ok && km_ok ? 0 : 1;
}
