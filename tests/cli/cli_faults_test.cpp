// Faults while a run writes its files: a full disk (injected with io::WriteFault) while writing a
// checkpoint, the best weights, the metrics log, the summary or the report. The run ends with a
// descent::io::WriteError naming the file, the cause and how to continue; no temp file is left;
// the last checkpoint on disk is still a good one; and once the disk has space again `descent
// resume` finishes the run with the same results as a run that never failed. Calls the commands
// in-process (the fault is injected in this process).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.h"
#include "descent/io/file.h"
#include "descent/io/safetensors.h"
#include "run.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using namespace descent;
using namespace descent::cli_test;

class RunFaults : public ScratchSuite<RunFaults>, public ::testing::WithParamInterface<std::pair<const char*, int>> {
 public:
  static constexpr const char* kName = "descent_cli_faults";
  static constexpr int64_t kTrain = 10, kTest = 10;
  static constexpr uint64_t kSeed = 1;

 protected:
  cli::TrainArgs args(const fs::path& out) const {
    cli::TrainArgs a;
    a.config = (kRepo / "configs" / "tabular_regression.toml").string();
    a.sets = {"data.path=" + (root_ / "samples" / "regression.csv").string(), "epochs=3", "early_stopping.enabled=false",
              "threads=1"};
    a.out = out.string();
    a.quiet = true;
    return a;
  }
  static json test_metrics(const fs::path& run) {
    std::ifstream f(run / "summary.json");
    return json::parse(f).at("test");
  }
};

TEST_P(RunFaults, DiskFullKeepsTheLastCheckpointAndResumeFinishes) {
  const auto [file, skip] = GetParam();
  const fs::path whole = scratch_ / "whole", failed = scratch_ / "failed";
  ASSERT_EQ(cli::train_command(args(whole)), 0);
  {
    io::WriteFault full(file, skip);  // the disk fills up at this write
    try {
      cli::train_command(args(failed));
      FAIL() << "a full disk while writing " << file << " went unnoticed";
    } catch (const io::WriteError& e) {
      const std::string m = e.message();
      EXPECT_NE(m.find((failed / file).string()), std::string::npos) << m;
      EXPECT_NE(m.find("No space left on device"), std::string::npos) << m;
      EXPECT_NE(m.find("descent resume " + failed.string()), std::string::npos) << m;
    }
    EXPECT_EQ(full.failures(), 1);
  }
  for (const auto& entry : fs::directory_iterator(failed))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << "left behind: " << entry.path();
  if (fs::exists(failed / "last.ckpt")) EXPECT_NO_THROW(io::load_safetensors((failed / "last.ckpt").string()));
  EXPECT_FALSE(fs::exists(failed / "report.html"));

  ASSERT_EQ(cli::resume_command(failed.string(), {}, true), 0);
  EXPECT_TRUE(fs::is_regular_file(failed / "report.html"));
  EXPECT_EQ(test_metrics(failed), test_metrics(whole));  // bitwise the same weights tested
}

INSTANTIATE_TEST_SUITE_P(Files, RunFaults,
                         ::testing::Values(std::make_pair("last.ckpt", 1), std::make_pair("best.safetensors", 0),
                                           std::make_pair("metrics.csv", 1), std::make_pair("summary.json", 0),
                                           std::make_pair("report.html", 0)),
                         [](const auto& info) {
                           std::string n = info.param.first;
                           for (char& c : n)
                             if (c == '.') c = '_';
                           return n;
                         });

}  // namespace
