// Character classes, lowercasing and the Tokenizer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/formats/text.h"
#include "descent/data/text.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using Tokens = std::vector<std::string>;

// ---- Unicode classes and lowercase ----

TEST(Unicode, CharClasses) {
  EXPECT_EQ(char_class(U'a'), CharClass::kLetter);
  EXPECT_EQ(char_class(U'7'), CharClass::kDigit);
  EXPECT_EQ(char_class(U','), CharClass::kPunctuation);
  EXPECT_EQ(char_class(U'\t'), CharClass::kSpace);
  EXPECT_EQ(char_class(0x00E9), CharClass::kLetter);       // é
  EXPECT_EQ(char_class(0x00B5), CharClass::kLetter);       // micro sign
  EXPECT_EQ(char_class(0x00D7), CharClass::kPunctuation);  // ×
  EXPECT_EQ(char_class(0x00A0), CharClass::kSpace);        // no-break space
  EXPECT_EQ(char_class(0x00AD), CharClass::kIgnorable);    // soft hyphen
  EXPECT_EQ(char_class(0x0301), CharClass::kMark);         // combining acute
  EXPECT_EQ(char_class(0x03A9), CharClass::kLetter);       // Ω
  EXPECT_EQ(char_class(0x037E), CharClass::kPunctuation);  // Greek question mark
  EXPECT_EQ(char_class(0x0416), CharClass::kLetter);       // Ж
  EXPECT_EQ(char_class(0x0661), CharClass::kDigit);        // Arabic-Indic one
  EXPECT_EQ(char_class(0x0967), CharClass::kDigit);        // Devanagari one
  EXPECT_EQ(char_class(0x2014), CharClass::kPunctuation);  // em dash
  EXPECT_EQ(char_class(0x20AC), CharClass::kPunctuation);  // €
  EXPECT_EQ(char_class(0x3000), CharClass::kSpace);        // ideographic space
  EXPECT_EQ(char_class(0x3002), CharClass::kPunctuation);  // 。
  EXPECT_EQ(char_class(0x4E16), CharClass::kIdeograph);    // 世
  EXPECT_EQ(char_class(0x20BB7), CharClass::kIdeograph);   // 𠮷 (extension B)
  EXPECT_EQ(char_class(0x3042), CharClass::kLetter);       // あ
  EXPECT_EQ(char_class(0xAC00), CharClass::kLetter);       // 가
  EXPECT_EQ(char_class(0xFF10), CharClass::kDigit);        // fullwidth 0
  EXPECT_EQ(char_class(0xFF01), CharClass::kPunctuation);  // fullwidth !
  EXPECT_EQ(char_class(0x1F642), CharClass::kPunctuation);  // 🙂
  EXPECT_EQ(char_class(0x1F3FB), CharClass::kMark);         // skin tone
  EXPECT_EQ(char_class(0x200D), CharClass::kIgnorable);     // zero width joiner
  EXPECT_EQ(char_class(0xFEFF), CharClass::kIgnorable);     // BOM
  EXPECT_EQ(char_class(0x10FFFF), CharClass::kPunctuation);
}

