// Pseudo-labelling with optional consistency regularisation; see include/descent/train/semi_supervised.h.
#include "descent/train/semi_supervised.h"

#include "descent/core/format.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "descent/autograd/grad_mode.h"
#include "descent/core/error.h"
#include "descent/data/dataloader.h"
#include "descent/data/split.h"
#include "descent/data/transforms.h"
#include "descent/nn/functional/activation.h"
#include "descent/nn/functional/loss.h"
#include "descent/ops/ops.h"
#include "json_util.h"

namespace descent::train {

double RoundLog::last(const std::string& key) const {
  if (history.epochs.empty() || !history.epochs.back().has(key)) return std::numeric_limits<double>::quiet_NaN();
  return history.epochs.back().get(key);
}

namespace {

// The class of a one-element target; nullopt for a missing label (undefined, negative, NaN).
std::optional<int64_t> label_of(const Tensor& target, int64_t index, const char* what) {
  if (!target.defined()) return std::nullopt;
  DESCENT_CHECK(target.numel() == 1, what, ": the target of example ", index,
                " must be one class label (0-d or one element), got shape ", target.sizes());
  const double v = target.reshape({}).to(DType::Float64).item<double>();
  if (std::isnan(v) || v < 0) return std::nullopt;
  DESCENT_CHECK(v == std::floor(v), what, ": the target of example ", index, " is ", v, ", not a class index");
  return static_cast<int64_t>(v);
}

// Examples of `base` at `indices`, each with its pseudo-label as target (dtype and shape of `like`).
class PseudoLabelledDataset : public data::Dataset {
 public:
  PseudoLabelledDataset(data::DatasetPtr base, std::vector<int64_t> indices, std::vector<int64_t> labels, Tensor like)
      : base_(std::move(base)), indices_(std::move(indices)), labels_(std::move(labels)), like_(std::move(like)) {}
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  data::Example get(int64_t index) const override {
    data::check_index(index, size(), "PseudoLabelledDataset");
    data::Example ex = base_->get(indices_[size_t(index)]);
    ex.target = full(like_.sizes(), Scalar(double(labels_[size_t(index)])), TensorOptions().dtype(like_.dtype()));
    return ex;
  }

 private:
  data::DatasetPtr base_;
  std::vector<int64_t> indices_, labels_;
  Tensor like_;
};

// Unlabelled batches for the consistency term, one pass after another.
class UnlabelledStream {
 public:
  UnlabelledStream(data::DatasetPtr views, int64_t batch_size, int num_workers, uint64_t seed)
      : loader_(std::move(views),
                data::DataLoaderOptions().batch_size(batch_size).shuffle(true).num_workers(num_workers).seed(seed)) {}
  Tensor next() {
    if (!started_ || it_ == loader_.end()) {
      it_ = loader_.begin();
      started_ = true;
    } else {
      ++it_;
      if (it_ == loader_.end()) it_ = loader_.begin();
    }
    return it_->data;
  }

