#pragma once
// Callbacks: hooks into Trainer::fit. A callback with state that the rest of the run depends on
// (counters, best values, saved weights, schedulers) gives it through state() / state_tensors()
// under its key(); checkpoints store it and a resumed fit restores it.
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "descent/core/ordered_dict.h"
#include "descent/optim/schedulers/lr_scheduler.h"
#include "descent/optim/schedulers/reduce_lr_on_plateau.h"
#include "descent/train/trainer.h"

namespace descent::train {

/// The base: every hook does nothing.
class Callback {
 public:
  virtual ~Callback() = default;
  /// The name of this callback's state in checkpoints (unique among the trainer's callbacks).
  virtual std::string key() const = 0;
  virtual void on_fit_begin(Trainer&) {}
  virtual void on_epoch_begin(Trainer&) {}
  /// After backward, before the optimizer step (gradient clipping).
  virtual void on_after_backward(Trainer&) {}
  virtual void on_batch_end(Trainer&) {}
  /// After every callback's on_batch_end (checkpoints see the final state of the step).
  virtual void on_batch_commit(Trainer&) {}
  /// log is already in trainer.history().
  virtual void on_epoch_end(Trainer&, const EpochLog&) {}
  /// After every callback's on_epoch_end.
  virtual void on_epoch_commit(Trainer&, const EpochLog&) {}
  virtual void on_fit_end(Trainer&) {}
  /// Numbers and strings to checkpoint.
  virtual ScalarState state() const { return {}; }
  virtual void load_state(const ScalarState&) {}
  /// Tensors to checkpoint.
  virtual OrderedDict<Tensor> state_tensors() const { return {}; }
  virtual void load_state_tensors(const OrderedDict<Tensor>&) {}
};

/// A callback made of functions, for quick hooks and tests.
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(std::string key = "lambda") : key_(std::move(key)) {}
  std::string key() const override { return key_; }
  std::function<void(Trainer&)> fit_begin, epoch_begin, after_backward, batch_end, fit_end;
  std::function<void(Trainer&, const EpochLog&)> epoch_end;
  void on_fit_begin(Trainer& t) override { if (fit_begin) fit_begin(t); }
  void on_epoch_begin(Trainer& t) override { if (epoch_begin) epoch_begin(t); }
  void on_after_backward(Trainer& t) override { if (after_backward) after_backward(t); }
  void on_batch_end(Trainer& t) override { if (batch_end) batch_end(t); }
  void on_epoch_end(Trainer& t, const EpochLog& l) override { if (epoch_end) epoch_end(t, l); }
  void on_fit_end(Trainer& t) override { if (fit_end) fit_end(t); }

 private:
  std::string key_;
};

/// Whether lower (Min) or higher (Max) monitored values are better.
enum class Mode { Min, Max };

struct EarlyStoppingOptions {
  /// The EpochLog key watched (default "val_loss").
  EarlyStoppingOptions& monitor(std::string v) { monitor_ = std::move(v); return *this; }
  EarlyStoppingOptions& mode(Mode v) { mode_ = v; return *this; }
  /// Epochs without improvement before stopping (>= 1).
  EarlyStoppingOptions& patience(int64_t v) { patience_ = v; return *this; }
  /// An improvement must beat the best by more than this (>= 0).
  EarlyStoppingOptions& min_delta(double v) { min_delta_ = v; return *this; }
  /// At the end of fit, load the weights of the best epoch.
  EarlyStoppingOptions& restore_best_weights(bool v) { restore_best_weights_ = v; return *this; }
  std::string monitor_ = "val_loss";
  Mode mode_ = Mode::Min;
  int64_t patience_ = 5;
  double min_delta_ = 0;
  bool restore_best_weights_ = true;
};

/// Stops fit when the monitored value has not improved for `patience` epochs (as Keras):
/// improvement means v < best - min_delta (Min) or v > best + min_delta (Max); NaN never improves.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  std::string key() const override { return "early_stopping"; }
  /// A "val_*" monitor without a validation loader is an error here, before any training.
  void on_fit_begin(Trainer& t) override;
  void on_epoch_end(Trainer& t, const EpochLog& log) override;
  void on_fit_end(Trainer& t) override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;
  OrderedDict<Tensor> state_tensors() const override { return best_weights_; }
  void load_state_tensors(const OrderedDict<Tensor>& t) override { best_weights_ = t; }
  double best() const { return best_; }
  /// 1-based epoch of the best value (0 before any).
  int64_t best_epoch() const { return best_epoch_; }
  int64_t wait() const { return wait_; }
  /// The epoch at which fit was stopped (0 when it was not).
  int64_t stopped_epoch() const { return stopped_epoch_; }

 private:
  EarlyStoppingOptions options_;
  double best_;
  int64_t best_epoch_ = 0, wait_ = 0, stopped_epoch_ = 0;
  OrderedDict<Tensor> best_weights_;
};

/// When an LR scheduler steps.
enum class Interval { Epoch, Step };

