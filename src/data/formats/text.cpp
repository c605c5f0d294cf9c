#include "descent/data/formats/text.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "descent/core/error.h"

namespace descent::data {
namespace {

std::string hex_byte(unsigned char b) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// Length of the valid sequence at p (1..4), or 0 with `reason` set.
size_t valid_sequence(const unsigned char* p, size_t n, std::string& reason) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates U+D800..U+DFFF
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong below U+10000
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    if (b0 >= 0x80 && b0 <= 0xBF) reason = "unexpected continuation byte " + hex_byte(b0);
    else if (b0 == 0xC0 || b0 == 0xC1) reason = "byte " + hex_byte(b0) + " starts an overlong encoding";
    else reason = "byte " + hex_byte(b0) + " cannot start a sequence";
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (k >= n) {
      reason = "sequence starting with " + hex_byte(b0) + " is cut off by the end of the text";
      return 0;
    }
    const unsigned char lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
    if (p[k] < lo_k || p[k] > hi_k) {
      if (p[k] >= 0x80 && p[k] <= 0xBF) {
        reason = "sequence " + hex_byte(b0) + " " + hex_byte(p[1]) + "... encodes " +
                 (b0 == 0xED ? "a UTF-16 surrogate" : b0 == 0xF4 ? "a value above U+10FFFF" : "an overlong form");
      } else {
        reason = "sequence starting with " + hex_byte(b0) + " is cut off by byte " + hex_byte(p[k]);
      }
      return 0;
    }
  }
  return len;
}

}  // namespace

std::optional<Utf8Error> find_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  int64_t line = 1, column = 1;
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        for (size_t k = 0; k < 8; ++k) {
          const unsigned char c = p[i + k];
          if (c == '\n' || (c == '\r' && (i + k + 1 >= n || p[i + k + 1] != '\n'))) {
            ++line;
            column = 1;
          } else if (c != '\r') {
            ++column;
          }
        }
        i += 8;
        continue;
      }
    }
    std::string reason;
    const size_t len = valid_sequence(p + i, n - i, reason);
    if (len == 0) return Utf8Error{i, line, column, reason};
    const unsigned char c = p[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= n || p[i + 1] != '\n'))) {
      ++line;
      column = 1;
    } else if (c != '\r') {
      ++column;
    }
    i += len;
  }
  return std::nullopt;
}

void check_utf8(std::string_view text, const std::string& name) {
  if (auto err = find_invalid_utf8(text))
    DESCENT_FAIL(name, ": line ", err->line, ", column ", err->column, " (byte offset ", err->offset,
                 "): invalid UTF-8: ", err->reason);
}

std::u32string decode_utf8(std::string_view text, const std::string& name) {
  check_utf8(text, name);
  std::u32string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out.push_back(b);
      i += 1;
    } else if (b < 0xE0) {
      out.push_back(char32_t(b & 0x1F) << 6 | (p[i + 1] & 0x3F));
      i += 2;
    } else if (b < 0xF0) {
      out.push_back(char32_t(b & 0x0F) << 12 | char32_t(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F));
      i += 3;
    } else {
      out.push_back(char32_t(b & 0x07) << 18 | char32_t(p[i + 1] & 0x3F) << 12 | char32_t(p[i + 2] & 0x3F) << 6 |
                    (p[i + 3] & 0x3F));
      i += 4;
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  DESCENT_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF), "append_utf8: U+", std::hex, uint32_t(cp),
                " is not a Unicode scalar value");
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

std::string read_text_file(const std::string& path, size_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  DESCENT_CHECK(fs::exists(path, ec), "read_text_file: ", path, ": no such file");
  DESCENT_CHECK(!fs::is_directory(path, ec), "read_text_file: ", path, ": is a folder, not a file");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  DESCENT_CHECK(f, "read_text_file: ", path, ": cannot open: ", std::strerror(errno));
  // Read in chunks rather than trusting the file size (pipes and /proc files report 0).
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const size_t k = std::fread(buf, 1, sizeof buf, f.get());
    DESCENT_CHECK(k == sizeof buf || !std::ferror(f.get()), "read_text_file: ", path,
                  ": read error: ", std::strerror(errno));
    DESCENT_CHECK(out.size() + k <= max_bytes, "read_text_file: ", path, ": larger than the limit of ", max_bytes,
                  " bytes");
    out.append(buf, k);
    if (k < sizeof buf) break;
  }
  if (out.size() >= 3 && out.compare(0, 3, "\xEF\xBB\xBF") == 0) out.erase(0, 3);
  check_utf8(out, path);
  return out;
}

}  // namespace descent::data
