#!/usr/bin/env bash
# The data-pipeline figures of BENCHMARKS.md (issue #15), one after another on an idle machine:
#   bash experiments/data_pipeline/measure.sh BUILD_DIR PHOTOS_DIR OUT_DIR
# PHOTOS_DIR is made by BUILD_DIR/experiments/make_photo_folders data/samples PHOTOS_DIR when missing.
set -euo pipefail
build=$1 photos=$2 out=$3
mkdir -p "$out"
[[ -d $photos/large && -d $photos/small ]] || "$build/experiments/make_photo_folders" data/samples "$photos"
summary() { /usr/bin/python3 "$(dirname "$0")/summarise_metrics.py" "$@"; }
train() {  # NAME ARGS...: one training run under /usr/bin/time -v
  local name=$1; shift
  rm -rf "$out/$name"
  /usr/bin/time -v -o "$out/$name.time" "$build/lidecm" train --out "$out/$name" --overwrite --no-report -q "$@" \
    > "$out/$name.log" 2>&1
  echo "== $name: $*"; tail -n 1 "$out/$name.log"
  grep -E "Maximum resident|Elapsed" "$out/$name.time"
  summary "$out/$name/metrics.jsonl"
}
train a_default --data "$photos/large" --tiles --epochs 1
train a_in_memory --data "$photos/large" --tiles --epochs 2 --cache-mb 8192
for seed in 1234 1 2; do
  train "a_buffer_$seed" --data "$photos/large" --tiles --epochs 1 --seed "$seed"
  train "a_full_$seed" --data "$photos/large" --tiles --epochs 1 --seed "$seed" --shuffle-buffer 0
done
for threads in 1 2; do
  echo "== pipeline alone, small, $threads decoding thread(s)"
  "$build/experiments/loader_rate" --data "$photos/small" --decode-threads "$threads" --epochs 2
  echo "== pipeline alone, small, $threads decoding thread(s), --full-decode"
  "$build/experiments/loader_rate" --data "$photos/small" --decode-threads "$threads" --full-decode
  train "b_threads_$threads" --data "$photos/small" --epochs 1 --decode-threads "$threads"
done
echo "== reduced JPEG decoding against full, small, R = 64"
"$build/experiments/loader_rate" --data "$photos/small" --compare-reduced
echo "== reduced JPEG decoding against full, large, R = 64"
"$build/experiments/loader_rate" --data "$photos/large" --compare-reduced
