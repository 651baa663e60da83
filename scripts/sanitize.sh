#!/usr/bin/env bash
# The sanitizer build (issue 16): the torch-free core, the app, the CLI, their test suites and the
# libFuzzer targets, built with clang under AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ (override with ASAN_BUILD_DIR), then the suites run under ctest. No LibTorch, no GUI.
#   scripts/sanitize.sh             build and run the sanitized suites
#   scripts/sanitize.sh --build     build only (scripts/fuzz.sh uses it)
# Any sanitizer report fails the test that triggered it (errors abort: -fno-sanitize-recover).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
export ADAMIX_ASSET_MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
"$ROOT/scripts/install-deps.sh" clang libclang-rt-14-dev python3
mkdir -p "$BUILD_DIR"
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DADAMIX_BUILD_ENGINE=OFF -DADAMIX_BUILD_GUI=OFF -DADAMIX_BUILD_BENCH=OFF -DADAMIX_BUILD_TESTS=ON \
  -DADAMIX_BUILD_FUZZ=ON -DADAMIX_SANITIZE=address,undefined \
  -DADAMIX_SHARED_DIR="$ADAMIX_ASSET_MIRROR" > "$BUILD_DIR/configure.log" 2>&1 ||
  { cat "$BUILD_DIR/configure.log" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)"
[ "${1:-}" = "--build" ] && exit 0
# leaks are errors too; Qt's and fontconfig's process-lifetime allocations are not ours
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" -LE slurm "${@}"
