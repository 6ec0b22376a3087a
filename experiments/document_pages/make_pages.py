#!/usr/bin/env python3
"""Document pages for the learned-prior experiments (issue 22), made the same every time
from Debian packages: the text of the licences in /usr/share/common-licenses (base-files),
set in DejaVu (fonts-dejavu-core) and Liberation (fonts-liberation2) faces at several sizes
by Pillow (python3-pil), grey and colour. Training and test pages come from different
licences, so no test page repeats a training page's text.

    make_pages.py OUT_DIR [--train N] [--test M] [--size S]

writes OUT_DIR/train/page_NNN.png and OUT_DIR/test/page_NNN.png (S x S pixels) and
OUT_DIR/pages.json (which text, font, size and colours each page has)."""
import argparse
import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

LICENCES = Path("/usr/share/common-licenses")
TRAIN_TEXTS = ("GPL-3", "GFDL-1.3", "LGPL-2.1")
TEST_TEXTS = ("Apache-2.0", "MPL-2.0", "Artistic")
FONTS = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSansMono.ttf",
         "dejavu/DejaVuSansCondensed.ttf", "liberation2/LiberationSerif-Regular.ttf",
         "liberation2/LiberationSans-Regular.ttf")
FONT_ROOT = Path("/usr/share/fonts/truetype")
SIZES = (9, 10, 11, 12, 14, 16)


def words_of(names):
    words = []
    for name in names:
        path = LICENCES / name
        if not path.is_file():
            sys.exit(f"make_pages.py: {path} is missing (package base-files)")
        words += path.read_text(encoding="utf-8", errors="replace").split()
    return words


def page(words, start, rng, size, colour, face=None):
    """One page from words[start:] in `face` (font, size), or a random face when None;
    returns the image, its description and the next word."""
    font_name, font_size = face if face else (rng.choice(FONTS), rng.choice(SIZES))
    path = FONT_ROOT / font_name
    if not path.is_file():
        sys.exit(f"make_pages.py: {path} is missing (fonts-dejavu-core / fonts-liberation2)")
    font = ImageFont.truetype(str(path), font_size)
    if colour:
        paper = tuple(rng.randint(215, 255) for _ in range(3))
        ink = tuple(rng.randint(0, 110) for _ in range(3))
    else:
        paper, ink = (rng.randint(225, 255),) * 3, (rng.randint(0, 60),) * 3
    img = Image.new("RGB", (size, size), paper)
    draw = ImageDraw.Draw(img)
    margin, line = rng.randint(4, 14), int(font_size * rng.uniform(1.15, 1.5))
    y, i = margin, start
    while y + line <= size - margin // 2:
        x = margin
        while i < len(words):
            width = draw.textlength(words[i] + " ", font=font)
            if x + width > size - margin // 2 and x > margin:
                break
            draw.text((x, y), words[i], font=font, fill=ink)
            x += width
            i += 1
        y += line
        if i >= len(words):
            i = 0
    info = {"font": font_name, "size": font_size, "paper": paper, "ink": ink, "first_word": start}
    return (img if colour else img.convert("L")), info, i


def make(out, names, count, size, seed, cover):
    """`count` pages; with `cover`, page n is set in face n mod 36, so any 36 consecutive
    pages hold every font at every size (training pages cover the domain's faces)."""
    words = words_of(names)
    faces = [(f, s) for f in FONTS for s in SIZES]
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    pages, at = [], 0
    for n in range(count):
        colour = (n + n // len(SIZES)) % 2 == 1 if cover else n % 2 == 1
        face = faces[n % len(faces)] if cover else None
        img, info, at = page(words, at, rng, size, colour, face)
        name = f"page_{n:03d}.png"
        img.save(out / name, optimize=False)
        pages.append({"file": name, "text": list(names), "colour": colour, **info})
    return pages


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=36, help="training pages (default 36: every font at every size)")
    ap.add_argument("--test", type=int, default=8, help="test pages (default 8)")
    ap.add_argument("--size", type=int, default=256, help="page width and height in pixels (default 256)")
    args = ap.parse_args()
    out = Path(args.out)
    manifest = {"train": make(out / "train", TRAIN_TEXTS, args.train, args.size, 22, cover=True),
                "test": make(out / "test", TEST_TEXTS, args.test, args.size, 2022, cover=False)}
    (out / "pages.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"make_pages.py: {args.train} training and {args.test} test pages in {out}")


if __name__ == "__main__":
    main()
