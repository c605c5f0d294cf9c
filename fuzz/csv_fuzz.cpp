// libFuzzer target for the CSV reader. Any input must either parse or throw descent::Error; a crash,
// a sanitizer report, another exception type, a hang or an allocation above -malloc_limit_mb is a
// bug. The first byte picks the options (header or not, delimiter, blank lines, small limits), so
// the limit checks are reached with short inputs too. Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/error.h"
#include "descent/data/formats/csv.h"
#include "descent/data/formats/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace descent::data;
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  CsvOptions o;
  o.header((flags & 1) == 0).skip_blank_lines((flags & 2) == 0).delimiter((flags & 4) ? '\t' : ',');
  if (flags & 8) o.max_field_bytes(64).max_columns(8);
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    CsvReader csv = CsvReader::from_string(bytes, "fuzz.csv", o);
    std::vector<std::string> row;
    int64_t last_row = csv.row();
    while (csv.next(row)) {
      // Invariants of a returned row: as wide as the first one, valid UTF-8, rows counting up.
      if (csv.num_columns() != static_cast<int64_t>(row.size())) __builtin_trap();
      if (csv.row() != last_row + 1) __builtin_trap();
      last_row = csv.row();
      for (const auto& f : row) {
        if (find_invalid_utf8(f)) __builtin_trap();
        if ((flags & 8) && f.size() > 64) __builtin_trap();
      }
    }
  } catch (const descent::Error&) {
  }
  // A record written by csv_row parses back to the same fields (and never throws). The fuzzed field
  // comes second: a byte-order mark at the very start of a file is dropped by design.
  const std::vector<std::string> fields = {"x", bytes.substr(0, 16)};
  if (!find_invalid_utf8(fields[1])) {
    try {
      const CsvTable t = parse_csv(csv_row(fields), "round-trip.csv", CsvOptions().header(false));
      if (t.rows.size() != 1 || t.rows[0] != fields) __builtin_trap();
    } catch (const descent::Error&) {
      __builtin_trap();
    }
  }
  return 0;
}
