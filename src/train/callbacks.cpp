#include "descent/train/callbacks.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include <nlohmann/json.hpp>

#include "descent/core/error.h"
#include "descent/io/file.h"
#include "descent/io/safetensors.h"
#include "descent/optim/clip_grad.h"
#include "json_util.h"

namespace descent::train {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

double initial_best(Mode m) { return m == Mode::Min ? kInf : -kInf; }

bool improves(Mode m, double v, double best, double min_delta) {
  if (std::isnan(v)) return false;
  return m == Mode::Min ? v < best - min_delta : v > best + min_delta;
}
// A monitored "val_*" value needs a validation loader; say so before training starts.
void check_monitor(const Trainer& t, const std::string& monitor, const char* who) {
  DESCENT_CHECK(t.has_validation() || monitor.rfind("val_", 0) != 0, who, ": monitor '", monitor,
                "' needs a validation loader (fit was given none)");
}
}  // namespace

// ---- EarlyStopping ----

void EarlyStopping::on_fit_begin(Trainer& t) { check_monitor(t, options_.monitor_, "EarlyStopping"); }

EarlyStopping::EarlyStopping(EarlyStoppingOptions options) : options_(std::move(options)) {
  DESCENT_CHECK(options_.patience_ >= 1, "EarlyStopping: patience must be >= 1, got ", options_.patience_);
  DESCENT_CHECK(options_.min_delta_ >= 0, "EarlyStopping: min_delta must be >= 0, got ", options_.min_delta_);
  best_ = initial_best(options_.mode_);
}

void EarlyStopping::on_epoch_end(Trainer& t, const EpochLog& log) {
  const double v = log.get(options_.monitor_);
  if (improves(options_.mode_, v, best_, options_.min_delta_)) {
    best_ = v;
    best_epoch_ = log.epoch;
    wait_ = 0;
    if (options_.restore_best_weights_) {
      best_weights_ = {};
      for (auto& [k, w] : t.model().state_dict()) best_weights_.insert(k, w.detach().clone());
    }
    return;
  }
  if (++wait_ >= options_.patience_) {
    stopped_epoch_ = log.epoch;
    t.stop();
  }
}

void EarlyStopping::on_fit_end(Trainer& t) {
  if (options_.restore_best_weights_ && !best_weights_.empty()) t.model().load_state_dict(best_weights_);
}

ScalarState EarlyStopping::state() const {
  ScalarState s;
  s.scalars = {{"best", best_}, {"best_epoch", double(best_epoch_)}, {"wait", double(wait_)},
               {"stopped_epoch", double(stopped_epoch_)}};
  return s;
}

void EarlyStopping::load_state(const ScalarState& s) {
  best_ = s.scalar("best");
  best_epoch_ = int64_t(s.scalar("best_epoch"));
  wait_ = int64_t(s.scalar("wait"));
  stopped_epoch_ = int64_t(s.scalar("stopped_epoch"));
}

// ---- LRSchedulerCallback ----

LRSchedulerCallback::LRSchedulerCallback(std::shared_ptr<optim::LRScheduler> scheduler, Interval interval)
    : scheduler_(std::move(scheduler)), interval_(interval) {
  DESCENT_CHECK(scheduler_ != nullptr, "LRSchedulerCallback: null scheduler");
}

LRSchedulerCallback::LRSchedulerCallback(std::shared_ptr<optim::ReduceLROnPlateau> plateau, std::string monitor)
    : plateau_(std::move(plateau)), monitor_(std::move(monitor)) {
  DESCENT_CHECK(plateau_ != nullptr, "LRSchedulerCallback: null ReduceLROnPlateau");
}

void LRSchedulerCallback::on_fit_begin(Trainer& t) {
  if (plateau_) check_monitor(t, monitor_, "LRSchedulerCallback (ReduceLROnPlateau)");
}

void LRSchedulerCallback::on_batch_end(Trainer&) {
  if (scheduler_ && interval_ == Interval::Step) scheduler_->step();
}

void LRSchedulerCallback::on_epoch_end(Trainer&, const EpochLog& log) {
  if (plateau_)
    plateau_->step(log.get(monitor_));
  else if (interval_ == Interval::Epoch)
    scheduler_->step();
}

