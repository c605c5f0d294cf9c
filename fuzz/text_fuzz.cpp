// libFuzzer target for UTF-8 validation/decoding and the Tokenizer (word, character and character
// n-gram modes, with and without Unicode normalisation). Invalid UTF-8 must throw descent::Error; valid input must tokenize into valid
// UTF-8 tokens, and the validator, decoder and encoder must agree. Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "descent/core/error.h"
#include "descent/data/formats/text.h"
#include "descent/data/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace descent::data;
  static const Tokenizer word, word_cased(TokenizerOptions().lowercase(false).keep_punctuation(false)),
      chars(TokenizerOptions().mode(TokenizerMode::kCharacter)),
      ngrams(TokenizerOptions().mode(TokenizerMode::kCharNgram).ngram_range(1, 4)),
      nfc_words(TokenizerOptions().normalization(UnicodeNormalization::kNFC)),
      nfkc_ngrams(TokenizerOptions().mode(TokenizerMode::kCharNgram).normalization(UnicodeNormalization::kNFKC));
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = !find_invalid_utf8(text);
  try {
    const std::u32string cps = decode_utf8(text, "fuzz");
    if (!valid) __builtin_trap();                      // decoded what the validator rejected
    if (encode_utf8(cps) != text) __builtin_trap();    // not a round trip
    if (to_lower(text).empty() != text.empty()) __builtin_trap();
  } catch (const descent::Error&) {
    if (valid) __builtin_trap();  // rejected what the validator accepted
  }
  // Normalisation (utf8proc) keeps valid UTF-8 valid, and NFC / NFKC are idempotent.
  for (auto form : {UnicodeNormalization::kNFC, UnicodeNormalization::kNFKC}) {
    try {
      const std::string n = normalize_unicode(text, form, "fuzz");
      if (!valid || find_invalid_utf8(n) || normalize_unicode(n, form) != n) __builtin_trap();
    } catch (const descent::Error&) {
      if (valid) __builtin_trap();
    }
  }
  for (const Tokenizer* t : {&word, &word_cased, &chars, &ngrams, &nfc_words, &nfkc_ngrams}) {
    try {
      for (const std::string& tok : t->tokenize(text, "fuzz")) {
        if (tok.empty() || find_invalid_utf8(tok)) __builtin_trap();
      }
      if (!valid) __builtin_trap();
    } catch (const descent::Error&) {
      if (valid) __builtin_trap();
    }
  }
  return 0;
}
