// `descent cluster`: k-means on a config's data or on a trained model's features; see cluster_command.h.
#include "cluster_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "config.h"
#include "data_setup.h"
#include "format.h"
#include "run_dir.h"
#include "descent/backend/parallel.h"
#include "descent/cluster/cluster.h"
#include "descent/data/formats/csv.h"
#include "descent/data/formats/text.h"
#include "descent/descent.h"
#include "descent/io/file.h"
#include "descent/io/safetensors.h"
#include "descent/report/html.h"
#include "descent/report/svg.h"

namespace descent::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// The [cluster] section.
struct ClusterSettings {
  std::string method = "kmeans", init = "k-means++", split = "train", features = "raw", run, layer;
  int64_t n_clusters = 0, n_init = 4, max_iter = 300, batch_size = 1024;
  double tol = 1e-4;
};

ClusterSettings read_cluster(Section s) {
  ClusterSettings c;
  c.method = s.choice("method", "kmeans", {"kmeans", "minibatch"});
  c.n_clusters = s.integer("n_clusters", 0, 0, 1 << 20);  // 0: written back as the number of classes
  c.n_init = s.integer("n_init", 4, 1, 1000);
  c.max_iter = s.integer("max_iter", c.method == "kmeans" ? 300 : 100, 1, 1 << 20);
  c.tol = s.number("tol", c.method == "kmeans" ? 1e-4 : 0.0, 0.0, 1e6);
  c.init = s.choice("init", "k-means++", {"k-means++", "random"});
  if (c.method == "minibatch") c.batch_size = s.integer("batch_size", 1024, 1, 1 << 24);
  c.split = s.choice("split", "train", {"train", "val", "test", "all"});
  c.features = s.choice("features", "raw", {"raw", "model"});
  if (c.features == "model") {
    c.run = s.required_string("run");
    c.layer = s.required_string("layer");
  }
  s.finish();
  return c;
}

/// A `descent train` run directory's model with its best weights, and what it was trained on.
struct TrainedModel {
  std::string dir;
  Settings st;
  Preprocessor pre;
  std::shared_ptr<nn::Module> model;
  toml::table data_table;  ///< the run's resolved [data]
};

TrainedModel open_trained(const std::string& run_dir) {
  const fs::path run(run_dir);
  std::error_code ec;
  DESCENT_CONFIG_CHECK(fs::is_directory(run, ec), "cluster.run: no such run directory '", run_dir, "'");
  for (const char* f : {"config.toml", "preprocess.json", "best.safetensors"})
    DESCENT_CONFIG_CHECK(fs::is_regular_file(run / f, ec), "cluster.run: '", run_dir, "' has no ", f,
                         " (give the run directory of a finished `descent train`)");
  Experiment r = load_trained_run(run_dir);
  TrainedModel t;
  t.dir = run_dir;
  t.st = std::move(r.st);
  if (auto* d = r.config["data"].as_table()) t.data_table = *d;
  t.pre = std::move(r.data.pre);
  t.model = std::move(r.model);
  return t;
}

/// Turns batches of the clustered data into the run's model inputs (the same preprocessing as the
/// run's training): images and audio must match; token ids are mapped to the run's vocabulary by
/// token; tabular features are moved to the run's standardisation.
struct InputAdapter {
  std::vector<int64_t> token_map;  ///< text: our id -> the run's id
  bool tabular = false;
  std::vector<double> our_mean, our_std, run_mean, run_std;

  Tensor operator()(const Tensor& x) const {
    if (!token_map.empty()) {
      Tensor ids = x.contiguous();
      std::vector<int64_t> out(size_t(ids.numel()));
      const int64_t* p = ids.data_ptr<int64_t>();
      for (size_t i = 0; i < out.size(); ++i)
        out[i] = p[i] >= 0 && p[i] < int64_t(token_map.size()) ? token_map[size_t(p[i])] : data::Vocab::kUnkIndex;
      return from_vector(out, ids.sizes());
    }
    if (!tabular) return x;
    Tensor raw = our_std.empty() ? x : data::Standardizer(our_mean, our_std).inverse_transform(x);
    return run_std.empty() ? raw : data::Standardizer(run_mean, run_std).transform(raw);
  }
};

