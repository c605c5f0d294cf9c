#include <gtest/gtest.h>

#include "descent/descent.h"

using namespace descent;

TEST(Smoke, AddAndBackward) {
  Tensor a = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor b = tensor({{1.0}, {2.0}}, kFloat64);
  Tensor c = (a * b + 1).sum();
  EXPECT_DOUBLE_EQ(c.item<double>(), 1 * 6 + 2 * 6 + 6);
  c.backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{3, 3, 3}));
  std::cout << a << "\n" << (a * b) << "\n";
}
