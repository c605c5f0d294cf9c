#pragma once
// Text to tensors: a Unicode-aware Tokenizer, a Vocab, padded int64 sequences with lengths, and
// bag-of-words / TF-IDF vectors.
//
// Unicode without ICU. Tokenizing needs to know, for each code point, whether it is a letter, a
// digit, white space, a combining mark, a CJK ideograph, punctuation/symbol or an ignorable control
// or format character, and how to lowercase it. char_class() and to_lower() answer from hand-written
// range tables (see src/data/text/unicode.cpp) that follow the Unicode 15 general categories for
// Basic Latin, Latin-1, Latin Extended-A/B/Additional, IPA, Greek (and Greek Extended), Cyrillic
// (and its supplement), Armenian, Hebrew, Arabic, Devanagari digits, General Punctuation, currency,
// arrows, mathematical and other symbol blocks, CJK punctuation, CJK ideographs (URO, extensions
// A-H, compatibility), fullwidth forms and emoji. Code points of other scripts that these tables do
// not list (Thai, Devanagari letters, kana, Hangul, Georgian, ...) count as letters, so their words
// stay whole. Lowercasing uses Unicode's simple (one-to-one) case mappings for Latin, Greek,
// Cyrillic, Armenian, fullwidth Latin, Roman numerals and circled letters; other code points are
// unchanged. Unicode normalisation (NFC, NFKC) comes from utf8proc (Debian's libutf8proc-dev) and
// is the Tokenizer's `normalization` option: without it "é" precomposed and "e" + U+0301 stay
// different tokens.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "descent/core/tensor.h"

namespace descent::data {

// ---- Unicode ----

/// What a code point is, as far as tokenizing goes.
enum class CharClass : uint8_t {
  kLetter,       ///< L* categories (and code points of unlisted scripts)
  kDigit,        ///< Nd: decimal digits of any script
  kSpace,        ///< white space (Zs, tab, line breaks) and U+200B zero width space
  kMark,         ///< combining marks (Mn, Mc, Me): belong to the token before them
  kIdeograph,    ///< CJK ideographs: each is a word of its own (as BERT's tokenizer does)
  kPunctuation,  ///< P* and S* categories, and No (superscripts, fractions)
  kIgnorable,    ///< controls and format characters (soft hyphen, ZWJ, BOM, ...): dropped
};

/// The class of a code point (see the header comment for the tables' coverage).
CharClass char_class(char32_t cp);
/// The simple lowercase mapping of a code point (unchanged when it has none in our tables).
char32_t to_lower(char32_t cp);
/// Lowercases UTF-8 text code point by code point (errors on invalid UTF-8 name `name`).
std::string to_lower(std::string_view text, const std::string& name = "<memory>");

/// Unicode normalisation forms (UAX #15).
enum class UnicodeNormalization : uint8_t {
  kNone,
  /// Canonical composition: "e" + U+0301 becomes "é"; nothing that looks different changes.
  kNFC,
  /// Compatibility composition: also folds compatibility characters ("ﬁ" -> "fi", fullwidth "Ａ" ->
  /// "A", "²" -> "2"), as search engines and many text classifiers do.
  kNFKC,
};
/// Normalises UTF-8 text (errors on invalid UTF-8 name `name`).
std::string normalize_unicode(std::string_view text, UnicodeNormalization form, const std::string& name = "<memory>");

// ---- Tokenizer ----

/// How text is cut into tokens.
enum class TokenizerMode : uint8_t {
  /// Words: runs of letters (with their combining marks), runs of digits, and each punctuation or
  /// symbol character on its own; letters and digits are not joined ("abc123" -> "abc", "123"),
  /// each CJK ideograph is a token, white space separates and is dropped.
  kWord,
  /// Characters: every code point but white space is a token (a combining mark stays with the
  /// character before it); runs of white space become one " " token between the characters they
  /// separate; ignorable format characters are dropped.
  kCharacter,
  /// Character n-grams for n in [ngram_min, ngram_max], as scikit-learn's analyzer='char': white
  /// space runs become one space and the ends are trimmed, then all n-grams of the code points are
  /// listed, shortest n first and left to right within one n.
  kCharNgram,
};

/// Options of a Tokenizer.
struct TokenizerOptions {
  TokenizerOptions& mode(TokenizerMode v) { mode_ = v; return *this; }
  /// Lowercase before splitting (true).
  TokenizerOptions& lowercase(bool v) { lowercase_ = v; return *this; }
  /// Keep punctuation and symbol tokens in word mode (true).
  TokenizerOptions& keep_punctuation(bool v) { keep_punctuation_ = v; return *this; }
  /// The n-gram lengths of kCharNgram (1 <= min <= max <= 32).
  TokenizerOptions& ngram_range(int min_n, int max_n) { ngram_min_ = min_n; ngram_max_ = max_n; return *this; }
  /// Unicode normalisation before anything else (kNone).
  TokenizerOptions& normalization(UnicodeNormalization v) { normalization_ = v; return *this; }

