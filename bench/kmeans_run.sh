#!/usr/bin/env bash
# KMeans, k = 10, n_init = 4, on the 10,000 Fashion-MNIST test images: descent (descent_kmeans_bench)
# and scikit-learn (kmeans_ref.py, Debian python3-sklearn) in the same run, same threads; prints
# inertia and seconds of both and the ratios descent / scikit-learn. Target: inertia within 0.5%,
# time ratio <= 1.
#
#   bench/kmeans_run.sh [--threads T] [--repeat N] [--seed S] [--build-dir DIR] [--no-build]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
threads=${DESCENT_BENCH_THREADS:-2}
repeat=3
seed=0
build=build/release
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=${2:?}; shift 2 ;;
    --repeat) repeat=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kmeans_run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ "$do_build" = 1 ]; then
  [ -f "$build/CMakeCache.txt" ] || cmake --preset release -B "$build" -DDESCENT_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" -j"$(nproc)" --target descent_kmeans_bench >/dev/null
fi
bin="$build/bench/descent_kmeans_bench"
[ -x "$bin" ] || { echo "kmeans_run.sh: $bin not found (build it or drop --no-build)" >&2; exit 1; }

ours=$("$bin" --threads "$threads" --repeat "$repeat" --seed "$seed")
ref=$(/usr/bin/python3 bench/kmeans_ref.py --threads "$threads" --repeat "$repeat" --seed "$seed")
/usr/bin/python3 - "$threads" <<PY
import json, sys
vals = {}
for line in """$ours
$ref""".splitlines():
    if line.strip():
        o = json.loads(line); vals[o["bench"]] = o["value"]
d_s, s_s = vals["kmeans_fmnist_s"], vals["sklearn_kmeans_fmnist_s"]
d_i, s_i = vals["kmeans_fmnist_inertia"], vals["sklearn_kmeans_fmnist_inertia"]
print(f"KMeans k=10 n_init=4 on 10,000 Fashion-MNIST test images, {sys.argv[1]} threads (best of $repeat fits)")
print(f"{'':14}{'inertia':>14}{'seconds':>10}{'n_iter':>8}")
print(f"{'descent':14}{d_i:14.2f}{d_s:10.3f}{int(vals['kmeans_fmnist_n_iter']):8d}")
print(f"{'scikit-learn':14}{s_i:14.2f}{s_s:10.3f}{int(vals['sklearn_kmeans_fmnist_n_iter']):8d}")
print(f"ratio descent / scikit-learn: inertia {d_i / s_i:.4f} ({100 * (d_i / s_i - 1):+.2f}%), time {d_s / s_s:.3f}")
PY
