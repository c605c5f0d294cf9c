#pragma once
// Reads tests/golden/norm_rnn.json (written by tools/golden/norm_rnn.py with PyTorch) and
// checks a descent layer against one of its cases: state loaded by PyTorch's names, forward on
// the stored inputs, backward of sum(output * upstream), then outputs, input and parameter
// gradients and the state after the pass compared with PyTorch's.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "descent/descent.h"

namespace norm_rnn_golden {

using json = nlohmann::json;
using descent::DType;
using descent::Tensor;
using TensorMap = std::map<std::string, Tensor>;

inline const json& cases() {
  static const json doc = [] {
    std::ifstream f(DESCENT_GOLDEN_DIR "/norm_rnn.json");
    if (!f) throw std::runtime_error("cannot open " DESCENT_GOLDEN_DIR "/norm_rnn.json");
    return json::parse(f);
  }();
  return doc.at("cases");
}

inline bool is_integer(const json& t) {
  for (auto& v : t.at("data"))
    if (!v.is_number_integer()) return false;
  return !t.at("data").empty();
}

/// A stored tensor: integer data as int64, floating data in dtype dt.
inline Tensor to_tensor(const json& t, DType dt) {
  descent::Shape shape;
  for (auto& s : t.at("shape")) shape.push_back(s.get<int64_t>());
  Tensor r;
  if (is_integer(t)) r = descent::from_vector(t.at("data").get<std::vector<int64_t>>());
  else r = descent::from_vector(t.at("data").get<std::vector<double>>()).to(dt);
  return r.reshape(shape);
}

inline descent::nn::StateDict state(const json& c, const char* key, DType dt) {
  descent::nn::StateDict sd;
  for (auto& [k, v] : c.at(key).items()) sd.insert(k, to_tensor(v, dt));
  return sd;
}

/// Elementwise |got - want| <= rtol * |want| + atol, reporting the worst element.
inline void expect_close(const Tensor& got, const json& want_j, double rtol, double atol, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what << ": undefined";
  Tensor want = to_tensor(want_j, DType::Float64);
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  auto g = got.to(DType::Float64).contiguous().to_vector<double>();
  auto w = want.to_vector<double>();
  double worst = -1;
  size_t at = 0;
  bool ok = true;
  for (size_t i = 0; i < g.size(); ++i) {
    const double err = std::isnan(g[i]) ? INFINITY : std::abs(g[i] - w[i]);
    if (!(err <= rtol * std::abs(w[i]) + atol)) ok = false;
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  if (g.empty()) return;
  EXPECT_TRUE(ok) << what << ": worst element " << at << " got " << g[at] << " want " << w[at] << " (|diff| "
                  << worst << ", rtol " << rtol << ", atol " << atol << ")";
}

/// Tolerances: float32 1e-5 relative (plus 1e-6 absolute for values near zero); float64 tight.
struct Tolerance {
  double rtol, atol;
};
inline Tolerance tolerance(DType dt) { return dt == DType::Float32 ? Tolerance{1e-5, 1e-6} : Tolerance{1e-9, 1e-11}; }

using Forward = std::function<TensorMap(descent::nn::Module&, const TensorMap& inputs)>;

/// Runs case `name` on module m (converted to dt, state loaded strictly by PyTorch's names).
/// prepare may change the inputs (e.g. to channels-last) before the forward.
inline TensorMap run_case(const std::string& name, descent::nn::Module& m, DType dt, const Forward& forward,
                          const std::function<void(TensorMap&)>& prepare = {}) {
  const json& c = cases().at(name);
  m.to(dt);
  m.load_state_dict(state(c, "state", dt));  // strict: names must match PyTorch's
  m.train(c.at("train").get<bool>());
  m.zero_grad();
  TensorMap inputs;
  for (auto& [k, v] : c.at("inputs").items()) {
    Tensor t = to_tensor(v, dt);
    if (t.is_floating_point()) t.requires_grad_();
    inputs[k] = t;
  }
  if (prepare) prepare(inputs);
  TensorMap out = forward(m, inputs);
  Tensor loss;
  for (auto& [k, up] : c.at("upstream").items()) {
    Tensor term = (out.at(k) * to_tensor(up, dt)).sum();
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();

  const Tolerance tol = tolerance(dt);
  const std::string tag = name + " (" + descent::dtype_name(dt) + ")";
  for (auto& [k, v] : c.at("outputs").items()) expect_close(out.at(k), v, tol.rtol, tol.atol, tag + " output " + k);
  auto params = m.named_parameters();
  for (auto& [k, v] : c.at("grads").items()) {
    Tensor g = inputs.count(k) ? inputs.at(k).grad() : params[k].grad();
    expect_close(g, v, tol.rtol, tol.atol, tag + " grad " + k);
  }
  auto after = m.state_dict();
  for (auto& [k, v] : c.at("state_after").items()) {
    if (is_integer(v)) EXPECT_EQ(after[k].to_vector<int64_t>(), to_tensor(v, dt).to_vector<int64_t>()) << tag << " " << k;
    else expect_close(after[k], v, tol.rtol, tol.atol, tag + " state after " + k);
  }
  return out;
}

/// The options object of a case.
inline const json& options(const std::string& name) { return cases().at(name).at("options"); }

}  // namespace norm_rnn_golden
