// The learning-rate sequence of every scheduler over 100 steps against PyTorch 1.13
// (tools/golden/optim.py), compared exactly: the schedules keep PyTorch's operation order.
// Also: resuming half-way through from state_dicts continues the same sequence.
#include <cmath>
#include <numbers>

#include "optim_test_util.h"

using namespace optim_test;
using descent::Tensor;

namespace {

struct SchedRun {
  std::vector<Tensor> params;
  std::unique_ptr<optim::Optimizer> opt;
  std::shared_ptr<optim::LRScheduler> sched;
  std::shared_ptr<optim::ReduceLROnPlateau> plateau;
};

// Two groups with base lrs 0.1 and 0.05, as in the golden script.
void make_optimizer(SchedRun& s, const std::string& kind) {
  const json& g = golden()["schedulers"];
  const double lr0 = g["base_lrs"][0], lr1 = g["base_lrs"][1];
  s.params = {descent::zeros({2}).requires_grad_(), descent::zeros({3}).requires_grad_()};
  if (kind == "SGD") {
    const double m = g["momentum"];
    s.opt = std::make_unique<optim::SGD>(
        std::vector<optim::ParamGroup>{optim::ParamGroup({s.params[0]}, optim::SGDOptions(lr0).momentum(m)),
                                       optim::ParamGroup({s.params[1]}, optim::SGDOptions(lr1).momentum(m))},
        optim::SGDOptions(lr0).momentum(m));
  } else {
    s.opt = std::make_unique<optim::Adam>(
        std::vector<optim::ParamGroup>{optim::ParamGroup({s.params[0]}, optim::AdamOptions(lr0)),
                                       optim::ParamGroup({s.params[1]}, optim::AdamOptions(lr1))},
        optim::AdamOptions(lr0));
  }
}

std::vector<double> doubles(const json& j) {
  if (j.is_array()) return j.get<std::vector<double>>();
  return {j.get<double>()};
}

optim::LambdaLR::Lambda named_lambda(const std::string& name) {
  if (name == "pow095") return [](int64_t e) { return std::pow(0.95, static_cast<double>(e)); };
  if (name == "inv") return [](int64_t e) { return 1.0 / (1.0 + static_cast<double>(e)); };
  if (name == "warm10") return [](int64_t e) { return std::min(1.0, static_cast<double>(e + 1) / 10.0); };
  throw std::runtime_error("unknown lambda " + name);
}

std::shared_ptr<optim::LRScheduler> build(optim::Optimizer& opt, const json& spec) {
  const std::string t = spec["type"];
  const json a = spec.value("args", json::object());
  if (t == "StepLR") return std::make_shared<optim::StepLR>(opt, a["step_size"].get<int64_t>(), a.value("gamma", 0.1));
  if (t == "MultiStepLR")
    return std::make_shared<optim::MultiStepLR>(opt, a["milestones"].get<std::vector<int64_t>>(), a.value("gamma", 0.1));
  if (t == "ExponentialLR") return std::make_shared<optim::ExponentialLR>(opt, a["gamma"].get<double>());
  if (t == "ConstantLR")
    return std::make_shared<optim::ConstantLR>(opt, a.value("factor", 1.0 / 3), a.value("total_iters", int64_t{5}));
  if (t == "LinearLR")
    return std::make_shared<optim::LinearLR>(opt, a.value("start_factor", 1.0 / 3), a.value("end_factor", 1.0),
                                             a.value("total_iters", int64_t{5}));
  if (t == "CosineAnnealingLR")
    return std::make_shared<optim::CosineAnnealingLR>(opt, a["T_max"].get<int64_t>(), a.value("eta_min", 0.0));
  if (t == "CosineAnnealingWarmRestarts")
    return std::make_shared<optim::CosineAnnealingWarmRestarts>(opt, a["T_0"].get<int64_t>(), a.value("T_mult", int64_t{1}),
                                                                a.value("eta_min", 0.0));
  if (t == "OneCycleLR") {
    optim::OneCycleLROptions o(doubles(a["max_lr"]), a["total_steps"].get<int64_t>());
    o.pct_start(a.value("pct_start", 0.3))
        .anneal_strategy(a.value("anneal_strategy", std::string("cos")))
        .cycle_momentum(a.value("cycle_momentum", true))
        .base_momentum(a.value("base_momentum", 0.85))
        .max_momentum(a.value("max_momentum", 0.95))
        .div_factor(a.value("div_factor", 25.0))
        .final_div_factor(a.value("final_div_factor", 1e4))
        .three_phase(a.value("three_phase", false));
    return std::make_shared<optim::OneCycleLR>(opt, o);
  }
  if (t == "LambdaLR") {
    std::vector<optim::LambdaLR::Lambda> fns;
    for (const auto& n : a["lambdas"]) fns.push_back(named_lambda(n));
    if (fns.size() == 1) return std::make_shared<optim::LambdaLR>(opt, fns[0]);
    return std::make_shared<optim::LambdaLR>(opt, fns);
  }
  if (t == "SequentialLR" || t == "ChainedScheduler") {
    std::vector<std::shared_ptr<optim::LRScheduler>> subs;
    for (const auto& s : a["schedulers"]) subs.push_back(build(opt, s));
    if (t == "ChainedScheduler") return std::make_shared<optim::ChainedScheduler>(subs);
    return std::make_shared<optim::SequentialLR>(opt, subs, a["milestones"].get<std::vector<int64_t>>());
  }
  throw std::runtime_error("unknown scheduler " + t);
}

std::shared_ptr<optim::ReduceLROnPlateau> build_plateau(optim::Optimizer& opt, const json& a) {
  optim::ReduceLROnPlateauOptions o;
  o.mode(a.value("mode", std::string("min")))
      .factor(a.value("factor", 0.1))
      .patience(a.value("patience", int64_t{10}))
      .threshold(a.value("threshold", 1e-4))
      .threshold_mode(a.value("threshold_mode", std::string("rel")))
      .cooldown(a.value("cooldown", int64_t{0}))
      .eps(a.value("eps", 1e-8));
  if (a.contains("min_lr")) o.min_lr(doubles(a["min_lr"]));
  return std::make_shared<optim::ReduceLROnPlateau>(opt, o);
}

SchedRun make(const json& c) {
  SchedRun s;
  make_optimizer(s, c["optimizer"]);
  if (c["type"] == "ReduceLROnPlateau") s.plateau = build_plateau(*s.opt, c.value("args", json::object()));
  else s.sched = build(*s.opt, c);
  return s;
}

std::vector<double> lrs(const optim::Optimizer& opt) {
  std::vector<double> out;
  for (const auto& g : opt.param_groups()) out.push_back(g.options().get_lr());
  return out;
}

std::vector<double> momenta(const optim::Optimizer& opt) {
  std::vector<double> out;
  for (const auto& g : opt.param_groups()) out.push_back(g.options().get_momentum());
  return out;
}

void step(SchedRun& s, const json& c, size_t t) {
  s.opt->step();
  if (s.plateau) s.plateau->step(golden()["schedulers"]["metrics"][c["metric"].get<std::string>()][t].get<double>());
  else s.sched->step();
}

// Checks epoch t (0 = after construction) exactly.
void check(const SchedRun& s, const json& c, size_t t) {
  const std::string where = c["name"].get<std::string>() + " epoch " + std::to_string(t);
  EXPECT_EQ(lrs(*s.opt), c["lrs"][t].get<std::vector<double>>()) << where;
  const auto& last = s.plateau ? s.plateau->get_last_lr() : s.sched->get_last_lr();
  EXPECT_EQ(last, lrs(*s.opt)) << where;
  if (c.contains("momentum")) {
    EXPECT_EQ(momenta(*s.opt), c["momentum"][t].get<std::vector<double>>()) << where;
  }
}

class SchedulerGolden : public ::testing::TestWithParam<std::string> {
 protected:
  static const json& find_case(const std::string& name) {
    for (const auto& c : golden()["schedulers"]["cases"])
      if (c["name"] == name) return c;
    throw std::runtime_error("no golden case " + name);
  }
};

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& c : golden()["schedulers"]["cases"]) names.push_back(c["name"]);
  return names;
}

