// Optimizer base behaviour: parameter groups, zero_grad, closures, skipping, option validation,
// and state_dict round trips that resume bit-identically.
#include "descent/backend/backend.h"
#include "optim_test_util.h"
#include "test_util.h"

using namespace optim_test;
using test_util::error_of;
using descent::DType;
using descent::Tensor;

namespace {


Tensor leaf(std::vector<double> v, DType dtype = DType::Float32) {
  return descent::from_vector<double>(v).to(dtype).requires_grad_();
}

// ---- validation ----

TEST(OptimizerOptions, NegativeOrOutOfRangeValuesThrowNamingTheOption) {
  EXPECT_ERROR_MENTIONS(optim::SGDOptions(-0.1), "lr");
  EXPECT_ERROR_MENTIONS(optim::SGDOptions(0.1).momentum(-0.9), "momentum");
  EXPECT_ERROR_MENTIONS(optim::SGDOptions(0.1).weight_decay(-1), "weight_decay");
  EXPECT_ERROR_MENTIONS(optim::SGDOptions(std::nan("")), "lr");
  EXPECT_ERROR_MENTIONS(optim::AdamOptions(-1e-3), "lr");
  EXPECT_ERROR_MENTIONS(optim::AdamOptions().betas(1.0, 0.999), "beta1");
  EXPECT_ERROR_MENTIONS(optim::AdamOptions().betas(0.9, -0.1), "beta2");
  EXPECT_ERROR_MENTIONS(optim::AdamOptions().eps(-1e-8), "eps");
  EXPECT_ERROR_MENTIONS(optim::AdamWOptions().weight_decay(-0.01), "weight_decay");
  EXPECT_ERROR_MENTIONS(optim::RMSpropOptions().alpha(-0.5), "alpha");
  EXPECT_ERROR_MENTIONS(optim::RMSpropOptions().momentum(-0.5), "momentum");
  EXPECT_ERROR_MENTIONS(optim::RMSpropOptions().eps(-1), "eps");
  EXPECT_ERROR_MENTIONS(optim::AdagradOptions().lr_decay(-1), "lr_decay");
  EXPECT_ERROR_MENTIONS(optim::AdagradOptions().initial_accumulator_value(-1), "initial_accumulator_value");
  EXPECT_ERROR_MENTIONS(optim::AdagradOptions(-1), "lr");
}

TEST(OptimizerOptions, DefaultsAndChaining) {
  optim::SGDOptions sgd = optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(1e-4);
  EXPECT_EQ(sgd.lr(), 0.1);
  EXPECT_EQ(sgd.momentum(), 0.9);
  EXPECT_TRUE(sgd.nesterov());
  EXPECT_EQ(sgd.dampening(), 0.0);
  optim::AdamOptions adam;
  EXPECT_EQ(adam.lr(), 1e-3);
  EXPECT_EQ(adam.betas(), std::make_pair(0.9, 0.999));
  EXPECT_EQ(adam.eps(), 1e-8);
  EXPECT_EQ(adam.weight_decay(), 0.0);
  EXPECT_EQ(optim::AdamWOptions().weight_decay(), 1e-2);
  EXPECT_EQ(optim::RMSpropOptions().alpha(), 0.99);
  EXPECT_EQ(optim::RMSpropOptions().lr(), 1e-2);
  EXPECT_EQ(optim::AdagradOptions().eps(), 1e-10);
}

TEST(Optimizer, NesterovNeedsMomentumAndNoDampening) {
  Tensor w = leaf({1, 2});
  EXPECT_ERROR_MENTIONS(optim::SGD({w}, optim::SGDOptions(0.1).nesterov(true)), "nesterov");
  EXPECT_ERROR_MENTIONS(optim::SGD({w}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                        "dampening");
  EXPECT_NO_THROW(optim::SGD({w}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true)));
}

TEST(Optimizer, RejectsBadParameterLists) {
  Tensor w = leaf({1, 2});
  EXPECT_ERROR_MENTIONS(optim::SGD(std::vector<Tensor>{}, optim::SGDOptions(0.1)), "empty parameter list");
  EXPECT_ERROR_MENTIONS(optim::SGD({w, w}, optim::SGDOptions(0.1)), "more than once");
  EXPECT_ERROR_MENTIONS(optim::SGD({descent::arange(3)}, optim::SGDOptions(0.1)), "floating-point");
  EXPECT_ERROR_MENTIONS(optim::SGD({Tensor()}, optim::SGDOptions(0.1)), "undefined");
  Tensor nonleaf = w * 2.0;
  EXPECT_ERROR_MENTIONS(optim::SGD({nonleaf}, optim::SGDOptions(0.1)), "not a leaf");
  optim::SGD opt({w}, optim::SGDOptions(0.1));
  EXPECT_ERROR_MENTIONS(opt.add_param_group(optim::ParamGroup({w})), "more than once");
  Tensor b = leaf({3});
  EXPECT_ERROR_MENTIONS(opt.add_param_group(optim::ParamGroup({b}, optim::AdamOptions())), "another optimizer");
  EXPECT_ERROR_MENTIONS(opt.add_param_group(optim::ParamGroup({b}, optim::SGDOptions(0.1).nesterov(true))), "nesterov");
  EXPECT_EQ(opt.param_groups().size(), 1u);
}

// ---- groups, zero_grad, closure, skipping ----

TEST(Optimizer, ParamGroupsUseTheirOwnOptions) {
  Tensor w = leaf({1, 1}), b = leaf({1});
  optim::SGD opt({optim::ParamGroup({w}), optim::ParamGroup({b}, optim::SGDOptions(0.5))}, optim::SGDOptions(0.1));
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[0].options().get_lr(), 0.1);  // the defaults
  EXPECT_EQ(opt.param_groups()[1].options_as<optim::SGDOptions>().lr(), 0.5);
  w.set_grad(descent::ones({2}));
  b.set_grad(descent::ones({1}));
  opt.step();
  EXPECT_FLOAT_EQ(w.to_vector<float>()[0], 0.9f);
  EXPECT_FLOAT_EQ(b.to_vector<float>()[0], 0.5f);