TEST(Unicode, Lowercase) {
  EXPECT_EQ(to_lower(U'Q'), U'q');
  EXPECT_EQ(to_lower(U'q'), U'q');
  EXPECT_EQ(to_lower(char32_t(0x00C9)), char32_t(0x00E9));  // É
  EXPECT_EQ(to_lower(char32_t(0x00D7)), char32_t(0x00D7));  // × has no case
  EXPECT_EQ(to_lower(char32_t(0x0130)), U'i');              // İ
  EXPECT_EQ(to_lower(char32_t(0x0178)), char32_t(0x00FF));  // Ÿ
  EXPECT_EQ(to_lower(char32_t(0x0141)), char32_t(0x0142));  // Ł
  EXPECT_EQ(to_lower(char32_t(0x017D)), char32_t(0x017E));  // Ž
  EXPECT_EQ(to_lower(char32_t(0x01C5)), char32_t(0x01C6));  // ǅ
  EXPECT_EQ(to_lower(char32_t(0x0391)), char32_t(0x03B1));  // Α
  EXPECT_EQ(to_lower(char32_t(0x03A3)), char32_t(0x03C3));  // Σ -> σ (simple mapping, no final-sigma rule)
  EXPECT_EQ(to_lower(char32_t(0x0386)), char32_t(0x03AC));  // Ά
  EXPECT_EQ(to_lower(char32_t(0x1F08)), char32_t(0x1F00));  // Ἀ
  EXPECT_EQ(to_lower(char32_t(0x1FFC)), char32_t(0x1FF3));
  EXPECT_EQ(to_lower(char32_t(0x0401)), char32_t(0x0451));  // Ё
  EXPECT_EQ(to_lower(char32_t(0x042F)), char32_t(0x044F));  // Я
  EXPECT_EQ(to_lower(char32_t(0x0460)), char32_t(0x0461));
  EXPECT_EQ(to_lower(char32_t(0x04C1)), char32_t(0x04C2));
  EXPECT_EQ(to_lower(char32_t(0x0531)), char32_t(0x0561));  // Armenian
  EXPECT_EQ(to_lower(char32_t(0x1E9E)), char32_t(0x00DF));  // ẞ
  EXPECT_EQ(to_lower(char32_t(0x1EA0)), char32_t(0x1EA1));  // Ạ
  EXPECT_EQ(to_lower(char32_t(0xFF21)), char32_t(0xFF41));  // fullwidth A
  EXPECT_EQ(to_lower(char32_t(0x4E16)), char32_t(0x4E16));
  EXPECT_EQ(to_lower("ÀÉÎ ΣΟΦΊΑ МОСКВА Straße"), "àéî σοφία москва straße");
}

// ---- Tokenizer ----

TEST(Tokenizer, WordsPunctuationAndNumbers) {
  Tokenizer tok;
  EXPECT_EQ(tok.tokenize("Hello, World! It's 2024."),
            (Tokens{"hello", ",", "world", "!", "it", "'", "s", "2024", "."}));
  EXPECT_EQ(tok.tokenize("abc123def 3.14"), (Tokens{"abc", "123", "def", "3", ".", "14"}));
  EXPECT_EQ(tok.tokenize("  \t\n "), Tokens{});
  EXPECT_EQ(tok.tokenize(""), Tokens{});
  EXPECT_EQ(tok.tokenize("--"), (Tokens{"-", "-"}));
}

TEST(Tokenizer, GreekCyrillicAndAccents) {
  Tokenizer tok;
  EXPECT_EQ(tok.tokenize("Καλημέρα κόσμε; ΠΑΡΑΔΕΙΓΜΑ"), (Tokens{"καλημέρα", "κόσμε", ";", "παραδειγμα"}));
  EXPECT_EQ(tok.tokenize("Привет, МИР! Ёлка"), (Tokens{"привет", ",", "мир", "!", "ёлка"}));
  EXPECT_EQ(tok.tokenize("Crème brûlée, naïve café"), (Tokens{"crème", "brûlée", ",", "naïve", "café"}));
  // Combining marks stay in their word; soft hyphens vanish; no-break spaces separate.
  EXPECT_EQ(tok.tokenize("e\xCC\x81te\xCC\x81 co\xC2\xADop a\xC2\xA0" "b"), (Tokens{"e\xCC\x81te\xCC\x81", "coop", "a", "b"}));
}

TEST(Tokenizer, CjkIdeographsAreSingleTokens) {
  Tokenizer tok;
  EXPECT_EQ(tok.tokenize("我爱北京。"), (Tokens{"我", "爱", "北", "京", "。"}));
  EXPECT_EQ(tok.tokenize("東京2020年"), (Tokens{"東", "京", "2020", "年"}));
  // Kana and Hangul count as letters, so their runs stay whole.
  EXPECT_EQ(tok.tokenize("ひらがな 한국어"), (Tokens{"ひらがな", "한국어"}));
  EXPECT_EQ(tok.tokenize("Ｈｅｌｌｏ１２"), (Tokens{"ｈｅｌｌｏ", "１２"}));
  EXPECT_EQ(tok.tokenize("٣٤ kg"), (Tokens{"٣٤", "kg"}));
}

