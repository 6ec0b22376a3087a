#!/usr/bin/env python3
"""A 10-class folder of RGB tiles from Debian's images only (issue 24: the token prior's
held-out bits per token and its samples' class, measured per class).

    make_class_set.py OUT [--size 64] [--train 40] [--test 12] [--side 256] [--seed 0]
                          [--samples data/samples] [--debs DIR]

writes OUT/train/CLASS/SOURCE_yY_xX.png and OUT/test/CLASS/SOURCE_yY_xX.png (SIZE x SIZE,
RGB; grey sources repeated in the three channels) and OUT/sources.json (each class's
sources and tile counts). The wallpaper packages are fetched with `apt-get download` and
unpacked with `dpkg-deb -x` into a temporary folder (nothing installed), or read from
--debs DIR holding their .deb files; skimage's photos are the ones `make samples` extracts
(python3-skimage) into data/samples.

The set measured for issue 24 was made from mate-backgrounds 1.26.0-1, plasma-workspace-
wallpapers 4:5.27.5-2, gnome-backgrounds 43.1-1 and ukui-wallpapers 20.04.3-1.1 (Debian 12);
the same command gives the same files (checked by running it twice, about 15 s).

Every source is resized (Pillow's Lanczos) so that its shorter side is SIDE px (never
enlarged), then split along its longer axis: training tiles come from the first 75 %,
test tiles from the last 25 %, so no test tile shares a pixel with a training tile. The
tiles are the non-overlapping SIZE x SIZE squares of each part; a class takes --train
(--test) of them, spread evenly over its sources and drawn with numpy's default_rng(SEED)
(a source short of tiles leaves its share to the others). The classes and where each comes from:

  flowers   mate-backgrounds, backgrounds/mate/nature: FreshFlower, Garden, YellowFlower,
            LadyBird, TwoWings (close-up photos of flowers)
  foliage   mate-backgrounds nature: GreenMeadow, Blinds, RainDrops; plasma-workspace-
            wallpapers: OneStandsOut, Path; python3-skimage: grass (leaves, grass, forest)
  sky       plasma-workspace-wallpapers: Kite, summer_1am, DarkestHour; mate-backgrounds
            nature: Storm (photos of sky and clouds)
  water     plasma-workspace-wallpapers: BytheWater, ColdRipple, EveningGlow;
            mate-backgrounds nature: Aqua (photos of lakes, sea and a water drop)
  space     python3-skimage: hubble_deep_field, moon (photos); plasma-workspace-wallpapers:
            MilkyWay (a drawing of the night sky)
  text      python3-skimage: page, text (photographed/scanned text); pages set in DejaVu
            and Liberation faces from base-files' licence texts by
            experiments/document_pages/make_pages.py's page(): training pages from its
            training licences, test pages from its test licences (different texts);
            4 pages of SIDE x SIDE per split, every one of their tiles in its split's pool
  texture   python3-skimage: brick, gravel; mate-backgrounds nature: Wood; gnome-
            backgrounds: wood-d, wood-l (stone and wood surfaces)
  pattern   gnome-backgrounds: grid-d, grid-l, truchet-d, truchet-l, licorice-d,
            licorice-l (regular mosaics and tilings, rendered)
  abstract  plasma-workspace-wallpapers: Kay, Opal, Patak, Shell, Cascade, Canopee, Elarun,
            IceCold, PastelHills; ukui-wallpapers: rhythm, string, fluent-color (smooth
            colour gradients and curves, rendered)
  objects   python3-skimage: astronaut, chelsea, camera, coffee, coins, motorcycle_left,
            rocket (photos of people, a cat and things)
"""
import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "document_pages"))
import make_pages  # noqa: E402  (the text class's rendered pages; same fonts and licences)

