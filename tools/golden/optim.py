#!/usr/bin/python3
"""Golden values for descent's optim layer, computed with PyTorch 1.13 (Debian python3-torch).

Writes tests/golden/optim.json:
  optimizers.problem: two parameters (W [3, 4], b [4]) with their initial values and a fixed
    gradient for each of 20 steps (b has no gradient at some steps, so the skip rule is covered);
    all numbers are float32-representable so float32 and float64 runs start from the same values.
  optimizers.cases: for every optimizer and option combination, the parameter values after each
    step, in float32 and float64.
  schedulers.cases: the learning rate of every group after construction and after each of 100
    steps (and the cycled momentum / beta1 for OneCycleLR); ReduceLROnPlateau is fed the metric
    sequences stored in schedulers.metrics.
  clip: clip_grad_norm_ / clip_grad_value_ results on fixed gradients.

Run from the repository root:  /usr/bin/python3 tools/golden/optim.py
"""
import json
import math
import os
import warnings

import torch

warnings.filterwarnings("ignore")
torch.manual_seed(1234)

STEPS = 20
SHAPES = [[3, 4], [4]]
# Steps at which b (parameter 1) has no gradient: the optimizer must skip it.
NO_GRAD_B = {6, 13}


def f32list(t):
    return [float(x) for x in t.reshape(-1).to(torch.float32).tolist()]


def make_problem():
    w0 = torch.randn(3, 4).to(torch.float32)
    b0 = (torch.rand(4) - 0.5).to(torch.float32)
    grads = []
    # Per-element scales put some gradients near Adam's eps so its placement matters.
    b_scale = torch.tensor([1.0, 1e-2, 1e-7, 10.0])
    for s in range(STEPS):
        gw = torch.randn(3, 4).to(torch.float32)
        gb = (torch.randn(4) * b_scale).to(torch.float32)
        grads.append([f32list(gw), None if s in NO_GRAD_B else f32list(gb)])
    return {"shapes": SHAPES, "params": [f32list(w0), f32list(b0)], "grads": grads, "steps": STEPS}


OPT_CLASSES = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

# name, optimizer, options for one group over both params, or a list of two groups (W, b).
OPT_CASES = [
    ("sgd_plain", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_momentum_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.001}),
    ("sgd_maximize_momentum_wd", "SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("sgd_groups", "SGD", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "weight_decay": 0.1}]),
    ("adam_default_lr", "Adam", {"lr": 0.01}),
    ("adam_betas_eps_wd", "Adam", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}),
    ("adam_maximize_amsgrad_wd", "Adam", {"lr": 0.01, "amsgrad": True, "maximize": True, "weight_decay": 0.01}),
    ("adam_groups", "Adam", [{"lr": 0.01}, {"lr": 0.1, "amsgrad": True, "betas": [0.5, 0.9]}]),
    ("adamw_default_wd", "AdamW", {"lr": 0.01}),
    ("adamw_wd_amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw_maximize_betas", "AdamW", {"lr": 0.01, "betas": [0.85, 0.95], "maximize": True}),
    ("rmsprop_default", "RMSprop", {"lr": 0.01}),
    ("rmsprop_alpha_eps_wd", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}),
    ("rmsprop_centered_momentum_maximize_wd", "RMSprop",
     {"lr": 0.005, "centered": True, "momentum": 0.5, "maximize": True, "weight_decay": 0.1}),
    ("adagrad_default", "Adagrad", {"lr": 0.1}),
    ("adagrad_lr_decay_wd", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01}),
    ("adagrad_init_acc_eps_maximize", "Adagrad",
     {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6, "maximize": True}),
]


def torch_opts(opts):
    o = dict(opts)
    if "betas" in o:
        o["betas"] = tuple(o["betas"])
    return o


