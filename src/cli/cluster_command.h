#pragma once
// `descent cluster CONFIG.toml`: k-means on any dataset kind of the tool, on the flattened data or
// on the features of one top-level stage of a trained model. A config:
//
//   task = "clustering"
//   name = "cluster_fashion"       # the run directory is runs/<name> unless --out says otherwise
//   seed = 0                       # seeds the splits, the k-means initialisations and the silhouette sample
//   threads = 0                    # 0: descent's default thread count
//   report_samples = 8             # images per cluster in the report's grid (at most 8 are shown)
//   [data]                         # exactly as `descent train` reads it (kind, path, split, mean, std, ...);
//   kind = "fashion_mnist"         # training augmentations (hflip, crop_padding) are not applied
//   [cluster]
//   method = "kmeans"              # "kmeans" (Lloyd) or "minibatch" (MiniBatchKMeans)
//   n_clusters = 10                # default: the number of classes of the data
//   n_init = 4                     # initialisations; the lowest inertia wins
//   max_iter = 300                 # kmeans: Lloyd iterations per run; minibatch: epochs (default 100)
//   tol = 1e-4                     # scikit-learn's meaning (relative to the mean feature variance)
//   init = "k-means++"             # or "random"
//   batch_size = 1024              # minibatch only
//   split = "train"                # which examples are clustered: train | val | test | all (train, val, test in order)
//   features = "raw"               # raw: the flattened model inputs; model: a layer of a trained model
//   run = "runs/fashion_cnn"       # features = "model": a `descent train` run directory (best.safetensors)
//   layer = "features"             # features = "model": a top-level child of the run's model
//
// With features = "model", [data] may be left out: the run's own [data] section is used. Text data
// needs features = "model" (token ids are not features); the token ids are mapped to the run's
// vocabulary by token, and tabular features to the run's standardisation.
//
// The run directory gets config.toml (resolved), assignments.csv (index, split, cluster, label, class),
// centers.safetensors ("centers" [K, D]), metrics.json (inertia, n_iter, seconds, silhouette, and with
// labels adjusted_rand_index, normalized_mutual_info, purity) and report.html.
#include <string>
#include <vector>

namespace descent::cli {

struct ClusterArgs {
  std::string config;
  std::vector<std::string> sets;  ///< key=value overrides
  std::string out;                ///< run directory ("" = runs/<name>)
  bool quiet = false;
};

/// Runs a clustering config (see the file comment). Returns the exit code (0); ConfigError (exit 2)
/// and descent::Error (exit 1) propagate to main().
int cluster_command(const ClusterArgs& args);

}  // namespace descent::cli
