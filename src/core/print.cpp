// PyTorch-style printing: "tensor([[1.0000, 2.5000], ...], size=[2, 2], dtype=float32)". Floats share
// one format per tensor (integer-valued, fixed with 4 decimals, or scientific), and tensors over
// 1000 elements are summarised with "..." after 3 leading and trailing entries per dim.
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "descent/core/tensor.h"

namespace descent {
namespace {

struct Fmt {
  enum Kind { Int, Fixed, Sci, Bool, Integer } kind = Fixed;
  int width = 0;
};

std::string format_one(double v, const Fmt& f) {
  char buf[64];
  if (f.kind == Fmt::Bool) return v != 0 ? "True" : "False";
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  switch (f.kind) {
    case Fmt::Integer: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v)); break;
    case Fmt::Int: std::snprintf(buf, sizeof buf, "%.0f.", v); break;
    case Fmt::Sci: std::snprintf(buf, sizeof buf, "%.4e", v); break;
    default: std::snprintf(buf, sizeof buf, "%.4f", v); break;
  }
  return buf;
}

struct Printer {
  const Tensor& t;
  Fmt fmt;
  bool summarize;
  std::ostringstream os;

  std::vector<int64_t> shown(int64_t size) const {
    std::vector<int64_t> idx;
    if (summarize && size > 6) {
      for (int64_t i = 0; i < 3; ++i) idx.push_back(i);
      idx.push_back(-1);  // ellipsis
      for (int64_t i = size - 3; i < size; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < size; ++i) idx.push_back(i);
    }
    return idx;
  }

  double value(int64_t off) const {
    double v = 0;
    DESCENT_DISPATCH_ALL(t.dtype(), "print", [&] { v = static_cast<double>(static_cast<const scalar_t*>(t.raw_data())[off]); });
    return v;
  }

  void rec(int64_t d, int64_t off, int indent) {
    if (d == t.dim()) {
      std::string s = format_one(value(off), fmt);
      if (static_cast<int>(s.size()) < fmt.width) os << std::string(size_t(fmt.width - int(s.size())), ' ');
      os << s;
      return;
    }
    os << '[';
    auto idx = shown(t.size(d));
    bool first = true;
    for (int64_t i : idx) {
      if (!first) {
        os << ',';
        if (d == t.dim() - 1) os << ' ';
        else {
          os << std::string(size_t(t.dim() - 1 - d), '\n');
          os << std::string(size_t(indent + 1), ' ');
        }
      }
      first = false;
      if (i < 0) {
        os << "...";
        continue;
      }
      rec(d + 1, off + i * t.stride(d), indent + 1);
    }
    os << ']';
  }
};

void collect(const Tensor& t, bool summarize, int64_t d, int64_t off, std::vector<double>& vals) {
  if (d == t.dim()) {
    DESCENT_DISPATCH_ALL(t.dtype(), "print", [&] {
      vals.push_back(static_cast<double>(static_cast<const scalar_t*>(t.raw_data())[off]));
    });
    return;
  }
  const int64_t n = t.size(d);
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 6 && i == 3) i = n - 3;
    collect(t, summarize, d + 1, off + i * t.stride(d), vals);
  }
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  const bool summarize = t.numel() > 1000;
  std::vector<double> vals;
  if (t.numel() > 0) collect(t, summarize, 0, 0, vals);
  Fmt fmt;
  if (t.dtype() == DType::Bool) fmt.kind = Fmt::Bool;
  else if (!t.is_floating_point()) fmt.kind = Fmt::Integer;
  else {
    bool all_int = true;
    double maxa = 0, mina = INFINITY;
    for (double v : vals) {
      if (!std::isfinite(v)) continue;
      if (v != std::floor(v)) all_int = false;
      double a = std::abs(v);
      maxa = std::max(maxa, a);
      if (a > 0) mina = std::min(mina, a);
    }
    if (all_int) fmt.kind = maxa >= 1e8 ? Fmt::Sci : Fmt::Int;
    else if (maxa / mina > 1000.0 || maxa > 1e8 || mina < 1e-4) fmt.kind = Fmt::Sci;
    else fmt.kind = Fmt::Fixed;
  }
  for (double v : vals) fmt.width = std::max(fmt.width, static_cast<int>(format_one(v, fmt).size()));
  Printer p{t, fmt, summarize, {}};
  p.os << "tensor(";
  if (t.numel() == 0) p.os << "[]";
  else p.rec(0, 0, 7);
  p.os << ", size=" << t.sizes() << ", dtype=" << dtype_name(t.dtype());
  if (t.grad_fn()) p.os << ", grad_fn=<" << t.grad_fn_name() << ">";
  else if (t.requires_grad()) p.os << ", requires_grad=True";
  p.os << ')';
  return p.os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace descent
