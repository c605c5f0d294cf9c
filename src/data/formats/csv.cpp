#include "descent/data/formats/csv.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "descent/core/error.h"
#include "descent/data/formats/text.h"

namespace descent::data {

struct CsvReader::Impl {
  std::string name;
  CsvOptions opt;
  // Input: a file read in chunks, or bytes in memory.
  std::FILE* file = nullptr;
  std::vector<char> chunk;
  std::string memory;
  const char* pos = nullptr;
  const char* end = nullptr;

  std::vector<std::string> header;
  int64_t ncols = -1;
  int64_t row = 0;        // rows returned so far (the header included)
  int64_t line = 1;       // the line the next byte is on
  int64_t row_line = 0;   // the line where the last returned row starts

  ~Impl() {
    if (file) std::fclose(file);
  }

  bool refill() {
    if (!file) return false;
    const size_t k = std::fread(chunk.data(), 1, chunk.size(), file);
    DESCENT_CHECK(k == chunk.size() || !std::ferror(file), "csv: ", name, ": read error: ", std::strerror(errno));
    pos = chunk.data();
    end = pos + k;
    return k > 0;
  }
  int get() {
    if (pos == end && !refill()) return -1;
    return static_cast<unsigned char>(*pos++);
  }
  int peek() {
    if (pos == end && !refill()) return -1;
    return static_cast<unsigned char>(*pos);
  }

  void skip_bom() {
    if (pos == end) refill();
    if (end - pos >= 3 && std::memcmp(pos, "\xEF\xBB\xBF", 3) == 0) pos += 3;
  }

  std::string where(int64_t r, int64_t l) const { return detail::str_cat("csv: ", name, ": row ", r, " (line ", l, "): "); }
  std::string column_name(size_t k) const {
    std::string s = detail::str_cat("column ", k + 1);
    if (k < header.size()) s += " ('" + header[k] + "')";
    return s;
  }

  // Adds a byte to the field being read, within max_field_bytes.
  void append(const std::vector<std::string>& fields, std::string& field, char ch, int64_t r) {
    DESCENT_CHECK(field.size() < opt.max_field_bytes_, where(r, row_line), column_name(fields.size()),
                  ": field longer than ", opt.max_field_bytes_, " bytes (CsvOptions::max_field_bytes)");
    field.push_back(ch);
  }

  void finish_field(std::vector<std::string>& fields, std::string& field, int64_t field_line, int64_t r) {
    if (opt.validate_utf8_) {
      if (auto err = find_invalid_utf8(field))
        DESCENT_FAIL(where(r, row_line), column_name(fields.size()), " (line ", field_line + err->line - 1,
                     "): invalid UTF-8: ", err->reason);
    }
    DESCENT_CHECK(fields.size() < opt.max_columns_, where(r, row_line), "more than ", opt.max_columns_,
                  " fields (CsvOptions::max_columns)");
    fields.push_back(std::move(field));
    field.clear();
  }

  // Reads one record; false at the end of the input.
  bool next(std::vector<std::string>& fields) {
    enum State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
    for (;;) {
      fields.clear();
      const int64_t r = row + 1;
      row_line = line;
      State state = kFieldStart;
      std::string field;
      int64_t field_line = line, quote_line = line;
      bool content = false;  // any byte of this record other than its line break
      for (;;) {
        const int c = get();
        if (c < 0) {
          DESCENT_CHECK(state != kQuoted, where(r, row_line), column_name(fields.size()), ": the quote opened on line ",
                        quote_line, " is never closed (end of file reached)");
          if (!content) return false;
          finish_field(fields, field, field_line, r);
          break;
        }
        const char ch = static_cast<char>(c);
        if (state == kQuoted) {
          if (ch == opt.quote_) {
            state = kQuoteInQuoted;
          } else {
            if (ch == '\n' || (ch == '\r' && peek() != '\n')) ++line;
            append(fields, field, ch, r);
          }
          continue;
        }
        if (ch == '\n' || ch == '\r') {
          if (ch == '\r' && peek() == '\n') get();
          ++line;
          if (!content && fields.empty() && opt.skip_blank_lines_) break;
          finish_field(fields, field, field_line, r);
          break;
        }
        content = true;
        if (ch == opt.delimiter_) {
          finish_field(fields, field, field_line, r);
          field_line = line;
          state = kFieldStart;
          continue;
        }
        if (ch == opt.quote_) {
          if (state == kFieldStart) {
            state = kQuoted;
            quote_line = line;
          } else if (state == kQuoteInQuoted) {
            append(fields, field, ch, r);  // a doubled quote
            state = kQuoted;
          } else {
            DESCENT_FAIL(where(r, row_line), column_name(fields.size()),
                         ": a quote inside an unquoted field; quote the whole field and double the quote");
          }
          continue;
        }
        DESCENT_CHECK(state != kQuoteInQuoted, where(r, row_line), column_name(fields.size()), ": unexpected ",
                      (c >= 0x20 && c < 0x7F) ? detail::str_cat("'", ch, "'") : detail::str_cat("byte ", c),
                      " after a closing quote (expected the delimiter or the end of the line)");
        append(fields, field, ch, r);
        state = kUnquoted;
      }
      if (fields.empty()) continue;  // a blank line, skipped
      row = r;
      if (ncols < 0) {
        ncols = static_cast<int64_t>(fields.size());
      } else if (static_cast<int64_t>(fields.size()) != ncols) {
        DESCENT_FAIL(where(r, row_line), "has ", fields.size(), " field", fields.size() == 1 ? "" : "s", " but ",
                     header.empty() ? detail::str_cat("row 1 has ", ncols) : detail::str_cat("the header has ", ncols),
                     " (a ragged row; quote fields that contain the delimiter)");
      }
      return true;
    }
  }

