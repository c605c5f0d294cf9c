// Losses (nn::functional). The regression and binary losses and the classification losses compute
// their values without history and record one node with the closed-form gradient; cross_entropy
// fuses log_softmax and nll (x - max, so logits of any magnitude stay finite). kl_div likewise;
// cosine_embedding_loss and margin_ranking_loss are composed from tensor ops.
#include "descent/nn/functional/loss.h"

#include "../../ops/common.h"

namespace descent::nn {

std::string to_string(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::BatchMean: return "batchmean";
  }
  return "?";
}

}  // namespace descent::nn

namespace descent::nn::functional {
using autograd::any_requires_grad;
using autograd::record;
using autograd::sum_to;

namespace {
using Grads = std::vector<Tensor>;

void check_reduction(Reduction r, const char* op) {
  DESCENT_CHECK(r != Reduction::BatchMean, op, ": reduction \"batchmean\" is only supported by kl_div; use none, mean or sum");
}

void check_float_input(const Tensor& x, const char* op, const char* what = "input") {
  DESCENT_CHECK(x.defined(), op, ": ", what, " is an undefined tensor");
  DESCENT_CHECK(x.is_floating_point(), op, ": ", what, " must be floating point, got ", x.dtype());
}

// input and target of an element-wise loss: floating, same dtype, same shape.
void check_pair(const Tensor& x, const Tensor& t, const char* op) {
  check_float_input(x, op);
  DESCENT_CHECK(t.defined(), op, ": target is an undefined tensor");
  DESCENT_CHECK(t.dtype() == x.dtype(), op, ": target dtype ", t.dtype(), " does not match input dtype ", x.dtype());
  DESCENT_CHECK(t.sizes() == x.sizes(), op, ": target shape ", t.sizes(), " does not match input shape ", x.sizes(),
                " (reshape one of them; losses do not broadcast)");
}

// An optional weight that broadcasts to the input's shape.
void check_broadcast_weight(const Tensor& w, const Tensor& x, const char* op, const char* what) {
  if (!w.defined()) return;
  DESCENT_CHECK(w.dtype() == x.dtype(), op, ": ", what, " dtype ", w.dtype(), " does not match input dtype ", x.dtype());
  bool ok = w.dim() <= x.dim();
  for (int64_t i = 1; ok && i <= w.dim(); ++i) ok = w.size(-i) == 1 || w.size(-i) == x.size(-i);
  DESCENT_CHECK(ok, op, ": ", what, " of shape ", w.sizes(), " cannot be broadcast to the input shape ", x.sizes());
}

// Reduced loss, computed without history. divisor is used by Mean (and BatchMean).
Tensor reduce_values(const Tensor& l, Reduction r, double divisor) {
  if (r == Reduction::None) return l;
  Tensor s = l.sum();
  return r == Reduction::Sum ? s : s / divisor;
}

// Gradient of each element of the unreduced loss (of `shape`) from the gradient g of the output.
Tensor element_grad(const Tensor& g, const Shape& shape, Reduction r, double divisor) {
  if (r == Reduction::None) return g;
  return (r == Reduction::Sum ? g : g / divisor).expand(shape);
}

// The element-wise losses of d = input - target: value(d) and, for backward, dloss/dd given the
// element gradient; the target gets minus the input's gradient.
template <typename Value, typename Deriv>
Tensor diff_loss(const char* op, const char* node, const Tensor& x, const Tensor& t, Reduction r, Value value,
                 Deriv deriv) {
  check_reduction(r, op);
  check_pair(x, t, op);
  Tensor d, out;
  {
    NoGradGuard ng;
    d = x - t;
    out = reduce_values(value(d), r, double(x.numel()));
  }
  if (any_requires_grad({&x, &t})) {
    const Shape shape = x.sizes();
    const double n = double(x.numel());
    const bool need_x = x.requires_grad(), need_t = t.requires_grad();
    record(node, {&x, &t}, {&out}, [d, shape, n, r, need_x, need_t, deriv](Grads& g) {
      Tensor gd = deriv(d, element_grad(g[0], shape, r, n));
      return Grads{need_x ? gd : Tensor(), need_t ? -gd : Tensor()};
    });
  }
  return out;
}

// ---- class-index targets (nll_loss, cross_entropy) ----

int64_t class_dim(const Tensor& x) { return x.dim() >= 2 ? 1 : 0; }

Dims one_dim(int64_t d) {
  Dims ds;
  ds.push_back(d);
  return ds;
}

// Per-class weight: 1-D of C elements, input's dtype, not trained.
void check_class_weight(const Tensor& w, const Tensor& x, int64_t classes, const char* op) {
  if (!w.defined()) return;
  DESCENT_CHECK(w.dim() == 1 && w.size(0) == classes, op, ": weight must be 1-D with one entry per class (", classes,
                " for input of shape ", x.sizes(), "), got shape ", w.sizes());
  DESCENT_CHECK(w.dtype() == x.dtype(), op, ": weight dtype ", w.dtype(), " does not match input dtype ", x.dtype());
  DESCENT_CHECK(!(GradMode::is_enabled() && w.requires_grad()), op,
                ": gradients with respect to the class weight are not supported; pass weight.detach()");
}

// The class weight shaped to broadcast along the class dim of x ([C] or [1, C, 1, ...]).
Tensor class_weight_view(const Tensor& w, const Tensor& x) {
  if (!w.defined() || x.dim() < 2) return w;
  Shape s(size_t(x.dim()), 1);
  s[1] = w.size(0);
  return w.reshape(s);
}

struct ClassTargets {
  int64_t cdim = 0, classes = 0;
  Tensor keep;  // bool, target shape: not ignore_index
  Tensor idx;   // int64, target shape with the class dim inserted; ignored entries point at class 0
  Tensor wt;    // input dtype, target shape: weight of each target class, 0 where ignored
};

ClassTargets class_targets(const Tensor& x, const Tensor& t, const Tensor& w, int64_t ignore_index, const char* op) {
  check_float_input(x, op);
  DESCENT_CHECK(x.dim() >= 1, op, ": input must have a class dimension ([C], [N, C] or [N, C, d1, ...]), got a 0-D tensor");
  DESCENT_CHECK(t.defined(), op, ": target is an undefined tensor");
  DESCENT_CHECK(!t.is_floating_point() && t.dtype() != DType::Bool, op,
                ": target must hold class indices (int64), got ", t.dtype(),
                std::string(op) == "cross_entropy" ? " (class probabilities must have the input's dtype)" : "");
  ClassTargets ct;
  ct.cdim = class_dim(x);
  ct.classes = x.size(ct.cdim);
  Shape want = x.sizes();
  want.erase(want.begin() + ct.cdim);
  DESCENT_CHECK(t.sizes() == want, op, ": expected target of shape ", want, " for input of shape ", x.sizes(), ", got ",
                t.sizes());
  check_class_weight(w, x, ct.classes, op);
  NoGradGuard ng;
  Tensor t64 = t.to(DType::Int64);
  ct.keep = t64 != ignore_index;
  Tensor bad = logical_and(ct.keep, logical_or(t64 < 0, t64 >= ct.classes));
  if (bad.any().item<bool>()) {
    const int64_t v = t64.masked_select(bad).to_vector<int64_t>()[0];
    DESCENT_FAIL(op, ": target class index ", v, " is out of bounds for ", ct.classes, " classes (valid: 0..",
                 ct.classes - 1, ", or ignore_index ", ignore_index, ")");
  }
  Tensor safe = where(ct.keep, t64, int64_t(0));
  ct.idx = safe.unsqueeze(ct.cdim);
  Tensor keepf = ct.keep.to(x.dtype());
  ct.wt = w.defined() ? w.index_select(0, safe.reshape({-1})).reshape(t.sizes()) * keepf : keepf;
  return ct;
}

// The upstream gradient of a weighted mean over the kept targets. When every target is ignored
// the mean is 0/0 (NaN, as PyTorch's forward) but no input took part, so the gradient is zero, as
// PyTorch's backward gives: one all-ignored batch must not poison the weights with NaN.
Tensor mean_grad(const Tensor& g, const Tensor& wsum) {
  return wsum.item<double>() == 0.0 ? zeros_like(g) : g / wsum;
}

// g (0-d after Sum/Mean, target shape for None) as a factor broadcasting along the class dim.
Tensor class_column(const Tensor& g, int64_t cdim) { return g.dim() == 0 ? g : g.unsqueeze(cdim); }

}  // namespace

Tensor mse_loss(const Tensor& x, const Tensor& t, Reduction r) {
  return diff_loss(
      "mse_loss", "MseLossBackward", x, t, r, [](const Tensor& d) { return d * d; },
      [](const Tensor& d, const Tensor& ge) { return ge * d * 2.0; });
}

Tensor l1_loss(const Tensor& x, const Tensor& t, Reduction r) {
  return diff_loss(
      "l1_loss", "L1LossBackward", x, t, r, [](const Tensor& d) { return abs(d); },
      [](const Tensor& d, const Tensor& ge) { return ge * sign(d); });
}

Tensor smooth_l1_loss(const Tensor& x, const Tensor& t, Reduction r, double beta) {
  DESCENT_CHECK(beta >= 0.0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  if (beta == 0.0) return l1_loss(x, t, r);  // as PyTorch: the quadratic piece vanishes
  return diff_loss(
      "smooth_l1_loss", "SmoothL1LossBackward", x, t, r,
      [beta](const Tensor& d) {
        Tensor ad = abs(d);
        return where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta);
      },
      [beta](const Tensor& d, const Tensor& ge) {
        return where(d < -beta, -ge, where(d > beta, ge, ge * d / beta));
      });
}

Tensor huber_loss(const Tensor& x, const Tensor& t, Reduction r, double delta) {
  DESCENT_CHECK(delta > 0.0, "huber_loss: delta must be positive, got ", delta);
  return diff_loss(
      "huber_loss", "HuberLossBackward", x, t, r,
      [delta](const Tensor& d) {
        Tensor ad = abs(d);
        return where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta);
      },
      [delta](const Tensor& d, const Tensor& ge) {
        return where(d < -delta, ge * -delta, where(d > delta, ge * delta, ge * d));
      });
}

