#pragma once
// Trainer: the training loop (fit), evaluation and prediction for a model with one tensor input,
// with callbacks, a per-epoch History and checkpoints that resume bit for bit.
//
//   train::Trainer trainer(train::TrainerOptions().epochs(20).task(train::Task::MultiClass, 10));
//   trainer.add_callback(std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(3)));
//   train::History h = trainer.fit(model, nn::CrossEntropyLoss(), opt, train_loader, &val_loader);
//
// One step: zero_grad, forward, loss, backward, on_after_backward (gradient clipping), optimizer
// step, on_batch_end (per-step schedulers, progress), on_batch_commit (checkpoints). One epoch:
// the training batches, validation (loss + metrics), on_epoch_end (early stopping, schedulers,
// logs), on_epoch_commit (checkpoints). A checkpoint holds everything the rest of the run depends
// on (model, optimizer, callback states including schedulers, the default generator, the loader
// position, counters, partial epoch sums, history), so a resumed run is the same computation.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/data/dataloader.h"
#include "descent/nn/module.h"
#include "descent/optim/optimizer.h"
#include "descent/train/metrics.h"

namespace descent::train {

/// What the model's output means; decides the default loss, the output transform for metrics
/// and predict, and the default metrics.
enum class Task {
  Regression,  ///< outputs are values; MSE; MAE, RMSE, R2
  Binary,      ///< one logit per sample ([N] or [N, 1]); BCEWithLogits; accuracy, P/R/F1, ROC-AUC (on sigmoid)
  MultiClass,  ///< [N, K] logits, class-index targets; cross-entropy; accuracy, top-k, P/R/F1
  MultiLabel,  ///< [N, K] logits, 0/1 targets; BCEWithLogits; label-wise accuracy (on sigmoid)
};

/// "regression", "binary", "multiclass", "multilabel".
std::string to_string(Task task);

/// (input, target) -> scalar loss tensor, e.g. nn::CrossEntropyLoss().
using LossFn = std::function<Tensor(const Tensor&, const Tensor&)>;

/// One epoch's record. metrics: validation metrics as "val_<name>", then training metrics as
/// "train_<name>".
struct EpochLog {
  int64_t epoch = 0;  ///< 1-based
  double train_loss = 0;
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  MetricValues metrics;
  double lr = 0;  ///< the first group's lr during the epoch (read at its start)
  double samples_per_sec = 0;
  double epoch_seconds = 0;
  /// "epoch", "train_loss", "val_loss", "lr", "samples_per_sec", "epoch_seconds" or a metric
  /// name; throws descent::Error naming the known keys when absent.
  double get(const std::string& key) const;
  bool has(const std::string& key) const;
};

/// Every epoch of a run, in order.
struct History {
  std::vector<EpochLog> epochs;
  /// The value of key in each epoch.
  std::vector<double> series(const std::string& key) const;
  /// JSON array of epoch objects (exact doubles; NaN/inf as strings), and back.
  std::string to_json() const;
  static History from_json(const std::string& text);
};

/// Loss and metrics over a loader.
struct EvalResult {
  double loss = std::numeric_limits<double>::quiet_NaN();
  int64_t samples = 0;
  MetricValues metrics;
  /// The metric objects after the pass, for what is not a scalar (confusion matrix, per-class
  /// precision/recall/F1): e.g. result.find<PrecisionRecallF1>()->confusion_matrix().
  std::vector<MetricPtr> metric_objects;
  /// The value of a metric by name; throws when absent.
  double get(const std::string& name) const;
  /// The first metric object of type M, or null.
  template <typename M>
  std::shared_ptr<M> find() const {
    for (auto& m : metric_objects)
      if (auto p = std::dynamic_pointer_cast<M>(m)) return p;
    return nullptr;
  }
};

/// What fit does with a step whose loss or gradients are not finite (NaN or inf).
enum class NonFinite {
  Stop,  ///< throw descent::Error naming the epoch, step and the loss or first parameter at fault (default)
  Skip,  ///< skip the optimizer step and count it (Trainer::skipped_steps, "skipped_steps" in the epoch log)
};

/// Trainer settings.
struct TrainerOptions {
  /// Epochs to train (>= 1).
  TrainerOptions& epochs(int64_t v) { epochs_ = v; return *this; }
  /// The task and, for classification, the number of classes (labels for multi-label).
  TrainerOptions& task(Task t, int64_t num_classes = 0) { task_ = t; num_classes_ = num_classes; return *this; }
  /// Metrics used instead of the task's defaults (they see the transformed output).
  TrainerOptions& metrics(std::vector<MetricPtr> v) { metrics_ = std::move(v); custom_metrics_ = true; return *this; }
  /// k of the default top-k accuracy for multi-class tasks with more than k classes (default 5).
  TrainerOptions& top_k(int64_t v) { top_k_ = v; return *this; }
  /// Also compute the task's default metrics on the training batches (as "train_<name>", from
  /// each batch's output before its optimizer step); not with custom metrics. Default true.
  TrainerOptions& train_metrics(bool v) { train_metrics_ = v; return *this; }
  /// Resume from this checkpoint (written by Trainer::save_checkpoint / ModelCheckpoint) in fit.
  TrainerOptions& resume_from(std::string path) { resume_from_ = std::move(path); return *this; }
  /// A non-finite loss or gradient stops the run (default) or skips the step. Either way the
  /// weights are those before the step; a stopped run keeps its last checkpoint.
  TrainerOptions& on_non_finite(NonFinite v) { on_non_finite_ = v; return *this; }
  int64_t epochs_ = 10;
  NonFinite on_non_finite_ = NonFinite::Stop;
  Task task_ = Task::MultiClass;
  int64_t num_classes_ = 0;
  std::vector<MetricPtr> metrics_;
  bool custom_metrics_ = false;
  int64_t top_k_ = 5;
  bool train_metrics_ = true;
  std::string resume_from_;
};

class Callback;

/// Runs training, evaluation and prediction; see the file comment.
class Trainer {
 public:
  explicit Trainer(TrainerOptions options = {});
  /// Adds a callback; callbacks run in the order added.
  Trainer& add_callback(std::shared_ptr<Callback> cb);
  const std::vector<std::shared_ptr<Callback>>& callbacks() const { return callbacks_; }

