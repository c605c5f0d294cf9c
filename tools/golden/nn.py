#!/usr/bin/python3
"""Golden values for descent's activations and losses, computed with PyTorch 1.13 (Debian python3-torch).

Writes tests/golden/nn.json:
  tensors: id -> {shape, dtype, data}: the inputs, each stored once (float32 values written with 9
    significant digits, which identify a float32 exactly; int64 class indices)
  cases: one entry per (op, options) with
    op      the nn.functional name (descent::nn::functional::<op>, or relu/sigmoid/tanh tensor ops)
    args    keyword arguments (reduction as a string, dims, margins, ...)
    inputs  argument name -> tensor id
    grad_output  the gradient fed to backward (shape of the output)
    output  the forward value
    grads   argument name -> gradient, for the inputs whose gradient is checked
All computed in float32, as the C++ test runs them. Inputs include the knots of the piecewise
activations (0, +-1, +-3, 6), probabilities of exactly 0 and 1, and ignored targets.

Run from the repository root:  /usr/bin/python3 tools/golden/nn.py
"""
import json
import os
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.manual_seed(20240611)

CASES = []


def flat(t):
    # 9 significant digits identify a float32 exactly and keep the file small.
    if t.is_floating_point():
        return [float("%.9g" % v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]
    return [int(v) for v in t.detach().reshape(-1).tolist()]


TENSORS = {}


def enc(t):
    return {"shape": list(t.shape), "dtype": "float32" if t.is_floating_point() else "int64", "data": flat(t)}


def ref(t):
    """Stores an input once in the shared tensor table and returns its id."""
    e = enc(t)
    key = json.dumps(e)
    for k, v in TENSORS.items():
        if json.dumps(v) == key:
            return k
    k = "t%d" % len(TENSORS)
    TENSORS[k] = e
    return k


def add(op, fn, inputs, args=None, grad=None):
    """inputs: name -> tensor; grad: names whose gradients are checked (default: the float ones)."""
    args = args or {}
    if grad is None:
        grad = [k for k, v in inputs.items() if v.is_floating_point()]
    leaves = {}
    for k, v in inputs.items():
        v = v.detach().clone()
        if k in grad:
            v.requires_grad_(True)
        leaves[k] = v
    out = fn(leaves, args)
    gout = torch.randn(out.shape).to(torch.float32) if out.dim() > 0 else torch.tensor(1.5)
    gs = torch.autograd.grad(out, [leaves[k] for k in grad], gout)
    for g in [out] + list(gs):
        assert torch.isfinite(g).all(), f"{op} {args}: non-finite value (JSON has no inf/nan)"
    CASES.append({
        "op": op,
        "args": args,
        "inputs": {k: ref(v) for k, v in leaves.items()},
        "grad_output": enc(gout),
        "output": enc(out),
        "grads": {k: flat(g) for k, g in zip(grad, gs)},
    })


def activation_input(shape=(2, 3, 2), scale=3.0):
    x = (torch.randn(shape) * scale).to(torch.float32)
    knots = torch.tensor([0.0, 1.0, -1.0, 3.0, -3.0, 6.0, -2.0, 1.5])
    x.view(-1)[: knots.numel()] = knots
    return x


RED = ["none", "mean", "sum"]

# ---- activations ----
x = activation_input()
A = lambda f: (lambda t, a: f(t["input"], **a))  # noqa: E731
add("relu", A(torch.relu), {"input": x})
add("sigmoid", A(torch.sigmoid), {"input": x})
add("tanh", A(torch.tanh), {"input": x})
add("relu6", A(F.relu6), {"input": x})
add("leaky_relu", A(F.leaky_relu), {"input": x})
add("leaky_relu", A(F.leaky_relu), {"input": x}, {"negative_slope": 0.2})
add("prelu", lambda t, a: F.prelu(t["input"], t["weight"]), {"input": x, "weight": torch.tensor([0.25, -0.1, 0.5])})
add("prelu", lambda t, a: F.prelu(t["input"], t["weight"]), {"input": x, "weight": torch.tensor([0.3])})
add("elu", A(F.elu), {"input": x})
add("elu", A(F.elu), {"input": x}, {"alpha": 1.3})
add("selu", A(F.selu), {"input": x})
add("gelu", A(F.gelu), {"input": x}, {"approximate": "none"})
add("gelu", A(F.gelu), {"input": x}, {"approximate": "tanh"})
add("silu", A(F.silu), {"input": x})
add("mish", A(F.mish), {"input": x})
add("hardtanh", A(F.hardtanh), {"input": x})
add("hardtanh", A(F.hardtanh), {"input": x}, {"min_val": -2.0, "max_val": 1.5})
add("hardsigmoid", A(F.hardsigmoid), {"input": x})
add("hardswish", A(F.hardswish), {"input": x})
add("softplus", A(F.softplus), {"input": x})
add("softplus", A(F.softplus), {"input": x}, {"beta": 2.0, "threshold": 5.0})
add("softsign", A(F.softsign), {"input": x})
for d in (1, -1, 0):
    add("softmax", A(F.softmax), {"input": x}, {"dim": d})
    add("log_softmax", A(F.log_softmax), {"input": x}, {"dim": d})

# ---- regression losses (input and target gradients) ----
xi = torch.randn(3, 4).to(torch.float32)
ti = torch.randn(3, 4).to(torch.float32)
ti[0, 0] = xi[0, 0]  # a tie: zero gradient for l1
ti[0, 1] = xi[0, 1] + 1.0  # exactly at beta = delta = 1
L = lambda f: (lambda t, a: f(t["input"], t["target"], **a))  # noqa: E731
for r in RED:
    add("mse_loss", L(F.mse_loss), {"input": xi, "target": ti}, {"reduction": r})
    add("l1_loss", L(F.l1_loss), {"input": xi, "target": ti}, {"reduction": r})
    add("smooth_l1_loss", L(F.smooth_l1_loss), {"input": xi, "target": ti}, {"reduction": r})
    add("huber_loss", L(F.huber_loss), {"input": xi, "target": ti}, {"reduction": r})
add("smooth_l1_loss", L(F.smooth_l1_loss), {"input": xi, "target": ti}, {"reduction": "mean", "beta": 0.5})
# beta = 0 is l1_loss, but PyTorch 1.13's kernel gives the tie d = 0 the gradient -1 for input and
# target alike (l1_loss gives 0): a quirk left out by moving the tie.
add("smooth_l1_loss", L(F.smooth_l1_loss), {"input": xi, "target": ti + 0.25}, {"reduction": "sum", "beta": 0.0})
add("huber_loss", L(F.huber_loss), {"input": xi, "target": ti}, {"reduction": "mean", "delta": 0.7})

# ---- binary losses ----
p = torch.sigmoid(torch.randn(3, 4)).to(torch.float32)
p[0, 0], p[0, 1], p[0, 2], p[0, 3] = 0.0, 1.0, 0.0, 1.0
tb = torch.rand(3, 4).to(torch.float32)
tb[0, 0], tb[0, 1], tb[0, 2], tb[0, 3] = 0.0, 1.0, 0.25, 0.5  # exact hits, and misses at 0 and 1
wb = torch.tensor([0.5, 1.0, 2.0, 1.5])
BCE = lambda t, a: F.binary_cross_entropy(t["input"], t["target"], **a)  # noqa: E731
for r in RED:
    # PyTorch's target gradient is infinite at p = 0 or 1 (descent's is that of the clamped logs),
    # so target gradients are compared on interior probabilities only.
    add("binary_cross_entropy", BCE, {"input": p, "target": tb}, {"reduction": r}, grad=["input"])
    add("binary_cross_entropy", BCE, {"input": p[1:], "target": tb[1:]}, {"reduction": r})
add("binary_cross_entropy", lambda t, a: F.binary_cross_entropy(t["input"], t["target"], weight=t["weight"], **a),
    {"input": p, "target": tb, "weight": wb}, {"reduction": "mean"}, grad=["input"])
z = (torch.randn(3, 4) * 3).to(torch.float32)
z[0, 0], z[0, 1] = 40.0, -40.0
pw = torch.tensor([3.0, 0.5, 1.0, 2.0])
for r in RED:
    add("binary_cross_entropy_with_logits", L(F.binary_cross_entropy_with_logits), {"input": z, "target": tb},
        {"reduction": r})
    add("binary_cross_entropy_with_logits",
        lambda t, a: F.binary_cross_entropy_with_logits(t["input"], t["target"], weight=t["weight"],
                                                        pos_weight=t["pos_weight"], **a),
        {"input": z, "target": tb, "weight": wb, "pos_weight": pw}, {"reduction": r}, grad=["input", "target"])

# ---- classification losses ----
logits = (torch.randn(5, 4) * 2).to(torch.float32)
cls = torch.tensor([0, 3, 2, 1, 2])
wc = torch.tensor([1.0, 0.5, 2.0, 1.5])
CE = lambda t, a: F.cross_entropy(t["input"], t["target"], weight=t.get("weight"), **a)  # noqa: E731
NLL = lambda t, a: F.nll_loss(t["input"], t["target"], weight=t.get("weight"), **a)  # noqa: E731
for r in RED:
    add("cross_entropy", CE, {"input": logits, "target": cls}, {"reduction": r})
    add("cross_entropy", CE, {"input": logits, "target": cls, "weight": wc}, {"reduction": r, "ignore_index": 2},
        grad=["input"])
    add("cross_entropy", CE, {"input": logits, "target": cls, "weight": wc},
        {"reduction": r, "ignore_index": 1, "label_smoothing": 0.1}, grad=["input"])
add("cross_entropy", CE, {"input": logits, "target": cls}, {"reduction": "mean", "label_smoothing": 0.25})
# K-dim input [N, C, d1, d2]
lk = torch.randn(2, 3, 2, 2).to(torch.float32)
tk = torch.tensor([[[0, 2], [1, 1]], [[2, 0], [1, 2]]])
add("cross_entropy", CE, {"input": lk, "target": tk}, {"reduction": "mean"})
add("cross_entropy", CE, {"input": lk, "target": tk, "weight": torch.tensor([0.2, 1.0, 3.0])},
    {"reduction": "none", "ignore_index": 0, "label_smoothing": 0.2}, grad=["input"])
# unbatched [C] with a 0-D target
add("cross_entropy", CE, {"input": logits[0], "target": torch.tensor(3)}, {"reduction": "mean"})
# class probabilities (input and target gradients)
tp = torch.softmax(torch.randn(5, 4), 1).to(torch.float32)
for r in RED:
    add("cross_entropy", CE, {"input": logits, "target": tp}, {"reduction": r})
    add("cross_entropy", CE, {"input": logits, "target": tp, "weight": wc}, {"reduction": r, "label_smoothing": 0.2},
        grad=["input", "target"])
add("cross_entropy", CE, {"input": lk, "target": torch.softmax(torch.randn(2, 3, 2, 2), 1)}, {"reduction": "mean"})
logp = torch.log_softmax(logits, 1)
for r in RED:
    add("nll_loss", NLL, {"input": logp, "target": cls}, {"reduction": r})
    add("nll_loss", NLL, {"input": logp, "target": cls, "weight": wc}, {"reduction": r, "ignore_index": 3},
        grad=["input"])
add("nll_loss", NLL, {"input": torch.log_softmax(lk, 1), "target": tk}, {"reduction": "mean", "ignore_index": 1})

# ---- divergences and pair losses ----
lq = torch.log_softmax(torch.randn(3, 4), 1).to(torch.float32)
tq = torch.softmax(torch.randn(3, 4), 1).to(torch.float32)
tq[1, 2] = 0.0  # xlogy(0, 0) = 0
for r in RED + ["batchmean"]:
    add("kl_div", L(F.kl_div), {"input": lq, "target": tq}, {"reduction": r}, grad=["input"])
    add("kl_div", L(F.kl_div), {"input": lq, "target": torch.log_softmax(torch.randn(3, 4), 1)},
        {"reduction": r, "log_target": True})
a1 = torch.randn(4, 5).to(torch.float32)
a2 = torch.randn(4, 5).to(torch.float32)
a2[1] = a1[1] * 2.0  # cos = 1 for a similar pair
ys = torch.tensor([1.0, 1.0, -1.0, -1.0])
P3 = lambda f: (lambda t, a: f(t["input1"], t["input2"], t["target"], **a))  # noqa: E731
for r in RED:
    add("cosine_embedding_loss", P3(F.cosine_embedding_loss), {"input1": a1, "input2": a2, "target": ys},
        {"reduction": r, "margin": 0.0}, grad=["input1", "input2"])
add("cosine_embedding_loss", P3(F.cosine_embedding_loss), {"input1": a1, "input2": a2, "target": ys},
    {"reduction": "mean", "margin": -0.3}, grad=["input1", "input2"])
add("cosine_embedding_loss", P3(F.cosine_embedding_loss), {"input1": a1[0], "input2": a2[0], "target": torch.tensor(-1.0)},
    {"reduction": "mean", "margin": 0.1}, grad=["input1", "input2"])
r1 = torch.randn(6).to(torch.float32)
r2 = torch.randn(6).to(torch.float32)
yr = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
for r in RED:
    add("margin_ranking_loss", P3(F.margin_ranking_loss), {"input1": r1, "input2": r2, "target": yr},
        {"reduction": r, "margin": 0.3}, grad=["input1", "input2"])

out = {"generator": "tools/golden/nn.py with torch " + torch.__version__, "tensors": TENSORS, "cases": CASES}
path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "golden", "nn.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(CASES)} cases to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
