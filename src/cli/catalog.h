#pragma once
// The names a config may use, one table per kind: optimizers, schedulers and losses here; layers
// and builtin models in model_setup.h. Each entry holds the name, a one-line summary, the reader of
// its keys (a Section getter per key, so the keys it reads are exactly the keys allowed, with their
// defaults and ranges) and the builder. The same table drives the validation of the name (an
// unknown name is a ConfigError listing the table), the construction (no fallback branch), the
// `descent list` text and the check that docs/cli.md names every entry.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "descent/optim/optimizer.h"
#include "descent/train/callbacks.h"
#include "descent/train/trainer.h"

namespace descent::cli {

/// The entries of one kind, in the order `descent list` and error messages give them.
template <typename Entry>
class Catalog {
 public:
  Catalog(std::string kind, std::vector<Entry> entries) : kind_(std::move(kind)), entries_(std::move(entries)) {
    for (size_t i = 0; i < entries_.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        DESCENT_CHECK(entries_[i].name != entries_[j].name, kind_, ": '", entries_[i].name, "' listed twice");
  }
  /// "optimizer", "scheduler", ...
  const std::string& kind() const { return kind_; }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& e : entries_) n.push_back(e.name);
    return n;
  }
  const Entry* find(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  /// The entry named name; a ConfigError "<key_path>: unknown '<name>'; one of ..." otherwise.
  const Entry& at(const std::string& name, const std::string& key_path) const {
    if (const Entry* e = find(name)) return *e;
    DESCENT_CONFIG_FAIL(key_path, ": unknown '", name, "'; one of ", join(names()));
  }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

/// An optimizer: `[optimizer] name = "<name>"` and its keys.
struct OptimizerEntry {
  std::string name, summary;
  /// Reads the optimizer's keys (lr and the rest) into o.
  std::function<void(Section&, OptimizerSettings& o)> read;
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor> params, const OptimizerSettings& o,
                                                  double weight_decay)>
      make;
};
const Catalog<OptimizerEntry>& optimizers();

/// A learning-rate schedule: `[scheduler] name = "<name>"`. The reader sees the whole config for
/// defaults that follow it (epochs, the optimizer's lr).
struct SchedulerEntry {
  std::string name, summary;
  std::function<void(Section&, SchedulerSettings& c, const Settings& st)> read;
  /// The callback that steps it (null for "none").
  std::function<std::shared_ptr<train::Callback>(const SchedulerSettings& c, optim::Optimizer& opt, int64_t epochs,
                                                 int64_t steps_per_epoch)>
      make;
};
const Catalog<SchedulerEntry>& schedulers();

/// A loss: `[loss] name = "<name>"`, allowed for some tasks (the first entry allowed for a task is
/// its default).
struct LossEntry {
  std::string name, summary;
  std::vector<TaskKind> tasks;
  std::function<void(Section&, LossSettings& l)> read;
  std::function<train::LossFn(const LossSettings& l)> make;
};
const Catalog<LossEntry>& losses();
/// The losses allowed for task, default first.
std::vector<std::string> loss_names(TaskKind task);

/// The keys an entry reads and their defaults, as "lr = 0.01, momentum = 0.0": read run on an
/// empty table (defaults are written back into it).
std::string describe_keys(const std::function<void(Section&)>& read, const std::string& path);

}  // namespace descent::cli

namespace descent::cli {

/// `descent list [KIND]`: every name a config may use (optimizers, schedulers, losses, layers,
/// builtins), with its summary and keys; KIND picks one table. Returns the exit code.
int list_command(const std::string& kind);

/// The kinds `descent list` knows: "optimizers", "schedulers", "losses", "layers", "builtins".
const std::vector<std::string>& list_kinds();

}  // namespace descent::cli
