#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo study (experiments/demo.json). Ends with
# workspace/demo.sqlite and the result tables. To reach the first result sooner, it builds only the
# engine and the CLI first, starts the demo, and builds the GUI meanwhile in the background at the
# lowest priority (log: build/gui-build.log); it waits for that build at the end. ccache is used
# when installed (install-deps.sh installs it). Prints the elapsed times to the first finished run
# and to the whole table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
WORKSPACE="${WORKSPACE:-$ROOT/workspace}"
export ADAMIX_ASSET_MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
SECONDS=0
elapsed() { printf '%d min %02d s' $((SECONDS / 60)) $((SECONDS % 60)); }

BUILD_TARGETS="adamix-engine adamix" "$ROOT/scripts/build.sh"
echo "demo.sh: engine and CLI built after $(elapsed)"
# The GUI builds while the demo trains (one compile job, nice 19: the training runs keep the cores).
nice -n 19 cmake --build "$BUILD_DIR" -j1 --target adamix-studio > "$BUILD_DIR/gui-build.log" 2>&1 &
gui_build=$!

mkdir -p "$WORKSPACE"
first=""
set +e
"$BUILD_DIR/app/adamix" study run "$ROOT/experiments/demo.json" --db "$WORKSPACE/demo.sqlite" \
  --runs-dir "$WORKSPACE/runs" --jobs 2 --threads 1 "$@" |
  while IFS= read -r line; do
    printf '%s\n' "$line"
    if [ -z "$first" ] && [[ "$line" == finished* ]]; then
      first=1
      echo "demo.sh: first run finished after $(elapsed)"
    fi
  done
status=${PIPESTATUS[0]}
set -e
echo "demo.sh: study ended after $(elapsed) (exit $status)"
if wait "$gui_build"; then
  echo "demo.sh: GUI built ($BUILD_DIR/ui/adamix-studio) after $(elapsed); open the demo with:"
  echo "  $BUILD_DIR/ui/adamix-studio --workspace $WORKSPACE/demo.sqlite $ROOT/experiments/demo.json"
else
  echo "demo.sh: the GUI build failed; see $BUILD_DIR/gui-build.log" >&2
fi
exit "$status"
