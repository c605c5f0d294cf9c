// End-to-end tests of `descent cluster`: k-means on generated shape images and on a tiny
// Fashion-MNIST-shaped IDX set (raw pixels, both methods), on the features of a model trained with
// `descent train` (an image CNN's "features" stage, a text model's embedding), and config errors
// that exit with 2 naming the key.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "descent/data/formats/idx.h"
#include "descent/data/synthetic.h"
#include "descent/data/synthetic_media.h"
#include "descent/descent.h"
#include "descent/io/safetensors.h"
#include "cli_test_util.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using namespace descent::cli_test;

/// Scratch folder with the generated samples and a tiny IDX set (class c: a bright band at row 2c + 4).
class ClusterCli : public ScratchSuite<ClusterCli> {
 public:
  static constexpr const char* kName = "descent_cli_cluster_test";
  static constexpr int64_t kTrain = 400, kTest = 200;
  static constexpr uint64_t kSeed = 11;

 protected:
  fs::path write_config(const std::string& text) const {
    const fs::path p = scratch_ / "c.toml";
    std::ofstream(p) << text;
    return p;
  }
  /// A config on the IDX set; top: top-level lines (task = "clustering" unless they give a task).
  std::string idx_config(const std::string& cluster_keys, const std::string& top = "") const {
    return (top.find("task") == std::string::npos ? "task = \"clustering\"\n" : "") + top + "[data]\nkind = \"fashion_mnist\"\npath = \"" + (root_ / "idx").string() +
           "\"\n[cluster]\n" + cluster_keys;
  }
  static json metrics(const fs::path& dir) { return json::parse(slurp(dir / "metrics.json")); }
};

