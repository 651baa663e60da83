#!/usr/bin/env bash
# Chaos test (issue 16, item 3; docs/reliability.md, "Chaos test"): tiny real runs through the
# real `adamix` CLI and `adamix-engine` with faults injected at seeded random times, then the
# store checked against every run's event log and the results against a fault-free reference.
# Not part of ctest. Needs root for the full-disk faults (a small tmpfs per such round; without
# root those rounds kill an engine instead). Exit code 0 only when every count that must be 0 is.
#
#   scripts/chaos.sh [--runs N] [--seed S] [--report FILE] [--work DIR] [--heartbeat-timeout S]
#
# Builds adamix, adamix-engine and chaos_test in $BUILD_DIR (default build/) first, unless
# CHAOS_NO_BUILD=1. Runs niced, one engine thread per run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
if [[ "${CHAOS_NO_BUILD:-0}" != 1 ]]; then
  if [[ ! -f "$BUILD_DIR/build.ninja" && ! -f "$BUILD_DIR/Makefile" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DADAMIX_BUILD_GUI=OFF >&2
  fi
  nice cmake --build "$BUILD_DIR" --target adamix adamix-engine chaos_test >&2
fi
for exe in app/adamix engine/adamix-engine bench/chaos_test; do
  if [[ ! -x "$BUILD_DIR/$exe" ]]; then
    echo "chaos.sh: $BUILD_DIR/$exe is missing (build it, or unset CHAOS_NO_BUILD)" >&2
    exit 2
  fi
done
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
exec nice "$BUILD_DIR/bench/chaos_test" --adamix "$BUILD_DIR/app/adamix" \
  --engine "$BUILD_DIR/engine/adamix-engine" "$@"
