#!/usr/bin/env python3
"""Turns one bench/run.sh run (JSON lines + `/usr/bin/time -v` logs per program and round) into
the comparison table on stdout and a JSON file.

Each program prints {"bench": NAME, "value": X} per line. Per figure, the best value over the
rounds is kept (highest for rates, lowest for times and memory): on a shared machine noise only
ever makes a figure worse, so the best round is the least disturbed one. All raw values are kept
in the JSON as well.

  report.py RUN_DIR --rounds N --threads T --json OUT.json

Besides the three programs' {prog}-{round}.jsonl, RUN_DIR may hold descent1t-{round}.jsonl (descent's
cnn_train on one thread, for the 2-thread/1-thread scaling) and descent-acc.jsonl / pytorch-acc.jsonl
(the accuracy runs of `run.sh --accuracy`; torch_ref.py's "seconds" field becomes NAME_seconds).
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys

PROGRAMS = [("descent", "descent"), ("libtorch", "libtorch"), ("pytorch", "PyTorch")]

# Figures in table order: (name, unit, note). Unknown names a program prints are appended.
FIGURES = [
    ("small_add_overhead_us", "us/call", ""),
    ("sgemm_256_gflops", "GFLOP/s", ""),
    ("sgemm_1024_gflops", "GFLOP/s", ""),
    ("sgemm_2048_gflops", "GFLOP/s", ""),
    ("openblas_sgemm_256_gflops", "GFLOP/s", "OpenBLAS called directly (descent_spec_bench)"),
    ("openblas_sgemm_1024_gflops", "GFLOP/s", "OpenBLAS called directly (descent_spec_bench)"),
    ("openblas_sgemm_2048_gflops", "GFLOP/s", "OpenBLAS called directly (descent_spec_bench)"),
    ("mlp_train_samples_per_s", "samples/s", ""),
    ("mlp_infer_batch1_us", "us/call", ""),
    ("mlp_infer_10k_samples_per_s", "samples/s", "only torch_ref.py and descent print it"),
    ("cnn_train_samples_per_s", "samples/s", ""),
    ("cnn_train_1t_samples_per_s", "samples/s", "descent_spec_bench 1 --only=cnn_train"),
    ("cnn_train_scaling_2t_over_1t", "x", "descent's cnn_train, 2 threads / 1 thread, same round"),
    ("cnn_infer_batch1_us", "us/call", ""),
    ("cnn_infer_10k_samples_per_s", "samples/s", "only torch_ref.py and descent print it"),
    ("mlp_train_peak_rss_mib", "MiB", "descent: high-water mark of the training run alone (data loaded)"),
    ("cnn_train_peak_rss_mib", "MiB",
     "descent: high-water mark of the training run alone; libtorch/PyTorch: whole process peak"),
    ("mlp_test_acc_10ep", "accuracy", "run.sh --accuracy; libtorch_ref has no accuracy run"),
    ("mlp_test_acc_10ep_seconds", "s", "run.sh --accuracy"),
    ("cnn_test_acc_5ep", "accuracy", "run.sh --accuracy; libtorch_ref has no accuracy run"),
    ("cnn_test_acc_5ep_seconds", "s", "run.sh --accuracy"),
]
# Per-process figures from /usr/bin/time -v; each program does different work (descent has no
# training yet), so these are shown for information and get no ratio.
PROCESS_FIGURES = [
    ("peak_rss_mib", "MiB", "whole process, different work per program"),
    ("wall_s", "s", "whole process, different work per program"),
]


def lower_is_better(name):
    return name.endswith(("_us", "_mib", "_seconds")) or name == "wall_s"


def best(values, name):
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return None
    return min(vals) if lower_is_better(name) else max(vals)


def parse_jsonl(path):
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
                out[str(obj["bench"])] = float(obj["value"])
                if "seconds" in obj:
                    out[str(obj["bench"]) + "_seconds"] = float(obj["seconds"])
            except (ValueError, KeyError, TypeError):
                continue
    return out


def parse_time(path):
    """Peak RSS (MiB), wall seconds and exit status from a `/usr/bin/time -v -o` file."""
    out = {"exit_status": None}
    if not os.path.exists(path):
        return out
    text = open(path).read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_rss_mib"] = int(m.group(1)) / 1024.0
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        out["wall_s"] = secs
    m = re.search(r"Exit status: (\d+)", text)
    if m:
        out["exit_status"] = int(m.group(1))
    return out


def fmt(v, name):
    if v is None:
        return "n/a"
    if name.endswith("_us"):
        return f"{v:.3f}" if v < 10 else f"{v:.1f}"
    if "_acc_" in name and not name.endswith("_seconds"):
        return f"{100 * v:.2f}%"
    if name.endswith(("_mib", "_seconds", "_scaling_2t_over_1t")) or name == "wall_s":
        return f"{v:.2f}" if name.endswith("_scaling_2t_over_1t") else f"{v:.1f}"
    return f"{v:,.1f}"


def ratio_vs_libtorch(name, d, l):
    """>1 means descent is better, whichever way the figure points."""
    if d is None or l is None or d <= 0 or l <= 0:
        return None
    return l / d if lower_is_better(name) else d / l


def target_of(name, best_vals):
    """The foundation issue's targets: (text, met or None)."""
    d = best_vals["descent"].get(name)
    if name == "small_add_overhead_us":
        l = best_vals["libtorch"].get(name)
        if d is None or l is None:
            return "<= 0.25x libtorch time", None
        frac = d / l
        return f"<= 0.25x libtorch time: {frac:.2f}x", frac <= 0.25
    if name == "sgemm_2048_gflops":
        o = best_vals["descent"].get("openblas_sgemm_2048_gflops")
        if d is None or o is None:
            return ">= 0.9x OpenBLAS direct", None
        frac = d / o
        return f">= 0.9x OpenBLAS direct: {frac:.2f}x", frac >= 0.9
    if name in ("cnn_train_samples_per_s", "mlp_train_samples_per_s"):
        r = ratio_vs_libtorch(name, d, best_vals["libtorch"].get(name))
        return (">= 2.0x libtorch", None) if r is None else (f">= 2.0x libtorch: {r:.2f}x", r >= 2.0)
    if name in ("cnn_infer_batch1_us", "mlp_infer_batch1_us"):
        l = best_vals["libtorch"].get(name)
        if d is None or l is None:
            return "<= 0.5x libtorch time", None
        return f"<= 0.5x libtorch time: {d / l:.2f}x", d / l <= 0.5
    if name == "cnn_train_peak_rss_mib":
        l = best_vals["libtorch"].get(name)
        if d is None or l is None:
            return "<= 1.0x libtorch", None
        return f"<= 1.0x libtorch: {d / l:.2f}x", d / l <= 1.0
    if name == "cnn_train_scaling_2t_over_1t":
        return (">= 1.7x", None) if d is None else (f">= 1.7x: {d:.2f}x", d >= 1.7)
    if name in ("mlp_test_acc_10ep", "cnn_test_acc_5ep"):
        p = best_vals["pytorch"].get(name)
        if d is None or p is None:
            return ">= PyTorch - 0.3 pp", None
        return f">= PyTorch - 0.3 pp: {100 * (d - p):+.2f} pp", d >= p - 0.003
    if name.startswith("sgemm_"):  # for information, no target
        o = best_vals["descent"].get("openblas_" + name)
        if d is not None and o is not None:
            return f"(info) {d / o:.2f}x OpenBLAS direct", None
    return "", None


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def git_rev(repo):
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir")
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--repo", default=".")
    ap.add_argument("--load", default="", help="load average seen at the start, for the record")
    ap.add_argument("--load-end", default="", help="load average seen at the end")
    args = ap.parse_args()

    raw = {p: {} for p, _ in PROGRAMS}        # program -> figure -> [value per round]
    failures = []
    # The references run twice a round: as shipped ({prog}-{r}) and with OMP_WAIT_POLICY=PASSIVE
    # ({prog}-{r}p); both count as rounds, so the best figure is the reference at its best.
    variant_raw = {}                          # (program, variant) -> figure -> [values]
    for prog, _ in PROGRAMS:
        for r in range(1, args.rounds + 1):
            for suffix, variant in (("", "as shipped"), ("p", "OMP_WAIT_POLICY=PASSIVE")):
                base = os.path.join(args.run_dir, f"{prog}-{r}{suffix}")
                if suffix and not os.path.exists(base + ".jsonl"):
                    continue
                figs = parse_jsonl(base + ".jsonl")
                t = parse_time(base + ".time")
                if t["exit_status"] not in (0, None) or not figs:
                    failures.append({"program": prog, "round": f"{r}{suffix}", "exit_status": t["exit_status"],
                                     "stderr": base + ".err"})
                for k in ("peak_rss_mib", "wall_s"):
                    if k in t:
                        figs[k] = t[k]
                for k, v in figs.items():
                    raw[prog].setdefault(k, []).append(v)
                    variant_raw.setdefault((prog, variant), {}).setdefault(k, []).append(v)

    # descent's 1-thread cnn_train: its own figure, and the scaling of each round (same round: same
    # machine state), best over rounds.
    scaling = []
    for r in range(1, args.rounds + 1):
        one_path = os.path.join(args.run_dir, f"descent1t-{r}.jsonl")
        one = parse_jsonl(one_path).get("cnn_train_samples_per_s")
        t1 = parse_time(os.path.join(args.run_dir, f"descent1t-{r}.time"))
        if os.path.exists(one_path) and (one is None or t1["exit_status"] not in (0, None)):
            failures.append({"program": "descent1t", "round": r, "exit_status": t1["exit_status"],
                             "stderr": os.path.join(args.run_dir, f"descent1t-{r}.err")})
        two = parse_jsonl(os.path.join(args.run_dir, f"descent-{r}.jsonl")).get("cnn_train_samples_per_s")
        if one is not None:
            raw["descent"].setdefault("cnn_train_1t_samples_per_s", []).append(one)
            if two is not None and one > 0:
                scaling.append(two / one)
    if scaling:
        raw["descent"]["cnn_train_scaling_2t_over_1t"] = scaling
    # The references print no per-run memory: their whole-process peak stands in for cnn_train's.
    for prog in ("libtorch", "pytorch"):
        if "peak_rss_mib" in raw[prog]:
            raw[prog]["cnn_train_peak_rss_mib"] = list(raw[prog]["peak_rss_mib"])
    for prog in ("descent", "pytorch"):
        for k, v in parse_jsonl(os.path.join(args.run_dir, f"{prog}-acc.jsonl")).items():
            raw[prog].setdefault(k, []).append(v)

    names = [f for f, _, _ in FIGURES]
    extra = sorted({k for p in raw.values() for k in p} - set(names) - {f for f, _, _ in PROCESS_FIGURES})
    figures = FIGURES + [(e, "", "") for e in extra] + PROCESS_FIGURES
    best_vals = {p: {k: best(v, k) for k, v in raw[p].items()} for p, _ in PROGRAMS}

    rows = []
    for name, unit, note in figures:
        vals = {p: best_vals[p].get(name) for p, _ in PROGRAMS}
        if all(v is None for v in vals.values()):
            continue
        is_process = name in ("peak_rss_mib", "wall_s")
        ratio = None if is_process else ratio_vs_libtorch(name, vals["descent"], vals["libtorch"])
        target, met = target_of(name, best_vals)
        rows.append({"figure": name, "unit": unit, "better": "lower" if lower_is_better(name) else "higher",
                     "descent": vals["descent"], "libtorch": vals["libtorch"], "pytorch": vals["pytorch"],
                     "ratio_vs_libtorch": ratio, "target": target or None, "target_met": met, "note": note or None,
                     "raw": {p: raw[p].get(name, []) for p, _ in PROGRAMS}})

    # The table.
    head = ["figure", "unit", "descent", "libtorch", "PyTorch", "ratio", "target", "met?"]
    table = []
    for row in rows:
        name = row["figure"]
        if row["ratio_vs_libtorch"] is not None:
            ratio = f"{row['ratio_vs_libtorch']:.2f}x"
        else:
            ratio = "-"
        target = row["target"] or ""
        met = "" if row["target_met"] is None else ("yes" if row["target_met"] else "NO")
        if not target and row["note"]:
            target = "(" + row["note"] + ")"
        table.append([name, row["unit"], fmt(row["descent"], name), fmt(row["libtorch"], name),
                      fmt(row["pytorch"], name), ratio, target, met])
    widths = [max(len(str(r[i])) for r in [head] + table) for i in range(len(head))]
    right = {2, 3, 4, 5}

    def line(cells):
        return "  ".join(str(c).rjust(widths[i]) if i in right else str(c).ljust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    print()
    print(f"descent vs references: {args.threads} threads, best of {args.rounds} round(s), "
          f"descent {git_rev(args.repo) or '?'}, {cpu_model()}, load at start {args.load or '?'}")
    print("ratio = descent vs libtorch, oriented so that > 1 means descent is better "
          "(libtorch/descent for times, descent/libtorch for rates); n/a = figure not produced")
    print("references: the better of as shipped and OMP_WAIT_POLICY=PASSIVE, round by round; "
          f"load average at the end {args.load_end or '?'}")
    quiet = True
    for load in (args.load, args.load_end):
        try:
            quiet = quiet and float(load.split()[0]) <= 0.25 * (os.cpu_count() or 1)
        except (ValueError, IndexError):
            pass
    if not quiet:
        print("WARNING: the machine was not quiet (load average above a quarter of the cores at the start "
              "or the end): the figures are noisy; measure again on a quiet machine")
    print(line(head))
    print(line(["-" * w for w in widths]))
    for r in table:
        print(line(r))
    if failures:
        print()
        for f in failures:
            print(f"WARNING: {f['program']} round {f['round']} failed or printed nothing "
                  f"(exit {f['exit_status']}); see {f['stderr']}")

    result = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "descent_commit": git_rev(args.repo),
        "host": platform.node(),
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "load_at_start": args.load,
        "load_at_end": args.load_end,
        "reference_variants": {f"{p} ({v})": {k: best(vals, k) for k, vals in figs.items()}
                               for (p, v), figs in variant_raw.items() if p != "descent"},
        "threads": args.threads,
        "rounds": args.rounds,
        "aggregate": "best over rounds (max for rates, min for times and memory)",
        "ratio_orientation": "> 1 means descent is better than libtorch",
        "rows": rows,
        "failures": failures,
        "raw_dir": os.path.abspath(args.run_dir),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"\nwritten: {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