TEST(Tokenizer, EmojiAndSymbols) {
  Tokenizer tok;
  EXPECT_EQ(tok.tokenize("great🙂🙂 5€"), (Tokens{"great", "🙂", "🙂", "5", "€"}));
  // A skin-tone modifier stays with its emoji.
  EXPECT_EQ(tok.tokenize("ok👍🏽"), (Tokens{"ok", "👍🏽"}));
}

TEST(Tokenizer, Options) {
  EXPECT_EQ(Tokenizer(TokenizerOptions().lowercase(false)).tokenize("Hello ΩMEGA"), (Tokens{"Hello", "ΩMEGA"}));
  EXPECT_EQ(Tokenizer(TokenizerOptions().keep_punctuation(false)).tokenize("Hi, you! 🙂 ok?"),
            (Tokens{"hi", "you", "ok"}));
}

TEST(Tokenizer, Characters) {
  Tokenizer tok(TokenizerOptions().mode(TokenizerMode::kCharacter));
  EXPECT_EQ(tok.tokenize(" Ab  c\té "), (Tokens{"a", "b", " ", "c", " ", "é"}));
  EXPECT_EQ(tok.tokenize("e\xCC\x81!"), (Tokens{"e\xCC\x81", "!"}));
  EXPECT_EQ(tok.tokenize(""), Tokens{});
}

TEST(Tokenizer, CharacterNgramsAsScikitLearn) {
  Tokenizer tok(TokenizerOptions().mode(TokenizerMode::kCharNgram).ngram_range(1, 2));
  // sklearn CountVectorizer(analyzer='char', ngram_range=(1, 2)) on "ab c": a b ' ' c, ab 'b ' ' c'.
  EXPECT_EQ(tok.tokenize("Ab c"), (Tokens{"a", "b", " ", "c", "ab", "b ", " c"}));
  Tokenizer tri(TokenizerOptions().mode(TokenizerMode::kCharNgram).ngram_range(3, 3));
  EXPECT_EQ(tri.tokenize("  día\n\n "), (Tokens{"día"}));
  EXPECT_EQ(tri.tokenize("ab"), Tokens{});
  EXPECT_EQ(tri.tokenize("日本語の"), (Tokens{"日本語", "本語の"}));
}

TEST(Tokenizer, InvalidUtf8AndBadOptions) {
  Tokenizer tok;
  std::string e = error_of([&] { tok.tokenize("good\nba\xC3", "review.txt"); });
  EXPECT_NE(e.find("review.txt: line 2, column 3"), std::string::npos) << e;
  EXPECT_NE(error_of([] { Tokenizer(TokenizerOptions().ngram_range(0, 2)); }).find("ngram_range"), std::string::npos);
  EXPECT_NE(error_of([] { Tokenizer(TokenizerOptions().ngram_range(3, 2)); }).find("ngram_range"), std::string::npos);
  EXPECT_NE(error_of([] { Tokenizer(TokenizerOptions().ngram_range(1, 33)); }).find("<= 32"), std::string::npos);
}

TEST(Tokenizer, JsonRoundTrip) {
  Tokenizer a(TokenizerOptions().mode(TokenizerMode::kCharNgram).ngram_range(2, 4).lowercase(false));
  Tokenizer b = Tokenizer::from_json(a.to_json());
  EXPECT_EQ(b.options().mode_, TokenizerMode::kCharNgram);
  EXPECT_EQ(b.options().ngram_min_, 2);
  EXPECT_EQ(b.options().ngram_max_, 4);
  EXPECT_FALSE(b.options().lowercase_);
  EXPECT_NE(error_of([] { Tokenizer::from_json("{", "tok.json"); }).find("tok.json: bad tokenizer JSON"),
            std::string::npos);
  EXPECT_NE(error_of([] { Tokenizer::from_json(R"({"format":"x"})", "tok.json"); }).find("not a descent tokenizer"),
            std::string::npos);
  const std::string bad_mode =
      R"({"format":"descent.tokenizer","version":1,"mode":"bpe","lowercase":true,"keep_punctuation":true,"ngram_range":[1,3]})";
  EXPECT_NE(error_of([&] { Tokenizer::from_json(bad_mode, "tok.json"); }).find("unknown tokenizer mode 'bpe'"),
            std::string::npos);
  const std::string bad_range =
      R"({"format":"descent.tokenizer","version":1,"mode":"word","lowercase":true,"keep_punctuation":true,"ngram_range":[5,1]})";
  EXPECT_NE(error_of([&] { Tokenizer::from_json(bad_range, "tok.json"); }).find("tok.json: Tokenizer: ngram_range"),
            std::string::npos);
}

