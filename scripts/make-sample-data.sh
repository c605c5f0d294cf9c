#!/usr/bin/env bash
# Writes the small generated datasets that configs/ (other than the Fashion-MNIST ones) train on:
#   data/samples/images/   class folders of PNG/JPEG images      (configs/image_folder.toml)
#   data/samples/audio/    class folders of WAV/FLAC clips        (configs/audio_folder.toml)
#   data/samples/text.csv, text_folder/                            (configs/text_csv_*.toml)
#   data/samples/regression.csv, classification.csv                (configs/tabular_regression.toml, binary.toml)
#   data/samples/languages.csv                                     (configs/text_lang_*.toml)
#
#   scripts/make-sample-data.sh [BUILD_DIR] [OUT_DIR]     (defaults: build/release, data/samples)
# The same bytes on every run (seeded generators); needs a build (cmake --build --preset release).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$ROOT/build/release}
out=${2:-$ROOT/data/samples}
for tool in make_sample_data_media make_sample_data_text; do
  if [ ! -x "$build/examples/$tool" ]; then
    echo "make-sample-data: $build/examples/$tool is missing; build first (cmake --build --preset release)" >&2
    exit 1
  fi
done
mkdir -p "$out"
"$build/examples/make_sample_data_media" "$out" >/dev/null
"$build/examples/make_sample_data_text" "$out" >/dev/null
echo "make-sample-data: wrote $out"
