#include "descent/data/dataset.h"

#include <algorithm>

#include "descent/core/error.h"

namespace descent::data {

void check_index(int64_t index, int64_t size, const char* what) {
  DESCENT_CHECK(index >= 0 && index < size, what, ": index ", index, " is out of range for ", size, " examples");
}

TensorDataset::TensorDataset(Tensor data, Tensor target) : data_(std::move(data)), target_(std::move(target)) {
  DESCENT_CHECK(data_.defined(), "TensorDataset: data is undefined");
  DESCENT_CHECK(data_.dim() >= 1, "TensorDataset: data must have a first (sample) dimension, got shape ",
                data_.sizes());
  n_ = data_.size(0);
  if (target_.defined()) {
    DESCENT_CHECK(target_.dim() >= 1 && target_.size(0) == n_, "TensorDataset: data has ", n_,
                  " samples (shape ", data_.sizes(), ") but target has shape ", target_.sizes());
  }
}

Example TensorDataset::get(int64_t index) const {
  check_index(index, n_, "TensorDataset");
  return {data_.select(0, index), target_.defined() ? target_.select(0, index) : Tensor()};
}

Subset::Subset(DatasetPtr base, std::vector<int64_t> indices) : base_(std::move(base)), indices_(std::move(indices)) {
  DESCENT_CHECK(base_ != nullptr, "Subset: dataset is null");
  const int64_t n = base_->size();
  for (size_t k = 0; k < indices_.size(); ++k)
    DESCENT_CHECK(indices_[k] >= 0 && indices_[k] < n, "Subset: index ", indices_[k], " (entry ", k,
                  ") is out of range for a dataset of ", n, " examples");
}

Example Subset::get(int64_t index) const {
  check_index(index, size(), "Subset");
  return base_->get(indices_[size_t(index)]);
}

ConcatDataset::ConcatDataset(std::vector<DatasetPtr> parts) : parts_(std::move(parts)) {
  offsets_.push_back(0);
  for (size_t k = 0; k < parts_.size(); ++k) {
    DESCENT_CHECK(parts_[k] != nullptr, "ConcatDataset: dataset ", k, " is null");
    offsets_.push_back(offsets_.back() + parts_[k]->size());
  }
}

Example ConcatDataset::get(int64_t index) const {
  check_index(index, size(), "ConcatDataset");
  // The part k with offsets_[k] <= index < offsets_[k + 1] (empty parts are skipped by upper_bound).
  const size_t k = size_t(std::upper_bound(offsets_.begin(), offsets_.end(), index) - offsets_.begin()) - 1;
  return parts_[k]->get(index - offsets_[k]);
}

MapDataset::MapDataset(DatasetPtr base, ExampleTransform fn) : base_(std::move(base)), fn_(std::move(fn)) {
  DESCENT_CHECK(base_ != nullptr, "MapDataset: dataset is null");
  DESCENT_CHECK(static_cast<bool>(fn_), "MapDataset: transform is empty");
}

MapDataset::MapDataset(DatasetPtr base, TensorTransform data_transform, TensorTransform target_transform)
    : base_(std::move(base)) {
  DESCENT_CHECK(base_ != nullptr, "MapDataset: dataset is null");
  DESCENT_CHECK(static_cast<bool>(data_transform) || static_cast<bool>(target_transform),
                "MapDataset: no transform given");
  fn_ = [d = std::move(data_transform), t = std::move(target_transform)](Example ex, SampleRng& rng) {
    if (d) ex.data = d(ex.data, rng);
    if (t && ex.target.defined()) ex.target = t(ex.target, rng);
    return ex;
  };
}

std::shared_ptr<MapDataset> MapDataset::on_examples(DatasetPtr base, ExampleTransform fn) {
  return std::shared_ptr<MapDataset>(new MapDataset(std::move(base), std::move(fn)));
}

Example MapDataset::get(int64_t index) const {
  if (SampleRng* rng = current_sample_rng()) return fn_(base_->get(index), *rng);
  // Outside a loader: a stream of its own per index, current for nested MapDatasets too.
  SampleRngScope scope(0, 0, uint64_t(index));
  return fn_(base_->get(index), scope.rng());
}

}  // namespace descent::data
