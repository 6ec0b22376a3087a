#!/usr/bin/env python3
"""Images outside a model's domain (issue 22): the dev set's photos (experiments/data/dev)
denoised blind by `lidecm denoise` with and without `--model M` (say, a model of document
pages), per file and sigma. Prints per sigma the mean PSNR of each, the mean difference,
the worst file's, and the time per image of each in the same run.

    out_of_domain.py --lidecm build/lidecm --model M [--dev experiments/data/dev]"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIGMAS = (10, 25, 50)


def denoise(binary, noisy, clean, flags):
    out = Path(tempfile.mkdtemp()) / "out.png"
    cmd = [binary, "denoise", str(noisy), "-o", str(out), "--reference", str(clean), "--json"] + flags
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"out_of_domain: {' '.join(cmd)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)["quality"]["psnr_denoised"], time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lidecm", default="build/lidecm")
    ap.add_argument("--model", required=True)
    ap.add_argument("--dev", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "dev")
    a = ap.parse_args()
    names = sorted(p.name[: -len("_clean.png")] for p in a.dev.glob("*_clean.png"))
    if not names:
        sys.exit(f"out_of_domain: no *_clean.png in {a.dev}")
    print(f"{len(names)} photos of {a.dev}, model {a.model}")
    print(f"{'sigma':>5} {'default dB':>10} {'model dB':>9} {'mean diff':>9} {'worst file (diff)':>28} {'s default':>9} {'s model':>8}")
    for s in SIGMAS:
        rows = []
        for n in names:
            clean, noisy = a.dev / f"{n}_clean.png", a.dev / f"{n}_s{s}.png"
            d, td = denoise(a.lidecm, noisy, clean, [])
            m, tm = denoise(a.lidecm, noisy, clean, ["--model", a.model])
            rows.append((n, d, m, td, tm))
        diff = np.array([r[2] - r[1] for r in rows])
        worst = rows[int(diff.argmin())][0]
        print(f"{s:5d} {np.mean([r[1] for r in rows]):10.2f} {np.mean([r[2] for r in rows]):9.2f} {diff.mean():+9.3f} "
              f"{worst + f' ({diff.min():+.2f})':>28} {np.mean([r[3] for r in rows]):9.2f} {np.mean([r[4] for r in rows]):8.2f}")


if __name__ == "__main__":
    main()
