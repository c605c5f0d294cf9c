// The CSV reader: RFC 4180 values, line endings, chunk boundaries, and every defect as an Error
// naming the file and the row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data_pipeline/data_test_util.h"
#include "descent/data/formats/csv.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::TempDir;
using data_test::write_bytes;
using Rows = std::vector<std::vector<std::string>>;

namespace {

Rows rows_of(const std::string& text, CsvOptions o = {}) { return parse_csv(text, "t.csv", o).rows; }

}  // namespace

TEST(Csv, PlainRowsWithHeader) {
  const CsvTable t = parse_csv("a,b,c\n1,2,3\n4,5,6\n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(t.rows, (Rows{{"1", "2", "3"}, {"4", "5", "6"}}));
  EXPECT_EQ(t.row_numbers, (std::vector<int64_t>{2, 3}));
}

TEST(Csv, QuotedFieldsWithCommasQuotesAndLineBreaks) {
  const std::string text =
      "id,text\r\n"
      "1,\"hello, world\"\r\n"
      "2,\"she said \"\"hi\"\"\"\r\n"
      "3,\"two\r\nlines\"\r\n"
      "4,\"\"\r\n"
      "5,\"a\nb\"\r\n";
  EXPECT_EQ(rows_of(text), (Rows{{"1", "hello, world"}, {"2", "she said \"hi\""}, {"3", "two\r\nlines"}, {"4", ""},
                                 {"5", "a\nb"}}));
}

TEST(Csv, LineEndingsLfCrlfAndLoneCrAndNoFinalNewline) {
  const Rows want = {{"1", "2"}, {"3", "4"}};
  EXPECT_EQ(rows_of("a,b\n1,2\n3,4\n"), want);
  EXPECT_EQ(rows_of("a,b\r\n1,2\r\n3,4\r\n"), want);
  EXPECT_EQ(rows_of("a,b\r1,2\r3,4\r"), want);
  EXPECT_EQ(rows_of("a,b\n1,2\n3,4"), want);
  EXPECT_EQ(rows_of("a,b\r\n1,2\n3,4\r"), want);
}

TEST(Csv, EmptyFieldsAndTrailingDelimiter) {
  EXPECT_EQ(rows_of("a,b,c\n,,\n1,,\n,\"\",3"), (Rows{{"", "", ""}, {"1", "", ""}, {"", "", "3"}}));
}

TEST(Csv, BlankLinesAreSkippedUnlessAsked) {
  EXPECT_EQ(rows_of("a\n\n1\n\r\n2\n\n"), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(rows_of("a\n1\n\n2\n", CsvOptions().skip_blank_lines(false)), (Rows{{"1"}, {""}, {"2"}}));
  // A quoted empty field is a row, not a blank line.
  EXPECT_EQ(rows_of("a\n\"\"\n"), (Rows{{""}}));
}

TEST(Csv, ByteOrderMarkIsDropped) {
  const CsvTable t = parse_csv("\xEF\xBB\xBFname,x\nq,1\n", "t.csv");
  EXPECT_EQ(t.header[0], "name");
}

TEST(Csv, NoHeaderAndOtherDelimiter) {
  const CsvTable t = parse_csv("1\t2\n\"a\tb\"\t3\n", "t.tsv", CsvOptions().header(false).delimiter('\t'));
  EXPECT_TRUE(t.header.empty());
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}, {"a\tb", "3"}}));
  EXPECT_EQ(t.row_numbers, (std::vector<int64_t>{1, 2}));
}

TEST(Csv, Utf8FieldsPassThrough) {
  EXPECT_EQ(rows_of("t\n\"Grüße, 世界 🙂\"\n"), (Rows{{"Grüße, 世界 🙂"}}));
}

TEST(Csv, StreamsAcrossChunkBoundaries) {
  // Records that straddle the 64 KiB read chunks: a quoted field with a doubled quote and a CR LF
  // exactly at the boundary must come out the same as when parsed from memory.
  TempDir dir;
  std::string text = "k,v\r\n";
  std::vector<std::vector<std::string>> want;
  for (int i = 0; i < 3000; ++i) {
    std::string v = std::string(size_t(i % 53), 'x') + "\"q\"" + (i % 7 == 0 ? "\r\nnext" : "");
    text += std::to_string(i) + "," + csv_escape(v) + "\r\n";
    want.push_back({std::to_string(i), v});
  }
  write_bytes(dir.file("big.csv"), text);
  const CsvTable t = read_csv(dir.file("big.csv"));
  EXPECT_EQ(t.rows, want);
  EXPECT_EQ(parse_csv(text).rows, want);
  // Move the boundary through a CR LF and a doubled quote one byte at a time.
  for (size_t pad = 65530; pad < 65540; ++pad) {
    std::string s = "a,b\n" + std::string(pad - 4, 'y');
    s += ",\"p\"\"q\"\r\nz,w\r\n";
    write_bytes(dir.file("edge.csv"), s);
    const CsvTable e = read_csv(dir.file("edge.csv"));
    ASSERT_EQ(e.rows.size(), 2u) << pad;
    EXPECT_EQ(e.rows[0][1], "p\"q") << pad;
    EXPECT_EQ(e.rows[1], (std::vector<std::string>{"z", "w"})) << pad;
  }
}

