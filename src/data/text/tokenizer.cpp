#include <nlohmann/json.hpp>

#include "descent/core/error.h"
#include "descent/data/formats/text.h"
#include "descent/data/text.h"
#include "io/json_checked.h"

namespace descent::data {
namespace {

using json = nlohmann::json;

constexpr int kMaxNgram = 32;

const char* mode_name(TokenizerMode m) {
  switch (m) {
    case TokenizerMode::kWord: return "word";
    case TokenizerMode::kCharacter: return "character";
    case TokenizerMode::kCharNgram: return "char_ngram";
  }
  return "?";
}

const char* normalization_name(UnicodeNormalization n) {
  switch (n) {
    case UnicodeNormalization::kNone: return "none";
    case UnicodeNormalization::kNFC: return "nfc";
    case UnicodeNormalization::kNFKC: return "nfkc";
  }
  return "?";
}

void check_options(const TokenizerOptions& o) {
  DESCENT_CHECK(o.normalization_ == UnicodeNormalization::kNone || o.normalization_ == UnicodeNormalization::kNFC ||
                    o.normalization_ == UnicodeNormalization::kNFKC,
                "Tokenizer: unknown normalization ", int(o.normalization_));
  DESCENT_CHECK(o.mode_ == TokenizerMode::kWord || o.mode_ == TokenizerMode::kCharacter ||
                    o.mode_ == TokenizerMode::kCharNgram,
                "Tokenizer: unknown mode ", int(o.mode_));
  DESCENT_CHECK(o.ngram_min_ >= 1 && o.ngram_min_ <= o.ngram_max_ && o.ngram_max_ <= kMaxNgram,
                "Tokenizer: ngram_range must satisfy 1 <= min <= max <= ", kMaxNgram, ", got (", o.ngram_min_, ", ",
                o.ngram_max_, ")");
}

// Word mode: see TokenizerMode::kWord.
std::vector<std::string> words(const std::u32string& text, const TokenizerOptions& o) {
  enum Kind { kNone, kLetters, kDigits, kSingle, kPunct };
  std::vector<std::string> out;
  std::string cur;
  Kind kind = kNone;
  auto flush = [&] {
    if (!cur.empty() && (kind != kPunct || o.keep_punctuation_)) out.push_back(std::move(cur));
    cur.clear();
    kind = kNone;
  };
  for (char32_t cp : text) {
    if (o.lowercase_) cp = to_lower(cp);
    switch (char_class(cp)) {
      case CharClass::kIgnorable:
        continue;
      case CharClass::kSpace:
        flush();
        continue;
      case CharClass::kLetter:
        if (kind != kLetters) flush();
        kind = kLetters;
        break;
      case CharClass::kDigit:
        if (kind != kDigits) flush();
        kind = kDigits;
        break;
      case CharClass::kMark:
        if (kind == kNone) kind = kLetters;  // a mark with nothing before it starts a word
        break;
      case CharClass::kIdeograph:
        flush();
        kind = kSingle;
        break;
      case CharClass::kPunctuation:
        flush();
        kind = kPunct;
        break;
    }
    append_utf8(cur, cp);
  }
  flush();
  return out;
}

// Character mode: see TokenizerMode::kCharacter.
std::vector<std::string> characters(const std::u32string& text, const TokenizerOptions& o) {
  std::vector<std::string> out;
  bool pending_space = false;
  for (char32_t cp : text) {
    if (o.lowercase_) cp = to_lower(cp);
    const CharClass c = char_class(cp);
    if (c == CharClass::kIgnorable) continue;
    if (c == CharClass::kSpace) {
      pending_space = !out.empty();
      continue;
    }
    if (c == CharClass::kMark && !out.empty() && !pending_space) {
      append_utf8(out.back(), cp);
      continue;
    }
    if (pending_space) out.emplace_back(" ");
    pending_space = false;
    out.emplace_back();
    append_utf8(out.back(), cp);
  }
  return out;
}

// Character n-grams: see TokenizerMode::kCharNgram.
std::vector<std::string> char_ngrams(const std::u32string& text, const TokenizerOptions& o) {
  std::u32string norm;
  norm.reserve(text.size());
  bool pending_space = false;
  for (char32_t cp : text) {
    if (o.lowercase_) cp = to_lower(cp);
    const CharClass c = char_class(cp);
    if (c == CharClass::kIgnorable) continue;
    if (c == CharClass::kSpace) {
      pending_space = !norm.empty();
      continue;
    }
    if (pending_space) norm.push_back(U' ');
    pending_space = false;
    norm.push_back(cp);
  }
  std::vector<std::string> out;
  const size_t len = norm.size();
  for (int n = o.ngram_min_; n <= o.ngram_max_; ++n) {
    if (size_t(n) > len) break;
    for (size_t i = 0; i + size_t(n) <= len; ++i)
      out.push_back(encode_utf8(std::u32string_view(norm).substr(i, size_t(n))));
  }
  return out;
}

}  // namespace

Tokenizer::Tokenizer(TokenizerOptions options) : options_(options) { check_options(options_); }

std::vector<std::string> Tokenizer::tokenize(std::string_view text, const std::string& name) const {
  std::string normalized;
  if (options_.normalization_ != UnicodeNormalization::kNone) {
    normalized = normalize_unicode(text, options_.normalization_, name);
    text = normalized;
  }
  const std::u32string cps = decode_utf8(text, name);
  switch (options_.mode_) {
    case TokenizerMode::kWord: return words(cps, options_);
    case TokenizerMode::kCharacter: return characters(cps, options_);
    case TokenizerMode::kCharNgram: return char_ngrams(cps, options_);
  }
  DESCENT_FAIL("Tokenizer: unknown mode ", int(options_.mode_));
}

std::string Tokenizer::to_json() const {
  json j = {{"format", "descent.tokenizer"},
            {"version", 1},
            {"mode", mode_name(options_.mode_)},
            {"lowercase", options_.lowercase_},
            {"keep_punctuation", options_.keep_punctuation_},
            {"ngram_range", {options_.ngram_min_, options_.ngram_max_}},
            {"normalization", normalization_name(options_.normalization_)}};
  return j.dump(2);
}

Tokenizer Tokenizer::from_json(const std::string& text, const std::string& source) {
  TokenizerOptions o;
  try {
    const json j = json::parse(text);
    DESCENT_CHECK(j.is_object() && j.value("format", "") == "descent.tokenizer", source,
                  ": not a descent tokenizer (expected \"format\": \"descent.tokenizer\")");
    DESCENT_CHECK(io::detail::json_version(j) == 1, source, ": unsupported tokenizer version ", j.value("version", json()).dump());
    const std::string mode = j.at("mode").get<std::string>();
    if (mode == "word") o.mode(TokenizerMode::kWord);
    else if (mode == "character") o.mode(TokenizerMode::kCharacter);
    else if (mode == "char_ngram") o.mode(TokenizerMode::kCharNgram);
    else DESCENT_FAIL(source, ": unknown tokenizer mode '", mode, "' (word, character or char_ngram)");
    o.lowercase(j.at("lowercase").get<bool>());
    o.keep_punctuation(j.at("keep_punctuation").get<bool>());
    const json& r = j.at("ngram_range");
    DESCENT_CHECK(r.is_array() && r.size() == 2, source, ": ngram_range must be [min, max]");
    o.ngram_range(int(io::detail::json_int(r[0], source + ": ngram_range[0]", 1, 32)),
                  int(io::detail::json_int(r[1], source + ": ngram_range[1]", 1, 32)));
    // Absent in files written before normalisation existed: none.
    const std::string norm = j.value("normalization", std::string("none"));
    if (norm == "none") o.normalization(UnicodeNormalization::kNone);
    else if (norm == "nfc") o.normalization(UnicodeNormalization::kNFC);
    else if (norm == "nfkc") o.normalization(UnicodeNormalization::kNFKC);
    else DESCENT_FAIL(source, ": unknown normalization '", norm, "' (none, nfc or nfkc)");
  } catch (const json::exception& e) {
    DESCENT_FAIL(source, ": bad tokenizer JSON: ", e.what());
  }
  try {
    return Tokenizer(o);
  } catch (const Error& e) {
    DESCENT_FAIL(source, ": ", e.message());
  }
}

}  // namespace descent::data
