// DataLoader: batching, shuffling, workers with pinned order, errors from workers, resume.
#include <atomic>
#include <chrono>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>

#include "data_test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::with_timeout;

namespace {

std::shared_ptr<TensorDataset> range_dataset(int64_t n) {
  return std::make_shared<TensorDataset>(arange(0, n, 1, kFloat32).reshape({n, 1}), arange(n));
}

// A dataset whose samples take a varying time to load (to scramble worker completion order),
// get a random augmentation, and may throw at one index.
class SlowDataset : public Dataset {
 public:
  explicit SlowDataset(int64_t n, int64_t fail_at = -1, int kind = 0) : n_(n), fail_at_(fail_at), kind_(kind) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    calls.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds((i * 7919) % 5 * 200));
    if (i == fail_at_) {
      if (kind_ == 0) DESCENT_FAIL("corrupt record");
      if (kind_ == 1) throw std::runtime_error("disk on fire");
      throw 42;
    }
    SampleRng* rng = current_sample_rng();
    const float noise = rng ? float(rng->uniform()) : -1.0f;
    return {tensor({float(i), noise}), scalar_tensor(i)};
  }
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t n_, fail_at_;
  int kind_;
};

struct Seen {
  std::vector<std::vector<float>> data;
  std::vector<std::vector<int64_t>> target;
  std::vector<std::vector<int64_t>> indices;
  bool operator==(const Seen&) const = default;
};

Seen run_epochs(DataLoader& loader, int epochs) {
  Seen s;
  for (int e = 0; e < epochs; ++e)
    for (auto& b : loader) {
      s.data.push_back(b.data.to_vector<float>());
      s.target.push_back(b.target.to_vector<int64_t>());
      s.indices.push_back(b.indices);
    }
  return s;
}

}  // namespace

TEST(DataLoader, SequentialBatchesAndDropLast) {
  auto ds = range_dataset(10);
  DataLoader loader(ds, DataLoaderOptions().batch_size(3));
  EXPECT_EQ(loader.size(), 4);
  std::vector<int64_t> sizes, all;
  for (auto& b : loader) {
    sizes.push_back(b.size());
    EXPECT_EQ(b.data.size(0), b.size());
    for (int64_t t : b.target.to_vector<int64_t>()) all.push_back(t);
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 3, 1}));
  std::vector<int64_t> iota(10);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(all, iota);
  EXPECT_EQ(loader.epoch(), 1u);

  DataLoader dl(ds, DataLoaderOptions().batch_size(3).drop_last(true));
  EXPECT_EQ(dl.size(), 3);
  int n = 0;
  for (auto& b : dl) {
    EXPECT_EQ(b.size(), 3);
    ++n;
  }
  EXPECT_EQ(n, 3);
  // Fewer samples than a batch with drop_last: an empty pass.
  DataLoader none(range_dataset(2), DataLoaderOptions().batch_size(3).drop_last(true));
  EXPECT_EQ(none.size(), 0);
  EXPECT_TRUE(none.begin() == none.end());
}

TEST(DataLoader, ShuffleGivesANewPermutationEachEpoch) {
  auto ds = range_dataset(64);
  DataLoader loader(ds, DataLoaderOptions().batch_size(64).shuffle(true).seed(5));
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 3; ++e)
    for (auto& b : loader) epochs.push_back(b.indices);
  ASSERT_EQ(epochs.size(), 3u);
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
  for (auto v : epochs) {
    std::sort(v.begin(), v.end());
    EXPECT_EQ(v.front(), 0);
    EXPECT_EQ(v.back(), 63);
    EXPECT_EQ(std::set<int64_t>(v.begin(), v.end()).size(), 64u);
  }
  DataLoader same(ds, DataLoaderOptions().batch_size(64).shuffle(true).seed(5));
  EXPECT_EQ((*same.begin()).indices, epochs[0]);
  DataLoader other(ds, DataLoaderOptions().batch_size(64).shuffle(true).seed(6));
  EXPECT_NE((*other.begin()).indices, epochs[0]);
  // Without a seed, manual_seed() makes the loader repeatable.
  manual_seed(11);
  DataLoader u1(ds, DataLoaderOptions().batch_size(64).shuffle(true));
  manual_seed(11);
  DataLoader u2(ds, DataLoaderOptions().batch_size(64).shuffle(true));
  EXPECT_EQ(u1.seed(), u2.seed());
}

