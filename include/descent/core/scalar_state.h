#pragma once
// ScalarState: named numbers and strings, all JSON-able. What a scheduler's state_dict holds, the
// non-tensor part of an optimizer's, and a metric's or callback's saved state. A general container,
// so it lives in core; optim::ScalarState names the same type.
#include <map>
#include <string>

namespace descent {

/// Keys are flat dotted names ("param_groups.0.lr"). Values may be +-inf (ReduceLROnPlateau's
/// initial best): writers must encode them.
struct ScalarState {
  std::map<std::string, double> scalars;
  std::map<std::string, std::string> strings;

  /// The scalar under key; throws descent::Error naming the key when absent.
  double scalar(const std::string& key) const;
  /// The string under key; throws descent::Error naming the key when absent.
  const std::string& string(const std::string& key) const;
  bool has_scalar(const std::string& key) const { return scalars.count(key) > 0; }
};

}  // namespace descent
