#include "descent/train/trainer.h"

#include "descent/core/format.h"

#include <chrono>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "descent/autograd/grad_mode.h"
#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/io/checkpoint.h"
#include "descent/io/safetensors.h"
#include "descent/nn/functional/activation.h"
#include "descent/nn/modules/loss.h"
#include "descent/ops/ops.h"
#include "descent/train/callbacks.h"
#include "io/json_checked.h"
#include "json_util.h"

namespace descent::train {

using nlohmann::json;

namespace {
const char* kMetaKey = "descent.trainer";
}  // namespace

std::string to_string(Task task) {
  switch (task) {
    case Task::Regression: return "regression";
    case Task::Binary: return "binary";
    case Task::MultiClass: return "multiclass";
    case Task::MultiLabel: return "multilabel";
  }
  return "?";
}

bool EpochLog::has(const std::string& key) const {
  static const std::set<std::string> fixed = {"epoch", "train_loss", "val_loss", "lr", "samples_per_sec",
                                              "epoch_seconds"};
  if (fixed.count(key)) return true;
  for (auto& [k, v] : metrics)
    if (k == key) return true;
  return false;
}

double EpochLog::get(const std::string& key) const {
  if (key == "epoch") return double(epoch);
  if (key == "train_loss") return train_loss;
  if (key == "val_loss") return val_loss;
  if (key == "lr") return lr;
  if (key == "samples_per_sec") return samples_per_sec;
  if (key == "epoch_seconds") return epoch_seconds;
  std::string known = "epoch, train_loss, val_loss, lr, samples_per_sec, epoch_seconds";
  for (auto& [k, v] : metrics) {
    if (k == key) return v;
    known += ", " + k;
  }
  DESCENT_CHECK(false, "epoch log has no '", key, "'; known: ", known);
  return 0;
}

std::vector<double> History::series(const std::string& key) const {
  std::vector<double> out;
  for (auto& e : epochs) out.push_back(e.get(key));
  return out;
}

std::string History::to_json() const {
  json arr = json::array();
  for (auto& e : epochs) {
    json m = json::array();
    for (auto& [k, v] : e.metrics) m.push_back(json::array({k, detail::encode_double(v)}));
    arr.push_back({{"epoch", e.epoch},
                   {"train_loss", detail::encode_double(e.train_loss)},
                   {"val_loss", detail::encode_double(e.val_loss)},
                   {"lr", detail::encode_double(e.lr)},
                   {"samples_per_sec", detail::encode_double(e.samples_per_sec)},
                   {"epoch_seconds", detail::encode_double(e.epoch_seconds)},
                   {"metrics", m}});
  }
  return arr.dump();
}

History History::from_json(const std::string& text) {
  History h;
  try {
    json arr = json::parse(text);
    for (auto& o : arr) {
      EpochLog e;
      e.epoch = io::detail::json_int(o.at("epoch"), "history: epoch");
      e.train_loss = detail::decode_double(o.at("train_loss"));
      e.val_loss = detail::decode_double(o.at("val_loss"));
      e.lr = detail::decode_double(o.at("lr"));
      e.samples_per_sec = detail::decode_double(o.at("samples_per_sec"));
      e.epoch_seconds = detail::decode_double(o.at("epoch_seconds"));
      for (auto& m : o.at("metrics")) e.metrics.emplace_back(m.at(0).get<std::string>(), detail::decode_double(m.at(1)));
      h.epochs.push_back(std::move(e));
    }
  } catch (const json::exception& ex) {
    DESCENT_CHECK(false, "History::from_json: malformed history: ", ex.what());
  }
  return h;
}

double EvalResult::get(const std::string& name) const {
  if (name == "loss") return loss;
  std::string known = "loss";
  for (auto& [k, v] : metrics) {
    if (k == name) return v;
    known += ", " + k;
  }
  DESCENT_CHECK(false, "evaluation has no metric '", name, "'; known: ", known);
  return 0;
}

Trainer::Trainer(TrainerOptions options) : options_(std::move(options)) {
  DESCENT_CHECK(options_.epochs_ >= 1, "TrainerOptions: epochs must be >= 1, got ", options_.epochs_);
  DESCENT_CHECK(options_.num_classes_ >= 0, "TrainerOptions: num_classes must be >= 0, got ", options_.num_classes_);
  DESCENT_CHECK(options_.top_k_ >= 1, "TrainerOptions: top_k must be >= 1, got ", options_.top_k_);
}

Trainer& Trainer::add_callback(std::shared_ptr<Callback> cb) {
  DESCENT_CHECK(cb != nullptr, "Trainer::add_callback: null callback");
  for (auto& c : callbacks_)
    DESCENT_CHECK(c->key() != cb->key(), "Trainer::add_callback: two callbacks with key '", cb->key(), "'");
  callbacks_.push_back(std::move(cb));
  return *this;
}

nn::Module& Trainer::model() const {
  DESCENT_CHECK(model_, "Trainer: no model outside fit");
  return *model_;
}
optim::Optimizer& Trainer::optimizer() const {
  DESCENT_CHECK(optimizer_, "Trainer: no optimizer outside fit");
  return *optimizer_;
}
data::DataLoader& Trainer::train_loader() const {
  DESCENT_CHECK(train_loader_, "Trainer: no training loader outside fit");
  return *train_loader_;
}
double Trainer::epoch_elapsed() const { return now_seconds() - epoch_start_; }

LossFn Trainer::default_loss() const {
  switch (options_.task_) {
    case Task::Regression: return [l = nn::MSELoss()](const Tensor& a, const Tensor& b) { return l(a, b); };
    case Task::Binary:
    case Task::MultiLabel:
      return [l = nn::BCEWithLogitsLoss()](const Tensor& a, const Tensor& b) { return l(a, b); };
    case Task::MultiClass:
      return [l = nn::CrossEntropyLoss()](const Tensor& a, const Tensor& b) { return l(a, b); };
  }
  return {};
}

Tensor Trainer::metric_view(const Tensor& output) const {
  if (options_.task_ == Task::Binary || options_.task_ == Task::MultiLabel) return output.sigmoid();
  return output;
}

Tensor Trainer::loss_target(const Tensor& output, const Tensor& target) const {
  if (options_.task_ == Task::MultiClass || !target.defined()) return target;
  Tensor t = target.dtype() == output.dtype() ? target : target.to(output.dtype());
  if (t.numel() == output.numel() && t.sizes() != output.sizes()) t = t.reshape(output.sizes());
  return t;
}

std::vector<MetricPtr> Trainer::make_metrics() const {
  if (options_.custom_metrics_) return options_.metrics_;
  std::vector<MetricPtr> m;
  const int64_t k = options_.num_classes_;
  switch (options_.task_) {
    case Task::Regression:
      m = {std::make_shared<MAE>(), std::make_shared<RMSE>(), std::make_shared<R2>()};
      break;
    case Task::Binary:
      m = {std::make_shared<Accuracy>(), std::make_shared<PrecisionRecallF1>(2), std::make_shared<BinaryROCAUC>()};
      break;
    case Task::MultiClass:
      m.push_back(std::make_shared<Accuracy>());
      if (k > options_.top_k_) m.push_back(std::make_shared<TopKAccuracy>(options_.top_k_));
      if (k >= 2) m.push_back(std::make_shared<PrecisionRecallF1>(k));
      break;
    case Task::MultiLabel:
      m.push_back(std::make_shared<Accuracy>(0.5, true));
      break;
  }
  return m;
}

EvalResult Trainer::evaluate(nn::Module& model, data::DataLoader& loader) {
  return evaluate(model, loader, loss_fn_ ? loss_fn_ : default_loss());
}

EvalResult Trainer::evaluate(nn::Module& model, data::DataLoader& loader, const BatchObserver& observe) {
  return evaluate_pass(model, loader, loss_fn_ ? loss_fn_ : default_loss(), observe);
}

EvalResult Trainer::evaluate(nn::Module& model, data::DataLoader& loader, const LossFn& loss_fn) {
  return evaluate_pass(model, loader, loss_fn, nullptr);
}

EvalResult Trainer::evaluate_pass(nn::Module& model, data::DataLoader& loader, const LossFn& loss_fn,
                                  const BatchObserver& observe) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  loader.set_epoch(0);
  auto metrics = make_metrics();
  for (auto& m : metrics) m->reset();
  double total = 0;
  int64_t n = 0;
  for (auto& batch : loader) {
    Tensor out = model.call(batch.data);
    if (observe) observe(batch, out);
    const int64_t b = out.dim() == 0 ? 1 : out.size(0);
    if (loss_fn && batch.target.defined()) total += loss_fn(out, loss_target(out, batch.target)).item<double>() * double(b);
    if (batch.target.defined()) {
      Tensor view = metric_view(out);
      for (auto& m : metrics) m->update(view, batch.target);
    }
    n += b;
  }
  model.train(was_training);
  EvalResult r;
  r.samples = n;
  if (n > 0 && loss_fn) r.loss = total / double(n);
  for (auto& m : metrics)
    for (auto& kv : m->compute()) r.metrics.push_back(kv);
  r.metric_objects = std::move(metrics);
  return r;
}

