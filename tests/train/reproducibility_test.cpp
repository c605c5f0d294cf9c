// Reproducibility: training is a function of the seed, the data and the CPU's kernels only. Two
// runs of a small CNN (convolution, BatchNorm, pooling, dropout, Adam, a shuffling loader with
// worker threads) give bitwise-identical weights even when the second shares the machine with a
// busy competitor that steals time from descent's threads, and with another thread count: the
// work is cut into pieces that depend on the shapes, never on timing or on which thread is free.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "descent/backend/parallel.h"
#include "descent/descent.h"
#include "descent/train/train.h"

using namespace descent;

namespace {

/// Trains the same small CNN from seed 5 for one epoch and returns its state dict.
nn::StateDict train_once(int threads) {
  set_num_threads(threads);
  manual_seed(5);
  // Large enough that the convolutions, the GEMMs and the element-wise kernels all split their
  // work over the pool's threads.
  Tensor x = randn({512, 1, 28, 28});
  Tensor y = randint(0, 4, {512});
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 16, 3).padding(1)), nn::BatchNorm2d(16), nn::ReLU(),
                       nn::MaxPool2d(2), nn::Flatten(), nn::Dropout(0.2), nn::Linear(16 * 14 * 14, 64), nn::ReLU(),
                       nn::Linear(64, 4));
  optim::Adam opt(model->parameters(), optim::AdamOptions(0.01));
  data::DataLoader loader(std::make_shared<data::TensorDataset>(x, y),
                          data::DataLoaderOptions().batch_size(64).shuffle(true).seed(9).num_workers(2));
  train::Trainer t(train::TrainerOptions().epochs(2).task(train::Task::MultiClass, 4));
  t.fit(model, nullptr, opt, loader, nullptr);
  return model->state_dict();
}

void expect_bitwise_equal(const nn::StateDict& a, const nn::StateDict& b, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) {
    const Tensor& u = b[name];
    ASSERT_EQ(t.sizes(), u.sizes()) << name;
    const Tensor tc = t.contiguous(), uc = u.contiguous();
    EXPECT_EQ(std::memcmp(tc.raw_data(), uc.raw_data(), size_t(tc.nbytes())), 0) << what << ": " << name << " differs";
  }
}

}  // namespace

TEST(Reproducibility, BitwiseIdenticalNextToABusyCompetitorAndAcrossThreadCounts) {
  const int saved = get_num_threads();
  const nn::StateDict quiet = train_once(2);
  {
    // Two spinning threads: on a 2-core machine they take about half of descent's CPU time, so
    // its pool's threads start, stall and finish their pieces in other orders than before.
    std::atomic<bool> stop{false};
    std::vector<std::thread> competitors;
    for (int i = 0; i < 2; ++i)
      competitors.emplace_back([&] {
        volatile double v = 1.0;
        while (!stop.load(std::memory_order_relaxed)) v = v * 1.0000001 + 1e-9;
      });
    const nn::StateDict busy = train_once(2);
    stop = true;
    for (auto& c : competitors) c.join();
    expect_bitwise_equal(quiet, busy, "next to a busy competitor");
  }
  expect_bitwise_equal(quiet, train_once(1), "on one thread");
  expect_bitwise_equal(quiet, train_once(3), "on three threads");
  set_num_threads(saved);
}
