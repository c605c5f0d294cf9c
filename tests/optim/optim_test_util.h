#pragma once
// Shared helpers of the optim tests: the golden file and builders from its JSON descriptions.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "descent/descent.h"

namespace optim_test {

using nlohmann::json;
namespace optim = descent::optim;

/// tests/golden/optim.json, written by tools/golden/optim.py (PyTorch 1.13).
inline const json& golden() {
  static const json data = [] {
    std::ifstream f(DESCENT_GOLDEN_DIR "/optim.json");
    if (!f) throw std::runtime_error("cannot open " DESCENT_GOLDEN_DIR "/optim.json");
    return json::parse(f);
  }();
  return data;
}

/// A tensor of the given dtype from a flat JSON list and a shape.
inline descent::Tensor tensor_from(const json& values, const descent::Shape& shape, descent::DType dtype) {
  return descent::from_vector<double>(values.get<std::vector<double>>(), shape).to(dtype);
}

inline descent::Shape shape_from(const json& j) {
  descent::Shape s;
  for (const auto& d : j) s.push_back(d.get<int64_t>());
  return s;
}

/// Expects |got - want| <= rtol |want| + atol element-wise.
inline void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_LE(std::abs(got[i] - want[i]), rtol * std::abs(want[i]) + atol)
        << what << " element " << i << ": got " << got[i] << ", PyTorch " << want[i];
}

// Defined in optimizer_golden_test.cpp.
/// The optimizer a golden case describes, over params (W, b): one group, or one group per param.
std::unique_ptr<optim::Optimizer> make_case_optimizer(const json& c, const std::vector<descent::Tensor>& params);
/// The golden problem's initial parameters, as leaves requiring grad.
std::vector<descent::Tensor> make_problem_params(descent::DType dtype);
/// Sets the golden gradients of step s (a null gradient leaves the parameter without one).
void set_problem_grads(std::vector<descent::Tensor>& params, size_t s);

}  // namespace optim_test
