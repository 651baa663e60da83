#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest). Real-data tests read
# the asset mirror ($ADAMIX_ASSET_MIRROR, default ../shared next to the checkout).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
export ADAMIX_ASSET_MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
"$ROOT/scripts/build.sh"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