TEST_F(ClusterCli, ShippedImagesConfigWritesEverything) {
  const fs::path out = scratch_ / "out";
  Result r = run_tool("cluster " + q(kRepo / "configs" / "cluster_images.toml") + " --set data.path=" +
                          q(root_ / "samples" / "images") + " --out " + q(out) + " --quiet",
                      scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("report: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inertia"), std::string::npos) << r.out;
  for (const char* f : {"config.toml", "assignments.csv", "centers.safetensors", "metrics.json", "report.html"})
    EXPECT_TRUE(fs::is_regular_file(out / f)) << f;
  json m = metrics(out);
  EXPECT_EQ(m["n_clusters"].get<int>(), 3);  // the default: the number of classes
  EXPECT_EQ(m["samples"].get<int>(), 60);    // split = "all": every image
  EXPECT_EQ(m["features"].get<int>(), 3 * 32 * 32);
  EXPECT_GT(m["adjusted_rand_index"].get<double>(), 0.0);
  EXPECT_GT(m["inertia"].get<double>(), 0.0);
  EXPECT_TRUE(m["silhouette"].is_number());
  EXPECT_GE(m["purity"].get<double>(), 1.0 / 3.0);

  // One row per example, each example once, clusters in range.
  std::istringstream csv(slurp(out / "assignments.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "index,split,cluster,label,class");
  std::set<std::pair<std::string, int>> seen;
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string s; std::getline(ls, s, ',');) f.push_back(s);
    ASSERT_EQ(f.size(), 5u) << line;
    EXPECT_TRUE(seen.insert({f[1], std::stoi(f[0])}).second) << line;
    EXPECT_GE(std::stoi(f[2]), 0);
    EXPECT_LT(std::stoi(f[2]), 3);
    EXPECT_TRUE(f[4] == "circle" || f[4] == "square" || f[4] == "triangle") << line;
  }
  EXPECT_EQ(rows, 60);

  descent::io::SafetensorsData centers = descent::io::load_safetensors((out / "centers.safetensors").string());
  ASSERT_TRUE(centers.tensors.contains("centers"));
  EXPECT_EQ(centers.tensors["centers"].sizes(), (descent::Shape{3, 3 * 32 * 32}));

  const std::string html = slurp(out / "report.html");
  EXPECT_NE(html.find("Cluster sizes"), std::string::npos);
  EXPECT_NE(html.find("PCA scatter plot"), std::string::npos);
  EXPECT_NE(html.find("Samples per cluster"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org"));  // no network resources
  const std::string resolved = slurp(out / "config.toml");
  EXPECT_NE(resolved.find("n_clusters = 3"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("max_iter = 300"), std::string::npos) << resolved;
}

TEST_F(ClusterCli, IdxRawPixelsBothMethodsAndSeeds) {
  const fs::path cfg = write_config(idx_config("split = \"test\"\nn_init = 2\n"));
  const fs::path a = scratch_ / "a", b = scratch_ / "b", mb = scratch_ / "mb";
  Result r = run_tool("cluster " + q(cfg) + " --out " + q(a) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json m = metrics(a);
  EXPECT_EQ(m["samples"].get<int>(), 200);
  EXPECT_EQ(m["n_clusters"].get<int>(), 10);
  EXPECT_GT(m["adjusted_rand_index"].get<double>(), 0.5);  // the bands are far apart
  EXPECT_GT(m["normalized_mutual_info"].get<double>(), 0.5);
  // The same seed and config on another thread count: the same assignments.
  r = run_tool("cluster " + q(cfg) + " --set threads=1 --out " + q(b) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(slurp(a / "assignments.csv"), slurp(b / "assignments.csv"));
  EXPECT_DOUBLE_EQ(metrics(b)["inertia"].get<double>(), m["inertia"].get<double>());

  r = run_tool("cluster " + q(cfg) + " --set cluster.method=minibatch --set cluster.batch_size=64 --set cluster.split=train --out " +
                   q(mb) + " --quiet",
               scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json mm = metrics(mb);
  EXPECT_EQ(mm["method"], "minibatch");
  EXPECT_EQ(mm["samples"].get<int>(), 360);  // the default split [0.9, 0.1] of the 400 training images
  EXPECT_GT(mm["n_steps"].get<int>(), 0);
  EXPECT_GT(mm["adjusted_rand_index"].get<double>(), 0.0);
}

TEST_F(ClusterCli, BadConfigsExitTwoNamingTheKey) {
  struct Case {
    std::string text, expect;
  };
  const std::string idx = (root_ / "idx").string(), text_csv = (root_ / "samples" / "text.csv").string();
  const std::vector<Case> cases = {
      {idx_config("bogus = 1\n"), "cluster.bogus: unknown key"},
      {idx_config("method = \"kmeanz\"\n"), "cluster.method: unknown 'kmeanz'; one of kmeans, minibatch"},
      {idx_config("batch_size = 10\n"), "cluster.batch_size: unknown key"},  // minibatch only
      {idx_config("init = \"kmeans++\"\n"), "cluster.init"},
      {idx_config("split = \"validation\"\n"), "cluster.split"},
      {idx_config("n_clusters = 500\nsplit = \"test\"\n"), "cluster.n_clusters: 500 clusters for 200 examples"},
      {idx_config("n_init = 0\n"), "cluster.n_init: 0 is out of range"},
      {idx_config("features = \"model\"\n"), "cluster.run: missing"},
      {idx_config("features = \"model\"\nrun = \"/nonexistent/run\"\nlayer = \"x\"\n"), "cluster.run: no such run directory"},
      {idx_config("", "epochs = 3\n"), "epochs: unknown key"},
      {idx_config("", "task = \"classification\"\n"), "task: unknown 'classification'; one of clustering"},
      {"task = \"clustering\"\n[cluster]\n", "data: missing"},
      {"task = \"clustering\"\n[data]\nkind = \"fashion_mnist\"\npath = \"" + idx + "\"\nsplitt = [0.5, 0.5]\n", "data.splitt"},
      {"task = \"clustering\"\n[data]\nkind = \"text_csv\"\npath = \"" + text_csv + "\"\n", "cluster.features: 'raw' is not defined"},
  };
  for (const auto& c : cases) {
    const fs::path cfg = write_config(c.text);
    Result r = run_tool("cluster " + q(cfg) + " --out " + q(scratch_ / "never") + " --quiet", scratch_);
    EXPECT_EQ(r.code, 2) << c.text << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.text << "\nstderr: " << r.err;
  }
  EXPECT_FALSE(fs::exists(scratch_ / "never" / "report.html"));
  Result r = run_tool("cluster", scratch_);
  EXPECT_EQ(r.code, 2);
}

TEST_F(ClusterCli, FeaturesOfATrainedCnnStage) {
  const fs::path run_dir = scratch_ / "cnn_run", out = scratch_ / "out";
  Result r = run_tool("train " + q(kRepo / "configs" / "fashion_cnn.toml") + " --set data.path=" + q(root_ / "idx") +
                          " --set epochs=1 --out " + q(run_dir) + " --quiet",
                      scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  // No [data]: the run's own data section is used.
  const fs::path cfg = write_config("task = \"clustering\"\n[cluster]\nsplit = \"test\"\nn_init = 2\nfeatures = \"model\"\nrun = \"" +
                                    run_dir.string() + "\"\nlayer = \"features\"\n");
  r = run_tool("cluster " + q(cfg) + " --out " + q(out) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json m = metrics(out);
  EXPECT_EQ(m["samples"].get<int>(), 200);
  EXPECT_EQ(m["features"].get<int>(), 64 * 7 * 7);  // the CNN's second conv block: 64 channels of 7 x 7
  EXPECT_GT(m["adjusted_rand_index"].get<double>(), 0.0);
  EXPECT_TRUE(fs::is_regular_file(out / "report.html"));
  EXPECT_NE(slurp(out / "config.toml").find("[data]"), std::string::npos);

  // The last stage gives the logits: 10 features.
  r = run_tool("cluster " + q(cfg) + " --set cluster.layer=classifier --out " + q(scratch_ / "logits") + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(metrics(scratch_ / "logits")["features"].get<int>(), 10);

  r = run_tool("cluster " + q(cfg) + " --set cluster.layer=conv1 --out " + q(scratch_ / "never") + " --quiet", scratch_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cluster.layer: unknown 'conv1'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("features, classifier"), std::string::npos) << r.err;

  // A [data] section the model was not trained for.
  const fs::path bad = write_config("task = \"clustering\"\n[data]\nkind = \"image_folder\"\npath = \"" +
                                    (root_ / "samples" / "images").string() +
                                    "\"\nchannels = 1\nheight = 32\n[cluster]\nfeatures = \"model\"\nrun = \"" + run_dir.string() +
                                    "\"\nlayer = \"features\"\n");
  r = run_tool("cluster " + q(bad) + " --out " + q(scratch_ / "never") + " --quiet", scratch_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("data.height"), std::string::npos) << r.err;
}

TEST_F(ClusterCli, FeaturesOfATextModelsEmbedding) {
  const fs::path run_dir = scratch_ / "text_run", out = scratch_ / "out";
  Result r = run_tool("train " + q(kRepo / "configs" / "text_csv_bag.toml") + " --set data.path=" +
                          q(root_ / "samples" / "text.csv") + " --set epochs=1 --out " + q(run_dir) + " --quiet",
                      scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  // A different seed: another split, so another vocabulary, mapped to the run's by token.
  const fs::path cfg = write_config("task = \"clustering\"\nseed = 3\n[data]\nkind = \"text_csv\"\npath = \"" +
                                    (root_ / "samples" / "text.csv").string() +
                                    "\"\n[cluster]\nsplit = \"all\"\nfeatures = \"model\"\nrun = \"" + run_dir.string() +
                                    "\"\nlayer = \"embedding\"\n");
  r = run_tool("cluster " + q(cfg) + " --out " + q(out) + " --quiet", scratch_);
  ASSERT_EQ(r.code, 0) << r.err;
  json m = metrics(out);
  EXPECT_GT(m["samples"].get<int>(), 0);
  EXPECT_TRUE(m["adjusted_rand_index"].is_number());
  EXPECT_EQ(slurp(out / "report.html").find("Samples per cluster"), std::string::npos);  // no images
}

}  // namespace