Tensor binary_cross_entropy(const Tensor& x, const Tensor& t, const Tensor& w, Reduction r) {
  const char* op = "binary_cross_entropy";
  check_reduction(r, op);
  check_pair(x, t, op);
  check_broadcast_weight(w, x, op, "weight");
  Tensor log_x, log_1mx, base, out;
  {
    NoGradGuard ng;
    DESCENT_CHECK(logical_and(x >= 0.0, x <= 1.0).all().item<bool>(), op,
                  ": all elements of input should be between 0 and 1 (it takes probabilities; use "
                  "binary_cross_entropy_with_logits for logits)");
    // PyTorch clamps each log at -100 so that 0 * log(0) stays finite.
    log_x = log(x).clamp_min(-100.0);
    log_1mx = log(1.0 - x).clamp_min(-100.0);
    base = -(t * log_x + (1.0 - t) * log_1mx);
    out = reduce_values(w.defined() ? base * w : base, r, double(x.numel()));
  }
  if (any_requires_grad({&x, &t, &w})) {
    SavedTensor sx(x), st(t), sw(w);
    const Shape shape = x.sizes();
    const double n = double(x.numel());
    const bool need_x = x.requires_grad(), need_t = t.requires_grad(), need_w = w.defined() && w.requires_grad();
    if (!need_t) log_x = log_1mx = Tensor();
    if (!need_w) base = Tensor();
    record("BinaryCrossEntropyBackward", {&x, &t, &w}, {&out},
           [sx, st, sw, log_x, log_1mx, base, shape, n, r, need_x, need_t, need_w](Grads& g) {
             const char* nm = "BinaryCrossEntropyBackward";
             Tensor ge = element_grad(g[0], shape, r, n);
             Tensor gw_factor = sw.defined() ? ge * sw.get(nm) : ge;
             Tensor gx, gt, gw;
             if (need_x) {
               // (x - t) / (x (1 - x)), the denominator clamped at 1e-12 as PyTorch (finite at x = 0 or 1).
               Tensor xv = sx.get(nm);
               gx = gw_factor * (xv - st.get(nm)) / ((1.0 - xv) * xv).clamp_min(1e-12);
             }
             if (need_t) gt = gw_factor * (log_1mx - log_x);
             if (need_w) gw = sum_to(ge * base, sw.get(nm).sizes());
             return Grads{gx, gt, gw};
           });
  }
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& t, const Tensor& w, Reduction r,
                                        const Tensor& pw) {
  const char* op = "binary_cross_entropy_with_logits";
  check_reduction(r, op);
  check_pair(x, t, op);
  check_broadcast_weight(w, x, op, "weight");
  check_broadcast_weight(pw, x, op, "pos_weight");
  Tensor sp_neg, base, out;
  {
    NoGradGuard ng;
    // softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)): no overflow for any x.
    sp_neg = (-x).clamp_min(0.0) + log1p(exp(-abs(x)));
    Tensor lw = pw.defined() ? (pw - 1.0) * t + 1.0 : Tensor();
    base = (1.0 - t) * x + (pw.defined() ? lw * sp_neg : sp_neg);
    out = reduce_values(w.defined() ? base * w : base, r, double(x.numel()));
  }
  if (any_requires_grad({&x, &t, &w, &pw})) {
    SavedTensor sx(x), st(t), sw(w), spw(pw);
    const Shape shape = x.sizes();
    const double n = double(x.numel());
    const bool need_x = x.requires_grad(), need_t = t.requires_grad();
    const bool need_w = w.defined() && w.requires_grad(), need_pw = pw.defined() && pw.requires_grad();
    if (!need_t && !need_pw) sp_neg = Tensor();
    if (!need_w) base = Tensor();
    record("BinaryCrossEntropyWithLogitsBackward", {&x, &t, &w, &pw}, {&out},
           [sx, st, sw, spw, sp_neg, base, shape, n, r, need_x, need_t, need_w, need_pw](Grads& g) {
             const char* nm = "BinaryCrossEntropyWithLogitsBackward";
             Tensor ge = element_grad(g[0], shape, r, n);
             Tensor gwf = sw.defined() ? ge * sw.get(nm) : ge;
             Tensor xv = sx.get(nm), tv = st.get(nm);
             Tensor gx, gt, gw, gpw;
             if (need_x) {
               // d/dx: sigmoid(x) - t, or (pw t + 1 - t) sigmoid(x) - pw t with pos_weight.
               Tensor s = sigmoid(xv);
               if (spw.defined()) {
                 Tensor pt = spw.get(nm) * tv;
                 gx = gwf * ((pt + 1.0 - tv) * s - pt);
               } else {
                 gx = gwf * (s - tv);
               }
             }
             if (need_t) {
               // d/dt: -x + (pw - 1) softplus(-x)
               gt = spw.defined() ? gwf * ((spw.get(nm) - 1.0) * sp_neg - xv) : gwf * -xv;
             }
             if (need_w) gw = sum_to(ge * base, sw.get(nm).sizes());
             if (need_pw) gpw = sum_to(gwf * tv * sp_neg, spw.get(nm).sizes());
             return Grads{gx, gt, gw, gpw};
           });
  }
  return out;
}