  // A group added later, with options of its own; changing a group's lr takes effect.
  Tensor c = leaf({2});
  opt.add_param_group(optim::ParamGroup({c}, optim::SGDOptions(1.0)));
  opt.param_groups()[0].options().set_lr(0.0);
  c.set_grad(descent::ones({1}));
  opt.step();
  EXPECT_FLOAT_EQ(w.to_vector<float>()[0], 0.9f);
  EXPECT_FLOAT_EQ(b.to_vector<float>()[0], 0.0f);
  EXPECT_FLOAT_EQ(c.to_vector<float>()[0], 1.0f);
  EXPECT_EQ(opt.parameters().size(), 3u);
}

TEST(Optimizer, SkipsParametersWithoutGradient) {
  Tensor w = leaf({1, 2}), b = leaf({3});
  optim::Adam opt({w, b}, optim::AdamOptions(0.1));
  w.set_grad(descent::ones({2}));
  opt.step();
  EXPECT_EQ(b.to_vector<float>(), std::vector<float>{3});
  ASSERT_NE(opt.state(w), nullptr);
  EXPECT_EQ(opt.state(w)->step, 1);
  EXPECT_EQ(opt.state(b), nullptr);
  EXPECT_TRUE(opt.state(w)->buffers.count("exp_avg"));
}

TEST(Optimizer, ZeroGradToNoneOrZeros) {
  Tensor w = leaf({1, 2});
  optim::SGD opt({w}, optim::SGDOptions(0.1));
  w.set_grad(descent::ones({2}));
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{0, 0}));
  opt.zero_grad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(Optimizer, StepRunsTheClosureWithGradEnabledAndRecordsNoHistory) {
  Tensor w = leaf({3.0}, DType::Float64);
  optim::SGD opt({w}, optim::SGDOptions(0.25));
  for (int i = 0; i < 3; ++i) {
    descent::NoGradGuard outer;  // the closure still records a graph
    Tensor loss = opt.step([&] {
      opt.zero_grad();
      Tensor l = (w * w).sum();
      l.backward();
      return l;
    });
    ASSERT_TRUE(loss.defined());
  }
  // w <- w - 0.25 * 2w = w / 2 per step.
  EXPECT_DOUBLE_EQ(w.item<double>(), 3.0 / 8);
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
}

