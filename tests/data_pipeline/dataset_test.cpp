// Datasets, samplers and collate.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "data_test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;

namespace {
std::shared_ptr<TensorDataset> range_dataset(int64_t n) {
  return std::make_shared<TensorDataset>(arange(0, n, 1, kFloat32).reshape({n, 1}) * 10.0, arange(n));
}
}  // namespace

TEST(Dataset, TensorDatasetGivesRowsAndTargets) {
  auto ds = range_dataset(5);
  EXPECT_EQ(ds->size(), 5);
  Example e = ds->get(3);
  EXPECT_EQ(e.data.sizes(), Shape({1}));
  EXPECT_FLOAT_EQ(e.data.item<float>(), 30.0f);
  EXPECT_EQ(e.target.item<int64_t>(), 3);
  EXPECT_NE(error_of([&] { ds->get(5); }).find("index 5 is out of range for 5"), std::string::npos);
  EXPECT_NE(error_of([&] { ds->get(-1); }).find("index -1"), std::string::npos);
  EXPECT_NE(error_of([] { TensorDataset(zeros({4, 2}), zeros({3})); }).find("target has shape [3]"), std::string::npos);
  TensorDataset unlabelled(zeros({2, 3}));
  EXPECT_FALSE(unlabelled.get(1).target.defined());
}

TEST(Dataset, SubsetAndConcat) {
  auto ds = range_dataset(6);
  Subset s(ds, {5, 0, 2});
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.get(0).target.item<int64_t>(), 5);
  EXPECT_EQ(s.get(2).target.item<int64_t>(), 2);
  EXPECT_NE(error_of([&] { Subset(ds, {1, 6}); }).find("index 6 (entry 1)"), std::string::npos);

  auto empty_ds = std::make_shared<TensorDataset>(zeros({0, 1}), zeros({0}, kInt64));
  ConcatDataset c({range_dataset(2), empty_ds, range_dataset(3)});
  EXPECT_EQ(c.size(), 5);
  std::vector<int64_t> got;
  for (int64_t i = 0; i < c.size(); ++i) got.push_back(c.get(i).target.item<int64_t>());
  EXPECT_EQ(got, (std::vector<int64_t>{0, 1, 0, 1, 2}));
  EXPECT_NE(error_of([&] { c.get(5); }).find("ConcatDataset"), std::string::npos);
}

TEST(Dataset, MapDatasetAppliesTransformsWithASampleRng) {
  auto ds = range_dataset(4);
  auto m = std::make_shared<MapDataset>(ds, [](const Tensor& x, SampleRng&) { return x + 1.0; },
                                        [](const Tensor& t, SampleRng&) { return t * 2; });
  Example e = m->get(2);
  EXPECT_FLOAT_EQ(e.data.item<float>(), 21.0f);
  EXPECT_EQ(e.target.item<int64_t>(), 4);
  // Random transforms: get(i) outside a loader is repeatable, and differs between indices.
  auto noisy = std::make_shared<MapDataset>(ds, [](const Tensor& x, SampleRng& rng) { return x + rng.uniform(); });
  EXPECT_FLOAT_EQ(noisy->get(1).data.item<float>(), noisy->get(1).data.item<float>());
  EXPECT_NE(noisy->get(1).data.item<float>() - 10.0f, noisy->get(2).data.item<float>() - 20.0f);
  auto swap = MapDataset::on_examples(ds, [](Example ex, SampleRng&) { return Example{ex.target, ex.data}; });
  EXPECT_EQ(swap->get(1).data.item<int64_t>(), 1);
}

TEST(SampleRng, StreamsDependOnSeedEpochAndPosition) {
  SampleRng a(1, 0, 5), b(1, 0, 5), c(1, 1, 5), d(1, 0, 6), e(2, 0, 5);
  const uint64_t va = a.next_u64();
  EXPECT_EQ(va, b.next_u64());
  EXPECT_NE(va, c.next_u64());
  EXPECT_NE(va, d.next_u64());
  EXPECT_NE(va, e.next_u64());
  SampleRng r(7, 0, 0);
  std::vector<int> hist(5, 0);
  for (int i = 0; i < 5000; ++i) {
    const int64_t k = r.randint(3, 8);
    ASSERT_GE(k, 3);
    ASSERT_LT(k, 8);
    hist[size_t(k - 3)]++;
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  for (int h : hist) EXPECT_NEAR(h, 1000, 150);
}

TEST(Sampler, SequentialRandomSubset) {
  EXPECT_EQ(SequentialSampler(4).indices(0, 0), (std::vector<int64_t>{0, 1, 2, 3}));
  RandomSampler r(50);
  auto e0 = r.indices(9, 0), e0b = r.indices(9, 0), e1 = r.indices(9, 1), s2 = r.indices(10, 0);
  EXPECT_EQ(e0, e0b);
  EXPECT_NE(e0, e1);
  EXPECT_NE(e0, s2);
  std::vector<int64_t> sorted = e1;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(50);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  // An own seed overrides the loader's.
  RandomSampler own(50, 3);
  EXPECT_EQ(own.indices(1, 0), own.indices(2, 0));
  EXPECT_EQ(SubsetSampler({4, 1, 4}).indices(0, 3), (std::vector<int64_t>{4, 1, 4}));
  SubsetRandomSampler sr({10, 20, 30, 40});
  auto p = sr.indices(1, 0);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<int64_t>{10, 20, 30, 40}));
  EXPECT_NE(error_of([] { SubsetSampler({0, -2}); }).find("index -2"), std::string::npos);
  EXPECT_NE(error_of([] { RandomSampler(-1); }).find("non-negative"), std::string::npos);
}

