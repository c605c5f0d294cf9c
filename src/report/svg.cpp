// SVG charts: line, step, heat map, bar, scatter and image grid (see svg.h). Tick choice, tick
// labels, XML escaping and base64 live in svg_text.cpp.
#include "descent/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "descent/core/error.h"
#include "descent/data/formats/image.h"
#include "descent/ops/ops.h"

namespace descent::report {
namespace {

constexpr const char* kFont = "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\"";

// Coordinates with two decimals: enough for a screen and byte-identical across runs.
std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  // Trim trailing zeros ("12.50" -> "12.5", "3.00" -> "3") to keep the SVG small.
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

// A rough text width for layout: SVG cannot measure text, so use an average glyph width.
double text_width(std::string_view s, double font_size) {
  size_t glyphs = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++glyphs;
  return double(glyphs) * font_size * 0.6;
}

std::string svg_open(int width, int height) {
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << ' ' << height << "\" " << kFont << " font-size=\"12\">\n"
    << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"#ffffff\"/>\n";
  return o.str();
}

std::string text_el(double x, double y, std::string_view s, const char* anchor = "middle", double size = 12,
                    const std::string& extra = "") {
  std::ostringstream o;
  o << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" text-anchor=\"" << anchor << "\" font-size=\"" << num(size)
    << "\"" << (extra.empty() ? "" : " ") << extra << ">" << xml_escape(s) << "</text>\n";
  return o.str();
}

struct Frame {
  double left, top, right, bottom;  // plot area in pixels
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

struct Axis {
  Ticks ticks;
  bool log = false;
  // Maps a data value to [0, 1] along the axis.
  double unit(double v) const {
    if (log) {
      double a = std::log10(ticks.lo), b = std::log10(ticks.hi);
      return b > a ? (std::log10(v) - a) / (b - a) : 0.5;
    }
    return ticks.hi > ticks.lo ? (v - ticks.lo) / (ticks.hi - ticks.lo) : 0.5;
  }
};

Axis make_axis(double lo, double hi, bool log, int max_ticks, bool integer = false) {
  Axis a;
  a.log = log;
  if (!(lo <= hi)) {  // no finite data
    lo = log ? 1 : 0;
    hi = log ? 10 : 1;
  }
  a.ticks = log ? log_ticks(lo, hi) : nice_ticks(lo, hi, max_ticks, integer);
  return a;
}

std::string tick_label(const Axis& a, double v) {
  if (a.log) return format_tick(v, v);
  return format_tick(v, a.ticks.step);
}

// Title, grid lines, ticks, tick labels and axis labels around the frame.
std::string axes(const Frame& f, const Axis& xa, const Axis& ya, const ChartOptions& opts, bool x_ticks = true) {
  std::ostringstream o;
  if (!opts.title.empty()) o << text_el((f.left + f.right) / 2, 22, opts.title, "middle", 15, "font-weight=\"bold\"");
  o << "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n";
  for (double v : ya.ticks.values) {
    double y = f.bottom - ya.unit(v) * f.height();
    o << "<line x1=\"" << num(f.left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(f.right) << "\" y2=\"" << num(y)
      << "\"/>\n";
  }
  if (x_ticks)
    for (double v : xa.ticks.values) {
      double x = f.left + xa.unit(v) * f.width();
      o << "<line x1=\"" << num(x) << "\" y1=\"" << num(f.top) << "\" x2=\"" << num(x) << "\" y2=\"" << num(f.bottom)
        << "\"/>\n";
    }
  o << "</g>\n";
  o << "<rect x=\"" << num(f.left) << "\" y=\"" << num(f.top) << "\" width=\"" << num(f.width()) << "\" height=\""
    << num(f.height()) << "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  for (double v : ya.ticks.values) {
    double y = f.bottom - ya.unit(v) * f.height();
    o << "<line x1=\"" << num(f.left - 5) << "\" y1=\"" << num(y) << "\" x2=\"" << num(f.left) << "\" y2=\"" << num(y)
      << "\" stroke=\"#333333\"/>\n";
    o << text_el(f.left - 8, y + 4, tick_label(ya, v), "end", 11);
  }
  if (x_ticks)
    for (double v : xa.ticks.values) {
      double x = f.left + xa.unit(v) * f.width();
      o << "<line x1=\"" << num(x) << "\" y1=\"" << num(f.bottom) << "\" x2=\"" << num(x) << "\" y2=\""
        << num(f.bottom + 5) << "\" stroke=\"#333333\"/>\n";
      o << text_el(x, f.bottom + 18, tick_label(xa, v), "middle", 11);
    }
  if (!opts.x_label.empty()) o << text_el((f.left + f.right) / 2, f.bottom + 38, opts.x_label, "middle", 12);
  if (!opts.y_label.empty()) {
    double cx = 16, cy = (f.top + f.bottom) / 2;
    o << text_el(cx, cy, opts.y_label, "middle", 12,
                 "transform=\"rotate(-90 " + num(cx) + " " + num(cy) + ")\"");
  }
  return o.str();
}

// Legend entries at the right of the frame: a colour swatch (line or dot) and the name.
std::string legend(const Frame& f, const std::vector<std::string>& names, bool dots) {
  std::ostringstream o;
  double x = f.right + 12, y = f.top + 6;
  for (size_t i = 0; i < names.size(); ++i) {
    double yy = y + double(i) * 18;
    if (dots)
      o << "<circle cx=\"" << num(x + 9) << "\" cy=\"" << num(yy + 6) << "\" r=\"4\" fill=\"" << series_color(i)
        << "\"/>\n";
    else
      o << "<line x1=\"" << num(x) << "\" y1=\"" << num(yy + 6) << "\" x2=\"" << num(x + 18) << "\" y2=\""
        << num(yy + 6) << "\" stroke=\"" << series_color(i) << "\" stroke-width=\"2.5\"/>\n";
    o << text_el(x + 24, yy + 10, names[i], "start", 11);
  }
  return o.str();
}

double legend_width(const std::vector<std::string>& names) {
  double w = 0;
  for (const auto& n : names) w = std::max(w, text_width(n, 11));
  return names.empty() ? 0 : std::min(w, 200.0) + 44;
}

Frame make_frame(const ChartOptions& opts, double right_extra) {
  Frame f;
  f.left = opts.y_label.empty() ? 56 : 72;
  f.top = opts.title.empty() ? 16 : 38;
  f.right = double(opts.width) - 16 - right_extra;
  f.bottom = double(opts.height) - (opts.x_label.empty() ? 32 : 50);
  DESCENT_CHECK(f.right - f.left >= 40 && f.bottom - f.top >= 40, "report chart: size ", opts.width, "x",
                opts.height, " is too small for its margins and legend");
  return f;
}

std::vector<double> x_of(const Series& s) {
  if (!s.x.empty()) {
    DESCENT_CHECK(s.x.size() == s.y.size(), "report series '", s.name, "': x has ", s.x.size(), " values, y has ",
                  s.y.size());
    return s.x;
  }
  std::vector<double> x(s.y.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = double(i);
  return x;
}

bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

void extend(double v, double& lo, double& hi) {
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string close_svg(std::ostringstream& o) {
  o << "</svg>\n";
  return o.str();
}

// Interpolates between two RGB colours; t in [0, 1].
std::string mix(int r0, int g0, int b0, int r1, int g1, int b1, double t) {
  t = std::clamp(t, 0.0, 1.0);
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", int(std::lround(r0 + (r1 - r0) * t)),
                int(std::lround(g0 + (g1 - g0) * t)), int(std::lround(b0 + (b1 - b0) * t)));
  return buf;
}

// Sequential blue scale (light to dark), as used for confusion matrices.
std::string heat_color(double t) {
  if (t < 0.5) return mix(0xf7, 0xfb, 0xff, 0x6b, 0xae, 0xd6, t * 2);
  return mix(0x6b, 0xae, 0xd6, 0x08, 0x30, 0x6b, (t - 0.5) * 2);
}

std::string shorten(const std::string& s, double max_width, double font_size) {
  if (text_width(s, font_size) <= max_width) return s;
  size_t keep = size_t(std::max(1.0, max_width / (font_size * 0.6) - 1));
  std::string out;
  size_t glyphs = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if ((c & 0xC0) != 0x80) {
      if (glyphs == keep) break;
      ++glyphs;
    }
    out += char(c);
  }
  return out + "\xE2\x80\xA6";
}

// Word-wraps s into at most max_lines lines of about max_width pixels; the last line is shortened
// with an ellipsis when the text does not fit.
std::vector<std::string> wrap(const std::string& s, double max_width, double font_size, size_t max_lines) {
  std::vector<std::string> lines;
  std::string rest = s;
  while (!rest.empty() && lines.size() + 1 < max_lines && text_width(rest, font_size) > max_width) {
    // The last space at which the head fits; none: break at the first space, if any.
    // A break right after a " / " separator ("pred: Coat / true: Shirt") wins over a fuller line.
    size_t cut = std::string::npos, slash_cut = std::string::npos;
    for (size_t p = rest.find(' '); p != std::string::npos; p = rest.find(' ', p + 1)) {
      if (text_width(rest.substr(0, p), font_size) > max_width) break;
      cut = p;
      if (p >= 2 && rest.compare(p - 2, 2, " /") == 0) slash_cut = p;
    }
    if (slash_cut != std::string::npos) cut = slash_cut;
    if (cut == std::string::npos) cut = rest.find(' ');
    if (cut == std::string::npos) break;
    lines.push_back(rest.substr(0, cut));
    rest = rest.substr(cut + 1);
  }
  lines.push_back(shorten(rest, max_width, font_size));
  for (auto& l : lines) l = shorten(l, max_width, font_size);
  return lines;
}

}  // namespace

std::string series_color(size_t i) {
  static const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kPalette[i % 10];
}

std::string line_chart(const std::vector<Series>& series, const ChartOptions& opts) {
  double xlo = kInf, xhi = -kInf, ylo = kInf, yhi = -kInf;
  std::vector<std::vector<double>> xs;
  std::vector<std::string> names;
  for (const auto& s : series) {
    xs.push_back(x_of(s));
    names.push_back(s.name);
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!std::isfinite(xs.back()[i]) || !usable(s.y[i], opts.log_y)) continue;
      extend(xs.back()[i], xlo, xhi);
      extend(s.y[i], ylo, yhi);
    }
  }
  // Whole-number x (epochs) gets whole-number ticks: no "epoch 1.5".
  bool integer_x = true;
  for (const auto& x : xs)
    for (double v : x)
      if (std::isfinite(v) && v != std::round(v)) integer_x = false;
  Frame f = make_frame(opts, legend_width(names));
  Axis xa = make_axis(xlo, xhi, false, std::max(2, int(f.width() / 70)), integer_x);
  Axis ya = make_axis(ylo, yhi, opts.log_y, std::max(2, int(f.height() / 50)));
  std::ostringstream o;
  o << svg_open(opts.width, opts.height) << axes(f, xa, ya, opts);
  if (xlo > xhi) o << text_el((f.left + f.right) / 2, (f.top + f.bottom) / 2, "no data", "middle", 13, "fill=\"#888888\"");
  for (size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    const auto& x = xs[si];
    std::string d;
    bool pen_down = false;
    double prev_y = 0;
    std::vector<std::pair<double, double>> dots;
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!std::isfinite(x[i]) || !usable(s.y[i], opts.log_y)) {
        pen_down = false;
        continue;
      }
      double px = f.left + xa.unit(x[i]) * f.width();
      double py = f.bottom - ya.unit(s.y[i]) * f.height();
      if (!pen_down) {
        d += (d.empty() ? "M" : " M") + num(px) + " " + num(py);
      } else if (opts.step) {
        d += " H" + num(px);
        if (py != prev_y) d += " V" + num(py);
      } else {
        d += " L" + num(px) + " " + num(py);
      }
      pen_down = true;
      prev_y = py;
      dots.emplace_back(px, py);
    }
    if (!d.empty())
      o << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << series_color(si)
        << "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
    // A lone point would be invisible as a path: always mark it.
    if (opts.markers || dots.size() == 1)
      for (auto [px, py] : dots)
        o << "<circle cx=\"" << num(px) << "\" cy=\"" << num(py) << "\" r=\"3\" fill=\"" << series_color(si) << "\"/>\n";
  }
  o << legend(f, names, false);
  return close_svg(o);
}

