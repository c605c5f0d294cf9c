// DataLoader passes. With workers, batch numbers are claimed from a shared counter, at most
// prefetch_factor * num_workers ahead of the consumer (the bounded queue), and results are kept
// by batch number until the consumer asks for exactly that one: the order is pinned.
//
// Worker threads run only dataset code and collate; descent's own data code uses plain loops,
// and any tensor op a user's dataset calls is safe too: parallel_for runs inline when the
// intra-op pool is busy, so a worker never waits on the training thread's pool.
#include "descent/data/dataloader.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

#include "descent/autograd/grad_mode.h"
#include "descent/core/error.h"
#include "descent/core/generator.h"

namespace descent::data {
namespace detail {

// A nested error's own text: a descent::Error's message without its source location (the outer
// error adds its own), anything else's what().
std::string message_of(const std::exception& e) {
  if (const auto* d = dynamic_cast<const Error*>(&e)) return d->message();
  return e.what();
}

// The cursor, shared by the loader and its passes.
struct LoaderShared {
  std::mutex mu;
  uint64_t seed = 0;
  uint64_t epoch = 0;
  int64_t position = 0;
};

int64_t batches_for(int64_t samples, int64_t batch_size, bool drop_last) {
  return drop_last ? samples / batch_size : (samples + batch_size - 1) / batch_size;
}

struct LoaderRun {
  struct Result {
    Batch batch;
    std::exception_ptr error;
  };

  DatasetPtr dataset;
  CollateFn collate;
  std::shared_ptr<LoaderShared> shared;
  uint64_t seed = 0, epoch = 0;
  std::vector<int64_t> order;
  int64_t batch_size = 1, num_batches = 0;
  int64_t next_batch = 0;  // the next batch to hand out
  Batch current;
  bool done = false;
  bool cancelled = false;  // guarded by shared->mu: a cancelled pass no longer moves the cursor

  // Workers.
  int num_workers = 0;
  int64_t capacity = 0;
  std::mutex mu;
  std::condition_variable cv_work, cv_ready;
  int64_t next_claim = 0;
  int64_t consumed = 0;
  std::atomic<bool> stop{false};
  std::map<int64_t, Result> ready;
  std::vector<std::thread> threads;

  ~LoaderRun() { shutdown(); }

  void start_workers() {
    next_claim = consumed = next_batch;
    try {
      for (int w = 0; w < num_workers; ++w) threads.emplace_back([this] { worker_loop(); });
    } catch (const std::system_error& e) {
      shutdown();
      DESCENT_FAIL("DataLoader: cannot start worker threads (", num_workers, " asked): ", message_of(e));
    }
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> g(mu);
      stop = true;
    }
    cv_work.notify_all();
    for (auto& t : threads)
      if (t.joinable()) t.join();
    threads.clear();
  }

  void worker_loop() {
    NoGradGuard no_grad;
    for (;;) {
      int64_t b;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv_work.wait(lk, [&] { return stop || next_claim >= num_batches || next_claim < consumed + capacity; });
        if (stop || next_claim >= num_batches) return;
        b = next_claim++;
      }
      Result r;
      try {
        r.batch = load(b);
      } catch (...) {
        r.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> g(mu);
        ready.emplace(b, std::move(r));
      }
      cv_ready.notify_one();
    }
  }