  TokenizerMode mode_ = TokenizerMode::kWord;
  bool lowercase_ = true;
  bool keep_punctuation_ = true;
  int ngram_min_ = 1;
  int ngram_max_ = 3;
  UnicodeNormalization normalization_ = UnicodeNormalization::kNone;
};

/// Cuts UTF-8 text into tokens (thread-safe: tokenize() is const and keeps no state).
class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {});
  /// The tokens of text; invalid UTF-8 is an Error naming `name` (the file), line and column.
  std::vector<std::string> tokenize(std::string_view text, const std::string& name = "<memory>") const;
  const TokenizerOptions& options() const { return options_; }
  /// The options as JSON text (to save with a model), and back.
  std::string to_json() const;
  static Tokenizer from_json(const std::string& text, const std::string& source = "<memory>");

 private:
  TokenizerOptions options_;
};

// ---- Vocab ----

/// Options of Vocab::build.
struct VocabOptions {
  /// Tokens seen fewer times than this are left out (and become <unk>); >= 1.
  VocabOptions& min_freq(int64_t v) { min_freq_ = v; return *this; }
  /// The largest vocabulary, <pad> and <unk> included (0: no limit; otherwise >= 2).
  VocabOptions& max_size(int64_t v) { max_size_ = v; return *this; }

  int64_t min_freq_ = 1;
  int64_t max_size_ = 0;
};

/// Token <-> index. Index 0 is "<pad>" and 1 is "<unk>"; the other tokens follow by descending
/// frequency in the corpus it was built from, ties in lexicographic (byte, i.e. code point) order,
/// so the same corpus always gives the same vocabulary.
class Vocab {
 public:
  static constexpr int64_t kPadIndex = 0;
  static constexpr int64_t kUnkIndex = 1;
  static constexpr const char* kPadToken = "<pad>";
  static constexpr const char* kUnkToken = "<unk>";

  /// A vocabulary of just <pad> and <unk>.
  Vocab();
  /// Counts the tokens of the documents and keeps those allowed by the options.
  static Vocab build(const std::vector<std::vector<std::string>>& documents, const VocabOptions& options = {});
  /// The same from token counts.
  static Vocab from_counts(const std::unordered_map<std::string, int64_t>& counts, const VocabOptions& options = {});
  /// Tokens in index order; the first two must be <pad> and <unk>, no token may repeat.
  static Vocab from_tokens(std::vector<std::string> tokens, std::vector<int64_t> frequencies = {});

  /// Number of tokens, the specials included.
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  /// The index of a token, or kUnkIndex when it is not in the vocabulary.
  int64_t index(std::string_view token) const;
  bool contains(std::string_view token) const;
  /// The token at an index (an Error when out of range).
  const std::string& token(int64_t index) const;
  const std::vector<std::string>& tokens() const { return tokens_; }
  /// How often each token occurred in the corpus the vocabulary was built from (0 for the specials).
  const std::vector<int64_t>& frequencies() const { return freqs_; }

  /// Indices of tokens (unknown tokens -> kUnkIndex).
  std::vector<int64_t> encode(const std::vector<std::string>& tokens) const;
  /// Tokens of indices (an Error for an index out of range).
  std::vector<std::string> decode(const std::vector<int64_t>& indices) const;