TEST(Tokenizer, UnicodeNormalization) {
  const std::string composed = "caf\xC3\xA9", decomposed = "cafe\xCC\x81";  // é as U+00E9 and e + U+0301
  const std::string ligature = "\xEF\xAC\x81le", fullwidth = "\xEF\xBC\xA1\xEF\xBC\xA2";  // "ﬁle", "ＡＢ"
  auto tok = [](UnicodeNormalization n) { return Tokenizer(TokenizerOptions().normalization(n).lowercase(false)); };
  EXPECT_NE(tok(UnicodeNormalization::kNone).tokenize(decomposed), Tokens{composed});
  EXPECT_EQ(tok(UnicodeNormalization::kNFC).tokenize(decomposed), Tokens{composed});
  EXPECT_EQ(tok(UnicodeNormalization::kNFC).tokenize(composed), Tokens{composed});
  EXPECT_EQ(tok(UnicodeNormalization::kNFC).tokenize(ligature), Tokens{ligature});  // NFC keeps compatibility characters
  EXPECT_EQ(tok(UnicodeNormalization::kNFKC).tokenize(ligature), Tokens{"file"});
  EXPECT_EQ(tok(UnicodeNormalization::kNFKC).tokenize(fullwidth), Tokens{"AB"});
  EXPECT_EQ(normalize_unicode("x\xC2\xB2", UnicodeNormalization::kNFKC), "x2");
  EXPECT_EQ(normalize_unicode("", UnicodeNormalization::kNFC), "");
  // Character n-grams see one code point for é either way.
  const Tokenizer grams(TokenizerOptions().mode(TokenizerMode::kCharNgram).ngram_range(1, 1).normalization(UnicodeNormalization::kNFC));
  EXPECT_EQ(grams.tokenize(decomposed).size(), 4u);
  // Invalid UTF-8 is still an error naming the place.
  const std::string e = error_of([&] { tok(UnicodeNormalization::kNFKC).tokenize("ok\nba\xC3", "t.txt"); });
  EXPECT_NE(e.find("t.txt: line 2, column 3"), std::string::npos) << e;
  // Saved with the tokenizer; files written before the option existed mean none.
  EXPECT_EQ(Tokenizer::from_json(tok(UnicodeNormalization::kNFKC).to_json()).options().normalization_, UnicodeNormalization::kNFKC);
  const std::string old_file =
      R"({"format":"descent.tokenizer","version":1,"mode":"word","lowercase":true,"keep_punctuation":true,"ngram_range":[1,3]})";
  EXPECT_EQ(Tokenizer::from_json(old_file).options().normalization_, UnicodeNormalization::kNone);
  EXPECT_NE(error_of([&] {
              Tokenizer::from_json(old_file.substr(0, old_file.size() - 1) + R"(,"normalization":"nfd"})", "tok.json");
            }).find("unknown normalization 'nfd'"),
            std::string::npos);
}

TEST(Tokenizer, RandomBytesNeverCrash) {
  uint64_t s = 99;
  auto next = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  const std::vector<Tokenizer> toks = {Tokenizer(), Tokenizer(TokenizerOptions().mode(TokenizerMode::kCharacter)),
                                       Tokenizer(TokenizerOptions().mode(TokenizerMode::kCharNgram))};
  for (int iter = 0; iter < 2000; ++iter) {
    std::string t(size_t(next() % 40), '\0');
    for (char& c : t) c = char(next() % 4 == 0 ? next() : 0x20 + next() % 0x60);
    for (const auto& tok : toks) {
      try {
        for (const auto& w : tok.tokenize(t, "fuzz")) EXPECT_FALSE(find_invalid_utf8(w));
      } catch (const descent::Error& e) {
        EXPECT_NE(std::string(e.what()).find("invalid UTF-8"), std::string::npos) << e.what();
      }
    }
  }
}