  // Loads and collates batch b; failures become an Error naming the sample.
  Batch load(int64_t b) {
    const int64_t begin = b * batch_size;
    const int64_t end = std::min<int64_t>(begin + batch_size, static_cast<int64_t>(order.size()));
    const int64_t n = dataset->size();
    std::vector<Example> examples;
    std::vector<int64_t> indices;
    examples.reserve(size_t(end - begin));
    indices.reserve(size_t(end - begin));
    for (int64_t k = begin; k < end; ++k) {
      if (stop) return Batch();  // the pass is being torn down: nobody will read this batch
      const int64_t index = order[size_t(k)];
      DESCENT_CHECK(index >= 0 && index < n, "DataLoader: the sampler gave index ", index, " (position ", k,
                    " of epoch ", epoch, ") but the dataset has ", n, " examples");
      SampleRngScope rng(seed, epoch, uint64_t(k));
      try {
        examples.push_back(dataset->get(index));
      } catch (const std::exception& e) {
        DESCENT_FAIL("DataLoader: loading sample ", index, " (position ", k, " of epoch ", epoch, ", batch ", b,
                     ") failed: ", message_of(e));
      } catch (...) {
        DESCENT_FAIL("DataLoader: loading sample ", index, " (position ", k, " of epoch ", epoch, ", batch ", b,
                     ") failed with a non-standard exception");
      }
      indices.push_back(index);
    }
    Batch out;
    try {
      out = collate ? collate(examples, indices) : stack_collate(examples, indices);
    } catch (const std::exception& e) {
      DESCENT_FAIL("DataLoader: batch ", b, " of epoch ", epoch, ": ", message_of(e));
    }
    if (out.indices.empty()) out.indices = std::move(indices);  // a user collate may leave them out
    return out;
  }

  // Makes `current` the next batch, or marks the pass done (and moves the cursor to the next epoch).
  void advance() {
    if (done) return;
    if (next_batch >= num_batches) {
      done = true;
      shutdown();
      std::lock_guard<std::mutex> g(shared->mu);
      if (!cancelled) {
        shared->epoch = epoch + 1;
        shared->position = 0;
      }
      return;
    }
    {
      std::lock_guard<std::mutex> g(shared->mu);
      if (cancelled) {
        done = true;
        return;
      }
    }
    try {
      if (num_workers == 0) {
        NoGradGuard no_grad;
        current = load(next_batch);
      } else {
        Result r;
        {
          std::unique_lock<std::mutex> lk(mu);
          cv_ready.wait(lk, [&] { return ready.count(next_batch) > 0; });
          auto node = ready.extract(next_batch);
          r = std::move(node.mapped());
          consumed = next_batch + 1;
        }
        cv_work.notify_all();
        if (r.error) std::rethrow_exception(r.error);
        current = std::move(r.batch);
      }
    } catch (...) {
      // The failing batch is not delivered: the cursor stays on it, the pass ends.
      done = true;
      shutdown();
      throw;
    }
    ++next_batch;
    std::lock_guard<std::mutex> g(shared->mu);
    if (!cancelled) {
      shared->epoch = epoch;
      shared->position = next_batch;
    }
  }

  void cancel() {
    {
      std::lock_guard<std::mutex> g(shared->mu);
      cancelled = true;
    }
    shutdown();
  }
};

}  // namespace detail

DataLoader::DataLoader(DatasetPtr dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)), shared_(std::make_shared<detail::LoaderShared>()) {
  DESCENT_CHECK(dataset_ != nullptr, "DataLoader: dataset is null");
  DESCENT_CHECK(options_.batch_size_ >= 1, "DataLoader: batch_size must be at least 1, got ", options_.batch_size_);
  DESCENT_CHECK(options_.num_workers_ >= 0, "DataLoader: num_workers must be non-negative, got ",
                options_.num_workers_);
  DESCENT_CHECK(options_.num_workers_ <= 1024, "DataLoader: num_workers ", options_.num_workers_,
                " is unreasonably large (at most 1024)");
  DESCENT_CHECK(options_.prefetch_factor_ >= 1, "DataLoader: prefetch_factor must be at least 1, got ",
                options_.prefetch_factor_);
  DESCENT_CHECK(!(options_.sampler_ && options_.shuffle_),
                "DataLoader: shuffle and sampler are mutually exclusive (use a RandomSampler to shuffle)");
  if (options_.sampler_) sampler_ = options_.sampler_;
  else if (options_.shuffle_) sampler_ = std::make_shared<RandomSampler>(dataset_->size());
  else sampler_ = std::make_shared<SequentialSampler>(dataset_->size());
  shared_->seed = options_.seed_ ? *options_.seed_ : default_generator().next_u64();
}

