#pragma once
// Semi-supervised learning by pseudo-labelling (Lee 2013), optionally with consistency
// regularisation between two augmentations of the same unlabelled sample (the Pi-model of
// Laine & Aila 2017):
//
//   auto parts = train::split_labelled(train_set, /*labelled_fraction=*/0.01, /*seed=*/0);
//   auto result = train::fit_pseudo_label(model, make_adam, train::TrainerOptions().task(Task::MultiClass, 10),
//                                         parts.labelled, parts.unlabelled,
//                                         train::PseudoLabelOptions().threshold(0.95).rounds(3).epochs(10));
//
// Round 0 trains on the labelled part only (plain supervised learning). Each later round predicts
// every unlabelled sample with the current model, keeps those whose highest class probability is
// >= threshold as (sample, predicted class) pairs, and trains again on labelled + pseudo-labelled
// samples (from the initial weights when reinit is set, else continuing). The pseudo-labels of a
// round replace those of the previous one, so a sample may gain, change or lose its label.
//
// With consistency_weight lambda > 0 every training step also draws a batch of unlabelled samples
// and adds a consistency term to the loss (validation losses stay the plain loss):
//   - Consistency::kMSE (the Pi-model): each sample augmented twice (two independent draws of
//     `augment`), lambda * mean over batch and classes of (softmax(f(aug1(u))) - softmax(f(aug2(u))))^2
//     (binary tasks: sigmoid of the one logit);
//   - Consistency::kFixMatch (Sohn et al. 2020): a weak view (`augment`) and a strong view
//     (`strong_augment`: e.g. crop, Cutout and colour jitter for images, SpecAugment masks for
//     spectrograms) of each sample; the weak view's prediction, where its probability is at least
//     `threshold`, is the hard target of the strong view: lambda * sum over confident samples of
//     cross_entropy(f(strong(u)), argmax f(weak(u))) / batch size. The weak prediction carries no
//     gradient; both views go through the model in one batch.
// The true targets of unlabelled samples are never used for training; where they are known
// (a target >= 0) they only measure the accuracy of the pseudo-labels.
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/options.h"
#include "descent/data/dataset.h"
#include "descent/nn/module.h"
#include "descent/optim/optimizer.h"
#include "descent/train/trainer.h"

