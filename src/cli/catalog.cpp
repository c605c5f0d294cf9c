// The optimizer, scheduler and loss tables of the `descent` tool; see catalog.h.
#include "catalog.h"

#include <algorithm>
#include <sstream>

#include "descent/descent.h"
#include "format.h"

namespace descent::cli {

namespace {

void read_betas(Section& s, OptimizerSettings& o) {
  o.betas = s.numbers("betas", {0.9, 0.999});
  DESCENT_CONFIG_CHECK(o.betas.size() == 2 && o.betas[0] >= 0 && o.betas[0] < 1 && o.betas[1] >= 0 && o.betas[1] < 1,
                       s.key_path("betas"), ": expected two numbers in [0, 1)");
  o.amsgrad = s.boolean("amsgrad", false);
}

void read_adam(Section& s, OptimizerSettings& o) {
  o.lr = s.number("lr", 1e-3, 0.0, 1e3);
  read_betas(s, o);
  o.eps = s.number("eps", 1e-8, 0.0, 1.0);
}

/// Adam and AdamW take the same settings.
template <typename Opt, typename Options>
std::unique_ptr<optim::Optimizer> make_adam(std::vector<Tensor> p, const OptimizerSettings& o, double wd) {
  return std::make_unique<Opt>(p, Options(o.lr).betas(o.betas[0], o.betas[1]).eps(o.eps).weight_decay(wd).amsgrad(o.amsgrad));
}

}  // namespace

const Catalog<OptimizerEntry>& optimizers() {
  static const Catalog<OptimizerEntry> table("optimizer", {
      {"sgd", "stochastic gradient descent, with optional (Nesterov) momentum",
       [](Section& s, OptimizerSettings& o) {
         o.lr = s.number("lr", 0.01, 0.0, 1e3);
         o.momentum = s.number("momentum", 0.0, 0.0, 1.0);
         o.nesterov = s.boolean("nesterov", false);
       },
       [](std::vector<Tensor> p, const OptimizerSettings& o, double wd) -> std::unique_ptr<optim::Optimizer> {
         return std::make_unique<optim::SGD>(
             p, optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(o.nesterov).weight_decay(wd));
       }},
      {"adam", "Adam (L2 weight decay added to the gradient, as torch.optim.Adam)", read_adam,
       make_adam<optim::Adam, optim::AdamOptions>},
      {"adamw", "AdamW (decoupled weight decay)", read_adam, make_adam<optim::AdamW, optim::AdamWOptions>},
      {"rmsprop", "RMSprop, with optional momentum",
       [](Section& s, OptimizerSettings& o) {
         o.lr = s.number("lr", 0.01, 0.0, 1e3);
         o.momentum = s.number("momentum", 0.0, 0.0, 1.0);
         o.eps = s.number("eps", 1e-8, 0.0, 1.0);
         o.alpha = s.number("alpha", 0.99, 0.0, 1.0);
       },
       [](std::vector<Tensor> p, const OptimizerSettings& o, double wd) -> std::unique_ptr<optim::Optimizer> {
         return std::make_unique<optim::RMSprop>(
             p, optim::RMSpropOptions(o.lr).alpha(o.alpha).eps(o.eps).momentum(o.momentum).weight_decay(wd));
       }},
      {"adagrad", "Adagrad",
       [](Section& s, OptimizerSettings& o) {
         o.lr = s.number("lr", 0.01, 0.0, 1e3);
         o.eps = s.number("eps", 1e-10, 0.0, 1.0);
       },
       [](std::vector<Tensor> p, const OptimizerSettings& o, double wd) -> std::unique_ptr<optim::Optimizer> {
         return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(o.lr).eps(o.eps).weight_decay(wd));
       }},
  });
  return table;
}

namespace {

using Sched = std::shared_ptr<train::Callback>;

Sched per_epoch(std::shared_ptr<optim::LRScheduler> s) {
  return std::make_shared<train::LRSchedulerCallback>(std::move(s), train::Interval::Epoch);
}

}  // namespace

