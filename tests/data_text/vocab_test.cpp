// Vocab (order, limits, JSON), padded sequences, bag of words and TF-IDF.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/text.h"
#include "descent/io/safetensors.h"
#include "test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::TempDir;
using data_test::write_bytes;
using test_util::expect_values;
using Docs = std::vector<std::vector<std::string>>;
using Strings = std::vector<std::string>;

namespace {
const Docs kDocs = {{"b", "a", "c", "a"}, {"c", "d", "b"}, {"a", "e"}, {"<pad>", "f"}};
}

TEST(Vocab, SpecialsThenFrequencyThenLexicographic) {
  const Vocab v = Vocab::build(kDocs);
  // a: 3; b, c: 2; d, e, f: 1; a literal "<pad>" token maps to the special, not a new entry.
  EXPECT_EQ(v.tokens(), (Strings{"<pad>", "<unk>", "a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(v.frequencies(), (std::vector<int64_t>{0, 0, 3, 2, 2, 1, 1, 1}));
  EXPECT_EQ(v.index("<pad>"), Vocab::kPadIndex);
  EXPECT_EQ(v.index("<unk>"), Vocab::kUnkIndex);
  EXPECT_EQ(v.index("c"), 4);
  EXPECT_EQ(v.index("zzz"), Vocab::kUnkIndex);
  EXPECT_TRUE(v.contains("e"));
  EXPECT_FALSE(v.contains("zzz"));
  EXPECT_EQ(v.token(2), "a");
  EXPECT_EQ(v.encode({"a", "zzz", "f"}), (std::vector<int64_t>{2, 1, 7}));
  EXPECT_EQ(v.decode({0, 1, 3}), (Strings{"<pad>", "<unk>", "b"}));
}

TEST(Vocab, OrderDoesNotDependOnInputOrder) {
  Docs shuffled = {{"e", "a"}, {"<pad>", "f"}, {"b", "d", "c"}, {"a", "c", "a", "b"}};
  EXPECT_EQ(Vocab::build(kDocs).tokens(), Vocab::build(shuffled).tokens());
  // Byte order: uppercase before lowercase, ASCII before UTF-8 multi-byte.
  EXPECT_EQ(Vocab::build({{"é", "z", "Z", "a"}}).tokens(), (Strings{"<pad>", "<unk>", "Z", "a", "z", "é"}));
}

TEST(Vocab, MinFreqAndMaxSize) {
  EXPECT_EQ(Vocab::build(kDocs, VocabOptions().min_freq(2)).tokens(), (Strings{"<pad>", "<unk>", "a", "b", "c"}));
  EXPECT_EQ(Vocab::build(kDocs, VocabOptions().max_size(4)).tokens(), (Strings{"<pad>", "<unk>", "a", "b"}));
  EXPECT_EQ(Vocab::build(kDocs, VocabOptions().max_size(2)).size(), 2);
  EXPECT_EQ(Vocab::build({}).size(), 2);
  EXPECT_EQ(Vocab().tokens(), (Strings{"<pad>", "<unk>"}));
  EXPECT_NE(error_of([] { Vocab::build(kDocs, VocabOptions().min_freq(0)); }).find("min_freq"), std::string::npos);
  EXPECT_NE(error_of([] { Vocab::build(kDocs, VocabOptions().max_size(1)); }).find("max_size"), std::string::npos);
}

TEST(Vocab, FromTokensValidates) {
  EXPECT_NE(error_of([] { Vocab::from_tokens({"a", "b"}); }).find("<pad> and <unk>"), std::string::npos);
  EXPECT_NE(error_of([] { Vocab::from_tokens({"<pad>", "<unk>", "x", "x"}); }).find("'x' appears twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { Vocab::from_tokens({"<pad>", "<unk>", "\xff"}); }).find("not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([] { Vocab().token(2); }).find("index 2 is out of range"), std::string::npos);
}

TEST(Vocab, JsonFileAndModelMetadataRoundTrip) {
  const Vocab v = Vocab::build({{"naïve", "世界", "a", "a", "\"q\""}});
  const Vocab w = Vocab::from_json(v.to_json());
  EXPECT_EQ(w.tokens(), v.tokens());
  EXPECT_EQ(w.frequencies(), v.frequencies());
  EXPECT_EQ(w.index("世界"), v.index("世界"));
  TempDir dir;
  v.save(dir.file("vocab.json"));
  EXPECT_EQ(Vocab::load(dir.file("vocab.json")).tokens(), v.tokens());
  // Saved with a model: as metadata of its safetensors file.
  nn::OrderedDict<Tensor> tensors;
  tensors.insert("w", ones({2}));
  io::save_safetensors(dir.file("model.safetensors"), tensors, {{"descent.vocab", v.to_json()}});
  const auto loaded = io::load_safetensors(dir.file("model.safetensors"));
  EXPECT_EQ(Vocab::from_json(loaded.metadata.at("descent.vocab")).tokens(), v.tokens());
}

TEST(Vocab, BadJsonIsAnErrorNamingTheSource) {
  TempDir dir;
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {"", "bad vocabulary JSON"},
      {"[1, 2]", "not a descent vocabulary"},
      {R"({"format":"descent.vocab","version":2,"tokens":[]})", "unsupported vocabulary version 2"},
      {R"({"format":"descent.vocab","version":1})", "bad vocabulary JSON"},
      {R"({"format":"descent.vocab","version":1,"tokens":["<pad>","<unk>",3]})", "bad vocabulary JSON"},
      {R"({"format":"descent.vocab","version":1,"tokens":["<unk>","<pad>"]})", "first two tokens"},
      {R"({"format":"descent.vocab","version":1,"tokens":["<pad>","<unk>","a","a"]})", "appears twice"},
      {R"({"format":"descent.vocab","version":1,"tokens":["<pad>","<unk>","a"],"frequencies":[0,0]})",
       "3 tokens but 2 frequencies"},
      {R"({"format":"descent.vocab","version":1,"tokens":["<pad>","<unk>","a"],"frequencies":[0,0,-1]})",
       "negative frequency"},
      {"{\"format\":\"descent.vocab\",\"version\":1,\"tokens\":[\"<pad>\",\"<unk>\",\"\xff\"]}",
       "line 1, column 66 (byte offset 65): invalid UTF-8"},
  };
  for (const auto& c : cases) {
    write_bytes(dir.file("v.json"), c.text);
    const std::string e = error_of([&] { Vocab::load(dir.file("v.json")); });
    EXPECT_NE(e.find(c.expect), std::string::npos) << c.text << " -> " << e;
    if (!e.empty()) {
      EXPECT_NE(e.find("v.json"), std::string::npos) << e;
    }
  }
  // From memory, the JSON parser rejects the bad byte.
  const std::string e = error_of([] { Vocab::from_json("{\"tokens\":[\"\xff\"]}", "meta"); });
  EXPECT_NE(e.find("meta: bad vocabulary JSON"), std::string::npos) << e;
}

// ---- sequences ----

TEST(Sequences, PadAndTruncate) {
  const std::vector<std::vector<int64_t>> seqs = {{5, 6, 7}, {8}, {}};
  PaddedSequences p = pad_sequences(seqs);
  EXPECT_EQ(p.ids.sizes(), (Shape{3, 3}));
  EXPECT_EQ(p.ids.dtype(), kInt64);
  expect_values(p.ids, {5, 6, 7, 8, 0, 0, 0, 0, 0});
  expect_values(p.lengths, {3, 1, 0});
  p = pad_sequences(seqs, 2);
  EXPECT_EQ(p.ids.sizes(), (Shape{3, 2}));
  expect_values(p.ids, {5, 6, 8, 0, 0, 0});
  expect_values(p.lengths, {2, 1, 0});
  p = pad_sequences(seqs, 5);
  EXPECT_EQ(p.ids.sizes(), (Shape{3, 5}));
  expect_values(p.lengths, {3, 1, 0});
  p = pad_sequences({});
  EXPECT_EQ(p.ids.sizes(), (Shape{0, 0}));
  EXPECT_NE(error_of([&] { pad_sequences(seqs, -1); }).find("max_length"), std::string::npos);
}

TEST(Sequences, EncodeDocuments) {
  const Vocab v = Vocab::build(kDocs);
  const PaddedSequences p = encode(v, {{"a", "b", "new"}, {"f"}}, 0);
  expect_values(p.ids, {2, 3, 1, 7, 0, 0});
  expect_values(p.lengths, {3, 1});
}

// ---- bag of words and TF-IDF ----

TEST(BagOfWords, CountsSkipSpecials) {
  expect_values(bag_of_words(std::vector<int64_t>{2, 3, 2, 1, 0, 4}, 5), {0, 0, 2, 1, 1});
  expect_values(bag_of_words(std::vector<int64_t>{2, 3, 2}, 5, true), {0, 0, 1, 1, 0});
  const Tensor m = bag_of_words(std::vector<std::vector<int64_t>>{{2}, {}, {3, 3}}, 4);
  EXPECT_EQ(m.sizes(), (Shape{3, 4}));
  expect_values(m, {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  EXPECT_NE(error_of([] { bag_of_words(std::vector<int64_t>{5}, 5); }).find("index 5 is outside the vocabulary of 5"), std::string::npos);
  EXPECT_NE(error_of([] { bag_of_words(std::vector<int64_t>{-1}, 5); }).find("index -1"), std::string::npos);
  EXPECT_NE(error_of([] { bag_of_words(std::vector<int64_t>{}, 1); }).find("vocab_size"), std::string::npos);
}

// Expected values from scikit-learn's definitions (TfidfVectorizer defaults: smooth_idf, norm='l2'),
// worked out for docs {a b a}, {b c}, {a}: n = 3, df(a) = df(b) = 2, df(c) = 1, so
// idf(a) = idf(b) = ln(4/3) + 1 = 1.28768207245178, idf(c) = ln(4/2) + 1 = 1.69314718055995.
TEST(Tfidf, MatchesScikitLearnDefinitions) {
  // Indices: a = 2, b = 3, c = 4 (0 and 1 are <pad> and <unk>).
  const std::vector<std::vector<int64_t>> docs = {{2, 3, 2}, {3, 4}, {2}};
  Tfidf t;
  t.fit(docs, 5);
  expect_values(from_vector(t.idf()).slice(0, 2), {1.2876820724517808, 1.2876820724517808, 1.6931471805599454},
                1e-12);
  const Tensor x = t.transform(docs);
  EXPECT_EQ(x.sizes(), (Shape{3, 5}));
  EXPECT_EQ(x.dtype(), kFloat32);
  expect_values(x, {0, 0, 0.8944271909999159, 0.4472135954999579, 0,  //
                    0, 0, 0, 0.6053485081062916, 0.7959605415681652,  //
                    0, 0, 1, 0, 0},
                1e-6);
  // Unknown words (<unk>) are ignored, an empty document stays zero.
  expect_values(t.transform(std::vector<int64_t>{1, 4}), {0, 0, 0, 0, 1}, 1e-6);
  expect_values(t.transform(std::vector<int64_t>{}), {0, 0, 0, 0, 0});
}

TEST(Tfidf, Options) {
  const std::vector<std::vector<int64_t>> docs = {{2, 3, 2}, {3, 4}, {2}};
  // smooth_idf=False, sublinear_tf=True: idf(a) = ln(3/2) + 1, tf(a in d0) = 1 + ln 2.
  Tfidf t(TfidfOptions().smooth_idf(false).sublinear_tf(true));
  t.fit(docs, 5);
  expect_values(t.transform(docs[0]), {0, 0, 0.8610369959439764, 0.5085423203783268, 0}, 1e-6);
  Tfidf raw(TfidfOptions().l2_normalize(false).binary(true));
  raw.fit(docs, 5);
  expect_values(raw.transform(docs[0]), {0, 0, 1.2876820724517808, 1.2876820724517808, 0}, 1e-6);
  // Without smoothing, a term no fitted document holds weighs 0.
  Tfidf ns(TfidfOptions().smooth_idf(false));
  ns.fit({{2}}, 4);
  EXPECT_EQ(ns.idf()[3], 0.0);
}

TEST(Tfidf, JsonRoundTripAndErrors) {
  Tfidf t(TfidfOptions().sublinear_tf(true));
  t.fit({{2, 3}, {3}}, 4);
  const Tfidf u = Tfidf::from_json(t.to_json());
  EXPECT_EQ(u.idf(), t.idf());  // exact doubles
  EXPECT_TRUE(u.options().sublinear_tf_);
  TempDir dir;
  t.save(dir.file("tfidf.json"));
  EXPECT_EQ(Tfidf::load(dir.file("tfidf.json")).idf(), t.idf());
  EXPECT_NE(error_of([] { Tfidf().transform(std::vector<int64_t>{2}); }).find("call fit() first"), std::string::npos);
  EXPECT_NE(error_of([] { Tfidf().fit({}, 4); }).find("no documents"), std::string::npos);
  EXPECT_NE(error_of([] { Tfidf().fit({{9}}, 4); }).find("document 0 has index 9"), std::string::npos);
  const std::string bad =
      R"({"format":"descent.tfidf","version":1,"smooth_idf":true,"sublinear_tf":false,"l2_normalize":true,"binary":false,"idf":[1,-2]})";
  EXPECT_NE(error_of([&] { Tfidf::from_json(bad, "w.json"); }).find("w.json: idf[1] = -2"), std::string::npos);
  EXPECT_NE(error_of([] { Tfidf::from_json("{}", "w.json"); }).find("w.json: not descent TF-IDF"), std::string::npos);
}