def run_optimizer(problem, kind, options, dtype):
    params = [torch.tensor(v, dtype=dtype).reshape(s).requires_grad_() for v, s in zip(problem["params"], SHAPES)]
    if isinstance(options, list):
        groups = [dict(torch_opts(o), params=[p]) for o, p in zip(options, params)]
        opt = OPT_CLASSES[kind](groups)
    else:
        opt = OPT_CLASSES[kind](params, **torch_opts(options))
    traj = []
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        for p, g, shape in zip(params, problem["grads"][s], SHAPES):
            if g is not None:
                p.grad = torch.tensor(g, dtype=dtype).reshape(shape)
        opt.step()
        traj.append([[float(x) for x in p.detach().reshape(-1).tolist()] for p in params])
    return traj


def optimizer_goldens():
    problem = make_problem()
    cases = []
    for name, kind, options in OPT_CASES:
        cases.append({
            "name": name,
            "optimizer": kind,
            "groups": options if isinstance(options, list) else [options],
            "per_param_groups": isinstance(options, list),
            "float32": run_optimizer(problem, kind, options, torch.float32),
            "float64": run_optimizer(problem, kind, options, torch.float64),
        })
    return {"problem": problem, "cases": cases}


# ---- schedulers ----

SCHED_STEPS = 100
BASE_LRS = [0.1, 0.05]


def plateau_metrics():
    # A falling loss with noise and long plateaus (min mode), and an accuracy that rises and
    # stalls (max mode). Rounded so the JSON is exact.
    loss = []
    for t in range(SCHED_STEPS):
        base = 1.0 / (1.0 + 0.1 * min(t, 30)) + (0.2 if 55 <= t < 60 else 0.0)
        loss.append(round(base + 0.01 * math.sin(1.7 * t), 6))
    acc = []
    for t in range(SCHED_STEPS):
        acc.append(round(min(0.9, 0.5 + 0.02 * t) + 0.003 * math.cos(2.3 * t), 6))
    return {"loss": loss, "accuracy": acc}


def make_optimizer(kind, momentum=0.9):
    ps = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    if kind == "SGD":
        return torch.optim.SGD([{"params": [ps[0]], "lr": BASE_LRS[0]}, {"params": [ps[1]], "lr": BASE_LRS[1]}],
                               lr=BASE_LRS[0], momentum=momentum)
    if kind == "Adam":
        return torch.optim.Adam([{"params": [ps[0]], "lr": BASE_LRS[0]}, {"params": [ps[1]], "lr": BASE_LRS[1]}],
                                lr=BASE_LRS[0])
    raise ValueError(kind)


def build(opt, spec):
    t, a = spec["type"], spec.get("args", {})
    S = torch.optim.lr_scheduler
    if t == "StepLR":
        return S.StepLR(opt, a["step_size"], a.get("gamma", 0.1))
    if t == "MultiStepLR":
        return S.MultiStepLR(opt, a["milestones"], a.get("gamma", 0.1))
    if t == "ExponentialLR":
        return S.ExponentialLR(opt, a["gamma"])
    if t == "ConstantLR":
        return S.ConstantLR(opt, a.get("factor", 1.0 / 3), a.get("total_iters", 5))
    if t == "LinearLR":
        return S.LinearLR(opt, a.get("start_factor", 1.0 / 3), a.get("end_factor", 1.0), a.get("total_iters", 5))
    if t == "CosineAnnealingLR":
        return S.CosineAnnealingLR(opt, a["T_max"], a.get("eta_min", 0.0))
    if t == "CosineAnnealingWarmRestarts":
        return S.CosineAnnealingWarmRestarts(opt, a["T_0"], a.get("T_mult", 1), a.get("eta_min", 0.0))
    if t == "OneCycleLR":
        return S.OneCycleLR(opt, a["max_lr"], total_steps=a["total_steps"], pct_start=a.get("pct_start", 0.3),
                            anneal_strategy=a.get("anneal_strategy", "cos"),
                            cycle_momentum=a.get("cycle_momentum", True),
                            base_momentum=a.get("base_momentum", 0.85), max_momentum=a.get("max_momentum", 0.95),
                            div_factor=a.get("div_factor", 25.0), final_div_factor=a.get("final_div_factor", 1e4),
                            three_phase=a.get("three_phase", False))
    if t == "LambdaLR":
        # The named lambdas are mirrored in the C++ test.
        fns = {"pow095": lambda e: 0.95 ** e, "inv": lambda e: 1.0 / (1.0 + e), "warm10": lambda e: min(1.0, (e + 1) / 10.0)}
        names = a["lambdas"]
        return S.LambdaLR(opt, [fns[n] for n in names] if len(names) > 1 else fns[names[0]])
    if t == "SequentialLR":
        subs = [build(opt, s) for s in a["schedulers"]]
        return S.SequentialLR(opt, subs, a["milestones"])
    if t == "ChainedScheduler":
        return S.ChainedScheduler([build(opt, s) for s in a["schedulers"]])
    if t == "ReduceLROnPlateau":
        return S.ReduceLROnPlateau(opt, mode=a.get("mode", "min"), factor=a.get("factor", 0.1),
                                   patience=a.get("patience", 10), threshold=a.get("threshold", 1e-4),
                                   threshold_mode=a.get("threshold_mode", "rel"), cooldown=a.get("cooldown", 0),
                                   min_lr=a.get("min_lr", 0.0), eps=a.get("eps", 1e-8))
    raise ValueError(t)


