#pragma once
// What the guide's programs (docs/guide.md) share: the --out folder for figures, writing an SVG,
// turning tensors into plain vectors for the charts, and the "claim" checks that make a program
// exit non-zero when the concept it demonstrates does not hold.
//
// Every program takes:
//   --out DIR   where its SVG figures go (default docs/guide/figures, i.e. run it from the repo root)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "descent/descent.h"
#include "descent/report/svg.h"

namespace guide {

/// Command-line arguments of a guide program.
struct Args {
  std::filesystem::path out = "docs/guide/figures";  ///< folder for the SVG figures
};
inline Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) a.out = argv[++i];
    else std::fprintf(stderr, "ignored argument: %s (usage: %s [--out DIR])\n", argv[i], argv[0]);
  }
  std::filesystem::create_directories(a.out);
  return a;
}

/// Writes one SVG figure as out/name and says so (the guide embeds docs/guide/figures/name).
inline void write_svg(const Args& args, const std::string& name, const std::string& svg) {
  const auto path = args.out / name;
  std::ofstream f(path, std::ios::binary);
  f << svg << "\n";
  DESCENT_CHECK(f.good(), "cannot write figure ", path.string());
  std::printf("figure: %s\n", name.c_str());
}

/// The elements of a tensor (any shape, any real dtype) as doubles, in row-major order.
inline std::vector<double> values(const descent::Tensor& t) {
  return t.detach().to(descent::kFloat64).contiguous().reshape({-1}).to_vector<double>();
}

/// A chart series drawn as a cloud of small "+" marks (a scatter of data points) inside
/// report::line_chart: each mark is two short strokes, and a NaN between strokes lifts the pen.
/// The marks are 1.6% of the data's x range wide and 2.4% of its y range tall (cut at its edges).
inline descent::report::Series points(const std::string& name, const std::vector<double>& x,
                                      const std::vector<double>& y) {
  descent::report::Series s{name, {}, {}};
  if (x.empty()) return s;
  auto [x_lo, x_hi] = std::minmax_element(x.begin(), x.end());
  auto [y_lo, y_hi] = std::minmax_element(y.begin(), y.end());
  const double dx = 0.008 * (*x_hi - *x_lo + 1e-12), dy = 0.012 * (*y_hi - *y_lo + 1e-12);
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    // Clamped to the data's range, so that the marks do not widen the axes.
    s.x.insert(s.x.end(), {std::max(x[i] - dx, *x_lo), std::min(x[i] + dx, *x_hi), NAN, x[i], x[i], NAN});
    s.y.insert(s.y.end(), {y[i], y[i], NAN, std::max(y[i] - dy, *y_lo), std::min(y[i] + dy, *y_hi), NAN});
  }
  return s;
}

/// Counts failed claims; each claim prints "ok" or "FAILED" with what was compared.
class Claims {
 public:
  /// Records the claim `what`; `cond` says whether it held.
  void check(bool cond, const std::string& what) {
    std::printf("%s: %s\n", cond ? "claim ok" : "CLAIM FAILED", what.c_str());
    if (!cond) ++failed_;
  }
  /// The program's exit status: 0 when every claim held.
  int exit_code() const {
    if (failed_ > 0) std::printf("%d claim(s) failed\n", failed_);
    return failed_ == 0 ? 0 : 1;
  }

 private:
  int failed_ = 0;
};

/// "[2, 3, 4, 6]": a shape or a list of strides as text.
inline std::string str(const descent::Shape& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

/// Mean squared error of two same-shaped tensors, as a double.
inline double mse(const descent::Tensor& a, const descent::Tensor& b) {
  return (a - b).square().mean().item<double>();
}

}  // namespace guide