Tensor nll_loss(const Tensor& x, const Tensor& t, const Tensor& w, int64_t ignore_index, Reduction r) {
  const char* op = "nll_loss";
  check_reduction(r, op);
  ClassTargets ct = class_targets(x, t, w, ignore_index, op);
  Tensor out, wsum;
  {
    NoGradGuard ng;
    Tensor picked = x.gather(ct.cdim, ct.idx).squeeze(ct.cdim);
    Tensor l = where(ct.keep, -(picked * ct.wt), 0.0);  // ignored entries add exactly 0, even for inf inputs
    if (r == Reduction::None) out = l;
    else if (r == Reduction::Sum) out = l.sum();
    else {
      wsum = ct.wt.sum();
      out = l.sum() / wsum;
    }
  }
  if (any_requires_grad({&x})) {
    const Shape shape = x.sizes();
    const DType dt = x.dtype();
    record("NllLossBackward", {&x}, {&out}, [ct, wsum, shape, dt, r](Grads& g) {
      Tensor ge = r == Reduction::Mean ? mean_grad(g[0], wsum) : g[0];
      Tensor src = (ge * ct.wt * -1.0).unsqueeze(ct.cdim);
      return Grads{zeros(shape, dt).scatter(ct.cdim, ct.idx, src)};
    });
  }
  return out;
}