namespace descent::train {

/// The labelled and unlabelled parts of a dataset (indices into the same base dataset).
struct LabelledSplit {
  std::shared_ptr<data::Subset> labelled;
  std::shared_ptr<data::Subset> unlabelled;
};

/// Keeps round(labelled_fraction * n) examples as labelled, stratified by class (each class keeps
/// its share within one or two samples; data::stratified_split_indices) and seeded; the rest are
/// the unlabelled part (their targets stay in the Subset but fit_pseudo_label never trains on
/// them). Targets must be integer class labels. labelled_fraction in (0, 1).
LabelledSplit split_labelled(data::DatasetPtr dataset, double labelled_fraction, uint64_t seed = 0);

/// Splits by the target itself: a missing label (an undefined target, a negative class index such
/// as -1, or NaN) makes the example unlabelled. Throws when no example is labelled.
LabelledSplit split_by_missing_label(data::DatasetPtr dataset);

/// A fresh optimizer over the model's parameters, e.g.
/// `[](nn::Module& m) { return std::make_unique<optim::Adam>(m.parameters(), optim::AdamOptions(1e-3)); }`.
using OptimizerFactory = std::function<std::unique_ptr<optim::Optimizer>(nn::Module&)>;

/// Called before each round's fit, to add callbacks (progress bar, LR schedulers on the round's
/// optimizer, early stopping) to that round's Trainer. round 0 is the supervised round.
using RoundSetup = std::function<void(Trainer& trainer, optim::Optimizer& optimizer, int64_t round)>;

/// The consistency term of fit_pseudo_label (see the file comment).
enum class Consistency { kMSE, kFixMatch };

/// Settings of fit_pseudo_label.
struct PseudoLabelOptions {
  /// Minimum predicted probability of the predicted class for a pseudo-label, in (0, 1]
  /// (binary: max(p, 1 - p)). Default 0.95.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, double, threshold, v > 0 && v <= 1, "in (0, 1]") = 0.95;
  /// Pseudo-labelling rounds after the supervised round 0 (>= 0; 0 is supervised only). Default 3.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, rounds, v >= 0, ">= 0") = 3;
  /// Training epochs in every round (>= 1). Default 10.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, epochs, v >= 1, ">= 1") = 10;
  /// Training epochs of round 0 only (>= 1); 0 (default) uses epochs().
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, initial_epochs, v >= 0, ">= 0") = 0;
  /// Start every round from the initial weights (true, default: avoids confirmation bias) or
  /// continue training the previous round's model (false). The optimizer is always new.
  DESCENT_ARG(PseudoLabelOptions, bool, reinit) = true;
  /// At most this many pseudo-labels per predicted class, the most confident first (>= 1);
  /// 0 (default) keeps all above the threshold.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, max_per_class, v >= 0, ">= 0") = 0;
  /// Keep the same number of pseudo-labels in every class: the smallest class count above the
  /// threshold (after max_per_class), the most confident first; a class without any gives none
  /// of that class and does not limit the others. Counters the drift of self-training towards
  /// the classes the model already favours. Default false.
  DESCENT_ARG(PseudoLabelOptions, bool, balance_classes) = false;
  /// Which consistency term (kMSE, the default, or kFixMatch).
  DESCENT_ARG(PseudoLabelOptions, Consistency, consistency) = Consistency::kMSE;
  /// kFixMatch's strong view of one unlabelled sample; by default `augment` (or its default)
  /// followed by RandomErasing(p = 1, scale [0.02, 0.25]) for images and GaussianNoise(noise_std) for all.
  DESCENT_ARG(PseudoLabelOptions, data::TensorTransform, strong_augment);
  /// Weight lambda of the consistency term (>= 0; 0, the default, turns it off).
  DESCENT_ARG_CHECKED(PseudoLabelOptions, double, consistency_weight, v >= 0 && std::isfinite(v), ">= 0") = 0;
  /// Repeat the labelled samples in each round's training set so that they make up at least this
  /// share of it (in [0, 1); default 0: each once). Keeps the true labels from being drowned by
  /// thousands of pseudo-labels whose errors are systematic.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, double, labelled_share, v >= 0 && v < 1, "in [0, 1)") = 0;
  /// The first round with the consistency term (>= 0; default 0: every round). 1 keeps round 0
  /// purely supervised, a baseline for the rounds that use the unlabelled data.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, consistency_from_round, v >= 0, ">= 0") = 0;
  /// Consistency weight ramps up linearly from 0 over this many epochs of each round (>= 0;
  /// default 0: full weight at once).
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, consistency_rampup, v >= 0, ">= 0") = 0;
  /// The augmentation of one unlabelled sample for the consistency term, e.g. data::RandomCrop or
  /// data::RandomRotation; by default random_shift_noise(max_shift, noise_std) below.
  DESCENT_ARG(PseudoLabelOptions, data::TensorTransform, augment);
  /// Largest shift in pixels of the default augmentation (>= 0; images [C, H, W] or [H, W]). Default 2.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, max_shift, v >= 0, ">= 0") = 2;
  /// Standard deviation of the Gaussian noise of the default augmentation (>= 0). Default 0.1.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, double, noise_std, v >= 0 && std::isfinite(v), ">= 0") = 0.1;
  /// An augmentation applied to every training sample, labelled and pseudo-labelled, in every
  /// round including round 0 (so a supervised run with rounds(0) gets the same), e.g.
  /// random_shift_noise(2, 0.1): a student trained on noised inputs generalises beyond its
  /// teacher's pseudo-labels (Noisy Student, Xie et al. 2020). Default none.
  DESCENT_ARG(PseudoLabelOptions, data::TensorTransform, train_augment);
  /// Training batch size (>= 1). Default 128.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, batch_size, v >= 1, ">= 1") = 128;
  /// Unlabelled samples per step for the consistency term (>= 1); 0 (default) uses batch_size.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, unlabelled_batch_size, v >= 0, ">= 0") = 0;
  /// Batch size for predicting the unlabelled part (>= 1). Default 1000.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int64_t, predict_batch_size, v >= 1, ">= 1") = 1000;
  /// DataLoader worker threads (>= 0). Default 0.
  DESCENT_ARG_CHECKED(PseudoLabelOptions, int, num_workers, v >= 0, ">= 0") = 0;
  /// Seed of the loaders' shuffling and augmentations (the model's initial weights are the caller's).
  DESCENT_ARG(PseudoLabelOptions, uint64_t, seed) = 0;
};

