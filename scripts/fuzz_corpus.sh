#!/usr/bin/env bash
# Makes the fuzzers' seed corpora (fuzz/corpus/<target>/) with lidecm itself:
# small images in every format, a tiny model and its token file, metrics lines,
# CIFAR-10 records, and numeric flag values. Needs a build (argument: build dir).
set -euo pipefail
build=${1:-build}
lidecm="$build/lidecm"
out=fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Seeds made by hand (regression-*, fuzz_token/coded.tok, fuzz_model/tiny_token_prior.lidecm) are kept.
mkdir -p "$out"/{fuzz_image,fuzz_model,fuzz_token,fuzz_cifar,fuzz_metrics,fuzz_flags}
for ext in png jpg bmp ppm pgm tif webp; do
  "$lidecm" noise samples:astronaut --crop 12 --sigma 10 -o "$out/fuzz_image/astronaut12.$ext"
done
"$lidecm" noise samples:camera --crop 9 --sigma 0 -o "$out/fuzz_image/camera9.png"
# A tiny model: 8×8 crops of two samples, K = 2, one epoch.
mkdir -p "$tmp/data"
"$lidecm" noise samples:coffee --crop 8 --sigma 0 -o "$tmp/data/a.png"
"$lidecm" noise samples:chelsea --crop 8 --sigma 0 -o "$tmp/data/b.png"
"$lidecm" noise samples:camera --crop 8 --sigma 0 -o "$tmp/data/c.png"
"$lidecm" noise samples:coins --crop 8 --sigma 0 -o "$tmp/data/d.png"
"$lidecm" train -q --no-report --data "$tmp/data" --resolution 8 --codes 2 --epochs 1 --batch-size 2 \
  --init-images 3 --val-fraction 0.25 --out "$tmp/run" >/dev/null
cp "$tmp/run/model.lidecm" "$out/fuzz_model/tiny.lidecm"
"$lidecm" tokenize --model "$tmp/run/model.lidecm" "$out/fuzz_image/astronaut12.png" -o "$out/fuzz_token/astronaut12.tok" >/dev/null
head -n 1 "$tmp/run/metrics.jsonl" >"$out/fuzz_metrics/batch.json"
tail -n 1 "$tmp/run/metrics.jsonl" >"$out/fuzz_metrics/epoch.json"
# CIFAR-10: two records (label byte + 3,072 pixel bytes taken from a 32×32 PPM's payload).
"$lidecm" noise samples:coffee --crop 32 --sigma 0 -o "$tmp/c.ppm"
{ printf '\x03'; tail -c 3072 "$tmp/c.ppm"; printf '\x07'; tail -c 3072 "$tmp/c.ppm"; } >"$out/fuzz_cifar/two_records.bin"
for v in 25 0 255 1e-3 -1 nan inf 1e308 0x10 " 7" 4294967296 18446744073709551616 0.9 3.5e2; do
  printf '%s' "$v" >"$out/fuzz_flags/$(printf '%s' "$v" | tr -c 'A-Za-z0-9.-' '_')"
done
echo "fuzz corpus: $(find "$out" -type f | wc -l) files in $out"
