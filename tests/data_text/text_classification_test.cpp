// TextClassification from CSV and from class folders; fitting the vocabulary on the training split.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/datasets/text_classification.h"
#include "descent/data/synthetic.h"
#include "test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::TempDir;
using data_test::write_bytes;
using test_util::expect_values;
using Strings = std::vector<std::string>;

namespace {
const char* kCsv =
    "id,review,stars\n"
    "1,\"Great film, great cast!\",10\n"
    "2,Boring.,2\n"
    "3,\"Not \"\"great\"\", just boring\",2\n"
    "4,Okay I guess,5\n";
}

TEST(TextClassification, FromCsvColumnsByName) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), kCsv);
  auto ds = TextClassification::from_csv(dir.file("r.csv"),
                                         TextClassificationOptions().text_column("review").label_column("stars"));
  ASSERT_EQ(ds->size(), 4);
  // Integer labels sort numerically: "2" < "5" < "10".
  EXPECT_EQ(ds->classes(), (Strings{"2", "5", "10"}));
  EXPECT_EQ(ds->labels(), (std::vector<int64_t>{2, 0, 0, 1}));
  EXPECT_EQ(ds->texts()[2], "Not \"great\", just boring");
  EXPECT_EQ(ds->tokens()[0], (Strings{"great", "film", ",", "great", "cast", "!"}));
  EXPECT_EQ(ds->sources()[1], dir.file("r.csv") + ": row 3");
  // great: 3; then '"', ',' and boring (2 each) in byte order; then the singletons.
  const Vocab& v = *ds->vocab();
  EXPECT_EQ(v.token(2), "great");
  EXPECT_EQ(v.index("\""), 3);
  EXPECT_EQ(v.index(","), 4);
  EXPECT_EQ(v.index("boring"), 5);
  Example ex = ds->get(0);
  EXPECT_EQ(ex.data.dtype(), kInt64);
  expect_values(ex.data, {2, double(v.index("film")), 4, 2, double(v.index("cast")), double(v.index("!"))});
  EXPECT_EQ(ex.target.dim(), 0);
  EXPECT_EQ(ex.target.item<int64_t>(), 2);
}

TEST(TextClassification, MaxLengthAndRepresentations) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), kCsv);
  auto opts = TextClassificationOptions().text_column("review").label_column("stars");
  auto ds = TextClassification::from_csv(dir.file("r.csv"), TextClassificationOptions(opts).max_length(2));
  EXPECT_EQ(ds->get(0).data.sizes(), (Shape{2}));
  EXPECT_EQ(ds->get(1).data.sizes(), (Shape{2}));  // "boring", "."
  const PaddedSequences all = ds->encode_all();
  EXPECT_EQ(all.ids.sizes(), (Shape{4, 2}));
  expect_values(all.lengths, {2, 2, 2, 2});
  auto bow = TextClassification::from_csv(dir.file("r.csv"),
                                          TextClassificationOptions(opts).representation(TextRepresentation::kBagOfWords));
  const Tensor b = bow->get(0).data;
  EXPECT_EQ(b.sizes(), (Shape{bow->vocab()->size()}));
  EXPECT_EQ(b.dtype(), kFloat32);
  EXPECT_EQ(b[bow->vocab()->index("great")].item<float>(), 2.0f);
  auto tf = TextClassification::from_csv(dir.file("r.csv"),
                                         TextClassificationOptions(opts).representation(TextRepresentation::kTfidf));
  ASSERT_TRUE(tf->tfidf());
  const Tensor x = tf->get(3).data;
  EXPECT_NEAR(x.mul(x).sum().item<float>(), 1.0f, 1e-5);  // l2-normalised
}

TEST(TextClassification, FitOnTheTrainingSplitOnly) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), kCsv);
  auto ds = TextClassification::from_csv(
      dir.file("r.csv"), TextClassificationOptions().text_column("review").label_column("stars").representation(
                             TextRepresentation::kTfidf));
  auto fitted = ds->fit_on({1, 3});  // "Boring." and "Okay I guess"
  EXPECT_EQ(fitted->vocab()->tokens(), (Strings{"<pad>", "<unk>", ".", "boring", "guess", "i", "okay"}));
  EXPECT_EQ(fitted->size(), 4);
  // Words of the held-out rows are unknown to the fitted vocabulary.
  EXPECT_EQ(fitted->get(0).data.sum().item<float>(), 0.0f);  // "great film , great cast !": all <unk>
  EXPECT_EQ(fitted->tfidf()->vocab_size(), fitted->vocab()->size());
  // The original keeps its vocabulary; the texts are shared.
  EXPECT_GT(ds->vocab()->size(), fitted->vocab()->size());
  EXPECT_EQ(&ds->texts(), &fitted->texts());
  // A given vocabulary (as loaded with a model).
  auto with = ds->with_vocab(std::make_shared<const Vocab>(Vocab::build({{"boring"}})));
  EXPECT_EQ(with->vocab()->size(), 3);
  EXPECT_NE(error_of([&] { ds->fit_on({}); }).find("no indices"), std::string::npos);
  EXPECT_NE(error_of([&] { ds->fit_on({7}); }).find("7"), std::string::npos);
}

