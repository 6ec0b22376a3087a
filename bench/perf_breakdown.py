#!/usr/bin/env python3
"""Where collaborative_denoise spends its time, from a `perf record` of it with call chains.

Usage (a build with -g, which leaves the generated code as it is, so that perf can
name inlined functions; the commands are in BENCHMARKS.md):
    perf record -F 2000 --call-graph dwarf,16384 -o /tmp/collab.data \
        build-perf/bench/collaborative_memory --side 512
    python3 bench/perf_breakdown.py /tmp/collab.data

Each sample goes to one part: its frames are walked from the leaf outwards (perf
resolves inlined functions into frames of their own) until a function of the filter
is met. The 2-D transforms share one kernel (apply8) for both directions; a sample
in it counts as forward when the kernel was called from transform_group (the
noisy group of either stage, or the stage-2 oracle group) and as inverse when it
was called from filter_group (each filtered patch before aggregation). Code of
filter_group itself is the aggregation loop (and the group's bookkeeping).
"""
import subprocess
import sys
from collections import Counter

PARTS = {
    "search": "group search (match_patches, with its partial sort)",
    "forward": "2-D forward transforms (Separable2d::forward, both stages + stage-2 oracle)",
    "inverse": "2-D inverse transforms (Separable2d::inverse)",
    "hadamard": "Hadamard across the group (forward + inverse)",
    "threshold": "stage 1 hard thresholding",
    "wiener": "stage 2 Wiener shrinkage",
    "aggregate": "aggregation (filter_group: weighted add of each filtered patch)",
    "stripe": "stripe set-up (zeroing the stripe sums)",
    "merge": "stripe merge and final division (run_stage)",
    "colour": "colour transform (to/from opponent planes)",
    "sigma": "noise estimate (CollaborativeOptions::for_image)",
    "omp": "OpenMP runtime (a thread waiting at the end of a wave or region)",
    "other": "outside the filter (loading, resizing, noise, start-up)",
}


def name_of(frame):
    """'  ip name+0xoff (dso)' -> (name, dso)."""
    text = frame.strip().split(" ", 1)[1] if " " in frame.strip() else ""
    dso = text[text.rfind("(") + 1:-1] if text.endswith(")") else ""
    name = text.rsplit("+0x", 1)[0] if "+0x" in text else text.rsplit(" (", 1)[0]
    return name, dso


def classify(frames):
    names = [name_of(f) for f in frames]
    if not names:
        return "other"
    if any("for_image" in n or "estimate_noise_sigma" in n for n, _ in names):
        return "sigma"
    if "libgomp" in names[0][1]:
        return "omp"
    transform = False
    for name, _ in names:
        base = name
        if transform:
            if base.endswith("Separable2d::forward") or base == "transform_group":
                return "forward"
            if base.endswith("Separable2d::inverse") or base == "filter_group":
                return "inverse"
            continue
        if base.endswith("::match_patches"):
            return "search"
        if "::apply8" in base or "::apply_any" in base or base.endswith("Separable2d::apply"):
            transform = True
            continue
        if base.endswith("Separable2d::forward"):
            return "forward"
        if base.endswith("Separable2d::inverse"):
            return "inverse"
        if base.endswith("::hadamard"):
            return "hadamard"
        if base == "hard_threshold":
            return "threshold"
        if base == "wiener":
            return "wiener"
        if base == "filter_group":
            return "aggregate"
        if base == "run_stripe":
            return "stripe"
        if base.endswith("::run_stage"):
            return "merge"
        if "to_opponent" in base or "from_opponent" in base:
            return "colour"
    return "other"


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "perf.data"
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,symoff,dso"],
                            capture_output=True, text=True, check=True).stdout
    counts = Counter()
    for block in script.split("\n\n"):
        lines = [l for l in block.splitlines() if l.strip()]
        if lines:
            counts[classify(lines[1:])] += 1
    total = sum(counts.values())
    inside = total - counts["other"] - counts["sigma"]
    print(f"{total} samples, {inside} inside collaborative_denoise's stages\n")
    print("| part | share of all samples | share of the filter's |\n|---|--:|--:|")
    for key, count in counts.most_common():
        share_filter = f"{100 * count / inside:.1f} %" if key not in ("other", "sigma") else "—"
        print(f"| {PARTS[key]} | {100 * count / total:.1f} % | {share_filter} |")


if __name__ == "__main__":
    main()