TEST(DataLoader, BatchesAreIdenticalForAnyWorkerCount) {
  with_timeout([] {
    auto base = std::make_shared<SlowDataset>(53);
    // A random augmentation on top, through MapDataset and a transform.
    auto ds = std::make_shared<MapDataset>(base, [](const Tensor& x, SampleRng& rng) { return x * float(1 + rng.uniform()); });
    Seen ref;
    for (int workers : {0, 1, 2, 4}) {
      DataLoader loader(ds, DataLoaderOptions().batch_size(4).shuffle(true).seed(123).num_workers(workers).prefetch_factor(2));
      Seen s = run_epochs(loader, 2);
      EXPECT_EQ(s.data.size(), 28u);
      if (workers == 0) ref = s;
      else EXPECT_TRUE(s == ref) << "num_workers " << workers << " changed the batches";
    }
    // Every sample got its own augmentation draw.
    std::set<float> noise;
    for (auto& d : ref.data)
      for (size_t k = 1; k < d.size(); k += 2) noise.insert(d[k]);
    EXPECT_GT(noise.size(), 100u);
  });
}

TEST(DataLoader, SamplersAndPadCollateWithWorkers) {
  with_timeout([] {
    auto ds = range_dataset(20);
    auto weighted = std::make_shared<WeightedRandomSampler>(std::vector<double>(20, 1.0), 30);
    Seen ref;
    for (int w : {0, 2}) {
      DataLoader loader(ds, DataLoaderOptions().batch_size(7).sampler(weighted).num_workers(w).seed(3));
      EXPECT_EQ(loader.size(), 5);
      Seen s = run_epochs(loader, 1);
      if (w == 0) ref = s;
      else EXPECT_TRUE(s == ref);
    }
    // A user collate that fills only data: the loader adds the indices.
    DataLoader custom(ds, DataLoaderOptions().batch_size(3).collate([](std::vector<Example>& ex, const std::vector<int64_t>&) {
      Batch b;
      b.data = scalar_tensor(int64_t(ex.size()));
      return b;
    }));
    EXPECT_EQ(custom.begin()->indices, (std::vector<int64_t>{0, 1, 2}));
    DataLoader fixed(ds, DataLoaderOptions().batch_size(2).sampler(std::make_shared<SubsetSampler>(std::vector<int64_t>{19, 3, 3})));
    Seen f = run_epochs(fixed, 1);
    EXPECT_EQ(f.indices, (std::vector<std::vector<int64_t>>{{19, 3}, {3}}));

    // Variable-length sequences.
    auto seqs = MapDataset::on_examples(ds, [](Example ex, SampleRng&) {
      const int64_t n = ex.target.item<int64_t>() % 4 + 1;
      return Example{ones({n}, kInt64) * ex.target, ex.target};
    });
    for (int w : {0, 3}) {
      DataLoader loader(seqs, DataLoaderOptions().batch_size(4).collate(pad_collate_fn(-1)).num_workers(w));
      auto it = loader.begin();
      EXPECT_EQ(it->lengths.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 4}));
      EXPECT_EQ(it->data.to_vector<int64_t>(),
                (std::vector<int64_t>{0, -1, -1, -1, 1, 1, -1, -1, 2, 2, 2, -1, 3, 3, 3, 3}));
    }
  });
}