const Catalog<SchedulerEntry>& schedulers() {
  static const Catalog<SchedulerEntry> table("scheduler", {
      {"none", "a constant learning rate", [](Section&, SchedulerSettings&, const Settings&) {},
       [](const SchedulerSettings&, optim::Optimizer&, int64_t, int64_t) -> Sched { return nullptr; }},
      {"step", "multiply the lr by gamma every step_size epochs",
       [](Section& s, SchedulerSettings& c, const Settings& st) {
         c.step_size = s.integer("step_size", std::max<int64_t>(1, st.epochs / 3), 1, INT64_MAX);
         c.gamma = s.number("gamma", 0.1, 0.0, 1.0);
       },
       [](const SchedulerSettings& c, optim::Optimizer& opt, int64_t, int64_t) -> Sched {
         return per_epoch(std::make_shared<optim::StepLR>(opt, c.step_size, c.gamma));
       }},
      {"multistep", "multiply the lr by gamma at each milestone epoch",
       [](Section& s, SchedulerSettings& c, const Settings& st) {
         c.milestones = s.integers("milestones", {std::max<int64_t>(1, st.epochs / 2)}, 1, INT64_MAX);
         c.gamma = s.number("gamma", 0.1, 0.0, 1.0);
       },
       [](const SchedulerSettings& c, optim::Optimizer& opt, int64_t, int64_t) -> Sched {
         return per_epoch(std::make_shared<optim::MultiStepLR>(opt, c.milestones, c.gamma));
       }},
      {"exponential", "multiply the lr by gamma every epoch",
       [](Section& s, SchedulerSettings& c, const Settings&) { c.gamma = s.number("gamma", 0.9, 0.0, 1.0); },
       [](const SchedulerSettings& c, optim::Optimizer& opt, int64_t, int64_t) -> Sched {
         return per_epoch(std::make_shared<optim::ExponentialLR>(opt, c.gamma));
       }},
      {"cosine", "cosine annealing from the lr to eta_min over t_max epochs",
       [](Section& s, SchedulerSettings& c, const Settings& st) {
         c.t_max = s.integer("t_max", st.epochs, 1, INT64_MAX);
         c.eta_min = s.number("eta_min", 0.0, 0.0, 1e3);
       },
       [](const SchedulerSettings& c, optim::Optimizer& opt, int64_t, int64_t) -> Sched {
         return per_epoch(std::make_shared<optim::CosineAnnealingLR>(opt, c.t_max, c.eta_min));
       }},
      {"plateau", "multiply the lr by factor (0.1 or 0.5 are usual) when the monitored metric stops improving",
       [](Section& s, SchedulerSettings& c, const Settings&) {
         c.factor = s.number("factor", 0.1, 0.0, 0.999999);
         c.patience = s.integer("patience", 2, 0, INT64_MAX);
         c.threshold = s.number("threshold", 1e-4, 0.0, 1e12);
         c.cooldown = s.integer("cooldown", 0, 0, INT64_MAX);
         c.min_lr = s.number("min_lr", 0.0, 0.0, 1e3);
         c.monitor = s.string("monitor", "val_loss");
       },
       [](const SchedulerSettings& c, optim::Optimizer& opt, int64_t, int64_t) -> Sched {
         auto o = optim::ReduceLROnPlateauOptions().factor(c.factor).patience(c.patience).threshold(c.threshold)
                      .cooldown(c.cooldown).min_lr(c.min_lr);
         if (c.monitor.find("loss") == std::string::npos) o.mode(optim::PlateauMode::Max);
         return std::make_shared<train::LRSchedulerCallback>(std::make_shared<optim::ReduceLROnPlateau>(opt, o),
                                                             c.monitor);
       }},
      {"onecycle", "one cycle up to max_lr and down again over the whole run, stepped every batch (momentum cycles too)",
       [](Section& s, SchedulerSettings& c, const Settings& st) {
         c.max_lr = s.number("max_lr", st.optimizer.lr * 10, 1e-12, 1e3);
       },
       [](const SchedulerSettings& c, optim::Optimizer& opt, int64_t epochs, int64_t steps_per_epoch) -> Sched {
         // Momentum (or Adam's beta1) cycles when the optimizer has one; Adagrad has none.
         const bool momentum = opt.param_groups().front().options().has_momentum();
         auto s = std::make_shared<optim::OneCycleLR>(
             opt, optim::OneCycleLROptions(c.max_lr, epochs * steps_per_epoch).cycle_momentum(momentum));
         return std::make_shared<train::LRSchedulerCallback>(s, train::Interval::Step);
       }},
  });
  return table;
}

