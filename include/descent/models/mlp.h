#pragma once
// MLP: the builtin multi-layer perceptron (config name "mlp"), for tabular features or flattened images.
//
//   Flatten -> [Linear(d_i, h_i) -> (BatchNorm1d(h_i)) -> activation -> (Dropout(p))] per hidden size
//           -> Linear(h_last, out_features)
//
// Input [N, ...] whose trailing dims multiply to in_features (e.g. [N, 784] or [N, 1, 28, 28]);
// output [N, out_features] (logits for classification, values for regression).
// State-dict names: "layers.<i>.weight", as a PyTorch nn.Sequential held in `self.layers`.
#include <string>
#include <vector>

#include "descent/nn/modules/sequential.h"

namespace descent::models {

/// Options of MLP: `MLPOptions(784, 10).hidden({512, 256}).activation("gelu").dropout(0.2)`.
struct MLPOptions {
  MLPOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  /// Widths of the hidden layers (default {256, 256}); empty: a single Linear (logistic/linear regression).
  MLPOptions& hidden(std::vector<int64_t> h) { hidden_ = std::move(h); return *this; }
  /// An activation by name, one of nn::activation_names() (default relu; leaky_relu has slope 0.01).
  MLPOptions& activation(std::string a) { activation_ = std::move(a); return *this; }
  /// Dropout probability after every hidden activation (default 0: no Dropout layers).
  MLPOptions& dropout(double p) { dropout_ = p; return *this; }
  /// BatchNorm1d between every hidden Linear and its activation (default false).
  MLPOptions& batch_norm(bool b) { batch_norm_ = b; return *this; }
  int64_t in_features_, out_features_;
  std::vector<int64_t> hidden_ = {256, 256};
  std::string activation_ = "relu";
  double dropout_ = 0.0;
  bool batch_norm_ = false;
};

class MLPImpl : public nn::Module {
 public:
  MLPImpl(int64_t in_features, int64_t out_features) : MLPImpl(MLPOptions(in_features, out_features)) {}
  /// Throws descent::Error naming the option at fault (non-positive sizes, unknown activation, p outside [0, 1)).
  explicit MLPImpl(const MLPOptions& o);
  /// [N, ...] -> [N, out_features]; an input whose per-sample size is not in_features is an Error.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  MLPOptions options;
  nn::Sequential layers{nullptr};
};
DESCENT_MODULE(MLP);

}  // namespace descent::models
