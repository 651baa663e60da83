#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Engine speed against PyTorch eager in the same run (docs/performance.md): installs Debian's
# python3-torch when missing (a benchmark-only dependency, never needed by the tests), builds
# engine_bench and adamix-engine, and runs bench/engine_vs_pytorch.py with the given options
# (e.g. --rounds 3 --scaling). Nothing else may be running: the numbers are wall-clock times.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
if ! /usr/bin/python3 -c 'import torch' 2> /dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-torch
fi
"$ROOT/scripts/install-deps.sh"
[ -f "$BUILD_DIR/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" --target engine_bench adamix-engine
exec /usr/bin/python3 "$ROOT/bench/engine_vs_pytorch.py" --build "$BUILD_DIR" "$@"
