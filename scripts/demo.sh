#!/usr/bin/env bash
# The main job on the built-in samples: add noise to a photo, denoise it with
# the attention EM learner tuning the parameters, and show what came out.
set -euo pipefail
build=${1:-build}
out=runs/demo
mkdir -p "$out"
lidecm="$build/lidecm"
"$lidecm" noise samples:astronaut --sigma 25 --seed 1234 -o "$out/noisy.png"
"$lidecm" noise samples:astronaut --sigma 0 -o "$out/clean.png"
"$lidecm" denoise "$out/noisy.png" -o "$out/denoised.png" --adapt --reference "$out/clean.png" \
  --summary "$out/summary.json"
echo "demo: wrote $out/noisy.png, $out/denoised.png and $out/summary.json (parameters, attention, timings)"
