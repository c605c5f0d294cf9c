// The text side of the charts (see svg.h): nice linear and log ticks, tick labels, XML escaping
// and base64, apart from the chart drawing in svg.cpp.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "descent/core/error.h"
#include "descent/report/svg.h"

namespace descent::report {

Ticks nice_ticks(double lo, double hi, int max_ticks, bool integer) {
  DESCENT_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, "nice_ticks: need finite lo <= hi, got [", lo,
                ", ", hi, "]");
  max_ticks = std::max(max_ticks, 2);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) {
    double pad = (lo == 0 || integer) ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / double(max_ticks - 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  bool no_quarter = integer && mag < 10;  // 2.5 (or 0.25) is not a whole-number step
  double nice = f <= 1 ? 1 : f <= 2 ? 2 : (f <= 2.5 && !no_quarter) ? 2.5 : f <= 5 ? 5 : 10;
  Ticks t;
  t.step = integer ? std::max(1.0, nice * mag) : nice * mag;
  // Tolerances keep data that sits exactly on a tick (up to rounding) from adding a tick.
  double a = std::floor(lo / t.step + 1e-9), b = std::ceil(hi / t.step - 1e-9);
  t.lo = a * t.step;
  t.hi = b * t.step;
  for (double k = a; k <= b + 0.5; k += 1) {
    double v = k * t.step;
    if (std::abs(v) < t.step * 1e-9) v = 0;
    t.values.push_back(v);
  }
  return t;
}

Ticks log_ticks(double lo, double hi) {
  DESCENT_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo > 0 && lo <= hi,
                "log_ticks: need finite 0 < lo <= hi, got [", lo, ", ", hi, "]");
  int a = int(std::floor(std::log10(lo) + 1e-9));
  int b = int(std::ceil(std::log10(hi) - 1e-9));
  if (b <= a) b = a + 1;
  Ticks t;
  t.step = 10;
  std::vector<double> all;
  bool fine = hi / lo < 100;  // under two decades: 1, 2, 5 steps
  for (int e = a; e <= b; ++e) {
    double p = std::pow(10.0, e);
    all.push_back(p);
    if (fine && e < b) {
      all.push_back(2 * p);
      all.push_back(5 * p);
    }
  }
  // Trim the fine ticks to the data range, keeping one enclosing tick each side.
  size_t first = 0, last = all.size() - 1;
  while (first + 1 < all.size() && all[first + 1] <= lo * (1 + 1e-9)) ++first;
  while (last > first + 1 && all[last - 1] >= hi * (1 - 1e-9)) --last;
  t.values.assign(all.begin() + long(first), all.begin() + long(last) + 1);
  t.lo = t.values.front();
  t.hi = t.values.back();
  return t;
}

std::string format_tick(double value, double step) {
  if (value == 0 || std::abs(value) < std::abs(step) * 1e-9) return "0";
  char buf[64];
  double av = std::abs(value), as = std::abs(step);
  if (av >= 1e6 || av < 1e-4) {
    std::snprintf(buf, sizeof buf, "%.3g", value);
    std::string s = buf;
    // "1e-05" -> "1e-5": shorter labels.
    auto e = s.find('e');
    if (e != std::string::npos) {
      std::string mant = s.substr(0, e), ex = s.substr(e + 1);
      bool neg = !ex.empty() && ex[0] == '-';
      size_t i = (ex[0] == '-' || ex[0] == '+') ? 1 : 0;
      while (i + 1 < ex.size() && ex[i] == '0') ++i;
      s = mant + "e" + (neg ? "-" : "") + ex.substr(i);
    }
    return s;
  }
  int decimals = 0;
  if (as > 0 && as < 1) decimals = std::min(10, int(std::ceil(-std::log10(as) - 1e-9)));
  // A step of 0.25 or 2.5 needs one more digit than its magnitude says.
  double scaled = as * std::pow(10.0, decimals);
  if (as > 0 && std::abs(scaled - std::round(scaled)) > 1e-6) ++decimals;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = text[i];
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += char(c);
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: copy a well-formed sequence, replace anything else by U+FFFD.
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && i + len <= text.size() && c >= 0xC2 && c <= 0xF4;
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      unsigned char c1 = text[i + 1];
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      unsigned char c1 = text[i + 1];
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  DESCENT_CHECK(text.size() % 4 == 0, "base64_decode: length ", text.size(), " is not a multiple of 4");
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + size_t(k)];
      bool last_quad = i + 4 == text.size();
      if (c == '=' && last_quad && k >= 2 && (k == 3 || text[i + 3] == '=')) {
        v[k] = 0;
        ++pad;
        continue;
      }
      v[k] = value(c);
      DESCENT_CHECK(v[k] >= 0 && pad == 0, "base64_decode: bad character at offset ", i + size_t(k));
    }
    uint32_t w = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
    out += char(w >> 16);
    if (pad < 2) out += char((w >> 8) & 255);
    if (pad < 1) out += char(w & 255);
  }
  return out;
}

}  // namespace descent::report