TEST(TextClassification, FromFolder) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("pos/sub"));
  std::filesystem::create_directories(dir.file("neg"));
  write_bytes(dir.file("pos/b.txt"), "Lovely day\n");
  write_bytes(dir.file("pos/sub/a.TXT"), "Great!");
  write_bytes(dir.file("pos/notes.md"), "skip me");
  write_bytes(dir.file("pos/.x.txt"), "hidden");
  write_bytes(dir.file("neg/1.txt"), "\xEF\xBB\xBF" "Awful.");
  write_bytes(dir.file("top.txt"), "ignored: not in a class folder");
  auto ds = TextClassification::from_folder(dir.str());
  EXPECT_EQ(ds->classes(), (Strings{"neg", "pos"}));
  ASSERT_EQ(ds->size(), 3);
  EXPECT_EQ(ds->labels(), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(ds->texts()[0], "Awful.");
  EXPECT_EQ(ds->texts()[1], "Lovely day\n");
  EXPECT_EQ(ds->texts()[2], "Great!");
  EXPECT_EQ(ds->skipped_files(), 2);
}

TEST(TextClassification, BatchesWithPadCollate) {
  TempDir dir;
  synthetic::write_text_csv(dir.file("t.csv"), 50, 3, 7);
  auto all = TextClassification::from_csv(dir.file("t.csv"));
  EXPECT_EQ(all->classes(), (Strings{"negative", "neutral", "positive"}));
  const auto parts = random_split_indices(all->size(), {0.7, 0.2, 0.1}, 1);
  auto ds = all->fit_on(parts[0]);
  auto train = std::make_shared<Subset>(ds, parts[0]);
  DataLoader loader(train, DataLoaderOptions().batch_size(8).shuffle(true).seed(3).num_workers(2).collate(
                               pad_collate_fn(double(Vocab::kPadIndex))));
  int64_t seen = 0;
  for (auto& batch : loader) {
    EXPECT_EQ(batch.data.dim(), 2);
    EXPECT_EQ(batch.data.dtype(), kInt64);
    EXPECT_EQ(batch.lengths.sizes(), (Shape{batch.size()}));
    EXPECT_EQ(batch.target.sizes(), (Shape{batch.size()}));
    EXPECT_EQ(batch.lengths.max().item<int64_t>(), batch.data.size(1));
    seen += batch.size();
  }
  EXPECT_EQ(seen, 35);
}

TEST(TextClassificationErrors, BadFilesNameTheFileAndRow) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), kCsv);
  std::string e = error_of([&] { TextClassification::from_csv(dir.file("r.csv")); });
  EXPECT_NE(e.find("no column named 'text'; the header has 'id', 'review', 'stars'"), std::string::npos) << e;
  write_bytes(dir.file("nolabel.csv"), "text,label\nfine,a\nno label here,\n");
  e = error_of([&] { TextClassification::from_csv(dir.file("nolabel.csv")); });
  EXPECT_NE(e.find("nolabel.csv: row 3 (line 3): empty label in column 'label'"), std::string::npos) << e;
  write_bytes(dir.file("ragged.csv"), "text,label\n\"a, b\",x\nc,d,e\n");
  e = error_of([&] { TextClassification::from_csv(dir.file("ragged.csv")); });
  EXPECT_NE(e.find("ragged.csv: row 3 (line 3): has 3 fields"), std::string::npos) << e;
  write_bytes(dir.file("header.csv"), "text,label\n");
  e = error_of([&] { TextClassification::from_csv(dir.file("header.csv")); });
  EXPECT_NE(e.find("has a header but no rows"), std::string::npos) << e;
  write_bytes(dir.file("empty.csv"), "");
  e = error_of([&] { TextClassification::from_csv(dir.file("empty.csv")); });
  EXPECT_NE(e.find("empty.csv: the file is empty"), std::string::npos) << e;
  write_bytes(dir.file("latin1.csv"), "text,label\ncaf\xe9,x\n");
  e = error_of([&] { TextClassification::from_csv(dir.file("latin1.csv")); });
  EXPECT_NE(e.find("latin1.csv: row 2 (line 2): column 1 ('text')"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid UTF-8"), std::string::npos) << e;
}

TEST(TextClassificationErrors, BadFolders) {
  TempDir dir;
  std::string e = error_of([&] { TextClassification::from_folder(dir.file("nope")); });
  EXPECT_NE(e.find("nope: no such folder"), std::string::npos) << e;
  e = error_of([&] { TextClassification::from_folder(dir.str()); });
  EXPECT_NE(e.find("no class folders"), std::string::npos) << e;
  std::filesystem::create_directories(dir.file("a"));
  std::filesystem::create_directories(dir.file("b"));
  write_bytes(dir.file("a/1.txt"), "ok");
  e = error_of([&] { TextClassification::from_folder(dir.str()); });
  EXPECT_NE(e.find("class folder(s) b hold no files with extensions .txt"), std::string::npos) << e;
  write_bytes(dir.file("b/2.txt"), "line one\nline \xC3\x28 two\n");
  e = error_of([&] { TextClassification::from_folder(dir.str()); });
  EXPECT_NE(e.find(dir.file("b/2.txt") + ": line 2, column 6"), std::string::npos) << e;
  write_bytes(dir.file("b/2.txt"), std::string(2000, 'x'));
  e = error_of([&] { TextClassification::from_folder(dir.str(), TextClassificationOptions().max_file_bytes(1000)); });
  EXPECT_NE(e.find("larger than the limit of 1000 bytes"), std::string::npos) << e;
  write_bytes(dir.file("b/2.txt"), "");  // an empty text is a text with no tokens
  EXPECT_EQ(TextClassification::from_folder(dir.str())->get(1).data.numel(), 0);
}

TEST(ClassNames, SortedNumericallyWhenAllIntegers) {
  EXPECT_EQ(sorted_class_names({"10", "2", "-1", "2", "+3"}), (Strings{"-1", "2", "+3", "10"}));
  EXPECT_EQ(sorted_class_names({"10", "2", "x"}), (Strings{"10", "2", "x"}));
  EXPECT_EQ(sorted_class_names({}), Strings{});
}