std::string step_chart(const Series& series, ChartOptions opts) {
  opts.step = true;
  return line_chart({series}, opts);
}

std::string heat_map(const std::vector<std::vector<double>>& values, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& col_labels, const ChartOptions& opts) {
  size_t rows = values.size(), cols = rows ? values[0].size() : 0;
  for (const auto& r : values)
    DESCENT_CHECK(r.size() == cols, "heat_map: rows have different lengths (", cols, " and ", r.size(), ")");
  DESCENT_CHECK(row_labels.empty() || row_labels.size() == rows, "heat_map: ", row_labels.size(),
                " row labels for ", rows, " rows");
  DESCENT_CHECK(col_labels.empty() || col_labels.size() == cols, "heat_map: ", col_labels.size(),
                " column labels for ", cols, " columns");
  double vmin = 0, vmax = 0;
  for (const auto& r : values)
    for (double v : r)
      if (std::isfinite(v)) extend(v, vmin, vmax);
  double row_label_w = 0;
  for (const auto& l : row_labels) row_label_w = std::max(row_label_w, text_width(l, 11));
  double col_label_h = 0;
  for (const auto& l : col_labels) col_label_h = std::max(col_label_h, text_width(l, 11));
  row_label_w = std::min(row_label_w, 160.0);
  col_label_h = std::min(col_label_h, 120.0) * 0.71 + 6;  // labels are rotated by 45 degrees
  double left = (opts.y_label.empty() ? 12 : 34) + row_label_w + 8;
  double top = (opts.title.empty() ? 12 : 38);
  double bottom_space = col_label_h + 14 + (opts.x_label.empty() ? 0 : 24);
  double bar_w = 80;  // colour bar and its labels
  double avail_w = double(opts.width) - left - bar_w - 12, avail_h = double(opts.height) - top - bottom_space - 8;
  DESCENT_CHECK(avail_w >= 20 && avail_h >= 20, "heat_map: size ", opts.width, "x", opts.height,
                " is too small for the labels");
  double cell = (rows && cols) ? std::min(avail_w / double(cols), avail_h / double(rows)) : 0;
  cell = std::min(cell, 64.0);
  double grid_w = cell * double(cols), grid_h = cell * double(rows);
  // Square cells rarely fill both directions: drop the unused height.
  double used_h = top + std::max(grid_h, 40.0) + bottom_space + 8;
  std::ostringstream o;
  o << svg_open(opts.width, std::min(opts.height, int(std::ceil(used_h))));
  if (!opts.title.empty()) o << text_el(left + grid_w / 2, 22, opts.title, "middle", 15, "font-weight=\"bold\"");
  double span = vmax > vmin ? vmax - vmin : 1;
  std::vector<double> row_sum(rows, 0);
  for (size_t r = 0; r < rows; ++r)
    for (double v : values[r])
      if (std::isfinite(v)) row_sum[r] += std::abs(v);
  double font = std::clamp(cell * 0.32, 7.0, 13.0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      double v = values[r][c];
      double t = !std::isfinite(v)        ? 0
                 : opts.normalize_rows ? (row_sum[r] > 0 ? std::abs(v) / row_sum[r] : 0)
                                       : (v - vmin) / span;
      double x = left + double(c) * cell, y = top + double(r) * cell;
      o << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(cell) << "\" height=\"" << num(cell)
        << "\" fill=\"" << (std::isfinite(v) ? heat_color(t) : std::string("#dddddd")) << "\" stroke=\"#ffffff\""
        << " stroke-width=\"0.5\"><title>" << xml_escape(r < row_labels.size() ? row_labels[r] : std::to_string(r))
        << " / " << xml_escape(c < col_labels.size() ? col_labels[c] : std::to_string(c)) << ": "
        << xml_escape(format_tick(v, v == std::round(v) ? 1 : 0.01)) << "</title></rect>\n";
      if (opts.cell_values && cell >= 14)
        o << text_el(x + cell / 2, y + cell / 2 + font * 0.35, std::isfinite(v) ? format_tick(v, v == std::round(v) ? 1 : 0.01) : "nan",
                     "middle", font, std::string("fill=\"") + (t > 0.55 ? "#ffffff" : "#222222") + "\"");
    }
  }
  o << "<rect x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\"" << num(grid_w) << "\" height=\""
    << num(grid_h) << "\" fill=\"none\" stroke=\"#333333\"/>\n";
  for (size_t r = 0; r < rows && r < row_labels.size(); ++r)
    o << text_el(left - 6, top + (double(r) + 0.5) * cell + 4, shorten(row_labels[r], 160, 11), "end", 11);
  for (size_t c = 0; c < cols && c < col_labels.size(); ++c) {
    double x = left + (double(c) + 0.5) * cell + 4, y = top + grid_h + 8;
    o << text_el(x, y, shorten(col_labels[c], 120, 11), "end", 11,
                 "transform=\"rotate(-45 " + num(x) + " " + num(y) + ")\"");
  }
  if (!opts.x_label.empty()) o << text_el(left + grid_w / 2, top + grid_h + col_label_h + 22, opts.x_label, "middle", 12);
  if (!opts.y_label.empty()) {
    double cx = 14, cy = top + grid_h / 2;
    o << text_el(cx, cy, opts.y_label, "middle", 12, "transform=\"rotate(-90 " + num(cx) + " " + num(cy) + ")\"");
  }
  // Colour bar: 20 bands from vmin (bottom) to vmax (top), with the two end values.
  double bx = left + grid_w + 16, bh = std::max(grid_h, 40.0);
  for (int k = 0; k < 20; ++k) {
    double t0 = double(k) / 20;
    o << "<rect x=\"" << num(bx) << "\" y=\"" << num(top + bh * (1 - t0 - 0.05)) << "\" width=\"14\" height=\""
      << num(bh / 20 + 0.5) << "\" fill=\"" << heat_color(t0 + 0.025) << "\"/>\n";
  }
  o << "<rect x=\"" << num(bx) << "\" y=\"" << num(top) << "\" width=\"14\" height=\"" << num(bh)
    << "\" fill=\"none\" stroke=\"#333333\"/>\n";
  if (opts.normalize_rows) {
    o << text_el(bx + 18, top + 10, "100%", "start", 10);
    o << text_el(bx + 18, top + bh, "0%", "start", 10);
    double cx = bx + 36, cy = top + bh / 2;
    o << text_el(cx, cy, "share of row", "middle", 10, "transform=\"rotate(90 " + num(cx) + " " + num(cy) + ")\"");
  } else {
    o << text_el(bx + 18, top + 10, format_tick(vmax, vmax == std::round(vmax) ? 1 : 0.01), "start", 10);
    o << text_el(bx + 18, top + bh, format_tick(vmin, vmin == std::round(vmin) ? 1 : 0.01), "start", 10);
  }
  return close_svg(o);
}