Tensor Trainer::predict(nn::Module& model, data::DataLoader& loader) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  loader.set_epoch(0);
  std::vector<Tensor> outs;
  for (auto& batch : loader) {
    Tensor out = model.call(batch.data);
    switch (options_.task_) {
      case Task::Binary:
      case Task::MultiLabel: out = out.sigmoid(); break;
      case Task::MultiClass: out = nn::functional::softmax(out, 1); break;
      case Task::Regression: break;
    }
    outs.push_back(out);
  }
  model.train(was_training);
  DESCENT_CHECK(!outs.empty(), "Trainer::predict: the loader has no batches");
  return cat(outs, 0);
}

namespace {

template <typename T>
bool finite_values(const T* p, int64_t n) {
  bool ok = true;
  for (int64_t i = 0; i < n; ++i) ok &= std::isfinite(p[i]);  // branch-free: the loop vectorises
  return ok;
}

/// "the gradient of <name> has NaN or inf" for the first parameter whose gradient is not finite,
/// else "". Reads each gradient once; cheap next to the backward pass that made it.
std::string non_finite_gradient(const OrderedDict<Tensor>& params) {
  for (const auto& [name, p] : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    bool ok;
    if (g.is_contiguous() && g.dtype() == kFloat32) ok = finite_values(g.data_ptr<float>(), g.numel());
    else if (g.is_contiguous() && g.dtype() == kFloat64) ok = finite_values(g.data_ptr<double>(), g.numel());
    else ok = isfinite(g).all().item<bool>();
    if (!ok) return "the gradient of parameter '" + name + "' has NaN or inf values";
  }
  return "";
}

}  // namespace

