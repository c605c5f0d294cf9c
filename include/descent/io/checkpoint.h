#pragma once
// Optimizer and scheduler state on disk, so training resumes exactly. An optimizer's tensors
// (moment buffers, ...) go to a safetensors file whose __metadata__ entry "descent.state" holds
// its scalars and strings as JSON; a scheduler's state (numbers only) is a JSON file. Doubles
// are written with round-trip precision and infinities/NaN as strings, so values come back
// bit-identical. All writes are atomic (temp file + rename).
#include <string>

#include "descent/optim/optimizer.h"

namespace descent::io {

/// JSON text {"scalars": {...}, "strings": {...}} of a ScalarState (exact doubles; "inf", "-inf", "nan").
std::string scalar_state_to_json(const ScalarState& state);
/// Parses what scalar_state_to_json wrote; errors name `source` and the bad key.
ScalarState scalar_state_from_json(const std::string& text, const std::string& source = "<memory>");

/// Writes a scheduler's (or any) ScalarState as JSON, atomically.
void save_scalar_state(const ScalarState& state, const std::string& path);
ScalarState load_scalar_state(const std::string& path);

/// Writes optimizer.state_dict() to a safetensors file (tensors + scalars in the metadata).
void save_optimizer(const optim::Optimizer& optimizer, const std::string& path);
/// Reads a file written by save_optimizer into optimizer.load_state_dict.
void load_optimizer(optim::Optimizer& optimizer, const std::string& path);

}  // namespace descent::io
