#pragma once
// Shared by the `descent` tool's end-to-end tests: running the built tool with captured output,
// shell quoting, and the generated data the tests train on.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "descent/data/formats/idx.h"
#include "descent/data/synthetic.h"
#include "descent/data/synthetic_media.h"
#include "descent/descent.h"

namespace descent::cli_test {

namespace fs = std::filesystem;

inline const fs::path kRepo = DESCENT_SOURCE_DIR;
inline const std::string kTool = DESCENT_TOOL;

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Runs the tool with arguments (already shell-quoted), capturing stdout and stderr in scratch.
inline Result run_tool(const std::string& args, const fs::path& scratch) {
  const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const std::string cmd = "'" + kTool + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

/// Single-quoted for the shell.
inline std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

/// root/samples: what scripts/make-sample-data.sh writes (images, audio, text, tabular CSVs).
inline void write_samples(const fs::path& root) {
  fs::create_directories(root / "samples");
  data::synthetic::write_image_and_audio_samples((root / "samples").string(), 0);
  data::synthetic::write_text_and_tabular_samples((root / "samples").string(), 0);
}

/// dir: a tiny Fashion-MNIST-shaped IDX set, n_train and n_test 28x28 images; class c (= index % 10)
/// is a bright band at rows 2c + 4 .. 2c + 6 over uniform noise.
inline void write_tiny_idx(const fs::path& dir, int64_t n_train, int64_t n_test, uint64_t seed) {
  fs::create_directories(dir);
  manual_seed(seed);
  auto write = [&](const std::string& prefix, int64_t n) {
    std::vector<int64_t> lab(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) lab[size_t(i)] = i % 10;
    Tensor img = rand({n, 28, 28}).mul(60.0);
    for (int64_t i = 0; i < n; ++i) img.select(0, i).narrow(0, 2 * (i % 10) + 4, 3).add_(150.0);
    data::write_idx((dir / (prefix + "-images-idx3-ubyte")).string(), img.to(kUInt8));
    data::write_idx((dir / (prefix + "-labels-idx1-ubyte")).string(), from_vector(lab, {n}).to(kUInt8));
  };
  write("train", n_train);
  write("t10k", n_test);
}

/// A test suite with a scratch folder it shares (root_: the generated samples and a tiny IDX set
/// under root_/idx) and one folder per test (scratch_). Derived (CRTP) names its folder and the IDX
/// set's sizes and seed: public kName, kTrain, kTest, kSeed.
template <typename Derived>
class ScratchSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / (std::string(Derived::kName) + "_" + std::to_string(::getpid()));
    write_samples(root_);
    write_tiny_idx(root_ / "idx", Derived::kTrain, Derived::kTest, Derived::kSeed);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void SetUp() override {
    scratch_ = root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(scratch_);
  }
  static inline fs::path root_;
  fs::path scratch_;
};

}  // namespace descent::cli_test