TEST(Sampler, WeightedWithReplacementFollowsTheWeights) {
  WeightedRandomSampler s({1.0, 0.0, 3.0}, 8000);
  EXPECT_EQ(s.size(), 8000);
  auto idx = s.indices(42, 0);
  ASSERT_EQ(idx.size(), 8000u);
  std::vector<int> hist(3, 0);
  for (int64_t i : idx) hist[size_t(i)]++;
  EXPECT_EQ(hist[1], 0);
  EXPECT_NEAR(hist[0] / 8000.0, 0.25, 0.02);
  EXPECT_NEAR(hist[2] / 8000.0, 0.75, 0.02);
  EXPECT_NE(s.indices(42, 1), idx);
  EXPECT_EQ(s.indices(42, 0), idx);
  // Without replacement: distinct indices with non-zero weight.
  WeightedRandomSampler nr({1, 5, 0, 2, 2}, 4, false);
  auto v = nr.indices(1, 0);
  std::set<int64_t> u(v.begin(), v.end());
  EXPECT_EQ(u, (std::set<int64_t>{0, 1, 3, 4}));
  EXPECT_NE(error_of([] { WeightedRandomSampler({1, 0}, 2, false); }).find("without replacement"), std::string::npos);
  EXPECT_NE(error_of([] { WeightedRandomSampler({1, -1}, 2); }).find("weight 1 is -1"), std::string::npos);
  EXPECT_NE(error_of([] { WeightedRandomSampler({0, 0}, 2); }).find("all 2 weights are zero"), std::string::npos);
  EXPECT_NE(error_of([] { WeightedRandomSampler({1, NAN}, 2); }).find("finite"), std::string::npos);
}

TEST(Collate, StackMakesBatchesAndNamesMismatches) {
  std::vector<Example> ex = {{tensor({1.0, 2.0}), scalar_tensor(int64_t(3))}, {tensor({3.0, 4.0}), scalar_tensor(int64_t(5))}};
  Batch b = stack_collate(ex, {7, 8});
  EXPECT_EQ(b.data.sizes(), Shape({2, 2}));
  EXPECT_EQ(b.data.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(b.indices, (std::vector<int64_t>{7, 8}));
  EXPECT_FALSE(b.lengths.defined());

  std::vector<Example> bad = {{zeros({3, 28, 28}), Tensor()}, {zeros({3, 30, 28}), Tensor()}};
  const std::string msg = error_of([&] { stack_collate(bad, {4, 17}); });
  EXPECT_NE(msg.find("dataset index 17"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3, 30, 28]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Resize"), std::string::npos) << msg;
  std::vector<Example> dt = {{zeros({2}), Tensor()}, {zeros({2}, kFloat64), Tensor()}};
  EXPECT_NE(error_of([&] { stack_collate(dt, {0, 1}); }).find("dtype float64"), std::string::npos);
  std::vector<Example> partial = {{zeros({2}), scalar_tensor(int64_t(1))}, {zeros({2}), Tensor()}};
  EXPECT_NE(error_of([&] { stack_collate(partial, {0, 1}); }).find("no target"), std::string::npos);
  // Non-contiguous samples are copied in logical order.
  Tensor m = arange(0, 4, 1, kFloat32).reshape({2, 2});
  std::vector<Example> tr = {{m.t(), Tensor()}};
  EXPECT_EQ(stack_collate(tr, {0}).data.to_vector<float>(), (std::vector<float>{0, 2, 1, 3}));
}

TEST(Collate, ChannelsLastSamplesMakeAChannelsLastBatch) {
  Tensor a = rand({3, 4, 5}), b = rand({3, 4, 5});
  std::vector<Example> ex = {{image::to_channels_last(a), Tensor()}, {image::to_channels_last(b), Tensor()}};
  Batch batch = stack_collate(ex, {0, 1});
  EXPECT_TRUE(batch.data.is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_TRUE(equal(batch.data.contiguous(), stack({a, b})));
}

TEST(Collate, PadCollateAddsLengths) {
  std::vector<Example> ex = {{tensor({1, 2, 3}), scalar_tensor(int64_t(0))},
                             {tensor({4}), scalar_tensor(int64_t(1))},
                             {tensor({5, 6}), scalar_tensor(int64_t(2))}};
  Batch b = pad_collate(ex, {0, 1, 2}, -1);
  EXPECT_EQ(b.data.sizes(), Shape({3, 3}));
  EXPECT_EQ(b.data.dtype(), kInt64);
  EXPECT_EQ(b.data.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 4, -1, -1, 5, 6, -1}));
  EXPECT_EQ(b.lengths.to_vector<int64_t>(), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
  // [L, D] sequences pad along L; D must agree.
  std::vector<Example> seq = {{ones({2, 3}), Tensor()}, {ones({1, 3}), Tensor()}};
  Batch s = pad_collate(seq, {0, 1});
  EXPECT_EQ(s.data.sizes(), Shape({2, 2, 3}));
  EXPECT_FLOAT_EQ(s.data.sum().item<float>(), 9.0f);
  std::vector<Example> bad = {{ones({2, 3}), Tensor()}, {ones({1, 4}), Tensor()}};
  EXPECT_NE(error_of([&] { pad_collate(bad, {0, 9}); }).find("dataset index 9"), std::string::npos);
  std::vector<Example> scalar = {{scalar_tensor(1.0), Tensor()}};
  EXPECT_NE(error_of([&] { pad_collate(scalar, {0}); }).find("length dimension"), std::string::npos);
}
