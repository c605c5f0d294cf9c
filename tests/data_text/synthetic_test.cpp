// The sample-data generator (deterministic, readable by the readers) and the fuzzers' seed corpora.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/datasets/text_classification.h"
#include "descent/data/formats/csv.h"
#include "descent/data/synthetic.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::read_bytes;
using data_test::TempDir;
using data_test::write_bytes;

TEST(Synthetic, SameSeedSameBytes) {
  TempDir dir;
  synthetic::write_text_and_tabular_samples(dir.file("a"), 5);
  synthetic::write_text_and_tabular_samples(dir.file("b"), 5);
  synthetic::write_text_and_tabular_samples(dir.file("c"), 6);
  for (const char* f : {"text.csv", "regression.csv", "classification.csv", "text_folder/positive/007.txt"}) {
    EXPECT_EQ(read_bytes(dir.file(std::string("a/") + f)), read_bytes(dir.file(std::string("b/") + f))) << f;
    EXPECT_NE(read_bytes(dir.file(std::string("a/") + f)), read_bytes(dir.file(std::string("c/") + f))) << f;
  }
}

TEST(Synthetic, TextCsvIsBalancedAndExercisesQuoting) {
  TempDir dir;
  synthetic::write_text_csv(dir.file("t.csv"), 90, 3, 0);
  const std::string bytes = read_bytes(dir.file("t.csv"));
  EXPECT_NE(bytes.find("\"\""), std::string::npos);     // a doubled quote
  EXPECT_NE(bytes.find("\xC3\xA9"), std::string::npos); // é
  const CsvTable t = read_csv(dir.file("t.csv"));
  ASSERT_EQ(t.rows.size(), 90u);
  std::map<std::string, int> per_class;
  bool multiline = false;
  for (const auto& r : t.rows) {
    ++per_class[r[2]];
    multiline |= r[1].find('\n') != std::string::npos;
  }
  EXPECT_EQ(per_class, (std::map<std::string, int>{{"negative", 30}, {"neutral", 30}, {"positive", 30}}));
  EXPECT_TRUE(multiline);
  synthetic::write_text_csv(dir.file("two.csv"), 10, 2, 0);
  EXPECT_EQ(TextClassification::from_csv(dir.file("two.csv"))->classes(),
            (std::vector<std::string>{"negative", "positive"}));
  EXPECT_NE(error_of([&] { synthetic::write_text_csv(dir.file("x.csv"), 10, 4); }).find("num_classes"),
            std::string::npos);
}

TEST(Synthetic, TextFolderReads) {
  TempDir dir;
  synthetic::write_text_folder(dir.file("f"), 5, 0);
  auto ds = TextClassification::from_folder(dir.file("f"));
  EXPECT_EQ(ds->size(), 10);
  EXPECT_EQ(ds->skipped_files(), 2);  // the README.md files
  EXPECT_EQ(ds->classes(), (std::vector<std::string>{"negative", "positive"}));
}

TEST(Synthetic, SeedCorpusForTheFuzzers) {
#ifdef DESCENT_FUZZ_CORPUS_DIR
  // fuzz/csv_fuzz.cpp and fuzz/text_fuzz.cpp start from these (scripts/fuzz.sh).
  TempDir dir;
  synthetic::write_text_csv(dir.file("t.csv"), 12, 3, 0);
  synthetic::write_regression_csv(dir.file("r.csv"), 12, 0);
  const std::string csv_dir = std::string(DESCENT_FUZZ_CORPUS_DIR) + "/csv";
  const std::string text_dir = std::string(DESCENT_FUZZ_CORPUS_DIR) + "/text";
  std::filesystem::create_directories(csv_dir);
  std::filesystem::create_directories(text_dir);
  const std::vector<std::pair<std::string, std::string>> csv_seeds = {
      {"text", read_bytes(dir.file("t.csv"))},
      {"regression", read_bytes(dir.file("r.csv"))},
      {"quotes", "a,b\r\n\"x, \"\"y\"\"\",\"two\r\nlines\"\r\n,\r\n"},
      {"lone_cr", "a\rb\r\"c\"\r"},
      {"bom_blank", "\xEF\xBB\xBFh1,h2\n\n1,2\n\n"},
      {"ragged", "a,b\n1\n"},
      {"unterminated", "a\n\"open"},
      {"bad_utf8", "a\n\xC3\x28\n"},
      {"empty", ""},
  };
  for (const auto& [name, bytes] : csv_seeds) write_bytes(csv_dir + "/" + name, bytes);
  const std::vector<std::pair<std::string, std::string>> text_seeds = {
      {"ascii", "Hello, World! It's 2024."},
      {"latin", "Crème brûlée, naïve café; STRASSE Straße"},
      {"greek_cyrillic", "Καλημέρα κόσμε; Привет, МИР!"},
      {"cjk", "我爱北京。東京2020年 ひらがな 한국어"},
      {"marks_emoji", "e\xCC\x81te\xCC\x81 co\xC2\xADop 👍🏽 🙂 ５€"},
      {"overlong", "\xC0\xAF"},
      {"surrogate", "\xED\xA0\x80"},
      {"truncated", "ok\xE4\xB8"},
  };
  for (const auto& [name, bytes] : text_seeds) write_bytes(text_dir + "/" + name, bytes);
  EXPECT_TRUE(std::filesystem::exists(csv_dir + "/text"));
#else
  GTEST_SKIP() << "DESCENT_FUZZ_CORPUS_DIR not set";
#endif
}
