// Dependency-free SVG charts for training reports: line and step charts (loss curves, LR
// schedules), heat maps (confusion matrices), grouped bar charts (per-class precision/recall),
// scatter plots (predicted vs true, clusters) and image grids (PNG data URIs). Every function
// returns a complete <svg> element as a string; the same input always gives the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "descent/core/tensor.h"

namespace descent::report {

/// One named line of a chart: y over x (x empty: 0, 1, 2, ... in y's order). NaN or inf points
/// break the line instead of being drawn.
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

/// Common chart options: title, axis labels and the pixel size of the whole <svg>.
struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 640;
  int height = 400;
  /// Logarithmic y axis (points with y <= 0 are dropped).
  bool log_y = false;
  /// Draws a dot at every point of a line chart.
  bool markers = false;
  /// Line charts only: hold each value until the next x (a learning-rate schedule).
  bool step = false;
  /// Scatter plots only: draws the y = x line (predicted vs true).
  bool identity_line = false;
  /// Heat maps only: writes the value in each cell.
  bool cell_values = true;
  /// Heat maps only: colours each cell by its share of its row (a confusion matrix's per-class
  /// recall), so that rare classes are as readable as common ones; the cells still show the values.
  bool normalize_rows = false;
  /// Bar charts only: fixes the value axis to [y_min, y_max] when y_min < y_max (e.g. 0..1).
  double y_min = 0;
  double y_max = 0;
};

/// Axis ticks: "nice" values (1, 2, 5 times a power of ten) covering [lo, hi].
struct Ticks {
  double lo = 0;  ///< axis start (a multiple of step, <= the data minimum)
  double hi = 1;  ///< axis end (a multiple of step, >= the data maximum)
  double step = 1;
  std::vector<double> values;  ///< lo, lo + step, ..., hi
};

/// Nice linear ticks for data in [lo, hi], about max_ticks of them (lo == hi gets a range around it).
/// integer: whole-number steps only (epochs, counts): at least 1, and 2.5 becomes 2 or 5.
Ticks nice_ticks(double lo, double hi, int max_ticks = 6, bool integer = false);
/// Log-scale ticks for positive data in [lo, hi]: powers of ten (with 2 and 5 times them when the
/// range spans less than two decades); lo and hi become the enclosing ticks.
Ticks log_ticks(double lo, double hi);
/// A tick label: the shortest fixed or exponent form that shows `value` at the resolution of `step`.
std::string format_tick(double value, double step);

/// Escapes &, <, >, " and ' for XML text and attribute values; drops control characters that XML
/// 1.0 forbids and invalid UTF-8 bytes (replaced by U+FFFD).
std::string xml_escape(std::string_view text);
/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; throws descent::Error on a bad character or length.
std::string base64_decode(std::string_view text);

/// Line chart of several series sharing the axes, with a legend (a step chart when opts.step).
std::string line_chart(const std::vector<Series>& series, const ChartOptions& opts = {});
/// A learning-rate schedule: a step chart of lr over epochs or steps (log scale when opts.log_y).
std::string step_chart(const Series& series, ChartOptions opts = {});

/// Heat map of values[row][col] (rows: true class, cols: predicted class for a confusion matrix),
/// colour scaled from 0 (or the minimum if negative) to the maximum, with a colour bar.
std::string heat_map(const std::vector<std::vector<double>>& values, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& col_labels, const ChartOptions& opts = {});
/// A confusion matrix (counts[true][pred]) as a heat map with class labels and counts.
std::string confusion_matrix_chart(const std::vector<std::vector<int64_t>>& counts,
                                   const std::vector<std::string>& class_names, ChartOptions opts = {});

/// Grouped bar chart: one group per category, one bar per series (series[i].y[j] is series i's
/// value for category j; series[i].x is ignored).
std::string bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                      const ChartOptions& opts = {});

/// Scatter plot of y against x (predicted vs true: x = true, y = predicted, opts.identity_line).
std::string scatter_plot(const std::vector<double>& x, const std::vector<double>& y, const ChartOptions& opts = {});
/// Scatter plot coloured by an integer group (cluster or class), with a legend naming the groups
/// (group_names[g], or "g" when absent).
std::string cluster_scatter(const std::vector<double>& x, const std::vector<double>& y,
                            const std::vector<int64_t>& groups, const std::vector<std::string>& group_names = {},
                            const ChartOptions& opts = {});

/// Options of image_grid.
struct ImageGridOptions {
  std::string title;
  int columns = 8;
  /// Display size of the longer image side in pixels (nearest-neighbour upscaling, never below 1x).
  int image_size = 84;
  /// Width of a cell (image + caption); captions longer than it are shortened with an ellipsis.
  int cell_width = 150;
};

/// Encodes one image, uint8 or floating [C, H, W] or [H, W] (C = 1 or 3), as PNG bytes. Floating
/// images are taken as [0, 1] when their values lie in it, else min-max scaled to [0, 255].
std::string image_png(const Tensor& image);
/// A grid of images [N, C, H, W] or [N, H, W] (uint8 or floating) with one caption each, embedded
/// as PNG data URIs; highlighted[i] (optional) draws caption i in red (e.g. misclassified).
std::string image_grid(const Tensor& images, const std::vector<std::string>& captions,
                       const ImageGridOptions& opts = {}, const std::vector<bool>& highlighted = {});

/// The colour of series i in every chart (a 10-colour categorical palette, then repeating).
std::string series_color(size_t i);

}  // namespace descent::report