/// Steps an LRScheduler every epoch or every optimizer step, or a ReduceLROnPlateau at the end
/// of every epoch with the monitored EpochLog value. The scheduler's state is checkpointed.
class LRSchedulerCallback : public Callback {
 public:
  LRSchedulerCallback(std::shared_ptr<optim::LRScheduler> scheduler, Interval interval = Interval::Epoch);
  LRSchedulerCallback(std::shared_ptr<optim::ReduceLROnPlateau> plateau, std::string monitor = "val_loss");
  /// "lr_scheduler" unless renamed (several schedulers in one trainer need distinct keys).
  std::string key() const override { return key_; }
  LRSchedulerCallback& rename(std::string key) {
    key_ = std::move(key);
    return *this;
  }
  void on_fit_begin(Trainer& t) override;
  void on_batch_end(Trainer& t) override;
  void on_epoch_end(Trainer& t, const EpochLog& log) override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;

 private:
  std::shared_ptr<optim::LRScheduler> scheduler_;
  std::shared_ptr<optim::ReduceLROnPlateau> plateau_;
  Interval interval_ = Interval::Epoch;
  std::string monitor_;
  std::string key_ = "lr_scheduler";
};

struct ModelCheckpointOptions {
  /// The folder of last.ckpt (full training state) and best.safetensors (weights).
  explicit ModelCheckpointOptions(std::string dir) : dir_(std::move(dir)) {}
  /// The EpochLog key deciding "best" (default "val_loss"); empty: no best file.
  ModelCheckpointOptions& monitor(std::string v) { monitor_ = std::move(v); return *this; }
  ModelCheckpointOptions& mode(Mode v) { mode_ = v; return *this; }
  /// Also write last.ckpt every N optimizer steps (0: only at epoch ends).
  ModelCheckpointOptions& every_n_steps(int64_t v) { every_n_steps_ = v; return *this; }
  std::string dir_;
  std::string monitor_ = "val_loss";
  Mode mode_ = Mode::Min;
  int64_t every_n_steps_ = 0;
};

/// Writes <dir>/last.ckpt at every epoch end (and every N steps) and <dir>/best.safetensors
/// when the monitored value improves; all writes atomic (temp file + rename).
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options);
  std::string key() const override { return "model_checkpoint"; }
  void on_fit_begin(Trainer& t) override;
  void on_batch_commit(Trainer& t) override;
  void on_epoch_commit(Trainer& t, const EpochLog& log) override;
  ScalarState state() const override;
  void load_state(const ScalarState& s) override;
  std::string last_path() const;
  std::string best_path() const;
  double best() const { return best_; }

 private:
  ModelCheckpointOptions options_;
  double best_;
  int64_t best_epoch_ = 0;
};

/// Clips gradients before each optimizer step: by total norm (optim::clip_grad_norm_) or by value
/// (optim::clip_grad_value_).
class GradientClipping : public Callback {
 public:
  static GradientClipping by_norm(double max_norm, double norm_type = 2.0);
  static GradientClipping by_value(double clip_value);
  std::string key() const override { return "gradient_clipping"; }
  void on_after_backward(Trainer& t) override;
  /// The total norm before clipping at the latest step (by_norm only).
  double last_norm() const { return last_norm_; }

 private:
  GradientClipping(bool by_norm, double limit, double norm_type);
  bool by_norm_;
  double limit_, norm_type_, last_norm_ = 0;
};

/// Progress on a stream. On a terminal: one updating line (epoch, batches done, samples/s,
/// running loss, ETA), redrawn at most 10 times a second, then the epoch summary. Otherwise (a
/// file or pipe): one plain line per epoch.
class ProgressBar : public Callback {
 public:
  /// tty: force terminal (true) or plain (false) output; unset: isatty(fileno(out)).
  explicit ProgressBar(std::FILE* out = stderr, std::optional<bool> tty = std::nullopt);
  std::string key() const override { return "progress_bar"; }
  void on_epoch_begin(Trainer& t) override;
  void on_batch_end(Trainer& t) override;
  void on_epoch_end(Trainer& t, const EpochLog& log) override;
  bool is_tty() const { return tty_; }

 private:
  std::FILE* out_;
  bool tty_;
  double last_draw_ = -1;
};

/// Writes the history as CSV and as JSON lines (one row / object per epoch), rewritten atomically
/// at each epoch end so a resumed run continues the same files. Either path may be empty.
class MetricsLog : public Callback {
 public:
  MetricsLog(std::string csv_path, std::string jsonl_path);
  std::string key() const override { return "metrics_log"; }
  void on_epoch_end(Trainer& t, const EpochLog& log) override;
  /// The CSV text of a history: epoch,train_loss,val_loss,<metrics...>,lr,samples_per_sec,epoch_seconds.
  static std::string to_csv(const History& h);
  /// One JSON object per epoch, one per line.
  static std::string to_jsonl(const History& h);

 private:
  std::string csv_path_, jsonl_path_;
};

}  // namespace descent::train
