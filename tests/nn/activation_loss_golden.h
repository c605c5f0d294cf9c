#pragma once
// Reads tests/golden/nn.json (written by tools/golden/nn.py with PyTorch) and checks a
// functional activation or loss against one of its cases: the stored inputs in float32, forward,
// backward with the stored upstream gradient, then output and input gradients compared with
// PyTorch's at 1e-5 relative (plus 1e-6 absolute for values near zero).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "descent/descent.h"

namespace nn_golden {

using json = nlohmann::json;
using descent::Tensor;
using Inputs = std::map<std::string, Tensor>;
/// Runs one op on the named inputs with the case's keyword arguments.
using OpFn = std::function<Tensor(const Inputs&, const json&)>;

inline const json& doc() {
  static const json d = [] {
    std::ifstream f(DESCENT_GOLDEN_DIR "/nn.json");
    if (!f) throw std::runtime_error("cannot open " DESCENT_GOLDEN_DIR "/nn.json");
    return json::parse(f);
  }();
  return d;
}

/// A stored tensor: int64 class indices, or float data in float32.
inline Tensor to_tensor(const json& t) {
  descent::Shape shape;
  for (auto& s : t.at("shape")) shape.push_back(s.get<int64_t>());
  Tensor r;
  if (t.at("dtype") == "int64") r = descent::from_vector(t.at("data").get<std::vector<int64_t>>());
  else r = descent::from_vector(t.at("data").get<std::vector<double>>()).to(descent::kFloat32);
  return r.reshape(shape);
}

inline void expect_close(const Tensor& got, const Tensor& want, const std::string& what, double rtol = 1e-5,
                         double atol = 1e-6) {
  ASSERT_TRUE(got.defined()) << what << ": undefined";
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  ASSERT_EQ(got.dtype(), descent::kFloat32) << what;
  auto g = got.to(descent::kFloat64).contiguous().to_vector<double>();
  auto w = want.to(descent::kFloat64).contiguous().to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    const double err = std::abs(g[i] - w[i]);
    EXPECT_TRUE(err <= rtol * std::abs(w[i]) + atol)
        << what << ": element " << i << " got " << g[i] << " want " << w[i] << " (|diff| " << err << ")";
  }
}

inline std::string describe(const json& c) { return c.at("op").get<std::string>() + " " + c.at("args").dump(); }

/// Runs every case whose op is in `ops` and returns how many ran; fails on an op without a runner.
inline int run_cases(const std::map<std::string, OpFn>& ops) {
  int n = 0;
  for (const json& c : doc().at("cases")) {
    const std::string op = c.at("op");
    auto it = ops.find(op);
    if (it == ops.end()) continue;
    SCOPED_TRACE(describe(c));
    Inputs in;
    std::vector<std::string> grad_names;
    for (auto& [name, id] : c.at("inputs").items()) {
      Tensor t = to_tensor(doc().at("tensors").at(id.get<std::string>()));
      if (c.at("grads").contains(name)) {
        t.requires_grad_();
        grad_names.push_back(name);
      }
      in[name] = t;
    }
    Tensor out = it->second(in, c.at("args"));
    expect_close(out, to_tensor(c.at("output")), describe(c) + " output");
    std::vector<Tensor> leaves;
    for (auto& g : grad_names) leaves.push_back(in[g]);
    auto grads = descent::grad({out}, leaves, {to_tensor(c.at("grad_output"))});
    for (size_t i = 0; i < grads.size(); ++i) {
      const std::string& name = grad_names[i];
      Tensor want = descent::from_vector(c.at("grads").at(name).get<std::vector<double>>())
                        .to(descent::kFloat32)
                        .reshape(in[name].sizes());
      expect_close(grads[i], want, describe(c) + " grad of " + name);
    }
    ++n;
  }
  return n;
}

/// Reduction from its PyTorch spelling.
inline descent::nn::Reduction reduction(const json& args) {
  const std::string r = args.value("reduction", "mean");
  if (r == "none") return descent::nn::Reduction::None;
  if (r == "sum") return descent::nn::Reduction::Sum;
  if (r == "batchmean") return descent::nn::Reduction::BatchMean;
  return descent::nn::Reduction::Mean;
}

/// An optional input (undefined when the case has none).
inline Tensor opt(const Inputs& in, const std::string& name) {
  auto it = in.find(name);
  return it == in.end() ? Tensor() : it->second;
}

}  // namespace nn_golden
