// Character classes and lowercase mappings from hand-written range tables (see text.h for what
// they cover). The ranges follow the general categories of Unicode 15's UnicodeData.txt for the
// blocks listed; within a block, rare code points of another category may be approximated by the
// block's main class (e.g. the letter-like symbols U+2100..U+214F all count as symbols).
#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "descent/core/error.h"
#include "descent/data/formats/text.h"
#include "descent/data/text.h"

namespace descent::data {
namespace {

struct Range {
  char32_t lo, hi;
  CharClass cls;
};

using C = CharClass;

// Sorted, non-overlapping ranges above U+007F. Anything not listed is a letter.
constexpr Range kRanges[] = {
    {0x0080, 0x0084, C::kIgnorable},
    {0x0085, 0x0085, C::kSpace},
    {0x0086, 0x009F, C::kIgnorable},
    {0x00A0, 0x00A0, C::kSpace},
    {0x00A1, 0x00A9, C::kPunctuation},
    {0x00AB, 0x00AC, C::kPunctuation},
    {0x00AD, 0x00AD, C::kIgnorable},  // soft hyphen
    {0x00AE, 0x00B4, C::kPunctuation},
    {0x00B6, 0x00B9, C::kPunctuation},
    {0x00BB, 0x00BF, C::kPunctuation},
    {0x00D7, 0x00D7, C::kPunctuation},
    {0x00F7, 0x00F7, C::kPunctuation},
    {0x02C2, 0x02C5, C::kPunctuation},
    {0x02D2, 0x02DF, C::kPunctuation},
    {0x02E5, 0x02EB, C::kPunctuation},
    {0x02ED, 0x02ED, C::kPunctuation},
    {0x02EF, 0x02FF, C::kPunctuation},
    {0x0300, 0x036F, C::kMark},
    {0x0375, 0x0375, C::kPunctuation},
    {0x037E, 0x037E, C::kPunctuation},  // Greek question mark
    {0x0384, 0x0385, C::kPunctuation},
    {0x0387, 0x0387, C::kPunctuation},
    {0x03F6, 0x03F6, C::kPunctuation},
    {0x0482, 0x0482, C::kPunctuation},
    {0x0483, 0x0489, C::kMark},
    {0x055A, 0x055F, C::kPunctuation},
    {0x0589, 0x058A, C::kPunctuation},
    {0x058D, 0x058F, C::kPunctuation},
    {0x0591, 0x05BD, C::kMark},
    {0x05BE, 0x05BE, C::kPunctuation},
    {0x05BF, 0x05BF, C::kMark},
    {0x05C0, 0x05C0, C::kPunctuation},
    {0x05C1, 0x05C2, C::kMark},
    {0x05C3, 0x05C3, C::kPunctuation},
    {0x05C4, 0x05C5, C::kMark},
    {0x05C6, 0x05C6, C::kPunctuation},
    {0x05C7, 0x05C7, C::kMark},
    {0x05F3, 0x05F4, C::kPunctuation},
    {0x0600, 0x0605, C::kIgnorable},
    {0x0606, 0x060F, C::kPunctuation},
    {0x0610, 0x061A, C::kMark},
    {0x061B, 0x061B, C::kPunctuation},
    {0x061C, 0x061C, C::kIgnorable},
    {0x061D, 0x061F, C::kPunctuation},
    {0x064B, 0x065F, C::kMark},
    {0x0660, 0x0669, C::kDigit},
    {0x066A, 0x066D, C::kPunctuation},
    {0x0670, 0x0670, C::kMark},
    {0x06D4, 0x06D4, C::kPunctuation},
    {0x06D6, 0x06DC, C::kMark},
    {0x06DD, 0x06DD, C::kIgnorable},
    {0x06DE, 0x06DE, C::kPunctuation},
    {0x06DF, 0x06E4, C::kMark},
    {0x06E7, 0x06E8, C::kMark},
    {0x06E9, 0x06E9, C::kPunctuation},
    {0x06EA, 0x06ED, C::kMark},
    {0x06F0, 0x06F9, C::kDigit},
    {0x06FD, 0x06FE, C::kPunctuation},
    {0x07C0, 0x07C9, C::kDigit},
    {0x0900, 0x0903, C::kMark},
    {0x093A, 0x093C, C::kMark},
    {0x093E, 0x094F, C::kMark},
    {0x0951, 0x0957, C::kMark},
    {0x0962, 0x0963, C::kMark},
    {0x0964, 0x0965, C::kPunctuation},
    {0x0966, 0x096F, C::kDigit},
    {0x0970, 0x0970, C::kPunctuation},
    {0x09E6, 0x09EF, C::kDigit},
    {0x0A66, 0x0A6F, C::kDigit},
    {0x0AE6, 0x0AEF, C::kDigit},
    {0x0B66, 0x0B6F, C::kDigit},
    {0x0BE6, 0x0BEF, C::kDigit},
    {0x0C66, 0x0C6F, C::kDigit},
    {0x0CE6, 0x0CEF, C::kDigit},
    {0x0D66, 0x0D6F, C::kDigit},
    {0x0E31, 0x0E31, C::kMark},
    {0x0E34, 0x0E3A, C::kMark},
    {0x0E3F, 0x0E3F, C::kPunctuation},
    {0x0E47, 0x0E4E, C::kMark},
    {0x0E4F, 0x0E4F, C::kPunctuation},
    {0x0E50, 0x0E59, C::kDigit},
    {0x0E5A, 0x0E5B, C::kPunctuation},
    {0x0F20, 0x0F29, C::kDigit},
    {0x1040, 0x1049, C::kDigit},
    {0x10FB, 0x10FB, C::kPunctuation},
    {0x1680, 0x1680, C::kSpace},
    {0x17E0, 0x17E9, C::kDigit},
    {0x180E, 0x180E, C::kIgnorable},
    {0x1810, 0x1819, C::kDigit},
    {0x1AB0, 0x1AFF, C::kMark},
    {0x1DC0, 0x1DFF, C::kMark},
    {0x1FBD, 0x1FBD, C::kPunctuation},
    {0x1FBF, 0x1FC1, C::kPunctuation},
    {0x1FCD, 0x1FCF, C::kPunctuation},
    {0x1FDD, 0x1FDF, C::kPunctuation},
    {0x1FED, 0x1FEF, C::kPunctuation},
    {0x1FFD, 0x1FFE, C::kPunctuation},
    {0x2000, 0x200B, C::kSpace},  // U+200B zero width space separates words
    {0x200C, 0x200F, C::kIgnorable},
    {0x2010, 0x2027, C::kPunctuation},
    {0x2028, 0x2029, C::kSpace},
    {0x202A, 0x202E, C::kIgnorable},
    {0x202F, 0x202F, C::kSpace},
    {0x2030, 0x205E, C::kPunctuation},
    {0x205F, 0x205F, C::kSpace},
    {0x2060, 0x206F, C::kIgnorable},
    {0x2070, 0x209F, C::kPunctuation},  // superscripts and subscripts (No, a few Lm)
    {0x20A0, 0x20CF, C::kPunctuation},  // currency
    {0x20D0, 0x20FF, C::kMark},
    {0x2100, 0x2BFF, C::kPunctuation},  // letterlike, number forms, arrows, math, technical, shapes, dingbats
    {0x2CF9, 0x2CFC, C::kPunctuation},
    {0x2CFE, 0x2CFF, C::kPunctuation},
    {0x2DE0, 0x2DFF, C::kMark},
    {0x2E00, 0x2E7F, C::kPunctuation},
    {0x2E80, 0x2FDF, C::kIdeograph},  // CJK and Kangxi radicals
    {0x2FF0, 0x2FFF, C::kPunctuation},
    {0x3000, 0x3000, C::kSpace},
    {0x3001, 0x3004, C::kPunctuation},
    {0x3007, 0x3007, C::kIdeograph},
    {0x3008, 0x3020, C::kPunctuation},
    {0x302A, 0x302F, C::kMark},
    {0x3030, 0x3030, C::kPunctuation},
    {0x3036, 0x3037, C::kPunctuation},
    {0x303D, 0x303F, C::kPunctuation},
    {0x3099, 0x309A, C::kMark},
    {0x309B, 0x309C, C::kPunctuation},
    {0x30A0, 0x30A0, C::kPunctuation},
    {0x30FB, 0x30FB, C::kPunctuation},
    {0x3190, 0x319F, C::kPunctuation},
    {0x31C0, 0x31EF, C::kPunctuation},
    {0x3200, 0x33FF, C::kPunctuation},  // enclosed CJK letters, CJK compatibility
    {0x3400, 0x4DBF, C::kIdeograph},    // extension A
    {0x4DC0, 0x4DFF, C::kPunctuation},  // Yijing hexagrams
    {0x4E00, 0x9FFF, C::kIdeograph},    // unified ideographs
    {0xA490, 0xA4C6, C::kPunctuation},
    {0xA620, 0xA629, C::kDigit},
    {0xA66F, 0xA672, C::kMark},
    {0xA674, 0xA67D, C::kMark},
    {0xA69E, 0xA69F, C::kMark},
    {0xA700, 0xA716, C::kPunctuation},
    {0xA720, 0xA721, C::kPunctuation},
    {0xA789, 0xA78A, C::kPunctuation},
    {0xA8D0, 0xA8D9, C::kDigit},
    {0xA900, 0xA909, C::kDigit},
    {0xA9D0, 0xA9D9, C::kDigit},
    {0xAA50, 0xAA59, C::kDigit},
    {0xABF0, 0xABF9, C::kDigit},
    {0xD800, 0xDFFF, C::kIgnorable},  // surrogates: never in valid UTF-8
    {0xE000, 0xF8FF, C::kPunctuation},  // private use
    {0xF900, 0xFAFF, C::kIdeograph},    // compatibility ideographs
    {0xFB1E, 0xFB1E, C::kMark},
    {0xFB29, 0xFB29, C::kPunctuation},
    {0xFD3E, 0xFD3F, C::kPunctuation},
    {0xFDFC, 0xFDFF, C::kPunctuation},
    {0xFE00, 0xFE0F, C::kMark},  // variation selectors
    {0xFE10, 0xFE19, C::kPunctuation},
    {0xFE20, 0xFE2F, C::kMark},
    {0xFE30, 0xFE6F, C::kPunctuation},
    {0xFEFF, 0xFEFF, C::kIgnorable},  // byte order mark
    {0xFF01, 0xFF0F, C::kPunctuation},
    {0xFF10, 0xFF19, C::kDigit},
    {0xFF1A, 0xFF20, C::kPunctuation},
    {0xFF3B, 0xFF40, C::kPunctuation},
    {0xFF5B, 0xFF65, C::kPunctuation},
    {0xFFE0, 0xFFEE, C::kPunctuation},
    {0xFFF0, 0xFFF8, C::kIgnorable},
    {0xFFF9, 0xFFFB, C::kIgnorable},
    {0xFFFC, 0xFFFF, C::kPunctuation},
    {0x104A0, 0x104A9, C::kDigit},
    {0x1D400, 0x1D7CD, C::kLetter},  // mathematical alphanumerics (letters)
    {0x1D7CE, 0x1D7FF, C::kDigit},
    {0x1F000, 0x1F3FA, C::kPunctuation},  // mahjong, dominoes, cards, enclosed, emoji
    {0x1F3FB, 0x1F3FF, C::kMark},         // skin tone modifiers stay with their emoji
    {0x1F400, 0x1FAFF, C::kPunctuation},
    {0x1FB00, 0x1FBEF, C::kPunctuation},
    {0x1FBF0, 0x1FBF9, C::kDigit},
    {0x20000, 0x323AF, C::kIdeograph},  // extensions B..H and the compatibility supplement
    {0xE0000, 0xE007F, C::kIgnorable},  // tags
    {0xE0100, 0xE01EF, C::kMark},       // variation selectors supplement
    {0xF0000, 0x10FFFF, C::kPunctuation},  // private use planes
};

constexpr std::array<CharClass, 128> make_ascii() {
  std::array<CharClass, 128> t{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) t[c] = C::kLetter;
    else if (c >= '0' && c <= '9') t[c] = C::kDigit;
    else if (c == ' ' || (c >= '\t' && c <= '\r')) t[c] = C::kSpace;
    else if (c < 0x20 || c == 0x7F) t[c] = C::kIgnorable;
    else t[c] = C::kPunctuation;
  }
  return t;
}
constexpr std::array<CharClass, 128> kAscii = make_ascii();

constexpr bool ranges_sorted() {
  for (size_t i = 1; i < std::size(kRanges); ++i)
    if (kRanges[i].lo <= kRanges[i - 1].hi || kRanges[i].lo > kRanges[i].hi) return false;
  return true;
}

}  // namespace