TEST(DataLoader, BadOptionsAndBadSamplers) {
  auto ds = range_dataset(5);
  EXPECT_NE(error_of([&] { DataLoader(ds, DataLoaderOptions().batch_size(0)); }).find("batch_size"), std::string::npos);
  EXPECT_NE(error_of([&] { DataLoader(ds, DataLoaderOptions().num_workers(-1)); }).find("num_workers"), std::string::npos);
  EXPECT_NE(error_of([&] { DataLoader(ds, DataLoaderOptions().prefetch_factor(0)); }).find("prefetch_factor"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              DataLoader(ds, DataLoaderOptions().shuffle(true).sampler(std::make_shared<SequentialSampler>(5)));
            }).find("mutually exclusive"),
            std::string::npos);
  EXPECT_NE(error_of([] { DataLoader(nullptr); }).find("null"), std::string::npos);
  with_timeout([&] {
    for (int w : {0, 2}) {
      DataLoader loader(ds, DataLoaderOptions().num_workers(w).sampler(std::make_shared<SubsetSampler>(std::vector<int64_t>{1, 9})));
      std::string msg;
      int got = 0;
      try {
        for (auto& b : loader) {
          (void)b;
          ++got;
        }
      } catch (const Error& e) {
        msg = e.what();
      }
      EXPECT_EQ(got, 1);
      EXPECT_NE(msg.find("sampler gave index 9"), std::string::npos) << msg;
    }
  });
}

TEST(DataLoader, WorkerExceptionsReachTheCallerWithTheSampleIndex) {
  with_timeout([] {
    for (int kind : {0, 1, 2}) {
      for (int workers : {0, 1, 2, 4}) {
        auto ds = std::make_shared<SlowDataset>(40, 22, kind);
        DataLoader loader(ds, DataLoaderOptions().batch_size(4).num_workers(workers));
        std::vector<int64_t> firsts;
        std::string msg;
        try {
          for (auto& b : loader) firsts.push_back(b.indices[0]);
        } catch (const Error& e) {
          msg = e.what();
        }
        // Batches 0..4 arrive in order, then batch 5 (samples 20..23) fails at sample 22.
        EXPECT_EQ(firsts, (std::vector<int64_t>{0, 4, 8, 12, 16})) << "workers " << workers;
        EXPECT_NE(msg.find("loading sample 22"), std::string::npos) << msg;
        EXPECT_NE(msg.find(kind == 0 ? "corrupt record" : kind == 1 ? "disk on fire" : "non-standard exception"),
                  std::string::npos)
            << msg;
        // The cursor stays on the failing batch: the next pass retries it (and fails again).
        EXPECT_EQ(loader.state().position, 5);
        EXPECT_NE(error_of([&] { loader.begin(); }).find("loading sample 22"), std::string::npos);
      }
    }
  });
}

TEST(DataLoader, CollateErrorsNameTheSample) {
  with_timeout([] {
    auto ds = MapDataset::on_examples(range_dataset(8), [](Example ex, SampleRng&) {
      const int64_t i = ex.target.item<int64_t>();
      return Example{zeros({i == 5 ? 3 : 2}), ex.target};
    });
    for (int w : {0, 2}) {
      DataLoader loader(ds, DataLoaderOptions().batch_size(4).num_workers(w));
      std::string msg;
      try {
        for (auto& b : loader) (void)b;
      } catch (const Error& e) {
        msg = e.what();
      }
      EXPECT_NE(msg.find("batch 1"), std::string::npos) << msg;
      EXPECT_NE(msg.find("dataset index 5"), std::string::npos) << msg;
    }
  });
}

TEST(DataLoader, EarlyBreakStopsWorkersAndKeepsTheCursor) {
  with_timeout([] {
    auto ds = std::make_shared<SlowDataset>(200);
    DataLoader loader(ds, DataLoaderOptions().batch_size(5).num_workers(4).prefetch_factor(1).shuffle(true).seed(9));
    std::vector<std::vector<int64_t>> first;
    for (auto& b : loader) {
      first.push_back(b.indices);
      if (first.size() == 2) break;
    }
    EXPECT_EQ(loader.state().position, 2);
    // The next pass continues the epoch.
    std::vector<std::vector<int64_t>> rest;
    for (auto& b : loader) rest.push_back(b.indices);
    EXPECT_EQ(rest.size(), 38u);
    DataLoader ref(ds, DataLoaderOptions().batch_size(5).shuffle(true).seed(9));
    std::vector<std::vector<int64_t>> all;
    for (auto& b : ref) all.push_back(b.indices);
    first.insert(first.end(), rest.begin(), rest.end());
    EXPECT_EQ(first, all);
    // set_epoch restarts from the first batch.
    loader.set_epoch(0);
    EXPECT_EQ((*loader.begin()).indices, all[0]);
  });
}

