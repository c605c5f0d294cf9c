#include "descent/io/checkpoint.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "descent/io/file.h"
#include "descent/io/safetensors.h"

namespace descent::io {
namespace {

using json = nlohmann::json;

json encode(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double decode(const json& j, const std::string& key, const std::string& source) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    if (s == "nan") return NAN;
  }
  DESCENT_FAIL(source, ": state value for '", key, "' is not a number: ", j.dump());
}

const char* kMetaKey = "descent.state";

}  // namespace

std::string scalar_state_to_json(const ScalarState& state) {
  json j;
  j["scalars"] = json::object();
  for (auto& [k, v] : state.scalars) j["scalars"][k] = encode(v);
  j["strings"] = state.strings;
  return j.dump(1);
}

ScalarState scalar_state_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    DESCENT_FAIL(source, ": invalid state JSON: ", e.what());
  }
  DESCENT_CHECK(j.is_object() && j.contains("scalars") && j["scalars"].is_object(), source,
                ": state JSON needs a \"scalars\" object");
  ScalarState s;
  for (auto it = j["scalars"].begin(); it != j["scalars"].end(); ++it)
    s.scalars[it.key()] = decode(it.value(), it.key(), source);
  if (j.contains("strings")) {
    DESCENT_CHECK(j["strings"].is_object(), source, ": \"strings\" must be an object");
    for (auto it = j["strings"].begin(); it != j["strings"].end(); ++it) {
      DESCENT_CHECK(it.value().is_string(), source, ": state string '", it.key(), "' is not a string");
      s.strings[it.key()] = it.value().get<std::string>();
    }
  }
  return s;
}

void save_scalar_state(const ScalarState& state, const std::string& path) {
  atomic_write(path, scalar_state_to_json(state));
}

ScalarState load_scalar_state(const std::string& path) {
  std::ifstream f(path);
  DESCENT_CHECK(f.good(), path, ": cannot open for reading");
  std::stringstream ss;
  ss << f.rdbuf();
  return scalar_state_from_json(ss.str(), path);
}

void save_optimizer(const optim::Optimizer& optimizer, const std::string& path) {
  optim::OptimizerState st = optimizer.state_dict();
  save_safetensors(path, st.tensors, {{kMetaKey, scalar_state_to_json(st)}, {"format", "descent-optimizer"}});
}

void load_optimizer(optim::Optimizer& optimizer, const std::string& path) {
  SafetensorsData d = load_safetensors(path);
  auto it = d.metadata.find(kMetaKey);
  DESCENT_CHECK(it != d.metadata.end(), path, ": not an optimizer state file (no '", kMetaKey, "' metadata)");
  optim::OptimizerState st;
  static_cast<ScalarState&>(st) = scalar_state_from_json(it->second, path);
  st.tensors = std::move(d.tensors);
  try {
    optimizer.load_state_dict(st);
  } catch (const Error& e) {
    DESCENT_FAIL(path, ": ", e.message());
  }
}

}  // namespace descent::io
