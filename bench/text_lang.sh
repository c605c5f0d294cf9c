#!/usr/bin/env bash
# Language identification of short texts (data/samples/languages.csv, eight made-up languages;
# see data::synthetic::write_language_csv): descent's character n-gram model
# (configs/text_lang_char.toml), descent's character n-gram TF-IDF + linear model
# (configs/text_lang_tfidf.toml), a word-level embedding bag, and scikit-learn's character n-gram
# TF-IDF + LogisticRegression, all on the same train / validation / test files (70 / 15 / 15, in
# file order). Prints each test accuracy.
#   bench/text_lang.sh [BUILD_DIR]          (default build/release; needs python3-sklearn for the last)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/examples/make_sample_data_text" "$work/samples" --language-rows "${ROWS:-16000}" >/dev/null
csv=$work/samples/languages.csv
rows=$(($(wc -l <"$csv") - 1))
head -1 "$csv" >"$work/train.csv"; cp "$work/train.csv" "$work/val.csv"; cp "$work/train.csv" "$work/test.csv"
# Texts hold no commas, quotes or line breaks: one row per line.
tail -n +2 "$csv" | awk -v n="$rows" -v d="$work" '{ f = NR <= 0.7 * n ? "train" : NR <= 0.85 * n ? "val" : "test"; print >> (d "/" f ".csv") }'
given="--set data.path=$work/train.csv --set data.val_path=$work/val.csv --set data.test_path=$work/test.csv --set data.split=[1.0,0.0]"
accuracy() { python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["test"]["accuracy"])' "$1/summary.json"; }
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
for cfg in text_lang_char text_lang_tfidf; do
  start=$(date +%s)
  "$build/bin/descent" train "$root/configs/$cfg.toml" $given --out "$work/$cfg" --quiet >/dev/null
  echo "descent $cfg: test accuracy $(accuracy "$work/$cfg") ($(($(date +%s) - start)) s)"
done
start=$(date +%s)
"$build/bin/descent" train "$root/configs/text_csv_bag.toml" $given --set data.label_column=language --set epochs=10 \
  --set model.embed_dim=64 --out "$work/word" --quiet >/dev/null
echo "descent word-level embedding bag: test accuracy $(accuracy "$work/word") ($(($(date +%s) - start)) s)"
py=/usr/bin/python3  # Debian's python, where python3-sklearn installs
if "$py" -c "import sklearn" 2>/dev/null; then
  "$py" "$root/bench/text_lang_baseline.py" "$work/train.csv" "$work/test.csv"
else
  echo "scikit-learn baseline skipped (apt-get install python3-sklearn)"
fi
