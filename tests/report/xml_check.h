// A minimal XML well-formedness check for the SVG the report writes: balanced and properly nested
// tags, quoted attributes, no raw '<' or stray '&' in text or attribute values. Not a full parser:
// enough to catch escaping bugs and broken markup.
#pragma once

#include <string>
#include <vector>

namespace descent::report::testing {

// Returns "" when `xml` is well formed, else a message with the byte offset of the problem.
inline std::string xml_problem(const std::string& xml, bool allow_doctype = false) {
  std::vector<std::string> stack;
  size_t i = 0, n = xml.size();
  auto at = [&](size_t p, const std::string& m) { return m + " at offset " + std::to_string(p); };
  auto check_entity = [&](size_t p) -> bool {
    // p points at '&': accept &name; and &#digits; / &#xhex;
    size_t semi = xml.find(';', p);
    if (semi == std::string::npos || semi - p > 10 || semi == p + 1) return false;
    std::string e = xml.substr(p + 1, semi - p - 1);
    if (e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos") return true;
    if (e[0] != '#') return false;
    for (size_t k = 1; k < e.size(); ++k)
      if (!isxdigit(static_cast<unsigned char>(e[k])) && !(k == 1 && e[k] == 'x')) return false;
    return e.size() > 1;
  };
  bool root_seen = false;
  while (i < n) {
    char c = xml[i];
    if (c == '&') {
      if (!check_entity(i)) return at(i, "bad entity");
      ++i;
      continue;
    }
    if (c != '<') {
      if (stack.empty() && !isspace(static_cast<unsigned char>(c)) && !allow_doctype) return at(i, "text outside the root");
      if (c == '>') return at(i, "raw '>' in text");
      ++i;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      size_t e = xml.find("-->", i + 4);
      if (e == std::string::npos) return at(i, "unterminated comment");
      i = e + 3;
      continue;
    }
    if (xml.compare(i, 2, "<?") == 0 || xml.compare(i, 2, "<!") == 0) {
      if (xml.compare(i, 2, "<!") == 0 && !allow_doctype) return at(i, "unexpected declaration");
      size_t e = xml.find('>', i);
      if (e == std::string::npos) return at(i, "unterminated declaration");
      i = e + 1;
      continue;
    }
    bool closing = i + 1 < n && xml[i + 1] == '/';
    size_t p = i + (closing ? 2 : 1);
    size_t name_start = p;
    while (p < n && (isalnum(static_cast<unsigned char>(xml[p])) || xml[p] == ':' || xml[p] == '-' || xml[p] == '_'))
      ++p;
    std::string name = xml.substr(name_start, p - name_start);
    if (name.empty()) return at(i, "empty tag name");
    if (closing) {
      while (p < n && isspace(static_cast<unsigned char>(xml[p]))) ++p;
      if (p >= n || xml[p] != '>') return at(p, "bad closing tag");
      if (stack.empty() || stack.back() != name)
        return at(i, "closing </" + name + "> does not match <" + (stack.empty() ? "" : stack.back()) + ">");
      stack.pop_back();
      i = p + 1;
      continue;
    }
    if (stack.empty() && root_seen && !allow_doctype) return at(i, "second root element");
    // Attributes: name="value" or name='value'.
    bool self_closing = false;
    std::vector<std::string> attrs;
    while (true) {
      while (p < n && isspace(static_cast<unsigned char>(xml[p]))) ++p;
      if (p >= n) return at(i, "unterminated tag <" + name);
      if (xml[p] == '>') {
        ++p;
        break;
      }
      if (xml[p] == '/' && p + 1 < n && xml[p + 1] == '>') {
        self_closing = true;
        p += 2;
        break;
      }
      size_t a = p;
      while (p < n && xml[p] != '=' && !isspace(static_cast<unsigned char>(xml[p])) && xml[p] != '>') ++p;
      std::string attr = xml.substr(a, p - a);
      if (attr.empty() || p >= n || xml[p] != '=') return at(a, "attribute without a value in <" + name);
      for (const auto& prev : attrs)
        if (prev == attr) return at(a, "duplicate attribute " + attr);
      attrs.push_back(attr);
      ++p;
      if (p >= n || (xml[p] != '"' && xml[p] != '\'')) return at(p, "unquoted attribute " + attr);
      char q = xml[p++];
      while (p < n && xml[p] != q) {
        if (xml[p] == '<') return at(p, "raw '<' in attribute " + attr);
        if (xml[p] == '&' && !check_entity(p)) return at(p, "bad entity in attribute " + attr);
        ++p;
      }
      if (p >= n) return at(a, "unterminated attribute " + attr);
      ++p;
    }
    root_seen = true;
    if (!self_closing) stack.push_back(name);
    i = p;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (!root_seen) return "no element";
  return "";
}

}  // namespace descent::report::testing