ScalarState LRSchedulerCallback::state() const {
  return scheduler_ ? scheduler_->state_dict() : plateau_->state_dict();
}

void LRSchedulerCallback::load_state(const ScalarState& s) {
  if (scheduler_)
    scheduler_->load_state_dict(s);
  else
    plateau_->load_state_dict(s);
}

// ---- ModelCheckpoint ----

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
  DESCENT_CHECK(!options_.dir_.empty(), "ModelCheckpoint: empty folder");
  DESCENT_CHECK(options_.every_n_steps_ >= 0, "ModelCheckpoint: every_n_steps must be >= 0, got ",
                options_.every_n_steps_);
  std::filesystem::create_directories(options_.dir_);
  best_ = initial_best(options_.mode_);
}

std::string ModelCheckpoint::last_path() const { return (std::filesystem::path(options_.dir_) / "last.ckpt").string(); }
std::string ModelCheckpoint::best_path() const {
  return (std::filesystem::path(options_.dir_) / "best.safetensors").string();
}

void ModelCheckpoint::on_fit_begin(Trainer& t) {
  if (!options_.monitor_.empty()) check_monitor(t, options_.monitor_, "ModelCheckpoint");
}

void ModelCheckpoint::on_batch_commit(Trainer& t) {
  if (options_.every_n_steps_ > 0 && t.global_step() % options_.every_n_steps_ == 0) t.save_checkpoint(last_path());
}

void ModelCheckpoint::on_epoch_commit(Trainer& t, const EpochLog& log) {
  // best first: last.ckpt then records the new best, so a resumed run agrees with the files.
  if (!options_.monitor_.empty()) {
    const double v = log.get(options_.monitor_);
    if (improves(options_.mode_, v, best_, 0.0)) {
      best_ = v;
      best_epoch_ = log.epoch;
      io::save(t.model(), best_path(), {{"epoch", std::to_string(log.epoch)}, {"monitor", options_.monitor_}});
    }
  }
  t.save_checkpoint(last_path());
}

ScalarState ModelCheckpoint::state() const {
  ScalarState s;
  s.scalars = {{"best", best_}, {"best_epoch", double(best_epoch_)}};
  return s;
}

void ModelCheckpoint::load_state(const ScalarState& s) {
  best_ = s.scalar("best");
  best_epoch_ = int64_t(s.scalar("best_epoch"));
}

// ---- GradientClipping ----

GradientClipping::GradientClipping(bool by_norm, double limit, double norm_type)
    : by_norm_(by_norm), limit_(limit), norm_type_(norm_type) {
  DESCENT_CHECK(limit >= 0, "GradientClipping: the limit must be >= 0, got ", limit);
}
GradientClipping GradientClipping::by_norm(double max_norm, double norm_type) {
  return GradientClipping(true, max_norm, norm_type);
}
GradientClipping GradientClipping::by_value(double clip_value) { return GradientClipping(false, clip_value, 0); }

void GradientClipping::on_after_backward(Trainer& t) {
  auto params = t.model().parameters();
  if (by_norm_)
    last_norm_ = optim::clip_grad_norm_(params, limit_, norm_type_);
  else
    optim::clip_grad_value_(params, limit_);
}

// ---- ProgressBar ----

ProgressBar::ProgressBar(std::FILE* out, std::optional<bool> tty) : out_(out) {
  DESCENT_CHECK(out != nullptr, "ProgressBar: null stream");
  tty_ = tty ? *tty : ::isatty(::fileno(out)) == 1;
}

namespace {
std::string clock_text(double secs) {
  if (!(secs >= 0) || secs > 1e7) return "--:--";
  const long s = long(secs + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string epoch_summary(const Trainer& t, const EpochLog& log) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "epoch %lld/%lld  train_loss %.4f", (long long)log.epoch,
                (long long)t.options().epochs_, log.train_loss);
  std::string s = buf;
  if (!std::isnan(log.val_loss)) {
    std::snprintf(buf, sizeof buf, "  val_loss %.4f", log.val_loss);
    s += buf;
  }
  for (auto& [k, v] : log.metrics) {
    if (k.rfind("train_", 0) == 0 && k != "train_accuracy") continue;  // keep the line short
    std::snprintf(buf, sizeof buf, "  %s %.4f", k.c_str(), v);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "  lr %.3g  %.0f samples/s  %.1f s", log.lr, log.samples_per_sec, log.epoch_seconds);
  return s + buf;
}
}  // namespace

