// Uses the installed package: a tensor op and a backward pass, and a DataLoader from descent_data.
#include <descent/data/data.h>
#include <descent/descent.h>

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
  return x.grad().at<float>({2}) == 6.0f && batches == 2 ? 0 : 1;
}
