// 20 steps of every optimizer and option combination against PyTorch 1.13 (tools/golden/optim.py),
// in float32 (rtol 1e-5) and float64 (rtol 1e-10).
#include "optim_test_util.h"

using namespace optim_test;
using descent::DType;
using descent::Tensor;

namespace {

template <typename O>
O& common(O& o, const json& j) {
  if (j.contains("weight_decay")) o.weight_decay(j["weight_decay"].get<double>());
  if (j.contains("maximize")) o.maximize(j["maximize"].get<bool>());
  return o;
}

std::unique_ptr<optim::OptimizerOptions> options_from(const std::string& kind, const json& j) {
  const double lr = j.at("lr").get<double>();
  if (kind == "SGD") {
    optim::SGDOptions o(lr);
    o.momentum(j.value("momentum", 0.0)).dampening(j.value("dampening", 0.0)).nesterov(j.value("nesterov", false));
    return common(o, j).clone();
  }
  if (kind == "Adam" || kind == "AdamW") {
    auto fill = [&](auto o) {
      if (j.contains("betas")) o.betas(j["betas"][0].get<double>(), j["betas"][1].get<double>());
      if (j.contains("eps")) o.eps(j["eps"].get<double>());
      o.amsgrad(j.value("amsgrad", false));
      return common(o, j).clone();
    };
    return kind == "Adam" ? fill(optim::AdamOptions(lr)) : fill(optim::AdamWOptions(lr));
  }
  if (kind == "RMSprop") {
    optim::RMSpropOptions o(lr);
    if (j.contains("alpha")) o.alpha(j["alpha"].get<double>());
    if (j.contains("eps")) o.eps(j["eps"].get<double>());
    o.momentum(j.value("momentum", 0.0)).centered(j.value("centered", false));
    return common(o, j).clone();
  }
  if (kind == "Adagrad") {
    optim::AdagradOptions o(lr);
    o.lr_decay(j.value("lr_decay", 0.0)).initial_accumulator_value(j.value("initial_accumulator_value", 0.0));
    if (j.contains("eps")) o.eps(j["eps"].get<double>());
    return common(o, j).clone();
  }
  throw std::runtime_error("unknown optimizer " + kind);
}

template <typename Opt, typename Options>
std::unique_ptr<optim::Optimizer> build(std::vector<optim::ParamGroup> groups, const optim::OptimizerOptions& d) {
  return std::make_unique<Opt>(std::move(groups), static_cast<const Options&>(d));
}

}  // namespace

namespace optim_test {
std::unique_ptr<optim::Optimizer> make_case_optimizer(const json& c, const std::vector<Tensor>& params) {
  const std::string kind = c["optimizer"];
  std::vector<optim::ParamGroup> groups;
  std::unique_ptr<optim::OptimizerOptions> defaults = options_from(kind, c["groups"][0]);
  if (c["per_param_groups"].get<bool>()) {
    for (size_t i = 0; i < params.size(); ++i) groups.emplace_back(std::vector<Tensor>{params[i]}, *options_from(kind, c["groups"][i]));
  } else {
    groups.emplace_back(params);
  }
  if (kind == "SGD") return build<optim::SGD, optim::SGDOptions>(std::move(groups), *defaults);
  if (kind == "Adam") return build<optim::Adam, optim::AdamOptions>(std::move(groups), *defaults);
  if (kind == "AdamW") return build<optim::AdamW, optim::AdamWOptions>(std::move(groups), *defaults);
  if (kind == "RMSprop") return build<optim::RMSprop, optim::RMSpropOptions>(std::move(groups), *defaults);
  if (kind == "Adagrad") return build<optim::Adagrad, optim::AdagradOptions>(std::move(groups), *defaults);
  throw std::runtime_error("unknown optimizer " + kind);
}

std::vector<Tensor> make_problem_params(DType dtype) {
  const json& p = golden()["optimizers"]["problem"];
  std::vector<Tensor> params;
  for (size_t i = 0; i < p["params"].size(); ++i)
    params.push_back(tensor_from(p["params"][i], shape_from(p["shapes"][i]), dtype).requires_grad_());
  return params;
}

void set_problem_grads(std::vector<Tensor>& params, size_t s) {
  const json& p = golden()["optimizers"]["problem"];
  for (size_t i = 0; i < params.size(); ++i) {
    const json& g = p["grads"][s][i];
    if (!g.is_null()) params[i].set_grad(tensor_from(g, params[i].sizes(), params[i].dtype()));
  }
}
}  // namespace optim_test

namespace {

void run_case(const json& c, DType dtype) {
  const bool f32 = dtype == DType::Float32;
  const double rtol = f32 ? 1e-5 : 1e-10, atol = f32 ? 1e-7 : 1e-13;
  std::vector<Tensor> params = make_problem_params(dtype);
  auto opt = make_case_optimizer(c, params);
  const json& traj = c[f32 ? "float32" : "float64"];
  const size_t steps = golden()["optimizers"]["problem"]["steps"].get<size_t>();
  ASSERT_EQ(traj.size(), steps);
  for (size_t s = 0; s < steps; ++s) {
    opt->zero_grad();
    set_problem_grads(params, s);
    opt->step();
    for (size_t i = 0; i < params.size(); ++i)
      expect_close(params[i].to_vector<double>(), traj[s][i].get<std::vector<double>>(), rtol, atol,
                   c["name"].get<std::string>() + (f32 ? " float32" : " float64") + " step " + std::to_string(s + 1) +
                       " param " + std::to_string(i));
    if (::testing::Test::HasFailure()) return;
  }
}

class OptimizerGolden : public ::testing::TestWithParam<std::string> {
 protected:
  static const json& find_case(const std::string& name) {
    for (const auto& c : golden()["optimizers"]["cases"])
      if (c["name"] == name) return c;
    throw std::runtime_error("no golden case " + name);
  }
};

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& c : golden()["optimizers"]["cases"]) names.push_back(c["name"]);
  return names;
}

TEST_P(OptimizerGolden, Float32) { run_case(find_case(GetParam()), DType::Float32); }
TEST_P(OptimizerGolden, Float64) { run_case(find_case(GetParam()), DType::Float64); }

INSTANTIATE_TEST_SUITE_P(PyTorch, OptimizerGolden, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

TEST(OptimizerGolden, EveryOptimizerIsCovered) {
  std::set<std::string> kinds;
  for (const auto& c : golden()["optimizers"]["cases"]) kinds.insert(c["optimizer"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"}));
}

}  // namespace