History Trainer::fit(nn::Module& model, LossFn loss_fn, optim::Optimizer& optimizer, data::DataLoader& train_loader,
                     data::DataLoader* val_loader) {
  model_ = &model;
  optimizer_ = &optimizer;
  train_loader_ = &train_loader;
  loss_fn_ = loss_fn ? std::move(loss_fn) : default_loss();
  has_validation_ = val_loader != nullptr;
  history_ = {};
  stop_ = false;
  epoch_ = global_step_ = batch_in_epoch_ = seen_ = 0;
  loss_sum_ = last_loss_ = 0;
  steps_per_epoch_ = train_loader.size();
  DESCENT_CHECK(steps_per_epoch_ > 0, "Trainer::fit: the training loader has no batches");
  loader_epoch0_ = train_loader.epoch();
  resume_loader_state_.reset();
  double epoch_lr = 0;

  train_metrics_.clear();
  if (options_.train_metrics_ && !options_.custom_metrics_) train_metrics_ = make_metrics();
  for (auto& cb : callbacks_) cb->on_fit_begin(*this);
  if (!options_.resume_from_.empty()) {
    load_checkpoint(options_.resume_from_);
    epoch_lr = epoch_lr_;
  }
  model.train();
  skipped_steps_ = skipped_in_epoch_ = 0;
  const OrderedDict<Tensor> params = model.named_parameters();
  while (epoch_ < options_.epochs_ && !stop_) {
    const bool mid_epoch = resume_loader_state_.has_value();
    if (mid_epoch) {
      train_loader.load_state(*resume_loader_state_);
      resume_loader_state_.reset();
    } else {
      train_loader.set_epoch(loader_epoch0_ + uint64_t(epoch_));
      batch_in_epoch_ = seen_ = skipped_in_epoch_ = 0;
      loss_sum_ = 0;
      for (auto& m : train_metrics_) m->reset();
      epoch_lr = optimizer.param_groups()[0].options().get_lr();
    }
    epoch_lr_ = epoch_lr;
    epoch_start_ = now_seconds();
    const int64_t seen_at_start = seen_;
    for (auto& cb : callbacks_) cb->on_epoch_begin(*this);
    if (batch_in_epoch_ < steps_per_epoch_) {
      for (auto& batch : train_loader) {
        optimizer.zero_grad();
        Tensor out = model.call(batch.data);
        Tensor loss = loss_fn_(out, loss_target(out, batch.target));
        const double loss_value = loss.item<double>();
        std::string fault;
        if (!std::isfinite(loss_value)) {
          fault = ::descent::detail::str_cat("the loss is ", loss_value);
        } else {
          loss.backward();
          fault = non_finite_gradient(params);
        }
        if (!fault.empty()) {
          DESCENT_CHECK(options_.on_non_finite_ == NonFinite::Skip, "Trainer: ", fault, " at epoch ", epoch_ + 1, ", step ",
                        global_step_ + 1, " (batch ", batch_in_epoch_ + 1, " of the epoch); the weights are those before ",
                        "this step and the last checkpoint is kept. Lower the learning rate, clip the gradients, check ",
                        "the inputs for NaN or inf, or skip such steps with TrainerOptions::on_non_finite(NonFinite::Skip)");
          ++skipped_steps_;
          ++skipped_in_epoch_;
          optimizer.zero_grad();
          ++batch_in_epoch_;
          ++global_step_;
          continue;
        }
        for (auto& cb : callbacks_) cb->on_after_backward(*this);
        optimizer.step();
        const int64_t b = out.dim() == 0 ? 1 : out.size(0);
        last_loss_ = loss_value;
        if (!train_metrics_.empty() && batch.target.defined()) {
          Tensor view = metric_view(out.detach());
          for (auto& m : train_metrics_) m->update(view, batch.target);
        }
        loss_sum_ += last_loss_ * double(b);
        seen_ += b;
        ++batch_in_epoch_;
        ++global_step_;
        for (auto& cb : callbacks_) cb->on_batch_end(*this);
        for (auto& cb : callbacks_) cb->on_batch_commit(*this);
      }
    }
    EpochLog log;
    log.epoch = epoch_ + 1;
    log.epoch_seconds = epoch_elapsed();
    log.train_loss = seen_ ? loss_sum_ / double(seen_) : std::numeric_limits<double>::quiet_NaN();
    log.lr = epoch_lr;
    if (skipped_in_epoch_ > 0) log.metrics.emplace_back("skipped_steps", double(skipped_in_epoch_));
    log.samples_per_sec = log.epoch_seconds > 0 ? double(seen_ - seen_at_start) / log.epoch_seconds : 0;
    if (val_loader) {
      EvalResult r = evaluate(model, *val_loader, loss_fn_);
      log.val_loss = r.loss;
      for (auto& [k, v] : r.metrics) log.metrics.emplace_back("val_" + k, v);
    }
    for (auto& m : train_metrics_)
      for (auto& [k, v] : m->compute()) log.metrics.emplace_back("train_" + k, v);
    ++epoch_;
    batch_in_epoch_ = seen_ = 0;
    loss_sum_ = 0;
    history_.epochs.push_back(log);
    for (auto& cb : callbacks_) cb->on_epoch_end(*this, log);
    for (auto& cb : callbacks_) cb->on_epoch_commit(*this, log);
  }
  for (auto& cb : callbacks_) cb->on_fit_end(*this);
  History h = history_;
  model_ = nullptr;
  optimizer_ = nullptr;
  train_loader_ = nullptr;
  return h;
}