namespace {
const std::vector<TaskKind> kClassTasks = {TaskKind::Classification, TaskKind::SemiSupervised, TaskKind::MultiLabel};
}  // namespace

const Catalog<LossEntry>& losses() {
  static const Catalog<LossEntry> table("loss", {
      {"cross_entropy", "softmax cross entropy on logits, with optional label smoothing", kClassTasks,
       [](Section& s, LossSettings& l) { l.label_smoothing = s.number("label_smoothing", 0.0, 0.0, 1.0); },
       [](const LossSettings& l) -> train::LossFn {
         return nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(l.label_smoothing));
       }},
      {"nll", "negative log likelihood of log-probabilities (a model ending in log_softmax)", kClassTasks,
       [](Section&, LossSettings&) {}, [](const LossSettings&) -> train::LossFn { return nn::NLLLoss(); }},
      {"bce_with_logits", "binary cross entropy on one logit (the sigmoid is inside, numerically stable)",
       {TaskKind::Binary}, [](Section&, LossSettings&) {},
       [](const LossSettings&) -> train::LossFn { return nn::BCEWithLogitsLoss(); }},
      {"mse", "mean squared error (L2)", {TaskKind::Regression}, [](Section&, LossSettings&) {},
       [](const LossSettings&) -> train::LossFn { return nn::MSELoss(); }},
      {"l1", "mean absolute error", {TaskKind::Regression}, [](Section&, LossSettings&) {},
       [](const LossSettings&) -> train::LossFn { return nn::L1Loss(); }},
      {"huber", "Huber loss: quadratic within delta, linear beyond", {TaskKind::Regression},
       [](Section& s, LossSettings& l) { l.delta = s.number("delta", 1.0, 1e-12, 1e12); },
       [](const LossSettings& l) -> train::LossFn { return nn::HuberLoss(nn::HuberLossOptions().delta(l.delta)); }},
      {"smooth_l1", "smooth L1: Huber divided by beta", {TaskKind::Regression},
       [](Section& s, LossSettings& l) { l.beta = s.number("beta", 1.0, 0.0, 1e12); },
       [](const LossSettings& l) -> train::LossFn {
         return nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(l.beta));
       }},
  });
  return table;
}

std::vector<std::string> loss_names(TaskKind task) {
  std::vector<std::string> names;
  for (const auto& e : losses().entries())
    if (std::find(e.tasks.begin(), e.tasks.end(), task) != e.tasks.end()) names.push_back(e.name);
  return names;
}

namespace {

/// A TOML value as a config would write it, numbers in their shortest exact form (0.9, not
/// 0.90000000000000002).
std::string value_text(const toml::node& v) {
  if (auto d = v.as_floating_point()) return shortest_float(d->get());
  if (auto a = v.as_array()) {
    std::string t = "[";
    for (size_t i = 0; i < a->size(); ++i) t += (i ? ", " : "") + value_text(*a->get(i));
    return t + "]";
  }
  if (auto s = v.as_string()) return "\"" + s->get() + "\"";
  std::ostringstream os;
  os << toml::node_view<const toml::node>(v);
  return os.str();
}

}  // namespace

std::string describe_keys(const std::function<void(Section&)>& read, const std::string& path) {
  toml::table t;
  Section s(t, path);
  read(s);
  std::string out;
  for (const auto& [k, v] : t) out += (out.empty() ? "" : ", ") + std::string(k.str()) + " = " + value_text(v);
  return out;
}

}  // namespace descent::cli
