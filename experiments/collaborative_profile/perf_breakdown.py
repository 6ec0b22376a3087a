#!/usr/bin/env python3
"""Where collaborative_denoise spends its time, from a `perf record` of it with call chains.

Usage (a build with -g, which leaves the generated code as it is, so that source
lines can be named; the commands are in BENCHMARKS.md):
    perf record -F 2000 --call-graph dwarf,16384 -o /tmp/collab.data \
        build-perf/experiments/collaborative_memory --side 512
    python3 experiments/collaborative_profile/perf_breakdown.py /tmp/collab.data

Each sample goes to one part. The group search, the transform kernel and the
Hadamard transform are functions of their own; the filter's loops are inlined into
the stage's parallel loop, so a sample there is named by the method of
src/denoise/collaborative.cpp that holds its source line (addr2line, innermost
inlined level). The 2-D transforms share one kernel for both directions: a sample
in it is forward when its call site is in transform_group (the noisy group of
either stage and the stage-2 oracle group) and inverse when it is in filter_group
(each filtered patch before aggregation). filter_group's own lines are the
aggregation loop and the group's bookkeeping.
"""
import pathlib
import re
import subprocess
import sys
from collections import Counter

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "src" / "denoise" / "collaborative.cpp"

PARTS = {
    "search": "group search (match_patches, with its partial sort)",
    "forward": "2-D forward transforms (Separable2d::forward: both stages + the stage-2 oracle)",
    "inverse": "2-D inverse transforms (Separable2d::inverse)",
    "hadamard": "Hadamard across the group (forward + inverse)",
    "threshold": "stage 1 hard thresholding",
    "wiener": "stage 2 Wiener shrinkage",
    "aggregate": "aggregation (filter_group: weighted add of each filtered patch)",
    "stripe": "stripe set-up (zeroing the stripe sums)",
    "merge": "run_stage: the wave loop, stripe merge and final division",
    "loop": "other lines of the stage loop",
    "colour": "colour transform (to/from opponent planes)",
    "sigma": "noise estimate (CollaborativeOptions::for_image)",
    "omp": "OpenMP runtime (a thread waiting at the end of a wave or region)",
    "other": "outside the filter (loading, resizing, noise, start-up)",
}
METHOD_PART = {"filter_group": "aggregate", "transform_group": "aggregate", "hard_threshold": "threshold",
               "wiener": "wiener", "run_stripe": "stripe", "run_stage": "merge"}


def enclosing_methods(path):
    """Line number of collaborative.cpp -> the function or method whose body holds it."""
    head = re.compile(r"^(?: {4})?(?:[\w:<>,\*&]+\s+)+\**&?(\w+)\(")  # at namespace or class level
    names, current = {}, None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        m = head.match(line)
        if m and "=" not in line.split("(")[0] and not line.rstrip().endswith(";") \
                and not line.strip().startswith(("return", "//")):
            current = m.group(1)
        names[number] = current
    return names


def parse_samples(data):
    """perf script without inlined frames -> list of samples, each a list of (ip, symbol, dso)."""
    text = subprocess.run(["perf", "script", "-i", data, "--no-inline", "-F", "comm,ip,sym,dso"],
                          capture_output=True, text=True, check=True).stdout
    samples = []
    for block in text.split("\n\n"):
        frames = []
        for line in block.splitlines()[1:]:
            parts = line.strip().split(" ", 1)
            if len(parts) != 2:
                continue
            rest = parts[1]
            dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else ""
            sym = rest[:rest.rfind(" (")] if rest.endswith(")") else rest
            frames.append((int(parts[0], 16), sym, dso))
        if frames:
            samples.append(frames)
    return samples


def resolve_lines(binary, ips):
    """ip -> list of (file name, line) from the innermost inlined level outwards."""
    ips = sorted(ips)
    out = subprocess.run(["addr2line", "-a", "-i", "-e", binary] + [hex(ip) for ip in ips],
                         capture_output=True, text=True, check=True).stdout
    result, current = {}, None
    for line in out.splitlines():
        if line.startswith("0x"):
            current = int(line, 16)
            result[current] = []
        elif current is not None and ":" in line:
            file, _, number = line.rpartition(":")
            number = number.split(" ")[0]
            result[current].append((pathlib.Path(file).name, int(number) if number.isdigit() else 0))
    return result


def method_at(lines, methods):
    for file, number in lines:
        if file == SOURCE.name:
            return methods.get(number)
    return None


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "perf.data"
    samples = parse_samples(data)
    methods = enclosing_methods(SOURCE)
    binary = next((d for s in samples for _, sym, d in s if "collaborative_denoise" in sym), None)
    # Addresses to name: the leaf inside the stage loop, and the call site of the transform kernel.
    wanted = set()
    for frames in samples:
        for i, (ip, sym, dso) in enumerate(frames):
            if dso == binary and "run_stage" in sym:
                wanted.add(ip if i == 0 else ip - 1)  # a return address: the call is the byte before
    lines = resolve_lines(binary, wanted) if binary and wanted else {}

    counts = Counter()
    for frames in samples:
        counts[classify(frames, binary, lines, methods)] += 1
    total = sum(counts.values())
    inside = total - counts["other"] - counts["sigma"]
    print(f"{total} samples, {inside} inside collaborative_denoise's stages\n")
    print("| part | share of all samples | share of the filter's |\n|---|--:|--:|")
    for key, count in counts.most_common():
        share_filter = f"{100 * count / inside:.1f} %" if key not in ("other", "sigma") else "—"
        print(f"| {PARTS[key]} | {100 * count / total:.1f} % | {share_filter} |")


def classify(frames, binary, lines, methods):
    if any("for_image" in sym or "estimate_noise_sigma" in sym for _, sym, _ in frames):
        return "sigma"
    if "libgomp" in frames[0][2]:
        return "omp"
    transform = False
    for i, (ip, sym, dso) in enumerate(frames):
        if transform:
            if sym.endswith("Separable2d::forward"):
                return "forward"
            if sym.endswith("Separable2d::inverse"):
                return "inverse"
            if dso == binary and "run_stage" in sym:
                return "forward" if method_at(lines.get(ip - 1, []), methods) == "transform_group" else "inverse"
            continue
        if sym.endswith("::match_patches"):
            return "search"
        if "::apply8" in sym or "::apply_any" in sym or sym.endswith("Separable2d::apply"):
            transform = True
        elif sym.endswith("Separable2d::forward"):
            return "forward"
        elif sym.endswith("Separable2d::inverse"):
            return "inverse"
        elif sym.endswith("::hadamard"):
            return "hadamard"
        elif "to_opponent" in sym or "from_opponent" in sym:
            return "colour"
        elif dso == binary and "run_stage" in sym:
            method = method_at(lines.get(ip if i == 0 else ip - 1, []), methods)
            return METHOD_PART.get(method, "loop")
    return "other"


if __name__ == "__main__":
    main()