void Trainer::save_checkpoint(const std::string& path) const {
  DESCENT_CHECK(model_ && optimizer_ && train_loader_, "Trainer::save_checkpoint: only during fit");
  OrderedDict<Tensor> tensors;
  for (auto& [k, v] : model_->state_dict()) tensors.insert("model." + k, v);
  optim::OptimizerState os = optimizer_->state_dict();
  for (auto& [k, v] : os.tensors) tensors.insert("optimizer." + k, v);
  json cbs = json::object();
  for (auto& cb : callbacks_) {
    cbs[cb->key()] = io::scalar_state_to_json(cb->state());
    for (auto& [k, v] : cb->state_tensors()) tensors.insert("callback." + cb->key() + "." + k, v);
  }
  json tm = json::array();
  for (auto& m : train_metrics_) tm.push_back(io::scalar_state_to_json(m->state()));
  const data::DataLoaderState ls = train_loader_->state();
  Generator& g = default_generator();
  json meta = {{"version", 1},
               {"epoch", epoch_},
               {"global_step", global_step_},
               {"batch_in_epoch", batch_in_epoch_},
               {"steps_per_epoch", steps_per_epoch_},
               {"seen", seen_},
               {"loss_sum", detail::encode_double(loss_sum_)},
               {"epoch_lr", detail::encode_double(epoch_lr_)},
               {"stop", stop_},
               {"loader_epoch0", std::to_string(loader_epoch0_)},
               {"loader", {{"seed", std::to_string(ls.seed)}, {"epoch", std::to_string(ls.epoch)}, {"position", ls.position}}},
               {"rng", {{"seed", std::to_string(g.seed())}, {"offset", std::to_string(g.offset())}}},
               {"optimizer", io::scalar_state_to_json(os)},
               {"callbacks", cbs},
               {"train_metrics", tm},
               {"history", history_.to_json()}};
  io::save_safetensors(path, tensors, {{kMetaKey, meta.dump()}});
}

