#!/usr/bin/env python3
"""A texture domain for denoising with a model (issue 22), from the three textures of
Debian's python3-skimage package that `make samples` extracts (data/samples/brick.png,
grass.png, gravel.png; 512 x 512 grey): each texture is a class. Training images are the
top halves (train/NAME/NAME_top.png, 256 x 512); test images are the two 256 x 256 squares
of the bottom halves (test/NAME_left.png, test/NAME_right.png), so no test pixel was
seen in training. Noisy copies as the dev set's (shared/eval/README.md): for each sigma in
10, 25, 50 one numpy default_rng(SEED) stream drawn over the test images in name order,
clip(round(clean + N(0, sigma)), 0, 255) -> noisy/NAME_sS.png.

    make_texture_set.py OUT_DIR [--samples data/samples] [--seed 0]
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image

TEXTURES = ("brick", "grass", "gravel")
SIGMAS = (10, 25, 50)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--samples", type=Path, default=Path(__file__).resolve().parents[2] / "data" / "samples")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    tests = {}
    for name in TEXTURES:
        img = np.asarray(Image.open(a.samples / f"{name}.png").convert("L"))
        if img.shape != (512, 512):
            raise SystemExit(f"{a.samples / name}.png: expected 512 x 512, got {img.shape}")
        (a.out / "train" / name).mkdir(parents=True, exist_ok=True)
        Image.fromarray(img[:256]).save(a.out / "train" / name / f"{name}_top.png")
        tests[f"{name}_left"] = img[256:, :256]
        tests[f"{name}_right"] = img[256:, 256:]
    (a.out / "test").mkdir(parents=True, exist_ok=True)
    (a.out / "noisy").mkdir(parents=True, exist_ok=True)
    for name, img in sorted(tests.items()):
        Image.fromarray(img).save(a.out / "test" / f"{name}.png")
    for sigma in SIGMAS:
        rng = np.random.default_rng(a.seed)
        for name, img in sorted(tests.items()):
            noisy = np.clip(np.round(img + rng.normal(0, sigma, img.shape)), 0, 255).astype(np.uint8)
            Image.fromarray(noisy).save(a.out / "noisy" / f"{name}_s{sigma}.png")
    print(f"{a.out}: {len(TEXTURES)} training images, {len(tests)} test images x {len(SIGMAS)} noise levels")


if __name__ == "__main__":
    main()
