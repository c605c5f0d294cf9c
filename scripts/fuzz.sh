#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cpp) with clang, ASan and UBSan in build/fuzz, then
# runs them. fuzz/README.md lists the targets and the last campaign's figures.
#   scripts/fuzz.sh                      # every target, 60 s each (a quick check)
#   scripts/fuzz.sh 300 idx              # only idx_fuzz, 5 minutes
#   scripts/fuzz.sh --campaign [T...]    # each target to 1,000,000 executions or 30 minutes
#                                        # (FUZZ_RUNS, FUZZ_SECONDS); a table row per target in
#                                        # build/fuzz/campaign.md
#   scripts/fuzz.sh --seeds              # rewrite fuzz/corpus/ (the seeds kept in the repository)
# Seeds: fuzz/corpus/<name>/ (in the repository) and build/<preset>/fuzz_corpus/<name>/ (written by
# the test suite's *SeedCorpus* tests). Dictionaries: fuzz/dict/<name>.dict. New inputs go to
# build/fuzz/corpus/<name>/, crashes to build/fuzz/artifacts/<name>/. Every run limits memory:
# -rss_limit_mb=2048 and -malloc_limit_mb=256 (a reader must check sizes against the file before it
# allocates, so a larger single allocation is a finding). Exit status is non-zero on any finding.
set -euo pipefail

mode=quick
secs=60
case "${1:-}" in
  --campaign) mode=campaign; shift ;;
  --seeds) mode=seeds; shift ;;
  ''|*[!0-9]*) ;;
  *) secs=$1; shift ;;
esac
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

if [[ $mode == seeds ]]; then
  # Targets that make their own seeds write them; the others take the test suite's (small files).
  for t in "${targets[@]}"; do
    out=$root/fuzz/corpus/$t
    rm -rf "$out"
    if grep -q write_seeds_if_asked "$root/fuzz/${t}_fuzz.cpp"; then
      DESCENT_FUZZ_WRITE_SEEDS=$out "$build/fuzz/${t}_fuzz" >/dev/null
    elif compgen -G "$root/build/release/fuzz_corpus/$t/*" >/dev/null; then
      mkdir -p "$out"
      find "$root/build/release/fuzz_corpus/$t" -type f -size -17k -exec cp {} "$out/" \;
    else
      echo "fuzz.sh: no seeds for $t (run the test suite in build/release first)" >&2
    fi
    echo "fuzz/corpus/$t: $(find "$out" -type f 2>/dev/null | wc -l) seeds"
  done
  exit 0
fi

status=0
table=$build/campaign.md
if [[ $mode == campaign && ! -f $table ]]; then
  printf '| target | executions | seconds | exec/s | coverage (edges) | features | corpus | peak RSS (MB) | findings |\n|---|---|---|---|---|---|---|---|---|\n' >"$table"
fi
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  for d in "$root/fuzz/corpus/$t" "$root"/build/*/fuzz_corpus/"$t"; do
    [[ -d $d ]] && seeds+=("$d")
  done
  ((${#seeds[@]})) || echo "fuzz.sh: no seed corpus for $t; starting empty"
  flags=(-max_len=65536 -malloc_limit_mb=256 -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
         -artifact_prefix="$artifacts/")
  [[ -f $root/fuzz/dict/$t.dict ]] && flags+=(-dict="$root/fuzz/dict/$t.dict")
  if [[ $mode == campaign ]]; then
    flags+=(-runs="${FUZZ_RUNS:-1000000}" -max_total_time="${FUZZ_SECONDS:-1800}")
  else
    flags+=(-max_total_time="$secs")
  fi
  echo "== ${t}_fuzz (${mode}; seeds: ${seeds[*]:-none})"
  log=$build/${t}_fuzz.log
  start=$(date +%s)
  result=none
  if ! "$build/fuzz/${t}_fuzz" "${flags[@]}" "$corpus" "${seeds[@]}" 2>&1 | tee "$log" | grep -E '^(#[0-9]+ +(DONE|pulse)|==[0-9]+==ERROR|SUMMARY|stat::)'; then
    :
  fi
  if grep -qE '==[0-9]+==ERROR|^SUMMARY: |deadly signal|Test unit written' "$log"; then
    result="see $artifacts/"
    echo "fuzz.sh: ${t}_fuzz found a problem; reproducer in $artifacts/" >&2
    status=1
  fi
  if [[ $mode == campaign ]]; then
    secs_used=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    files=$(find "$corpus" -type f | wc -l)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "${execs:-?}" "$secs_used" \
      "$(( ${execs:-0} / (secs_used > 0 ? secs_used : 1) ))" "${cov:-?}" "${ft:-?}" "$files" "${rss:-?}" "$result" >>"$table"
  fi
done
[[ $mode == campaign ]] && cat "$table"
exit $status
