#pragma once
// Functional losses with PyTorch's definitions, argument order and defaults (the deprecated
// size_average/reduce arguments left out).
#include <ostream>
#include <string>

#include "descent/core/tensor.h"

namespace descent::nn {

/// How a loss combines its per-element values: keep them (None), average (Mean), add (Sum), or
/// (kl_div only) add and divide by the batch size, dim 0 (BatchMean).
enum class Reduction { None, Mean, Sum, BatchMean };
/// "none", "mean", "sum", "batchmean".
std::string to_string(Reduction r);
inline std::ostream& operator<<(std::ostream& os, Reduction r) { return os << to_string(r); }

}  // namespace descent::nn

namespace descent::nn::functional {

/// (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// |input - target|.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// d = input - target: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0: l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
/// d = input - target: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);
/// -weight (t log(x) + (1 - t) log(1 - x)) for probabilities x in [0, 1]; each log is clamped at
/// -100, so x = 0 or 1 gives finite values and gradients. weight broadcasts to input.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
/// binary_cross_entropy(sigmoid(x), t) in the stable form
/// weight ((1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x))), log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)).
/// pos_weight (e.g. one per class, broadcasting over the last dim) weighs the positive term.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::Mean, const Tensor& pos_weight = Tensor());
/// Fused log_softmax + nll over the class dim (1, or 0 for an unbatched [C] input). input [N, C, d1..dk];
/// target: class indices [N, d1..dk] (int64) or class probabilities shaped like input.
/// Index targets: classes equal to ignore_index add nothing; Mean divides by the summed weight of
/// the kept targets. label_smoothing e mixes the target with the uniform distribution:
/// (1 - e) nll + e / C * sum_c w_c (-log p_c). Probability targets: Mean divides by N d1..dk.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = -100, Reduction reduction = Reduction::Mean,
                     double label_smoothing = 0.0);
/// -weight[t] input[n, t] for log-probabilities input [N, C, d1..dk] (or [C]) and class indices
/// target [N, d1..dk]; ignore_index and Mean as in cross_entropy.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);
/// Kullback-Leibler divergence for log-probabilities input: t (log t - input), 0 where t = 0;
/// log_target: exp(t) (t - input). BatchMean (the mathematically correct one) divides the sum by input.size(0).
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);
/// cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) over dim 1 ([N, D]) or 0 ([D]);
/// 1 - cos where y = 1, max(0, cos - margin) where y = -1.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                             Reduction reduction = Reduction::Mean);
/// max(0, -y (x1 - x2) + margin).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                           Reduction reduction = Reduction::Mean);

}  // namespace descent::nn::functional
