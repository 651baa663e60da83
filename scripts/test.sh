#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest). Real-data tests read
# the asset mirror ($ADAMIX_ASSET_MIRROR, default ../shared next to the checkout). The Slurm
# executor's cluster tests (ctest label `slurm`) run against a single-node Slurm that this script
# starts (scripts/slurm-local.sh, root) and stops again; without one they skip, unless
# ADAMIX_REQUIRE_SLURM=1 (CI), which makes them fail.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
export ADAMIX_ASSET_MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
"$ROOT/scripts/build.sh"
export QT_QPA_PLATFORM=offscreen
if "$ROOT/scripts/slurm-local.sh" status > /dev/null 2>&1; then
  echo "test.sh: using the Slurm that is already running" >&2
elif "$ROOT/scripts/slurm-local.sh" start --clean; then
  trap '"$ROOT/scripts/slurm-local.sh" stop' EXIT
else
  echo "test.sh: no local Slurm could be started; the cluster tests (label slurm) skip" >&2
fi
# everything but the cluster tests in parallel; then the cluster tests verbosely, so the log shows
# the jobs submitted, the Slurm states seen and the comparisons with the local executor
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 -LE slurm "$@"
ctest --test-dir "$BUILD_DIR" --output-on-failure -V -L slurm "$@"