TEST(Optimizer, WorksOnModuleParameters) {
  descent::nn::Linear fc(3, 2);
  optim::SGD opt(fc->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  Tensor x = descent::ones({4, 3});
  Tensor before = fc->weight.clone();
  for (int i = 0; i < 2; ++i) {
    opt.zero_grad();
    fc(x).square().mean().backward();
    opt.step();
  }
  EXPECT_FALSE(descent::equal(before, fc->weight));
  EXPECT_TRUE(fc->weight.is_leaf());
}

// ---- state_dict ----

TEST(OptimizerState, KeysFollowTheDocumentedScheme) {
  Tensor w = leaf({1, 2}), b = leaf({3});
  optim::Adam opt({optim::ParamGroup({w}), optim::ParamGroup({b}, optim::AdamOptions(0.5).amsgrad(true))},
                  optim::AdamOptions(0.1));
  w.set_grad(descent::ones({2}));
  b.set_grad(descent::ones({1}));
  opt.step();
  opt.step();
  optim::OptimizerState s = opt.state_dict();
  EXPECT_EQ(s.string("optimizer"), "Adam");
  EXPECT_EQ(s.scalar("num_param_groups"), 2);
  EXPECT_EQ(s.scalar("param_groups.0.num_params"), 1);
  EXPECT_EQ(s.scalar("param_groups.0.lr"), 0.1);
  EXPECT_EQ(s.scalar("param_groups.1.lr"), 0.5);
  EXPECT_EQ(s.scalar("param_groups.1.amsgrad"), 1);
  EXPECT_EQ(s.scalar("param_groups.1.betas.1"), 0.999);
  EXPECT_EQ(s.scalar("state.0.step"), 2);
  EXPECT_EQ(s.scalar("state.1.step"), 2);
  EXPECT_TRUE(s.tensors.contains("state.0.exp_avg"));
  EXPECT_TRUE(s.tensors.contains("state.0.exp_avg_sq"));
  EXPECT_FALSE(s.tensors.contains("state.0.max_exp_avg_sq"));
  EXPECT_TRUE(s.tensors.contains("state.1.max_exp_avg_sq"));
  // A deep copy: later steps do not change it.
  const std::vector<float> m = s.tensors["state.0.exp_avg"].to_vector<float>();
  opt.step();
  EXPECT_EQ(s.tensors["state.0.exp_avg"].to_vector<float>(), m);
}

// Runs `first` steps of the golden problem on one optimizer, snapshots its state into a fresh
// optimizer over copies of the parameters, and checks that both then take bit-identical steps.
void check_resume(const json& c, DType dtype) {
  const size_t steps = golden()["optimizers"]["problem"]["steps"].get<size_t>(), first = 9;
  std::vector<Tensor> params = make_problem_params(dtype);
  auto opt = make_case_optimizer(c, params);
  for (size_t s = 0; s < first; ++s) {
    opt->zero_grad();
    set_problem_grads(params, s);
    opt->step();
  }
  std::vector<Tensor> copies;
  for (const auto& p : params) copies.push_back(p.detach().clone().requires_grad_());
  // The fresh optimizer starts from other options to show that they come from the state.
  json other = c;
  for (auto& g : other["groups"]) g["lr"] = 0.123;
  auto resumed = make_case_optimizer(other, copies);
  resumed->load_state_dict(opt->state_dict());
  for (size_t s = first; s < steps; ++s) {
    for (auto* o : {opt.get(), resumed.get()}) o->zero_grad();
    set_problem_grads(params, s);
    set_problem_grads(copies, s);
    opt->step();
    resumed->step();
    for (size_t i = 0; i < params.size(); ++i)
      ASSERT_TRUE(descent::equal(params[i].detach(), copies[i].detach()))
          << c["name"] << " step " << s + 1 << " param " << i << "\n" << params[i] << "\n" << copies[i];
  }
  // And the resumed run still matches PyTorch.
  const bool f32 = dtype == DType::Float32;
  const json& last = c[f32 ? "float32" : "float64"].back();
  for (size_t i = 0; i < copies.size(); ++i)
    expect_close(copies[i].to_vector<double>(), last[i].get<std::vector<double>>(), f32 ? 1e-5 : 1e-10,
                 f32 ? 1e-7 : 1e-13, c["name"].get<std::string>() + " resumed");
}

TEST(OptimizerState, ResumeGivesBitIdenticalSteps) {
  for (const auto& c : golden()["optimizers"]["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    check_resume(c, DType::Float32);
    check_resume(c, DType::Float64);
  }
}

TEST(OptimizerState, LoadConvertsToTheParameterDtype) {
  Tensor w = leaf({1, 2}, DType::Float64);
  optim::SGD a({w}, optim::SGDOptions(0.1).momentum(0.9));
  w.set_grad(descent::ones({2}, DType::Float64));
  a.step();
  optim::OptimizerState s = a.state_dict();
  Tensor w32 = leaf({1, 2}, DType::Float32);
  optim::SGD b({w32}, optim::SGDOptions(0.1).momentum(0.9));
  b.load_state_dict(s);
  EXPECT_EQ(b.state(w32)->buffers.at("momentum_buffer").dtype(), DType::Float32);
}

TEST(OptimizerState, BadStatesThrowNamingTheKeyAndLeaveTheOptimizerUnchanged) {
  Tensor w = leaf({1, 2}), b = leaf({3});
  optim::SGD opt({w, b}, optim::SGDOptions(0.1).momentum(0.9));
  w.set_grad(descent::ones({2}));
  opt.step();
  const optim::OptimizerState good = opt.state_dict();

  auto expect_bad = [&](optim::OptimizerState s, const std::string& text) {
    const std::string msg = error_of([&] { opt.load_state_dict(s); });
    EXPECT_NE(msg.find(text), std::string::npos) << "expected '" << text << "' in: " << msg;
    EXPECT_EQ(opt.param_groups()[0].options().get_lr(), 0.1);
    EXPECT_EQ(opt.state(w)->step, 1);
  };
  {
    auto s = good;
    s.strings["optimizer"] = "Adam";
    expect_bad(s, "Adam optimizer");
  }
  {
    auto s = good;
    s.scalars["num_param_groups"] = 2;
    expect_bad(s, "2 param groups");
  }
  {
    auto s = good;
    s.scalars["param_groups.0.num_params"] = 3;
    expect_bad(s, "param_groups.0.num_params");
  }
  {
    auto s = good;
    s.scalars.erase("param_groups.0.momentum");
    expect_bad(s, "param_groups.0.momentum");
  }
  {
    auto s = good;
    s.scalars["param_groups.0.lr"] = -1;
    expect_bad(s, "lr");
  }
  {
    auto s = good;
    s.tensors.set("state.0.momentum_buffer", descent::zeros({5}));
    expect_bad(s, "state.0.momentum_buffer");
  }
  {
    auto s = good;
    s.tensors.insert("state.7.momentum_buffer", descent::zeros({2}));
    expect_bad(s, "state.7.momentum_buffer");
  }
  {
    auto s = good;
    s.tensors.insert("junk", descent::zeros({2}));
    expect_bad(s, "junk");
  }
  {
    auto s = good;
    s.scalars["state.0.whatever"] = 1;
    expect_bad(s, "state.0.whatever");
  }
  {
    auto s = good;
    s.scalars["state.0.step"] = 1.5;
    expect_bad(s, "state.0.step");
  }
  EXPECT_NO_THROW(opt.load_state_dict(good));
}

}  // namespace

// ---- the fused Adam kernel and the tensor-op form agree ----

TEST(AdamFused, MatchesTheTensorOpFormOnANonContiguousGradient) {
  // A dense gradient takes the backend's one-pass kernel; the same values as a transposed view
  // take the tensor-op form. Both must give the same parameters, step after step, for Adam and
  // AdamW with amsgrad, maximize and weight decay.
  for (DType dt : {DType::Float32, DType::Float64})
    for (int variant = 0; variant < 4; ++variant) {
      descent::manual_seed(7);
      Tensor init = descent::randn({6, 5}, dt);
      Tensor a = init.clone().requires_grad_(), b = init.clone().requires_grad_();
      auto make = [&](Tensor p) -> std::unique_ptr<optim::Optimizer> {
        if (variant == 3) return std::make_unique<optim::AdamW>(std::vector<Tensor>{p}, optim::AdamWOptions(0.01).amsgrad(true));
        optim::AdamOptions o(0.01);
        if (variant >= 1) o.weight_decay(0.1);
        if (variant >= 2) o.amsgrad(true).maximize(true);
        return std::make_unique<optim::Adam>(std::vector<Tensor>{p}, o);
      };
      auto oa = make(a), ob = make(b);
      for (int step = 0; step < 4; ++step) {
        Tensor g = descent::randn({6, 5}, dt);
        a.set_grad(g.clone());
        b.set_grad(g.t().contiguous().t());  // same values, non-contiguous
        ASSERT_TRUE(a.grad().is_contiguous());
        ASSERT_FALSE(b.grad().is_contiguous());
        oa->step();
        ob->step();
      }
      const double tol = dt == DType::Float32 ? 1e-6 : 1e-13;
      const auto va = a.detach().to(DType::Float64).to_vector<double>(), vb = b.detach().to(DType::Float64).to_vector<double>();
      for (size_t i = 0; i < va.size(); ++i)
        EXPECT_NEAR(va[i], vb[i], tol) << "variant " << variant << " dtype " << dt << " [" << i << "]";
    }
}

TEST(AdamFused, SameBitsWhateverWhereAChunkBegins) {
  // Threads run the fused kernel on chunks whose boundaries follow the thread count, so an element
  // must come out the same whether it falls in a chunk's vector loop or in its scalar remainder
  // (GCC contracted the two into FMAs differently: the bits followed the thread count). Here the
  // whole tensor in one call is compared with the same tensor in pieces of 1 to 13 elements, and
  // the optimizer with 1 to 4 threads.
  auto& be = descent::backend::get(descent::kCPU);
  const descent::backend::AdamUpdate u{1.0 - 1e-5, 1.0, 0.01, 0.9, 0.999, 1e-3 * 0.3, 1e-8 * 0.5, true};
  const int64_t n = 4099;
  descent::manual_seed(9);
  const Tensor p0 = descent::randn({n}), g = descent::randn({n}) * 1e-2, m0 = descent::randn({n}) * 1e-2,
               v0 = descent::rand({n}) * 1e-4;
  auto fresh = [&] { return std::vector<Tensor>{p0.clone(), m0.clone(), v0.clone(), v0.clone()}; };
  std::vector<Tensor> whole = fresh(), pieces = fresh();
  be.adam_step(whole[0], g, whole[1], whole[2], whole[3], u);
  for (int64_t lo = 0, len = 1; lo < n; lo += len, len = len % 13 + 1) {
    const int64_t k = std::min(len, n - lo);
    be.adam_step(pieces[0].narrow(0, lo, k), g.narrow(0, lo, k), pieces[1].narrow(0, lo, k), pieces[2].narrow(0, lo, k),
                 pieces[3].narrow(0, lo, k), u);
  }
  for (size_t t = 0; t < whole.size(); ++t)
    EXPECT_TRUE(whole[t].to_vector<float>() == pieces[t].to_vector<float>()) << "array " << t;

  const int saved = descent::get_num_threads();
  for (bool amsgrad : {false, true}) {
    std::vector<std::vector<float>> runs;
    for (int threads : {1, 2, 3, 4}) {
      descent::set_num_threads(threads);
      descent::manual_seed(8);
      Tensor p = descent::randn({401417}).requires_grad_();
      optim::Adam opt({p}, optim::AdamOptions(1e-3).weight_decay(0.01).amsgrad(amsgrad));
      for (int step = 0; step < 3; ++step) {
        p.set_grad(descent::randn({401417}) * 1e-3);
        opt.step();
      }
      runs.push_back(p.detach().to_vector<float>());
    }
    for (size_t t = 1; t < runs.size(); ++t) EXPECT_TRUE(runs[t] == runs[0]) << (t + 1) << " threads, amsgrad " << amsgrad;
  }
  descent::set_num_threads(saved);
}