Tensor cross_entropy(const Tensor& x, const Tensor& t, const Tensor& w, int64_t ignore_index, Reduction r,
                     double label_smoothing) {
  const char* op = "cross_entropy";
  check_reduction(r, op);
  check_float_input(x, op);
  DESCENT_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
                ": label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  DESCENT_CHECK(x.dim() >= 1, op, ": input must have a class dimension ([C], [N, C] or [N, C, d1, ...]), got a 0-D tensor");
  DESCENT_CHECK(t.defined(), op, ": target is an undefined tensor");
  const int64_t cdim = class_dim(x), classes = x.size(cdim);
  DESCENT_CHECK(classes > 0, op, ": input of shape ", x.sizes(), " has no classes");
  const Dims cd = one_dim(cdim);
  const double eps = label_smoothing;

  // log_softmax along the class dim, shifted by the max so any logit magnitude stays finite.
  auto log_probs = [&] {
    Tensor z = x - x.amax(cd, true);
    return z - log(exp(z).sum(cd, true));
  };

  if (t.is_floating_point()) {
    // ---- class probabilities ----
    DESCENT_CHECK(t.dtype() == x.dtype(), op, ": probability target dtype ", t.dtype(), " does not match input dtype ",
                  x.dtype());
    DESCENT_CHECK(t.sizes() == x.sizes(), op, ": probability target of shape ", t.sizes(),
                  " must have the input's shape ", x.sizes(), " (class indices are int64 of shape [N, d1, ...])");
    DESCENT_CHECK(ignore_index < 0, op, ": ignore_index (", ignore_index,
                  ") is not supported for class-probability targets");
    check_class_weight(w, x, classes, op);
    const Tensor wc = class_weight_view(w, x);
    Tensor logp, q, out;
    {
      NoGradGuard ng;
      logp = log_probs();
      Tensor tq = eps > 0.0 ? t * (1.0 - eps) + eps / double(classes) : t;
      q = wc.defined() ? tq * wc : tq;
      Tensor l = -(q * logp).sum(cd);
      out = reduce_values(l, r, double(x.numel() / classes));
    }
    if (any_requires_grad({&x, &t})) {
      const double n = double(x.numel() / classes);
      const bool need_x = x.requires_grad(), need_t = t.requires_grad();
      record("CrossEntropyLossBackward", {&x, &t}, {&out}, [logp, q, wc, cdim, cd, n, r, eps, need_x, need_t](Grads& g) {
        Tensor ge = class_column(r == Reduction::Mean ? g[0] / n : g[0], cdim);
        Tensor gx, gt;
        // loss = -sum_c q_c log p_c: d/dx_c = p_c sum(q) - q_c; d/dt_c = -(1 - e) w_c log p_c.
        if (need_x) gx = ge * (exp(logp) * q.sum(cd, true) - q);
        if (need_t) {
          Tensor f = ge * logp * -(1.0 - eps);
          gt = wc.defined() ? f * wc : f;
        }
        return Grads{gx, gt};
      });
    }
    return out;
  }

  // ---- class indices ----
  ClassTargets ct = class_targets(x, t, w, ignore_index, op);
  const Tensor wc = class_weight_view(w, x);
  Tensor logp, out, wsum;
  {
    NoGradGuard ng;
    logp = log_probs();
    // (1 - e) w_t (-log p_t) + e / C sum_c w_c (-log p_c); the mean divides by the kept weight
    // for both terms, as PyTorch.
    Tensor picked = logp.gather(cdim, ct.idx).squeeze(cdim);
    Tensor l = -(picked * ct.wt);
    if (eps > 0.0) {
      Tensor smooth = -(wc.defined() ? logp * wc : logp).sum(cd);
      l = l * (1.0 - eps) + smooth * (eps / double(classes));
    }
    l = where(ct.keep, l, 0.0);
    if (r == Reduction::None) out = l;
    else if (r == Reduction::Sum) out = l.sum();
    else {
      wsum = ct.wt.sum();
      out = l.sum() / wsum;
    }
  }
  if (any_requires_grad({&x})) {
    record("CrossEntropyLossBackward", {&x}, {&out}, [logp, ct, wc, wsum, cd, r, eps](Grads& g) {
      const int64_t cdim = ct.cdim;
      Tensor ge = class_column(r == Reduction::Mean ? mean_grad(g[0], wsum) : g[0], cdim);
      // The effective target distribution q (zero for ignored entries): d/dx_c = p_c sum(q) - q_c.
      Tensor q = zeros(logp.sizes(), logp.dtype()).scatter(cdim, ct.idx, (ct.wt * (1.0 - eps)).unsqueeze(cdim));
      if (eps > 0.0) {
        Tensor u = class_column(ct.keep.to(logp.dtype()), cdim) * (eps / double(ct.classes));
        q = q + (wc.defined() ? u * wc : u);
      }
      return Grads{ge * (exp(logp) * q.sum(cd, true) - q)};
    });
  }
  return out;
}

