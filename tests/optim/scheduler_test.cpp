// Scheduler argument validation, step(epoch), and state_dict checks.
#include "optim_test_util.h"
#include "test_util.h"

using namespace optim_test;
using test_util::error_of;
using descent::Tensor;

namespace {


struct Fixture {
  Tensor w = descent::zeros({2}).requires_grad_();
  optim::SGD opt{std::vector<Tensor>{w}, optim::SGDOptions(0.1).momentum(0.9)};
};

TEST(Schedulers, InvalidArgumentsThrowNamingThem) {
  Fixture f;
  EXPECT_ERROR_MENTIONS(optim::StepLR(f.opt, 0), "step_size");
  EXPECT_ERROR_MENTIONS(optim::LinearLR(f.opt, 0.0), "start_factor");
  EXPECT_ERROR_MENTIONS(optim::LinearLR(f.opt, 0.5, 1.5), "end_factor");
  EXPECT_ERROR_MENTIONS(optim::LinearLR(f.opt, 0.5, 1.0, 0), "total_iters");
  EXPECT_ERROR_MENTIONS(optim::ConstantLR(f.opt, 2.0), "factor");
  EXPECT_ERROR_MENTIONS(optim::CosineAnnealingLR(f.opt, 0), "T_max");
  EXPECT_ERROR_MENTIONS(optim::CosineAnnealingWarmRestarts(f.opt, 0), "T_0");
  EXPECT_ERROR_MENTIONS(optim::CosineAnnealingWarmRestarts(f.opt, 10, 0), "T_mult");
  EXPECT_ERROR_MENTIONS(optim::OneCycleLROptions(1.0, 0), "total_steps");
  EXPECT_ERROR_MENTIONS(optim::OneCycleLROptions(1.0, 10).pct_start(1.5), "pct_start");
  EXPECT_ERROR_MENTIONS(optim::OneCycleLROptions(1.0, 10).anneal_strategy("cosine"), "anneal_strategy");
  EXPECT_ERROR_MENTIONS(optim::OneCycleLR(f.opt, optim::OneCycleLROptions({1.0, 2.0}, 10)), "max_lr");
  EXPECT_ERROR_MENTIONS(optim::LambdaLR(f.opt, std::vector<optim::LambdaLR::Lambda>{}), "lr_lambdas");
  EXPECT_ERROR_MENTIONS(optim::ReduceLROnPlateauOptions().factor(1.0), "factor");
  EXPECT_ERROR_MENTIONS(optim::ReduceLROnPlateauOptions().mode("avg"), "mode");
  EXPECT_ERROR_MENTIONS(optim::ReduceLROnPlateauOptions().threshold_mode("pct"), "threshold_mode");
  EXPECT_ERROR_MENTIONS(optim::ReduceLROnPlateauOptions().patience(-1), "patience");
  EXPECT_ERROR_MENTIONS(optim::ReduceLROnPlateau(f.opt, optim::ReduceLROnPlateauOptions().min_lr({0.1, 0.2})), "min_lrs");
}

TEST(Schedulers, OneCycleNeedsMomentumToCycle) {
  Tensor w = descent::zeros({2}).requires_grad_();
  optim::Adagrad opt({w}, optim::AdagradOptions(0.1));
  EXPECT_ERROR_MENTIONS(optim::OneCycleLR(opt, optim::OneCycleLROptions(1.0, 10)), "momentum");
  optim::OneCycleLR ok(opt, optim::OneCycleLROptions(1.0, 10).cycle_momentum(false));
  EXPECT_NEAR(ok.get_last_lr()[0], 1.0 / 25, 1e-15);
}

TEST(Schedulers, OneCycleThrowsPastTotalSteps) {
  Fixture f;
  optim::OneCycleLR s(f.opt, optim::OneCycleLROptions(1.0, 3));
  for (int i = 0; i < 3; ++i) s.step();
  EXPECT_ERROR_MENTIONS(s.step(), "total steps");
}

TEST(Schedulers, CompositesCheckTheirParts) {
  Fixture f, g;
  auto a = std::make_shared<optim::ExponentialLR>(f.opt, 0.9);
  auto b = std::make_shared<optim::StepLR>(f.opt, 3);
  auto other = std::make_shared<optim::StepLR>(g.opt, 3);
  EXPECT_ERROR_MENTIONS(optim::SequentialLR(f.opt, {a, b}, {}), "milestones");
  EXPECT_ERROR_MENTIONS(optim::SequentialLR(f.opt, {a, b}, {5, 6}), "milestones");
  EXPECT_ERROR_MENTIONS(optim::SequentialLR(f.opt, {a, other}, {5}), "same optimizer");
  EXPECT_ERROR_MENTIONS(optim::ChainedScheduler({a, other}), "same optimizer");
  EXPECT_ERROR_MENTIONS(optim::ChainedScheduler({}), "at least one");
  optim::ChainedScheduler chained({a, b});
  EXPECT_ERROR_MENTIONS(chained.step(int64_t{3}), "no epoch");
}

TEST(Schedulers, StepWithEpochUsesTheClosedForm) {
  Fixture f;
  optim::StepLR s(f.opt, 10, 0.5);
  s.step(int64_t{25});
  EXPECT_EQ(s.last_epoch(), 25);
  EXPECT_DOUBLE_EQ(s.get_last_lr()[0], 0.1 * 0.25);
  s.step();
  EXPECT_DOUBLE_EQ(s.get_last_lr()[0], 0.1 * 0.25);

  Fixture g;
  optim::CosineAnnealingLR c(g.opt, 10, 0.0);
  c.step(int64_t{5});
  EXPECT_NEAR(c.get_last_lr()[0], 0.05, 1e-15);

  Fixture h;
  optim::CosineAnnealingWarmRestarts w(h.opt, 5, 2);
  w.step(int64_t{12});  // cycles of 5 and 10: epoch 12 is 7 into the second
  EXPECT_EQ(w.T_i(), 10);
  EXPECT_DOUBLE_EQ(w.T_cur(), 7.0);
}

TEST(Schedulers, SetsInitialLrAndKeepsAnEarlierOne) {
  Fixture f;
  optim::ExponentialLR a(f.opt, 0.5);
  a.step();
  EXPECT_DOUBLE_EQ(f.opt.param_groups()[0].options().get_lr(), 0.05);
  optim::StepLR b(f.opt, 2);  // a second scheduler: base lr is still the first initial_lr
  EXPECT_DOUBLE_EQ(b.base_lrs()[0], 0.1);
  EXPECT_DOUBLE_EQ(f.opt.param_groups()[0].extras().at("initial_lr"), 0.1);
}

TEST(Schedulers, StateDictChecksKindAndGroups) {
  Fixture f, g;
  optim::StepLR a(f.opt, 3);
  optim::ExponentialLR b(g.opt, 0.9);
  EXPECT_ERROR_MENTIONS(b.load_state_dict(a.state_dict()), "StepLR");
  auto s = a.state_dict();
  s.scalars["num_groups"] = 2;
  EXPECT_ERROR_MENTIONS(a.load_state_dict(s), "param groups");
  s = a.state_dict();
  s.scalars.erase("last_epoch");
  EXPECT_ERROR_MENTIONS(a.load_state_dict(s), "last_epoch");
  optim::ReduceLROnPlateau p(f.opt);
  EXPECT_ERROR_MENTIONS(p.load_state_dict(a.state_dict()), "StepLR");
}

TEST(Schedulers, PlateauStateKeepsInfiniteBest) {
  Fixture f;
  optim::ReduceLROnPlateau p(f.opt, optim::ReduceLROnPlateauOptions().mode(optim::PlateauMode::Max));
  EXPECT_EQ(p.best(), -std::numeric_limits<double>::infinity());
  auto s = p.state_dict();
  EXPECT_EQ(s.scalar("best"), -std::numeric_limits<double>::infinity());
  p.step(0.5);
  EXPECT_EQ(p.best(), 0.5);
  p.step(std::nan(""));  // NaN is never an improvement
  EXPECT_EQ(p.num_bad_epochs(), 1);
  p.load_state_dict(s);
  EXPECT_EQ(p.best(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(p.last_epoch(), 0);
}

}  // namespace