DataLoader::~DataLoader() { stop_active(); }
DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&& o) noexcept {
  if (this != &o) {
    stop_active();
    dataset_ = std::move(o.dataset_);
    options_ = std::move(o.options_);
    sampler_ = std::move(o.sampler_);
    shared_ = std::move(o.shared_);
    active_ = std::move(o.active_);
  }
  return *this;
}

void DataLoader::stop_active() {
  if (auto run = active_.lock()) run->cancel();
  active_.reset();
}

int64_t DataLoader::size() const {
  return detail::batches_for(sampler_->size(), options_.batch_size_, options_.drop_last_);
}

uint64_t DataLoader::epoch() const {
  std::lock_guard<std::mutex> g(shared_->mu);
  return shared_->epoch;
}

uint64_t DataLoader::seed() const {
  std::lock_guard<std::mutex> g(shared_->mu);
  return shared_->seed;
}

void DataLoader::set_epoch(uint64_t epoch) {
  stop_active();
  std::lock_guard<std::mutex> g(shared_->mu);
  shared_->epoch = epoch;
  shared_->position = 0;
}

DataLoaderState DataLoader::state() const {
  std::lock_guard<std::mutex> g(shared_->mu);
  return {shared_->seed, shared_->epoch, shared_->position};
}

void DataLoader::load_state(const DataLoaderState& s) {
  DESCENT_CHECK(s.position >= 0 && s.position <= size(), "DataLoader::load_state: position ", s.position,
                " is outside the ", size(), " batches of an epoch");
  stop_active();
  std::lock_guard<std::mutex> g(shared_->mu);
  shared_->seed = s.seed;
  shared_->epoch = s.epoch;
  shared_->position = s.position;
}

DataLoader::Iterator DataLoader::begin() {
  stop_active();
  auto run = std::make_shared<detail::LoaderRun>();
  {
    std::lock_guard<std::mutex> g(shared_->mu);
    run->seed = shared_->seed;
    run->epoch = shared_->epoch;
    run->next_batch = shared_->position;
  }
  run->dataset = dataset_;
  run->collate = options_.collate_;
  run->shared = shared_;
  run->batch_size = options_.batch_size_;
  run->order = sampler_->indices(run->seed, run->epoch);
  run->num_batches = detail::batches_for(int64_t(run->order.size()), run->batch_size, options_.drop_last_);
  if (run->next_batch > 0 && run->next_batch >= run->num_batches) {
    // A cursor at the end of an epoch (a checkpoint taken after its last batch): start the next one.
    run->epoch += 1;
    run->next_batch = 0;
    run->order = sampler_->indices(run->seed, run->epoch);
    run->num_batches = detail::batches_for(int64_t(run->order.size()), run->batch_size, options_.drop_last_);
  }
  run->num_workers = options_.num_workers_;
  run->capacity = int64_t(options_.prefetch_factor_) * options_.num_workers_;
  if (run->num_workers > 0 && run->next_batch < run->num_batches) run->start_workers();
  active_ = run;
  run->advance();
  return Iterator(run);
}

Batch& DataLoader::Iterator::operator*() const {
  DESCENT_CHECK(run_ && !run_->done, "DataLoader::Iterator: dereferencing the end of a pass");
  return run_->current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  DESCENT_CHECK(run_ && !run_->done, "DataLoader::Iterator: incrementing past the end of a pass");
  run_->advance();
  return *this;
}

bool DataLoader::Iterator::operator==(const Iterator& o) const {
  const bool a_end = !run_ || run_->done, b_end = !o.run_ || o.run_->done;
  if (a_end || b_end) return a_end == b_end;
  return run_ == o.run_;
}

}  // namespace descent::data
