#!/usr/bin/env python3
"""A camera-sized noisy photo for the denoise speed and memory figures of issue #23, from
the samples only: the RGB samples of data/samples (grey ones as RGB) at their own
resolution, each cut to its central 512 x 512 square (or the largest square it has), laid
out in a mosaic flipped alternately so that tile edges meet mirrored, to WIDTH x HEIGHT
(default 6000 x 4000 = 24 MP); then Gaussian noise of SIGMA (0-255 scale) from numpy's
default_rng(SEED), rounded and clipped to 8 bits. Writes OUT_clean.png and OUT_sS.png.

    make_large_photo.py OUT [--width 6000] [--height 4000] [--sigma 25] [--seed 0]
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image


def tiles(samples: Path):
    out = []
    for f in sorted(samples.iterdir()):
        if f.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        im = np.asarray(Image.open(f).convert("RGB"))
        side = min(512, im.shape[0], im.shape[1])
        y, x = (im.shape[0] - side) // 2, (im.shape[1] - side) // 2
        t = im[y:y + side, x:x + side]
        if side < 512:
            t = np.asarray(Image.fromarray(t).resize((512, 512), Image.LANCZOS))
        out.append(t)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--samples", type=Path, default=Path(__file__).resolve().parents[2] / "data" / "samples")
    ap.add_argument("--width", type=int, default=6000)
    ap.add_argument("--height", type=int, default=4000)
    ap.add_argument("--sigma", type=float, default=25)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    ts = tiles(a.samples)
    rows, cols = -(-a.height // 512), -(-a.width // 512)
    mosaic = np.zeros((rows * 512, cols * 512, 3), np.uint8)
    for r in range(rows):
        for c in range(cols):
            t = ts[(r * cols + c) % len(ts)]
            if c % 2:
                t = t[:, ::-1]
            if r % 2:
                t = t[::-1, :]
            mosaic[r * 512:(r + 1) * 512, c * 512:(c + 1) * 512] = t
    clean = mosaic[:a.height, :a.width]
    Image.fromarray(clean).save(a.out + "_clean.png")
    rng = np.random.default_rng(a.seed)
    noisy = np.clip(np.round(clean + rng.normal(0, a.sigma, clean.shape)), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(a.out + "_s%d.png" % round(a.sigma))
    print("wrote %s_clean.png and %s_s%d.png (%d x %d)" % (a.out, a.out, round(a.sigma), a.width, a.height))


if __name__ == "__main__":
    main()
