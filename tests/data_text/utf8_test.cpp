// UTF-8 validation and decoding, and reading text files.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/formats/text.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::TempDir;
using data_test::write_bytes;

// ---- UTF-8 ----

TEST(Utf8, ValidTextPasses) {
  EXPECT_FALSE(find_invalid_utf8(""));
  EXPECT_FALSE(find_invalid_utf8("plain ASCII, long enough for the fast path\n"));
  EXPECT_FALSE(find_invalid_utf8("é ß Ω Ж 世界 🙂 \xF4\x8F\xBF\xBF \xEF\xBF\xBF"));  // up to U+10FFFF
}

TEST(Utf8, EachKindOfInvalidSequence) {
  struct Case {
    std::string bytes, reason;
    size_t offset;
  };
  const std::vector<Case> cases = {
      {"ab\xff", "byte 0xff cannot start a sequence", 2},
      {"\x80", "unexpected continuation byte 0x80", 0},
      {"x\xC0\xAF", "byte 0xc0 starts an overlong encoding", 1},
      {"\xE0\x80\xAF", "encodes an overlong form", 0},
      {"\xF0\x80\x80\xAF", "encodes an overlong form", 0},
      {"\xED\xA0\x80", "encodes a UTF-16 surrogate", 0},
      {"\xF4\x90\x80\x80", "encodes a value above U+10FFFF", 0},
      {"\xF5\x80\x80\x80", "byte 0xf5 cannot start a sequence", 0},
      {"ok\xE4\xB8", "is cut off by the end of the text", 2},
      {"\xE4\xB8x", "is cut off by byte 0x78", 0},
  };
  for (const auto& c : cases) {
    const auto err = find_invalid_utf8(c.bytes);
    ASSERT_TRUE(err) << c.reason;
    EXPECT_EQ(err->offset, c.offset) << c.reason;
    EXPECT_NE(err->reason.find(c.reason), std::string::npos) << err->reason;
  }
}

TEST(Utf8, LineAndColumnOfTheBadByte) {
  const auto err = find_invalid_utf8("first line\r\nzweite Zeile\nthird é\xff");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line, 3);
  EXPECT_EQ(err->column, 8);  // in code points: "third é" is 7
  const std::string e = error_of([] { check_utf8("a\nb\xfe", "notes.txt"); });
  EXPECT_NE(e.find("notes.txt: line 2, column 2 (byte offset 3): invalid UTF-8: byte 0xfe"), std::string::npos) << e;
}

TEST(Utf8, DecodeEncodeRoundTrip) {
  const std::string s = "aé€🙂";
  const std::u32string cps = decode_utf8(s);
  EXPECT_EQ(cps, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F642}));
  EXPECT_EQ(encode_utf8(cps), s);
  EXPECT_NE(error_of([] { std::string o; append_utf8(o, 0xD800); }).find("not a Unicode scalar value"),
            std::string::npos);
  EXPECT_NE(error_of([] { std::string o; append_utf8(o, 0x110000); }).find("not a Unicode scalar value"),
            std::string::npos);
}

TEST(Utf8, ReadTextFile) {
  TempDir dir;
  write_bytes(dir.file("bom.txt"), "\xEF\xBB\xBFhello\n");
  EXPECT_EQ(read_text_file(dir.file("bom.txt")), "hello\n");
  write_bytes(dir.file("empty.txt"), "");
  EXPECT_EQ(read_text_file(dir.file("empty.txt")), "");
  write_bytes(dir.file("latin1.txt"), "caf\xe9\nna\xefve\n");
  std::string e = error_of([&] { read_text_file(dir.file("latin1.txt")); });
  EXPECT_NE(e.find("latin1.txt: line 1, column 4"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid UTF-8"), std::string::npos) << e;
  write_bytes(dir.file("big.txt"), std::string(100, 'x'));
  e = error_of([&] { read_text_file(dir.file("big.txt"), 99); });
  EXPECT_NE(e.find("big.txt: larger than the limit of 99 bytes"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { read_text_file(dir.file("missing.txt")); }).find("no such file"), std::string::npos);
  EXPECT_NE(error_of([&] { read_text_file(dir.str()); }).find("is a folder"), std::string::npos);
}