std::string confusion_matrix_chart(const std::vector<std::vector<int64_t>>& counts,
                                   const std::vector<std::string>& class_names, ChartOptions opts) {
  std::vector<std::vector<double>> v(counts.size());
  for (size_t r = 0; r < counts.size(); ++r) v[r].assign(counts[r].begin(), counts[r].end());
  if (opts.x_label.empty()) opts.x_label = "predicted";
  if (opts.y_label.empty()) opts.y_label = "true";
  return heat_map(v, class_names, class_names, opts);
}

std::string bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                      const ChartOptions& opts) {
  std::vector<std::string> names;
  double lo = 0, hi = -kInf;
  for (const auto& s : series) {
    DESCENT_CHECK(s.y.size() == categories.size(), "bar_chart: series '", s.name, "' has ", s.y.size(),
                  " values for ", categories.size(), " categories");
    names.push_back(s.name);
    for (double v : s.y)
      if (std::isfinite(v)) extend(v, lo, hi);
  }
  if (opts.y_min < opts.y_max) {
    lo = opts.y_min;
    hi = opts.y_max;
  }
  double label_h = 0;
  for (const auto& c : categories) label_h = std::max(label_h, text_width(c, 11));
  label_h = std::min(label_h, 110.0);
  ChartOptions o2 = opts;
  Frame f = make_frame(o2, legend_width(names));
  f.bottom -= std::max(0.0, label_h * 0.71 - 10);  // rotated category labels
  DESCENT_CHECK(f.bottom - f.top >= 40, "bar_chart: height ", opts.height, " is too small for the category labels");
  Axis xa;  // unused: categories have no numeric ticks
  Axis ya = make_axis(lo, hi, false, std::max(2, int(f.height() / 50)));
  std::ostringstream o;
  o << svg_open(opts.width, opts.height);
  ChartOptions no_x = opts;
  no_x.x_label.clear();
  o << axes(f, xa, ya, no_x, false);
  size_t n = categories.size(), k = series.size();
  double group = n ? f.width() / double(n) : 0;
  double bar = k ? group * 0.8 / double(k) : 0;
  double zero_y = f.bottom - ya.unit(std::clamp(0.0, ya.ticks.lo, ya.ticks.hi)) * f.height();
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = 0; i < k; ++i) {
      double v = series[i].y[j];
      if (!std::isfinite(v)) continue;
      double vy = f.bottom - ya.unit(std::clamp(v, ya.ticks.lo, ya.ticks.hi)) * f.height();
      double x = f.left + group * double(j) + group * 0.1 + bar * double(i);
      o << "<rect x=\"" << num(x) << "\" y=\"" << num(std::min(vy, zero_y)) << "\" width=\"" << num(bar)
        << "\" height=\"" << num(std::abs(zero_y - vy)) << "\" fill=\"" << series_color(i) << "\"><title>"
        << xml_escape(categories[j]) << " " << xml_escape(series[i].name) << ": " << format_tick(v, 0.001)
        << "</title></rect>\n";
    }
    double cx = f.left + group * (double(j) + 0.5) + 4, cy = f.bottom + 12;
    o << text_el(cx, cy, shorten(categories[j], 110, 11), "end", 11,
                 "transform=\"rotate(-45 " + num(cx) + " " + num(cy) + ")\"");
  }
  if (!opts.x_label.empty()) o << text_el((f.left + f.right) / 2, double(opts.height) - 10, opts.x_label, "middle", 12);
  o << legend(f, names, false);
  return close_svg(o);
}

