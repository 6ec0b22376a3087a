#!/usr/bin/env python3
"""A second denoising set, disjoint from skimage's samples (issues 22 and 26): the twelve
nature photographs of Debian's mate-backgrounds package, fetched with `apt-get download`
and unpacked with `dpkg-deb -x` (nothing installed), prepared as the dev set is
(shared/eval/README.md): centre crop to a square, anti-aliased resize to SIZE x SIZE
(Pillow's Lanczos), RGB rounded to 8 bits -> NAME_clean.png; for each sigma in 10, 25, 50
one numpy default_rng(SEED) stream drawn over the photos in name order,
clip(round(clean + N(0, sigma)), 0, 255) -> NAME_sS.png.

    make_nature_set.py OUT_DIR [--size 256] [--seed 0] [--deb FILE]
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
SIGMAS = (10, 25, 50)


def unpack(deb, into):
    if deb is None:
        subprocess.run(["apt-get", "download", PACKAGE], cwd=into, check=True, stdout=subprocess.DEVNULL)
        debs = sorted(Path(into).glob(f"{PACKAGE}_*.deb"))
        if not debs:
            sys.exit(f"make_nature_set.py: apt-get download {PACKAGE} gave no .deb")
        deb = debs[-1]
    subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)
    photos = sorted((Path(into) / FOLDER).glob("*.jpg"))
    if not photos:
        sys.exit(f"make_nature_set.py: no photos in {deb}:{FOLDER}")
    return photos


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
    ap.add_argument("--deb", help="an already downloaded mate-backgrounds .deb")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        photos = unpack(args.deb, tmp)
        clean = {}
        for path in photos:
            name = path.stem.lower()
            img = square(Image.open(path), args.size)
            img.save(out / f"{name}_clean.png")
            clean[name] = np.asarray(img, dtype=np.float64)
    for sigma in SIGMAS:
        rng = np.random.default_rng(args.seed)
        for name, x in clean.items():
            noisy = np.clip(np.round(x + rng.normal(0.0, sigma, x.shape)), 0, 255).astype(np.uint8)
            Image.fromarray(noisy).save(out / f"{name}_s{sigma}.png")
    print(f"make_nature_set.py: {len(clean)} photos x {len(SIGMAS)} noise levels in {out}")


if __name__ == "__main__":
    main()
