// Uses the installed package: a tensor op and a backward pass.
#include <descent/descent.h>

#include <iostream>

int main() {
  using namespace descent;
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::cout << x.grad() << "\n";
  return x.grad().at<float>({2}) == 6.0f ? 0 : 1;
}