namespace {

std::string scatter_impl(const std::vector<double>& x, const std::vector<double>& y, const std::vector<int64_t>* groups,
                         const std::vector<std::string>& group_names, const ChartOptions& opts) {
  DESCENT_CHECK(x.size() == y.size(), "scatter: x has ", x.size(), " values, y has ", y.size());
  if (groups) DESCENT_CHECK(groups->size() == x.size(), "scatter: ", groups->size(), " groups for ", x.size(), " points");
  double xlo = kInf, xhi = -kInf, ylo = kInf, yhi = -kInf;
  int64_t max_group = -1;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !usable(y[i], opts.log_y)) continue;
    extend(x[i], xlo, xhi);
    extend(y[i], ylo, yhi);
    if (groups) {
      DESCENT_CHECK((*groups)[i] >= 0, "cluster_scatter: group ", (*groups)[i], " of point ", i, " is negative");
      max_group = std::max(max_group, (*groups)[i]);
    }
  }
  if (opts.identity_line && xlo <= xhi && !opts.log_y) {
    // Predicted vs true: the same range on both axes so y = x is the diagonal.
    xlo = ylo = std::min(xlo, ylo);
    xhi = yhi = std::max(xhi, yhi);
  }
  std::vector<std::string> names;
  for (int64_t g = 0; g <= max_group; ++g)
    names.push_back(size_t(g) < group_names.size() ? group_names[size_t(g)] : std::to_string(g));
  Frame f = make_frame(opts, legend_width(names));
  Axis xa = make_axis(xlo, xhi, false, std::max(2, int(f.width() / 70)));
  Axis ya = make_axis(ylo, yhi, opts.log_y, std::max(2, int(f.height() / 50)));
  std::ostringstream o;
  o << svg_open(opts.width, opts.height) << axes(f, xa, ya, opts);
  if (xlo > xhi) o << text_el((f.left + f.right) / 2, (f.top + f.bottom) / 2, "no data", "middle", 13, "fill=\"#888888\"");
  if (opts.identity_line && xlo <= xhi && !opts.log_y) {
    double a = std::max(xa.ticks.lo, ya.ticks.lo), b = std::min(xa.ticks.hi, ya.ticks.hi);
    o << "<line x1=\"" << num(f.left + xa.unit(a) * f.width()) << "\" y1=\"" << num(f.bottom - ya.unit(a) * f.height())
      << "\" x2=\"" << num(f.left + xa.unit(b) * f.width()) << "\" y2=\"" << num(f.bottom - ya.unit(b) * f.height())
      << "\" stroke=\"#d62728\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
    o << text_el(f.right - 6, f.bottom - 8, "y = x", "end", 11, "fill=\"#d62728\"");
  }
  // Small translucent dots so that dense regions read darker.
  double r = x.size() > 2000 ? 1.5 : x.size() > 300 ? 2.2 : 3.2;
  o << "<g fill-opacity=\"0.65\">\n";
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !usable(y[i], opts.log_y)) continue;
    o << "<circle cx=\"" << num(f.left + xa.unit(x[i]) * f.width()) << "\" cy=\""
      << num(f.bottom - ya.unit(y[i]) * f.height()) << "\" r=\"" << num(r) << "\" fill=\""
      << series_color(groups ? size_t((*groups)[i]) : 0) << "\"/>\n";
  }
  o << "</g>\n";
  o << legend(f, names, true);
  return close_svg(o);
}

}  // namespace

