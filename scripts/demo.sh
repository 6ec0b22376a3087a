#!/usr/bin/env bash
# The main job on the built-in samples: train a codebook and the attention EM
# learner, then use the model (tokenize, decode, inspect), and denoise a noisy
# photo with per-image adaptation.
set -euo pipefail
build=${1:-build}
lidecm="$build/lidecm"
run=runs/demo
"$lidecm" train --data samples --tiles --out "$run" --overwrite
"$lidecm" tokenize --model "$run/model.lidecm" samples:astronaut -o "$run/astronaut.tok"
"$lidecm" detokenize --model "$run/model.lidecm" "$run/astronaut.tok" -o "$run/astronaut_tokens.png"
"$lidecm" detokenize --model "$run/model.lidecm" "$run/astronaut.tok" -o "$run/astronaut_refined.png" --refine
"$lidecm" info "$run/model.lidecm"
"$lidecm" generate --model "$run/model.lidecm" -n 16 -o "$run/generated.png"
den=runs/denoise
mkdir -p "$den"
"$lidecm" noise samples:astronaut --sigma 25 --seed 1234 -o "$den/noisy.png"
"$lidecm" noise samples:astronaut --sigma 0 -o "$den/clean.png"
# The default filter (collaborative, blind), then the seed's graph diffusion tuned per image.
"$lidecm" denoise "$den/noisy.png" -o "$den/denoised.png" --reference "$den/clean.png" --summary "$den/summary.json"
"$lidecm" denoise "$den/noisy.png" -o "$den/denoised_graph.png" --method graph --adapt --reference "$den/clean.png" \
  --summary "$den/summary_graph.json"
echo "demo: $run holds model.lidecm, metrics.jsonl, report.html (open it in a browser), samples.png,"
echo "      generated.png (16 new tiles from the token prior) and astronaut_{tokens,refined}.png;"
echo "      $den holds a noisy photo, its denoised versions (collaborative, graph --adapt) and their summaries"
