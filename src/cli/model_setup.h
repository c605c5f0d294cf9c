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
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "data_setup.h"
#include "descent/nn/module.h"

namespace descent::cli {

/// The model a config describes, for inputs like the bundle's (input_shape, input_dtype) and
/// bundle.num_outputs outputs. Throws ConfigError for bad keys, values and shapes.
std::shared_ptr<nn::Module> build_model(ModelSettings& m, const DataBundle& bundle);

/// The builtin names.
const std::vector<std::string>& builtin_models();

/// The layer types a layer list may use.
const std::vector<std::string>& layer_types();

}  // namespace descent::cli