# (package, path inside it) or ("samples", file name) per source; a plasma wallpaper is a
# folder whose contents/images hold the same picture at several resolutions.
MATE = "usr/share/backgrounds/mate/nature/"
PLASMA = "usr/share/wallpapers/"
GNOME = "usr/share/backgrounds/gnome/"
UKUI = "usr/share/backgrounds/"
CLASSES = {
    "flowers": [("mate-backgrounds", MATE + n + ".jpg") for n in ("FreshFlower", "Garden", "YellowFlower", "LadyBird", "TwoWings")],
    "foliage": [("mate-backgrounds", MATE + n + ".jpg") for n in ("GreenMeadow", "Blinds", "RainDrops")]
    + [("plasma-workspace-wallpapers", PLASMA + n) for n in ("OneStandsOut", "Path")] + [("samples", "grass.png")],
    "sky": [("plasma-workspace-wallpapers", PLASMA + n) for n in ("Kite", "summer_1am", "DarkestHour")]
    + [("mate-backgrounds", MATE + "Storm.jpg")],
    "water": [("plasma-workspace-wallpapers", PLASMA + n) for n in ("BytheWater", "ColdRipple", "EveningGlow")]
    + [("mate-backgrounds", MATE + "Aqua.jpg")],
    "space": [("samples", "hubble_deep_field.jpg"), ("samples", "moon.png"), ("plasma-workspace-wallpapers", PLASMA + "MilkyWay")],
    "text": [("samples", "page.png"), ("samples", "text.png"), ("pages", "licences")],
    "texture": [("samples", "brick.png"), ("samples", "gravel.png"), ("mate-backgrounds", MATE + "Wood.jpg"),
                ("gnome-backgrounds", GNOME + "wood-d.webp"), ("gnome-backgrounds", GNOME + "wood-l.webp")],
    "pattern": [("gnome-backgrounds", GNOME + n + ".webp") for n in ("grid-d", "grid-l", "truchet-d", "truchet-l", "licorice-d", "licorice-l")],
    "abstract": [("plasma-workspace-wallpapers", PLASMA + n)
                 for n in ("Kay", "Opal", "Patak", "Shell", "Cascade", "Canopee", "Elarun", "IceCold", "PastelHills")]
    + [("ukui-wallpapers", UKUI + n) for n in ("rhythm.jpg", "string.jpg", "fluent-color.png")],
    "objects": [("samples", n + ".png") for n in ("astronaut", "chelsea", "camera", "coffee", "coins", "motorcycle_left")]
    + [("samples", "rocket.jpg")],
}
TRAIN_SHARE = 0.75
PAGES = 4  # rendered pages per split for the text class (each SIDE x SIDE)


def unpack(packages, into, debs):
    """Unpacks each package's .deb (from `debs` or apt-get download) into `into`/x."""
    for package in sorted(packages):
        found = sorted(Path(debs).glob(f"{package}_*.deb")) if debs else []
        if not found:
            subprocess.run(["apt-get", "download", package], cwd=into, check=True, stdout=subprocess.DEVNULL)
            found = sorted(Path(into).glob(f"{package}_*.deb"))
        if not found:
            sys.exit(f"make_class_set.py: apt-get download {package} gave no .deb")
        subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(Path(into) / "x")], check=True)


def resolve(root, path):
    """A plasma wallpaper folder's smallest picture whose shorter side is ≥ 1000 px (its
    largest when none is: the same picture, decoded faster); other paths as they are."""
    p = root / path
    if p.is_file():
        return p
    pics = sorted((p / "contents" / "images").glob("*x*.*"))
    if not pics:
        sys.exit(f"make_class_set.py: no picture in {p}")
    size = {q: tuple(int(v) for v in q.stem.split("x")) for q in pics}
    big = [q for q in pics if min(size[q]) >= 1000]
    return min(big, key=lambda q: size[q][0] * size[q][1]) if big else max(pics, key=lambda q: size[q][0] * size[q][1])


def shrink(img, side):
    img = img.convert("RGB")
    w, h = img.size
    if min(w, h) > side:
        scale = side / min(w, h)
        img = img.resize((max(side, round(w * scale)), max(side, round(h * scale))), Image.LANCZOS)
    return img


