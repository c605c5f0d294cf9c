#!/usr/bin/env bash
# Runs the end-to-end bench spec (../shared/bench/SPEC.md) for descent and both references on this
# machine, in the same run, alternating programs round by round, and prints the comparison table.
#
#   bench/run.sh [--rounds N] [--quick] [--threads T] [--accuracy] [--no-install] [--no-build]
#
#   --rounds N    rounds of (descent, libtorch, PyTorch); best value per figure is kept (default 2).
#                 Each round runs libtorch and PyTorch twice, as shipped and with
#                 OMP_WAIT_POLICY=PASSIVE, and the better figure is their reference.
#   --quick       one round. The references' arguments offer no way to skip their training
#                 figures, so a round still takes about 35 s (see bench/README.md)
#   --threads T   threads for every program (default 2, or DESCENT_BENCH_THREADS)
#   --accuracy    also the accuracy runs (mlp 10 epochs, cnn 5 epochs) of descent and torch_ref.py,
#                 once, after the rounds (several minutes; libtorch_ref has no accuracy run)
#   --no-install  skip scripts/install-bench-deps.sh
#   --no-build    skip configuring/building descent and the libtorch reference (they must exist)
#
# Environment: SHARED_DIR (default ../shared, relative to the repository root) holds
# bench/libtorch_ref.cpp and bench/torch_ref.py.
#
# Output: the table on stdout; build/bench/results-<date>.json; raw output of every program and
# round (JSON lines, stderr, /usr/bin/time -v) under build/bench/run-<date>/.
set -euo pipefail

start_s=$SECONDS
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

rounds=2
threads=${DESCENT_BENCH_THREADS:-2}
do_install=1
do_build=1
do_accuracy=0
usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    --quick) rounds=1; shift ;;
    --threads) threads=${2:?--threads needs a number}; shift 2 ;;
    --threads=*) threads=${1#*=}; shift ;;
    --accuracy) do_accuracy=1; shift ;;
    --no-install) do_install=0; shift ;;
    --no-build) do_build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds must be a positive integer, got '$rounds'" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --threads must be a positive integer, got '$threads'" >&2; exit 2; }

SHARED_DIR=${SHARED_DIR:-../shared}
if ! shared=$(cd "$SHARED_DIR" 2>/dev/null && pwd) || [ ! -f "$shared/bench/libtorch_ref.cpp" ] \
    || [ ! -f "$shared/bench/torch_ref.py" ]; then
  echo "run.sh: no bench/libtorch_ref.cpp and bench/torch_ref.py under SHARED_DIR='$SHARED_DIR'" >&2
  exit 1
fi
ref_cpp=$shared/bench/libtorch_ref.cpp
ref_py=$shared/bench/torch_ref.py
spec_bench=build/release/bench/descent_spec_bench
ref_bin=build/bench-ref/libtorch_ref

step() { printf '\n== %s\n' "$*"; }

# (a) reference programs, data set, GNU time
if [ "$do_install" = 1 ]; then
  step "dependencies"
  scripts/install-bench-deps.sh
fi

if [ "$do_build" = 1 ]; then
  # (b) descent in Release. Only the bench targets (and the library they need) are built: the
  # tests and examples are not part of the comparison. DESCENT_BUILD_BENCH=ON overrides a cached OFF.
  step "build descent (Release)"
  cmake --preset release -DDESCENT_BUILD_BENCH=ON >/dev/null
  if ! ninja -C build/release -t targets all 2>/dev/null | grep -q '^descent_spec_bench:'; then
    echo "run.sh: no descent_spec_bench target: is Google Benchmark (libbenchmark-dev) installed?" >&2
    exit 1
  fi
  ninja -C build/release -j"$(nproc)" descent_spec_bench descent_micro_bench

  # (c) the libtorch reference, as its header comment says; rebuilt when the source is newer.
  step "build libtorch reference"
  mkdir -p build/bench-ref
  if [ ! -x "$ref_bin" ] || [ "$ref_cpp" -nt "$ref_bin" ]; then
    g++ -O2 -std=c++17 "$ref_cpp" -I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10 -lz -o "$ref_bin"
    echo "built $ref_bin"
  else
    echo "$ref_bin is up to date"
  fi
fi
for f in "$spec_bench" "$ref_bin"; do
  [ -x "$f" ] || { echo "run.sh: $f missing (run without --no-build)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time missing (scripts/install-bench-deps.sh)" >&2; exit 1; }

# (d) alternate the programs so that slow drift of the machine hits all of them alike.
stamp=$(date +%Y%m%d-%H%M%S)
out=build/bench/run-$stamp
mkdir -p "$out"
load=$(cut -d' ' -f1-3 /proc/loadavg)
step "run: $rounds round(s), $threads thread(s), load average $load; raw output in $out"
# Another build on a 2-core machine halves what the BLAS threads get and slows the references
# several-fold; ratios survive a little of that, not much. Say so rather than wait.
if awk -v l="${load%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > 0.25 * n) }'; then
  echo "  WARNING: load average ${load%% *} on $(nproc) cores: other work is running, figures will be noisy"
fi

run_one() {  # name round command...
  local name=$1 round=$2; shift 2
  local base=$out/$name-$round
  local t0=$SECONDS rc=0
  # The environment may pin OpenBLAS to an older kernel; unset that for every program compared.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -v -o "$base.time" "$@" \
    >"$base.jsonl" 2>"$base.err" || rc=$?
  printf '  round %-3s %-9s %3ds  exit %d\n' "$round" "$name" $((SECONDS - t0)) "$rc"
}
for ((r = 1; r <= rounds; r++)); do
  run_one descent "$r" "$spec_bench" "$threads"
  # descent's cnn_train on one thread, for the 2-thread / 1-thread scaling
  run_one descent1t "$r" "$spec_bench" 1 --only=cnn_train
  # The references as shipped and with OMP_WAIT_POLICY=PASSIVE: their spinning OpenMP threads
  # collapse on a busy machine, so report.py keeps the better of the two (libtorch at its best).
  run_one libtorch "$r" "$ref_bin" "$threads"
  run_one libtorch "${r}p" env OMP_WAIT_POLICY=PASSIVE "$ref_bin" "$threads"
  run_one pytorch "$r" /usr/bin/python3 "$ref_py" speed "$threads"
  run_one pytorch "${r}p" env OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$ref_py" speed "$threads"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "  load average at the end: $load_end"

if [ "$do_accuracy" = 1 ]; then
  step "accuracy runs (mlp 10 epochs, cnn 5 epochs)"
  run_one descent acc "$spec_bench" "$threads" --accuracy
  run_one pytorch acc /usr/bin/python3 "$ref_py" accuracy "$threads"
fi

# (e) table, (f) JSON
rc=0
python3 bench/report.py "$out" --rounds "$rounds" --threads "$threads" --repo "$ROOT" --load "$load" --load-end "$load_end" \
  --json "build/bench/results-$stamp.json" || rc=$?
echo "run.sh took $((SECONDS - start_s)) s"
exit "$rc"
