#pragma once
// UTF-8 text: validation and decoding (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF) and reading whole text files. Invalid bytes are a descent::Error naming the file, the
// line and column, and the byte offset; they are never replaced or skipped silently.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace descent::data {

/// Where and why some bytes stop being valid UTF-8.
struct Utf8Error {
  /// Byte offset of the first byte of the bad sequence.
  size_t offset = 0;
  /// 1-based line (lines end at LF, CR LF or a lone CR) and 1-based column in code points.
  int64_t line = 1;
  int64_t column = 1;
  /// What is wrong, e.g. "byte 0xff cannot start a sequence".
  std::string reason;
};

/// The first invalid UTF-8 sequence of text, or nullopt when all of it is valid.
std::optional<Utf8Error> find_invalid_utf8(std::string_view text);

/// Throws descent::Error "<name>: line L, column C (byte offset O): invalid UTF-8: <reason>" when
/// text is not valid UTF-8.
void check_utf8(std::string_view text, const std::string& name);

/// The code points of valid UTF-8 text (errors as check_utf8).
std::u32string decode_utf8(std::string_view text, const std::string& name = "<memory>");

/// Appends the UTF-8 form of a Unicode scalar value (surrogates and values above U+10FFFF are an Error).
void append_utf8(std::string& out, char32_t cp);

/// The UTF-8 form of code points.
std::string encode_utf8(std::u32string_view text);

/// Files larger than this are refused by read_text_file unless a larger limit is passed.
inline constexpr size_t kDefaultMaxTextFileBytes = size_t(256) << 20;

/// The contents of a UTF-8 text file (a leading byte-order mark is dropped). Errors name the file:
/// missing or unreadable, larger than max_bytes, or invalid UTF-8 (with line and column).
std::string read_text_file(const std::string& path, size_t max_bytes = kDefaultMaxTextFileBytes);

}  // namespace descent::data
