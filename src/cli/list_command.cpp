// `descent list`: the catalogs of catalog.h and model_setup.h as text, so the names, summaries and
// keys a user reads come from the same tables that validate and build a config.
#include <cstdio>

#include "catalog.h"
#include "model_setup.h"

namespace descent::cli {

namespace {

void row(const std::string& name, const std::string& text) {
  std::printf("  %-20s %s\n", name.c_str(), text.c_str());
}

std::string tasks_of(const LossEntry& e) {
  std::vector<std::string> t;
  for (TaskKind k : e.tasks)
    if (k != TaskKind::MultiLabel) t.push_back(to_string(k));
  return join(t);
}

}  // namespace

const std::vector<std::string>& list_kinds() {
  static const std::vector<std::string> kinds = {"optimizers", "schedulers", "losses", "layers", "builtins"};
  return kinds;
}

int list_command(const std::string& kind) {
  bool known = kind.empty();
  for (const auto& k : list_kinds()) known = known || k == kind;
  DESCENT_CONFIG_CHECK(known, "list: unknown kind '", kind, "'; one of ", join(list_kinds()));
  auto want = [&](const char* k) { return kind.empty() || kind == k; };
  const Settings defaults;  // scheduler defaults that follow the config are shown for these
  if (want("optimizers")) {
    std::printf("optimizers: [optimizer] name = \"...\" (default adam); weight_decay = 0.0 for all\n");
    for (const auto& e : optimizers().entries()) {
      row(e.name, e.summary);
      OptimizerSettings o;
      row("", describe_keys([&](Section& s) { e.read(s, o); }, "optimizer"));
    }
  }
  if (want("schedulers")) {
    std::printf("schedulers: [scheduler] name = \"...\" (default none); defaults shown for epochs = %lld, lr = %g\n",
                static_cast<long long>(defaults.epochs), defaults.optimizer.lr);
    for (const auto& e : schedulers().entries()) {
      row(e.name, e.summary);
      SchedulerSettings c;
      const std::string keys = describe_keys([&](Section& s) { e.read(s, c, defaults); }, "scheduler");
      if (!keys.empty()) row("", keys);
    }
  }
  if (want("losses")) {
    std::printf("losses: [loss] name = \"...\" (default: the first for the task)\n");
    for (const auto& e : losses().entries()) {
      row(e.name, e.summary + " [" + tasks_of(e) + "]");
      LossSettings l;
      const std::string keys = describe_keys([&](Section& s) { e.read(s, l); }, "loss");
      if (!keys.empty()) row("", keys);
    }
  }
  if (want("layers")) {
    std::printf("layers: [[model.layers]] type = \"...\" (input sizes are inferred from the data)\n");
    for (const auto& e : layer_types().entries()) row(e.name, e.summary);
  }
  if (want("builtins")) {
    std::printf("builtins: [model] builtin = \"...\" and its options\n");
    for (const auto& e : builtin_models().entries()) row(e.name, e.summary);
  }
  return 0;
}

}  // namespace descent::cli
