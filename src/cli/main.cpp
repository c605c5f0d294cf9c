// `descent`: train, evaluate and use models from a TOML config.
//
//   descent train CONFIG.toml [--set key=value ...] [--out RUN_DIR] [--quiet]
//   descent resume RUN_DIR [--set epochs=N]
//   descent eval RUN_DIR [--split test|val] [--data PATH] [--json]
//   descent predict RUN_DIR INPUT... [--top K] [--json]
//   descent info CONFIG.toml|RUN_DIR
//   descent cluster CONFIG.toml [--set key=value ...] [--out DIR] [--quiet]
//   descent list [optimizers|schedulers|losses|layers|builtins]
//
// Exit codes: 0 success, 1 runtime error (a bad data file, a failed write), 2 usage or config error.
// Messages name the input at fault; DESCENT_DEBUG=1 adds the source location that raised them.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <exception>

#include "catalog.h"
#include "cluster_command.h"
#include "config.h"
#include "run.h"

using namespace descent::cli;

int main(int argc, char** argv) {
  CLI::App app{"descent: train, evaluate and use deep-learning models from a TOML config.\n"
               "Exit codes: 0 success, 1 runtime error, 2 usage or config error.",
               "descent"};
  app.require_subcommand(1);
  app.set_version_flag("--version", DESCENT_VERSION_STRING);

  TrainArgs train;
  auto* t = app.add_subcommand("train", "Train the model a config describes; writes a run directory (runs/<name> by default).");
  t->add_option("config", train.config, "the TOML config")->required();
  t->add_option("--set", train.sets, "override a config value, e.g. --set optimizer.lr=0.01 (repeatable); `descent list` shows the names and keys");
  t->add_option("--out", train.out, "the run directory (default runs/<name>)");
  t->add_flag("--quiet,-q", train.quiet, "no progress output");
  t->add_flag("--force", train.force, "replace the run already in --out");

  std::string run_dir;
  std::vector<std::string> resume_sets;
  bool quiet = false;
  auto* r = app.add_subcommand("resume", "Continue a run from its last checkpoint (to the same result as an uninterrupted run).");
  r->add_option("run_dir", run_dir, "the run directory")->required();
  r->add_option("--set", resume_sets, "only epochs=N: train for more epochs than the config said");
  r->add_flag("--quiet,-q", quiet, "no progress output");

  std::string split = "test", data;
  bool as_json = false;
  auto* e = app.add_subcommand("eval", "Metrics of a run's best checkpoint on its test or validation split, or on other data.");
  e->add_option("run_dir", run_dir, "the run directory")->required();
  e->add_option("--split", split, "test (default) or val")->check(CLI::IsMember({"test", "val"}));
  e->add_option("--data", data, "evaluate on this folder or file (same data kind as the config) instead");
  e->add_flag("--json", as_json, "one JSON object on stdout");

  std::vector<std::string> inputs;
  int64_t top = 3;
  auto* p = app.add_subcommand("predict", "Predict from a run's best checkpoint: image / audio files, texts or text files, CSV files.");
  p->add_option("run_dir", run_dir, "the run directory")->required();
  p->add_option("inputs", inputs, "files, or literal texts for text models")->required();
  p->add_option("--top", top, "classes shown per input (default 3)")->check(CLI::Range(int64_t(1), int64_t(1000)));
  p->add_flag("--json", as_json, "a JSON array on stdout");

  std::string info_path;
  std::vector<std::string> info_sets;
  auto* i = app.add_subcommand("info", "The model summary (layers, output shapes, parameters, FLOPs) of a config or run directory.");
  i->add_option("path", info_path, "a TOML config or a run directory")->required();
  i->add_option("--set", info_sets, "override a config value (repeatable)");

  ClusterArgs cluster;
  auto* c = app.add_subcommand("cluster", "K-means on a config's data or on a trained model's layer; writes assignments, centers, metrics and a report.");
  c->add_option("config", cluster.config, "the TOML config (task = \"clustering\")")->required();
  c->add_option("--set", cluster.sets, "override a config value, e.g. --set cluster.n_clusters=5 (repeatable)");
  c->add_option("--out", cluster.out, "the output directory (default runs/<name>)");
  c->add_flag("--quiet,-q", cluster.quiet, "no progress output");

  std::string list_kind;
  auto* l = app.add_subcommand("list", "The names a config may use (optimizers, schedulers, losses, layers, builtin models) with their keys and defaults.");
  l->add_option("kind", list_kind, "one of " + join(list_kinds()) + " (default: all)")->check(CLI::IsMember(list_kinds()));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& ex) {
    return app.exit(ex);
  } catch (const CLI::CallForAllHelp& ex) {
    return app.exit(ex);
  } catch (const CLI::CallForVersion& ex) {
    return app.exit(ex);
  } catch (const CLI::ParseError& ex) {
    app.exit(ex);
    return 2;
  }
  // DESCENT_DEBUG=1: error messages end with the source location that raised them.
  const char* debug_env = std::getenv("DESCENT_DEBUG");
  const bool debug = debug_env && *debug_env && std::string(debug_env) != "0";
  try {
    if (*t) {
      // A clustering config is unsupervised: `descent train` runs it as `descent cluster` would.
      if (load_with_overrides(train.config, train.sets)["task"].value_or(std::string()) == "clustering")
        return cluster_command(ClusterArgs{train.config, train.sets, train.out, train.quiet});
      return train_command(train);
    }
    if (*r) return resume_command(run_dir, resume_sets, quiet);
    if (*e) return eval_command(run_dir, split, data, as_json);
    if (*p) return predict_command(run_dir, inputs, top, as_json);
    if (*i) return info_command(info_path, info_sets);
    if (*c) return cluster_command(cluster);
    if (*l) return list_command(list_kind);
  } catch (const ConfigError& ex) {
    std::fprintf(stderr, "descent: config error: %s\n", (debug ? ex.what() : ex.message().c_str()));
    return 2;
  } catch (const descent::Error& ex) {
    std::fprintf(stderr, "descent: error: %s\n", (debug ? ex.what() : ex.message().c_str()));
    return 1;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "descent: error: %s\n", ex.what());
    return 1;
  }
  return 2;
}
