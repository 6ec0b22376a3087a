#!/usr/bin/env bash
# The golden run of issue #25: every job of the CLI and the Python module on the samples,
# and one digest per output (JSON with its timing fields removed). Run it before and after a
# refactor that must not change behaviour and diff the two manifests:
#   bash scripts/golden.sh build /tmp/golden-before > before.txt   (on the old commit)
#   bash scripts/golden.sh build /tmp/golden-after  > after.txt    (on the new one)
#   diff before.txt after.txt
set -euo pipefail
build=${1:-build}
out=${2:-/tmp/lidecm-golden}
python=${PYTHON:-/usr/bin/python3}
lidecm="$build/lidecm"
rm -rf "$out"
mkdir -p "$out"
run="$out/run"
"$lidecm" train --data samples --tiles --out "$run" --epochs 2 --max-batches 6 --refine-per-batch 2 -q
"$lidecm" train --data samples --tiles --out "$out/run_seed" --epochs 1 --max-batches 4 --learner seed \
  --refiner graph --input-noise 10 -q
"$lidecm" tokenize --model "$run/model.lidecm" samples:astronaut -o "$out/astronaut.tok"
"$lidecm" detokenize --model "$run/model.lidecm" "$out/astronaut.tok" -o "$out/tokens.png"
"$lidecm" detokenize --model "$run/model.lidecm" "$out/astronaut.tok" -o "$out/refined.png" --refine
"$lidecm" info "$run/model.lidecm" > "$out/info_model.txt"
"$lidecm" info "$out/astronaut.tok" > "$out/info_tok.txt"
"$lidecm" noise samples:camera --sigma 25 --seed 7 -o "$out/noisy.png"
"$lidecm" noise samples:camera --sigma 0 -o "$out/clean.png"
"$lidecm" denoise "$out/noisy.png" -o "$out/d_default.png" --summary "$out/d_default.json" \
  --reference "$out/clean.png"
"$lidecm" denoise "$out/noisy.png" -o "$out/d_table.png" --no-adapt --strength 1.2 --summary "$out/d_table.json"
"$lidecm" denoise "$out/noisy.png" -o "$out/d_sigma.png" --noise-sigma 20 --summary "$out/d_sigma.json"
"$lidecm" denoise "$out/noisy.png" -o "$out/d_graph.png" --method graph --summary "$out/d_graph.json"
"$lidecm" denoise "$out/noisy.png" -o "$out/d_graph_adapt.png" --method graph --adapt --iterations 2 \
  --perceptual --summary "$out/d_graph_adapt.json"
"$lidecm" denoise "$out/noisy.png" -o "$out/d_graph_flags.png" --method graph --sigma 0.2 --tau 0.15 \
  --smooth-steps 3 --summary "$out/d_graph_flags.json"
PYTHONPATH="$build/python" "$python" - "$out" <<'EOF'
import sys, numpy as np, lidecm
out = sys.argv[1]
rng = np.random.default_rng(3)
noisy = np.clip(np.linspace(0, 1, 96 * 80 * 3).reshape(96, 80, 3) + rng.normal(0, 0.1, (96, 80, 3)), 0, 1)
np.save(f"{out}/py_denoise.npy", lidecm.denoise(noisy.astype(np.float32)))
np.save(f"{out}/py_denoise_sigma.npy", lidecm.denoise(noisy, 0.08, strength=1.1, adapt=False))
np.save(f"{out}/py_denoise_graph.npy", lidecm.denoise(noisy, method="graph"))
np.save(f"{out}/py_denoise_graph_adapt.npy", lidecm.denoise(noisy, method="graph", adapt=True))
np.save(f"{out}/py_noise.npy", np.array([lidecm.estimate_noise(noisy)]))
lidecm.train("samples", f"{out}/py_run", tiles=True, epochs=1, max_batches=3, refine_per_batch=2,
             input_noise=5.0, learner="plain", batch_size=16, seed=9)
m = lidecm.load_model(f"{out}/run/model.lidecm")
t = m.tokenize(noisy)
np.save(f"{out}/py_tokens.npy", t)
np.save(f"{out}/py_detok.npy", m.detokenize(t, refine=True))
L = lidecm.EMParameterLearning(num_classes=3)
patches = rng.random((40, 8 * 8 * 3))
centers = rng.random((40, 2)) * 64
for i in range(5):
    L.update_global_params(0.5 - 0.05 * i, 0.4, patches, centers)
    L.update_class_params(i % 3, 0.3 + 0.1 * i, 0.2 + 0.15 * i)
with open(f"{out}/py_learner.txt", "w") as f:
    f.write(repr(L.get_parameters()) + repr(L.get_parameters(1)) + repr(L.get_status()))
EOF
# One digest per output file; JSON and metrics lines without their clock readings.
"$python" - "$out" <<'EOF'
import hashlib, json, os, sys
root = sys.argv[1]
def scrub(v):
    if isinstance(v, dict):
        return {k: scrub(x) for k, x in v.items()
                if k not in ("timings", "seconds", "data_wait_share", "eta_seconds", "images_per_second", "learner_share")}
    if isinstance(v, list):
        return [scrub(x) for x in v]
    return v.replace(root, "OUT") if isinstance(v, str) else v
for dirpath, _, files in sorted(os.walk(root)):
    for name in sorted(files):
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        if name in ("report.html", "run.lock") or name.endswith(".log"):
            continue  # clock readings throughout; the report's figures come from metrics.jsonl
        data = open(path, "rb").read()
        if name.endswith(".json"):
            data = json.dumps(scrub(json.loads(data)), sort_keys=True).encode()
        elif name.endswith(".jsonl"):
            lines = [json.dumps(scrub(json.loads(l)), sort_keys=True) for l in data.decode().splitlines() if l.strip()]
            data = "\n".join(lines).encode()
        print(hashlib.sha256(data).hexdigest()[:16], rel)
EOF
