#!/usr/bin/env python3
"""The library's layering, checked: each source file under src/<layer>/ and each
public header (whose layer is listed below) may include only headers of its own
layer or of the layers before it. docs/architecture.md explains the layers.

Usage: check_layers.py PROJECT_DIR  (exit 1 and one line per offending include)."""
import pathlib
import re
import sys

LAYERS = ["core", "image", "denoise", "learner", "codebook", "formats", "data", "train", "report", "mpi"]

# Public headers (flat in include/lidecm/) by the layer that implements them.
PUBLIC = {
    "core": ["error", "checksum", "file_io", "random", "communicator"],
    "image": ["image", "noise", "image_grid"],
    "denoise": ["patches", "graph", "collaborative", "sure"],
    "learner": ["em_learner", "adaptive_denoise", "self_tune"],
    "codebook": ["codebook", "tokenizer", "tokens", "token_refine"],
    "formats": ["tensor_file", "token_file"],
    "data": ["dataset", "samples"],
    "train": ["train_config", "metrics", "model", "trainer", "json"],
    "report": ["report", "svg_chart", "adapt_report"],
    "mpi": ["mpi_communicator"],  # its own library, lidecm_mpi (LIDECM_WITH_MPI)
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main(root: pathlib.Path) -> int:
    rank = {name: i for i, name in enumerate(LAYERS)}
    layer_of_header = {f"lidecm/{h}.hpp": layer for layer, hs in PUBLIC.items() for h in hs}
    problems = []
    files = []
    for header in sorted((root / "include" / "lidecm").glob("*.hpp")):
        key = f"lidecm/{header.name}"
        if key not in layer_of_header:
            problems.append(f"{header}: public header not assigned to a layer in {__file__}")
            continue
        files.append((header, layer_of_header[key]))
    for path in sorted((root / "src").rglob("*")):
        if path.suffix not in (".cpp", ".hpp"):
            continue
        layer = path.relative_to(root / "src").parts[0]
        if layer not in rank:
            problems.append(f"{path}: not inside a layer folder ({', '.join(LAYERS)})")
            continue
        files.append((path, layer))
    for path, layer in files:
        for target in INCLUDE.findall(path.read_text(encoding="utf-8")):
            if target.startswith("lidecm/"):
                used = layer_of_header.get(target)
            else:
                used = target.split("/")[0] if "/" in target else None
            if used not in rank:
                problems.append(f"{path}: includes \"{target}\", which belongs to no layer")
            elif rank[used] > rank[layer]:
                problems.append(f"{path}: layer {layer} includes \"{target}\" of the higher layer {used}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