void ProgressBar::on_epoch_begin(Trainer&) { last_draw_ = -1; }

void ProgressBar::on_batch_end(Trainer& t) {
  if (!tty_) return;
  const double el = t.epoch_elapsed();
  const bool last = t.batch_in_epoch() == t.steps_per_epoch();
  if (!last && last_draw_ >= 0 && el - last_draw_ < 0.1) return;
  last_draw_ = el;
  const double rate = el > 0 ? double(t.samples_in_epoch()) / el : 0;
  const double per_batch = t.batch_in_epoch() > 0 ? el / double(t.batch_in_epoch()) : 0;
  const double eta = per_batch * double(t.steps_per_epoch() - t.batch_in_epoch());
  std::fprintf(out_, "\r\033[Kepoch %lld/%lld  %lld/%lld  %.0f samples/s  loss %.4f  ETA %s",
               (long long)(t.epoch() + 1), (long long)t.options().epochs_, (long long)t.batch_in_epoch(),
               (long long)t.steps_per_epoch(), rate, t.running_loss(), clock_text(eta).c_str());
  std::fflush(out_);
}

void ProgressBar::on_epoch_end(Trainer& t, const EpochLog& log) {
  std::fprintf(out_, "%s%s\n", tty_ ? "\r\033[K" : "", epoch_summary(t, log).c_str());
  std::fflush(out_);
}

// ---- MetricsLog ----

MetricsLog::MetricsLog(std::string csv_path, std::string jsonl_path)
    : csv_path_(std::move(csv_path)), jsonl_path_(std::move(jsonl_path)) {
  for (const std::string* p : {&csv_path_, &jsonl_path_}) {
    if (p->empty()) continue;
    auto parent = std::filesystem::path(*p).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
}

namespace {
std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

std::string MetricsLog::to_csv(const History& h) {
  // Appends only (GCC 12 warns falsely on "literal" + std::string: -Wrestrict).
  std::string s = "epoch,train_loss,val_loss";
  auto cell = [&s](const std::string& v) {
    s += ',';
    s += v;
  };
  if (!h.epochs.empty())
    for (auto& [k, v] : h.epochs.front().metrics) cell(k);
  s += ",lr,samples_per_sec,epoch_seconds\n";
  for (auto& e : h.epochs) {
    s += std::to_string(e.epoch);
    cell(csv_number(e.train_loss));
    cell(csv_number(e.val_loss));
    for (auto& [k, v] : h.epochs.front().metrics) cell(e.has(k) ? csv_number(e.get(k)) : std::string("nan"));
    cell(csv_number(e.lr));
    cell(csv_number(e.samples_per_sec));
    cell(csv_number(e.epoch_seconds));
    s += '\n';
  }
  return s;
}

std::string MetricsLog::to_jsonl(const History& h) {
  std::string s;
  for (auto& e : h.epochs) {
    nlohmann::ordered_json o;
    o["epoch"] = e.epoch;
    o["train_loss"] = detail::encode_double(e.train_loss);
    o["val_loss"] = detail::encode_double(e.val_loss);
    for (auto& [k, v] : e.metrics) o[k] = detail::encode_double(v);
    o["lr"] = detail::encode_double(e.lr);
    o["samples_per_sec"] = detail::encode_double(e.samples_per_sec);
    o["epoch_seconds"] = detail::encode_double(e.epoch_seconds);
    s += o.dump() + "\n";
  }
  return s;
}

void MetricsLog::on_epoch_end(Trainer& t, const EpochLog&) {
  if (!csv_path_.empty()) io::atomic_write(csv_path_, to_csv(t.history()));
  if (!jsonl_path_.empty()) io::atomic_write(jsonl_path_, to_jsonl(t.history()));
}

}  // namespace descent::train
