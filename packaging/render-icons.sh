#!/usr/bin/env bash
# Renders the hicolor PNG icon sizes from resources/icons/adamix-studio.svg (needs rsvg-convert from
# librsvg2-bin). The PNGs are committed, so building the package does not need it; run this after
# editing the SVG. resources/icons/adamix-studio.png (the GUI's window icon, 128 px) is one of them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SVG="$ROOT/resources/icons/adamix-studio.svg"
for s in 16 24 32 48 64 128 256 512; do
  out="$ROOT/resources/icons/hicolor/${s}x${s}/apps/adamix-studio.png"
  mkdir -p "$(dirname "$out")"
  rsvg-convert -w "$s" -h "$s" "$SVG" -o "$out"
done
cp "$ROOT/resources/icons/hicolor/128x128/apps/adamix-studio.png" "$ROOT/resources/icons/adamix-studio.png"
