#!/usr/bin/env bash
# check_report_render.sh REPORT.html OUT.png [PNG_CHECKER]
# Renders a report in headless Chromium (Debian's chromium package; not a project dependency) and
# checks the screenshot is not empty and not blank. PNG_CHECKER is the report_png_check program built
# with the tests; without it only the file size is checked.
# Exit codes: 0 rendered, 1 failed, 2 usage, 77 skipped (no chromium: ctest's SKIP_RETURN_CODE).
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 REPORT.html OUT.png [PNG_CHECKER]" >&2
  exit 2
fi
report=$1
out=$2
checker=${3:-}
chromium=${CHROMIUM:-/usr/bin/chromium}
size=${REPORT_WINDOW_SIZE:-1200,4000}

if [[ ! -x $chromium ]]; then
  echo "skipped: $chromium not found (apt-get install chromium)" >&2
  exit 77
fi
if [[ ! -s $report ]]; then
  echo "$report: missing or empty" >&2
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out"
url="file://$(realpath "$report")"
# The closed network refuses Chromium's background connections: turn them all off.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
  --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$size" --screenshot="$(realpath -m "$out")" "$url" >"$profile/chromium.log" 2>&1 || {
  echo "chromium failed:" >&2
  cat "$profile/chromium.log" >&2
  exit 1
}
if [[ ! -s $out ]]; then
  echo "no screenshot written" >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
bytes=$(stat -c %s "$out")
if [[ -n $checker ]]; then
  "$checker" "$out" 400 400
else
  # A blank page compresses to a few kilobytes; charts and text take far more.
  if ((bytes < 20000)); then
    echo "$out: only $bytes bytes: blank page?" >&2
    exit 1
  fi
fi
echo "rendered $report -> $out ($bytes bytes)"
