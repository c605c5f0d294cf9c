#pragma once
// CSV as RFC 4180 defines it: fields separated by commas, records by CR LF (LF and a lone CR are
// accepted too); a field may be quoted with double quotes, and inside quotes a doubled quote is one
// quote and commas and line breaks are data. A UTF-8 byte-order mark at the start is dropped, and
// blank lines are skipped (as pandas does) unless CsvOptions::skip_blank_lines(false).
//
// The reader streams: it holds one record at a time and reads the file in 64 KiB chunks. Every
// defect is a descent::Error naming the file, the row and the line where that row starts:
//   - a row with more or fewer fields than the header (or than the first row without a header),
//   - a quote that is never closed (the row where it opened is named), a quote inside an unquoted
//     field, or anything but a comma or line break after a closing quote,
//   - a field that is not valid UTF-8 (with its column),
//   - a field longer than max_field_bytes or a row with more than max_columns fields, so that a
//     hostile file cannot make the reader allocate more than about those limits.
// Rows are numbered from 1 as a spreadsheet shows them: the header is row 1, the first data row is 2
// (blank lines that are skipped do not count; the line number tells where a row is in the file).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace descent::data {

/// Options of a CsvReader.
struct CsvOptions {
  /// The field separator (',' by default; '\t' for TSV). Must not be the quote or a line break.
  CsvOptions& delimiter(char v) { delimiter_ = v; return *this; }
  /// The quote character ('"').
  CsvOptions& quote(char v) { quote_ = v; return *this; }
  /// The first row is a header of column names (true).
  CsvOptions& header(bool v) { header_ = v; return *this; }
  /// Skip lines that are completely empty (true). A line holding only "" is a row with one empty field.
  CsvOptions& skip_blank_lines(bool v) { skip_blank_lines_ = v; return *this; }
  /// Check that every field is valid UTF-8 (true).
  CsvOptions& validate_utf8(bool v) { validate_utf8_ = v; return *this; }
  /// The longest field accepted, in bytes (16 MiB).
  CsvOptions& max_field_bytes(size_t v) { max_field_bytes_ = v; return *this; }
  /// The most fields a row may have (65536).
  CsvOptions& max_columns(size_t v) { max_columns_ = v; return *this; }

  char delimiter_ = ',';
  char quote_ = '"';
  bool header_ = true;
  bool skip_blank_lines_ = true;
  bool validate_utf8_ = true;
  size_t max_field_bytes_ = size_t(16) << 20;
  size_t max_columns_ = 65536;
};

/// Reads the records of a CSV file (or of bytes in memory) one at a time.
///
///   CsvReader csv("data.csv");
///   const int64_t text = csv.column_index("text");
///   std::vector<std::string> row;
///   while (csv.next(row)) use(row[text]);
class CsvReader {
 public:
  /// Opens a file and, with a header, reads it (an empty file is an Error then).
  explicit CsvReader(const std::string& path, CsvOptions options = {});
  /// Parses bytes held in memory; `name` stands for the file in error messages.
  static CsvReader from_string(std::string data, const std::string& name = "<memory>", CsvOptions options = {});
  ~CsvReader();
  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;

  /// The column names (empty without a header).
  const std::vector<std::string>& header() const;
  /// The position of a header column; an Error naming the file and the columns it has when absent.
  int64_t column_index(std::string_view column) const;
  /// Fields per row: the header's, or the first row's without a header (-1 before it is read).
  int64_t num_columns() const;
  /// Reads the next record into fields; false at the end of the file.
  bool next(std::vector<std::string>& fields);
  /// The row number (header = 1) of the record next() returned last.
  int64_t row() const;
  /// The line on which that record starts (1-based).
  int64_t line() const;
  /// The file name used in errors.
  const std::string& name() const;

 private:
  struct Impl;
  explicit CsvReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A whole CSV file in memory.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// The row number (as CsvReader::row) of each entry of rows.
  std::vector<int64_t> row_numbers;
};

/// Reads all records of a CSV file.
CsvTable read_csv(const std::string& path, CsvOptions options = {});
/// Parses CSV bytes held in memory; `name` stands for the file in error messages.
CsvTable parse_csv(std::string data, const std::string& name = "<memory>", CsvOptions options = {});

/// A field quoted for CSV when it needs to be (it holds the delimiter, a quote, CR or LF, or
/// starts or ends with a space), with quotes doubled.
std::string csv_escape(std::string_view field, char delimiter = ',');
/// One CSV record (fields escaped, joined with the delimiter, ended by "\r\n").
std::string csv_row(const std::vector<std::string>& fields, char delimiter = ',');

}  // namespace descent::data