/// The default augmentation: moves an image ([C, H, W] or [H, W]) by a random whole number of
/// pixels in [-max_shift, max_shift] along each axis (zero fill), then adds N(0, noise_std^2)
/// noise; other shapes get the noise only. Draws from the sample's SampleRng.
data::TensorTransform random_shift_noise(int64_t max_shift, double noise_std);

/// One round of fit_pseudo_label.
struct RoundLog {
  int64_t round = 0;            ///< 0 = supervised on the labelled part
  int64_t labelled = 0;         ///< labelled samples trained on
  int64_t pseudo_labelled = 0;  ///< pseudo-labelled samples trained on in this round
  int64_t train_samples = 0;    ///< samples per epoch (labelled_share may repeat the labelled part)
  int64_t pseudo_added = 0;     ///< of those, samples without a pseudo-label in the previous round
  int64_t pseudo_changed = 0;   ///< of those, samples whose pseudo-label differs from the previous round's
  /// Fraction of this round's pseudo-labels equal to the true target, over the pseudo-labelled
  /// samples whose true target is known; NaN when none is known or there are none.
  double pseudo_accuracy = std::numeric_limits<double>::quiet_NaN();
  /// Fraction of all unlabelled samples with a known target that the model before this round
  /// classified correctly (NaN when none known; round 0: not measured).
  double unlabelled_accuracy = std::numeric_limits<double>::quiet_NaN();
  /// Pseudo-labels per class in this round.
  std::vector<int64_t> pseudo_per_class;
  History history;  ///< the round's epochs (val_* metrics when a validation loader was given)
  double seconds = 0;
  /// The last epoch's value of key (e.g. "val_accuracy", "train_loss"); NaN when absent.
  double last(const std::string& key) const;
};

/// What fit_pseudo_label returns; the model holds the final round's weights.
struct SemiSupervisedResult {
  std::vector<RoundLog> rounds;
  /// The last round's pseudo-label of each unlabelled sample ([U] int64, -1 where none).
  Tensor pseudo_labels;
  /// JSON array of round objects (round, labelled, pseudo_*, accuracies, per class, seconds, last epoch).
  std::string to_json() const;
};

/// Pseudo-labelling (see the file comment). options.task must be MultiClass (num_classes >= 2)
/// or Binary; options.epochs is replaced by the round's epochs. loss_fn: the loss on labelled and
/// pseudo-labelled batches (default: the task's). val_loader may be null.
SemiSupervisedResult fit_pseudo_label(nn::Module& model, const OptimizerFactory& make_optimizer,
                                      const TrainerOptions& options, data::DatasetPtr labelled,
                                      data::DatasetPtr unlabelled, const PseudoLabelOptions& pseudo,
                                      data::DataLoader* val_loader = nullptr, LossFn loss_fn = {},
                                      const RoundSetup& setup = {});
template <typename H, typename = decltype(std::declval<H>().ptr())>
SemiSupervisedResult fit_pseudo_label(const H& model, const OptimizerFactory& make_optimizer,
                                      const TrainerOptions& options, data::DatasetPtr labelled,
                                      data::DatasetPtr unlabelled, const PseudoLabelOptions& pseudo,
                                      data::DataLoader* val_loader = nullptr, LossFn loss_fn = {},
                                      const RoundSetup& setup = {}) {
  return fit_pseudo_label(*model.ptr(), make_optimizer, options, std::move(labelled), std::move(unlabelled), pseudo,
                          val_loader, std::move(loss_fn), setup);
}

}  // namespace descent::train
