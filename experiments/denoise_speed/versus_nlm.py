#!/usr/bin/python3
"""Issue #23's denoise speed target: whole processes, same files, same run.

For every noisy file of the dev set (experiments/data/dev, 15 photos x sigma 10/25/50,
256x256 RGB) runs `lidecm denoise` (blind and self-tuned: the default) and `opencv_nlm`
(OpenCV's fastNlMeansDenoisingColored told h = sigma) alternately, REPEAT times each, and
prints per sigma: the median seconds per file of each, their ratio, and PSNR of each
(numpy, from the 8-bit files). A last line gives the whole set's median ratio.

  versus_nlm.py --lidecm build/lidecm --nlm build/experiments/opencv_nlm [--repeat 3] [-- FLAGS]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def psnr(clean, got):
    mse = np.mean((clean.astype(np.float64) - got.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse) if mse > 0 else 100.0


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    t = time.perf_counter() - t0
    if p.returncode:
        sys.exit(f'{" ".join(cmd)} failed: {(p.stderr or p.stdout).strip()}')
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lidecm', required=True)
    ap.add_argument('--nlm', required=True)
    ap.add_argument('--dev', default=os.path.join(HERE, '..', 'data', 'dev'))
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('flags', nargs='*', help='extra `lidecm denoise` flags (after --)')
    a = ap.parse_args()
    files = sorted(f for f in os.listdir(a.dev) if '_s' in f and f.endswith('.png'))
    tmp = tempfile.mkdtemp()
    out_l, out_n = os.path.join(tmp, 'l.png'), os.path.join(tmp, 'n.png')
    rows = {}
    for f in files:
        name, s = f[:-4].rsplit('_s', 1)
        s = int(s)
        src = os.path.join(a.dev, f)
        tl, tn = [], []
        for _ in range(a.repeat):
            tl.append(timed([a.lidecm, 'denoise', src, '-o', out_l, *a.flags]))
            tn.append(timed([a.nlm, src, out_n, str(s)]))
        clean = cv2.imread(os.path.join(a.dev, f'{name}_clean.png'), cv2.IMREAD_COLOR)
        rows.setdefault(s, []).append((statistics.median(tl), statistics.median(tn),
                                       psnr(clean, cv2.imread(out_l, cv2.IMREAD_COLOR)),
                                       psnr(clean, cv2.imread(out_n, cv2.IMREAD_COLOR))))
    print(f'{"sigma":>5} {"files":>5} {"lidecm s":>9} {"NLM s":>7} {"ratio":>6} {"lidecm dB":>10} {"NLM dB":>7}')
    ratios = []
    for s in sorted(rows):
        v = rows[s]
        ratios += [x[0] / x[1] for x in v]
        tl, tn = statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)
        print(f'{s:>5} {len(v):>5} {tl:>9.3f} {tn:>7.3f} {tl / tn:>6.2f} '
              f'{np.mean([x[2] for x in v]):>10.2f} {np.mean([x[3] for x in v]):>7.2f}')
    print(f'all files: median ratio lidecm / NLM = {statistics.median(ratios):.2f} '
          f'(per-file ratios {min(ratios):.2f} to {max(ratios):.2f})')


if __name__ == '__main__':
    main()