Tensor kl_div(const Tensor& x, const Tensor& t, Reduction r, bool log_target) {
  const char* op = "kl_div";
  check_pair(x, t, op);
  const double divisor = r == Reduction::BatchMean ? (x.dim() == 0 ? 1.0 : double(x.size(0))) : double(x.numel());
  Tensor out;
  {
    NoGradGuard ng;
    // t log t is taken as 0 at t = 0 (xlogy).
    Tensor l = log_target ? exp(t) * (t - x) : where(t == 0.0, 0.0, t * log(t)) - t * x;
    out = reduce_values(l, r == Reduction::BatchMean ? Reduction::Mean : r, divisor);
  }
  if (any_requires_grad({&x, &t})) {
    SavedTensor sx(x), st(t);
    const Shape shape = x.sizes();
    const Reduction rr = r == Reduction::BatchMean ? Reduction::Mean : r;
    const bool need_x = x.requires_grad(), need_t = t.requires_grad();
    record("KlDivBackward", {&x, &t}, {&out}, [sx, st, shape, rr, divisor, log_target, need_x, need_t](Grads& g) {
      const char* nm = "KlDivBackward";
      Tensor ge = element_grad(g[0], shape, rr, divisor);
      Tensor tv = st.get(nm);
      Tensor gx, gt;
      if (log_target) {
        Tensor et = exp(tv);
        if (need_x) gx = -(ge * et);
        if (need_t) gt = ge * et * (tv - sx.get(nm) + 1.0);
      } else {
        if (need_x) gx = -(ge * tv);
        if (need_t) gt = ge * (where(tv == 0.0, 0.0, log(tv) + 1.0) - sx.get(nm));
      }
      return Grads{gx, gt};
    });
  }
  return out;
}

