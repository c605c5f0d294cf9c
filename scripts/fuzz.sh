#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cpp) with clang, ASan and UBSan in build/fuzz, then
# runs each for the given number of seconds.
#   scripts/fuzz.sh              # every target, 60 s each
#   scripts/fuzz.sh 300 idx      # only idx_fuzz, 5 minutes
# Seeds come from build/<preset>/fuzz_corpus/<name>, which the test suite writes (the script runs
# the test that writes them when a release build exists). New inputs go to build/fuzz/corpus/<name>,
# crashes to build/fuzz/artifacts/<name>/. Exit status is non-zero when any target finds a crash.
set -euo pipefail

secs=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2
  exit 1
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$root"/fuzz/*_fuzz.cpp; do
    n=$(basename "$f" .cpp)
    targets+=("${n%_fuzz}")
  done
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDESCENT_FUZZ=ON -DDESCENT_SANITIZE=ON -DDESCENT_BUILD_TESTS=OFF -DDESCENT_BUILD_EXAMPLES=OFF \
  -DDESCENT_BUILD_BENCH=OFF >/dev/null
ninja -C "$build" -j"${FUZZ_JOBS:-2}" "${targets[@]/%/_fuzz}"

# Seed corpora are written by the tests (Idx.SeedCorpusForTheFuzzer and friends, in every
# test_data_* binary); they run once when a target has no corpus yet.
for t in "${targets[@]}"; do
  if ! compgen -G "$root/build/*/fuzz_corpus/$t" >/dev/null; then
    for test in "$root"/build/release/tests/test_data_*; do
      if [[ -x $test ]]; then "$test" --gtest_filter='*SeedCorpus*' >/dev/null || true; fi
    done
    break
  fi
done

status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  for d in "$root"/build/*/fuzz_corpus/"$t"; do
    [[ -d $d ]] && seeds+=("$d")
  done
  ((${#seeds[@]})) || echo "fuzz.sh: no seed corpus for $t (run the test suite once); starting empty"
  echo "== ${t}_fuzz for ${secs} s (seeds: ${seeds[*]:-none})"
  # Inputs up to 64 KiB; no single allocation above 256 MB (readers must not trust header sizes).
  if ! "$build/fuzz/${t}_fuzz" -max_total_time="$secs" -max_len=65536 -malloc_limit_mb=256 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}"; then
    echo "fuzz.sh: ${t}_fuzz found a problem; reproducer in $artifacts/" >&2
    status=1
  fi
done
exit $status