SCHED_CASES = [
    ("step", {"type": "StepLR", "args": {"step_size": 30}}),
    ("step_7_half", {"type": "StepLR", "args": {"step_size": 7, "gamma": 0.5}}),
    ("multistep", {"type": "MultiStepLR", "args": {"milestones": [30, 80]}}),
    ("multistep_repeated", {"type": "MultiStepLR", "args": {"milestones": [10, 10, 50], "gamma": 0.5}}),
    ("exponential", {"type": "ExponentialLR", "args": {"gamma": 0.95}}),
    ("constant", {"type": "ConstantLR", "args": {"factor": 0.25, "total_iters": 8}}),
    ("linear_default", {"type": "LinearLR", "args": {}}),
    ("linear_decay", {"type": "LinearLR", "args": {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 40}}),
    ("cosine_100", {"type": "CosineAnnealingLR", "args": {"T_max": 100}}),
    ("cosine_10_eta_min", {"type": "CosineAnnealingLR", "args": {"T_max": 10, "eta_min": 0.001}}),
    ("warm_restarts", {"type": "CosineAnnealingWarmRestarts", "args": {"T_0": 10}}),
    ("warm_restarts_mult", {"type": "CosineAnnealingWarmRestarts", "args": {"T_0": 5, "T_mult": 2, "eta_min": 0.001}}),
    ("onecycle_cos", {"type": "OneCycleLR", "args": {"max_lr": [1.0, 0.5], "total_steps": 100}}),
    ("onecycle_linear_three_phase", {"type": "OneCycleLR", "args": {
        "max_lr": [1.0, 0.5], "total_steps": 100, "anneal_strategy": "linear", "three_phase": True,
        "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0, "base_momentum": 0.8, "max_momentum": 0.9}}),
    ("onecycle_adam", {"type": "OneCycleLR", "optimizer": "Adam", "args": {"max_lr": [0.01, 0.02], "total_steps": 120}}),
    ("onecycle_no_momentum", {"type": "OneCycleLR", "args": {"max_lr": [0.3, 0.3], "total_steps": 100,
                                                             "cycle_momentum": False, "pct_start": 0.1}}),
    ("lambda_pow", {"type": "LambdaLR", "args": {"lambdas": ["pow095"]}}),
    ("lambda_per_group", {"type": "LambdaLR", "args": {"lambdas": ["inv", "warm10"]}}),
    ("sequential_warmup_cosine", {"type": "SequentialLR", "args": {
        "schedulers": [{"type": "LinearLR", "args": {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 10}},
                       {"type": "CosineAnnealingLR", "args": {"T_max": 90, "eta_min": 0.0}}],
        "milestones": [10]}}),
    ("sequential_three", {"type": "SequentialLR", "args": {
        "schedulers": [{"type": "LinearLR", "args": {"start_factor": 0.5, "end_factor": 1.0, "total_iters": 5}},
                       {"type": "ExponentialLR", "args": {"gamma": 0.9}},
                       {"type": "StepLR", "args": {"step_size": 10, "gamma": 0.5}}],
        "milestones": [5, 40]}}),
    ("chained_constant_exponential", {"type": "ChainedScheduler", "args": {
        "schedulers": [{"type": "ConstantLR", "args": {"factor": 0.1, "total_iters": 2}},
                       {"type": "ExponentialLR", "args": {"gamma": 0.9}}]}}),
    ("chained_linear_step", {"type": "ChainedScheduler", "args": {
        "schedulers": [{"type": "LinearLR", "args": {"start_factor": 0.2, "total_iters": 10}},
                       {"type": "StepLR", "args": {"step_size": 25, "gamma": 0.3}}]}}),
    ("plateau_default", {"type": "ReduceLROnPlateau", "metric": "loss", "args": {}}),
    ("plateau_min_half", {"type": "ReduceLROnPlateau", "metric": "loss", "args": {
        "factor": 0.5, "patience": 3, "threshold": 0.01, "cooldown": 2, "min_lr": 0.01}}),
    ("plateau_max_abs", {"type": "ReduceLROnPlateau", "metric": "accuracy", "args": {
        "mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.005, "threshold_mode": "abs",
        "min_lr": [0.01, 0.02]}}),
    ("plateau_min_abs_eps", {"type": "ReduceLROnPlateau", "metric": "loss", "args": {
        "factor": 0.1, "patience": 1, "threshold": 0.001, "threshold_mode": "abs", "eps": 1e-3}}),
    ("plateau_max_rel", {"type": "ReduceLROnPlateau", "metric": "accuracy", "args": {
        "mode": "max", "factor": 0.7, "patience": 4, "cooldown": 3}}),
]


def group_momentum(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g["momentum"])
    return out


def scheduler_goldens():
    metrics = plateau_metrics()
    cases = []
    for name, spec in SCHED_CASES:
        kind = spec.get("optimizer", "SGD")
        opt = make_optimizer(kind)
        sched = build(opt, spec)
        lrs = [[g["lr"] for g in opt.param_groups]]
        moms = [group_momentum(opt)]
        for t in range(SCHED_STEPS):
            opt.step()
            if spec["type"] == "ReduceLROnPlateau":
                sched.step(metrics[spec["metric"]][t])
            else:
                sched.step()
                assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append(group_momentum(opt))
        case = dict(spec)
        case["name"] = name
        case["optimizer"] = kind
        case["lrs"] = lrs
        if spec["type"] == "OneCycleLR":
            case["momentum"] = moms
        cases.append(case)
    return {"steps": SCHED_STEPS, "base_lrs": BASE_LRS, "momentum": 0.9, "metrics": metrics, "cases": cases}


# ---- gradient clipping ----

def clip_goldens():
    out = []
    grads = [torch.randn(3, 4, dtype=torch.float64) * 2, torch.randn(5, dtype=torch.float64)]
    for norm_type in [2.0, 1.0, 3.0, 0.5, float("inf")]:
        for max_norm in [0.5, 1e3]:
            ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
            for p, g in zip(ps, grads):
                p.grad = g.clone()
            total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
            out.append({"norm_type": "inf" if math.isinf(norm_type) else norm_type, "max_norm": max_norm,
                        "total_norm": float(total), "grads": [p.grad.reshape(-1).tolist() for p in ps]})
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.7)
    return {"grads": [g.reshape(-1).tolist() for g in grads], "shapes": [list(g.shape) for g in grads],
            "norm": out, "value": {"clip_value": 0.7, "grads": [p.grad.reshape(-1).tolist() for p in ps]}}


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    data = {
        "generator": "tools/golden/optim.py with torch " + torch.__version__,
        "optimizers": optimizer_goldens(),
        "schedulers": scheduler_goldens(),
        "clip": clip_goldens(),
    }
    path = os.path.join(root, "tests", "golden", "optim.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