std::string scatter_plot(const std::vector<double>& x, const std::vector<double>& y, const ChartOptions& opts) {
  return scatter_impl(x, y, nullptr, {}, opts);
}

std::string cluster_scatter(const std::vector<double>& x, const std::vector<double>& y,
                            const std::vector<int64_t>& groups, const std::vector<std::string>& group_names,
                            const ChartOptions& opts) {
  return scatter_impl(x, y, &groups, group_names, opts);
}

std::string image_png(const Tensor& image) {
  DESCENT_CHECK(image.defined(), "image_png: undefined tensor");
  DESCENT_CHECK(image.dim() == 2 || image.dim() == 3, "image_png: need [C, H, W] or [H, W], got ", image.dim(),
                " dimensions");
  Tensor img = image.dim() == 2 ? image.unsqueeze(0) : image;
  int64_t c = img.size(0), h = img.size(1), w = img.size(2);
  DESCENT_CHECK(c == 1 || c == 3, "image_png: need 1 or 3 channels, got ", c);
  DESCENT_CHECK(h > 0 && w > 0, "image_png: empty image ", h, "x", w);
  DESCENT_CHECK(img.dtype() == kUInt8 || img.is_floating_point(), "image_png: need a uint8 or floating image");
  std::vector<double> v = img.to(kFloat64).contiguous().to_vector<double>();
  if (img.dtype() != kUInt8) {
    double lo = kInf, hi = -kInf;
    for (double x : v)
      if (std::isfinite(x)) extend(x, lo, hi);
    bool unit = lo >= 0 && hi <= 1;
    double scale = unit ? 255 : (hi > lo ? 255 / (hi - lo) : 0), offset = unit ? 0 : lo;
    for (double& x : v) x = std::isfinite(x) ? std::clamp((x - offset) * scale, 0.0, 255.0) : 0;
  }
  std::vector<uint8_t> hwc(size_t(h * w * c));
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < h * w; ++i) hwc[size_t(i * c + ch)] = uint8_t(std::lround(v[size_t(ch * h * w + i)]));
  Tensor t = from_vector<uint8_t>(hwc, {h, w, c});
  return data::encode_png(t, 9);
}