  void check_options() const {
    const CsvOptions& o = opt;
    DESCENT_CHECK(o.delimiter_ != o.quote_ && o.delimiter_ != '\n' && o.delimiter_ != '\r' && o.quote_ != '\n' &&
                      o.quote_ != '\r',
                  "csv: ", name, ": the delimiter and the quote must differ and not be line breaks");
    DESCENT_CHECK(o.max_columns_ >= 1 && o.max_field_bytes_ >= 1, "csv: ", name,
                  ": max_columns and max_field_bytes must be at least 1");
  }

  void read_header() {
    skip_bom();
    if (!opt.header_) return;
    DESCENT_CHECK(next(header), "csv: ", name, ": the file is empty (expected a header row)");
  }
};

CsvReader::CsvReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CsvReader::CsvReader(const std::string& path, CsvOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->name = path;
  impl_->opt = options;
  impl_->check_options();
  std::error_code ec;
  DESCENT_CHECK(std::filesystem::exists(path, ec), "csv: ", path, ": no such file");
  DESCENT_CHECK(!std::filesystem::is_directory(path, ec), "csv: ", path, ": is a folder, not a file");
  impl_->file = std::fopen(path.c_str(), "rb");
  DESCENT_CHECK(impl_->file, "csv: ", path, ": cannot open: ", std::strerror(errno));
  impl_->chunk.resize(size_t(1) << 16);
  impl_->pos = impl_->end = impl_->chunk.data();
  impl_->read_header();
}

CsvReader CsvReader::from_string(std::string data, const std::string& name, CsvOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->opt = options;
  impl->check_options();
  impl->memory = std::move(data);
  impl->pos = impl->memory.data();
  impl->end = impl->pos + impl->memory.size();
  impl->read_header();
  return CsvReader(std::move(impl));
}

CsvReader::~CsvReader() = default;
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;

const std::vector<std::string>& CsvReader::header() const { return impl_->header; }

int64_t CsvReader::column_index(std::string_view column) const {
  const auto& h = impl_->header;
  DESCENT_CHECK(!h.empty(), "csv: ", impl_->name, ": no header, so no column is named '", column, "'");
  int64_t found = -1;
  for (size_t k = 0; k < h.size(); ++k) {
    if (h[k] != column) continue;
    DESCENT_CHECK(found < 0, "csv: ", impl_->name, ": the header names column '", column, "' twice (columns ",
                  found + 1, " and ", k + 1, ")");
    found = static_cast<int64_t>(k);
  }
  if (found < 0) {
    std::string names;
    for (size_t k = 0; k < h.size(); ++k) names += (k ? ", '" : "'") + h[k] + "'";
    DESCENT_FAIL("csv: ", impl_->name, ": no column named '", column, "'; the header has ", names);
  }
  return found;
}

int64_t CsvReader::num_columns() const { return impl_->ncols; }
bool CsvReader::next(std::vector<std::string>& fields) { return impl_->next(fields); }
int64_t CsvReader::row() const { return impl_->row; }
int64_t CsvReader::line() const { return impl_->row_line; }
const std::string& CsvReader::name() const { return impl_->name; }

namespace {
CsvTable read_all(CsvReader& csv) {
  CsvTable t;
  t.header = csv.header();
  std::vector<std::string> row;
  while (csv.next(row)) {
    t.rows.push_back(row);
    t.row_numbers.push_back(csv.row());
  }
  return t;
}
}  // namespace

CsvTable read_csv(const std::string& path, CsvOptions options) {
  CsvReader csv(path, options);
  return read_all(csv);
}

CsvTable parse_csv(std::string data, const std::string& name, CsvOptions options) {
  CsvReader csv = CsvReader::from_string(std::move(data), name, options);
  return read_all(csv);
}

std::string csv_escape(std::string_view field, char delimiter) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field)
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') quote = true;
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_row(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t k = 0; k < fields.size(); ++k) {
    if (k) out.push_back(delimiter);
    out += csv_escape(fields[k], delimiter);
  }
  out += "\r\n";
  return out;
}

}  // namespace descent::data
