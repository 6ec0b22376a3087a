#!/usr/bin/env python3
"""Noisy copies of a photo set at other noise levels (issue 26: sigma 30, 35, 40 between the
sets' own 25 and 50): every NAME_clean.png of SRC is copied to OUT and, for each sigma, one
numpy default_rng(SEED) stream is drawn over the photos in name order,
clip(round(clean + N(0, sigma)), 0, 255) -> OUT/NAME_sS.png, as make_nature_set.py draws its own.

    add_noise_levels.py SRC OUT --sigmas 30 35 40 [--seed 0]
"""
import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--sigmas", type=int, nargs="+", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    photos = sorted(Path(args.src).glob("*_clean.png"))
    for path in photos:
        shutil.copyfile(path, out / path.name)
    for sigma in args.sigmas:
        rng = np.random.default_rng(args.seed)
        for path in photos:
            x = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
            noisy = np.clip(np.round(x + rng.normal(0.0, sigma, x.shape)), 0, 255).astype(np.uint8)
            Image.fromarray(noisy).save(out / f"{path.name[:-len('_clean.png')]}_s{sigma}.png")
    print(f"add_noise_levels.py: {len(photos)} photos x {len(args.sigmas)} noise levels in {out}")


if __name__ == "__main__":
    main()
