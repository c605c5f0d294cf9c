#!/usr/bin/env bash
# Installs what only the benchmark comparison (bench/run.sh) needs: the two reference programs
# (libtorch's C++ frontend and PyTorch from Python), the Fashion-MNIST data they train on, GNU
# time for peak-RSS figures, and Google Benchmark (without it CMake skips bench/ altogether). Idempotent: packages already installed are skipped, and nothing
# runs apt-get when all of them are present. The tests never need any of this.
set -euo pipefail

packages=(libtorch-dev python3-torch python3-sklearn dataset-fashion-mnist time libbenchmark-dev)

missing=()
for p in "${packages[@]}"; do
  # dpkg -s exits 0 for removed-but-configured packages too; check the status line.
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    continue
  fi
  missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-bench-deps: all present (${packages[*]})"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "install-bench-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-bench-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
