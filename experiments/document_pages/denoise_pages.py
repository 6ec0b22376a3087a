#!/usr/bin/env python3
"""Denoising figures on the document pages (issue 22): every test page of make_pages.py's
folder, with Gaussian noise at each sigma (seeded, rounded to 8 bits, clipped), denoised
by `lidecm denoise` in several configurations. Prints, per sigma, each configuration's mean
PSNR, its difference to the reference configuration (the filter told sigma with its
defaults, --no-adapt: this machine's stand-in for BM3D told sigma, which Debian does not
package), the worst page's difference, and the mean wall time per page against the
default (blind, self-tuned) in the same run.

    denoise_pages.py PAGES_DIR --lidecm build/lidecm [--sigmas 10,25,50]
                     [--config NAME=FLAGS ...] [--out DIR] [--glob 'page_*.png']

Other folders of PAGES_DIR/test/ images work too (the texture set of
experiments/texture_set/make_texture_set.py with --glob 'brick_*.png').

FLAGS are extra `lidecm denoise` flags ("" = the default); {sigma} is replaced by the
sigma, {model} by --model-grey or --model-colour, whichever has the page's channel count
(a model refuses images of another). Without --config: told, default, global
(--global-candidates 32), and model (--model {model}) when both models are given."""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REFERENCE = "told"
DEFAULT_CONFIGS = [f"{REFERENCE}=--noise-sigma {{sigma}} --no-adapt", "default=", "global=--global-candidates 32"]


def noisy_copy(clean_path, sigma, seed, out_dir):
    out = out_dir / f"{clean_path.stem}_s{sigma}.png"
    if not out.exists():
        clean = np.asarray(Image.open(clean_path)).astype(np.float64)
        rng = np.random.default_rng(seed)
        noisy = np.clip(np.round(clean + rng.normal(0.0, sigma, clean.shape)), 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(out)
    return out


def run(binary, noisy, clean, out, flags):
    cmd = [binary, "denoise", str(noisy), "-o", str(out), "--reference", str(clean), "--json"] + flags
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"denoise_pages: {' '.join(cmd)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)["quality"]["psnr_denoised"], seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", type=Path)
    ap.add_argument("--lidecm", default="build/lidecm")
    ap.add_argument("--sigmas", default="10,25,50")
    ap.add_argument("--config", action="append", help="NAME=FLAGS (repeatable)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/lidecm-pages"))
    ap.add_argument("--glob", default="page_*.png", help="test images of PAGES_DIR/test to denoise")
    ap.add_argument("--model-grey", help="a model trained with --channels 1 (for grey pages)")
    ap.add_argument("--model-colour", help="a model trained with --channels 3 (for colour pages)")
    a = ap.parse_args()
    defaults = DEFAULT_CONFIGS + (["model=--model {model}"] if a.model_grey and a.model_colour else [])
    configs = [c.split("=", 1) for c in (a.config or defaults)]
    names = [n for n, _ in configs]
    if REFERENCE not in names or "default" not in names:
        sys.exit(f"denoise_pages: the configurations must include {REFERENCE} and default")
    pages = sorted((a.pages / "test").glob(a.glob))
    if not pages:
        sys.exit(f"denoise_pages: no test pages in {a.pages / 'test'} (make them with make_pages.py)")
    a.out.mkdir(parents=True, exist_ok=True)
    print(f"{len(pages)} test pages of {a.pages}; reference '{REFERENCE}' = the filter told sigma (BM3D stand-in)")
    for sigma in (int(s) for s in a.sigmas.split(",")):
        psnr = {n: [] for n in names}
        secs = {n: [] for n in names}
        for i, page in enumerate(pages):
            noisy = noisy_copy(page, sigma, 1000 * sigma + i, a.out)
            for name, flags in configs:
                out = a.out / f"{page.stem}_s{sigma}_{name}.png"
                model = a.model_grey if Image.open(page).mode == "L" else a.model_colour
                flags = flags.replace("{sigma}", str(sigma)).replace("{model}", str(model))
                p, s = run(a.lidecm, noisy, page, out, flags.split())
                psnr[name].append(p)
                secs[name].append(s)
        ref = np.array(psnr[REFERENCE])
        base_time = np.mean(secs["default"])
        print(f"\nsigma {sigma}: {'config':<10} {'mean dB':>8} {'vs told':>8} {'worst':>8} {'s/page':>7} {'x default':>9}")
        for name in names:
            d = np.array(psnr[name]) - ref
            print(f"{'':9}{name:<10} {np.mean(psnr[name]):8.2f} {d.mean():+8.2f} {d.min():+8.2f} "
                  f"{np.mean(secs[name]):7.2f} {np.mean(secs[name]) / base_time:9.2f}")


if __name__ == "__main__":
    main()