  /// JSON text {"format": "descent.vocab", "version": 1, "tokens": [...], "frequencies": [...]}: put
  /// it in a model file's metadata (io::save(module, path, {{"descent.vocab", vocab.to_json()}})) or
  /// in a file of its own.
  std::string to_json() const;
  /// Reads what to_json wrote; errors name `source` and what is wrong.
  static Vocab from_json(const std::string& text, const std::string& source = "<memory>");
  /// Writes to_json() to a file (atomically), and reads it back.
  void save(const std::string& path) const;
  static Vocab load(const std::string& path);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> tokens_;
  std::vector<int64_t> freqs_;
  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> index_;
};

// ---- sequences ----

/// Padded sequences: ids [N, L] int64 (kPadIndex past each length) and lengths [N] int64.
struct PaddedSequences {
  Tensor ids;
  Tensor lengths;
};

/// Pads (with pad_index) or truncates (keeping the first tokens) each sequence. L is max_length
/// when it is > 0, else the longest sequence; lengths are those after truncation.
PaddedSequences pad_sequences(const std::vector<std::vector<int64_t>>& sequences, int64_t max_length = 0,
                              int64_t pad_index = Vocab::kPadIndex);
/// Tokens -> indices -> pad_sequences.
PaddedSequences encode(const Vocab& vocab, const std::vector<std::vector<std::string>>& documents,
                       int64_t max_length = 0);

// ---- bag of words, TF-IDF ----

/// Counts of each index in ids as a float32 [vocab_size] vector (binary: 1 where present).
/// <pad> and <unk> are not counted, as scikit-learn's vectorizers ignore words outside the vocabulary.
Tensor bag_of_words(const std::vector<int64_t>& ids, int64_t vocab_size, bool binary = false);
/// One row per document: float32 [N, vocab_size].
Tensor bag_of_words(const std::vector<std::vector<int64_t>>& documents, int64_t vocab_size, bool binary = false);

/// Options of Tfidf, named as scikit-learn's TfidfTransformer.
struct TfidfOptions {
  /// idf = ln((1 + n) / (1 + df)) + 1 (true, sklearn's default) or ln(n / df) + 1 (false).
  TfidfOptions& smooth_idf(bool v) { smooth_idf_ = v; return *this; }
  /// tf = 1 + ln(count) instead of count.
  TfidfOptions& sublinear_tf(bool v) { sublinear_tf_ = v; return *this; }
  /// Divide each vector by its Euclidean norm (true; all-zero vectors stay zero).
  TfidfOptions& l2_normalize(bool v) { l2_normalize_ = v; return *this; }
  /// Counts are 0/1 before weighting.
  TfidfOptions& binary(bool v) { binary_ = v; return *this; }

  bool smooth_idf_ = true;
  bool sublinear_tf_ = false;
  bool l2_normalize_ = true;
  bool binary_ = false;
};

/// TF-IDF weights as scikit-learn's TfidfVectorizer (norm='l2', smooth_idf=True by default):
/// x_t = tf(t, d) * idf(t), then x /= ||x||_2, with n the number of documents fitted on and df(t)
/// the number of them that contain t. Fit on the training documents only.
class Tfidf {
 public:
  explicit Tfidf(TfidfOptions options = {});
  /// Learns idf from documents of vocabulary indices (each < vocab_size).
  void fit(const std::vector<std::vector<int64_t>>& documents, int64_t vocab_size);
  /// The TF-IDF vector of one document, float32 [vocab_size].
  Tensor transform(const std::vector<int64_t>& ids) const;
  /// One row per document, float32 [N, vocab_size].
  Tensor transform(const std::vector<std::vector<int64_t>>& documents) const;
  /// idf per vocabulary index (empty before fit).
  const std::vector<double>& idf() const { return idf_; }
  int64_t vocab_size() const { return static_cast<int64_t>(idf_.size()); }
  const TfidfOptions& options() const { return options_; }
  std::string to_json() const;
  static Tfidf from_json(const std::string& text, const std::string& source = "<memory>");
  void save(const std::string& path) const;
  static Tfidf load(const std::string& path);

 private:
  void weigh(const std::vector<int64_t>& ids, float* out) const;
  TfidfOptions options_;
  std::vector<double> idf_;
};

}  // namespace descent::data
