#!/usr/bin/env python3
"""The library's layering, checked: each source file under src/<layer>/ and each
public header under include/lidecm/<layer>/ may include only headers of its own
layer or of the layers before it; the layer of a file, and of what it includes
("lidecm/<layer>/x.hpp" or the internal "<layer>/x.hpp"), is the folder it sits in.
docs/architecture.md explains the layers.

Usage: check_layers.py PROJECT_DIR  (exit 1 and one line per offending include)."""
import pathlib
import re
import sys

LAYERS = ["core", "image", "denoise", "learner", "codebook", "formats", "data", "train", "report",
          "mpi"]  # mpi: its own library, lidecm_mpi (LIDECM_WITH_MPI)

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of_include(target: str):
    parts = target.split("/")
    if parts[0] == "lidecm":
        parts = parts[1:]
    return parts[0] if len(parts) == 2 else None


def main(root: pathlib.Path) -> int:
    rank = {name: i for i, name in enumerate(LAYERS)}
    problems = []
    files = []
    for base in (root / "include" / "lidecm", root / "src"):
        for path in sorted(base.rglob("*")):
            if path.suffix not in (".cpp", ".hpp"):
                continue
            parts = path.relative_to(base).parts
            if len(parts) != 2 or parts[0] not in rank:
                problems.append(f"{path}: not directly inside a layer folder ({', '.join(LAYERS)})")
                continue
            files.append((path, parts[0]))
    for path, layer in files:
        for target in INCLUDE.findall(path.read_text(encoding="utf-8")):
            used = layer_of_include(target)
            if used not in rank:
                problems.append(f"{path}: includes \"{target}\", which belongs to no layer")
            elif rank[used] > rank[layer]:
                problems.append(f"{path}: layer {layer} includes \"{target}\" of the higher layer {used}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