 private:
  data::DataLoader loader_;
  data::DataLoader::Iterator it_;
  bool started_ = false;
};

// FixMatch's default strong view: the weak augmentation, then Cutout (images) and noise.
data::TensorTransform default_strong_augment(data::TensorTransform weak, double noise_std) {
  const data::RandomErasing cutout(1.0, 0.02, 0.25);
  const data::GaussianNoise noise(noise_std);
  return [weak, cutout, noise](const Tensor& x, data::SampleRng& rng) {
    Tensor y = weak(x, rng);
    if (y.dim() == 2 || y.dim() == 3) y = cutout(y, rng);
    return noise(y, rng);
  };
}

// FixMatch's term for logits z = f([weak; strong]) of b samples: the confident weak predictions
// (no gradient) are the targets of the strong views; sum over those / b.
Tensor fixmatch_term(const Tensor& z, int64_t b, bool binary, double threshold) {
  Tensor weak = z.narrow(0, 0, b).detach(), strong = z.narrow(0, b, b);
  if (binary) {
    const Tensor p = weak.reshape({b}).sigmoid().to(DType::Float64).contiguous();
    std::vector<float> target(static_cast<size_t>(b)), mask(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) {
      const double q = p.data_ptr<double>()[i];
      target[size_t(i)] = q >= 0.5 ? 1.f : 0.f;
      mask[size_t(i)] = std::max(q, 1 - q) >= threshold ? 1.f : 0.f;
    }
    return nn::functional::binary_cross_entropy_with_logits(strong.reshape({b}), from_vector(target).to(strong.dtype()),
                                                            from_vector(mask).to(strong.dtype()), nn::Reduction::Sum) /
           double(b);
  }
  const Tensor p = nn::functional::softmax(weak, 1).to(DType::Float64).contiguous();
  const int64_t k = p.size(1);
  std::vector<int64_t> target(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) {
    const double* row = p.data_ptr<double>() + i * k;
    const int64_t c = std::max_element(row, row + k) - row;
    target[size_t(i)] = row[c] >= threshold ? c : -100;  // ignored: not confident
  }
  return nn::functional::cross_entropy(strong, from_vector(target), Tensor(), -100, nn::Reduction::Sum) / double(b);
}

}  // namespace

data::TensorTransform random_shift_noise(int64_t max_shift, double noise_std) {
  DESCENT_CHECK(max_shift >= 0 && noise_std >= 0, "random_shift_noise: max_shift (", max_shift, ") and noise_std (",
                noise_std, ") must be >= 0");
  return [max_shift, noise_std](const Tensor& x, data::SampleRng& rng) -> Tensor {
    DESCENT_CHECK(is_floating(x.dtype()), "random_shift_noise: expects a floating tensor, got ", x.dtype(),
                  " (apply ToTensor first)");
    Tensor y = x;
    if (max_shift > 0 && (x.dim() == 2 || x.dim() == 3)) {
      const int64_t h = x.size(-2), w = x.size(-1);
      const int64_t dy = rng.randint(-max_shift, max_shift + 1), dx = rng.randint(-max_shift, max_shift + 1);
      // crop() at (dy, dx) moves the content by (-dy, -dx), filling with zeros.
      y = data::image::crop(x, dy, dx, h, w);
    }
    if (noise_std > 0) {
      Tensor noise = empty(y.sizes(), TensorOptions().dtype(DType::Float64)).contiguous();
      double* p = noise.data_ptr<double>();
      // Box-Muller from the sample's stream, so the noise does not depend on threads.
      for (int64_t i = 0; i < noise.numel(); i += 2) {
        const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
        const double r = std::sqrt(-2.0 * std::log(u1)) * noise_std;
        p[i] = r * std::cos(2 * M_PI * u2);
        if (i + 1 < noise.numel()) p[i + 1] = r * std::sin(2 * M_PI * u2);
      }
      y = y + noise.to(y.dtype());
    }
    return y;
  };
}

// ---- splits ----

LabelledSplit split_labelled(data::DatasetPtr dataset, double labelled_fraction, uint64_t seed) {
  DESCENT_CHECK(dataset != nullptr, "split_labelled: null dataset");
  DESCENT_CHECK(labelled_fraction > 0 && labelled_fraction < 1,
                "split_labelled: labelled_fraction must be in (0, 1), got ", labelled_fraction);
  const std::vector<int64_t> labels = data::dataset_labels(*dataset);
  auto parts = data::stratified_split_indices(labels, {labelled_fraction, 1 - labelled_fraction}, seed);
  DESCENT_CHECK(!parts[0].empty(), "split_labelled: labelled_fraction ", labelled_fraction, " of ", dataset->size(),
                " examples leaves no labelled example");
  return {std::make_shared<data::Subset>(dataset, std::move(parts[0])),
          std::make_shared<data::Subset>(dataset, std::move(parts[1]))};
}

LabelledSplit split_by_missing_label(data::DatasetPtr dataset) {
  DESCENT_CHECK(dataset != nullptr, "split_by_missing_label: null dataset");
  std::vector<int64_t> with, without;
  for (int64_t i = 0; i < dataset->size(); ++i)
    (label_of(dataset->get(i).target, i, "split_by_missing_label") ? with : without).push_back(i);
  DESCENT_CHECK(!with.empty(), "split_by_missing_label: none of the ", dataset->size(),
                " examples has a label (missing labels are undefined, negative or NaN targets)");
  return {std::make_shared<data::Subset>(dataset, std::move(with)),
          std::make_shared<data::Subset>(dataset, std::move(without))};
}

// ---- fit ----

SemiSupervisedResult fit_pseudo_label(nn::Module& model, const OptimizerFactory& make_optimizer,
                                      const TrainerOptions& options, data::DatasetPtr labelled,
                                      data::DatasetPtr unlabelled, const PseudoLabelOptions& pl,
                                      data::DataLoader* val_loader, LossFn loss_fn, const RoundSetup& setup) {
  const bool binary = options.task_ == Task::Binary;
  DESCENT_CHECK(binary || (options.task_ == Task::MultiClass && options.num_classes_ >= 2),
                "fit_pseudo_label: the task must be multiclass with num_classes >= 2 or binary, got ",
                to_string(options.task_), " with num_classes ", options.num_classes_);
  DESCENT_CHECK(make_optimizer, "fit_pseudo_label: no optimizer factory");
  DESCENT_CHECK(labelled && labelled->size() > 0, "fit_pseudo_label: the labelled dataset is empty");
  DESCENT_CHECK(unlabelled != nullptr, "fit_pseudo_label: null unlabelled dataset");
  const int64_t k = binary ? 2 : options.num_classes_;
  const int64_t n_unl = unlabelled->size();

  const Tensor like = labelled->get(0).target;
  DESCENT_CHECK(like.defined(), "fit_pseudo_label: labelled example 0 has no target");
  // The true targets of unlabelled samples, only to measure pseudo-label accuracy (-1 unknown).
  std::vector<int64_t> truth(static_cast<size_t>(n_unl), -1);
  for (int64_t i = 0; i < n_unl; ++i) {
    data::Example ex = unlabelled->get(i);
    if (ex.target.defined() && ex.target.numel() == 1)
      truth[size_t(i)] = label_of(ex.target, i, "fit_pseudo_label (unlabelled)").value_or(-1);
  }

  nn::StateDict initial;
  if (pl.reinit_)
    for (const auto& [name, t] : model.state_dict()) initial.insert(name, t.clone());

  std::optional<UnlabelledStream> stream;
  const double lambda = pl.consistency_weight_;
  if (lambda > 0 && n_unl > 0) {
    data::TensorTransform aug = pl.augment_ ? pl.augment_ : random_shift_noise(pl.max_shift_, pl.noise_std_);
    // The second view: another draw of the same augmentation (kMSE), or the strong one (kFixMatch).
    data::TensorTransform second = aug;
    if (pl.consistency_ == Consistency::kFixMatch) second = pl.strong_augment_ ? pl.strong_augment_ : default_strong_augment(aug, pl.noise_std_);
    auto views = data::MapDataset::on_examples(unlabelled, [aug, second](data::Example ex, data::SampleRng& rng) {
      Tensor a = aug(ex.data, rng);
      Tensor b = second(ex.data, rng);
      return data::Example{stack({a, b}, 0), Tensor()};
    });
    const int64_t ub = pl.unlabelled_batch_size_ > 0 ? pl.unlabelled_batch_size_ : pl.batch_size_;
    stream.emplace(views, ub, pl.num_workers_, data::mix_seed(pl.seed_, 0x75'6e'6c'61'62ULL));
  }

  SemiSupervisedResult result;
  std::vector<int64_t> pseudo(static_cast<size_t>(n_unl), -1);
  data::DataLoader predict_loader(unlabelled, data::DataLoaderOptions().batch_size(pl.predict_batch_size_));

  for (int64_t round = 0; round <= pl.rounds_; ++round) {
    const double t0 = now_seconds();
    RoundLog log;
    log.round = round;
    log.labelled = labelled->size();
    log.pseudo_per_class.assign(size_t(k), 0);
    data::DatasetPtr train_set = labelled;

    if (round > 0 && n_unl > 0) {
      Trainer predictor(TrainerOptions(options).epochs(1));
      Tensor probs = predictor.predict(model, predict_loader).to(DType::Float64).contiguous();
      DESCENT_CHECK(probs.size(0) == n_unl, "fit_pseudo_label: predicted ", probs.size(0), " rows for ", n_unl,
                    " unlabelled samples");
      if (!binary)
        DESCENT_CHECK(probs.dim() == 2 && probs.size(1) == k, "fit_pseudo_label: the model's output ", probs.sizes(),
                      " does not have ", k, " classes");
      else
        DESCENT_CHECK(probs.numel() == n_unl, "fit_pseudo_label: a binary model must give one logit per sample, got ",
                      probs.sizes());
      const double* p = probs.data_ptr<double>();
      std::vector<int64_t> pred(static_cast<size_t>(n_unl));
      std::vector<double> conf(static_cast<size_t>(n_unl));
      for (int64_t i = 0; i < n_unl; ++i) {
        if (binary) {
          pred[size_t(i)] = p[i] >= 0.5 ? 1 : 0;
          conf[size_t(i)] = std::max(p[i], 1 - p[i]);
        } else {
          const double* row = p + i * k;
          const int64_t c = std::max_element(row, row + k) - row;  // first maximum, as argmax
          pred[size_t(i)] = c;
          conf[size_t(i)] = row[c];
        }
      }
      // Candidates per class, most confident first (index breaks ties, so the order is fixed).
      std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(k));
      for (int64_t i = 0; i < n_unl; ++i)
        if (conf[size_t(i)] >= pl.threshold_) by_class[size_t(pred[size_t(i)])].push_back(i);
      int64_t cap = pl.max_per_class_ > 0 ? pl.max_per_class_ : n_unl;
      if (pl.balance_classes_)
        for (auto& c : by_class)
          if (!c.empty()) cap = std::min(cap, int64_t(c.size()));
      std::vector<int64_t> keep;
      for (auto& c : by_class) {
        std::stable_sort(c.begin(), c.end(), [&](int64_t a, int64_t b) { return conf[size_t(a)] > conf[size_t(b)]; });
        if (int64_t(c.size()) > cap) c.resize(size_t(cap));
        keep.insert(keep.end(), c.begin(), c.end());
      }
      std::sort(keep.begin(), keep.end());

      int64_t known = 0, correct = 0, known_kept = 0, correct_kept = 0;
      for (int64_t i = 0; i < n_unl; ++i)
        if (truth[size_t(i)] >= 0) {
          ++known;
          correct += pred[size_t(i)] == truth[size_t(i)];
        }
      std::vector<int64_t> next(static_cast<size_t>(n_unl), -1), labels;
      labels.reserve(keep.size());
      for (int64_t i : keep) {
        const int64_t c = pred[size_t(i)];
        next[size_t(i)] = c;
        labels.push_back(c);
        ++log.pseudo_per_class[size_t(c)];
        if (pseudo[size_t(i)] < 0) ++log.pseudo_added;
        else if (pseudo[size_t(i)] != c) ++log.pseudo_changed;
        if (truth[size_t(i)] >= 0) {
          ++known_kept;
          correct_kept += c == truth[size_t(i)];
        }
      }
      if (known > 0) log.unlabelled_accuracy = double(correct) / double(known);
      if (known_kept > 0) log.pseudo_accuracy = double(correct_kept) / double(known_kept);
      log.pseudo_labelled = static_cast<int64_t>(keep.size());
      pseudo = std::move(next);
      if (!keep.empty()) {
        // r copies of the labelled part with r L / (r L + P) >= labelled_share.
        const double n_l = double(labelled->size()), n_p = double(keep.size()), share = pl.labelled_share_;
        const int64_t copies = std::max<int64_t>(1, int64_t(std::ceil(share * n_p / ((1 - share) * n_l) - 1e-9)));
        std::vector<data::DatasetPtr> parts(size_t(copies), labelled);
        parts.push_back(std::make_shared<PseudoLabelledDataset>(unlabelled, keep, std::move(labels), like));
        train_set = std::make_shared<data::ConcatDataset>(std::move(parts));
      }
      if (pl.reinit_) model.load_state_dict(initial);
    }

    log.train_samples = train_set->size();
    if (pl.train_augment_) train_set = std::make_shared<data::MapDataset>(train_set, pl.train_augment_);
    const int64_t epochs = round == 0 && pl.initial_epochs_ > 0 ? pl.initial_epochs_ : pl.epochs_;
    Trainer trainer(TrainerOptions(options).epochs(epochs));
    std::unique_ptr<optim::Optimizer> opt = make_optimizer(model);
    DESCENT_CHECK(opt != nullptr, "fit_pseudo_label: the optimizer factory returned null");
    if (setup) setup(trainer, *opt, round);
    data::DataLoader train_loader(train_set, data::DataLoaderOptions()
                                                 .batch_size(pl.batch_size_)
                                                 .shuffle(true)
                                                 .num_workers(pl.num_workers_)
                                                 .seed(data::mix_seed(pl.seed_, uint64_t(round))));
    LossFn base = loss_fn ? loss_fn : trainer.default_loss();
    LossFn combined = base;
    if (stream && round >= pl.consistency_from_round_) {
      // The consistency term rides along with the supervised loss of each training step; in
      // evaluation (no grad, eval mode) the loss is the plain one.
      combined = [&, base](const Tensor& out, const Tensor& target) -> Tensor {
        Tensor loss = base(out, target);
        if (!GradMode::is_enabled() || !model.is_training()) return loss;
        double w = lambda;
        if (pl.consistency_rampup_ > 0) {
          const double steps = double(std::max<int64_t>(trainer.steps_per_epoch(), 1));
          const double progress = double(trainer.epoch()) + double(trainer.batch_in_epoch()) / steps;
          w *= std::min(1.0, progress / double(pl.consistency_rampup_));
        }
        if (w <= 0) return loss;
        Tensor views = stream->next();  // [B, 2, ...]
        const int64_t b = views.size(0);
        Tensor z = model.call(cat({views.select(1, 0), views.select(1, 1)}, 0));
        if (pl.consistency_ == Consistency::kFixMatch) return loss + fixmatch_term(z, b, binary, pl.threshold_) * w;
        Tensor prob = binary ? z.reshape({2 * b}).sigmoid() : nn::functional::softmax(z, 1);
        return loss + nn::functional::mse_loss(prob.narrow(0, 0, b), prob.narrow(0, b, b)) * w;
      };
    }
    log.history = trainer.fit(model, combined, *opt, train_loader, val_loader);
    log.seconds = now_seconds() - t0;
    result.rounds.push_back(std::move(log));
  }
  result.pseudo_labels = from_vector(pseudo);
  return result;
}

std::string SemiSupervisedResult::to_json() const {
  using detail::encode_double;
  nlohmann::json arr = nlohmann::json::array();
  for (const RoundLog& r : rounds) {
    nlohmann::json j;
    j["round"] = r.round;
    j["labelled"] = r.labelled;
    j["pseudo_labelled"] = r.pseudo_labelled;
    j["train_samples"] = r.train_samples;
    j["pseudo_added"] = r.pseudo_added;
    j["pseudo_changed"] = r.pseudo_changed;
    j["pseudo_accuracy"] = encode_double(r.pseudo_accuracy);
    j["unlabelled_accuracy"] = encode_double(r.unlabelled_accuracy);
    j["pseudo_per_class"] = r.pseudo_per_class;
    j["seconds"] = encode_double(r.seconds);
    j["epochs"] = nlohmann::json::parse(r.history.to_json());
    arr.push_back(std::move(j));
  }
  return arr.dump();
}

}  // namespace descent::train
