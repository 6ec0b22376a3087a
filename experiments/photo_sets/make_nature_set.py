#!/usr/bin/env python3
"""A second denoising set, disjoint from skimage's samples (issues 22 and 26): the twelve
nature photographs of Debian's mate-backgrounds package, fetched with `apt-get download`
and unpacked with `dpkg-deb -x` (nothing installed), prepared as the dev set is
(shared/eval/README.md): centre crop to a square, anti-aliased resize to SIZE x SIZE
(Pillow's Lanczos), RGB rounded to 8 bits -> NAME_clean.png; for each sigma in 10, 25, 50
one numpy default_rng(SEED) stream drawn over the photos in name order,
clip(round(clean + N(0, sigma)), 0, 255) -> NAME_sS.png.

Another package's photos with --package/--folder/--glob: the files under FOLDER of the
package matching any of the PATTERNs (relative to FOLDER, sorted by path); NAME is the file's
stem, or, for a file in a subfolder of FOLDER, that subfolder's name (lower case either way).
The third set of issue 26 (BENCHMARKS.md, "Self-tuning never below the table"):
  --package plasma-workspace-wallpapers --folder usr/share/wallpapers
  --glob {BytheWater,ColdRipple,ColorfulCups,DarkestHour,EveningGlow,FallenLeaf,Grey,Kite,OneStandsOut,Path,summer_1am}/contents/images/2560x1600.jpg
(the shell expands the braces into one pattern per photo).

    make_nature_set.py OUT_DIR [--size 256] [--seed 0] [--deb FILE]
                       [--package mate-backgrounds] [--folder usr/share/backgrounds/mate/nature]
                       [--glob '*.jpg' ...]
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

PACKAGE = "mate-backgrounds"
FOLDER = "usr/share/backgrounds/mate/nature"
GLOB = "*.jpg"
SIGMAS = (10, 25, 50)


def unpack(deb, into, package, folder, patterns):
    if deb is None:
        subprocess.run(["apt-get", "download", package], cwd=into, check=True, stdout=subprocess.DEVNULL)
        debs = sorted(Path(into).glob(f"{package}_*.deb"))
        if not debs:
            sys.exit(f"make_nature_set.py: apt-get download {package} gave no .deb")
        deb = debs[-1]
    subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)
    root = Path(into) / folder
    photos = sorted({p for pattern in patterns for p in root.glob(pattern)})
    if not photos:
        sys.exit(f"make_nature_set.py: no photos in {deb}:{folder} matching {' '.join(patterns)}")
    return root, photos


def photo_name(root, path):
    rel = path.relative_to(root)
    return (rel.parts[0] if len(rel.parts) > 1 else path.stem).lower()


def square(img, size):
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return img.convert("RGB").crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deb", help="an already downloaded .deb of the package")
    ap.add_argument("--package", default=PACKAGE, help="Debian package to fetch (default: %(default)s)")
    ap.add_argument("--folder", default=FOLDER, help="folder of the photos in the package (default: %(default)s)")
    ap.add_argument("--glob", nargs="+", default=[GLOB], metavar="PATTERN",
                    help="photos under FOLDER, one or more patterns (default: %(default)s)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root, photos = unpack(args.deb, tmp, args.package, args.folder, args.glob)
        clean = {}
        for path in photos:
            name = photo_name(root, path)
            if name in clean:
                sys.exit(f"make_nature_set.py: two photos named {name}")
            img = square(Image.open(path), args.size)
            img.save(out / f"{name}_clean.png")
            clean[name] = np.asarray(img, dtype=np.float64)
    for sigma in SIGMAS:
        rng = np.random.default_rng(args.seed)
        for name, x in sorted(clean.items()):
            noisy = np.clip(np.round(x + rng.normal(0.0, sigma, x.shape)), 0, 255).astype(np.uint8)
            Image.fromarray(noisy).save(out / f"{name}_s{sigma}.png")
    print(f"make_nature_set.py: {len(clean)} photos x {len(SIGMAS)} noise levels in {out}")


if __name__ == "__main__":
    main()
