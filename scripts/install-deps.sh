#!/usr/bin/env bash
# Installs the Debian packages descent needs to build, test and run its main job.
# Idempotent: packages already installed are skipped, and apt-get runs only when something is missing.
#   scripts/install-deps.sh            # build + tests + main job (Fashion-MNIST data)
#   scripts/install-deps.sh --tests    # build + tests only
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libopenblas-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
          nlohmann-json3-dev libpng-dev libjpeg62-turbo-dev libsndfile1-dev libkissfft-dev
          libtomlplusplus-dev libcli11-dev libutf8proc-dev)
if [[ "${1:-}" != "--tests" ]]; then
  packages+=(dataset-fashion-mnist)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
