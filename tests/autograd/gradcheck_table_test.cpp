// The gradcheck table: every differentiable op in the central op list (ops/op_list.h) is checked
// against central finite differences in float64, with broadcast, non-contiguous, 0-d and empty
// inputs where the op takes them. A test fails when a differentiable op has no entry.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "descent/descent.h"
#include "gradcheck_registry.h"

using namespace descent;

namespace {
using namespace gradcheck_table;
}  // namespace

DESCENT_GRADCHECK_CASES(core_op_cases) {
  auto entry = [&](std::string op, std::string variant, Fn fn, std::vector<Tensor> inputs) {
    c.push_back({std::move(op), std::move(variant), std::move(fn), std::move(inputs)});
  };
  using V = const std::vector<Tensor>&;

  // ---- binary element-wise ----
  entry("add", "same", [](V x) { return x[0] + x[1]; }, {R({2, 3}), R({2, 3})});
  entry("add", "broadcast", [](V x) { return descent::add(x[0], x[1], 2.5); }, {R({3, 1}), R({4})});
  entry("add", "noncontig", [](V x) { return x[0] + x[1]; }, {NC({3, 4}), STEP({3, 4})});
  entry("add", "0-d", [](V x) { return x[0] + x[1]; }, {R({}), R({3})});
  entry("add", "empty", [](V x) { return (x[0] + x[1]).sum() + x[1].sum(); }, {R({0, 3}), R({3})});
  entry("sub", "broadcast", [](V x) { return sub(x[0], x[1], 0.5); }, {R({2, 1, 3}), R({4, 1})});
  entry("sub", "noncontig", [](V x) { return x[0] - x[1]; }, {NC({3, 2}), R({2})});
  entry("mul", "broadcast", [](V x) { return x[0] * x[1]; }, {R({3, 1}), R({1, 4})});
  entry("mul", "noncontig", [](V x) { return x[0] * x[1]; }, {NC({2, 3}), STEP({2, 3})});
  entry("mul", "scalar", [](V x) { return x[0] * 3.0; }, {R({4})});
  entry("div", "broadcast", [](V x) { return x[0] / x[1]; }, {R({2, 3}), P({3})});
  entry("div", "noncontig", [](V x) { return x[0] / x[1]; }, {NC({3, 2}), PNC({3, 2})});
  entry("div", "0-d", [](V x) { return x[0] / x[1]; }, {R({3}), P({})});
  entry("pow", "tensor", [](V x) { return pow(x[0], x[1]); }, {P({2, 3}), R({3})});
  entry("pow", "noncontig", [](V x) { return pow(x[0], x[1]); }, {PNC({3, 2}), NC({3, 2})});
  entry("pow_scalar", "int exponent", [](V x) { return pow(x[0], 3); }, {R({2, 3})});
  entry("pow_scalar", "float exponent", [](V x) { return pow(x[0], 2.5); }, {P({4})});
  entry("pow_scalar", "scalar base", [](V x) { return pow(2.0, x[0]); }, {R({2, 2})});
  entry("minimum", "broadcast", [](V x) { return minimum(x[0], x[1]); }, {R({3, 1}), R({4})});
  entry("maximum", "noncontig", [](V x) { return maximum(x[0], x[1]); }, {NC({2, 3}), R({2, 3})});
  entry("where", "broadcast", [](V x) { return where(C(x[0]) > 0, x[1], x[2]); }, {R({3, 4}), R({4}), R({3, 1})});
  entry("where", "scalar branch", [](V x) { return where(C(x[0]) > 0, x[0], 0.5); }, {R({5})});

  // ---- unary element-wise (plain, non-contiguous, 0-d) ----
  struct U {
    const char* name;
    Tensor (*f)(const Tensor&);
    bool positive;
  };
  const U unary[] = {{"neg", &descent::neg, false},     {"abs", &descent::abs, false},
                     {"sign", &descent::sign, false},   {"exp", &descent::exp, false},
                     {"log", &descent::log, true},      {"log1p", &descent::log1p, true},
                     {"expm1", &descent::expm1, false}, {"sqrt", &descent::sqrt, true},
                     {"rsqrt", &descent::rsqrt, true},  {"square", &descent::square, false},
                     {"reciprocal", &descent::reciprocal, true}, {"sigmoid", &descent::sigmoid, false},
                     {"tanh", &descent::tanh, false},   {"relu", &descent::relu, false},
                     {"sin", &descent::sin, false},     {"cos", &descent::cos, false},
                     {"floor", &descent::floor, false}, {"ceil", &descent::ceil, false},
                     {"round", &descent::round, false}};
  for (const U& u : unary) {
    auto f = u.f;
    entry(u.name, "plain", [f](V x) { return f(x[0]); }, {u.positive ? P({2, 3}) : R({2, 3})});
    entry(u.name, "noncontig", [f](V x) { return f(x[0]); }, {u.positive ? PNC({3, 2}) : NC({3, 2})});
    entry(u.name, "0-d", [f](V x) { return f(x[0]); }, {u.positive ? P({}) : R({})});
  }
  entry("clamp", "both", [](V x) { return clamp(x[0], -0.5, 0.5); }, {R({3, 4})});
  entry("clamp", "min only", [](V x) { return x[0].clamp_min(0.1); }, {NC({3, 2})});
  entry("clamp", "tensor bounds", [](V x) { return clamp(x[0], x[1], x[2]); }, {R({3, 4}), R({4}) - 1, R({3, 1}) + 1});

  // ---- reductions ----
  entry("sum", "all", [](V x) { return x[0].sum(); }, {R({2, 3, 4})});
  entry("sum", "dims keepdim", [](V x) { return x[0].sum({0, 2}, true); }, {R({2, 3, 4})});
  entry("sum", "noncontig neg dim", [](V x) { return x[0].sum({-1}); }, {NC({3, 4})});
  entry("sum", "0-d", [](V x) { return x[0].sum(); }, {R({})});
  entry("sum", "empty", [](V x) { return x[0].sum({0}); }, {R({0, 3})});
  entry("mean", "dims", [](V x) { return x[0].mean({1}); }, {R({3, 4})});
  entry("mean", "all noncontig", [](V x) { return x[0].mean(); }, {STEP({3, 2})});
  entry("prod", "all", [](V x) { return x[0].prod(); }, {R({2, 3})});
  entry("prod", "dim", [](V x) { return x[0].prod(1, true); }, {NC({3, 4})});
  entry("prod", "with zero", [](V x) { return (x[0] * C(tensor({1.0, 0.0, 1.0}, kFloat64))).prod(0); }, {R({3})});
  entry("max", "all", [](V x) { return x[0].max(); }, {R({3, 4})});
  entry("min", "all", [](V x) { return x[0].min(); }, {NC({3, 4})});
  entry("max_dim", "keepdim", [](V x) { return x[0].max(1, true).first; }, {R({3, 4})});
  entry("max_dim", "noncontig", [](V x) { return x[0].max(0).first; }, {NC({3, 4})});
  entry("min_dim", "neg dim", [](V x) { return x[0].min(-1).first; }, {R({2, 3, 4})});
  entry("amax", "dims", [](V x) { return x[0].amax({0, 2}); }, {R({2, 3, 4})});
  entry("amin", "keepdim", [](V x) { return x[0].amin({1}, true); }, {NC({3, 4})});
  entry("var", "dims", [](V x) { return x[0].var({1}); }, {R({3, 4})});
  entry("var", "correction 0 all", [](V x) { return x[0].var({}, 0); }, {NC({3, 4})});
  entry("std", "dims keepdim", [](V x) { return x[0].std({0}, 1, true); }, {R({4, 3})});
  entry("logsumexp", "dim", [](V x) { return x[0].logsumexp({1}); }, {R({3, 4})});
  entry("logsumexp", "large", [](V x) { return (x[0] * 100).logsumexp({0, 1}); }, {NC({2, 3})});
  entry("norm", "p2", [](V x) { return x[0].norm(2.0, {1}); }, {R({3, 4})});
  entry("norm", "p1", [](V x) { return x[0].norm(1.0); }, {NC({3, 4})});
  entry("norm", "pinf", [](V x) { return x[0].norm(INFINITY, {0}); }, {R({3, 4})});
  entry("norm", "p3", [](V x) { return x[0].norm(3.0, {1}, true); }, {R({2, 5})});
  entry("cumsum", "dim", [](V x) { return x[0].cumsum(1); }, {R({3, 4})});
  entry("cumsum", "noncontig", [](V x) { return x[0].cumsum(0); }, {NC({3, 4})});

  // ---- views ----
  entry("view", "plain", [](V x) { return x[0].view({4, -1}); }, {R({2, 6})});
  entry("reshape", "noncontig copies", [](V x) { return x[0].reshape({-1}); }, {NC({3, 4})});
  entry("flatten", "middle", [](V x) { return x[0].flatten(1, 2); }, {R({2, 3, 4})});
  entry("unflatten", "plain", [](V x) { return x[0].unflatten(1, {2, -1}); }, {R({3, 6})});
  entry("squeeze", "all", [](V x) { return x[0].squeeze(); }, {R({3, 1, 4, 1})});
  entry("squeeze", "dim", [](V x) { return x[0].squeeze(1); }, {R({3, 1, 4})});
  entry("unsqueeze", "noncontig", [](V x) { return x[0].unsqueeze(1) * x[1]; }, {NC({3, 4}), C(randn({3, 2, 4}, kFloat64))});
  entry("permute", "3-d", [](V x) { return x[0].permute({2, 0, 1}); }, {R({2, 3, 4})});
  entry("transpose", "3-d", [](V x) { return x[0].transpose(0, 2); }, {R({2, 3, 4})});
  entry("t", "2-d", [](V x) { return x[0].t(); }, {STEP({3, 4})});
  entry("narrow", "plain", [](V x) { return x[0].narrow(1, 1, 2); }, {R({3, 4})});
  entry("slice", "step", [](V x) { return x[0].slice(1, 1, std::nullopt, 2); }, {R({3, 6})});
  entry("slice", "negative bounds", [](V x) { return x[0].slice(0, -3, -1); }, {NC({5, 2})});
  entry("select", "plain", [](V x) { return x[0].select(1, -1); }, {R({3, 4})});
  entry("expand", "plain", [](V x) { return x[0].expand({2, 3, 4}); }, {R({3, 1})});
  entry("broadcast_to", "plain", [](V x) { return x[0].broadcast_to({3, 4}); }, {R({4})});
  entry("as_strided", "overlapping", [](V x) { return x[0].as_strided({3, 3}, {1, 1}, 0); }, {R({6})});
  entry("split", "sizes", [](V x) {
    auto p = x[0].split(std::vector<int64_t>{1, 3}, 1);
    return cat({p[0] * 2, p[1] * 3}, 1);
  }, {R({2, 4})});
  entry("chunk", "uneven", [](V x) {
    auto p = x[0].chunk(3, 0);
    return cat({p[0] * 2, p[1] * 3, p[2]}, 0);
  }, {R({5, 2})});
  entry("unbind", "dim1", [](V x) {
    auto p = x[0].unbind(1);
    return p[0] * 2 + p[1] * p[2];
  }, {R({3, 3})});
  entry("movedim", "plain", [](V x) { return x[0].movedim(0, 2); }, {R({2, 3, 4})});

  // ---- copies ----
  entry("cat", "dim1", [](V x) { return cat({x[0], x[1], x[2]}, 1); }, {R({2, 3}), NC({2, 2}), R({2, 1})});
  entry("stack", "dim0", [](V x) { return stack({x[0], x[1]}, 1); }, {R({2, 3}), NC({2, 3})});
  entry("index_select", "repeated indices", [](V x) { return x[0].index_select(1, tensor({2, 0, 2})); }, {R({3, 4})});
  entry("gather", "dim1", [](V x) { return x[0].gather(1, tensor({{0, 0}, {1, 0}, {3, 2}})); }, {R({3, 4})});
  entry("scatter", "both", [](V x) { return x[0].scatter(1, tensor({{0, 2}, {1, 3}}), x[1]); }, {R({2, 4}), R({2, 2})});
  entry("scatter_add", "collisions", [](V x) { return x[0].scatter_add(0, tensor({{0, 1, 0}, {0, 0, 0}}), x[1]); },
      {R({2, 3}), R({2, 3})});
  entry("masked_fill", "broadcast mask", [](V x) { return x[0].masked_fill(tensor({true, false, true}), 2.0); },
      {R({2, 3})});
  entry("masked_select", "plain", [](V x) { return x[0].masked_select(C(x[0]) > 0); }, {R({3, 4})});
  entry("repeat", "extra dim", [](V x) { return x[0].repeat({2, 1, 3}); }, {R({2, 2})});
  entry("flip", "two dims", [](V x) { return x[0].flip({0, 2}); }, {R({2, 3, 2})});
  entry("clone", "noncontig", [](V x) { return x[0].clone(); }, {NC({3, 2})});
  entry("contiguous", "noncontig", [](V x) { return x[0].contiguous(); }, {NC({3, 2})});
  entry("contiguous", "channels_last", [](V x) { return x[0].contiguous(MemoryFormat::ChannelsLast) * 2; },
      {R({2, 3, 2, 2})});
  entry("to_dtype", "copy", [](V x) { return x[0].to(kFloat64, true); }, {R({3})});

  // ---- linear algebra ----
  entry("mm", "plain", [](V x) { return mm(x[0], x[1]); }, {R({2, 3}), R({3, 4})});
  entry("mm", "transposed", [](V x) { return mm(x[0], x[1]); }, {NC({2, 3}), NC({3, 4})});
  entry("mm", "strided", [](V x) { return mm(x[0], x[1]); }, {STEP({2, 3}), R({3, 2})});
  entry("bmm", "plain", [](V x) { return bmm(x[0], x[1]); }, {R({2, 2, 3}), NC({2, 3, 2})});
  entry("matmul", "1d.1d", [](V x) { return matmul(x[0], x[1]); }, {R({3}), R({3})});
  entry("matmul", "2d@1d", [](V x) { return matmul(x[0], x[1]); }, {R({2, 3}), R({3})});
  entry("matmul", "1d@2d", [](V x) { return matmul(x[0], x[1]); }, {R({3}), R({3, 2})});
  entry("matmul", "3d@2d", [](V x) { return matmul(x[0], x[1]); }, {R({2, 2, 3}), R({3, 2})});
  entry("matmul", "broadcast batch", [](V x) { return matmul(x[0], x[1]); }, {R({2, 1, 2, 3}), R({3, 3, 2})});
  entry("matmul", "1d@3d", [](V x) { return matmul(x[0], x[1]); }, {R({3}), R({2, 3, 2})});
  entry("addmm", "broadcast input", [](V x) { return addmm(x[0], x[1], x[2], 0.5, 2.0); }, {R({3}), R({2, 4}), R({4, 3})});
  entry("outer", "plain", [](V x) { return outer(x[0], x[1]); }, {R({3}), R({2})});
  entry("dot", "plain", [](V x) { return dot(x[0], x[1]); }, {R({4}), STEP({4})});

  // ---- in-place (history through the copy of the old value; views via CopySlices) ----
  entry("add_", "broadcast", [](V x) { Tensor y = x[0].clone(); y.add_(x[1], 2.0); return y; }, {R({2, 3}), R({3})});
  entry("sub_", "scalar", [](V x) { Tensor y = x[0] * 1.0; y.sub_(x[1]); return y; }, {R({2, 3}), R({2, 3})});
  entry("mul_", "on a view", [](V x) {
    Tensor y = x[0].clone();
    y.narrow(0, 1, 2).mul_(x[1]);
    return y;
  }, {R({4, 3}), R({3})});
  entry("div_", "plain", [](V x) { Tensor y = x[0].clone(); y.div_(x[1]); return y; }, {R({3}), P({3})});
  entry("copy_", "into a slice", [](V x) {
    Tensor y = x[0].clone();
    y.select(1, 0).copy_(x[1]);
    return y * y;
  }, {R({3, 2}), R({3})});
  entry("clamp_", "plain", [](V x) { Tensor y = x[0].clone(); y.clamp_(-0.3, 0.3); return y; }, {R({6})});
  entry("masked_fill_", "plain", [](V x) {
    Tensor y = x[0].clone();
    y.masked_fill_(C(x[0]) > 0, 1.0);
    return y * x[0];
  }, {R({5})});
}

