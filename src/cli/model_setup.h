#pragma once
// The `descent` tool's models: a [model] section becomes an nn::Module, either a named builtin
// (include/descent/models/) with its options, or a list of layers such as
//
//   layers = [ { type = "conv2d", out = 32, kernel = 3, padding = 1 }, { type = "relu" },
//              { type = "maxpool2d", kernel = 2 }, { type = "flatten" }, { type = "linear" } ]
//
// Input sizes (in_features, in_channels, num_features, the vocabulary) are inferred layer by layer
// from the data's example shape; a `linear` without `out` gets the task's output size (the
// number of classes, 1 for binary and regression). Each layer is tried on a probe batch as it
// is added, so a layer whose shapes do not fit is a ConfigError naming it ("model.layers[3]
// (linear): ...") before any training.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "catalog.h"
#include "config.h"
#include "data_setup.h"
#include "descent/nn/module.h"

namespace descent::cli {

/// The model a config describes, for inputs like the bundle's (input_shape, input_dtype) and
/// bundle.num_outputs outputs. Throws ConfigError for bad keys, values and shapes.
std::shared_ptr<nn::Module> build_model(ModelSettings& m, const DataBundle& bundle);

/// What a layer's builder sees: its section, the per-example input shape and dtype, the data.
struct LayerContext {
  Section& s;
  const std::string& type;
  const Shape& in;
  DType dtype;
  const DataBundle& bundle;
  bool last;  ///< the last layer of the list (a linear's out then defaults to the task's size)

  /// ConfigErrors naming the layer: the input must have `rank` dimensions (what: "an image [C, H, W]"),
  /// must be floating (not token indices), must be an image (two) or a sequence.
  void need_rank(size_t rank, const char* what) const;
  void floating() const;
  void need_spatial(bool two) const;
};

/// A layer type of a layer list: `{ type = "<name>", ... }`; the summary lists its keys.
struct LayerEntry {
  std::string name, summary;
  std::function<std::shared_ptr<nn::Module>(const LayerContext&)> make;
};
/// The layer types a layer list may use (activations from nn::activation_names()).
const Catalog<LayerEntry>& layer_types();

/// A builtin model: `[model] builtin = "<name>"` with its options read from the section.
struct BuiltinEntry {
  std::string name, summary;
  std::function<std::shared_ptr<nn::Module>(Section& s, const DataBundle& bundle)> make;
};
const Catalog<BuiltinEntry>& builtin_models();

}  // namespace descent::cli
