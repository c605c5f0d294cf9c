// random_split, stratified_split, k_fold.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "data_test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;

TEST(Split, SizesFollowPyTorch) {
  // floor(n * f), then the remainder round-robin from the first split.
  EXPECT_EQ(split_sizes(100, {0.9, 0.05, 0.05}), (std::vector<int64_t>{90, 5, 5}));
  EXPECT_EQ(split_sizes(10, {0.7, 0.2, 0.1}), (std::vector<int64_t>{7, 2, 1}));
  EXPECT_EQ(split_sizes(11, {0.7, 0.2, 0.1}), (std::vector<int64_t>{8, 2, 1}));  // 7, 2, 1 + one to the first
  EXPECT_EQ(split_sizes(13, {0.7, 0.2, 0.1}), (std::vector<int64_t>{10, 2, 1}));  // 9, 2, 1 + 1
  EXPECT_EQ(split_sizes(5, {1.0 / 3, 1.0 / 3, 1.0 / 3}), (std::vector<int64_t>{2, 2, 1}));  // 1, 1, 1 + 2 round-robin
  EXPECT_EQ(split_sizes(60000, {0.9, 0.05, 0.05}), (std::vector<int64_t>{54000, 3000, 3000}));
  EXPECT_EQ(split_sizes(7, {0.5, 0.5}), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(split_sizes(10, {6, 4}), (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(split_sizes(1, {1}), (std::vector<int64_t>{1}));
  EXPECT_NE(error_of([] { split_sizes(10, {6, 5}); }).find("sum to 11 but the dataset has 10"), std::string::npos);
  EXPECT_NE(error_of([] { split_sizes(10, {0.5, 0.6}); }).find("whole counts"), std::string::npos);
  EXPECT_NE(error_of([] { split_sizes(10, {-1, 11}); }).find("non-negative"), std::string::npos);
  EXPECT_NE(error_of([] { split_sizes(10, {}); }).find("no lengths"), std::string::npos);
}

TEST(Split, RandomSplitIsAPartitionAndSeeded) {
  auto ds = std::make_shared<TensorDataset>(zeros({100, 1}), arange(100));
  auto parts = random_split(ds, {0.7, 0.2, 0.1}, 42);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]->size(), 70);
  EXPECT_EQ(parts[1]->size(), 20);
  EXPECT_EQ(parts[2]->size(), 10);
  std::set<int64_t> all;
  for (auto& p : parts)
    for (int64_t i = 0; i < p->size(); ++i) all.insert(p->get(i).target.item<int64_t>());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(random_split(ds, {0.7, 0.2, 0.1}, 42)[1]->indices(), parts[1]->indices());
  EXPECT_NE(random_split(ds, {0.7, 0.2, 0.1}, 43)[1]->indices(), parts[1]->indices());
  auto counts = random_split_indices(10, {3, 7}, 1);
  EXPECT_EQ(counts[0].size(), 3u);
  EXPECT_EQ(counts[1].size(), 7u);
}

TEST(Split, OrderedKeepsTheItemsOrder) {
  const auto parts = data::ordered_split_indices(10, {0.7, 0.2, 0.1});
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(parts[1], (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(parts[2], (std::vector<int64_t>{9}));
  // Sizes as split_sizes (the remainder round-robin from the first split), consecutive and complete.
  const auto odd = data::ordered_split_indices(11, {0.5, 0.5});
  EXPECT_EQ(odd[0].size(), 6u);
  EXPECT_EQ(odd[1].front(), 6);
  EXPECT_EQ(odd[1].back(), 10);
  EXPECT_TRUE(data::ordered_split_indices(0, {0.5, 0.5})[0].empty());
}

TEST(Split, StratifiedKeepsClassProportions) {
  // Imbalanced classes: 600 of class 0, 300 of class 1, 100 of class 2 (interleaved).
  std::vector<int64_t> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2);
  auto parts = stratified_split_indices(labels, {0.7, 0.2, 0.1}, 7);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 700u);
  EXPECT_EQ(parts[1].size(), 200u);
  EXPECT_EQ(parts[2].size(), 100u);
  const std::vector<std::vector<int>> expect = {{420, 210, 70}, {120, 60, 20}, {60, 30, 10}};
  std::set<int64_t> seen;
  for (size_t k = 0; k < 3; ++k) {
    std::vector<int> count(3, 0);
    for (int64_t i : parts[k]) {
      count[size_t(labels[size_t(i)])]++;
      seen.insert(i);
    }
    EXPECT_EQ(count, expect[k]) << "split " << k;
    EXPECT_TRUE(std::is_sorted(parts[k].begin(), parts[k].end()));
  }
  EXPECT_EQ(seen.size(), 1000u);
  // Uneven counts: sizes stay exact and each class is within 2 of its share.
  std::vector<int64_t> odd;
  for (int i = 0; i < 97; ++i) odd.push_back(i % 7 == 0 ? 5 : i % 3);
  auto p2 = stratified_split_indices(odd, {0.7, 0.2, 0.1}, 3);
  const auto sizes = split_sizes(97, {0.7, 0.2, 0.1});
  std::map<int64_t, int> per_class;
  for (int64_t l : odd) per_class[l]++;
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(int64_t(p2[k].size()), sizes[k]);
    std::map<int64_t, int> c;
    for (int64_t i : p2[k]) c[odd[size_t(i)]]++;
    for (auto& [l, n] : per_class) EXPECT_NEAR(c[l], double(n) * double(sizes[k]) / 97.0, 2.0) << "class " << l;
  }
  // Through a dataset: labels from the targets.
  auto ds = std::make_shared<TensorDataset>(zeros({1000, 1}), from_vector(labels));
  auto subsets = stratified_split(ds, {0.7, 0.2, 0.1}, 7);
  EXPECT_EQ(subsets[1]->indices(), parts[1]);
  auto unlabelled = std::make_shared<TensorDataset>(zeros({3, 1}), zeros({3, 2}));
  EXPECT_NE(error_of([&] { stratified_split(unlabelled, {0.5, 0.5}, 0); }).find("single integers"), std::string::npos);
}

TEST(Split, KFoldLikeSklearn) {
  auto folds = k_fold(10, 3);
  ASSERT_EQ(folds.size(), 3u);
  EXPECT_EQ(folds[0].validation, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(folds[1].validation, (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(folds[2].validation, (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(folds[1].train, (std::vector<int64_t>{0, 1, 2, 3, 7, 8, 9}));
  auto shuffled = k_fold(10, 5, true, 1);
  std::vector<int64_t> all;
  for (auto& f : shuffled) {
    EXPECT_EQ(f.validation.size(), 2u);
    EXPECT_EQ(f.train.size(), 8u);
    all.insert(all.end(), f.validation.begin(), f.validation.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<int64_t> iota(10);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(all, iota);
  EXPECT_NE(error_of([] { k_fold(3, 4); }).find("at least k items"), std::string::npos);
  EXPECT_NE(error_of([] { k_fold(3, 1); }).find("at least 2"), std::string::npos);
}