namespace {
// All registered cases, built once with a fixed seed per builder.
const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    std::vector<Case> c;
    for (Builder b : builders()) {
      manual_seed(1234);
      b(c);
    }
    return c;
  }();
  return all;
}
}  // namespace

TEST(GradcheckTable, EveryDifferentiableOpHasAnEntry) {
  std::set<std::string> covered;
  for (auto& c : cases()) covered.insert(c.op);
  for (const OpInfo& op : kOpList) {
    if (!op.differentiable) continue;
    EXPECT_TRUE(covered.count(op.name)) << "differentiable op '" << op.name << "' has no gradcheck entry";
  }
  // and no entry names an op outside the list
  std::set<std::string> listed;
  for (const OpInfo& op : kOpList) listed.insert(op.name);
  for (auto& name : covered) EXPECT_TRUE(listed.count(name)) << "gradcheck entry for unlisted op '" << name << "'";
}

class GradcheckOp : public ::testing::TestWithParam<size_t> {};

TEST_P(GradcheckOp, MatchesFiniteDifferences) {
  const Case& c = cases()[GetParam()];
  GradcheckResult r = gradcheck(c.fn, c.inputs, 1e-6, c.atol, c.rtol);
  EXPECT_TRUE(r.ok) << c.op << " [" << c.variant << "]: " << r.message;
}

INSTANTIATE_TEST_SUITE_P(Table, GradcheckOp, ::testing::Range<size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           const Case& c = cases()[info.param];
                           std::string n = c.op + "_" + c.variant;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n + "_" + std::to_string(info.param);
                         });

TEST(Gradcheck, DetectsAWrongGradient) {
  // A function whose recorded backward is wrong on purpose: y = x * 2 but the graph says dy/dx = 3.
  Fn bad = [](const std::vector<Tensor>& x) {
    Tensor y = (x[0] * 3).detach() * (2.0 / 3.0);  // value 2x, no history
    return y + (x[0] * 3 - (x[0] * 3).detach());   // adds zero, with gradient 3
  };
  Tensor x = R({3});
  GradcheckResult r = gradcheck(bad, {x});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("mismatch"), std::string::npos);
}

TEST(Gradcheck, RequiresFloat64) {
  Tensor x = randn({2}).requires_grad_();
  EXPECT_THROW(gradcheck([](const std::vector<Tensor>& v) { return v[0] * 2; }, {x}), Error);
}