CharClass char_class(char32_t cp) {
  if (cp < 0x80) return kAscii[cp];
  // The last range starting at or below cp.
  const Range* end = std::end(kRanges);
  const Range* r = std::upper_bound(std::begin(kRanges), end, cp, [](char32_t v, const Range& x) { return v < x.lo; });
  if (r != std::begin(kRanges)) {
    --r;
    if (cp <= r->hi) return r->cls;
  }
  return C::kLetter;
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  // Latin-1
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c < 0x100) return c;
  // Latin Extended-A: pairs upper (even) / lower (odd), except where the parity flips.
  if (c <= 0x017F) {
    if (c == 0x0130) return 'i';
    if (c == 0x0178) return 0x00FF;
    if ((c >= 0x0100 && c <= 0x012F) || (c >= 0x0132 && c <= 0x0137) || (c >= 0x014A && c <= 0x0177))
      return (c % 2 == 0) ? c + 1 : c;
    if ((c >= 0x0139 && c <= 0x0148) || (c >= 0x0179 && c <= 0x017E)) return (c % 2 == 1) ? c + 1 : c;
    return c;
  }
  // Latin Extended-B (the regular parts).
  if (c <= 0x024F) {
    switch (c) {
      case 0x01C4: case 0x01C5: return 0x01C6;
      case 0x01C7: case 0x01C8: return 0x01C9;
      case 0x01CA: case 0x01CB: return 0x01CC;
      case 0x01F1: case 0x01F2: return 0x01F3;
      default: break;
    }
    if (c >= 0x01CD && c <= 0x01DC) return (c % 2 == 1) ? c + 1 : c;
    if ((c >= 0x01DE && c <= 0x01EF) || (c >= 0x01F8 && c <= 0x021F) || (c >= 0x0222 && c <= 0x0233) ||
        (c >= 0x0246 && c <= 0x024F))
      return (c % 2 == 0) ? c + 1 : c;
    return c;
  }
  // Greek and Coptic.
  if (c >= 0x0370 && c <= 0x03FF) {
    if ((c >= 0x0391 && c <= 0x03A1) || (c >= 0x03A3 && c <= 0x03AB)) return c + 0x20;
    switch (c) {
      case 0x0386: return 0x03AC;
      case 0x0388: return 0x03AD;
      case 0x0389: return 0x03AE;
      case 0x038A: return 0x03AF;
      case 0x038C: return 0x03CC;
      case 0x038E: return 0x03CD;
      case 0x038F: return 0x03CE;
      case 0x03CF: return 0x03D7;
      case 0x03F4: return 0x03B8;
      case 0x03F7: return 0x03F8;
      case 0x03F9: return 0x03F2;
      case 0x03FA: return 0x03FB;
      case 0x03FD: return 0x037B;
      case 0x03FE: return 0x037C;
      case 0x03FF: return 0x037D;
      case 0x0370: return 0x0371;
      case 0x0372: return 0x0373;
      case 0x0376: return 0x0377;
      case 0x037F: return 0x03F3;
      default: break;
    }
    if (c >= 0x03D8 && c <= 0x03EF) return (c % 2 == 0) ? c + 1 : c;
    return c;
  }
  // Cyrillic and Cyrillic Supplement.
  if (c >= 0x0400 && c <= 0x052F) {
    if (c <= 0x040F) return c + 0x50;
    if (c <= 0x042F) return c + 0x20;
    if ((c >= 0x0460 && c <= 0x0481) || (c >= 0x048A && c <= 0x04BF) || (c >= 0x04D0 && c <= 0x052F))
      return (c % 2 == 0) ? c + 1 : c;
    if (c == 0x04C0) return 0x04CF;
    if (c >= 0x04C1 && c <= 0x04CE) return (c % 2 == 1) ? c + 1 : c;
    return c;
  }
  // Armenian.
  if (c >= 0x0531 && c <= 0x0556) return c + 0x30;
  // Latin Extended Additional.
  if (c >= 0x1E00 && c <= 0x1EFF) {
    if (c == 0x1E9E) return 0x00DF;
    if (c <= 0x1E95 || c >= 0x1EA0) return (c % 2 == 0) ? c + 1 : c;
    return c;
  }
  // Greek Extended: capitals sit 8 above their small letters in most rows.
  if (c >= 0x1F00 && c <= 0x1FFF) {
    const char32_t row = c & 0xFFF0, col = c & 0xF;
    const bool upper_half = col >= 8;
    switch (row) {
      case 0x1F00: case 0x1F10: case 0x1F20: case 0x1F30: case 0x1F40: case 0x1F60:
      case 0x1F80: case 0x1F90: case 0x1FA0:
        if (upper_half && !((row == 0x1F10 || row == 0x1F40) && col >= 0xE)) return c - 8;
        return c;
      case 0x1F50:
        if (c == 0x1F59 || c == 0x1F5B || c == 0x1F5D || c == 0x1F5F) return c - 8;
        return c;
      default: break;
    }
    switch (c) {
      case 0x1FB8: case 0x1FB9: case 0x1FD8: case 0x1FD9: case 0x1FE8: case 0x1FE9: return c - 8;
      case 0x1FBA: return 0x1F70;
      case 0x1FBB: return 0x1F71;
      case 0x1FBC: return 0x1FB3;
      case 0x1FC8: return 0x1F72;
      case 0x1FC9: return 0x1F73;
      case 0x1FCA: return 0x1F74;
      case 0x1FCB: return 0x1F75;
      case 0x1FCC: return 0x1FC3;
      case 0x1FDA: return 0x1F76;
      case 0x1FDB: return 0x1F77;
      case 0x1FEA: return 0x1F7A;
      case 0x1FEB: return 0x1F7B;
      case 0x1FEC: return 0x1FE5;
      case 0x1FF8: return 0x1F78;
      case 0x1FF9: return 0x1F79;
      case 0x1FFA: return 0x1F7C;
      case 0x1FFB: return 0x1F7D;
      case 0x1FFC: return 0x1FF3;
      default: return c;
    }
  }
  if (c >= 0x2160 && c <= 0x216F) return c + 0x10;  // Roman numerals
  if (c >= 0x24B6 && c <= 0x24CF) return c + 0x1A;  // circled Latin letters
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;  // fullwidth Latin
  return c;
}

std::string to_lower(std::string_view text, const std::string& name) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : decode_utf8(text, name)) append_utf8(out, to_lower(cp));
  return out;
}

std::string normalize_unicode(std::string_view text, UnicodeNormalization form, const std::string& name) {
  if (auto bad = find_invalid_utf8(text)) {
    decode_utf8(text, name);  // its error names the line and column
    DESCENT_FAIL(name, ": invalid UTF-8: ", bad->reason);
  }
  if (form == UnicodeNormalization::kNone || text.empty()) return std::string(text);
  int options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  if (form == UnicodeNormalization::kNFKC) options |= UTF8PROC_COMPAT;
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          utf8proc_ssize_t(text.size()), &out, utf8proc_option_t(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  DESCENT_CHECK(n >= 0, name, ": Unicode normalisation failed: ", utf8proc_errmsg(n));
  return std::string(reinterpret_cast<const char*>(out), size_t(n));
}

static_assert(ranges_sorted(), "kRanges must be sorted and must not overlap");

}  // namespace descent::data
