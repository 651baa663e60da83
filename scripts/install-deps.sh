#!/usr/bin/env bash
# Installs the Debian 12 packages AdaMix Studio builds and runs with (skips what is present).
# Extra package names as arguments are installed too (scripts/package.sh: help2man, dpkg-dev, ...).
set -euo pipefail
PKGS=(cmake ninja-build g++ pkg-config ccache
      qt6-base-dev qt6-svg-dev libqt6sql6-sqlite libqcustomplot-dev
      libtorch-dev libsleef-dev libopenblas0-pthread nlohmann-json3-dev libsentencepiece-dev libcli11-dev libboost-dev
      libonig-dev libutf8proc-dev libcsv-dev
      xvfb xauth "$@")
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
