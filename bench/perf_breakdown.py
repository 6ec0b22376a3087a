#!/usr/bin/env python3
"""Where collaborative_denoise spends its time, from a `perf record` of it.

Usage (a build with -g, which does not change the code generated, so that perf
can name source lines; see BENCHMARKS.md):
    perf record -F 2000 -o /tmp/collab.data build-perf/bench/collaborative_memory --side 512
    python3 bench/perf_breakdown.py /tmp/collab.data

Samples are put in buckets by symbol (match_patches, the 2-D transforms, hadamard
are functions of their own); the filter's own loops are inlined into the stage's
parallel loop, so their samples are told apart by the source line's enclosing
method in src/denoise/collaborative.cpp (aggregation = filter_group's loop that
adds inverse-transformed patches into the stripe sums).
"""
import pathlib
import re
import subprocess
import sys
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "denoise" / "collaborative.cpp"

# Methods of collaborative.cpp -> bucket.
METHOD_BUCKET = {
    "filter_group": "aggregation (filter_group: weighted add of filtered patches)",
    "transform_group": "other lines of the stage loop",
    "hard_threshold": "stage 1 hard thresholding",
    "wiener": "stage 2 Wiener shrinkage",
    "run_stripe": "stripe set-up (zeroing the stripe sums)",
    "run_stage": "stripe merge and final division",
}
SYMBOL_BUCKET = [
    ("match_patches", "group search (match_patches, incl. its partial sort)"),
    ("forward_fixed", "2-D forward transforms (Separable2d::forward)"),
    ("inverse_fixed", "2-D inverse transforms (Separable2d::inverse)"),
    ("Separable2d::forward", "2-D forward transforms (Separable2d::forward)"),
    ("Separable2d::inverse", "2-D inverse transforms (Separable2d::inverse)"),
    ("hadamard", "Hadamard across the group (forward + inverse)"),
]


def enclosing_methods(path):
    """Line number -> name of the function or method whose body holds it."""
    head = re.compile(r"^(?: {4})?(?:[\w:<>,\*&]+\s+)+\**&?(\w+)\(")  # at namespace or class level
    names, current = {}, None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        m = head.match(line)
        if m and "=" not in line.split("(")[0] and not line.rstrip().endswith(";") \
                and not line.strip().startswith(("return", "//")):
            current = m.group(1)
        names[number] = current
    return names


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "perf.data"
    report = subprocess.run(
        ["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym,srcline", "-t", "|", "--stdio"],
        capture_output=True, text=True, check=True).stdout
    methods = enclosing_methods(SOURCE)
    buckets = defaultdict(float)
    for line in report.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) < 4:
            continue
        share, dso, sym, srcline = float(fields[0].rstrip("%")), fields[1], fields[2], fields[3]
        bucket = None
        for key, name in SYMBOL_BUCKET:
            if key in sym:
                bucket = name
                break
        if bucket is None and "run_stage" in sym:
            file, _, number = srcline.partition(":")
            if file == SOURCE.name and number.isdigit():
                bucket = METHOD_BUCKET.get(methods.get(int(number)), "other lines of the stage loop")
            elif file == "std_abs.h":
                bucket = METHOD_BUCKET["hard_threshold"]
            else:
                bucket = "other lines of the stage loop (inlined std::vector code)"
        if bucket is None:
            bucket = ("OpenMP runtime (threads waiting at the end of a wave)" if "libgomp" in dso
                      else "outside the filter (loading, noise, start-up, kernel)")
        buckets[bucket] += share
    total = sum(buckets.values())
    print("| part | share of samples |\n|---|--:|")
    for name, share in sorted(buckets.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {100 * share / total:.1f} % |")


if __name__ == "__main__":
    main()