TEST(Csv, ReaderStreamsRowsAndReportsRowAndLine) {
  CsvReader csv = CsvReader::from_string("a,b\n1,\"x\ny\"\n\n2,z\n", "m.csv");
  EXPECT_EQ(csv.num_columns(), 2);
  EXPECT_EQ(csv.column_index("b"), 1);
  std::vector<std::string> row;
  ASSERT_TRUE(csv.next(row));
  EXPECT_EQ(csv.row(), 2);
  EXPECT_EQ(csv.line(), 2);
  ASSERT_TRUE(csv.next(row));
  EXPECT_EQ(row, (std::vector<std::string>{"2", "z"}));
  EXPECT_EQ(csv.row(), 3);
  EXPECT_EQ(csv.line(), 5);
  EXPECT_FALSE(csv.next(row));
  EXPECT_FALSE(csv.next(row));
}

TEST(Csv, EscapeRoundTrips) {
  const std::vector<std::string> fields = {"plain", "a,b", "q\"q", "line\nbreak", " padded ", "", "cr\rx"};
  const CsvTable t = parse_csv(csv_row({"1", "2", "3", "4", "5", "6", "7"}) + csv_row(fields), "t.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], fields);
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("x"), "x");
}

// ---- bad input ----

TEST(CsvErrors, RaggedRowsNameFileRowAndLine) {
  std::string e = error_of([] { parse_csv("a,b,c\n1,2,3\n4,5\n", "r.csv"); });
  EXPECT_NE(e.find("r.csv"), std::string::npos) << e;
  EXPECT_NE(e.find("row 3 (line 3)"), std::string::npos) << e;
  EXPECT_NE(e.find("has 2 fields but the header has 3"), std::string::npos) << e;
  e = error_of([] { parse_csv("a,b\n1,2,3\n", "r.csv"); });
  EXPECT_NE(e.find("row 2 (line 2): has 3 fields"), std::string::npos) << e;
  e = error_of([] { parse_csv("1,2\n3\n", "r.csv", CsvOptions().header(false)); });
  EXPECT_NE(e.find("row 2 (line 2): has 1 field but row 1 has 2"), std::string::npos) << e;
  // The line of a row after a multi-line field.
  e = error_of([] { parse_csv("a,b\n1,\"x\n\ny\"\n2\n", "r.csv"); });
  EXPECT_NE(e.find("row 3 (line 5)"), std::string::npos) << e;
}

TEST(CsvErrors, UnterminatedQuoteAtEndOfFile) {
  std::string e = error_of([] { parse_csv("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n", "u.csv"); });
  EXPECT_NE(e.find("u.csv: row 3 (line 3): column 2 ('b'): the quote opened on line 3 is never closed"),
            std::string::npos)
      << e;
  e = error_of([] { parse_csv("\"", "u.csv", CsvOptions().header(false)); });
  EXPECT_NE(e.find("never closed"), std::string::npos) << e;
}

TEST(CsvErrors, StrayQuotes) {
  std::string e = error_of([] { parse_csv("a,b\n1,ab\"c\n", "q.csv"); });
  EXPECT_NE(e.find("row 2 (line 2): column 2 ('b'): a quote inside an unquoted field"), std::string::npos) << e;
  e = error_of([] { parse_csv("a,b\n\"x\"y,2\n", "q.csv"); });
  EXPECT_NE(e.find("row 2 (line 2): column 1 ('a'): unexpected 'y' after a closing quote"), std::string::npos) << e;
}

TEST(CsvErrors, InvalidUtf8NamesRowColumnAndLine) {
  std::string e = error_of([] { parse_csv("a,b\n1,ok\n2,\"x\ny\xff\"\n", "bad.csv"); });
  EXPECT_NE(e.find("bad.csv: row 3 (line 3): column 2 ('b') (line 4): invalid UTF-8: byte 0xff"), std::string::npos)
      << e;
  e = error_of([] { parse_csv("a\n\xC0\xAF\n", "bad.csv"); });  // overlong '/'
  EXPECT_NE(e.find("overlong"), std::string::npos) << e;
  // Validation can be turned off for binary-ish data.
  EXPECT_EQ(parse_csv("a\n\xff\n", "bad.csv", CsvOptions().validate_utf8(false)).rows[0][0], "\xff");
}