  /// Trains for options.epochs (or until a callback calls stop()); val_loader may be null.
  History fit(nn::Module& model, LossFn loss_fn, optim::Optimizer& optimizer, data::DataLoader& train_loader,
              data::DataLoader* val_loader = nullptr);
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  History fit(const H& model, LossFn loss_fn, optim::Optimizer& optimizer, data::DataLoader& train_loader,
              data::DataLoader* val_loader = nullptr) {
    return fit(*model.ptr(), std::move(loss_fn), optimizer, train_loader, val_loader);
  }

  /// Loss (the loss passed to fit, else the task's default) and metrics over a loader, in eval
  /// mode without gradients. The loader restarts at its epoch 0 (same batches every time).
  EvalResult evaluate(nn::Module& model, data::DataLoader& loader);
  EvalResult evaluate(nn::Module& model, data::DataLoader& loader, const LossFn& loss_fn);
  /// evaluate, calling observe(batch, output) for every batch of the same pass (outputs as the
  /// model returns them), e.g. to keep predictions for a report without a second pass.
  using BatchObserver = std::function<void(const data::Batch&, const Tensor&)>;
  EvalResult evaluate(nn::Module& model, data::DataLoader& loader, const BatchObserver& observe);
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  EvalResult evaluate(const H& model, data::DataLoader& loader, const BatchObserver& observe) {
    return evaluate(*model.ptr(), loader, observe);
  }
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  EvalResult evaluate(const H& model, data::DataLoader& loader) { return evaluate(*model.ptr(), loader); }

  /// The transformed outputs (sigmoid for binary/multi-label, softmax for multi-class, identity
  /// for regression) of every batch, concatenated along dim 0.
  Tensor predict(nn::Module& model, data::DataLoader& loader);
  template <typename H, typename = decltype(std::declval<H>().ptr())>
  Tensor predict(const H& model, data::DataLoader& loader) { return predict(*model.ptr(), loader); }

  /// The task's default loss.
  LossFn default_loss() const;
  /// The output as metrics see it: sigmoid for binary/multi-label, unchanged otherwise.
  Tensor metric_view(const Tensor& output) const;
  /// The target as the loss needs it: float and shaped like the output for BCE tasks.
  Tensor loss_target(const Tensor& output, const Tensor& target) const;

  /// Asks fit to stop after the current epoch.
  void stop() { stop_ = true; }
  bool stop_requested() const { return stop_; }

  // State visible to callbacks during fit.
  const TrainerOptions& options() const { return options_; }
  nn::Module& model() const;
  optim::Optimizer& optimizer() const;
  data::DataLoader& train_loader() const;
  /// Completed epochs (during epoch e, e - 1).
  int64_t epoch() const { return epoch_; }
  /// Optimizer steps taken in total.
  int64_t global_step() const { return global_step_; }
  /// Steps skipped for a non-finite loss or gradient (NonFinite::Skip) since fit began.
  int64_t skipped_steps() const { return skipped_steps_; }
  /// Batches done in the current epoch.
  int64_t batch_in_epoch() const { return batch_in_epoch_; }
  /// Batches per epoch of the training loader.
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  /// The running mean training loss of the current epoch.
  double running_loss() const { return seen_ ? loss_sum_ / double(seen_) : 0.0; }
  /// Samples seen in the current epoch.
  int64_t samples_in_epoch() const { return seen_; }
  /// Seconds since the current epoch started (since resume when resumed mid-epoch).
  double epoch_elapsed() const;
  /// The loss of the latest batch.
  double last_batch_loss() const { return last_loss_; }
  /// The history so far.
  const History& history() const { return history_; }
  /// Whether the current fit has a validation loader.
  bool has_validation() const { return has_validation_; }

  /// Writes the full training state (see the file comment) to one file, atomically; only
  /// valid during fit.
  void save_checkpoint(const std::string& path) const;

 private:
  void load_checkpoint(const std::string& path);
  std::vector<MetricPtr> make_metrics() const;
  EvalResult evaluate_pass(nn::Module& model, data::DataLoader& loader, const LossFn& loss_fn,
                           const BatchObserver& observe);

  TrainerOptions options_;
  std::vector<std::shared_ptr<Callback>> callbacks_;
  nn::Module* model_ = nullptr;
  optim::Optimizer* optimizer_ = nullptr;
  data::DataLoader* train_loader_ = nullptr;
  LossFn loss_fn_;
  std::vector<MetricPtr> train_metrics_;
  History history_;
  bool stop_ = false;
  bool has_validation_ = false;
  int64_t epoch_ = 0, global_step_ = 0, batch_in_epoch_ = 0, steps_per_epoch_ = 0, seen_ = 0;
  int64_t skipped_steps_ = 0, skipped_in_epoch_ = 0;
  double loss_sum_ = 0, last_loss_ = 0;
  uint64_t loader_epoch0_ = 0;
  std::optional<data::DataLoaderState> resume_loader_state_;
  double epoch_start_ = 0, epoch_lr_ = 0;
};

}  // namespace descent::train
