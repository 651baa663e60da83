#!/usr/bin/env bash
# Configures and builds everything into build/ (override with BUILD_DIR). Extra args go to cmake.
# BUILD_TARGETS="a b" builds only those targets (scripts/demo.sh: the engine and the CLI first).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
if [ -n "${BUILD_TARGETS:-}" ]; then
  # shellcheck disable=SC2086  # a list of target names
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target $BUILD_TARGETS
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