TEST(CsvErrors, EmptyFilesMissingFilesAndFolders) {
  TempDir dir;
  write_bytes(dir.file("empty.csv"), "");
  std::string e = error_of([&] { read_csv(dir.file("empty.csv")); });
  EXPECT_NE(e.find("empty.csv: the file is empty (expected a header row)"), std::string::npos) << e;
  write_bytes(dir.file("blank.csv"), "\n\r\n\n");
  EXPECT_NE(error_of([&] { read_csv(dir.file("blank.csv")); }).find("the file is empty"), std::string::npos);
  EXPECT_TRUE(read_csv(dir.file("empty.csv"), CsvOptions().header(false)).rows.empty());
  write_bytes(dir.file("header_only.csv"), "a,b\n");
  EXPECT_TRUE(read_csv(dir.file("header_only.csv")).rows.empty());
  e = error_of([&] { read_csv(dir.file("nope.csv")); });
  EXPECT_NE(e.find("nope.csv: no such file"), std::string::npos) << e;
  e = error_of([&] { read_csv(dir.str()); });
  EXPECT_NE(e.find("is a folder"), std::string::npos) << e;
}

TEST(CsvErrors, ColumnLookup) {
  CsvReader csv = CsvReader::from_string("a,b,a\n", "h.csv");
  std::string e = error_of([&] { csv.column_index("zzz"); });
  EXPECT_NE(e.find("h.csv: no column named 'zzz'; the header has 'a', 'b', 'a'"), std::string::npos) << e;
  e = error_of([&] { csv.column_index("a"); });
  EXPECT_NE(e.find("names column 'a' twice (columns 1 and 3)"), std::string::npos) << e;
}

TEST(CsvErrors, LimitsStopHostileSizes) {
  // A 2 MiB field against a 1 MiB limit; a million fields against 65536.
  std::string e = error_of([] {
    parse_csv("a\n\"" + std::string(size_t(2) << 20, 'x') + "\"\n", "big.csv", CsvOptions().max_field_bytes(1 << 20));
  });
  EXPECT_NE(e.find("big.csv: row 2 (line 2): column 1 ('a'): field longer than 1048576 bytes"), std::string::npos)
      << e;
  e = error_of([] { parse_csv(std::string(1000000, ','), "wide.csv", CsvOptions().header(false)); });
  EXPECT_NE(e.find("wide.csv: row 1 (line 1): more than 65536 fields"), std::string::npos) << e;
  e = error_of([] { parse_csv("a\n" + std::string(2 << 20, 'u'), "big.csv", CsvOptions().max_field_bytes(1 << 20)); });
  EXPECT_NE(e.find("field longer than"), std::string::npos) << e;
  // A doubled quote counts too (found by fuzz/csv_fuzz): 64 bytes pass a 64-byte limit, 65 do not.
  const CsvOptions small = CsvOptions().max_field_bytes(64);
  EXPECT_EQ(parse_csv("a\n\"" + std::string(63, 'x') + "\"\"\"\n", "q.csv", small).rows[0][0].size(), 64u);
  e = error_of([&] { parse_csv("a\n\"" + std::string(64, 'x') + "\"\"\"\n", "q.csv", small); });
  EXPECT_NE(e.find("field longer than 64 bytes"), std::string::npos) << e;
}

TEST(CsvErrors, BadOptions) {
  EXPECT_NE(error_of([] { parse_csv("a", "o.csv", CsvOptions().delimiter('"')); }).find("must differ"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_csv("a", "o.csv", CsvOptions().delimiter('\n')); }).find("line breaks"),
            std::string::npos);
}

TEST(CsvErrors, RandomBytesNeverCrash) {
  // A deterministic mini-fuzz: mutations of a valid file either parse or throw descent::Error.
  const std::string base = "id,text,label\r\n1,\"a, \"\"b\"\"\",x\r\n2,\"line\nbreak\",y\r\n3,plain,z\r\n";
  uint64_t s = 12345;
  auto next = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  const char alphabet[] = {',', '"', '\n', '\r', 'a', '\xff', '\xc3', '\xa9', '\0', ' '};
  int parsed = 0, failed = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string t = base;
    const int edits = 1 + int(next() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t pos = next() % (t.size() + 1);
      const char c = alphabet[next() % sizeof alphabet];
      switch (next() % 3) {
        case 0: t.insert(t.begin() + long(pos), c); break;
        case 1: if (pos < t.size()) t.erase(pos, 1); break;
        default: if (pos < t.size()) t[pos] = c; break;
      }
    }
    try {
      parse_csv(t, "fuzz.csv");
      ++parsed;
    } catch (const descent::Error& e) {
      EXPECT_NE(std::string(e.what()).find("fuzz.csv"), std::string::npos) << e.what();
      ++failed;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}
