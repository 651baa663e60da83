#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo study (experiments/demo.json): stories260K
# on RTE and SST-2, five variants x 2 seeds. Ends with workspace/demo.sqlite and the result tables.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
WORKSPACE="${WORKSPACE:-$ROOT/workspace}"
export ADAMIX_ASSET_MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
"$ROOT/scripts/build.sh"
mkdir -p "$WORKSPACE"
"$BUILD_DIR/app/adamix" study run "$ROOT/experiments/demo.json" --db "$WORKSPACE/demo.sqlite" \
  --runs-dir "$WORKSPACE/runs" --jobs 2 --threads 1 "$@"
