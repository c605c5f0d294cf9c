#pragma once
// DataLoader: batches of a dataset in sampler order, loaded on the calling thread (num_workers 0)
// or on worker threads with a bounded prefetch queue. Batch b of an epoch is always the same
// tensors, in the same place in the order, whatever num_workers is: workers claim batch numbers,
// the consumer takes them back in order, and augmentations draw from a SampleRng keyed by
// (seed, epoch, position of the sample in the epoch).
//
//   auto loader = DataLoader(ds, DataLoaderOptions().batch_size(128).shuffle(true).num_workers(2));
//   for (auto& batch : loader) { ... batch.data, batch.target ... }
//
// Each full pass moves the loader to the next epoch (a new permutation when shuffling). The
// loader keeps a cursor (epoch, batches delivered); state() / load_state() save and restore it,
// so a resumed run continues with exactly the batch that came next. A pass left early (break)
// leaves the cursor where it stopped; set_epoch() starts an epoch from its first batch.
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>

#include "descent/data/collate.h"
#include "descent/data/dataset.h"
#include "descent/data/sampler.h"

namespace descent::data {

/// Options of a DataLoader, validated when the loader is built.
struct DataLoaderOptions {
  /// Examples per batch (>= 1).
  DataLoaderOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  /// A new random order every epoch (ignored when a sampler is set; an error if both are set).
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  /// Drop the last batch when it is smaller than batch_size.
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  /// Loading threads; 0 loads on the calling thread.
  DataLoaderOptions& num_workers(int v) { num_workers_ = v; return *this; }
  /// Batches each worker may have loaded ahead of the consumer (queue bound = this * num_workers).
  DataLoaderOptions& prefetch_factor(int v) { prefetch_factor_ = v; return *this; }
  /// Seed of shuffling and of every augmentation; without one, a seed is drawn from
  /// descent's default generator when the loader is built (so manual_seed() fixes it).
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  /// The order of indices (overrides shuffle).
  DataLoaderOptions& sampler(std::shared_ptr<const Sampler> v) { sampler_ = std::move(v); return *this; }
  /// How examples become a batch (stack_collate by default).
  DataLoaderOptions& collate(CollateFn v) { collate_ = std::move(v); return *this; }

  int64_t batch_size_ = 1;
  bool shuffle_ = false;
  bool drop_last_ = false;
  int num_workers_ = 0;
  int prefetch_factor_ = 2;
  std::optional<uint64_t> seed_;
  std::shared_ptr<const Sampler> sampler_;
  CollateFn collate_;
};

/// Where a loader is: its seed, the epoch and the number of batches of it already delivered.
struct DataLoaderState {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  int64_t position = 0;
  bool operator==(const DataLoaderState&) const = default;
};

namespace detail {
struct LoaderRun;
struct LoaderShared;
}  // namespace detail

/// Iterates batches of a dataset (torch.utils.data.DataLoader).
class DataLoader {
 public:
  DataLoader(DatasetPtr dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// An input iterator over the batches of one pass; batches are owned by the pass.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = Batch*;
    using reference = Batch&;
    Iterator() = default;
    Batch& operator*() const;
    Batch* operator->() const { return &**this; }
    /// Moves to the next batch; rethrows (as descent::Error naming the sample) a loading failure.
    Iterator& operator++();
    bool operator==(const Iterator& o) const;

   private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<detail::LoaderRun> run) : run_(std::move(run)) {}
    std::shared_ptr<detail::LoaderRun> run_;
  };

  /// Starts (or resumes) a pass at the cursor and loads its first batch. A previous pass still
  /// in progress is stopped first.
  Iterator begin();
  Iterator end() { return Iterator(); }

  /// Batches in one epoch (len(loader)).
  int64_t size() const;
  /// The dataset.
  const DatasetPtr& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  /// The epoch the next batch comes from.
  uint64_t epoch() const;
  /// Moves the cursor to the first batch of `epoch`.
  void set_epoch(uint64_t epoch);
  /// The cursor, for checkpoints.
  DataLoaderState state() const;
  /// Restores a cursor saved by state(): the next pass starts at that batch.
  void load_state(const DataLoaderState& state);
  /// The seed in use.
  uint64_t seed() const;

 private:
  void stop_active();
  DatasetPtr dataset_;
  DataLoaderOptions options_;
  std::shared_ptr<const Sampler> sampler_;
  std::shared_ptr<detail::LoaderShared> shared_;
  std::weak_ptr<detail::LoaderRun> active_;
};

}  // namespace descent::data