template <typename T>
std::string list_str(const std::vector<T>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

InputAdapter adapt_inputs(const Preprocessor& ours, const Preprocessor& theirs, const std::string& run) {
  DESCENT_CONFIG_CHECK(ours.modality == theirs.modality, "data.kind: ", ours.modality, " data, but the model of cluster.run '",
                       run, "' was trained on ", theirs.modality, " data");
  auto same = [&](const std::string& key, auto a, auto b) {
    DESCENT_CONFIG_CHECK(a == b, "data.", key, ": the model of cluster.run '", run, "' was trained with ", key, " = ", b,
                         ", this config gives ", a, " (leave [data] out to use the run's own)");
  };
  InputAdapter a;
  if (ours.modality == "image") {
    same("channels", ours.channels, theirs.channels);
    same("height", ours.height, theirs.height);
    same("width", ours.width, theirs.width);
    same("mean", list_str(ours.mean), list_str(theirs.mean));
    same("std", list_str(ours.std), list_str(theirs.std));
  } else if (ours.modality == "audio") {
    same("sample_rate", ours.sample_rate, theirs.sample_rate);
    same("seconds (samples)", ours.num_samples, theirs.num_samples);
    same("n_mels", ours.n_mels, theirs.n_mels);
    same("n_fft", ours.n_fft, theirs.n_fft);
    same("hop_length", ours.hop_length, theirs.hop_length);
  } else if (ours.modality == "text") {
    std::map<std::string, int64_t> index;
    for (size_t i = 0; i < theirs.vocab.size(); ++i) index.emplace(theirs.vocab[i], int64_t(i));
    a.token_map.resize(ours.vocab.size(), data::Vocab::kUnkIndex);
    for (size_t i = 0; i < ours.vocab.size(); ++i) {
      auto it = index.find(ours.vocab[i]);
      if (it != index.end()) a.token_map[i] = it->second;
    }
    if (!a.token_map.empty()) a.token_map[size_t(data::Vocab::kPadIndex)] = data::Vocab::kPadIndex;
  } else {
    std::vector<std::string> oc, tc;
    for (const auto& c : ours.columns) oc.push_back(c.name + (c.categorical ? "{" + join(c.categories, "|") + "}" : ""));
    for (const auto& c : theirs.columns) tc.push_back(c.name + (c.categorical ? "{" + join(c.categories, "|") + "}" : ""));
    same("features", join(oc), join(tc));
    a.tabular = true;
    a.our_mean = ours.feature_mean, a.our_std = ours.feature_std;
    a.run_mean = theirs.feature_mean, a.run_std = theirs.feature_std;
  }
  return a;
}

/// The features of one top-level stage of a model: its top-level children run in order up to and
/// including `layer`.
struct StageFeatures {
  std::vector<std::shared_ptr<nn::Module>> stages;

  Tensor operator()(const Tensor& x) const {
    Tensor h = x;
    for (const auto& m : stages) h = m->call(h);
    return h;
  }
};

StageFeatures stage_features(const TrainedModel& t, const std::string& layer, const Tensor& probe) {
  auto children = t.model->named_children();
  const std::string what = t.st.model.builtin.empty() ? "layer list" : "builtin '" + t.st.model.builtin + "'";
  DESCENT_CONFIG_CHECK(!children.empty(), "cluster.layer: the model of cluster.run '", t.dir, "' (", what,
                       ") has no child modules to take features from");
  DESCENT_CONFIG_CHECK(children.contains(layer), "cluster.layer: unknown '", layer, "'; the top-level children of the model of '",
                       t.dir, "' (", what, ") are ", join(children.keys()));
  StageFeatures f, all;
  bool reached = false;
  for (const auto& [name, m] : children) {
    all.stages.push_back(m);
    if (!reached) f.stages.push_back(m);
    if (name == layer) reached = true;
  }
  // Running the children in order must be the model's forward, else a child's output is not a
  // stage of the model (TextGRU computes a mask between its children, for instance).
  NoGradGuard no_grad;
  Tensor want = t.model->call(probe), got;
  std::string why;
  try {
    got = all(probe);
  } catch (const Error& e) {
    why = e.message();
  }
  if (why.empty()) {
    if (got.sizes() != want.sizes()) why = "the output shapes differ";
    else {
      const double scale = 1.0 + want.to(kFloat64).abs().max().item<double>();
      const double diff = got.to(kFloat64).sub(want.to(kFloat64)).abs().max().item<double>();
      if (!(diff <= 1e-4 * scale)) why = "the outputs differ by " + fmt(diff, "%.3g");
    }
  }
  DESCENT_CONFIG_CHECK(why.empty(), "cluster.layer: the model of cluster.run '", t.dir, "' (", what,
                       ") is not the chain of its top-level children (", join(children.keys()),
                       "): running them in order does not reproduce its forward (", why,
                       "), so a child's output is not one of its stages");
  return f;
}

/// The examples of the clustered split(s), as features.
struct Clustered {
  Tensor x;                          ///< [N, D] float32 features
  std::vector<int64_t> labels;       ///< class per example (empty: none)
  std::vector<int64_t> index;        ///< the example's index in its source data (file order)
  std::vector<std::string> split;    ///< the split of each example
  Tensor images;                     ///< image data only: [N, C, H, W] uint8 for the report
};

/// The index of each example of ds in the data it was drawn from (a Subset's indices).
std::vector<int64_t> source_indices(const data::DatasetPtr& ds) {
  std::vector<int64_t> idx(size_t(ds->size()));
  std::iota(idx.begin(), idx.end(), 0);
  if (auto s = std::dynamic_pointer_cast<const data::Subset>(ds)) idx = s->indices();
  return idx;
}

Clustered collect(const DataBundle& b, const std::vector<std::pair<std::string, data::DatasetPtr>>& parts,
                  const std::function<Tensor(const Tensor&)>& features, bool keep_images) {
  std::vector<Tensor> xs, imgs;
  Clustered c;
  bool has_labels = true;
  for (const auto& [name, ds] : parts) {
    const std::vector<int64_t> src = source_indices(ds);
    data::DataLoader loader = make_loader(b, ds, 256, false, 0);
    for (auto& batch : loader) {
      Tensor f = features(batch.data);
      xs.push_back(f.reshape({f.size(0), -1}).to(kFloat32).contiguous());
      if (batch.target.defined() && batch.target.dtype() == kInt64 && batch.target.numel() == f.size(0)) {
        Tensor t = batch.target.contiguous();
        c.labels.insert(c.labels.end(), t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
      } else {
        has_labels = false;
      }
      for (int64_t i : batch.indices) {
        c.index.push_back(src[size_t(i)]);
        c.split.push_back(name);
      }
      if (keep_images) {
        Tensor im = batch.data.to(kFloat32).contiguous();
        if (!b.pre.mean.empty()) {  // undo the normalisation for display
          Tensor mean = from_vector(std::vector<float>(b.pre.mean.begin(), b.pre.mean.end())).reshape({1, -1, 1, 1});
          Tensor std = from_vector(std::vector<float>(b.pre.std.begin(), b.pre.std.end())).reshape({1, -1, 1, 1});
          im = im.mul(std).add(mean);
        }
        imgs.push_back(im.clamp(0.0, 1.0).mul(255.0).round().to(kUInt8));
      }
    }
  }
  c.x = cat(xs, 0);
  if (!has_labels) c.labels.clear();
  if (keep_images) c.images = cat(imgs, 0);
  return c;
}

std::vector<int64_t> to_ints(const Tensor& t) {
  Tensor c = t.to(kInt64).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

std::string csv_field(const std::string& s) { return data::csv_escape(s); }

/// The report: summary, sizes, cluster x class counts, PCA scatter, image grid.
std::string render(const std::string& title, const std::string& subtitle,
                   const std::vector<std::pair<std::string, std::string>>& summary, const Clustered& c,
                   const std::vector<int64_t>& assign, const Tensor& centers, int64_t k,
                   const std::vector<std::string>& class_names, int64_t per_cluster, uint64_t seed) {
  report::HtmlReport r(title);
  r.subtitle(subtitle);
  r.summary(summary);
  const int64_t n = int64_t(assign.size());
  std::vector<std::string> cluster_names;
  for (int64_t j = 0; j < k; ++j) cluster_names.push_back(std::to_string(j));
  std::vector<double> sizes(size_t(k), 0.0);
  for (int64_t a : assign) sizes[size_t(a)] += 1;

  r.section("Cluster sizes");
  {
    report::ChartOptions o;
    o.title = "Examples per cluster";
    o.x_label = "cluster";
    o.y_label = "examples";
    o.width = std::max<int>(640, int(40 * k + 120));
    r.svg(report::bar_chart(cluster_names, {{"examples", {}, sizes}}, o));
  }
  auto class_name = [&](int64_t y) {
    return y >= 0 && y < int64_t(class_names.size()) ? class_names[size_t(y)] : std::to_string(y);
  };
  std::vector<int64_t> majority(size_t(k), -1);
  if (!c.labels.empty()) {
    const int64_t nc = std::max<int64_t>(int64_t(class_names.size()), *std::max_element(c.labels.begin(), c.labels.end()) + 1);
    std::vector<std::vector<double>> counts(size_t(k), std::vector<double>(size_t(nc), 0.0));
    for (int64_t i = 0; i < n; ++i) counts[size_t(assign[size_t(i)])][size_t(c.labels[size_t(i)])] += 1;
    std::vector<std::string> cols;
    for (int64_t y = 0; y < nc; ++y) cols.push_back(class_name(y));
    std::vector<std::vector<std::string>> rows;
    for (int64_t j = 0; j < k; ++j) {
      const auto& row = counts[size_t(j)];
      const auto best = std::max_element(row.begin(), row.end());
      majority[size_t(j)] = *best > 0 ? int64_t(best - row.begin()) : -1;
      rows.push_back({std::to_string(j), fmt(sizes[size_t(j)], "%.0f"), *best > 0 ? class_name(majority[size_t(j)]) : "-",
                      sizes[size_t(j)] > 0 ? fmt(100.0 * *best / sizes[size_t(j)], "%.1f%%") : "-"});
    }
    report::ChartOptions o;
    o.title = "Clusters (rows) against classes (columns)";
    o.normalize_rows = true;
    o.width = std::max<int>(480, int(60 * nc + 220));
    o.height = std::max<int>(400, int(36 * k + 160));
    r.section("Clusters and classes");
    r.svg(report::heat_map(counts, cluster_names, cols, o), "Examples of each class in each cluster; colour: share of the cluster.");
    r.table({"cluster", "size", "most common class", "share"}, rows);
  }

  if (n >= 2 && c.x.size(1) >= 2) {
    // At most 3000 points, drawn with the seed; PCA fitted on them.
    std::vector<int64_t> pick(static_cast<size_t>(n));
    std::iota(pick.begin(), pick.end(), 0);
    if (n > 3000) {
      std::mt19937_64 rng(seed);
      std::shuffle(pick.begin(), pick.end(), rng);
      pick.resize(3000);
      std::sort(pick.begin(), pick.end());
    }
    Tensor xs = c.x.index_select(0, from_vector(pick, {int64_t(pick.size())}));
    cluster::PCA pca(cluster::PCAOptions(2).seed(seed));
    Tensor xy = pca.fit_transform(xs).to(kFloat64).contiguous();
    std::vector<double> px, py;
    std::vector<int64_t> groups;
    for (size_t i = 0; i < pick.size(); ++i) {
      px.push_back(xy.data_ptr<double>()[2 * i]);
      py.push_back(xy.data_ptr<double>()[2 * i + 1]);
      groups.push_back(assign[size_t(pick[i])]);
    }
    const Tensor ratio = pca.explained_variance_ratio().contiguous();
    report::ChartOptions o;
    o.title = "The clustered examples on their first two principal components";
    o.x_label = "PC 1 (" + fmt(100 * ratio.data_ptr<double>()[0], "%.1f") + "% of the variance)";
    o.y_label = "PC 2 (" + fmt(100 * ratio.data_ptr<double>()[1], "%.1f") + "%)";
    o.width = 720;
    o.height = 560;
    std::vector<std::string> names;
    for (int64_t j = 0; j < k; ++j) names.push_back("cluster " + std::to_string(j));
    r.section("PCA scatter plot");
    r.svg(report::cluster_scatter(px, py, groups, names, o),
          std::to_string(pick.size()) + " of " + std::to_string(n) + " examples, coloured by cluster.");
  }

  if (c.images.defined() && per_cluster > 0) {
    // The examples nearest each center, nearest first.
    Tensor d = c.x.sub(centers.index_select(0, from_vector(assign, {n}))).pow(2).sum({1}).to(kFloat64).contiguous();
    const double* dp = d.data_ptr<double>();
    std::vector<std::vector<int64_t>> members(static_cast<size_t>(k));
    for (int64_t i = 0; i < n; ++i) members[size_t(assign[size_t(i)])].push_back(i);
    std::vector<int64_t> shown;
    std::vector<std::string> captions;
    std::vector<bool> odd;
    int64_t columns = 0;
    for (auto& m : members) columns = std::max<int64_t>(columns, std::min<int64_t>(per_cluster, int64_t(m.size())));
    for (int64_t j = 0; j < k; ++j) {
      auto& m = members[size_t(j)];
      std::stable_sort(m.begin(), m.end(), [&](int64_t a, int64_t b) { return dp[a] < dp[b]; });
      for (int64_t s = 0; s < columns; ++s) {
        if (s < int64_t(m.size())) {
          const int64_t i = m[size_t(s)];
          shown.push_back(i);
          std::string cap = "cluster " + std::to_string(j);
          if (!c.labels.empty()) cap += ": " + class_name(c.labels[size_t(i)]);
          captions.push_back(cap);
          odd.push_back(!c.labels.empty() && c.labels[size_t(i)] != majority[size_t(j)]);
        }
      }
    }
    if (!shown.empty()) {
      report::ImageGridOptions go;
      go.title = "The examples nearest each cluster's center";
      go.columns = int(std::max<int64_t>(1, columns));
      go.cell_width = 130;
      r.section("Samples per cluster");
      r.svg(report::image_grid(c.images.index_select(0, from_vector(shown, {int64_t(shown.size())})), captions, go, odd),
            "One row per cluster (a smaller cluster has fewer images); red: not the cluster's most common class.");
    }
  }
  return r.render();
}

/// A cluster config read: the top-level keys, [cluster], and the trained run when features = "model".
struct ClusterJob {
  toml::table config;  ///< becomes the resolved config
  std::string name;
  int64_t seed = 0, threads = 0, report_samples = 8;
  ClusterSettings cs;
  std::optional<TrainedModel> trained;
};

ClusterJob read_job(const ClusterArgs& args) {
  ClusterJob job;
  job.config = load_with_overrides(args.config, args.sets);
  Section top(job.config, "");
  job.name = top.string("name", fs::path(args.config).stem().string());
  top.choice("task", "clustering", {"clustering"});
  job.seed = top.integer("seed", 0, 0, INT64_MAX);
  job.threads = top.integer("threads", 0, 0, 256);
  job.report_samples = top.integer("report_samples", 8, 0, 1024);
  job.cs = read_cluster(top.table("cluster"));
  top.allow("data");
  top.finish();
  // The model first: without [data] its run's [data] is used.
  if (job.cs.features == "model") job.trained = open_trained(job.cs.run);
  DESCENT_CONFIG_CHECK(job.config.contains("data") || job.trained, "data: missing (required); give a [data] section as for ",
                       "`descent train` (or cluster.features = \"model\" to use its run's data)");
  if (!job.config.contains("data")) {
    toml::table d = job.trained->data_table;
    d.erase("labelled_fraction");  // a semi-supervised run's key; clustering reads the data as classification does
    job.config.insert_or_assign("data", d);
  }
  DESCENT_CONFIG_CHECK(job.config["data"].is_table(), "data: expected a table, got ", describe(*job.config.get("data")));
  return job;
}

/// [data] read by the training reader (the same keys, defaults, paths and splits), without
/// training augmentation: every example is clustered as it is.
DataBundle read_cluster_data(ClusterJob& job, const std::string& source) {
  toml::table as_training;
  as_training.insert_or_assign("name", job.name);
  as_training.insert_or_assign("task", "classification");
  as_training.insert_or_assign("seed", job.seed);
  as_training.insert_or_assign("data", *job.config["data"].as_table());
  toml::table model;
  model.insert_or_assign("builtin", "mlp");
  as_training.insert_or_assign("model", model);
  Settings st = read_settings(as_training, source);
  st.data.hflip = false;
  st.data.crop_padding = 0;
  job.config.insert_or_assign("data", *as_training["data"].as_table());
  const std::string& kind = st.data.kind;
  DESCENT_CONFIG_CHECK((kind != "text_csv" && kind != "text_folder") || job.cs.features == "model",
                       "cluster.features: 'raw' is not defined for data.kind '", kind,
                       "' (token ids are not features); use features = \"model\" with the run of a text model");
  return build_data(st);
}

/// What is clustered: the raw examples, or a trained model's layer applied to them.
struct Features {
  std::function<Tensor(const Tensor&)> fn = [](const Tensor& x) { return x; };
  std::string desc = "raw";
};

Features cluster_features(const ClusterJob& job, const DataBundle& b, const data::DatasetPtr& first_part) {
  Features f;
  if (!job.trained) return f;
  InputAdapter adapt = adapt_inputs(b.pre, job.trained->pre, job.cs.run);
  data::DataLoader probe_loader = make_loader(b, first_part, 8, false, 0);
  Tensor probe = adapt((*probe_loader.begin()).data);
  StageFeatures stage = stage_features(*job.trained, job.cs.layer, probe);
  f.fn = [adapt, stage](const Tensor& x) {
    NoGradGuard no_grad;
    return stage(adapt(x));
  };
  f.desc = "model layer '" + job.cs.layer + "' of " + job.cs.run;
  return f;
}

/// A fitted clustering.
struct Fit {
  Tensor centers, labels;
  double inertia = 0, seconds = 0;
  int64_t n_iter = 0;  ///< Lloyd iterations (kmeans) or mini-batch steps
};

Fit fit_clusters(const ClusterSettings& cs, int64_t k, const Tensor& x, uint64_t seed) {
  Fit f;
  const double t0 = now_seconds();
  if (cs.method == "kmeans") {
    cluster::KMeans km(cluster::KMeansOptions(k).n_init(cs.n_init).max_iter(cs.max_iter).tol(cs.tol).init(cs.init).seed(seed));
    km.fit(x);
    f.centers = km.centers(), f.labels = km.labels(), f.inertia = km.inertia(), f.n_iter = km.n_iter();
  } else {
    cluster::MiniBatchKMeans mbk(cluster::MiniBatchKMeansOptions(k)
                                     .n_init(cs.n_init)
                                     .max_iter(cs.max_iter)
                                     .tol(cs.tol)
                                     .init(cs.init)
                                     .batch_size(cs.batch_size)
                                     .seed(seed));
    mbk.fit(x);
    f.centers = mbk.centers(), f.labels = mbk.labels(), f.inertia = mbk.inertia(), f.n_iter = mbk.n_steps();
  }
  f.seconds = now_seconds() - t0;
  return f;
}

/// Quality scores: silhouette (NaN when undefined), and agreement with the classes when labelled.
struct Scores {
  double silhouette = std::nan(""), ari = std::nan(""), nmi = std::nan(""), purity = std::nan("");
};

json cluster_metrics(const ClusterSettings& cs, int64_t k, const Clustered& c, const Fit& fit,
                     const std::vector<int64_t>& assign, uint64_t seed, Scores& scores) {
  const int64_t n = c.x.size(0);
  json metrics;
  metrics["method"] = cs.method;
  metrics["n_clusters"] = k;
  metrics["samples"] = n;
  metrics["features"] = c.x.size(1);
  metrics["split"] = cs.split;
  metrics["inertia"] = fit.inertia;
  metrics[cs.method == "kmeans" ? "n_iter" : "n_steps"] = fit.n_iter;
  metrics["seconds"] = fit.seconds;
  metrics["threads"] = get_num_threads();
  std::set<int64_t> used(assign.begin(), assign.end());
  if (used.size() >= 2 && int64_t(used.size()) <= n - 1) {
    scores.silhouette = cluster::silhouette_score(c.x, fit.labels, cluster::SilhouetteOptions().sample_size(5000).seed(seed));
    metrics["silhouette"] = scores.silhouette;
  } else {
    metrics["silhouette"] = nullptr;  // undefined for a single non-empty cluster (or one example per cluster)
  }
  metrics["silhouette_sample"] = std::min<int64_t>(n, 5000);
  if (!c.labels.empty()) {
    Tensor truth = from_vector(c.labels, {n});
    scores.ari = cluster::adjusted_rand_index(truth, fit.labels);
    scores.nmi = cluster::normalized_mutual_info(truth, fit.labels);
    scores.purity = cluster::purity(truth, fit.labels);
    metrics["adjusted_rand_index"] = scores.ari;
    metrics["normalized_mutual_info"] = scores.nmi;
    metrics["purity"] = scores.purity;
  }
  return metrics;
}

/// assignments.csv: one row per clustered example (its source index, split, cluster, label, class).
std::string assignments_csv(const Clustered& c, const std::vector<int64_t>& assign, const std::vector<std::string>& classes) {
  std::string csv = "index,split,cluster,label,class\n";
  for (size_t i = 0; i < assign.size(); ++i) {
    csv += std::to_string(c.index[i]) + "," + c.split[i] + "," + std::to_string(assign[i]) + ",";
    if (!c.labels.empty()) {
      const int64_t y = c.labels[i];
      csv += std::to_string(y) + "," + csv_field(y < int64_t(classes.size()) ? classes[size_t(y)] : std::to_string(y));
    } else {
      csv += ",";
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace

int cluster_command(const ClusterArgs& args) {
  ClusterJob job = read_job(args);
  const ClusterSettings& cs = job.cs;
  if (job.threads > 0) set_num_threads(int(job.threads));
  DataBundle b = read_cluster_data(job, args.config);

  std::vector<std::pair<std::string, data::DatasetPtr>> parts;
  if (cs.split == "train" || cs.split == "all") parts.emplace_back("train", b.train);
  if (cs.split == "val" || cs.split == "all") parts.emplace_back("val", b.val);
  if (cs.split == "test" || cs.split == "all") parts.emplace_back("test", b.test);
  const Features features = cluster_features(job, b, parts[0].second);
  const bool image = b.pre.modality == "image";
  Clustered c = collect(b, parts, features.fn, image && job.report_samples > 0);
  const int64_t n = c.x.size(0), dim = c.x.size(1);

  const int64_t k = cs.n_clusters == 0 ? b.num_classes : cs.n_clusters;
  job.config["cluster"].as_table()->insert_or_assign("n_clusters", k);
  DESCENT_CONFIG_CHECK(k >= 1 && k <= n, "cluster.n_clusters: ", k, " clusters for ", n, " examples of split '", cs.split,
                       "'; need 1 to ", n);
  for (int64_t y : c.labels) DESCENT_CHECK(y >= 0, "data: negative class label ", y);
  if (!args.quiet)
    std::fprintf(stderr, "descent cluster: %s, %s k = %lld on %lld %s examples of %lld features (%s)\n", job.name.c_str(),
                 cs.method.c_str(), static_cast<long long>(k), static_cast<long long>(n), cs.split.c_str(),
                 static_cast<long long>(dim), features.desc.c_str());

  const uint64_t seed = uint64_t(job.seed);
  const Fit fit = fit_clusters(cs, k, c.x, seed);
  const std::vector<int64_t> assign = to_ints(fit.labels);
  Scores sc;
  const json metrics = cluster_metrics(cs, k, c, fit, assign, seed, sc);

  const fs::path run = args.out.empty() ? fs::path("runs") / job.name : fs::path(args.out);
  fs::create_directories(run);
  io::atomic_write((run / "config.toml").string(), to_toml(job.config));
  io::atomic_write((run / "metrics.json").string(), metrics.dump(2) + "\n");
  OrderedDict<Tensor> centers;
  centers.insert("centers", fit.centers.contiguous());
  io::save_safetensors((run / "centers.safetensors").string(), centers,
                       {{"method", cs.method}, {"features", features.desc}, {"split", cs.split}});
  io::atomic_write((run / "assignments.csv").string(), assignments_csv(c, assign, b.pre.class_names));

  auto opt = [](double v) { return std::isfinite(v) ? fmt(v) : std::string("-"); };
  std::vector<std::pair<std::string, std::string>> summary = {
      {"method", cs.method + ", k = " + std::to_string(k) + ", n_init = " + std::to_string(cs.n_init) + ", init " + cs.init},
      {"examples", std::to_string(n) + " of split '" + cs.split + "'"},
      {"data", b.summary},
      {"features", std::to_string(dim) + " (" + features.desc + ")"},
      {"inertia", fmt(fit.inertia, "%.6g")},
      {cs.method == "kmeans" ? "Lloyd iterations" : "mini-batch steps", std::to_string(fit.n_iter)},
      {"time", fmt(fit.seconds, "%.2f") + " s on " + std::to_string(get_num_threads()) + " threads"},
      {"silhouette", opt(sc.silhouette) + (n > 5000 ? " (on 5000 sampled examples)" : "")}};
  if (!c.labels.empty()) {
    summary.push_back({"adjusted Rand index", opt(sc.ari)});
    summary.push_back({"normalized mutual information", opt(sc.nmi)});
    summary.push_back({"purity", opt(sc.purity)});
  }
  const std::string html = render(job.name + ": clustering", fs::absolute(run).string(), summary, c, assign, fit.centers, k,
                                  b.pre.class_names, std::min<int64_t>(job.report_samples, 8), seed);
  io::atomic_write((run / "report.html").string(), html);

  std::printf("%s k=%lld on %lld examples: inertia %s, silhouette %s", cs.method.c_str(), static_cast<long long>(k),
              static_cast<long long>(n), fmt(fit.inertia, "%.6g").c_str(), opt(sc.silhouette).c_str());
  if (!c.labels.empty())
    std::printf(", ARI %s, NMI %s, purity %s", opt(sc.ari).c_str(), opt(sc.nmi).c_str(), opt(sc.purity).c_str());
  std::printf(" (%.2f s)\n", fit.seconds);
  std::printf("report: %s\n", fs::absolute(run / "report.html").c_str());
  return 0;
}

}  // namespace descent::cli