void Trainer::load_checkpoint(const std::string& path) {
  io::SafetensorsData d = io::load_safetensors(path);
  auto it = d.metadata.find(kMetaKey);
  DESCENT_CHECK(it != d.metadata.end(), path, ": not a trainer checkpoint (no '", kMetaKey, "' metadata)");
  try {
    json meta = json::parse(it->second);
    DESCENT_CHECK(io::detail::json_version(meta) == 1, path, ": unknown checkpoint version ", meta.at("version").dump());
    const int64_t steps = io::detail::json_int(meta.at("steps_per_epoch"), path + ": steps_per_epoch");
    DESCENT_CHECK(steps == steps_per_epoch_, path, ": checkpoint has ", steps, " steps per epoch, the training loader ",
                  steps_per_epoch_);
    nn::StateDict model_sd;
    optim::OptimizerState os;
    std::map<std::string, OrderedDict<Tensor>> cb_tensors;
    for (auto& [k, v] : d.tensors) {
      if (k.rfind("model.", 0) == 0) {
        model_sd.insert(k.substr(6), v);
      } else if (k.rfind("optimizer.", 0) == 0) {
        os.tensors.insert(k.substr(10), v);
      } else if (k.rfind("callback.", 0) == 0) {
        bool found = false;
        for (auto& cb : callbacks_) {
          const std::string p = "callback." + cb->key() + ".";
          if (k.rfind(p, 0) == 0) {
            cb_tensors[cb->key()].insert(k.substr(p.size()), v);
            found = true;
            break;
          }
        }
        DESCENT_CHECK(found, path, ": tensor '", k, "' belongs to no callback of this trainer");
      } else {
        DESCENT_CHECK(false, path, ": unexpected tensor '", k, "' in a trainer checkpoint");
      }
    }
    model_->load_state_dict(model_sd, /*strict=*/true);
    ScalarState oscalars = io::scalar_state_from_json(meta.at("optimizer").get<std::string>(), path);
    os.scalars = std::move(oscalars.scalars);
    os.strings = std::move(oscalars.strings);
    optimizer_->load_state_dict(os);
    const json& cbs = meta.at("callbacks");
    for (auto& cb : callbacks_) {
      if (cbs.contains(cb->key()))
        cb->load_state(io::scalar_state_from_json(cbs.at(cb->key()).get<std::string>(), path));
      if (cb_tensors.count(cb->key())) cb->load_state_tensors(cb_tensors[cb->key()]);
    }
    const json& tm = meta.at("train_metrics");
    DESCENT_CHECK(tm.size() == train_metrics_.size(), path, ": checkpoint has ", tm.size(),
                  " training metrics, this trainer ", train_metrics_.size());
    for (size_t i = 0; i < train_metrics_.size(); ++i) {
      train_metrics_[i]->reset();
      train_metrics_[i]->load_state(io::scalar_state_from_json(tm[i].get<std::string>(), path));
    }
    epoch_ = io::detail::json_int(meta.at("epoch"), path + ": epoch");
    global_step_ = io::detail::json_int(meta.at("global_step"), path + ": global_step");
    batch_in_epoch_ = io::detail::json_int(meta.at("batch_in_epoch"), path + ": batch_in_epoch");
    seen_ = io::detail::json_int(meta.at("seen"), path + ": seen");
    loss_sum_ = detail::decode_double(meta.at("loss_sum"));
    epoch_lr_ = detail::decode_double(meta.at("epoch_lr"));
    stop_ = meta.at("stop").get<bool>();
    // Counters from the file bound the work still to do: a lying one must not make fit train for ever.
    DESCENT_CHECK(epoch_ >= 0 && global_step_ >= 0 && seen_ >= 0 && batch_in_epoch_ >= 0 &&
                      batch_in_epoch_ <= steps_per_epoch_,
                  path, ": bad counters in trainer checkpoint (epoch ", epoch_, ", global_step ", global_step_,
                  ", batch_in_epoch ", batch_in_epoch_, " of ", steps_per_epoch_, ", seen ", seen_, ")");
    loader_epoch0_ = std::stoull(meta.at("loader_epoch0").get<std::string>());
    const json& l = meta.at("loader");
    data::DataLoaderState ls;
    ls.seed = std::stoull(l.at("seed").get<std::string>());
    ls.epoch = std::stoull(l.at("epoch").get<std::string>());
    ls.position = io::detail::json_int(l.at("position"), path + ": loader position");
    if (batch_in_epoch_ > 0) resume_loader_state_ = ls;
    const json& r = meta.at("rng");
    default_generator().set_state(std::stoull(r.at("seed").get<std::string>()),
                                  std::stoull(r.at("offset").get<std::string>()));
    history_ = History::from_json(meta.at("history").get<std::string>());
  } catch (const json::exception& ex) {
    DESCENT_CHECK(false, path, ": malformed trainer checkpoint metadata: ", ex.what());
  } catch (const std::logic_error& ex) {  // stoull
    DESCENT_CHECK(false, path, ": malformed number in trainer checkpoint: ", ex.what());
  }
}

}  // namespace descent::train