TEST_P(SchedulerGolden, ExactSequence) {
  const json& c = find_case(GetParam());
  SchedRun s = make(c);
  const size_t steps = golden()["schedulers"]["steps"].get<size_t>();
  ASSERT_EQ(c["lrs"].size(), steps + 1);
  check(s, c, 0);
  for (size_t t = 0; t < steps && !HasFailure(); ++t) {
    step(s, c, t);
    check(s, c, t + 1);
  }
  if (s.sched) {
    EXPECT_EQ(s.sched->name(), c["type"].get<std::string>());
  }
}

TEST_P(SchedulerGolden, ResumeFromStateDicts) {
  const json& c = find_case(GetParam());
  const size_t steps = golden()["schedulers"]["steps"].get<size_t>(), half = 37;
  SchedRun a = make(c);
  for (size_t t = 0; t < half; ++t) step(a, c, t);
  const optim::OptimizerState opt_state = a.opt->state_dict();
  const optim::SchedulerState sched_state = a.plateau ? a.plateau->state_dict() : a.sched->state_dict();

  SchedRun b = make(c);  // constructed as before, then restored: optimizer first, scheduler second
  b.opt->load_state_dict(opt_state);
  if (b.plateau) b.plateau->load_state_dict(sched_state);
  else b.sched->load_state_dict(sched_state);
  check(b, c, half);
  for (size_t t = half; t < steps && !HasFailure(); ++t) {
    step(b, c, t);
    check(b, c, t + 1);
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorch, SchedulerGolden, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

TEST(SchedulerGoldenCoverage, EverySchedulerIsCovered) {
  std::set<std::string> kinds;
  for (const auto& c : golden()["schedulers"]["cases"]) kinds.insert(c["type"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"StepLR", "MultiStepLR", "ExponentialLR", "ConstantLR", "LinearLR",
                                          "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "LambdaLR",
                                          "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"}));
}

}  // namespace
