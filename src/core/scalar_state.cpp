// ScalarState's checked lookups.
#include "descent/core/scalar_state.h"

#include "descent/core/error.h"

namespace descent {

double ScalarState::scalar(const std::string& key) const {
  auto it = scalars.find(key);
  DESCENT_CHECK(it != scalars.end(), "state_dict: missing scalar '", key, "'");
  return it->second;
}

const std::string& ScalarState::string(const std::string& key) const {
  auto it = strings.find(key);
  DESCENT_CHECK(it != strings.end(), "state_dict: missing string '", key, "'");
  return it->second;
}

}  // namespace descent
