#pragma once
// What the guide's programs (docs/guide.md) share: the --out folder for figures, writing an SVG,
// turning tensors into plain vectors for the charts, and the "claim" checks that make a program
// exit non-zero when the concept it demonstrates does not hold.
//
// Every program takes:
//   --out DIR   where its SVG figures go (default docs/guide/figures, i.e. run it from the repo root)
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

/// A chart series drawn as separate dots (a data cloud) inside report::line_chart with
/// markers on: a NaN between two points lifts the pen, so only the dots show.
inline descent::report::Series points(const std::string& name, const std::vector<double>& x,
                                      const std::vector<double>& y) {
  descent::report::Series s{name, {}, {}};
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    s.x.insert(s.x.end(), {x[i], NAN});
    s.y.insert(s.y.end(), {y[i], NAN});
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
