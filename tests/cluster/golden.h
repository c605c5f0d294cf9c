#pragma once
// tests/golden/cluster.json (written by tools/golden/cluster.py with scikit-learn).
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "descent/descent.h"

namespace cluster_test {

using json = nlohmann::json;

inline const json& golden() {
  static const json data = [] {
    std::ifstream f(DESCENT_GOLDEN_DIR "/cluster.json");
    if (!f) throw std::runtime_error("cannot open " DESCENT_GOLDEN_DIR "/cluster.json");
    return json::parse(f);
  }();
  return data;
}

/// A float64 tensor of the given shape from a JSON list.
inline descent::Tensor f64(const json& values, descent::Shape shape) {
  return descent::from_vector(values.get<std::vector<double>>(), shape);
}
/// A 1-D int64 tensor from a JSON list.
inline descent::Tensor i64(const json& values) {
  auto v = values.get<std::vector<int64_t>>();
  return descent::from_vector(v, {int64_t(v.size())});
}
/// The [N, D] matrix of a golden section with "x" and "shape".
inline descent::Tensor matrix(const json& section) {
  auto s = section["shape"].get<std::vector<int64_t>>();
  return f64(section["x"], {s[0], s[1]});
}

}  // namespace cluster_test