namespace {
// Reduction with history, for the losses composed from tensor ops.
Tensor reduce_composed(const Tensor& l, Reduction r) {
  if (r == Reduction::None) return l;
  return r == Reduction::Sum ? l.sum() : l.mean();
}
}  // namespace

Tensor cosine_embedding_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, double margin, Reduction r) {
  const char* op = "cosine_embedding_loss";
  check_reduction(r, op);
  check_float_input(x1, op, "input1");
  check_float_input(x2, op, "input2");
  DESCENT_CHECK(y.defined(), op, ": target is an undefined tensor");
  DESCENT_CHECK(x1.sizes() == x2.sizes(), op, ": input1 of shape ", x1.sizes(), " and input2 of shape ", x2.sizes(),
                " must have the same shape");
  DESCENT_CHECK(x1.dtype() == x2.dtype(), op, ": input1 dtype ", x1.dtype(), " does not match input2 dtype ",
                x2.dtype());
  DESCENT_CHECK(x1.dim() == 1 || x1.dim() == 2, op, ": inputs must be [N, D] or [D], got shape ", x1.sizes());
  Shape want;
  if (x1.dim() == 2) want.push_back(x1.size(0));
  DESCENT_CHECK(y.sizes() == want, op, ": expected target of shape ", want, " (one +1/-1 per pair), got ", y.sizes());
  const Dims dims = one_dim(x1.dim() - 1);
  constexpr double kEps = 1e-12;
  Tensor prod = (x1 * x2).sum(dims);
  Tensor m1 = (x1 * x1).sum(dims) + kEps, m2 = (x2 * x2).sum(dims) + kEps;
  Tensor cos = prod / sqrt(m1 * m2);
  Tensor l = where(y == 1, 1.0 - cos, 0.0) + where(y == -1, (cos - margin).clamp_min(0.0), 0.0);
  return reduce_composed(l, r);
}

Tensor margin_ranking_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, double margin, Reduction r) {
  const char* op = "margin_ranking_loss";
  check_reduction(r, op);
  check_float_input(x1, op, "input1");
  check_float_input(x2, op, "input2");
  DESCENT_CHECK(y.defined(), op, ": target is an undefined tensor");
  DESCENT_CHECK(x1.dim() == x2.dim() && x1.dim() == y.dim(), op,
                ": all inputs must have the same number of dimensions, got input1 ", x1.sizes(), ", input2 ",
                x2.sizes(), ", target ", y.sizes());
  Tensor l = ((x1 - x2) * -y + margin).clamp_min(0.0);
  return reduce_composed(l, r);
}

}  // namespace descent::nn::functional