TEST(DataLoader, PrefetchIsBounded) {
  with_timeout([] {
    auto ds = std::make_shared<SlowDataset>(120);
    const int64_t bs = 3, workers = 2, prefetch = 2;
    DataLoader loader(ds, DataLoaderOptions().batch_size(bs).num_workers(workers).prefetch_factor(prefetch));
    int64_t k = 0;
    for (auto& b : loader) {
      (void)b;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      // Claimed batches never run more than prefetch * workers ahead of the consumer.
      EXPECT_LE(ds->calls.load(), (k + 1 + prefetch * workers) * bs);
      ++k;
    }
    EXPECT_EQ(k, 40);
  });
}

TEST(DataLoader, StateResumesExactly) {
  with_timeout([] {
    auto ds = std::make_shared<MapDataset>(std::make_shared<SlowDataset>(30),
                                           [](const Tensor& x, SampleRng& rng) { return x + float(rng.uniform()); });
    auto opts = DataLoaderOptions().batch_size(4).shuffle(true).num_workers(2);
    DataLoader a(ds, opts);  // seed drawn from the default generator
    Seen ref = run_epochs(a, 3);
    // Stop in the middle of epoch 1 and save the cursor.
    DataLoader b(ds, DataLoaderOptions(opts).seed(a.seed()));
    run_epochs(b, 1);
    int taken = 0;
    DataLoaderState saved;
    for (auto& batch : b) {
      (void)batch;
      if (++taken == 3) {
        saved = b.state();
        break;
      }
    }
    EXPECT_EQ(saved.epoch, 1u);
    EXPECT_EQ(saved.position, 3);
    EXPECT_EQ(saved.seed, a.seed());
    // A new loader (another seed, other worker count) restored from the state goes on identically.
    DataLoader c(ds, DataLoaderOptions(opts).num_workers(0).seed(777));
    c.load_state(saved);
    Seen rest = run_epochs(c, 2);
    Seen expect;
    for (size_t i = 8 + 3; i < ref.data.size(); ++i) {
      expect.data.push_back(ref.data[i]);
      expect.target.push_back(ref.target[i]);
      expect.indices.push_back(ref.indices[i]);
    }
    EXPECT_TRUE(rest == expect);
    // A cursor at the end of an epoch starts the next one.
    DataLoader d(ds, DataLoaderOptions(opts).seed(a.seed()));
    d.load_state({a.seed(), 0, d.size()});
    EXPECT_EQ((*d.begin()).indices, ref.indices[8]);
    EXPECT_EQ(d.epoch(), 1u);
    EXPECT_NE(error_of([&] { d.load_state({0, 0, 99}); }).find("position 99"), std::string::npos);
  });
}

TEST(DataLoader, WorkersUsingTensorOpsDoNotDeadlockWithThePool) {
  with_timeout([] {
    // Samples built with pool-sized tensor ops on worker threads, while the main thread also
    // runs parallel ops between batches.
    auto ds = MapDataset::on_examples(range_dataset(24), [](Example ex, SampleRng&) {
      Tensor big = ones({1 << 16}) * ex.target.item<int64_t>();
      return Example{big.sum().reshape({1}), ex.target};
    });
    DataLoader loader(ds, DataLoaderOptions().batch_size(2).num_workers(3));
    double total = 0;
    for (auto& b : loader) {
      total += (ones({1 << 18}) * 2).sum().item<double>() * 0 + b.data.sum().item<double>();
    }
    EXPECT_DOUBLE_EQ(total, double(1 << 16) * (23 * 24 / 2));
  });
}