std::string image_grid(const Tensor& images, const std::vector<std::string>& captions, const ImageGridOptions& opts,
                       const std::vector<bool>& highlighted) {
  DESCENT_CHECK(images.defined() && (images.dim() == 3 || images.dim() == 4),
                "image_grid: need images [N, C, H, W] or [N, H, W], got ", images.defined() ? images.dim() : 0,
                " dimensions");
  DESCENT_CHECK(opts.columns >= 1 && opts.image_size >= 1 && opts.cell_width >= 1,
                "image_grid: columns, image_size and cell_width must be positive");
  int64_t n = images.size(0);
  DESCENT_CHECK(captions.empty() || int64_t(captions.size()) == n, "image_grid: ", captions.size(), " captions for ",
                n, " images");
  DESCENT_CHECK(highlighted.empty() || int64_t(highlighted.size()) == n, "image_grid: ", highlighted.size(),
                " highlight flags for ", n, " images");
  int64_t h = images.size(images.dim() - 2), w = images.size(images.dim() - 1);
  double scale = std::max(1.0, std::floor(double(opts.image_size) / double(std::max<int64_t>(std::max(h, w), 1))));
  double dw = double(w) * scale, dh = double(h) * scale;
  double cell_w = std::max(double(opts.cell_width), dw + 8);
  std::vector<std::vector<std::string>> lines(captions.size());
  size_t max_lines = 0;
  for (size_t i = 0; i < captions.size(); ++i) {
    lines[i] = wrap(captions[i], cell_w - 6, 11, 3);
    max_lines = std::max(max_lines, lines[i].size());
  }
  double cell_h = dh + 12 + 14 * double(max_lines);
  int64_t cols = std::max<int64_t>(1, std::min<int64_t>(opts.columns, n));
  int64_t rows = (n + cols - 1) / cols;
  double top = opts.title.empty() ? 6 : 34;
  int width = int(std::ceil(cell_w * double(cols) + 8));
  int height = int(std::ceil(top + cell_h * double(rows) + 6));
  std::ostringstream o;
  o << svg_open(width, height);
  if (!opts.title.empty()) o << text_el(double(width) / 2, 22, opts.title, "middle", 15, "font-weight=\"bold\"");
  for (int64_t i = 0; i < n; ++i) {
    double cx = 4 + cell_w * double(i % cols), cy = top + cell_h * double(i / cols);
    double ix = cx + (cell_w - dw) / 2;
    std::string png = image_png(images[i]);
    o << "<image x=\"" << num(ix) << "\" y=\"" << num(cy + 2) << "\" width=\"" << num(dw) << "\" height=\"" << num(dh)
      << "\" style=\"image-rendering:pixelated\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,"
      << base64_encode(png) << "\"/>\n";
    bool red = !highlighted.empty() && highlighted[size_t(i)];
    if (red)
      o << "<rect x=\"" << num(ix - 1) << "\" y=\"" << num(cy + 1) << "\" width=\"" << num(dw + 2) << "\" height=\""
        << num(dh + 2) << "\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
    for (size_t l = 0; l < (captions.empty() ? 0 : lines[size_t(i)].size()); ++l)
      o << text_el(cx + cell_w / 2, cy + dh + 17 + 14 * double(l), lines[size_t(i)][l], "middle", 11,
                   red ? "fill=\"#d62728\"" : "fill=\"#222222\"");
  }
  return close_svg(o);
}

}  // namespace descent::report
