#pragma once
// Datasets: an indexable collection of examples (as torch::data::Dataset / torch.utils.data.Dataset).
// get() must be safe to call from several threads at once: the DataLoader's workers share one
// dataset. Datasets are held by std::shared_ptr<const Dataset> so wrappers and loaders can share them.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/data/sample_rng.h"

namespace descent::data {

/// One sample: its input and its target (torch::data::Example). target may be undefined
/// for unlabelled data.
struct Example {
  Tensor data;
  Tensor target;
};

/// An indexable, thread-safe collection of examples.
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual int64_t size() const = 0;
  /// Example i, for 0 <= i < size(). Must be callable concurrently from several threads.
  virtual Example get(int64_t index) const = 0;
};

using DatasetPtr = std::shared_ptr<const Dataset>;

/// A transform of a single tensor (an image, a sequence) with this sample's random stream.
using TensorTransform = std::function<Tensor(const Tensor&, SampleRng&)>;
/// A transform of a whole example.
using ExampleTransform = std::function<Example(Example, SampleRng&)>;

/// Examples (data[i], target[i]) from tensors that share their first dimension; target may be undefined.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(Tensor data, Tensor target = Tensor());
  int64_t size() const override { return n_; }
  Example get(int64_t index) const override;
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return target_; }

 private:
  Tensor data_, target_;
  int64_t n_;
};

/// The examples of `base` at the given indices, in that order (indices are checked up front).
class Subset : public Dataset {
 public:
  Subset(DatasetPtr base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  const std::vector<int64_t>& indices() const { return indices_; }
  const DatasetPtr& base() const { return base_; }

 private:
  DatasetPtr base_;
  std::vector<int64_t> indices_;
};

/// The datasets one after the other.
class ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<DatasetPtr> parts);
  int64_t size() const override { return offsets_.back(); }
  Example get(int64_t index) const override;

 private:
  std::vector<DatasetPtr> parts_;
  std::vector<int64_t> offsets_;  // offsets_[k] = first index of part k; offsets_.back() = total
};

/// `base` with a transform applied to each example as it is loaded. Random transforms draw from
/// the SampleRng of the DataLoader's current sample (or of (0, 0, index) outside a loader, so that
/// get(i) is repeatable).
class MapDataset : public Dataset {
 public:
  /// Applies data_transform to data and target_transform (if set) to target.
  MapDataset(DatasetPtr base, TensorTransform data_transform, TensorTransform target_transform = {});
  /// Applies fn to whole examples.
  static std::shared_ptr<MapDataset> on_examples(DatasetPtr base, ExampleTransform fn);
  int64_t size() const override { return base_->size(); }
  Example get(int64_t index) const override;

 private:
  MapDataset(DatasetPtr base, ExampleTransform fn);
  DatasetPtr base_;
  ExampleTransform fn_;
};

/// Checks 0 <= index < size, throwing an Error naming `what`.
void check_index(int64_t index, int64_t size, const char* what);

}  // namespace descent::data
