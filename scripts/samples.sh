#!/usr/bin/env bash
# Extracts the photos and textures of Debian's python3-skimage package into
# data/samples/ without installing Python: apt-get download + dpkg-deb -x.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/data/samples"
names=(astronaut brick camera chelsea coffee coins grass gravel moon page rocket text
       motorcycle_left retina hubble_deep_field)
if [[ -f "$dest/.complete" ]]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download python3-skimage >/dev/null 2>&1) || {
  apt-get update -qq && (cd "$work" && apt-get download python3-skimage >/dev/null)
}
dpkg-deb -x "$work"/python3-skimage_*.deb "$work/x"
src=$(find "$work/x" -type d -path '*skimage/data' | head -n 1)
mkdir -p "$dest"
for n in "${names[@]}"; do
  for ext in png jpg; do
    [[ -f "$src/$n.$ext" ]] && cp "$src/$n.$ext" "$dest/"
  done
done
touch "$dest/.complete"
echo "samples: $(ls "$dest" | wc -l) images in $dest"