def tiles(img, size, part):
    """The non-overlapping size x size tiles of the first 75 % (part 'train'), the last
    25 % (part 'test') or all (part 'all') of `img` along its longer axis: (y, x, tile)."""
    w, h = img.size
    wide = w >= h
    length = w if wide else h
    cut = int(length * TRAIN_SHARE)
    lo, hi = {"train": (0, cut), "test": (cut, length), "all": (0, length)}[part]
    out = []
    for a in range(lo, hi - size + 1, size):
        for b in range(0, (h if wide else w) - size + 1, size):
            y, x = (b, a) if wide else (a, b)
            out.append((y, x, img.crop((x, y, x + size, y + size))))
    return out


def pages(part, side, seed):
    """Rendered licence pages of the text class: training and test texts differ."""
    names = make_pages.TRAIN_TEXTS if part == "train" else make_pages.TEST_TEXTS
    words = make_pages.words_of(names)
    rng = random.Random(seed + (0 if part == "train" else 1))
    out, at = [], 0
    for n in range(PAGES):
        img, _, at = make_pages.page(words, at, rng, side, colour=n % 2 == 1)
        out.append(img.convert("RGB"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=64, help="tile side, px (default 64)")
    ap.add_argument("--train", type=int, default=40, help="training tiles per class (default 40)")
    ap.add_argument("--test", type=int, default=12, help="test tiles per class (default 12)")
    ap.add_argument("--side", type=int, default=256, help="shorter side every source is resized to (default 256)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", default=str(Path(__file__).resolve().parents[2] / "data" / "samples"),
                    help="skimage's photos (`make samples`; default %(default)s)")
    ap.add_argument("--debs", help="a folder already holding the packages' .deb files")
    args = ap.parse_args()
    samples = Path(args.samples)
    if not (samples / "grass.png").is_file():
        sys.exit(f"make_class_set.py: {samples} has no skimage samples (run `make samples`)")
    out = Path(args.out)
    rng = np.random.default_rng(args.seed)
    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        packages = {pkg for srcs in CLASSES.values() for pkg, _ in srcs} - {"samples", "pages"}
        unpack(packages, tmp, args.debs)
        root = Path(tmp) / "x"
        for name, sources in CLASSES.items():
            manifest[name], shrunk = {}, {}
            for part, want in (("train", args.train), ("test", args.test)):
                # Every source's tiles of this part, then an even share of each (the
                # sources listed first get the remainder, and what a source lacks goes to
                # those with tiles left), drawn without replacement.
                pools = []
                for pkg, path in sources:
                    if pkg == "pages":
                        pools.append([(f"page{i}", y, x, t) for i, img in enumerate(pages(part, args.side, args.seed))
                                      for (y, x, t) in tiles(img, args.size, "all")])
                        continue
                    if path not in shrunk:  # decoded once for both parts
                        file = samples / path if pkg == "samples" else resolve(root, path)
                        shrunk[path] = shrink(Image.open(file), args.side)
                    img = shrunk[path]
                    pools.append([(Path(path).stem, y, x, t) for (y, x, t) in tiles(img, args.size, part)])
                share = [0] * len(pools)
                while sum(share) < want and any(n < len(pool) for n, pool in zip(share, pools)):
                    for i, pool in enumerate(pools):  # one more tile per source with tiles left
                        if share[i] < len(pool) and sum(share) < want:
                            share[i] += 1
                folder = out / part / name
                folder.mkdir(parents=True, exist_ok=True)
                counts = {}
                for (pool, n), (_, path) in zip(zip(pools, share), sources):
                    pick = rng.choice(len(pool), size=n, replace=False) if n else []
                    for k in sorted(pick):
                        stem, y, x, t = pool[k]
                        t.save(folder / f"{stem}_y{y:04d}_x{x:04d}.png")
                    counts[Path(path).stem] = len(pick)
                manifest[name][part] = counts
            print(f"{name}: {sum(manifest[name]['train'].values())} training, "
                  f"{sum(manifest[name]['test'].values())} test tiles")
    (out / "sources.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
